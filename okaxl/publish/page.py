"""The printed page, in points: how many lines wrapped text takes, row heights, the rows a page
holds, page breaks that share rows out evenly, and the page number the footer prints.

Excel and LibreOffice do not grow a row a writer sets no height for, so every writer measures its
text here; it imports no spreadsheet library, so a writer in either openpyxl or XlsxWriter can ask.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import accumulate

from okaxl import wareki

# A4 less the margins setup_page sets (0.5 in top, 0.75 in bottom), in points, less a little:
# LibreOffice and Excel lay the same rows out a few points apart. Writers that keep a group of
# rows on one page lay their pages out with these (at 100%: their tables fit the page's width).
PAGE_HEIGHT = 595 - 36 - 54 - 15
PORTRAIT_PAGE_HEIGHT = 842 - 36 - 54 - 15
PAGE_NUMBER = "- &P / &N -"  # the footer's centre: 「- 3 / 7 -」
# the city's margins in inches, for openpyxl's writers (sheets.setup_page) and XlsxWriter's (grid)
# alike; the footer needs room of its own below the table: LibreOffice clips a footer squeezed
# into less than about a quarter inch to nothing (the page numbers vanished from every PDF)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.75}
FOOTER_MARGIN = 0.3


def made_on(date: dt.date | None = None) -> str:
    """The footer's right: the date a printed page was made (a page handed out must say when it is of)."""
    return f"{wareki.format_date(date or wareki.now().date())}作成"


def wrapped_lines(text: object, width: float, size: float = 11) -> int:
    """How many lines `text` takes in a wrapping cell `width` characters wide at `size` points, for
    row heights (LibreOffice and Excel do not grow a row written by openpyxl on their own): a
    full-width character is one em and any other a little over half (BIZ UD Gothic draws them one
    and a half), the column is as wide as Excel makes it (7 px a character and 5 of padding, less
    the cell's margins), and a few points are held back for lines that break short of the edge."""
    usable = max((width * 7 + 5 - 6) * 0.75 - 6, size)
    return sum(max(1, math.ceil(_ems(line) * size / usable)) for line in str(text or "").splitlines() or [""])


@functools.lru_cache(maxsize=8192)
def _ems(line: str) -> float:
    """A line's width in ems (the same project's text is measured for every town's form)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in line)


def page_height(widths: Iterable[float], *, landscape: bool) -> float:
    """How many points of rows a page holds when setup_page fits columns these widths to the
    page's width: a table wider than the page prints smaller, so more of it fits down the page."""
    paper = (842 if landscape else 595) - (MARGINS["left"] + MARGINS["right"]) * 72
    table = sum((width * 7 + 5) * 0.75 for width in widths)
    return (PAGE_HEIGHT if landscape else PORTRAIT_PAGE_HEIGHT) / min(1.0, paper / table)


def balanced_pages(heights: Sequence[float], first: float, later: float) -> list[int]:
    """Where pages start in rows of `heights` printed on pages that hold `first` points (the first)
    and `later` (the others): on as few pages as filling each in turn takes, with the rows shared
    out evenly over them (a last page holding one row of seven looks like a page gone astray).
    The indexes of the rows that begin a page after the first; a row taller than a page gets one.

    Even is the least sum of squared unused room over the pages (the last one too), found by
    dynamic programming over (pages, rows); a page ends only where the rows before it fit on the
    pages before and the rows after it on the pages after, so the work grows with the rows.
    Heights count in hundredths of a point, whole numbers: every "does it fit" is then decided
    alike (sums of floats made a page full for one pass and over for another, by 1e-13)."""
    count = len(heights)
    rows = [round(h * 100) for h in heights]
    first_room, later_room = math.floor(first * 100), math.floor(later * 100)
    sums = [0, *accumulate(rows)]
    ends = _filled(rows, first_room, later_room)  # ends[k]: the most rows pages 0..k hold
    pages = len(ends)
    tails = _filled(rows[::-1], later_room, later_room)  # tails[m]: the most rows the last m + 1 pages hold
    cost = {0: 0}  # the least cost of rows[:end] on the pages so far, by end
    back: list[dict[int, int]] = []
    for page in range(pages):
        size = first_room if page == 0 else later_room
        left = pages - page - 1  # pages after this one
        lowest = count - (tails[left - 1] if left else 0)
        now: dict[int, int] = {}
        came: dict[int, int] = {}
        begins = sorted(cost, reverse=True)
        for end in range(max(lowest, page + 1), ends[page] + 1):
            for start in begins:
                load = sums[end] - sums[start]
                if start >= end:
                    continue
                if load > size and start < end - 1:
                    break  # earlier starts load the page more still
                value = cost[start] + (size - load) ** 2
                if end not in now or value < now[end]:
                    now[end], came[end] = value, start
        cost = now
        back.append(came)
    starts, end = [], count
    for came in reversed(back[1:]):
        end = came[end]
        starts.append(end)
    return sorted(starts)


def _filled(heights: Sequence[int], first: int, later: int) -> list[int]:
    """Pages filled in turn: how many rows the pages up to each hold."""
    ends: list[int] = []
    room, size = first, first
    for index, height in enumerate(heights):
        if height > room and room < size:
            ends.append(index)
            room = size = later
        room -= height
    return [*ends, len(heights)]


def grown(text: object, width: float, size: float, heights: Sequence[float]) -> float | None:
    """The new height of the last of the rows a wrapping cell spans (`heights`, in points) that
    makes them as tall as its text needs (`width` characters, `size` points); None when they are."""
    short = row_height(wrapped_lines(text, width, size), size) - sum(heights)
    return heights[-1] + short if short > 0 else None


def row_height(lines: int, size: float = 11) -> float:
    """The height in points that `lines` lines of `size`-point text need, with the cell's margins."""
    return lines * size * 1.3 + 4
