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
    clean = _FORBIDDEN.sub("", name).strip().strip("'").strip() or "Sheet"
    used = {t.casefold() for t in taken}
    candidate = clean[:MAX_LENGTH].rstrip("'")
    for number in itertools.count(2):
        if candidate.casefold() not in used:
            return candidate
        suffix = f"({number})"
        candidate = clean[: MAX_LENGTH - len(suffix)].rstrip("'") + suffix
    raise AssertionError("unreachable")
