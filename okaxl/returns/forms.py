"""Return forms: one workbook per partner town and fiscal year, pre-filled from the master.

What the form asks (headings, required, length limits, input messages, drop-down choices) comes
from the master's 入力項目 and 選択肢 sheets; where it sits comes from formlayout.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from okaxl import __version__, wareki
from okaxl.cellref import column_index
from okaxl.config import Config
from okaxl.errors import OkaxlError
from okaxl.files import os_failure, save_atomically
from okaxl.master import layout
from okaxl.master.model import Model, partner_towns
from okaxl.master.tables import Tables, records
from okaxl.numbers import format_number
from okaxl.publish.matrix import resolve_town
from okaxl.publish.page import balanced_pages, page_height, row_height, wrapped_lines
from okaxl.publish.sheets import Looks, Style, kpi_end_text, setup_page
from okaxl.returns import collection, formlayout, signing

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
ALERT_FILL = PatternFill("solid", fgColor="F8CBAD")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True, slots=True)
class FormField:
    """入力項目: one question of the form."""

    id: str
    target: str  # 事業 or KPI
    heading: str
    kind: str  # 文字, 数値, 選択
    choices: tuple[str, ...]
    required: str  # 必須, 任意, 条件付き
    limit: int | None
    message: str


@dataclass
class FormContent:
    town: str
    town_code: str
    year: int
    projects: list[dict[str, object]] = field(default_factory=list)
    kpis: list[dict[str, object]] = field(default_factory=list)


def form_fields(tables: Tables) -> dict[str, FormField]:
    """The questions of the form, from the master's 入力項目 and 選択肢 sheets."""
    model = Model.of(tables)
    fields = {}
    for r in records(tables["入力項目"]):
        listed = model.choices(str(r["選択肢名"]))
        fields[str(r["項目ID"])] = FormField(
            id=str(r["項目ID"]),
            target=str(r["対象"]),
            heading=str(r["見出し"]),
            kind=str(r["種類"]),
            choices=listed,
            required=str(r["必須"]),
            limit=int(r["文字数上限"]) if r["文字数上限"] else None,
            message=str(r["入力メッセージ"] or ""),
        )
    expected = {c.field for cols in formlayout.ANSWER_SHEETS.values() for c in cols if c.field}
    missing = expected - set(fields)
    if missing:
        raise OkaxlError(
            f"マスターの「入力項目」シートに項目ID {'、'.join(sorted(missing))} がありません。元に戻してください。"
        )
    for f in fields.values():
        if f.kind == "選択" and not f.choices:
            raise OkaxlError(f"入力項目「{f.heading}」の選択肢が「選択肢」シートにありません。")
    return fields


