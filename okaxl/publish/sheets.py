"""Print-ready workbooks of the 取組状況一覧 (seed 001's layout) and of one town's projects."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Hashable, Mapping
from copy import copy
from itertools import groupby
from pathlib import Path
from typing import Any, ClassVar

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from okaxl import wareki
from okaxl.files import save_atomically
from okaxl.numbers import format_number
from okaxl.publish.matrix import Matrix, MatrixRow
from okaxl.publish.page import (
    FOOTER_MARGIN,
    MARGINS,
    PAGE_HEIGHT,
    PAGE_NUMBER,
    grown,
    made_on,
    row_height,
    wrapped_lines,
)
from okaxl.publish.titles import sheet_title

TITLE = "岡山市と連携市町との取組状況一覧"
# The vision's motto lines as seed 001 prints them.
MOTTO = ("将来像", "つながり、創造する。", "躍動！岡山市圏")
# Seed 001 heads the first block 連携取組 and the other two 連携施策.
BLOCK_HEADS = ("連携取組", "連携施策", "連携施策")
MARK = "●"

HEAD_HEIGHT = 66
TITLE_HEIGHTS = (30, 20, 18, 18, 18, 10)  # the title, the date, the motto, a gap
MEASURE_WIDTH = 32  # 「…農産物の／販路開拓・拡大」 breaks between words, not before 「・」

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")


class Looks:
    """The cell styles of one workbook, each made once. openpyxl hashes every style object each
    time one is set on a cell, which made large workbooks slow to write (seconds for the forms of a
    master ten times the real one): the first cell of a look is styled through openpyxl's setters,
    the others take a copy of its style array, as openpyxl's own worksheet copy does."""

    _books: ClassVar[weakref.WeakKeyDictionary[Workbook, Looks]] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._arrays: dict[Hashable, StyleArray] = {}

    @classmethod
    def of(cls, book: Workbook) -> Looks:
        looks = cls._books.get(book)
        if looks is None:
            looks = cls._books[book] = cls()
        return looks

    def apply(self, cell: Cell, key: Hashable, style: Callable[[Cell], None]) -> None:
        """Give `cell` the look `key`, which `style` makes (over what the cell has already, if any)."""
        if cell.has_style:
            style(cell)
            return
        array = self._arrays.get(key)
        if array is None:
            style(cell)
            self._arrays[key] = copy(cell._style)
        else:
            cell._style = copy(array)


class Style:
    """Fonts for one output, from config's print settings."""

    def __init__(self, font: str, size: float) -> None:
        self.name, self.size = font, size

    def font(self, *, bold: bool = False, scale: float = 1.0) -> Font:
        return Font(name=self.name, size=round(self.size * scale, 1), bold=bold)


def merge(ws: Worksheet, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
    """`ws.merge_cells`, with the same cells, borders and protection, each covered cell's style made
    once per look: openpyxl sets them through its style setters cell by cell, hashing style objects
    each time (half the revision excerpt's time for a master a hundred times the real one)."""
    span = MergedCellRange(
        ws, CellRange(min_col=start_column, min_row=start_row, max_col=end_column, max_row=end_row).coord
    )
    ws.merged_cells.add(span)
    made = _COVERED.setdefault(ws.parent, {})
    start = span.start_cell
    for row, column in span.cells:
        if (row, column) == (start_row, start_column):
            continue
        edges = (row == start_row, column == start_column, column == end_column, row == end_row)
        key = (tuple(start._style or ()), edges)
        cell = MergedCell(ws, row, column)
        if key in made:
            cell._style = copy(made[key])
        else:  # as MergedCellRange.format styles it
            for name, edge in zip(("top", "left", "right", "bottom"), edges, strict=True):
                side = getattr(start.border, name)
                if edge and not (side and side.style is None):
                    cell.border += Border(**{name: side})
            cell.protection = copy(start.protection)
            made[key] = copy(cell._style)
        ws._cells[row, column] = cell


# the covered cells' style arrays by workbook, start cell's style and edges (see merge)
_COVERED: weakref.WeakKeyDictionary[Workbook, dict[Hashable, StyleArray]] = weakref.WeakKeyDictionary()


def grow_rows(ws: Worksheet) -> None:
    """Rows as tall as the wrapped text in them needs (a template's fixed heights cut a long
    取組実績 short): the last row of a cell's merged range grows; nothing shrinks."""
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    for line in ws.iter_rows():
        for cell in line:
            if not cell.alignment.wrap_text or cell.value in (None, "") or cell.alignment.textRotation:
                continue
            span = spans.get((cell.row, cell.column))
            columns = range(cell.column, (span.max_col if span else cell.column) + 1)
            rows = range(cell.row, (span.max_row if span else cell.row) + 1)
            width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in columns)
            height = grown(
                cell.value,
                width,
                float(cell.font.sz or 11),
                [ws.row_dimensions[r].height or 15 for r in rows],
            )
            if height is not None:
                ws.row_dimensions[rows[-1]].height = height


