"""LibreOffice headless: the real spreadsheet application that opens okaxl's outputs and prints
them as PDF (staff print from Excel; the tests and --pdf use LibreOffice)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from okaxl.errors import OkaxlError

CANDIDATES = ("soffice", "libreoffice")
# where the LibreOffice installer puts soffice on Windows: it does not add it to PATH
WINDOWS_OFFICE = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)


def find_office(platform: str = sys.platform, installed: tuple[str, ...] = WINDOWS_OFFICE) -> str | None:
    """soffice on PATH, else (Windows) where its installer put it."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if platform == "win32":
        return next((p for p in installed if Path(p).is_file()), None)
    return None


def convert(path: Path, to: str = "pdf", outdir: Path | None = None, timeout: float = 180) -> Path:
    """Convert `path` with LibreOffice headless; returns the written file, or raises OkaxlError."""
    return convert_all([path], to, outdir, timeout)[0]


def convert_all(
    paths: list[Path], to: str = "pdf", outdir: Path | None = None, timeout: float = 180
) -> list[Path]:
    """Convert several files in one LibreOffice start (it takes seconds to start); the written
    files in the order given. Their names must differ in stem, as they land in one folder."""
    office = find_office()
    if office is None:
        raise OkaxlError(
            "LibreOffice が見つかりません。PDF を作るには LibreOffice をインストールしてください"
            "（Debian/Ubuntu: apt-get install libreoffice-calc-nogui）。"
        )
    sources = [Path(p).resolve() for p in paths]
    outdir = Path(outdir or sources[0].parent).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    # A private profile: a second soffice (or a staff member's open LibreOffice) must not block us.
    with tempfile.TemporaryDirectory(prefix="okaxl-lo-") as profile:
        command = [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ]
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                env={**os.environ, "HOME": profile},
            )
        except subprocess.TimeoutExpired as exc:
            raise OkaxlError(
                f"LibreOffice が {timeout:.0f} 秒以内に {'、'.join(p.name for p in sources)} を変換できませんでした。"
            ) from exc
    targets = [outdir / f"{p.stem}.{to.split(':')[0]}" for p in sources]
    for source, target in zip(sources, targets, strict=True):
        if result.returncode != 0 or not target.is_file():
            raise OkaxlError(
                f"LibreOffice で {source.name} を {to} に変換できませんでした"
                f"（{result.stderr.strip() or result.stdout.strip()}）。"
            )
    return targets
