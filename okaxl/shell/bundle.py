"""`okaxl bundle`: a folder, and a zip of it, that installs okaxl on a PC with no package index (the
LGWAN side of a separated network): okaxl's wheel and a wheel of every dependency for the target
platform and Python, install/uninstall scripts, the launcher, a config.toml to fill in, the set-up
guide, and SHA256SUMS, which the install script checks before anything else.

pip downloads the wheels, but it evaluates environment markers for the machine it runs on, not
the target (pip download --platform changes only the wheel tags): building on Linux, it would
leave out what only Windows needs, such as xlwings' pywin32. So the requirements of every wheel
are read from its METADATA and evaluated for the target with packaging's markers, by hand below,
and whatever is missing is downloaded too, until nothing is.
"""

from __future__ import annotations

import email.parser
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from okaxl import __version__, wareki
from okaxl.errors import OkaxlError
from okaxl.master.commit import sha256_of

PLATFORMS = ("win_amd64", "manylinux2014_x86_64")
PYTHONS = ("3.11", "3.12", "3.13")
SCRIPTS = Path(__file__).with_name("bundle_files")
MANIFEST = "SHA256SUMS"


@dataclass(frozen=True, slots=True)
class Target:
    """The PC the bundle is for: a wheel platform tag and a Python X.Y."""

    platform: str
    python: str

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def name(self) -> str:
        return f"okaxl-{__version__}-{self.platform}-py{self.python.replace('.', '')}"

    def markers(self) -> dict[str, str]:
        """The environment markers of the target PC (PEP 508)."""
        full = f"{self.python}.0"
        common = {
            "implementation_name": "cpython",
            "implementation_version": full,
            "platform_python_implementation": "CPython",
            "python_full_version": full,
            "python_version": self.python,
            "extra": "",
        }
        if self.windows:
            return {
                **common,
                "os_name": "nt",
                "sys_platform": "win32",
                "platform_system": "Windows",
                "platform_machine": "AMD64",
                "platform_release": "10",
                "platform_version": "10.0.19045",
            }
        return {
            **common,
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": "x86_64",
            "platform_release": "",
            "platform_version": "",
        }


@dataclass(frozen=True, slots=True)
class Built:
    folder: Path
    archive: Path
    wheels: list[str]

    @property
    def size(self) -> int:
        return self.archive.stat().st_size

    def archive_sha256(self) -> str:
        return sha256_of(self.archive)


def wheel_requirements(wheel: Path) -> list[Requirement]:
    """Requires-Dist of a wheel, as its METADATA says (markers not yet evaluated)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        metadata = email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(text) for text in metadata.get_all("Requires-Dist") or []]


def applies(requirement: Requirement, environment: dict[str, str], extras: Iterable[str]) -> bool:
    """Whether the requirement holds on the target, for the package installed with these extras."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**environment, "extra": e}) for e in ("", *extras))


def closure(
    wheels: list[Path], roots: list[Requirement], environment: dict[str, str]
) -> tuple[dict[str, Path], list[Requirement]]:
    """The wheels the target installs for `roots` (by project name), and the requirements that no
    wheel in `wheels` satisfies."""
    available: dict[str, list[tuple[Version, Path]]] = {}
    for wheel in wheels:
        name, version, _, _ = parse_wheel_filename(wheel.name)
        available.setdefault(name, []).append((version, wheel))
    needed: dict[str, Path] = {}
    missing: list[Requirement] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    queue = list(roots)
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        fits = [(v, w) for v, w in available.get(name, []) if requirement.specifier.contains(v, prereleases=True)]
        if not fits:
            missing.append(requirement)
            continue
        wheel = needed.setdefault(name, max(fits)[1])
        queue += [r for r in wheel_requirements(wheel) if applies(r, environment, requirement.extras)]
    return needed, missing


