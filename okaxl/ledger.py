"""The append-only ledger beside the master: one JSON record per line, fsynced.

Every merge writes an intent before it replaces the master and a commit after, so that a merge
interrupted at any moment can be settled at the next start (see recovery.py).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from okaxl import __version__


def ledger_path(master: Path) -> Path:
    return master.with_name(f"{master.stem}.ledger.jsonl")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def who() -> dict[str, str]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in some service accounts' environments
        user = "unknown"
    return {"operator": user, "host": socket.gethostname(), "okaxl": __version__}


def append(master: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Append one record (with its sequence number and UTC time) and fsync it."""
    path = ledger_path(master)
    records = list(read(master))
    entry = {"seq": (records[-1]["seq"] + 1) if records else 1, "utc": _now(), **who(), **record}
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return entry


def read(master: Path) -> Iterator[dict[str, Any]]:
    """Every complete record; a torn last line (a crash mid-write) is ignored."""
    path = ledger_path(master)
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
