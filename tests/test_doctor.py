"""okaxl doctor: on a healthy project every check passes (exit 0); each failure it can meet here is
named by its code, says what it found (with the path) and what to do, and makes the exit 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from okaxl.shell import doctor as doc
from okaxl.shell.cli import main
from okaxl.shell.launcher import INTERPRETER_WIN
from tests.conftest import ROOT

pytestmark = pytest.mark.shipped_templates


@pytest.fixture
def healthy(project, monkeypatch):
    """The project as on a PC set up well: templates, the signing key readable by its owner only,
    no OneDrive variables."""
    for name in ("OneDrive", "OneDriveCommercial", "OneDriveConsumer"):
        monkeypatch.delenv(name, raising=False)
    key = project.forms.key_file
    key.parent.mkdir(parents=True)
    key.write_text("ab" * 32, encoding="ascii")
    key.chmod(0o600)
    return project


def run_doctor(config, *extra):
    result = CliRunner().invoke(main, ["doctor", "--format", "json", "--config", str(config.path), *extra])
    return result, json.loads(result.stdout)  # exactly one JSON document on stdout


def findings(document, severity=None):
    return {f["code"]: f for f in document["findings"] if severity is None or f["severity"] == severity}


def the_problem(document, code):
    """The one finding to fix: it has its code, names what it found and says what to do."""
    problems = findings(document, "error") | findings(document, "warning")
    assert code in problems, document["findings"]
    found = problems[code]
    assert found["what"] and found["fix"] and found["fix"] != found["what"]
    return found


class TestHealthy:
    def test_all_well_is_exit_0(self, healthy):
        result, document = run_doctor(healthy)
        assert result.exit_code == 0, result.output
        assert document["summary"] == {"errors": 0, "warnings": 0}
        assert {"versions", "config", "master", "folder", "templates", "key", "office", "font"} <= set(
            findings(document, "ok")
        )
        assert str(healthy.forms.key_file) in findings(document)["key"]["what"]  # where to copy it from

    def test_text_lists_each_check_in_japanese(self, healthy):
        result = CliRunner().invoke(main, ["doctor", "--config", str(healthy.path)])
        assert result.exit_code == 0
        assert "マスターブック" in result.output and "結果: 問題ありません。" in result.output


class TestEachFailure:
    def test_missing_master(self, healthy):
        healthy.master.unlink()
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        found = the_problem(document, "master-missing")
        assert found["path"] == str(healthy.master) and "[paths] master" in found["fix"]

    def test_master_open_in_excel(self, healthy):
        (healthy.master.parent / f"~${healthy.master.name}").write_bytes(b"\x00" * 165)
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        found = the_problem(document, "master-open")
        assert "~$master.xlsx" in found["what"] and "閉じて" in found["fix"]

    def test_not_a_workbook(self, healthy):
        healthy.master.write_text("これはブックではない", encoding="utf-8")
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        the_problem(document, "master-not-workbook")

    def test_read_only_folder(self, healthy):
        """A folder okaxl writes that refuses new files, as a process that permissions bind
        (root without CAP_DAC_OVERRIDE)."""
        healthy.output.mkdir()
        healthy.output.chmod(0o555)
        command = [sys.executable, "-m", "okaxl", "doctor", "--format", "json", "--config", str(healthy.path)]
        if os.geteuid() == 0:
            command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", *command]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        finally:
            healthy.output.chmod(0o755)
        assert done.returncode == 1, done.stderr
        found = the_problem(json.loads(done.stdout), "folder-not-writable")
        assert found["path"] == str(healthy.output)
        assert "書き込む権限がありません" in found["fix"]  # the OS failure's own message, not 予期しないエラー

    def test_missing_signing_key(self, healthy):
        healthy.forms.key_file.unlink()
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        found = the_problem(document, "key-missing")
        assert str(healthy.forms.key_file) in found["fix"] and "コピー" in found["fix"]

    def test_signing_key_readable_by_others(self, healthy):
        healthy.forms.key_file.chmod(0o644)
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        assert "chmod 600" in the_problem(document, "key-open-to-others")["fix"]

    def test_libreoffice_not_on_path(self, healthy, tmp_path, monkeypatch):
        bin_ = tmp_path / "bin"
        bin_.mkdir()
        (bin_ / "fc-list").symlink_to(shutil.which("fc-list"))  # the font check still runs
        monkeypatch.setenv("PATH", str(bin_))
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        assert "LibreOffice を入れて" in the_problem(document, "office-missing")["fix"]
        assert "font" in findings(document, "ok")

    def test_font_not_installed(self, healthy):
        text = healthy.path.read_text(encoding="utf-8").replace('"BIZ UDゴシック"', '"岡山ゴシック体"')
        healthy.path.write_text(text, encoding="utf-8")
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        assert "岡山ゴシック体" in the_problem(document, "font-missing")["what"]

    def test_onedrive_urls_in_config(self, healthy, tmp_path, monkeypatch):
        """A URL pasted from the browser: named, with the synced folder's path when this PC has it."""
        synced = tmp_path / "OneDrive"
        (synced / "okaxl").mkdir(parents=True)
        shutil.copy2(healthy.master, synced / "okaxl" / "master.xlsx")
        monkeypatch.setenv("OneDrive", str(synced))
        inbox = "https://okayamacity-my.sharepoint.com/personal/tanaka_city_okayama_lg_jp/Documents/returns/inbox"
        master = "https://d.docs.live.net/5f3a2b1c0d9e8f7a/okaxl/master.xlsx"
        text = healthy.path.read_text(encoding="utf-8")
        text = text.replace('inbox = "returns/inbox"', f'inbox = "{inbox}"')
        text = text.replace('master = "workbooks/master.xlsx"', f'master = "{master}"')
        healthy.path.write_text(text, encoding="utf-8")
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        urls = [f for f in document["findings"] if f["code"] == "path-url"]
        by_url = {f["path"]: f for f in urls}
        assert set(by_url) == {inbox, master}
        assert "OneDrive for Business" in by_url[inbox]["what"] and "同期フォルダー" in by_url[inbox]["fix"]
        assert str(synced / "okaxl" / "master.xlsx") in by_url[master]["fix"]  # the path to write instead
        assert "master-missing" not in findings(document)  # one finding per cause

    def test_inside_a_synced_onedrive_folder_is_a_warning(self, healthy, monkeypatch):
        monkeypatch.setenv("OneDriveCommercial", str(healthy.path.parent))
        result, document = run_doctor(healthy)
        assert result.exit_code == 0  # it works, but conflicts will come
        found = the_problem(document, "onedrive-synced")
        assert "競合" in found["fix"] and document["summary"]["errors"] == 0

    def test_unc_path_off_windows(self, healthy):
        text = healthy.path.read_text(encoding="utf-8").replace(
            'master = "workbooks/master.xlsx"', r"master = '\\fileserver\共有\okaxl\master.xlsx'"
        )
        healthy.path.write_text(text, encoding="utf-8")
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        the_problem(document, "unc-not-windows")

    def test_no_config(self, tmp_path):
        result = CliRunner().invoke(main, ["doctor", "--format", "json", "--config", str(tmp_path / "x.toml")])
        assert result.exit_code == 1
        the_problem(json.loads(result.stdout), "config-missing")

    def test_broken_config(self, healthy):
        healthy.path.write_text("[paths\n", encoding="utf-8")
        result, document = run_doctor(healthy)
        assert result.exit_code == 1
        the_problem(document, "config-invalid")