def _bare(requirement: Requirement) -> str:
    """The requirement without its marker (already evaluated for the target)."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    return f"{requirement.name}{extras}{requirement.specifier}"


Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=1800)


def _pip(args: list[str], doing: str, run: Runner) -> None:
    done = run([sys.executable, "-m", "pip", *args])
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
        raise OkaxlError(
            f"{doing}ことができませんでした。PyPI（または pip の設定にある索引・プロキシ）に届くか、"
            f"--platform と --python に合う wheel があるかを確かめてください。pip の表示:\n{tail}"
        )


def download(target: Target, folder: Path, okaxl_wheel: Path, run: Runner = _run) -> dict[str, Path]:
    """Every wheel the target needs for okaxl, downloaded into `folder`; the ones not needed removed."""
    environment = target.markers()
    roots = [Requirement(f"okaxl=={__version__}")]
    wanted = [r for r in wheel_requirements(okaxl_wheel) if applies(r, environment, ())]
    for _ in range(6):
        pip_args = ["download", "--quiet", "--only-binary=:all:", "--dest", str(folder)]
        pip_args += ["--platform", target.platform, "--python-version", target.python, "--implementation", "cp"]
        _pip([*pip_args, *map(_bare, wanted)], "wheel をダウンロードする", run)
        needed, missing = closure(sorted(folder.glob("*.whl")), roots, environment)
        if not missing:
            for wheel in folder.glob("*.whl"):
                if wheel not in needed.values():
                    wheel.unlink()  # resolved for the building machine's markers only
            return needed
        wanted += [r for r in missing if _bare(r) not in map(_bare, wanted)]
    raise OkaxlError(
        f"{target.platform} 用の依存関係がそろいませんでした（{', '.join(map(str, missing))}）。"
    )


def _script(name: str, target: Target) -> bytes:
    major, minor = target.python.split(".")
    text = (SCRIPTS / name).read_text(encoding="utf-8")
    for key, value in {"VERSION": __version__, "PYTHON": target.python, "PYMAJOR": major, "PYMINOR": minor}.items():
        text = text.replace(f"@{key}@", value)
    if name.endswith(".bat"):  # cmd.exe reads a batch file in the console's code page: cp932 on Japanese Windows
        return text.replace("\n", "\r\n").encode("cp932")
    return text.encode("utf-8")


CONFIG_HEADER = r"""# okaxl の設定（この PC 用に書き換えてください）。パスはこのファイルからの相対パスか、絶対パスです。
# 共有フォルダーのマスターは master = '\\サーバー\共有\岡山連携\master.xlsx' のように '…' で囲んで書きます。
# OneDrive・SharePoint のブラウザーの URL（https://…）は使えません。書き換えたら okaxl doctor で確かめます。

"""


def _project(root: Path, folder: Path) -> None:
    """What staff keep on their PC: the launcher, config.toml, the progress template."""
    (folder / "macros").mkdir(parents=True)
    (folder / "templates").mkdir()
    shutil.copy2(root / "macros" / "okaxl.xlsm", folder / "macros" / "okaxl.xlsm")
    shutil.copy2(root / "templates" / "progress.xlsx", folder / "templates" / "progress.xlsx")
    config = (root / "config.toml").read_text(encoding="utf-8")
    (folder / "config.toml").write_text(CONFIG_HEADER + config, encoding="utf-8")


def write_manifest(folder: Path) -> Path:
    """SHA256SUMS in sha256sum's format (two spaces, forward slashes), every file but itself."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    lines = [f"{sha256_of(p)}  {p.relative_to(folder).as_posix()}\n" for p in files]
    manifest = folder / MANIFEST
    manifest.write_text("".join(lines), encoding="ascii", newline="\n")
    return manifest


def source_root() -> Path:
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "macros" / "okaxl.xlsm").is_file():
        raise OkaxlError(
            "okaxl bundle は okaxl のソースのフォルダー（pyproject.toml と macros/okaxl.xlsm のある所）から"
            "入れた okaxl で実行してください（pip install -e .）。"
        )
    return root


def build(target: Target, output: Path, root: Path | None = None, run: Runner = _run) -> Built:
    """The bundle for `target` as output/<name>/ and output/<name>.zip."""
    if target.platform not in PLATFORMS or target.python not in PYTHONS:
        raise OkaxlError(f"対象 {target.platform} / Python {target.python} の配布は作れません。")
    root = root or source_root()
    folder = output / target.name
    if folder.exists():
        if not (folder / "bundle.json").is_file():
            raise OkaxlError(f"{folder} は okaxl の配布フォルダーではないので、上書きしません。別の --output を指定してください。")
        shutil.rmtree(folder)
    wheels = folder / "wheels"
    wheels.mkdir(parents=True)
    _pip(["wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(root)], "okaxl の wheel を作る", run)
    (okaxl_wheel,) = wheels.glob("okaxl-*.whl")
    needed = download(target, wheels, okaxl_wheel, run)
    pins = [
        f"{parse_wheel_filename(w.name)[0]}=={parse_wheel_filename(w.name)[1]} --hash=sha256:{sha256_of(w)}\n"
        for w in sorted(needed.values())
    ]
    (folder / "requirements.txt").write_text("".join(pins), encoding="ascii", newline="\n")
    _project(root, folder / "project")
    shutil.copy2(root / "docs" / "setup_windows.md", folder / "setup_windows.md")
    shutil.copy2(root / "LICENSE", folder / "LICENSE")
    scripts = ("install.bat", "uninstall.bat") if target.windows else ("install.sh", "uninstall.sh")
    for name in scripts:
        (folder / name).write_bytes(_script(name, target))
        (folder / name).chmod(0o755)
    names = sorted(w.name for w in needed.values())
    about = {
        "okaxl": __version__,
        "platform": target.platform,
        "python": target.python,
        "built_at": wareki.now().isoformat(timespec="seconds"),
        "wheels": names,
    }
    (folder / "bundle.json").write_text(json.dumps(about, ensure_ascii=False, indent=2), encoding="utf-8")
    write_manifest(folder)
    archive = Path(shutil.make_archive(str(folder), "zip", root_dir=output, base_dir=target.name))
    return Built(folder, archive, names)
