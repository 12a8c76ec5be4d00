"""Column letters and cell references ("E44" is column 5, row 44).

openpyxl.utils has the same two functions, but importing any part of openpyxl loads the whole
package (about 0.2 s): the commands that only read the master, and the writer of the master, do
not need it for anything else.
"""

from __future__ import annotations

import functools
import re

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


@functools.cache
def column_letter(index: int) -> str:
    """1 → "A", 27 → "AA", 16384 → "XFD"."""
    if not 1 <= index <= 16384:
        raise ValueError(f"列番号 {index} は 1〜16384 の範囲にありません")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@functools.cache
def column_index(letters: str) -> int:
    """"A" → 1, "aa" → 27; a column past XFD is an error."""
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"列 {letters!r} は列の記号ではありません")
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    if index > 16384:
        raise ValueError(f"列 {letters!r} は XFD より右です")
    return index


def split_ref(ref: str) -> tuple[int, int]:
    """ "E44" (or "$E$44") → (column 5, row 44)."""
    match = _CELL.match(ref)
    if not match:
        raise ValueError(ref)
    return column_index(match.group(1)), int(match.group(2))
