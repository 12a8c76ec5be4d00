"""Validation of the master: the pandera schemas per sheet, the rules across sheets, the run that
gathers every problem, and the Excel report of them."""

from __future__ import annotations

import importlib
from typing import Any

# the names okaxl.validate had when it was one module, still importable from here (see okaxl.moved)
_FORMER = {"validate", "Report", "check_tables", "id_history"}


def __getattr__(name: str) -> Any:
    if name in _FORMER:
        return getattr(importlib.import_module("okaxl.validate.run"), name)
    raise AttributeError(f"module 'okaxl.validate' has no attribute {name!r}")
