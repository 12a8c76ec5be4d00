"""和暦 (Japanese era) years and dates, and fiscal years (年度, April to March).

No maintained library parses fiscal years in every form staff type (2025, R7, 令和7, 令和7年度,
平成33年度 for FY2021) or formats 令和元年, so this small module does it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from okaxl.errors import OkaxlError


@dataclass(frozen=True, slots=True)
class Era:
    name: str
    letter: str
    start: dt.date


ERAS = (
    Era("令和", "R", dt.date(2019, 5, 1)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
)
# Japan keeps one offset all year (no summer time since 1951); a fixed offset needs no time-zone
# database, which Windows lacks without the tzdata package
JST = dt.timezone(dt.timedelta(hours=9), "JST")


def now() -> dt.datetime:
    """The time as staff read it: Japan Standard Time, whatever zone the PC or server is set to
    (the ledger alone keeps UTC)."""
    return dt.datetime.now(JST)


_BY_NAME = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}
_ERA_YEAR = re.compile(r"^(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*(?:年度?)?$")
_ERA_DATE = re.compile(
    r"^(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$"
)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def era_of_year(year: int) -> Era:
    """The era in which most of a fiscal year falls (FY2019 is 令和元年度)."""
    for era in ERAS:
        if year >= era.start.year:
            return era
    raise OkaxlError(f"{year}年は対応していない年です。")


def era_year(era: Era, year: int) -> int:
    return year - era.start.year + 1


def parse_fiscal_year(value: object) -> int:
    """A fiscal year as staff write it: 2025, "2025", "R7", "令和7", "令和7年度", "平成33年度" → 2025/2021."""
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    else:
        text = _normalise(str(value)).removesuffix("年度").removesuffix("年")
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
        else:
            match = _ERA_YEAR.match(text)
            if not match:
                raise OkaxlError(f"年度「{value}」を読めません。2025、R7、令和7年度 のように書いてください。")
            era = _BY_NAME[match.group(1)]
            number = 1 if match.group(2) == "元" else int(match.group(2))
            year = era.start.year + number - 1
    if not 1989 <= year <= 2100:
        raise OkaxlError(f"年度「{value}」は範囲外です（1989〜2100年度）。")
    return year


def fiscal_year_in(name: str) -> int | None:
    """The fiscal year a file name starts with, as okaxl names forms (R7_津山市_…), or None."""
    match = re.match(r"(R|H|令和|平成)\s*(元|\d{1,2})(?=[_\s（(])", _normalise(name))
    try:
        return parse_fiscal_year(match.group(1) + match.group(2)) if match else None
    except OkaxlError:
        return None


def is_out_of_era(value: str) -> bool:
    """True for forms such as 平成33年度 that name a year after their era ended."""
    match = _ERA_YEAR.match(_normalise(value).removesuffix("年度"))
    if not match:
        return False
    era = _BY_NAME[match.group(1)]
    index = ERAS.index(era)
    if index == 0:
        return False
    number = 1 if match.group(2) == "元" else int(match.group(2))
    return era.start.year + number - 1 > ERAS[index - 1].start.year


def parse_date(value: object) -> dt.date:
    """A date as staff write it: 2025-04-01, 2025/4/1, 令和7年4月1日, R7.4.1, R7/4/1, or a date value."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _normalise(str(value))
    match = re.fullmatch(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?", text)
    try:
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = _ERA_DATE.match(text)
        if match:
            era = _BY_NAME[match.group(1)]
            number = 1 if match.group(2) == "元" else int(match.group(2))
            return dt.date(era.start.year + number - 1, int(match.group(3)), int(match.group(4)))
    except ValueError:
        pass
    raise OkaxlError(f"日付「{value}」を読めません。2025-04-01 または 令和7年4月1日 のように書いてください。")


def fiscal_year_of(date: dt.date) -> int:
    return date.year if date.month >= 4 else date.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def _number(n: int) -> str:
    return "元" if n == 1 else str(n)


def format_fiscal_year(year: int) -> str:
    """2025 → 令和7年度; 2019 → 令和元年度 (the fiscal year that began in 平成31年4月)."""
    era = era_of_year(year)
    return f"{era.name}{_number(era_year(era, year))}年度"


def short_fiscal_year(year: int) -> str:
    """2025 → R7, as in file names and the plan's column heads (R4年度)."""
    era = era_of_year(year)
    return f"{era.letter}{era_year(era, year)}"


def format_date(date: dt.date) -> str:
    """2025-04-01 → 令和7年4月1日."""
    era = next(e for e in ERAS if date >= e.start)
    return f"{era.name}{_number(era_year(era, date.year))}年{date.month}月{date.day}日"


def format_month(date: dt.date) -> str:
    """2026-03-01 → 令和8年（2026年）3月, as on the annex's cover."""
    era = next(e for e in ERAS if date >= e.start)
    return f"{era.name}{_number(era_year(era, date.year))}年（{date.year}年）{date.month}月"


def month_end(date: dt.date) -> dt.date:
    """The last day of the month of `date`."""
    return (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def active_on(start: object, end: object, date: dt.date) -> bool:
    """Whether a period from `start` to `end` (open when empty) includes `date`."""
    return isinstance(start, dt.date) and start <= date and (not isinstance(end, dt.date) or date <= end)


def active_during(start: object, end: object, year: int) -> bool:
    """Whether a period from `start` to `end` (open when empty) touches fiscal `year`."""
    first, last = fiscal_year_bounds(year)
    return isinstance(start, dt.date) and start <= last and (not isinstance(end, dt.date) or end >= first)
