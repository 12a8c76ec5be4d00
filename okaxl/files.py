"""Writing files safely, and saying in Japanese why the operating system refused.

Every failure the OS reports while okaxl writes (no permission, a read-only or immutable file, a
full disk, a path too long, a network share that went away, a file another program holds) is
turned into one message naming the file and what to do, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from okaxl.errors import OkaxlError

# errno → (what happened, what to do)
_REASONS: dict[int, tuple[str, str]] = {
    errno.EACCES: (
        "書き込む権限がありません",
        "ファイルとフォルダに書き込めるか（読み取り専用でないか、権限があるか）確かめてください。",
    ),
    errno.EPERM: (
        "変更できない設定（読み取り専用・変更禁止の属性）になっています",
        "ファイルの属性を確かめ、変更を許してから、もう一度実行してください。",
    ),
    errno.EROFS: (
        "読み取り専用の場所です",
        "書き込める場所（フォルダ・ドライブ）を config.toml で指定してください。",
    ),
    errno.ENOSPC: (
        "ディスクの空きが足りません",
        "不要なファイル（古いバックアップなど）を削除して空きを作ってから、もう一度実行してください。",
    ),
    errno.EDQUOT: (
        "ディスクの使用量の上限（クォータ）に達しました",
        "不要なファイルを削除するか、管理者に上限を上げてもらってください。",
    ),
    errno.EFBIG: (
        "ファイルの大きさが書き込める上限を超えます",
        "ディスクの空きと、書き込める大きさの制限を確かめてください。",
    ),
    errno.ENAMETOOLONG: (
        "パスが長すぎます",
        "フォルダの階層を浅くするか、名前を短くしてください（Windows は 260 文字まで）。",
    ),
    errno.ENOENT: (
        "ファイルまたはフォルダが見つかりません",
        "フォルダが移動・削除されていないか、ネットワークのドライブにつながっているか確かめてください。",
    ),
}
_NETWORK = (
    "ネットワーク上のフォルダに届きません",
    "ネットワークにつながっているか、共有フォルダが使えるかを確かめてから、もう一度実行してください。",
)
for _code in ("EIO", "ESTALE", "ENETDOWN", "ENETUNREACH", "EHOSTDOWN", "EHOSTUNREACH", "ETIMEDOUT",
              "ECONNRESET", "ECONNABORTED", "ENOTCONN", "EREMOTEIO"):  # fmt: skip
    if hasattr(errno, _code):
        _REASONS[getattr(errno, _code)] = _NETWORK
# Windows reports some failures by its own error number (winerror)
_WINDOWS: dict[int, tuple[str, str]] = {
    5: _REASONS[errno.EACCES],
    32: (
        "他のプログラム（Excel など）が使っています",
        "そのファイルを開いているプログラムを閉じてから、もう一度実行してください。",
    ),
    33: (
        "他のプログラム（Excel など）が使っています",
        "そのファイルを開いているプログラムを閉じてから、もう一度実行してください。",
    ),
    39: _REASONS[errno.ENOSPC],
    112: _REASONS[errno.ENOSPC],
    206: _REASONS[errno.ENAMETOOLONG],
    53: _NETWORK,
    59: _NETWORK,
    64: _NETWORK,
    67: _NETWORK,
    1231: _NETWORK,
}


def os_failure(exc: OSError, path: Path | str | None, doing: str) -> OkaxlError:
    """The OS failure `exc`, met while `doing` (e.g. 「マスターを置き換える」), as a Japanese message."""
    winerror = getattr(exc, "winerror", None)
    reason = _WINDOWS.get(winerror) if winerror else None
    reason = reason or _REASONS.get(exc.errno or 0)
    where = exc.filename or path
    about = f"（{where}）" if where else ""
    if reason is None:
        reason = (f"OS のエラーです：{exc.strerror or exc}", "表示されたエラーを担当者に伝えてください。")
    return OkaxlError(f"{doing}ことができませんでした{about}：{reason[0]}。{reason[1]}")


def save_atomically(save: Callable[[Path], object] | object, path: Path) -> None:
    """Write to a temporary file in the same folder, fsync it, then os.replace it over `path`.

    `save` is a workbook (anything with .save(path)) or a function that writes the given path.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".~okaxl-{path.stem}-", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise os_failure(exc, path.parent, f"{path.name} を書き出す") from exc
    os.close(handle)
    temp = Path(name)
    try:
        # mkstemp makes the file private (0600); keep the mode the file had, or the usual one
        umask = os.umask(0)
        os.umask(umask)
        temp.chmod(path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)
        if callable(save):
            save(temp)
        else:
            save.save(temp)  # type: ignore[attr-defined]
        fsync_file(temp)
        temp.replace(path)  # os.replace: atomic on the same file system
    except OSError as exc:
        raise os_failure(exc, path, f"{path.name} を書き出す") from exc
    finally:
        remove_quietly(temp)


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_quietly(path: Path) -> None:
    """Remove a file of ours if it is there; a failure here must not hide the one being reported."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
