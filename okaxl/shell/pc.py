"""Facts about this PC that `okaxl doctor` asks for: can a folder be written, which fonts are
installed, where LibreOffice is, which Python the launcher starts, whether the nightly task is
registered. Each answers a question and raises nothing; the doctor decides what it means.

Written by hand, because each is one call of the operating system's own tool (fc-list, the
registry, schtasks) and no library covers them together on Windows and Linux.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from okaxl.errors import OkaxlError
from okaxl.files import os_failure

# the registry of Windows names its fonts in English
FONT_ALIASES = {
    "BIZ UDゴシック": "BIZ UDGothic",
    "BIZ UDPゴシック": "BIZ UDPGothic",
    "BIZ UD明朝": "BIZ UDMincho",
    "MS ゴシック": "MS Gothic",
    "MS Pゴシック": "MS PGothic",
    "MS 明朝": "MS Mincho",
    "游ゴシック": "Yu Gothic",
    "游明朝": "Yu Mincho",
    "メイリオ": "Meiryo",
}


def write_failure(folder: Path) -> OkaxlError | None:
    """None when a file can be made (and removed) in `folder`, else why not. Trying is the only
    honest test: permission bits say little on Windows file shares and nothing about a full disk."""
    try:
        handle, name = tempfile.mkstemp(prefix=".okaxl-doctor-", dir=folder)
        os.close(handle)
        Path(name).unlink()
    except OSError as exc:
        return os_failure(exc, folder, "フォルダーにファイルを作る")
    return None


def existing_ancestor(path: Path) -> Path | None:
    """The nearest folder at or above `path` that exists."""
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return None


def _normal(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def _windows_font_names() -> list[str] | None:
    if sys.platform != "win32":  # (mypy checks the rest for Windows only)
        return None
    import winreg

    names: list[str] = []
    key_path = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Fonts"
    for root in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
        try:
            with winreg.OpenKey(root, key_path) as key:
                index = 0
                while True:
                    try:
                        names.append(winreg.EnumValue(key, index)[0])
                    except OSError:
                        break
                    index += 1
        except OSError:
            continue
    return names


def _fontconfig_names() -> list[str] | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        done = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return [family for line in done.stdout.splitlines() for family in line.split(",")]


def font_installed(font: str, platform: str = sys.platform) -> bool | None:
    """Whether `font` is installed (None: this PC cannot tell)."""
    names = _windows_font_names() if platform == "win32" else _fontconfig_names()
    if names is None:
        return None
    wanted = {_normal(font)}
    alias = {_normal(k): v for k, v in FONT_ALIASES.items()}.get(_normal(font))
    if alias:
        wanted.add(_normal(alias))
    if platform == "win32":  # "BIZ UDGothic Regular & BIZ UDPGothic Regular (TrueType)"
        parts = {_normal(re.sub(r"\s*\(.*\)$", "", p)) for n in names for p in n.split("&")}
        return any(p == w or p.startswith(w + " ") for p in parts for w in wanted)
    return any(_normal(n) in wanted for n in names)


def expand_windows_variables(text: str, environ: Mapping[str, str]) -> str:
    """%LOCALAPPDATA% and the like, as Windows and xlwings' GetConfig expand them (names in any case)."""
    upper = {k.upper(): v for k, v in environ.items()}
    return re.sub(r"%([^%]+)%", lambda m: upper.get(m.group(1).upper(), m.group(0)), text)


def launcher_interpreter(launcher: Path) -> str | None:
    """Interpreter_Win on the launcher's hidden xlwings.conf sheet, as written (None: not set)."""
    import openpyxl

    book = openpyxl.load_workbook(launcher, read_only=True, keep_vba=False)
    try:
        if "xlwings.conf" not in book.sheetnames:
            return None
        for key, value, *_ in book["xlwings.conf"].iter_rows(values_only=True):
            if str(key).strip().upper() == "INTERPRETER_WIN" and value:
                return str(value)
        return None
    finally:
        book.close()


def task_registered(name: str) -> bool | None:
    """Whether the Task Scheduler holds `name` (None: schtasks could not be asked)."""
    try:
        done = subprocess.run(["schtasks", "/Query", "/TN", name], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.returncode == 0
