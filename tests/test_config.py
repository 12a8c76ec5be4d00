"""config.toml: a missing or wrong key gets a clear message."""

from __future__ import annotations

import datetime as dt

import pytest

from okaxl.config import load_config
from okaxl.errors import OkaxlError


def test_shipped_config(root):
    config = load_config(root / "config.toml")
    assert config.master == root / "workbooks" / "master.xlsx"
    assert config.as_of == dt.date(2025, 4, 1) and config.fiscal_year == 2025


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"\[paths\]"),
        ('[paths]\nmaster = "m.xlsx"\n', "versions"),
        ("[paths\n", "読めません"),
    ],
)
def test_bad_config(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OkaxlError, match=message):
        load_config(path)


def test_bad_year(root, tmp_path):
    text = (
        (root / "config.toml")
        .read_text(encoding="utf-8")
        .replace("fiscal_year = 2025", 'fiscal_year = "令和"')
    )
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(OkaxlError, match=r"\[cycle\]"):
        load_config(tmp_path / "config.toml")


def test_missing_file(tmp_path):
    with pytest.raises(OkaxlError, match="見つかりません"):
        load_config(tmp_path / "nope.toml")


def test_the_back_page_publisher(root, tmp_path):
    """[print] publisher: the shipped lines are the seeds'; without the key the same; a wrong type is said."""
    from okaxl.config import PUBLISHER

    assert load_config(root / "config.toml").print.publisher == PUBLISHER
    text = (root / "config.toml").read_text(encoding="utf-8")
    start = text.index("publisher = [")
    end = text.index("]\n", start) + 2
    (tmp_path / "config.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_config(tmp_path / "config.toml").print.publisher == PUBLISHER
    (tmp_path / "config.toml").write_text(
        text[:start] + 'publisher = "政策企画課"\n' + text[end:], encoding="utf-8"
    )
    with pytest.raises(OkaxlError, match="publisher"):
        load_config(tmp_path / "config.toml")
