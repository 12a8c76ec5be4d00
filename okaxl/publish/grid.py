"""Sheets laid out in memory as values and looks, then written in one pass by XlsxWriter.

openpyxl keeps a Cell object per cell and styles it through setters that hash every style object,
and its save walks them all again; a writer that lays out new sheets, reading nothing back from a
file, needs none of that. A Grid holds what a sheet prints: each cell's value and Look, merged
ranges, row heights, column widths, comments, page breaks and the print set-up; write_book() hands
the sheets to XlsxWriter, each look made a format once. XlsxWriter writes text as text (a value
starting with 「=」 is not made a formula) and builds the file in memory, so a full disk is our
OSError, with its own message (okaxl.files), not an exception of XlsxWriter's.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okaxl.files import save_atomically
from okaxl.publish.page import FOOTER_MARGIN, MARGINS, PAGE_NUMBER, grown, made_on

DEFAULT_HEIGHT = 15.0  # a row's height in points where none is set
DEFAULT_WIDTH = 8.43  # a column's width in characters where none is set


@dataclass(frozen=True, slots=True)
class Look:
    """How a cell prints; equal looks share one format."""

    font: str
    size: float = 9
    bold: bool = False
    color: str | None = None  # of the text, RRGGBB
    fill: str | None = None  # solid, RRGGBB
    border: str | None = None  # thin on all four sides, of this colour (RRGGBB)
    wrap: bool = False
    horizontal: str | None = None  # left, center
    vertical: str | None = None  # top, center
    stacked: bool = False  # letters one under another (a town's name over its narrow column)

    def but(self, **changes: Any) -> Look:
        return dataclasses.replace(self, **changes)


@dataclass
class Grid:
    """One sheet as it will print. Rows and columns count from 1, as Excel numbers them."""

    title: str
    cells: dict[tuple[int, int], tuple[object, Look | None]] = field(default_factory=dict)
    # each as first row, first column, last row, last column
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    breaks: list[int] = field(default_factory=list)  # rows a page ends after
    landscape: bool = True
    title_rows: tuple[int, int] | None = None  # printed atop every page
    freeze: tuple[int, int] | None = None  # the first row and column that scroll
    autofilter: tuple[int, int, int, int] | None = None

    def put(self, row: int, column: int, value: object, look: Look | None = None) -> None:
        self.cells[(row, column)] = (value, look)

    def value(self, row: int, column: int) -> object:
        return self.cells.get((row, column), (None, None))[0]

    def look(self, row: int, column: int) -> Look | None:
        return self.cells.get((row, column), (None, None))[1]

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        """One cell over the range; it prints the first cell's value and look over all of it. A
        range of one cell is left a cell (XlsxWriter refuses to merge it, and would drop its value)."""
        if (first_row, first_column) != (last_row, last_column):
            self.merged.append((first_row, first_column, last_row, last_column))

    @property
    def max_row(self) -> int:
        return max((row for row, _ in self.cells), default=0)

    def grow_rows(self) -> None:
        """Rows as tall as the wrapped text in them needs: the last row of a cell's merged range
        grows; nothing shrinks (as sheets.grow_rows does for openpyxl's sheets)."""
        spans = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in self.merged}
        for (row, column), (value, look) in sorted(self.cells.items()):
            if look is None or not look.wrap or look.stacked or value in (None, ""):
                continue
            last_row, last_column = spans.get((row, column), (row, column))
            width = sum(self.widths.get(c, DEFAULT_WIDTH) for c in range(column, last_column + 1))
            rows = [self.heights.get(r, DEFAULT_HEIGHT) for r in range(row, last_row + 1)]
            height = grown(value, width, look.size, rows)
            if height is not None:
                self.heights[last_row] = height


def write_book(grids: Iterable[Grid], path: Path) -> Path:
    """The sheets as one workbook at `path`, written whole or not at all (files.save_atomically).
    Each grid is handed over as it comes: a writer that yields them lays out one sheet at a time."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats: dict[Look, Any] = {}

    def form(look: Look | None) -> Any:
        if look is None:
            return None
        made = formats.get(look)
        if made is None:
            made = formats[look] = book.add_format(_properties(look))
        return made

    dated = made_on()
    for grid in grids:
        ws = book.add_worksheet(grid.title)
        for column, width in grid.widths.items():
            ws.set_column(column - 1, column - 1, width)
        for row, height in grid.heights.items():
            ws.set_row(row - 1, height)
        merged = {
            (r, c) for r1, c1, r2, c2 in grid.merged for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
        }
        for (row, column), (value, look) in grid.cells.items():
            if (row, column) in merged or (value is None and look is None):
                continue  # merge_range below writes a range's first cell
            ws.write(row - 1, column - 1, value, form(look))
        for r1, c1, r2, c2 in grid.merged:
            value, look = grid.cells.get((r1, c1), (None, None))
            ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, value, form(look))
        for (row, column), text in grid.comments.items():
            ws.write_comment(row - 1, column - 1, text, {"author": "okaxl"})
        if grid.breaks:
            ws.set_h_pagebreaks(grid.breaks)
        if grid.freeze:
            ws.freeze_panes(grid.freeze[0] - 1, grid.freeze[1] - 1)
        if grid.autofilter:
            r1, c1, r2, c2 = grid.autofilter
            ws.autofilter(r1 - 1, c1 - 1, r2 - 1, c2 - 1)
        _print_setup(ws, grid, dated)
    book.close()
    save_atomically(lambda temp: temp.write_bytes(buffer.getvalue()), path)
    return path


def _properties(look: Look) -> dict[str, object]:
    made: dict[str, object] = {"font_name": look.font, "font_size": look.size, "bold": look.bold}
    if look.color:
        made["font_color"] = f"#{look.color}"
    if look.fill:
        made |= {"pattern": 1, "bg_color": f"#{look.fill}"}
    if look.border:
        made |= {"border": 1, "border_color": f"#{look.border}"}
    if look.wrap:
        made["text_wrap"] = True
    if look.horizontal:
        made["align"] = look.horizontal
    if look.vertical:
        made["valign"] = {"center": "vcenter"}.get(look.vertical, look.vertical)
    if look.stacked:
        made["rotation"] = 270  # XlsxWriter's number for stacked letters (textRotation 255)
    return made


def _print_setup(ws: Any, grid: Grid, dated: str) -> None:
    """A4, fit to one page wide, centred, with print titles, page numbers and the date made: the
    city's print settings (sheets.setup_page sets the same on openpyxl's sheets)."""
    ws.set_paper(9)
    if grid.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(**MARGINS)
    ws.set_footer(f"&C{PAGE_NUMBER}&R&8{dated}", {"margin": FOOTER_MARGIN})
    if grid.title_rows:
        ws.repeat_rows(grid.title_rows[0] - 1, grid.title_rows[1] - 1)
