"""Sheet titles Excel accepts, for every workbook okaxl writes: at most 31 characters, none of
[ ] : * ? / \\, no apostrophe at either end, and unique in the workbook (Excel compares titles
without regard to case). A title cut to fit that meets another gets (2), (3), … in its last places."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

MAX_LENGTH = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: Iterable[str]) -> str:
    """`name` made into a title Excel accepts that none of `taken` already has."""
    return _unique(name, {t.casefold() for t in taken})


class Titles:
    """The titles of one workbook as they are given out, each unique among all given before it:
    kept in a set, so that a workbook of thousands of sheets is not gone through for each one."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._used = {t.casefold() for t in taken}

    def new(self, name: str) -> str:
        title = _unique(name, self._used)
        self._used.add(title.casefold())
        return title


def _unique(name: str, used: set[str]) -> str:
    clean = _FORBIDDEN.sub("", name).strip().strip("'").strip() or "Sheet"
    candidate = clean[:MAX_LENGTH].rstrip("'")
    for number in itertools.count(2):
        if candidate.casefold() not in used:
            return candidate
        suffix = f"({number})"
        candidate = clean[: MAX_LENGTH - len(suffix)].rstrip("'") + suffix
    raise AssertionError("unreachable")
