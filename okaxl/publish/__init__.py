"""What staff print from the master: the marked matrix and town views, progress sheets from the
template, the agreement annex, the revision excerpt; LibreOffice for PDF."""

from __future__ import annotations

import importlib
from typing import Any

# the names okaxl.publish had when it was one module, still importable from here (see okaxl.moved)
_FORMER = {
    "Style",
    "TITLE",
    "MOTTO",
    "MARK",
    "kpi_text",
    "setup_page",
    "wrapped_lines",
    "write_matrix",
    "write_town_view",
}


def __getattr__(name: str) -> Any:
    if name in _FORMER:
        return getattr(importlib.import_module("okaxl.publish.sheets"), name)
    raise AttributeError(f"module 'okaxl.publish' has no attribute {name!r}")
