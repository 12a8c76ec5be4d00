from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from okaxl.config import Config, load_config
from okaxl.master import read_master
from okaxl.tables import Tables

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "workbooks" / "master.xlsx"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tables() -> Tables:
    """The shipped master, read once per test session (tests must not change it)."""
    return read_master(MASTER)


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """A copy of the project's config and master in a temporary folder, for tests that write."""
    (tmp_path / "workbooks").mkdir()
    shutil.copy2(MASTER, tmp_path / "workbooks" / "master.xlsx")
    shutil.copytree(ROOT / "workbooks" / "source", tmp_path / "workbooks" / "source")
    if request.node.get_closest_marker("shipped_templates"):
        shutil.copytree(ROOT / "templates", tmp_path / "templates")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('key_file = "~/.okaxl/form_key"', 'key_file = "secret/form_key"')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path / "config.toml")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On CI a skipped test is a failure: every check here must really run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = 1