def form_content(tables: Tables, town: str, year: int) -> FormContent:
    """What the form of `town` for fiscal `year` holds: its projects that year (an excerpt row
    only when the town is not asked the project it is taken from), and the KPIs it reports."""
    towns = tables["市町"].set_index("市町名")
    content = FormContent(town=town, town_code=str(towns.at[town, "団体コード"]), year=year)
    pillars = {str(r["番号"]): str(r["分野名"]) for r in records(tables["分野"])}
    model = Model.of(tables)
    roles = {str(r["事業ID"]): r["役割"] for r in records(tables["役割"]) if r["主体"] == "連携市町"}
    for pid in model.projects_asked(town, year):
        p = model.projects[pid]
        step = model.plan(pid, year)
        if step is None:
            planned = "（別冊に記載なし）"
        else:
            cost = step["事業費"]
            cost_text = f"{format_number(cost)}千円" if isinstance(cost, int) else (cost or "記載なし")
            planned = f"{model.stage(pid, year) or '—'}（事業費 {cost_text}）"
        last = model.last_result(pid, town, year)
        content.projects.append(
            {
                "事業ID": pid,
                "分野": pillars.get(str(p["分野"]), p["分野"]),
                "連携取組": p["施策"],
                "事務事業": p["事務事業名"],
                "今年度の工程・事業費": planned,
                "市町の役割": roles.get(pid) or "",
                "直近の取組実績": f"（{wareki.short_fiscal_year(last['年度'])}年度）{last['取組実績']}"
                if last
                else "",
            }
        )
    project_names = {str(p["事業ID"]): p["事務事業"] for p in content.projects}
    for k in records(tables["KPI"]):
        pid = str(k["事業ID"])
        reporters = model.reporters(str(k["KPI_ID"]))
        if pid not in project_names or (reporters is not None and town not in reporters):
            continue
        previous, label = _latest(model, k, town, year)
        content.kpis.append(
            {
                "KPI_ID": str(k["KPI_ID"]),
                "事務事業": project_names[pid],
                "指標": k["指標"],
                # the value, then its year on a line of its own (inline, a narrow column broke
                # 「（平成30年）」 before its closing bracket)
                "基準値": kpi_end_text(k, "基準値", empty=""),
                "目標値": kpi_end_text(k, "目標値", empty=""),
                "直近の現状値": previous,
                # thousands separated as the city prints them: 1,812（基準値 R1年度）
                "_formats": {
                    "直近の現状値": f'{"#,##0" if isinstance(previous, int) else "General"}"（{label}）"'
                }
                if label
                else {},
                "単位": k["単位"] or "",
                "_choices": model.kpi_choices(str(k["KPI_ID"])),
            }
        )
    return content


def _latest(model: Model, kpi: dict[str, object], town: str, year: int) -> tuple[object, str]:
    """The value a town compares this year's with: its own latest before the year, else the
    area's, else the baseline; with the year it is of (shown beside it, the number stays a number)."""
    kpi_id = str(kpi["KPI_ID"])
    words = model.kpi_choices(kpi_id)
    for reporter in (town, layout.AREA, layout.HUB):
        row = model.kpi_value(kpi_id, reporter, year, before=True)
        if row is not None and (isinstance(row["現状値"], int | float) or (words and row["現状値"] in words)):
            who = "" if reporter == town else f"{reporter} "
            return row["現状値"], f"{who}{wareki.short_fiscal_year(row['年度'])}年度"
    if isinstance(kpi.get("基準値"), int | float):
        base_year = kpi.get("基準年度")
        return kpi["基準値"], f"基準値 {wareki.short_fiscal_year(base_year)}年度" if isinstance(
            base_year, int
        ) else "基準値"
    return None, ""


# ---------------------------------------------------------------------------------- writing


class _Sheet:
    """A sheet of a write-only workbook, written once from top to bottom (openpyxl keeps no cells of
    it); the values the signature covers are kept as they go by, in the order they are written."""

    def __init__(self, book: Workbook, title: str, style: Style) -> None:
        self.ws = book.create_sheet(title)
        self.style = style
        self.looks = Looks.of(book)
        self.written = 0  # the last row written
        self.values: list[tuple[str, object]] = []

    def cell(
        self, value: object = None, look: Hashable = None, make: Callable[[Cell], None] | None = None
    ) -> Cell:
        cell = WriteOnlyCell(self.ws, value=None if value == "" else value)
        if make is not None:
            self.looks.apply(cell, (look, self.style.name, self.style.size), make)
        return cell

    def row(self, number: int, cells: Mapping[str, Cell], height: float | None = None) -> None:
        """Row `number` (below the last written) with `cells` by column letter."""
        if number <= self.written:  # a write-only sheet only appends: the signature would be wrong
            raise ValueError(f"row {number} after row {self.written} of {self.ws.title}")
        while self.written < number - 1:
            self.ws.append([])
            self.written += 1
        if height is not None:
            self.ws.row_dimensions[number].height = height
        last = max((column_index(letter) for letter in cells), default=0)
        line: list[Cell | None] = [None] * last
        for letter, cell in cells.items():
            line[column_index(letter) - 1] = cell
        self.ws.append(line)
        self.written = number
        for index, cell in enumerate(line, start=1):
            if cell is not None and cell.value not in (None, ""):
                self.values.append((f"{get_column_letter(index)}{number}", cell.value))


