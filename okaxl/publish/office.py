"""LibreOffice headless: the real spreadsheet application that opens okaxl's outputs and prints
them as PDF (staff print from Excel; the tests and --pdf use LibreOffice).

A PDF is made from a print copy (printcopy.py) through UNO (okaxl/shell/lo_uno.py, run by a
Python that has `uno`) where one is found, so that Japanese line breaking is on as in Excel; else
by soffice --convert-to, whose PDF may start a line with 、 or 。."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from okaxl.errors import OkaxlError
from okaxl.publish.printcopy import printable

CANDIDATES = ("soffice", "libreoffice")
# where the LibreOffice installer puts soffice on Windows: it does not add it to PATH
WINDOWS_OFFICE = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)
LO_UNO = Path(__file__).resolve().parents[1] / "shell" / "lo_uno.py"
UNO_PYTHONS = (
    "/usr/bin/python3",
    "/usr/lib/libreoffice/program/python",
    r"C:\Program Files\LibreOffice\program\python.exe",
)


def uno_python() -> str | None:
    """A Python that can `import uno` (Debian's python3-uno, or LibreOffice's own), if any."""
    for candidate in (sys.executable, *UNO_PYTHONS):
        try:
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


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
    if to != "pdf":
        return _convert(office, sources, to, outdir, timeout)
    with tempfile.TemporaryDirectory(prefix="okaxl-print-") as folder:
        printed = [printable(source, Path(folder)) for source in sources]  # same names
        targets = [outdir / f"{p.stem}.pdf" for p in printed]
        if _through_uno(office, printed, outdir, timeout) and all(t.is_file() for t in targets):
            return targets
        return _convert(office, printed, to, outdir, timeout)


def _convert(office: str, sources: list[Path], to: str, outdir: Path, timeout: float) -> list[Path]:
    targets = [outdir / f"{p.stem}.{to.split(':')[0]}" for p in sources]
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
    for source, target in zip(sources, targets, strict=True):
        if result.returncode != 0 or not target.is_file():
            raise OkaxlError(
                f"LibreOffice で {source.name} を {to} に変換できませんでした"
                f"（{result.stderr.strip() or result.stdout.strip()}）。"
            )
    return targets


def _through_uno(office: str, sources: list[Path], outdir: Path, timeout: float) -> bool:
    """PDFs made through UNO; False (and nothing said) when that cannot be done here, for
    --convert-to to do instead. A LibreOffice that does not finish in time is not tried twice."""
    python = uno_python()
    if python is None:
        return False
    for source in sources:
        (outdir / f"{source.stem}.pdf").unlink(missing_ok=True)  # a PDF left from before is not this one
    command = [python, str(LO_UNO), "pdf", str(outdir), *map(str, sources)]
    try:
        # a session of its own: on a timeout the LibreOffice it started goes too
        helper = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "OKAXL_SOFFICE": office},
            start_new_session=True,
        )
    except OSError:
        return False
    try:
        return helper.wait(timeout=timeout) == 0
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            with contextlib.suppress(OSError):
                os.killpg(helper.pid, signal.SIGKILL)
        else:
            helper.kill()
        helper.wait()
        raise OkaxlError(
            f"LibreOffice が {timeout:.0f} 秒以内に {'、'.join(p.name for p in sources)} を PDF にできませんでした。"
        ) from None
