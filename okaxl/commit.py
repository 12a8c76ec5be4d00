"""Replacing the master without ever losing it.

The sequence: a backup (copied to a partial name, fsynced, renamed), the new master written to a
temporary file in the same folder and fsynced, read back and validated, compared with the old at
package level, the old re-hashed to be sure nobody saved it meanwhile, an intent record in the
ledger, os.replace over the master, the folder fsynced, a commit record. If anything fails, the
master is what it was; a crash is settled by recover() at the next start.

OKAXL_CRASH_AT=<step> makes the process die at that step, for the crash tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from okaxl import ledger
from okaxl.errors import OkaxlError
from okaxl.package import losses

CRASH_POINTS = ("after_backup", "before_fsync", "before_verify", "before_replace", "after_replace")
TEMP_PREFIX = ".~okaxl-"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _crash(step: str) -> None:
    if os.environ.get("OKAXL_CRASH_AT") == step:
        os._exit(70)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup(master: Path, folder: Path, keep: int) -> Path:
    """A timestamped copy of the master: written to a partial name, fsynced, renamed; kept to `keep`."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    final = folder / f"{master.stem}_{stamp}{master.suffix}"
    partial = final.with_name(final.name + ".partial")
    shutil.copyfile(master, partial)
    _fsync_file(partial)
    partial.replace(final)
    _fsync_dir(folder)
    for old in sorted(folder.glob(f"{master.stem}_*{master.suffix}"))[:-keep]:
        old.unlink()
    return final


def replace_master(
    master: Path,
    book: Workbook,
    before_sha: str,
    *,
    backups: Path,
    keep: int,
    verify: Callable[[Path], list[str]],
) -> tuple[str, Path]:
    """Write `book` over `master` by the safe sequence; returns the new hash and the backup path.

    `verify(temp)` returns what is wrong with the written file (empty when it is fine).
    """
    saved = backup(master, backups, keep)
    _crash("after_backup")
    handle, name = tempfile.mkstemp(
        prefix=f"{TEMP_PREFIX}{master.stem}-", suffix=master.suffix, dir=master.parent
    )
    os.close(handle)
    temp = Path(name)
    try:
        temp.chmod(master.stat().st_mode & 0o777)
        book.save(temp)
        _crash("before_fsync")
        _fsync_file(temp)
        _crash("before_verify")
        lost = losses(master, temp)
        if lost:
            raise OkaxlError(
                "マスターを書き換えると次のものが失われるため、書き換えませんでした："
                + "、".join(lost)
                + "。これらを使わない形にするか、担当者に相談してください。"
            )
        problems = verify(temp)
        if problems:
            raise OkaxlError(
                "書き換えたマスターの検証でエラーが出たため、書き換えませんでした：" + "；".join(problems[:5])
            )
        if sha256_of(master) != before_sha:
            raise OkaxlError(
                "取り込みの間に、誰かがマスターを保存しました。もう一度 okaxl merge を実行してください。"
            )
        new_sha = sha256_of(temp)
        ledger.append(
            master,
            {"op": "intent", "old": before_sha, "new": new_sha, "temp": temp.name, "backup": str(saved)},
        )
        _crash("before_replace")
        temp.replace(master)  # os.replace: atomic within one folder (never shutil.move)
        _fsync_dir(master.parent)
        _crash("after_replace")
        ledger.append(master, {"op": "commit", "new": new_sha})
        return new_sha, saved
    finally:
        temp.unlink(missing_ok=True)


def recover(master: Path, backups: Path) -> list[str]:
    """Settle what an interrupted merge left: stray temporary and partial files, and an intent
    without a commit (roll forward when the master is the new one, back when it is the old one)."""
    done = []
    for stray in master.parent.glob(f"{TEMP_PREFIX}{master.stem}-*{master.suffix}"):
        stray.unlink(missing_ok=True)
        done.append(f"作業途中の一時ファイル {stray.name} を削除しました。")
    if backups.exists():
        for partial in backups.glob("*.partial"):
            partial.unlink(missing_ok=True)
            done.append(f"作りかけのバックアップ {partial.name} を削除しました。")
    open_intent = None
    for record in ledger.read(master):
        if record.get("op") == "intent":
            open_intent = record
        elif record.get("op") in ("commit", "rollback"):
            open_intent = None
    if open_intent is None or not master.exists():
        return done
    current = sha256_of(master)
    if current == open_intent["new"]:
        ledger.append(master, {"op": "commit", "new": current, "recovered": "roll forward"})
        done.append("中断した取り込みは書き換えまで済んでいたため、完了として記録しました。")
    elif current == open_intent["old"]:
        ledger.append(master, {"op": "rollback", "old": current, "recovered": "roll back"})
        done.append(
            "中断した取り込みは書き換え前だったため、取り消しとして記録しました（マスターは元のままです）。"
        )
    else:
        raise OkaxlError(
            f"中断した取り込みの後で、マスターが想定外の内容になっています。バックアップ {open_intent.get('backup')} と"
            "見比べ、正しい方をマスターにしてから担当者に連絡してください。okaxl は何も変更していません。"
        )
    return done