def kpi_text(
    value: object,
    unit: object = None,
    qualifier: object = None,
    when: object = None,
    year: object = None,
    *,
    printed: object = None,
    inline: bool = False,
    empty: str = "－",
) -> str:
    """A KPI value as the documents print it: 155者（累計）, then its year in 和暦 (on a second line,
    or in brackets after it when `inline`); `empty` when there is no value. `printed` is the value
    as the city printed it (▲862人, 6.0冊), where the number's format would print it otherwise."""
    if value is None:
        return empty
    shown = format_number(value) if isinstance(value, int | float) else str(value)
    if isinstance(value, int | float) and unit:
        shown += str(unit)
    if printed:
        shown = str(printed)
    if qualifier:
        shown += f"（{qualifier}）"
    stamp = when or (wareki.format_fiscal_year(year) if isinstance(year, int) else None)
    if not stamp:
        return shown
    return f"{shown}（{stamp}）" if inline else f"{shown}\n（{stamp}）"


def dated_footer(ws: Worksheet, date: dt.date | None = None) -> None:
    """The date a printed page was made, bottom right: a page handed out must say when it is of."""
    ws.oddFooter.right.text = made_on(date)
    ws.oddFooter.right.size = 8


def kpi_end_text(kpi: Mapping[str, Any], which: str, *, inline: bool = False, empty: str = "－") -> str:
    """A KPI's 基準値 or 目標値 (`which`) as the city printed it, with its qualifier and its time."""
    stem = which.removesuffix("値")
    return kpi_text(
        kpi.get(which),
        kpi.get("単位"),
        kpi.get(f"{which}の補足"),
        kpi.get(f"{stem}時点"),
        kpi.get(f"{stem}年度"),
        printed=kpi.get(f"{which}の表記"),
        inline=inline,
        empty=empty,
    )


