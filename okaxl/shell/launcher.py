"""`okaxl launcher build`: the Excel launcher macros/okaxl.xlsm, built from text sources.

The VBA project is compiled from macros/*.bas by LibreOffice (source-only MS-OVBA form, which
Excel recompiles on open); XlsxWriter assembles the workbook around it, so code names survive;
the ribbon (customUI/customUI.xml) and the 操作 sheet's buttons come from launcher_actions.ACTIONS.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from okaxl.config import Config
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.publish.office import LO_UNO, uno_python
from okaxl.shell.launcher_actions import ACTIONS, CELLS, FIRST_BUTTON_ROW, SHEET

RIBBON_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
RIBBON_PART = "customUI/customUI.xml"
INTERPRETER_WIN = r"%LOCALAPPDATA%\okaxl\.venv\Scripts\pythonw.exe"
MESSAGES = "okaxl.messages"  # hidden sheet: the Japanese text the VBA shows (VBA source stays ASCII)
NO_PYTHON = (
    "okaxl が使う Python が見つかりません。\n{path}\n\n"
    "この PC にまだ okaxl を入れていないときは、配布された okaxl フォルダーの install.bat を実行してください。"
    "入れたのにこの表示が出るときは、コマンドプロンプトで "
    '"%LOCALAPPDATA%\\okaxl\\.venv\\Scripts\\okaxl" doctor を実行し、表示された対処をしてください'
    "（手順書 setup_windows.md の「困ったとき」）。"
)
MODULE_NAME = re.compile(r'^Attribute VB_Name = "([^"]+)"\s*$', re.M)


def read_modules(macros: Path) -> list[tuple[str, str]]:
    """(name, code) of every macros/*.bas, the Attribute lines removed (LibreOffice writes its own)."""
    modules = []
    for path in sorted(macros.glob("*.bas")):
        text = path.read_bytes().decode("ascii")  # VBA text must stay ASCII: the export writes cp1252
        match = MODULE_NAME.search(text)
        if not match:
            raise OkaxlError(f"{path.name} に Attribute VB_Name の行がありません。")
        code = "\n".join(
            line for line in text.replace("\r\n", "\n").split("\n") if not line.startswith("Attribute ")
        )
        modules.append((match.group(1), code))
    return modules


def _uno_python() -> str:
    found = uno_python()
    if found:
        return found
    raise OkaxlError(
        "LibreOffice の Python（uno）が見つかりません。Debian/Ubuntu では "
        "apt-get install python3-uno libreoffice-calc-nogui を実行してください。"
    )


def vba_project(modules: list[tuple[str, str]]) -> bytes:
    """vbaProject.bin holding `modules`, written by LibreOffice headless."""
    with tempfile.TemporaryDirectory(prefix="okaxl-vba-") as folder:
        spec, out = Path(folder) / "modules.json", Path(folder) / "vba.xlsm"
        spec.write_text(json.dumps(modules), encoding="utf-8")
        result = subprocess.run(
            [_uno_python(), str(LO_UNO), "vba", str(spec), str(out)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0 or not out.exists():
            raise OkaxlError(f"LibreOffice で VBA を書き出せませんでした（{result.stderr.strip()[-300:]}）。")
        with zipfile.ZipFile(out) as archive:
            return archive.read("xl/vbaProject.bin")


def ribbon_xml() -> str:
    buttons = "\n".join(
        f'          <button id="okaxl_{a.name}" label="{escape(a.label)}" screentip="{escape(a.label)}" '
        f'supertip="{escape(a.explanation)}" imageMso="{a.image}" size="large" onAction="OkaxlRibbon" tag="{a.name}"/>'
        for a in ACTIONS
    )
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
  <ribbon>
    <tabs>
      <tab id="okaxlTab" label="岡山連携">
        <group id="okaxlGroup" label="okaxl">
{buttons}
        </group>
      </tab>
    </tabs>
  </ribbon>
</customUI>
"""


def _years(config: Config) -> range:
    """The fiscal years the 年度 drop-down offers: the master's vision periods (from its 期 sheet),
    and five years beyond the last, so that the next period needs no rebuilt launcher."""
    from okaxl.master.model import Model
    from okaxl.master.reader import read_master

    try:
        years = Model.of(read_master(config.master)).fiscal_years()
    except OkaxlError:
        years = []
    first = min([*years, config.fiscal_year])
    return range(first, max([*years, config.fiscal_year]) + 6)


def _workbook(path: Path, vba: bytes, config: Config) -> None:
    import xlsxwriter

    from okaxl import wareki

    book = xlsxwriter.Workbook(str(path))
    book.add_vba_project(io.BytesIO(vba), is_stream=True)
    book.set_vba_name("ThisWorkbook")
    font = {"font_name": config.print.font, "font_size": 11}
    title = book.add_format({**font, "bold": True, "font_size": 16})
    label = book.add_format({**font, "bold": True, "bg_color": "#DDEBF7", "border": 1})
    value = book.add_format({**font, "bg_color": "#FFF2CC", "border": 1, "locked": False})
    text = book.add_format({**font, "text_wrap": True, "valign": "top"})
    ws = book.add_worksheet(SHEET)
    ws.set_vba_name("Sheet1")
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 16)
    ws.set_column("C:C", 40)
    ws.set_column("D:D", 60)
    ws.write("B1", "okaxl — 岡山連携中枢都市圏 マスターブック・ツール", title)
    ws.write(
        "B2",
        "ボタン（またはリボンの「岡山連携」タブ）を押すと、下の条件で処理し、結果のファイルを開きます。",
        text,
    )
    towns = layout.PARTNER_TOWNS
    years = [wareki.format_fiscal_year(y) for y in _years(config)]
    parameters = {
        "年度": (wareki.format_fiscal_year(config.fiscal_year), {"validate": "list", "source": years}),
        "基準日": (config.as_of.isoformat(), None),
        "市町": (towns[0], {"validate": "list", "source": list(towns)}),
        "設定ファイル": ("../config.toml", None),
    }
    for name, (default, rule) in parameters.items():
        cell = CELLS[name]
        ws.write(f"B{cell[1:]}", name, label)
        ws.write(cell, default, value)
        if rule:
            ws.data_validation(
                cell, {**rule, "input_title": name, "input_message": f"{name}を選んでください。"}
            )
    ws.write("D5", "2025-04-01 または 令和7年4月1日", text)
    ws.write("D7", "このファイル（macros フォルダー）から見た config.toml の場所", text)
    # unlocked: okaxl writes them while the sheet is protected (Excel refuses writes to locked cells)
    result = book.add_format({**font, "border": 1, "text_wrap": True, "locked": False})
    for name in ("状態", "結果", "出力"):
        ws.write(f"B{CELLS[name][1:]}", name, label)
        ws.write(CELLS[name], None, result)
    ws.set_row(int(CELLS["結果"][1:]) - 1, 48)
    for offset, action in enumerate(ACTIONS):
        row = FIRST_BUTTON_ROW + offset * 2
        ws.set_row(row - 1, 30)
        ws.insert_button(
            f"B{row}", {"macro": action.sub, "caption": action.label, "width": 150, "height": 34}
        )
        ws.write(f"C{row}", action.explanation, text)
    ws.protect("", {"objects": True})  # the buttons stay put; the yellow cells stay editable
    conf = book.add_worksheet("xlwings.conf")
    conf.set_vba_name("Sheet2")
    for row, (key, setting) in enumerate(
        (
            ("Interpreter_Win", INTERPRETER_WIN),
            ("PYTHONPATH", ""),
            ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
            ("Show Console", "False"),
        )
    ):
        conf.write(row, 0, key)
        conf.write(row, 1, setting)
    conf.hide()
    messages = book.add_worksheet(MESSAGES)
    messages.set_vba_name("Sheet3")
    messages.write("A1", "no_python")
    messages.write("B1", NO_PYTHON)
    messages.hide()
    ws.activate()
    book.close()


def _add_ribbon(path: Path) -> None:
    temp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "_rels/.rels":
                relation = f'<Relationship Id="rIdOkaxlRibbon" Type="{RIBBON_REL}" Target="{RIBBON_PART}"/>'
                data = data.replace(b"</Relationships>", relation.encode() + b"</Relationships>")
            new.writestr(item, data)
        new.writestr(RIBBON_PART, ribbon_xml().encode("utf-8"))
    temp.replace(path)


def build(macros: Path, output: Path, config: Config) -> Path:
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        raise OkaxlError(
            "LibreOffice が見つかりません。ランチャーの作成には LibreOffice（libreoffice-calc-nogui）が必要です。"
        )
    vba = vba_project(read_modules(macros))
    with tempfile.TemporaryDirectory(prefix="okaxl-launcher-") as folder:
        built = Path(folder) / "okaxl.xlsm"
        _workbook(built, vba, config)
        _add_ribbon(built)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, output)
    return output
