"""One writer of the master at a time: Excel's own lock file, and ours (filelock) beside the master."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.files import os_failure, remove_quietly
from okaxl.master.ledger import who


def excel_lock(master: Path) -> Path:
    return master.with_name(f"~${master.name}")


def _holder_file(master: Path) -> Path:
    return master.with_name(f".{master.name}.writer.json")


@contextlib.contextmanager
def writing(master: Path) -> Iterator[None]:
    """Hold the master for writing, or raise OkaxlError saying who has it. Never breaks a lock."""
    if excel_lock(master).exists():
        raise OkaxlError(
            f"マスター {master.name} が Excel で開かれています（{excel_lock(master).name} があります）。"
            "Excel でマスターを閉じてから、もう一度実行してください。"
        )
    lock = FileLock(master.with_name(f".{master.name}.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        holder = _holder_file(master)
        about = ""
        if holder.exists():
            try:
                info = json.loads(holder.read_text(encoding="utf-8"))
                about = f"（{info.get('host')} の {info.get('operator')}、プロセス {info.get('pid')}、{info.get('since')} から）"
            except (OSError, ValueError):
                about = ""
        raise OkaxlError(
            f"別の取り込みがマスターを使っています{about}。終わるのを待ってから、もう一度実行してください。"
        ) from exc
    except OSError as exc:  # the folder refuses new files (filelock's Timeout is an OSError too)
        raise os_failure(
            exc, master.parent, "マスターのフォルダに作業中の印（ロックファイル）を作る"
        ) from exc
    try:
        info = {**who(), "pid": os.getpid(), "since": wareki.now().isoformat(timespec="seconds")}
        try:
            _holder_file(master).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise os_failure(exc, master.parent, "マスターのフォルダに作業中の印を作る") from exc
        yield
    finally:
        remove_quietly(_holder_file(master))
        lock.release()
