from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from okaxl.config import Config, load_config
from okaxl.master.reader import read_master
from okaxl.master.tables import Tables

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "workbooks" / "master.xlsx"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tables() -> Tables:
    """The shipped master, read once per test session (tests must not change it)."""
    return read_master(MASTER)


def make_project(folder: Path, master: Path = MASTER, templates: bool = False) -> Config:
    """A copy of the project's config and `master` in `folder`, for tests that write."""
    (folder / "workbooks").mkdir(parents=True)
    shutil.copy2(master, folder / "workbooks" / "master.xlsx")
    shutil.copytree(ROOT / "workbooks" / "source", folder / "workbooks" / "source")
    if templates:
        shutil.copytree(ROOT / "templates", folder / "templates")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('key_file = "~/.okaxl/form_key"', 'key_file = "secret/form_key"')
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return load_config(folder / "config.toml")


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """A copy of the project's config and master in a temporary folder, for tests that write."""
    return make_project(tmp_path, templates=bool(request.node.get_closest_marker("shipped_templates")))


@pytest.fixture(scope="session")
def resaved_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped master opened and saved by a spreadsheet application (LibreOffice headless, the
    stand-in for Excel here): shared strings, its own part names, drawings, custom properties."""
    from okaxl.publish.office import convert

    return convert(MASTER, "xlsx", tmp_path_factory.mktemp("resaved"))


@pytest.fixture
def staff_project(tmp_path: Path, resaved_master: Path) -> Config:
    """A project whose master is the one staff really have: re-saved by a spreadsheet application,
    then given printer settings, a picture, Tables, x14 drop-down and data bar, threaded comments,
    a print area, rich text, a filled-down formula column and 2,000 blank formatted rows."""
    from tests.excel_parts import staff_master

    config = make_project(tmp_path)
    staff_master(resaved_master, config.master)
    return config


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On CI a skipped test is a failure: every check here must really run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = 1


PRODUCED: set[str] = set()  # every rule code a problem was made of in this test session
RAN: set[str] = set()  # every test that ran


class _Recording(dict):
    def __getitem__(self, code: str) -> object:
        PRODUCED.add(code)
        return super().__getitem__(code)


@pytest.fixture(scope="session", autouse=True)
def _record_rules():
    """okaxl.rules.problem looks every code up in RULES: recording the lookups records what the
    tests really produced (tests/test_zz_rules.py asserts every rule was)."""
    import okaxl.rules

    original = okaxl.rules.RULES
    okaxl.rules.RULES = _Recording(original)
    yield
    okaxl.rules.RULES = original


@pytest.fixture(autouse=True)
def _record_test(request: pytest.FixtureRequest):
    RAN.add(request.node.nodeid)
    yield
