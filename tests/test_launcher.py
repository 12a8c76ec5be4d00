"""The Excel launcher: built from text, read back by two independent readers (olevba and
LibreOffice), and every action run exactly as xlwings' RunPython runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings
from click.testing import CliRunner

from okaxl.shell.cli import main
from okaxl.shell.launcher import MESSAGES, RIBBON_PART, read_modules
from okaxl.shell.launcher_actions import ACTIONS, BY_NAME, CELLS, SHEET
from tests.conftest import ROOT

LAUNCHER = ROOT / "macros" / "okaxl.xlsm"
UNO_PYTHON = "/usr/bin/python3"
pytestmark = pytest.mark.office


def olevba_modules(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        modules = {}
        for _, _, name, code in parser.extract_macros():
            lines = code.replace("\r\n", "\n").split("\n")
            # VBA stores Attribute lines of its own; the source under them must be ours word for word
            modules[Path(name).stem] = "\n".join(
                line for line in lines if not line.startswith("Attribute ")
            ).strip()
        return modules
    finally:
        parser.close()


def _source(name: str) -> str:
    return dict(read_modules(ROOT / "macros"))[name].strip()


class TestSources:
    def test_xlwings_module_is_the_pinned_packages(self):
        shipped = Path(xlwings.__file__).with_name("xlwings.bas").read_bytes()
        assert (ROOT / "macros" / "xlwings.bas").read_bytes() == shipped

    def test_pyproject_pins_the_xlwings_the_launcher_carries(self):
        import tomllib

        bas = (ROOT / "macros" / "xlwings.bas").read_text(encoding="ascii")
        version = re.search(r"^'Version: (\S+)$", bas, re.M).group(1)
        assert f'Lib "xlwings64-{version}.dll"' in bas  # the DLL the VBA loads from the venv
        dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
            "dependencies"
        ]
        assert f"xlwings=={version}" in dependencies

    def test_vba_is_ascii(self):
        for path in (ROOT / "macros").glob("*.bas"):
            path.read_bytes().decode("ascii")

    def test_one_sub_per_action(self):
        subs = set(re.findall(r"^Public Sub (\w+)", _source("okaxl"), re.M))
        assert {a.sub for a in ACTIONS} | {"OkaxlRibbon", "OkaxlRun"} == subs


class TestBuilt:
    """The committed launcher equals what the sources build."""

    def test_rebuild_matches_the_committed_launcher(self, project, tmp_path):
        out = tmp_path / "okaxl.xlsm"
        shutil.copytree(ROOT / "macros", project.path.parent / "macros")
        result = CliRunner().invoke(
            main, ["launcher", "build", "--output", str(out), "--config", str(project.path)]
        )
        assert result.exit_code == 0, result.output
        assert olevba_modules(out) == olevba_modules(LAUNCHER)

    def test_olevba_finds_exactly_the_modules(self):
        modules = olevba_modules(LAUNCHER)
        assert set(modules) == {"okaxl", "xlwings"}
        assert modules["okaxl"] == _source("okaxl")  # the dispatcher, word for word
        subs = set(re.findall(r"^(?:Public )?(?:Sub|Function) (\w+)", modules["xlwings"], re.M))
        assert {"RunPython", "GetConfig"} <= subs

    def test_checks_the_interpreter_before_calling_python(self):
        """Read back with olevba from the built launcher: every button goes through OkaxlRun, which
        asks whether the interpreter xlwings would start exists before RunPython, and otherwise
        shows the Japanese message naming the path, install.bat and okaxl doctor."""
        code = olevba_modules(LAUNCHER)["okaxl"]
        run = re.search(r"^Public Sub OkaxlRun\(.*?^End Sub", code, re.S | re.M).group(0)
        assert run.index("If Not OkaxlPythonFound() Then Exit Sub") < run.index("RunPython")
        check = re.search(r"^Private Function OkaxlPythonFound\(.*?^End Function", code, re.S | re.M).group(0)
        assert 'interpreter = GetConfig("INTERPRETER_WIN", "")' in check  # as xlwings' RunPython reads it
        assert 'CreateObject("Scripting.FileSystemObject").FileExists(interpreter)' in check
        assert 'Worksheets("okaxl.messages").Range("B1")' in check
        assert 'MsgBox Replace(message, "{path}", interpreter)' in check
        assert check.index("FileExists") < check.index("OkaxlPythonFound = False") < check.index("MsgBox")
        subs = re.findall(r"^Public Sub (Okaxl\w+)\(\)\n(.*?)^End Sub", code, re.S | re.M)
        assert subs and all(body.strip().startswith("OkaxlRun ") for _, body in subs)
        message = openpyxl.load_workbook(LAUNCHER, keep_vba=True)[MESSAGES]["B1"].value
        assert "{path}" in message and "install.bat" in message and "doctor" in message

    def test_ribbon(self):
        with zipfile.ZipFile(LAUNCHER) as archive:
            ribbon = ET.fromstring(archive.read(RIBBON_PART))
            rels = archive.read("_rels/.rels").decode()
        assert RIBBON_PART in rels
        ns = {"c": "http://schemas.microsoft.com/office/2006/01/customui"}
        tab = ribbon.find(".//c:tab", ns)
        assert tab.get("label") == "岡山連携"
        subs = set(re.findall(r"^Public Sub (\w+)", _source("okaxl"), re.M))
        buttons = ribbon.findall(".//c:button", ns)
        assert {b.get("tag") for b in buttons} == set(BY_NAME)
        assert all(b.get("onAction") in subs for b in buttons)

    def test_workbook_parts(self):
        book = openpyxl.load_workbook(LAUNCHER, keep_vba=True)
        assert book.sheetnames == [SHEET, "xlwings.conf", MESSAGES]
        assert book["xlwings.conf"].sheet_state == "hidden" and book[MESSAGES].sheet_state == "hidden"
        sheet = book[SHEET]
        assert sheet.protection.sheet  # the buttons stay put ...
        for name in ("年度", "基準日", "市町", "設定ファイル", "状態", "結果", "出力"):
            assert sheet[CELLS[name]].protection.locked is False, name  # ... and okaxl can write its answer
        conf = {r[0].value: r[1].value for r in book["xlwings.conf"].iter_rows()}
        assert conf["Interpreter_Win"].startswith("%LOCALAPPDATA%")
        with zipfile.ZipFile(LAUNCHER) as archive:
            assert b'codeName="ThisWorkbook"' in archive.read("xl/workbook.xml")
            assert "xl/vbaProject.bin" in archive.namelist()

    def test_libreoffice_binds_every_button(self):
        result = subprocess.run(
            [UNO_PYTHON, str(ROOT / "okaxl" / "shell" / "lo_uno.py"), "inspect", str(LAUNCHER)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        found = json.loads(result.stdout)
        assert {"VBAProject.okaxl", "VBAProject.xlwings"} <= set(found["modules"])
        bound = {c["label"]: c["events"][0]["code"] for c in found["controls"] if c["sheet"] == SHEET}
        assert bound == {
            a.label: f"vnd.sun.star.script:VBAProject.okaxl.{a.sub}?language=Basic&location=document"
            for a in ACTIONS
        }
        assert {"name": "xlwings.conf", "visible": False} in found["sheets"]


def _runpython(
    launcher: Path, action: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The command line xlwings' RunPython builds (xlwings.bas, ExecuteWindows), run here."""
    this = str(launcher)
    pythonpath = f"false;{this};{this};;;;"  # ADD_WORKBOOK_TO_PYTHONPATH is False in xlwings.conf
    code = (
        f'import xlwings.utils;xlwings.utils.prepare_sys_path("{pythonpath}"); '
        f"import okaxl.excel as e; e.run('{action}')"
    )
    command = [
        sys.executable,
        "-B",
        "-c",
        code,
        f"--wb={launcher.name}",
        "--from_xl=1",
        r"--app=C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE",
        "--hwnd=131072",
    ]
    env = {**os.environ, "OKAXL_EXCEL_BOOK": str(launcher), **(env_extra or {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture
def staff_pc(project):
    """A copy of the shipped files laid out as on a staff PC: macros/okaxl.xlsm beside config.toml."""
    base = project.path.parent
    shutil.copytree(ROOT / "macros", base / "macros")
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "workbooks" / "versions", base / "workbooks" / "versions")
    return project, base / "macros" / "okaxl.xlsm"


def _cells(launcher: Path) -> dict[str, object]:
    sheet = openpyxl.load_workbook(launcher, keep_vba=True)[SHEET]
    return {name: sheet[cell].value for name, cell in CELLS.items()}


class TestActions:
    """Every action on the ribbon and the sheet runs through okaxl.shell.excel.run, results written back."""

    @pytest.mark.parametrize(
        "action", [a.name for a in ACTIONS if a.name not in ("check_inbox", "merge_inbox")]
    )
    def test_action(self, staff_pc, action):
        _, launcher = staff_pc
        if action == "annex":  # the agreement in the master is 備前市's
            book = openpyxl.load_workbook(launcher, keep_vba=True)
            book[SHEET][CELLS["市町"]] = "備前市"
            book.save(launcher)
        result = _runpython(launcher, action)
        assert result.returncode == 0, result.stderr
        cells = _cells(launcher)
        assert cells["状態"].startswith(f"{BY_NAME[action].label}: 完了"), (cells, result.stderr)
        assert "Traceback" not in result.stderr
        if action != "forms":
            assert Path(str(cells["出力"])).exists()
        expected = {
            "validate": "検証: エラー 0件",
            "matrix": "46事務事業",
            "town_view": "津山市の連携取組一覧",
            "forms": "回答様式 12 件",
            "progress": "令和7年度の進捗管理シート",
            "annex": "別表",
            "revision": "改訂案",
        }[action]
        assert expected in str(cells["結果"])

    def test_returns_through_the_inbox(self, staff_pc):
        from tests.forms_helpers import fill, make_forms

        project, launcher = staff_pc
        form = make_forms(project, towns=("津山市",))["津山市"]
        fill(form, project.inbox / form.name)
        result = _runpython(launcher, "check_inbox")
        assert result.returncode == 0, result.stderr
        assert "受理 1 件" in str(_cells(launcher)["結果"])
        result = _runpython(launcher, "merge_inbox")
        assert result.returncode == 0, result.stderr
        assert "取込 1 件" in str(_cells(launcher)["結果"]) and "マスターを更新しました" in str(
            _cells(launcher)["結果"]
        )

    def test_failure_is_a_message_box(self, staff_pc):
        _, launcher = staff_pc
        book = openpyxl.load_workbook(launcher, keep_vba=True)
        book[SHEET][CELLS["市町"]] = "和气町"
        book.save(launcher)
        result = _runpython(launcher, "annex")
        assert result.returncode == 0 and "Traceback" not in result.stderr
        cells = _cells(launcher)
        assert cells["状態"] == "協約書別表: エラー" and "和気町" in str(cells["結果"])
        assert "[message box]" in result.stderr

    def test_unknown_action(self, staff_pc):
        _, launcher = staff_pc
        result = _runpython(launcher, "format_disk")
        assert result.returncode == 0
        assert "不明な操作「format_disk」" in str(_cells(launcher)["結果"])

    def test_vba_keeps_its_code_names(self, staff_pc):
        _, launcher = staff_pc
        _runpython(launcher, "validate")
        assert "vbaProject.bin" in " ".join(zipfile.ZipFile(launcher).namelist())  # a run keeps the macros


@pytest.fixture
def synced_pc(tmp_path):
    """The project in a folder named with spaces and Japanese, inside the folder OneDrive for
    Business syncs; the launcher at macros/okaxl.xlsm as on a staff PC."""
    from tests.conftest import make_project

    sync_root = tmp_path / "OneDrive - 岡山市"
    base = sync_root / "岡山 連携 (R7)"
    make_project(base)
    shutil.copytree(ROOT / "macros", base / "macros")
    (tmp_path / "home").mkdir()
    return sync_root, base / "macros" / "okaxl.xlsm"


BUSINESS_URL = (
    "https://okayamacity-my.sharepoint.com/personal/tanaka_city_okayama_lg_jp/Documents/"
    "岡山 連携 (R7)/macros/okaxl.xlsm"
)


class TestRealWorldPaths:
    """The launcher works where staff keep it: folders with spaces and Japanese names, and a
    OneDrive folder whose workbook Excel reports as an https:// URL."""

    def test_spaces_and_japanese_names(self, synced_pc):
        _, launcher = synced_pc
        result = _runpython(launcher, "matrix")
        cells = _cells(launcher)
        assert cells["状態"].startswith("取組状況一覧: 完了"), (cells, result.stderr)
        assert Path(str(cells["出力"])).is_file()
        assert " 連携 (R7)" in str(cells["出力"])

    def test_a_onedrive_url_becomes_the_synced_folder(self, synced_pc, tmp_path):
        sync_root, launcher = synced_pc
        env = {
            "OKAXL_EXCEL_FULLNAME": BUSINESS_URL,
            "OneDriveCommercial": str(sync_root),
            "HOME": str(tmp_path / "home"),
        }
        result = _runpython(launcher, "matrix", env)
        cells = _cells(launcher)
        assert cells["状態"].startswith("取組状況一覧: 完了"), (cells, result.stderr)
        assert Path(str(cells["出力"])).parent.parent == launcher.parent.parent  # the project's output/

    def test_an_unmapped_url_is_a_message_saying_what_to_do(self, synced_pc, tmp_path):
        _, launcher = synced_pc
        env = {"OKAXL_EXCEL_FULLNAME": BUSINESS_URL, "HOME": str(tmp_path / "home")}
        env_without = {k: "" for k in ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")}
        result = _runpython(launcher, "matrix", {**env_without, **env})
        assert result.returncode == 0 and "Traceback" not in result.stderr
        cells = _cells(launcher)
        assert cells["状態"] == "取組状況一覧: エラー"
        assert BUSINESS_URL in str(cells["結果"]) and "開き直して" in str(cells["結果"])
        assert "[message box]" in result.stderr
