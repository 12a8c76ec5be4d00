"""Where everything sits in a return form: the one module that knows the form's cells.

The form writer and the return checker both use it, so a form and its check cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

FORM_SCHEMA = "1"
COVER = "表紙"
PROJECTS = "事業の回答"
KPIS = "KPIの回答"
META = "_okaxl"
TITLE_ROW = 1
NOTE_ROW = 2
HEADER_ROW = 4
FIRST_ROW = 5
MAX_ROWS = 500  # an answer sheet never has more rows than this; a larger used range is suspect


@dataclass(frozen=True, slots=True)
class FormColumn:
    letter: str
    heading: str  # for input columns, the master's 入力項目 見出し replaces this
    width: float
    field: str | None = None  # the 入力項目 項目ID of an input column
    title: str | None = None  # the heading printed on the form, where it differs from the key

    @property
    def printed(self) -> str:
        return self.title or self.heading


# A landscape A4 page holds about 140 characters (Calibri widths) across: the sheets are a
# little wider, so fit to width prints their 10-point text at about 8 pt (at 230, 6 pt)
PROJECT_COLUMNS = (
    FormColumn("A", "事業ID", 7),
    FormColumn("B", "分野", 9),
    FormColumn("C", "連携取組", 14),
    FormColumn("D", "事務事業", 17),
    FormColumn("E", "今年度の工程・事業費", 12),
    FormColumn("F", "市町の役割", 20),
    FormColumn("G", "直近の取組実績", 24),
    FormColumn("H", "今年度の取組実績", 32, field="results"),
    FormColumn("I", "今後の課題・改善点", 26, field="issues"),
    FormColumn("J", "次年度の意向", 9, field="intention"),
)
KPI_COLUMNS = (
    FormColumn("A", "KPI_ID", 9, title="KPI番号"),
    FormColumn("B", "事務事業", 24),
    FormColumn("C", "指標", 28),
    FormColumn("D", "基準値", 16),
    FormColumn("E", "目標値", 16),
    FormColumn("F", "直近の現状値", 24),  # 「1,812（基準値 R1年度）」 on one line
    FormColumn("G", "今年度の現状値", 13, field="kpi_value"),
    FormColumn("H", "単位", 8),
    FormColumn("I", "変動理由", 26, field="kpi_reason"),
)
ANSWER_SHEETS = {PROJECTS: PROJECT_COLUMNS, KPIS: KPI_COLUMNS}
KEY_COLUMN = "A"  # the 事業ID / KPI_ID of each answer row
PREVIOUS_KPI_COLUMN = "F"
UNIT_COLUMN = "H"


def input_columns(sheet: str) -> dict[str, str]:
    """項目ID → column letter of the input columns of an answer sheet."""
    return {c.field: c.letter for c in ANSWER_SHEETS[sheet] if c.field}


def input_cells(metadata: dict[str, str]) -> dict[str, set[str]]:
    """The coordinates of every input cell of a form, from its metadata."""
    rows = json.loads(metadata["rows"])
    cells: dict[str, set[str]] = {}
    for sheet, columns in ANSWER_SHEETS.items():
        count = len(rows.get(sheet, []))
        cells[sheet] = {f"{c.letter}{FIRST_ROW + i}" for c in columns if c.field for i in range(count)}
    return cells


def file_name(short_year: str, town: str) -> str:
    """R7_津山市_回答様式.xlsx: what a person recognises at a glance."""
    return f"{short_year}_{town}_回答様式.xlsx"


CELL_TEXT = 30_000  # below Excel's 32,767 characters a cell holds (openpyxl cuts longer text silently)
CONTINUED = "#"


def metadata_cells(metadata: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(name, text) rows of the metadata sheet; a long value continues in rows named name#1, name#2…"""
    for name, value in metadata.items():
        for index in range(0, max(len(value), 1), CELL_TEXT):
            part = index // CELL_TEXT
            yield (name if part == 0 else f"{name}{CONTINUED}{part}"), value[index : index + CELL_TEXT]


def metadata_from_cells(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for name, text in rows:
        base = name.split(CONTINUED)[0]
        metadata[base] = metadata.get(base, "") + text if CONTINUED in name else text
    return metadata
