"""The one reader and the one writer of the master workbook.

Reading uses python-calamine (values only, many times faster than openpyxl); writing uses
openpyxl, because the master carries styles, frozen panes and drop-downs for the staff.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from defusedxml import ElementTree as DefusedET
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from okaxl import layout
from okaxl.errors import OkaxlError
from okaxl.layout import Kind
from okaxl.problems import Problem, Severity
from okaxl.rules import problem
from okaxl.tables import Tables, frame, records

README_SHEET = "説明"
DERIVED_SHEETS = (README_SHEET, layout.LIST_SHEET)

# ---------------------------------------------------------------- reading


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open a workbook for reading values, or say in Japanese why it cannot be opened."""
    path = Path(path)
    if not path.is_file():
        raise OkaxlError(
            f"マスターブック {path} が見つかりません。config.toml の [paths] master を確認してください。"
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise OkaxlError(
            f"{path} は暗号化されたブックか、古い形式（.xls）のブックです。"
            "パスワードを解除し、Excel で「Excel ブック (*.xlsx)」として保存し直してください。"
        )
    if not head.startswith(b"PK") or not zipfile.is_zipfile(path):
        raise OkaxlError(f"{path} は Excel ブック（.xlsx）ではありません。正しいファイルを指定してください。")
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, ValueError, OSError) as exc:
        raise OkaxlError(f"{path} を開けません（{exc}）。Excel で開けるか確認してください。") from exc