def setup_page(ws: Worksheet, *, landscape: bool = True, title_rows: str | None = None) -> None:
    """A4, fit to one page wide, centred, with print titles, page numbers and the date made: the
    city's print settings."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # a write-only sheet lacks the constants
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.page_margins.footer = FOOTER_MARGIN
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = PAGE_NUMBER
    dated_footer(ws)


def _box(
    ws: Worksheet,
    row: int,
    column: int,
    value: object,
    font: Font,
    *,
    fill: PatternFill | None = None,
    horizontal: str = "left",
    vertical: bool = False,
) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    cell.font = font
    cell.border = _BORDER
    # stacked text does not wrap: LibreOffice draws a stacked name that may wrap at the cell's left
    # edge whatever its horizontal alignment (5 pt off its column of ●); Excel centres it either way
    cell.alignment = Alignment(
        horizontal=horizontal, vertical="center", wrap_text=not vertical, textRotation=255 if vertical else 0
    )
    if fill:
        cell.fill = fill


def write_matrix(matrix: Matrix, path: Path, style: Style) -> Path:
    """The 取組状況一覧 as seed 001 lays it out, ● where a town takes part on the date."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "取組状況一覧"
    last = 2 + len(matrix.towns)
    ws.cell(row=1, column=1, value=TITLE).font = style.font(bold=True, scale=1.6)
    ws.cell(row=2, column=1, value=f"({wareki.format_date(matrix.as_of)}現在)").font = style.font(scale=1.2)
    for offset, line in enumerate(MOTTO):
        ws.cell(row=3 + offset, column=1, value=line).font = style.font(bold=offset > 0)
    for row in range(1, 6):
        merge(ws, row, 1, row, last)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")
    for number, height in enumerate(TITLE_HEIGHTS, start=1):
        ws.row_dimensions[number].height = height
    row, used = len(TITLE_HEIGHTS) + 1, float(sum(TITLE_HEIGHTS))
    for block, (_, rows) in enumerate(groupby(matrix.rows, key=lambda r: r.pillar)):
        head = BLOCK_HEADS[min(block, 2)]
        if block:
            ws.row_breaks.append(Break(id=row - 1))
            used = 0
        row = _write_head(ws, row, head, matrix.towns, style)
        used += HEAD_HEIGHT
        # Pages are laid out here, not by the application: a measure's rows stay on one page under
        # the block's own header (print titles would repeat the first block's header over the rest)
        for measure, group in groupby(rows, key=lambda r: r.measure):
            members = list(group)
            heights = _group_heights(measure, members, style)
            if used + sum(heights) > PAGE_HEIGHT and used > HEAD_HEIGHT:
                ws.row_breaks.append(Break(id=row - 1))
                row = _write_head(ws, row, head, matrix.towns, style)
                used = HEAD_HEIGHT
            row = _write_group(ws, row, measure, members, heights, matrix.towns, style)
            used += sum(heights)
        row += 1
    widths = {"A": MEASURE_WIDTH, "B": 44} | {get_column_letter(3 + i): 4.6 for i in range(len(matrix.towns))}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    setup_page(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(book, path)
    return path


def _write_head(ws: Worksheet, row: int, head: str, towns: tuple[str, ...], style: Style) -> int:
    bold = style.font(bold=True)
    _box(ws, row, 1, head, bold, fill=_HEAD_FILL, horizontal="center")
    _box(ws, row, 2, "主な取組内容", bold, fill=_HEAD_FILL, horizontal="center")
    for i, town in enumerate(towns):
        _box(ws, row, 3 + i, town, bold, fill=_HEAD_FILL, horizontal="center", vertical=True)
    ws.row_dimensions[row].height = HEAD_HEIGHT
    return row + 1


def _group_heights(
    measure: str, members: list[MatrixRow], style: Style, measure_width: float = MEASURE_WIDTH
) -> list[float]:
    """Each row's height: its project name's lines, the last row growing until the merged measure
    label fits too."""
    heights = [max(20.0, row_height(wrapped_lines(m.name, 44, style.size), style.size)) for m in members]
    needed = row_height(wrapped_lines(measure, measure_width, style.size), style.size)
    heights[-1] += max(0.0, needed - sum(heights))
    return heights


def _write_group(
    ws: Worksheet,
    row: int,
    measure: str,
    members: list[MatrixRow],
    heights: list[float],
    towns: tuple[str, ...],
    style: Style,
) -> int:
    start = row
    for member, height in zip(members, heights, strict=True):
        _box(ws, row, 1, measure if row == start else None, style.font())
        _box(ws, row, 2, member.name, style.font())
        for i, town in enumerate(towns):
            _box(ws, row, 3 + i, MARK if town in member.towns else None, style.font(), horizontal="center")
        ws.row_dimensions[row].height = height
        row += 1
    if len(members) > 1:
        merge(ws, start, 1, row - 1, 1)
    return row


def write_town_view(matrix: Matrix, town: str, path: Path, style: Style) -> Path:
    """One town's projects on the date, read like the matrix: A4 landscape, 分野 and 連携取組
    merged over their projects, a measure never split across pages, the 掲載ページ beside each."""
    rows = matrix.for_town(town)
    excerpts = matrix.excerpts_for(town)
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet_title(town, [])
    ws.cell(row=1, column=1, value=f"{town}の連携取組一覧").font = style.font(bold=True, scale=1.5)
    ws.cell(
        row=2,
        column=1,
        value=f"({wareki.format_date(matrix.as_of)}現在　{matrix.count_for(town)}事務事業)",
    ).font = style.font()
    for number, points in enumerate((28, 18, 8), start=1):
        ws.row_dimensions[number].height = points
    heads = ("分野", "連携取組", "事務事業", "掲載ページ")
    for i, head in enumerate(heads, start=1):
        _box(ws, 4, i, head, style.font(bold=True), fill=_HEAD_FILL, horizontal="center")
    ws.row_dimensions[4].height = 24
    row, used = 5, 28 + 18 + 8 + 24.0
    pillar_runs: list[list[int]] = []  # [first row, last row] of each 分野 label, cut at page breaks
    for (pillar, measure), group in groupby(rows, key=lambda r: (r.pillar, r.measure)):
        members = list(group)
        heights = _group_heights(measure, members, style, measure_width=34)
        if used + sum(heights) > PAGE_HEIGHT and row > 5:
            ws.row_breaks.append(Break(id=row - 1))
            used = 24.0  # the header row repeats as the print title
            pillar_runs.append([row, row])
        elif not pillar_runs or ws.cell(pillar_runs[-1][0], 1).value != matrix.pillars.get(pillar, pillar):
            pillar_runs.append([row, row])
        start = row
        for member, height in zip(members, heights, strict=True):
            _box(
                ws,
                row,
                1,
                matrix.pillars.get(pillar, pillar) if row == pillar_runs[-1][0] else None,
                style.font(),
            )
            _box(ws, row, 2, measure if row == start else None, style.font())
            _box(ws, row, 3, member.name, style.font())
            _box(
                ws, row, 4, member.page if member.page is not None else "—", style.font(), horizontal="center"
            )
            ws.row_dimensions[row].height = height
            row += 1
        pillar_runs[-1][1] = row - 1
        if len(members) > 1:
            merge(ws, start, 2, row - 1, 2)
        used += sum(heights)
    for first, last in pillar_runs:
        if last > first:
            merge(ws, first, 1, last, 1)
    notes = [
        f"※「{r.name}」は「{next(s.name for s in rows if s.project_id == r.excerpt_of)}」の一部を"
        "別の行に掲げたもので、事務事業の数には含めていません。"
        for r in excerpts
    ]
    if any(r.page is None for r in rows):
        notes.append("※掲載ページが「—」の事業は、この日の時点の別冊に掲載ページの記載がないものです。")
    for offset, note in enumerate(notes, start=1):
        ws.cell(row=row + offset, column=1, value=note).font = style.font(scale=0.9)
        merge(ws, row + offset, 1, row + offset, 4)
    for letter, width in zip("ABCD", (30, 34, 44, 10), strict=True):
        ws.column_dimensions[letter].width = width
    merge(ws, 1, 1, 1, 4)
    merge(ws, 2, 1, 2, 4)
    setup_page(ws, landscape=True, title_rows="4:4")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(book, path)
    return path
