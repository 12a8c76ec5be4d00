"""Reading numbers as people type them: １，２００, 1,200人, ▲862, 12.5%.

Used where a number is required (the master's number columns, a returned form's KPI cells) to say
exactly what is wrong with a typed value and what the number probably is.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Reading(StrEnum):
    NUMBER = "number"  # a real number cell
    TEXT_NUMBER = "text_number"  # digits typed as text: "1200"
    FULL_WIDTH = "full_width"  # "１２００" or "１，２００"
    SEPARATOR = "separator"  # "1,200"
    UNIT = "unit"  # "1,200人", "12.5%"
    TRIANGLE = "triangle"  # "▲862" (negative, as Japanese tables print it)
    NOT_NUMBER = "not_number"
    NOT_FINITE = "not_finite"  # NaN or INF


@dataclass(frozen=True, slots=True)
class Parsed:
    reading: Reading
    value: float | int | None  # the number the person most likely meant
    unit: str | None = None


_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(.*)$")
_SPACES = re.compile(r"\s+")


def _as_int(number: float) -> float | int:
    return int(number) if number.is_integer() else number


def parse_number(value: object) -> Parsed:
    """What a cell value says as a number, and how it was typed."""
    if isinstance(value, bool):
        return Parsed(Reading.NOT_NUMBER, None)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return Parsed(Reading.NOT_FINITE, None)
        return Parsed(Reading.NUMBER, _as_int(float(value)))
    if not isinstance(value, str):
        return Parsed(Reading.NOT_NUMBER, None)
    raw = value.strip()
    text = _SPACES.sub("", unicodedata.normalize("NFKC", raw))
    if text.lower() in {"nan", "inf", "-inf", "+inf", "infinity"}:
        return Parsed(Reading.NOT_FINITE, None)
    negative = text.startswith(("▲", "△"))
    if negative:
        text = "-" + text[1:]
    match = _NUMBER.match(text)
    if not match:
        return Parsed(Reading.NOT_NUMBER, None)
    sign, digits, fraction, rest = match.groups()
    number = _as_int(float(f"{sign}{digits.replace(',', '')}{fraction or ''}"))
    full_width = raw != unicodedata.normalize("NFKC", raw) and any(
        not c.isascii() for c in raw if c.isdigit() or c in "，．"
    )
    if rest:
        return Parsed(Reading.UNIT, number, rest)
    if negative:
        return Parsed(Reading.TRIANGLE, number)
    if full_width:
        return Parsed(Reading.FULL_WIDTH, number)
    if "," in digits:
        return Parsed(Reading.SEPARATOR, number)
    return Parsed(Reading.TEXT_NUMBER, number)


def format_number(number: float | int) -> str:
    return f"{number:,}" if isinstance(number, int) else f"{number:,.10g}"
