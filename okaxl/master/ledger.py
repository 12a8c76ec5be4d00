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
    """Append one record to the master's ledger (with its sequence number and UTC time), fsynced."""
    return append_to(ledger_path(master), record)


def append_to(path: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Append one record to the log at `path` and fsync it; the sequence number comes from the
    last record, read from the end of the file (an append costs the same however long the log)."""
    last = _last(path)
    entry = {"seq": int(last.get("seq", 0)) + 1, "utc": _now(), **who(), **record}
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    if _ends_torn(path):
        line = "\n" + line  # a line torn by a crash is left alone on its own line
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return entry


def _ends_torn(path: Path) -> bool:
    if not path.exists() or not path.stat().st_size:
        return False
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


def _last(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        block = 1 << 16
        while True:
            start = max(0, size - block)
            handle.seek(start)
            tail = handle.read(size - start)
            lines = tail.splitlines()
            for line in reversed(lines if start == 0 else lines[1:]):
                try:
                    found = json.loads(line)
                except ValueError:
                    continue  # a torn last line (a crash mid-write)
                if isinstance(found, dict) and "seq" in found:
                    return found
            if start == 0:
                return {}
            block *= 4


def read(master: Path) -> Iterator[dict[str, Any]]:
    """Every complete record of the master's ledger; a torn last line is ignored."""
    return read_from(ledger_path(master))


def read_from(path: Path) -> Iterator[dict[str, Any]]:
    """Every whole record; a line torn by a crash (even inside a character) is passed over."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for line in handle:
            try:
                record = json.loads(line.decode("utf-8"))
            except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
                continue
            if isinstance(record, dict):
                yield record
