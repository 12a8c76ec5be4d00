"""A new master workbook from tables, laid out for staff: header fill, frozen panes, widths,
drop-downs over the lists. Used by `okaxl master build` (and by tests and benchmarks that need a
master of their own); an existing master is only ever edited by okaxl.master.writer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from okaxl.config import Config
from okaxl.files import save_atomically
from okaxl.master import layout
from okaxl.master.layout import Kind
from okaxl.master.tables import Tables, records

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FORMATS = {Kind.DATE: "yyyy/mm/dd", Kind.AMOUNT: "#,##0", Kind.INT: "0", Kind.YEAR: "0"}


def build_book(tables: Tables, font: str = "BIZ UDゴシック") -> Workbook:
    """The tables as a master workbook laid out for staff."""
    book = Workbook()
    book.remove(book.worksheets[0])
    _write_readme(book.create_sheet(layout.README_SHEET), font)
    for spec in layout.SHEETS:
        _write_sheet(book.create_sheet(spec.name), spec, tables[spec.name], font)
    _write_lists(book.create_sheet(layout.LIST_SHEET), tables)
    return book


def write_master(tables: Tables, path: Path, font: str = "BIZ UDゴシック") -> None:
    """Write the tables as a new master workbook at `path` (atomically)."""
    save_atomically(build_book(tables, font), Path(path))


def replace_built_master(tables: Tables, master: Path, config: Config) -> Path:
    """Replace an existing master by one built from `tables` (`master build --force`), by the same
    safe sequence as every write of the master: lock, backup, verified temporary file, ledger."""
    from okaxl.master.commit import recover, replace_master, sha256_of
    from okaxl.master.reader import read_master
    from okaxl.master.writelock import writing

    def write(temp: Path) -> list[str]:
        build_book(tables, config.print.font).save(temp)
        return [f"{p.sheet} {p.message}" for p in read_master(temp).problems]

    with writing(master):
        recover(master, config.backups)
        _, backup = replace_master(
            master, write, sha256_of(master), backups=config.backups, keep=config.merge_backups_keep
        )
    assert backup is not None  # the built master is always written
    return backup


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