class TestWindowsChecks:
    """The checks run on Windows only, given what Windows would answer."""

    def test_launcher_interpreter_missing(self, tmp_path):
        env = {"LOCALAPPDATA": str(tmp_path / "AppData" / "Local")}
        (found,) = doc.interpreter(ROOT / "macros" / "okaxl.xlsm", env)
        assert found.code == "interpreter-missing" and found.severity == "error"
        assert str(tmp_path / "AppData" / "Local") in found.what and INTERPRETER_WIN in found.what
        assert "install.bat" in found.fix

    def test_launcher_interpreter_present(self, tmp_path):
        local = tmp_path / "AppData" / "Local"
        venv = local / "okaxl" / ".venv"
        (venv / "Scripts").mkdir(parents=True)
        (venv / "Scripts" / "pythonw.exe").write_bytes(b"MZ")
        env = {"localappdata": str(local)}  # Windows variables are matched in any case
        (found,) = doc.interpreter(ROOT / "macros" / "okaxl.xlsm", env)
        assert found.code == "xlwings-dll-missing"
        (venv / f"xlwings64-{xlwings_version()}.dll").write_bytes(b"MZ")
        (found,) = doc.interpreter(ROOT / "macros" / "okaxl.xlsm", env)
        assert found.severity == "ok"

    def test_nightly_task(self):
        (found,) = doc.task(lambda name: name == r"okaxl\validate")
        assert found.severity == "ok"
        (found,) = doc.task(lambda name: False)
        assert found.code == "task-missing" and found.severity == "warning" and "schtasks" in found.fix


def xlwings_version():
    import xlwings

    return xlwings.__version__


def test_every_doctor_code_is_in_the_setup_guide():
    """Staff look a code up in docs/setup_windows.md: every code the doctor can give is there."""
    guide = (ROOT / "docs" / "setup_windows.md").read_text(encoding="utf-8")
    assert [code for code in doc.FIXES if f"`{code}`" not in guide] == []


class TestFontsOnWindows:
    """The registry of Windows names fonts in English; config.toml names them as Excel shows them."""

    REGISTRY = (
        "BIZ UDGothic Regular & BIZ UDPGothic Regular (TrueType)",
        "MS Gothic & MS UI Gothic & MS PGothic (TrueType)",
        "Meiryo & Meiryo Italic & Meiryo UI & Meiryo UI Italic (TrueType)",
    )

    @pytest.mark.parametrize(
        ("font", "installed"),
        [("BIZ UDゴシック", True), ("ＭＳ ゴシック", True), ("メイリオ", True), ("BIZ UD明朝", False), ("游ゴシック", False)],
    )
    def test_japanese_names_are_found_by_their_english_names(self, monkeypatch, font, installed):
        from okaxl.shell import pc

        monkeypatch.setattr(pc, "_windows_font_names", lambda: list(self.REGISTRY))
        assert pc.font_installed(font, "win32") is installed