def _head(
    sheet: _Sheet,
    columns: tuple[formlayout.FormColumn, ...],
    fields: dict[str, FormField],
    notes: Mapping[str, str],
) -> float:
    """The header row (with `notes` as comments by column); its height."""
    style = sheet.style

    def head_cell(cell: Cell) -> None:
        cell.font = style.font(bold=True)
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    cells = {}
    for column in columns:
        text = fields[column.field].heading if column.field else column.printed
        cell = sheet.cell(text, "head", head_cell)
        cell.fill = INPUT_FILL if column.field else HEAD_FILL
        if column.letter in notes:
            cell.comment = Comment(notes[column.letter], "okaxl")
        cells[column.letter] = cell
    lines = max(wrapped_lines(cells[c.letter].value, c.width, style.size) for c in columns)
    height = row_height(lines, style.size)
    sheet.row(formlayout.HEADER_ROW, cells, height)
    return height


def _body(
    sheet: _Sheet, columns: tuple[formlayout.FormColumn, ...], rows: list[dict[str, object]]
) -> list[float]:
    """The answer rows; their heights."""
    style = sheet.style

    def body_cell(cell: Cell) -> None:
        cell.font = style.font()
        cell.border = BORDER
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        cell.fill = LOCKED_FILL

    def input_cell(cell: Cell) -> None:
        body_cell(cell)
        cell.fill = INPUT_FILL
        cell.protection = Protection(locked=False)

    heights = []
    for number, record in enumerate(rows, start=formlayout.FIRST_ROW):
        longest = 1
        cells = {}
        shown = record.get("_formats", {})
        for column in columns:
            if column.field:
                cells[column.letter] = sheet.cell(None, "input", input_cell)
                continue
            value = record.get(column.heading)
            cell = cells[column.letter] = sheet.cell(value, "body", body_cell)
            if isinstance(shown, dict) and column.heading in shown and cell.value is not None:
                cell.number_format = shown[column.heading]
            longest = max(longest, wrapped_lines(str(value or ""), column.width, style.size))
        heights.append(min(max(30, row_height(longest, style.size)), 400))  # in the print font's size
        sheet.row(number, cells, heights[-1])
    return heights


def _validations(
    ws: Worksheet,
    columns: tuple[formlayout.FormColumn, ...],
    fields: dict[str, FormField],
    rows: list[dict[str, object]],
) -> None:
    last_row = formlayout.FIRST_ROW + len(rows) - 1
    worded = {n: _choices_of(r) for n, r in enumerate(rows, start=formlayout.FIRST_ROW) if _choices_of(r)}
    for column in columns:
        if not column.field or last_row < formlayout.FIRST_ROW:
            continue
        f = fields[column.field]
        numbers = range(formlayout.FIRST_ROW, last_row + 1)
        area = _area(column.letter, numbers)
        if f.kind == "数値" and worded:
            _worded_validations(ws, column.letter, f, worded)
            area = _area(column.letter, [n for n in numbers if n not in worded])
            if not area:
                continue
        if f.kind == "数値":
            rule = DataValidation(
                type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
            )
            rule.error = (
                f"「{f.heading}」には 0 以上の数値を半角で入力してください（単位や桁区切りは不要です）。"
            )
        elif f.kind == "選択":
            rule = DataValidation(type="list", formula1=f'"{",".join(f.choices)}"', allow_blank=True)
            rule.error = f"「{f.heading}」は一覧（{'・'.join(f.choices)}）から選んでください。"
        elif f.limit:
            rule = DataValidation(
                type="textLength", operator="lessThanOrEqual", formula1=str(f.limit), allow_blank=True
            )
            rule.error = f"「{f.heading}」は {f.limit} 字以内で入力してください。"
        else:
            continue
        rule.errorTitle = "入力できない値です"
        rule.promptTitle = f.heading[:32]
        rule.prompt = f.message[:255]
        rule.showErrorMessage = rule.showInputMessage = True
        for part in area:
            rule.add(part)
        ws.data_validations.append(rule)  # a write-only sheet has no add_data_validation


