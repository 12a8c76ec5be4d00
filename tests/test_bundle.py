"""okaxl bundle: the offline install bundle. The Linux one is installed here with no index reachable
and runs okaxl; the Windows one is resolved for Windows without installing. Each bundle is built
once for this module (pip downloads its wheels from PyPI)."""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from okaxl import __version__
from okaxl.config import load_config
from okaxl.shell.cli import main
from tests.conftest import MASTER, ROOT

HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
WINDOWS = {  # PEP 508 markers of a 64-bit Windows PC with CPython 3.11
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "python_version": "3.11",
    "python_full_version": "3.11.9",
}


def _build(output: Path, platform: str, python: str) -> Path:
    result = CliRunner().invoke(
        main, ["bundle", "--platform", platform, "--python", python, "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    folder = output / f"okaxl-{__version__}-{platform}-py{python.replace('.', '')}"
    assert str(folder) in result.output and "SHA-256" in result.output
    return folder


@pytest.fixture(scope="module")
def linux_bundle(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("dist"), "manylinux2014_x86_64", HOST_PYTHON)


@pytest.fixture(scope="module")
def windows_bundle(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("dist"), "win_amd64", "3.11")


def _offline_env(tmp_path: Path) -> dict[str, str]:
    """No index, no pip configuration of this machine (its find-links), no proxy that leads out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and "proxy" not in k.lower()}
    dead = "http://127.0.0.1:9"
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": f"{dead}/simple/", "PIP_NO_INDEX": "1"}
    env |= {"http_proxy": dead, "https_proxy": dead, "HTTP_PROXY": dead, "HTTPS_PROXY": dead}
    env |= {"HOME": str(tmp_path / "user"), "OKAXL_HOME": str(tmp_path / "okaxl-home")}
    env |= {"OKAXL_PROJECT": str(tmp_path / "プロジェクト 岡山"), "OKAXL_PYTHON": sys._base_executable}
    (tmp_path / "user").mkdir(exist_ok=True)
    return env


def _without_network(command: list[str]) -> list[str]:
    """In a network namespace of its own when this machine allows it (root, as here and on CI)."""
    # the proxies above already lead nowhere; a namespace also shuts what ignores them, where the
    # machine grants one (a container without CAP_SYS_ADMIN does not)
    if os.geteuid() == 0 and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "--net", "--", *command]
    return command


def _manifest(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


@pytest.fixture(scope="module")
def installed(linux_bundle, tmp_path_factory):
    """The Linux bundle's install.sh run on a 'PC' of its own, with no network."""
    tmp_path = tmp_path_factory.mktemp("pc")
    env = _offline_env(tmp_path)
    done = subprocess.run(
        _without_network(["sh", str(linux_bundle / "install.sh")]),
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path, env, done


class TestLinuxBundle:
    """The Linux bundle installs into a new virtual environment from its own wheels only, and
    okaxl runs from there."""

    def test_install_verifies_then_installs_offline(self, installed, linux_bundle):
        _, env, done = installed
        steps = [line for line in done.stdout.splitlines() if re.match(r"\[\d/5\]", line)]
        assert [s[:5] for s in steps] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
        venv = Path(env["OKAXL_HOME"]) / ".venv"
        freeze = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "freeze", "--all"], capture_output=True, text=True
        ).stdout
        installed = {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in freeze.split()}
        pinned = {
            canonicalize_name(line.split("==")[0]): line.split("==")[1].split()[0]
            for line in (linux_bundle / "requirements.txt").read_text().splitlines()
        }
        assert {k: v for k, v in installed.items() if k in pinned} == pinned
        assert set(installed) - set(pinned) <= {"pip", "setuptools", "wheel"}
        project = Path(env["OKAXL_PROJECT"])
        assert (project / "macros" / "okaxl.xlsm").read_bytes() == (ROOT / "macros" / "okaxl.xlsm").read_bytes()
        assert "okaxl doctor: この PC の設定の確認" in done.stdout  # the doctor ran at the end
        assert "[master-missing]" in done.stdout  # and said what to do next: the master is not there yet

    def test_okaxl_matrix_and_doctor_run_from_it(self, installed):
        tmp_path, env, _ = installed
        project = Path(env["OKAXL_PROJECT"])
        (project / "workbooks").mkdir()
        shutil.copy2(MASTER, project / "workbooks" / "master.xlsx")
        key = tmp_path / "user" / ".okaxl" / "form_key"  # config.toml's ~/.okaxl/form_key
        key.parent.mkdir()
        key.write_text("cd" * 32, encoding="ascii")
        key.chmod(0o600)
        okaxl = str(Path(env["OKAXL_HOME"]) / ".venv" / "bin" / "okaxl")
        config = str(project / "config.toml")
        matrix = subprocess.run(
            _without_network([okaxl, "matrix", "--config", config]),
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert matrix.returncode == 0, matrix.stderr
        assert len(list((project / "output").glob("*.xlsx"))) == 1
        doctor = subprocess.run(
            _without_network([okaxl, "doctor", "--format", "json", "--config", config]),
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        document = json.loads(doctor.stdout)
        assert doctor.returncode == 0, document["findings"]
        assert document["summary"] == {"errors": 0, "warnings": 0}
        versions = next(f for f in document["findings"] if f["code"] == "versions")
        assert str(Path(env["OKAXL_HOME"]) / ".venv") in versions["what"]  # the bundle's Python, not ours

    def test_a_changed_file_stops_the_install(self, linux_bundle, tmp_path):
        copy = tmp_path / "bundle"
        shutil.copytree(linux_bundle, copy)
        (copy / "project" / "config.toml").write_text("# 途中で変わった\n", encoding="utf-8")
        env = _offline_env(tmp_path)
        done = subprocess.run(["sh", str(copy / "install.sh")], env=env, capture_output=True, text=True)
        assert done.returncode == 1
        assert "SHA256SUMS と合いません" in done.stderr and "project/config.toml" in done.stdout + done.stderr
        assert not (Path(env["OKAXL_HOME"]) / ".venv").exists()


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        metadata = email.parser.Parser().parsestr(archive.read(name).decode())
    return [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]


class TestWindowsBundle:
    """The Windows bundle, checked without Windows."""

    def test_every_requirement_on_windows_has_a_wheel(self, windows_bundle):
        """Resolved for Windows markers (pip resolves for this machine's), from okaxl down: every
        requirement is met by a wheel of the bundle that CPython 3.11 on win_amd64 installs."""
        wheels = {}
        for wheel in (windows_bundle / "wheels").glob("*.whl"):
            name, version, _, wheel_tags = parse_wheel_filename(wheel.name)
            wheels[name] = (version, wheel_tags, wheel)
        supported = {
            *tags.cpython_tags((3, 11), platforms=["win_amd64"]),
            *tags.compatible_tags((3, 11), "cp311", ["win_amd64"]),
        }
        queue, met = [Requirement(f"okaxl=={__version__}")], set()
        while queue:
            requirement = queue.pop()
            name = canonicalize_name(requirement.name)
            assert name in wheels, f"no wheel for {requirement} on Windows"
            version, wheel_tags, wheel = wheels[name]
            assert requirement.specifier.contains(version, prereleases=True), (requirement, version)
            assert wheel_tags & supported, f"{wheel.name} does not install on CPython 3.11 win_amd64"
            if name not in met:
                met.add(name)
                extras = ("", *requirement.extras)
                queue += [
                    r for r in _requires(wheel)
                    if r.marker is None or any(r.marker.evaluate({**WINDOWS, "extra": e}) for e in extras)
                ]  # fmt: skip
        assert {"pywin32", "xlwings", "tzdata"} <= met  # the Windows-only ones (xlwings → pywin32; pandas → tzdata)
        assert met == set(wheels)  # nothing that Windows would not install

    def test_pip_resolves_it_offline_for_windows(self, windows_bundle, tmp_path):
        report = tmp_path / "report.json"
        done = subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index",
                "--find-links", str(windows_bundle / "wheels"), "--platform", "win_amd64",
                "--python-version", "3.11", "--implementation", "cp", "--only-binary=:all:",
                "--target", str(tmp_path / "target"), "--report", str(report), f"okaxl=={__version__}",
            ],
            env=_offline_env(tmp_path), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        chosen = {canonicalize_name(i["metadata"]["name"]) for i in json.loads(report.read_text())["install"]}
        assert "xlwings" in chosen and "pandas" in chosen

    def test_xlwings_is_the_launchers(self, windows_bundle):
        bas = (ROOT / "macros" / "xlwings.bas").read_text(encoding="ascii")
        version = re.search(r"^'Version: (\S+)$", bas, re.M).group(1)
        assert (windows_bundle / "wheels" / f"xlwings-{version}-cp311-cp311-win_amd64.whl").is_file()
        with zipfile.ZipFile(windows_bundle / "wheels" / f"xlwings-{version}-cp311-cp311-win_amd64.whl") as w:
            assert f"xlwings-{version}.data/data/xlwings64-{version}.dll" in w.namelist()

    def test_install_bat_verifies_first_and_installs_without_an_index(self, windows_bundle):
        raw = (windows_bundle / "install.bat").read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # cmd.exe wants CRLF
        text = raw.decode("cp932")  # the code page of a Japanese console
        lines = text.splitlines()
        assert "@" not in re.sub(r"^@echo off", "", text, flags=re.M).replace("%~dp0", "")  # all filled in
        verify = next(i for i, line in enumerate(lines) if '("SHA256SUMS") do call :verify' in line)
        stop = next(i for i, line in enumerate(lines) if line == "if defined BAD goto :bad_files")
        (pip,) = [i for i, line in enumerate(lines) if " -m pip " in line]
        venv = next(i for i, line in enumerate(lines) if " -m venv " in line)
        assert verify < stop < venv < pip  # nothing is installed before every file is checked
        for flag in ("install", "--no-index", "--find-links \"%BUNDLE%wheels\"", "--require-hashes"):
            assert flag in lines[pip]
        assert "certutil -hashfile" in text and "py -3.11" in text
        assert r'set "VENV=%LOCALAPPDATA%\okaxl\.venv"' in text  # where the launcher looks (Interpreter_Win)
        assert r'"%VENV%\Scripts\okaxl.exe" doctor --config' in text
        assert "uninstall.bat" in {p.name for p in windows_bundle.iterdir()}

    def test_manifest_matches_the_files(self, windows_bundle):
        manifest = _manifest(windows_bundle)
        files = {
            p.relative_to(windows_bundle).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in windows_bundle.rglob("*")
            if p.is_file() and p.name != "SHA256SUMS"
        }
        assert manifest == files
        assert {"install.bat", "uninstall.bat", "requirements.txt", "setup_windows.md", "LICENSE",
                "project/macros/okaxl.xlsm", "project/config.toml", "project/templates/progress.xlsx"} <= set(files)  # fmt: skip
        with zipfile.ZipFile(windows_bundle.parent / f"{windows_bundle.name}.zip") as archive:
            prefix = windows_bundle.name + "/"
            names = {n.removeprefix(prefix) for n in archive.namelist() if not n.endswith("/")}
            assert names == set(files) | {"SHA256SUMS"}
            assert archive.read(prefix + "SHA256SUMS") == (windows_bundle / "SHA256SUMS").read_bytes()

    def test_config_to_fill_in_reads(self, windows_bundle):
        config = load_config(windows_bundle / "project" / "config.toml")
        assert config.master.name == "master.xlsx"
        assert "URL" in (windows_bundle / "project" / "config.toml").read_text(encoding="utf-8")


def test_no_package_index_is_a_japanese_message_and_exit_2(tmp_path, monkeypatch):
    for name, value in _offline_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PIP_NO_INDEX")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "empty"))
    result = CliRunner().invoke(main, ["bundle", "--output", str(tmp_path / "dist")])
    assert result.exit_code == 2
    assert "できませんでした" in result.output and "PyPI" in result.output
    assert "Traceback" not in result.output
