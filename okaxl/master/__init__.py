"""The master workbook: its layout, the one reader and the one model of it, the one writer, and
the crash-safe replacement of the file (read, model, writer, build, commit)."""

from __future__ import annotations

import importlib
from typing import Any

# the names okaxl.master had when it was one module, still importable from here (see okaxl.moved)
_FORMER = {"read_master", "open_workbook", "scan_cells", "typed"}


def __getattr__(name: str) -> Any:
    if name in _FORMER:
        return getattr(importlib.import_module("okaxl.master.reader"), name)
    raise AttributeError(f"module 'okaxl.master' has no attribute {name!r}")
