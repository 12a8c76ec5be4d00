"""和暦 and fiscal years as staff write them."""

from __future__ import annotations

import datetime as dt

import pytest

from okaxl import wareki
from okaxl.errors import OkaxlError


class TestFiscalYears:
    @pytest.mark.parametrize(
        ("text", "year"),
        [
            (2025, 2025),
            ("2025", 2025),
            ("R7", 2025),
            ("r7", 2025),
            ("令和7", 2025),
            ("令和7年度", 2025),
            ("令和７年度", 2025),
            ("令和元年度", 2019),
            ("平成33年度", 2021),
            ("H29", 2017),
            ("２０２５", 2025),
        ],
    )
    def test_parse(self, text, year):
        assert wareki.parse_fiscal_year(text) == year

    @pytest.mark.parametrize("text", ["令和", "R", "2025年4月", "abc", "1900", True])
    def test_reject(self, text):
        with pytest.raises(OkaxlError, match="年度"):
            wareki.parse_fiscal_year(text)

    def test_format(self):
        assert wareki.format_fiscal_year(2025) == "令和7年度"
        assert wareki.format_fiscal_year(2019) == "令和元年度"
        assert wareki.format_fiscal_year(2017) == "平成29年度"
        assert wareki.short_fiscal_year(2026) == "R8"

    def test_out_of_era(self):
        assert wareki.is_out_of_era("平成33年度")
        assert not wareki.is_out_of_era("平成30年度")
        assert not wareki.is_out_of_era("令和33年度")


class TestDates:
    @pytest.mark.parametrize(
        ("text", "date"),
        [
            ("2025-04-01", dt.date(2025, 4, 1)),
            ("2025/4/1", dt.date(2025, 4, 1)),
            ("令和7年4月1日", dt.date(2025, 4, 1)),
            ("R7.4.1", dt.date(2025, 4, 1)),
            ("平成30年3月28日", dt.date(2018, 3, 28)),
            ("令和元年5月1日", dt.date(2019, 5, 1)),
            (dt.datetime(2025, 4, 1, 9, 30), dt.date(2025, 4, 1)),
        ],
    )
    def test_parse(self, text, date):
        assert wareki.parse_date(text) == date

    @pytest.mark.parametrize("text", ["2025-02-30", "令和7年13月1日", "", "4/1"])
    def test_reject(self, text):
        with pytest.raises(OkaxlError, match="日付"):
            wareki.parse_date(text)

    def test_format(self):
        assert wareki.format_date(dt.date(2025, 4, 1)) == "令和7年4月1日"
        assert wareki.format_date(dt.date(2019, 4, 30)) == "平成31年4月30日"
        assert wareki.format_month(dt.date(2026, 3, 1)) == "令和8年（2026年）3月"
        assert wareki.fiscal_year_of(dt.date(2026, 3, 31)) == 2025


@pytest.mark.parametrize("written", ["R7/4/1", "R7.4.1", "令和7年4月1日", "Ｒ７／４／１", "2025/4/1", "R7-4-1"])
def test_dates_as_staff_write_them(written):
    assert wareki.parse_date(written) == dt.date(2025, 4, 1)


def test_now_is_japan_time():
    assert wareki.now().utcoffset() == dt.timedelta(hours=9)
