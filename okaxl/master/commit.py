"""Replacing the master without ever losing it.

The sequence: the master checked writable; the new master written to a temporary file in the same
folder, fsynced and checked (whatever the caller's writer says is wrong with it stops here, before
anything else is touched); a backup (copied to a partial name, fsynced, renamed); the old master
re-hashed to be sure nobody saved it meanwhile; an intent record in the ledger; os.replace over
the master; the folder fsynced; a commit record. If anything fails, the master is what it was and
our temporary and partial files are gone; a crash is settled by recover() at the next start.
An operating-system failure at any step is reported in Japanese (okaxl.files.os_failure).

OKAXL_CRASH_AT=<step> makes the process die at that step, for the crash tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.files import fsync_dir, fsync_file, os_failure, remove_quietly
from okaxl.master import ledger

CRASH_POINTS = ("before_fsync", "before_verify", "after_backup", "before_replace", "after_replace")
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


def check_writable(master: Path) -> None:
    """Stop before any work when the master cannot be replaced: read-only, immutable, held open."""
    try:
        mode = master.stat().st_mode
    except OSError as exc:
        raise os_failure(exc, master, "マスターを確かめる") from exc
    if not mode & stat.S_IWUSR:
        raise OkaxlError(
            f"マスター {master} は読み取り専用です。書き換えてよいマスターなら、ファイルのプロパティで"
            "「読み取り専用」を外してから、もう一度実行してください（版として保存したファイルは書き換えません）。"
        )
    try:
        with master.open("r+b"):
            pass  # opened for writing and closed: nothing is written, the permission is proved
    except OSError as exc:
        raise os_failure(exc, master, "マスターを書き換える") from exc


def backup(master: Path, folder: Path, keep: int) -> Path:
    """A timestamped copy of the master: written to a partial name, fsynced, renamed; kept to `keep`."""
    stamp = wareki.now().strftime("%Y%m%d-%H%M%S-%f")
    final = folder / f"{master.stem}_{stamp}{master.suffix}"
    partial = final.with_name(final.name + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(master, partial)
        fsync_file(partial)
        partial.replace(final)
        fsync_dir(folder)
    except OSError as exc:
        remove_quietly(partial)
        raise os_failure(exc, folder, "マスターのバックアップを作る") from exc
    for old in sorted(folder.glob(f"{master.stem}_*{master.suffix}"))[:-keep]:
        remove_quietly(old)  # an old backup that cannot be pruned must not stop the merge
    return final


def replace_master(
    master: Path,
    write: Callable[[Path], list[str] | None],
    before_sha: str,
    *,
    backups: Path,
    keep: int,
) -> tuple[str, Path | None]:
    """Replace `master` by what `write(temp)` writes, by the safe sequence; returns the new hash
    and the backup. `write` returns what is wrong with the file it wrote (empty when it is right),
    or None when it found nothing to write: then nothing is touched (the hash is the old one)."""
    check_writable(master)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{master.stem}-", suffix=master.suffix, dir=master.parent
        )
        os.close(handle)
    except OSError as exc:
        raise os_failure(exc, master.parent, "マスターのフォルダに一時ファイルを作る") from exc
    temp = Path(name)
    try:
        try:
            temp.chmod(master.stat().st_mode & 0o777)
            wrong = write(temp)
            if wrong is None:
                return before_sha, None
            _crash("before_fsync")
            fsync_file(temp)
        except OSError as exc:
            raise os_failure(exc, temp, "新しいマスターを書く") from exc
        _crash("before_verify")
        if wrong:
            raise OkaxlError(
                "書き換えたマスターの確認で問題が見つかったため、書き換えませんでした："
                + "；".join(wrong[:5])
            )
        saved = backup(master, backups, keep)
        _crash("after_backup")
        if sha256_of(master) != before_sha:
            raise OkaxlError(
                "取り込みの間に、誰かがマスターを保存しました。もう一度 okaxl merge を実行してください。"
            )
        new_sha = sha256_of(temp)
        try:
            ledger.append(
                master,
                {"op": "intent", "old": before_sha, "new": new_sha, "temp": temp.name, "backup": str(saved)},
            )
            _crash("before_replace")
            temp.replace(master)  # os.replace: atomic within one folder (never shutil.move)
        except OSError as exc:
            raise os_failure(exc, master, "マスターを置き換える") from exc
        try:
            fsync_dir(master.parent)
            _crash("after_replace")
            ledger.append(master, {"op": "commit", "new": new_sha})
        except OSError as exc:
            raise OkaxlError(
                f"マスターは書き換えましたが、台帳への記録（{ledger.ledger_path(master).name}）に失敗しました"
                f"（{exc.strerror or exc}）。次に okaxl merge を実行すると自動で整えます。"
            ) from exc
        return new_sha, saved
    finally:
        remove_quietly(temp)


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