def _area(letter: str, numbers: Iterable[int]) -> list[str]:
    """The cells of rows `numbers` of a column, as runs: ["G5:G7", "G9"]."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return [f"{letter}{a}:{letter}{b}" if a != b else f"{letter}{a}" for a, b in runs]


def _choices_of(record: dict[str, object]) -> tuple[str, ...]:
    """The answers a KPI row takes in words; () for a number."""
    choices = record.get("_choices")
    return tuple(str(c) for c in choices) if isinstance(choices, tuple | list) else ()


def _worded_validations(ws: Worksheet, letter: str, f: FormField, worded: dict[int, tuple[str, ...]]) -> None:
    """A KPI answered in words takes one of its choices from a drop-down (a number would mean nothing)."""
    by_list: dict[tuple[str, ...], list[int]] = {}
    for number, choices in worded.items():
        by_list.setdefault(choices, []).append(number)
    for choices, numbers in by_list.items():
        rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
        rule.error = f"この指標の「{f.heading}」は一覧（{'・'.join(choices)}）から選んでください。"
        rule.errorTitle = "入力できない値です"
        rule.promptTitle = f.heading[:32]
        rule.prompt = "この指標は言葉で答えます。今の段階を一覧から選んでください。把握できない場合は空欄のままにしてください。"
        rule.showErrorMessage = rule.showInputMessage = True
        for part in _area(letter, numbers):
            rule.add(part)
        ws.data_validations.append(rule)  # a write-only sheet has no add_data_validation


def _title(sheet: _Sheet, text: str, note: str) -> float:
    """The title and the note above the header; the height they take."""
    style = sheet.style
    heights = (row_height(1, round(style.size * 1.4, 1)), row_height(1, style.size), 8.0)
    title = sheet.cell(text)
    title.font = style.font(bold=True, scale=1.4)
    sheet.row(formlayout.TITLE_ROW, {"A": title}, heights[0])
    below = sheet.cell(note)
    below.font = style.font()
    sheet.row(formlayout.NOTE_ROW, {"A": below}, heights[1])
    # a gap of its own height, so that the page layout knows what the first page has left
    sheet.row(formlayout.NOTE_ROW + 1, {}, heights[2])
    return sum(heights)


def _pages(
    ws: Worksheet, columns: tuple[formlayout.FormColumn, ...], heights: list[float], above: float, head: float
) -> None:
    """Page breaks that share the rows out evenly over the pages: left to itself the application
    fills each page in turn and the last one may hold a single row."""
    # the header repeats on every page; Excel rounds each row to whole pixels (8 points spare)
    room = page_height((c.width for c in columns), landscape=True) - head - 8
    starts = balanced_pages(heights, room - above, room)
    if len(starts) > MAX_BREAKS:
        return  # more than Excel keeps: the application's own page breaks, page after page
    for index in starts:
        ws.row_breaks.append(Break(id=formlayout.FIRST_ROW + index - 1))


def _cover(sheet: _Sheet, content: FormContent, config: Config) -> None:
    fy = wareki.format_fiscal_year(content.year)
    rows = [
        (f"{fy} 岡山連携中枢都市圏 連携事業の取組状況 回答様式", None),
        (None, None),
        ("市町", content.town),
        ("年度", fy),
        ("提出期限", wareki.format_date(config.forms.deadline)),
        ("問い合わせ先", config.forms.contact),
        (None, None),
        ("記入のしかた", None),
        (
            "1",
            f"「{formlayout.PROJECTS}」シートに、参加している事業（{len(content.projects)}件）ごとの今年度の取組実績などを入力します。",
        ),
        (
            "2",
            f"「{formlayout.KPIS}」シートに、指標（{len(content.kpis)}件）ごとの今年度の現状値を入力します。",
        ),
        ("3", "入力するのは黄色のセルだけです。灰色のセルはこれまでの情報で、変更できません。"),
        (
            "4",
            "数値は半角の数字だけを入力します（単位・桁区切り・▲ は不要）。文字の先頭に = や + を付けないでください。",
        ),
        (
            "5",
            f"現状値が「直近の現状値」から {config.forms.change_threshold:.0%} を超えて変わった場合は、右の「変動理由」を入力してください。",
        ),
        (
            "6",
            "シートの追加・削除・名前の変更、行の挿入・削除はしないでください。保存形式は Excel ブック（.xlsx）のままにします。",
        ),
        ("7", "入力が終わったら、ファイル名を変えずに保存し、提出期限までにメールで返送してください。"),
    ]
    style = sheet.style
    sheet.ws.column_dimensions["A"].width = 14
    sheet.ws.column_dimensions["B"].width = 100
    setup_page(sheet.ws, landscape=True)
    for number, (label, value) in enumerate(rows, start=1):
        head, text = sheet.cell(label), sheet.cell(value)
        head.font = style.font(bold=number in (1, 8), scale=1.4 if number == 1 else 1.0)
        text.font = style.font(bold=number in (3, 4, 5))
        text.alignment = Alignment(wrap_text=True, vertical="top")
        height = row_height(wrapped_lines(value, 100, style.size), style.size) if number > 1 else None
        sheet.row(number, {"A": head, "B": text}, height)


def build_form(
    tables: Tables,
    town: str,
    year: int,
    config: Config,
    master_sha256: str,
    key: bytes,
    *,
    created_at: dt.datetime | None = None,
) -> tuple[Workbook, dict[str, str]]:
    """The form workbook and its metadata (signed)."""
    fields = form_fields(tables)
    content = form_content(tables, town, year)
    style = Style(config.print.font, config.print.font_size)
    book = Workbook(write_only=True)  # one pass: a large master's forms are not held cell by cell
    cover = _Sheet(book, formlayout.COVER, style)
    _cover(cover, content, config)
    written = [cover]
    fy = wareki.format_fiscal_year(year)
    threshold = config.forms.change_threshold
    for title, rows in ((formlayout.PROJECTS, content.projects), (formlayout.KPIS, content.kpis)):
        sheet = _Sheet(book, title, style)
        ws = sheet.ws
        columns = formlayout.ANSWER_SHEETS[title]
        for column in columns:  # what precedes the rows in the sheet's XML is set before them
            ws.column_dimensions[column.letter].width = column.width
        ws.freeze_panes = f"B{formlayout.FIRST_ROW}"
        setup_page(ws, landscape=True, title_rows=f"{formlayout.HEADER_ROW}:{formlayout.HEADER_ROW}")
        above = _title(
            sheet, f"{fy} {title}（{town}）", "黄色のセルに入力してください。灰色のセルは変更できません。"
        )
        alert = title == formlayout.KPIS and rows
        notes = {REASON_COLUMN: _reason_note(threshold)} if alert else {}
        head = _head(sheet, columns, fields, notes)
        heights = _body(sheet, columns, rows)
        _validations(ws, columns, fields, rows)
        _pages(ws, columns, heights, above, head)
        if alert:
            _reason_alert(ws, formlayout.FIRST_ROW + len(rows) - 1, threshold)
        written.append(sheet)
    metadata = {
        "form_id": f"{year}-{content.town_code}-{uuid.uuid4().hex[:8]}",
        "instance_id": uuid.uuid4().hex[:12],
        "town": town,
        "town_code": content.town_code,
        "fiscal_year": str(year),
        "master_sha256": master_sha256,
        "schema_version": formlayout.FORM_SCHEMA,
        "okaxl_version": __version__,
        "created_at": (created_at or wareki.now()).isoformat(timespec="seconds"),
        "rows": json.dumps(
            {
                formlayout.PROJECTS: [p["事業ID"] for p in content.projects],
                formlayout.KPIS: [k["KPI_ID"] for k in content.kpis],
            },
            ensure_ascii=False,
        ),
        "fields": json.dumps(
            {f.id: [f.kind, f.required, f.limit, list(f.choices)] for f in fields.values()},
            ensure_ascii=False,
        ),
        "change_threshold": str(config.forms.change_threshold),
    }
    worded = {str(k["KPI_ID"]): list(_choices_of(k)) for k in content.kpis if _choices_of(k)}
    if worded:
        metadata["kpi_choices"] = json.dumps(worded, ensure_ascii=False)
    metadata["key_id"] = signing.key_id(key)
    sheets = [(sheet.ws.title, sheet.values) for sheet in written]
    metadata["hmac"] = signing.form_digest(
        key, sheets, metadata, formlayout.input_cells(metadata), formlayout.META
    )
    meta = _Sheet(book, formlayout.META, style)
    for number, (name, part) in enumerate(formlayout.metadata_cells(metadata), start=1):
        text = meta.cell(part)
        text.number_format = "@"  # every value is text, so nothing is reformatted on re-save
        meta.row(number, {"A": meta.cell(name), "B": text})
    for name, value in metadata.items():
        book.custom_doc_props.append(StringProperty(name=f"okaxl_{name}", value=value[:255]))
    meta.ws.sheet_state = "veryHidden"
    for ws in book.worksheets:
        ws.protection.sheet = True
        ws.protection.password = config.forms.password
        ws.protection.formatColumns = False  # staff may widen columns to read
        ws.protection.formatRows = False
    book.security = WorkbookProtection(workbookPassword=config.forms.password, lockStructure=True)
    return book, metadata


REASON_COLUMN = "I"  # 変動理由
MAX_BREAKS = 1026  # manual page breaks Excel keeps in a sheet


def _reason_note(threshold: float) -> str:
    return f"直近の現状値から {threshold:.0%} を超えて変わった現状値には、理由の入力が必要です（赤くなったセル）。"


def _reason_alert(ws: Worksheet, last: int, threshold: float) -> None:
    """Colour the 変動理由 cell while a value moved more than the threshold and no reason is typed."""
    previous, value, reason = formlayout.PREVIOUS_KPI_COLUMN, "G", REASON_COLUMN
    first = formlayout.FIRST_ROW
    formula = (
        f"AND(ISNUMBER({value}{first}),ISNUMBER({previous}{first}),{previous}{first}<>0,"
        f"ABS({value}{first}-{previous}{first})>ABS({previous}{first})*{threshold},LEN({reason}{first})=0)"
    )
    ws.conditional_formatting.add(
        f"{reason}{first}:{reason}{last}", FormulaRule(formula=[formula], fill=ALERT_FILL)
    )


def write_forms(
    tables: Tables,
    config: Config,
    year: int,
    towns: list[str],
    out_dir: Path,
    master_sha256: str,
    each: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write one form per town into `out_dir`, and keep a copy of each as issued."""
    key = signing.load_key(config.forms.key_file, create=True)
    Model.of(tables).require_period(year)
    chosen = [resolve_town(tables, t) for t in towns] if towns else list(partner_towns(tables))
    written = []
    for town in chosen:
        book, metadata = build_form(tables, town, year, config, master_sha256, key)
        path = out_dir / formlayout.file_name(wareki.short_fiscal_year(year), town)
        save_atomically(book, path)
        try:
            config.forms.issued.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, config.forms.issued / f"{metadata['form_id']}.xlsx")
        except OSError as exc:
            raise os_failure(exc, config.forms.issued, "配布した様式の控えを残す") from exc
        collection.record_issued(config.master, year, town, metadata["form_id"], path)
        written.append(path)
        if each:
            each(path)
    return written