def _header_key(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def _typed(value: object, kind: Kind) -> object:
    """A cell value as the table holds it: None for empty, int for whole numbers, date for dates."""
    if value == "" or value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date() if kind is Kind.DATE else value
    if isinstance(value, float) and value.is_integer() and kind is not Kind.TEXT:
        return int(value)
    return value


def read_master(path: Path) -> Tables:
    """Read every sheet of the layout into a table indexed by Excel row number.

    A missing sheet or column does not stop reading: it becomes a problem, and the table is
    empty or lacks that column, so that validation can report everything at once.
    """
    book = open_workbook(path)
    tables = Tables(frames={}, source=Path(path))
    names = set(book.sheet_names)
    for spec in layout.SHEETS:
        if spec.name not in names:
            tables.problems.append(problem("SHEET_MISSING", spec.name, None, None))
            tables.frames[spec.name] = frame(spec.name, [])
            continue
        rows = book.get_sheet_by_name(spec.name).to_python(skip_empty_area=False)
        tables.frames[spec.name], tables.letters[spec.name] = _read_sheet(spec, rows, tables.problems)
    return tables


def _read_sheet(
    spec: layout.Sheet, rows: Sequence[Sequence[object]], problems: list[Problem]
) -> tuple[pd.DataFrame, dict[str, str]]:
    expected = {_header_key(name): name for name in spec.column_names}
    header_row = layout.HEADER_ROW
    for number, row in enumerate(rows[: layout.HEADER_ROW + 10], start=1):
        if sum(_header_key(v) in expected for v in row) * 2 >= len(spec.columns):
            header_row = number
            break
    if header_row != layout.HEADER_ROW:
        # still read the sheet below its header, so that the rest can be checked
        problems.append(problem("HEADER_MOVED", spec.name, f"A{header_row}", None, row=header_row))
    header = rows[header_row - 1] if len(rows) >= header_row else []
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        key = expected.get(_header_key(value))
        if key is not None and key not in found:
            found[key] = index
        elif _header_key(value):
            cell = f"{get_column_letter(index + 1)}{header_row}"
            problems.append(problem("COLUMN_UNEXPECTED", spec.name, cell, value))
    for column in spec.columns:
        if column.name not in found:
            missing = problem("COLUMN_MISSING", spec.name, f"{header_row}行目", None, column=column.name)
            problems.append(missing if column.required else replace(missing, severity=Severity.WARNING))
    records: list[dict[str, object]] = []
    row_numbers: list[int] = []
    for offset, row in enumerate(rows[header_row:], start=header_row + 1):
        record = {
            name: _typed(row[i] if i < len(row) else None, spec.column(name).kind)
            for name, i in found.items()
        }
        if all(v is None for v in record.values()):
            continue
        records.append(record)
        row_numbers.append(offset)
    columns = [c for c in spec.column_names if c in found]
    df = pd.DataFrame(records, columns=columns, index=pd.Index(row_numbers, dtype="int64"), dtype=object)
    letters = {name: get_column_letter(i + 1) for name, i in found.items()}
    return df, letters


# ---------------------------------------------------------------- writing

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FORMATS = {Kind.DATE: "yyyy/mm/dd", Kind.AMOUNT: "#,##0", Kind.INT: "0", Kind.YEAR: "0"}


def write_master(tables: Tables, path: Path, font: str = "BIZ UDゴシック") -> None:
    """Write the tables as a master workbook laid out for staff, replacing `path` atomically."""
    book = Workbook()
    book.remove(book.worksheets[0])
    _write_readme(book.create_sheet(README_SHEET), font)
    for spec in layout.SHEETS:
        _write_sheet(book.create_sheet(spec.name), spec, tables[spec.name], font)
    _write_lists(book.create_sheet(layout.LIST_SHEET), tables)
    save_atomically(book, Path(path))


def save_atomically(book: Workbook, path: Path) -> None:
    """Save to a temporary file in the same folder, fsync it, then os.replace it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".~okaxl-{path.stem}-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    temp = Path(name)
    try:
        # mkstemp makes the file private (0600); keep the mode the file had, or the usual one
        umask = os.umask(0)
        os.umask(umask)
        temp.chmod(path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)
        book.save(temp)
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        temp.replace(path)  # os.replace: atomic on the same file system
    finally:
        temp.unlink(missing_ok=True)


def _write_readme(ws: Worksheet, font: str) -> None:
    ws.append(["シート", "内容", "列"])
    for spec in layout.SHEETS:
        ws.append([spec.name, spec.purpose, "、".join(spec.column_names)])
    ws.append([])
    ws.append(
        [
            "",
            "このブックは okaxl のマスターです。見出し（1行目）とシート名は変えないでください。"
            "行の追加・削除・並べ替えは自由です。入力後は「検証」ボタン（okaxl validate）で確認してください。",
        ]
    )
    for width, letter in zip((14, 60, 80), "ABC", strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.font = Font(name=font, bold=cell.row == 1)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _write_sheet(ws: Worksheet, spec: layout.Sheet, df: pd.DataFrame, font: str) -> None:
    body_font = Font(name=font, size=10)
    ws.append(list(spec.column_names))
    for cell in ws[layout.HEADER_ROW]:
        cell.font = Font(name=font, size=10, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for record in df.itertuples(index=False):
        ws.append([_cell_value(v) for v in record])
    for i, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = column.width
        for (cell,) in ws.iter_rows(min_row=layout.FIRST_DATA_ROW, min_col=i, max_col=i):
            cell.font = body_font
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=column.kind is Kind.TEXT)
            if column.kind in _FORMATS and not isinstance(cell.value, str):
                cell.number_format = _FORMATS[column.kind]
        if column.choices:
            _add_list_validation(ws, spec, column, letter)
    ws.freeze_panes = ws.cell(row=layout.FIRST_DATA_ROW, column=spec.frozen_columns + 1)
    ws.auto_filter.ref = f"A{layout.HEADER_ROW}:{get_column_letter(len(spec.columns))}{max(ws.max_row, 2)}"


def _cell_value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None  # NaN has no place in a workbook cell
    return value


_LIST_COLUMNS = {"連携市町": "A", "報告主体": "B", "分野": "C", "期": "D", "市町": "E"}


def _add_list_validation(ws: Worksheet, spec: layout.Sheet, column: layout.Column, letter: str) -> None:
    assert column.choices is not None
    if column.choices.startswith("@"):
        list_letter = _LIST_COLUMNS[column.choices[1:]]
        formula = f"{layout.LIST_SHEET}!${list_letter}$2:${list_letter}$60"
    else:
        formula = f'"{column.choices}"'
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    validation.error = f"「{column.name}」は一覧から選んでください。"
    validation.errorTitle = "入力できない値です"
    validation.prompt = column.note or f"「{column.name}」を一覧から選んでください。"
    validation.showErrorMessage = True
    validation.add(f"{letter}{layout.FIRST_DATA_ROW}:{letter}5000")
    ws.add_data_validation(validation)


def _write_lists(ws: Worksheet, tables: Tables) -> None:
    towns = [str(t) for t in tables["市町"]["市町名"]]
    partners = [str(r["市町名"]) for r in records(tables["市町"]) if r["区分"] == "連携市町"]
    lists: dict[str, Iterable[object]] = {
        "連携市町": partners,
        "報告主体": [*towns, layout.AREA],
        "分野": list(tables["分野"]["番号"]),
        "期": list(tables["期"]["期"]),
        "市町": towns,
    }
    for name, letter in _LIST_COLUMNS.items():
        ws[f"{letter}1"] = name
        for row, value in enumerate(lists[name], start=2):
            ws[f"{letter}{row}"] = value
    ws.sheet_state = "hidden"


# ---------------------------------------------------------------- what values hide

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def scan_cells(path: Path, sheets: Iterable[str]) -> Iterator[tuple[str, str, str, str]]:
    """(sheet, cell, "formula" | "error" | "merged", text) for what a values-only reader hides.

    Streams the sheet XML with defusedxml, so a large master costs little memory.
    """
    wanted = set(sheets)
    with zipfile.ZipFile(path) as archive:
        book = DefusedET.fromstring(archive.read("xl/workbook.xml"))
        rels = DefusedET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        for node in book.iter(f"{_MAIN}sheet"):
            name = node.get("name", "")
            if name not in wanted:
                continue
            target = targets.get(node.get(f"{_REL}id"), "").lstrip("/")
            part = target if target.startswith("xl/") else f"xl/{target}"
            with archive.open(part) as stream:
                for _, element in DefusedET.iterparse(stream, events=("end",)):
                    tag = element.tag
                    if tag == f"{_MAIN}c":
                        formula = element.find(f"{_MAIN}f")
                        if formula is not None:
                            yield name, element.get("r", ""), "formula", f"={formula.text or ''}"
                        elif element.get("t") == "e":
                            value = element.find(f"{_MAIN}v")
                            yield (
                                name,
                                element.get("r", ""),
                                "error",
                                value.text if value is not None else "#ERROR",
                            )
                        element.clear()
                    elif tag == f"{_MAIN}mergeCell":
                        yield name, element.get("ref", "").split(":")[0], "merged", element.get("ref", "")
                    elif tag == f"{_MAIN}row":
                        element.clear()


# ---------------------------------------------------------------- writing values into the master

KEYS = {"実績": ("事業ID", "年度", "市町"), "KPI実績": ("KPI_ID", "年度", "市町")}


@dataclass(frozen=True, slots=True)
class CellChange:
    sheet: str
    key: tuple[object, ...]
    field: str
    old: object
    new: object


def load_for_update(path: Path) -> Workbook:
    """The master as openpyxl keeps it, styles and all, for apply_changes."""
    import openpyxl

    return openpyxl.load_workbook(path)


def _last_row(ws: Worksheet) -> int:
    for row in range(ws.max_row, layout.HEADER_ROW, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return layout.HEADER_ROW


def _append_row(ws: Worksheet, values: dict[int, object]) -> int:
    """A new row after the last one, styled like the row above it (a staff member's fills and fonts)."""
    row = _last_row(ws) + 1
    above = row - 1
    for column in range(1, ws.max_column + 1):
        cell = ws.cell(row=row, column=column, value=values.get(column))
        model = ws.cell(row=above, column=column)
        if above > layout.HEADER_ROW and model.has_style:
            cell._style = copy(model._style)
    return row


def apply_changes(
    book: Workbook, changes: Iterable[CellChange], log_rows: Iterable[dict[str, object]]
) -> None:
    """Write changed values where their keys are (new rows at the end); append the merge log.

    A written cell keeps the style it had, so formatting the staff gave the master survives.
    """
    index: dict[str, tuple[dict[str, int], dict[tuple[object, ...], int]]] = {}
    for change in changes:
        ws = book[change.sheet]
        if change.sheet not in index:
            columns = {str(c.value): c.column for c in ws[layout.HEADER_ROW] if c.value}
            keys = {
                tuple(
                    _typed(ws.cell(row=r, column=columns[k]).value, Kind.NAME) for k in KEYS[change.sheet]
                ): r
                for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1)
            }
            index[change.sheet] = (columns, keys)
        columns, keys = index[change.sheet]
        row = keys.get(change.key)
        if row is None:
            row = _append_row(
                ws, {columns[k]: v for k, v in zip(KEYS[change.sheet], change.key, strict=True)}
            )
            keys[change.key] = row
        ws.cell(row=row, column=columns[change.field]).value = change.new
    log = book["マージ履歴"]
    columns = {str(c.value): c.column for c in log[layout.HEADER_ROW] if c.value}
    for entry in log_rows:
        _append_row(log, {columns[k]: v for k, v in entry.items() if k in columns})
