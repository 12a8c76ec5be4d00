"""What each master column may hold, judged one value at a time: the element checks by rule
code, and the problem that explains a failure, naming the cell.

schemas.py runs these checks over whole sheets through pandera (`okaxl validate`); a merge runs
them on the cells it wrote only (cell_problems), without importing pandera (0.2 s of a 0.8 s merge).
Both ask the same functions, so a written value is judged as validation would judge it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

import pandas as pd

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.layout import Kind
from okaxl.master.tables import Tables
from okaxl.numbers import Reading, format_number, parse_number
from okaxl.problems import Problem
from okaxl.rules import problem

# 機種依存文字: circled numbers, half-width katakana, parenthesised and squared abbreviations.
DEPENDENT = re.compile(r"[\u2460-\u24ff\u2776-\u2793\u3200-\u33ff\uff61-\uff9f\u2160-\u217f]")
DITTO_MARKS = ("同上", "〃", "〃", "″")
FORMULA_STARTS = ("=",)  # in the master; returned forms are checked for + - @ too
TEXT_LIMITS = {Kind.NAME: 60, Kind.TEXT: 2000}
NAME_LIMITS = {"事務事業名": 40, "施策名": 40, "取組": 40}
ROMAN = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III"}  # roman numerals are the pillar numbers themselves


def _dependent(text: str) -> str:
    return "".join(dict.fromkeys(c for c in DEPENDENT.findall(text) if c not in ROMAN))


def _is_number_ok(value: object) -> bool:
    return parse_number(value).reading is Reading.NUMBER


# ------------------------------------------------------------------ element checks (True = fine)

CHECKS: dict[str, Callable[[object], bool]] = {
    "TEXT_SPACES": lambda v: not isinstance(v, str) or v == v.strip(" \u3000\t\n"),
    # in free text a leading 「　」 is the paragraph indent Japanese documents use
    "TEXT_SPACES_FREE": lambda v: not isinstance(v, str) or v == v.rstrip(" \u3000\t\n").lstrip(" \t\n"),
    "TEXT_LINE_BREAK": lambda v: not isinstance(v, str) or ("\n" not in v and "\r" not in v),
    "TEXT_FORMULA_LIKE": lambda v: (
        not isinstance(v, str) or not unicodedata.normalize("NFKC", v).lstrip(" ").startswith(FORMULA_STARTS)
    ),
    "MACHINE_DEPENDENT_CHAR": lambda v: not isinstance(v, str) or not _dependent(v),
    "DITTO": lambda v: not isinstance(v, str) or v.strip() not in DITTO_MARKS,
    "TEXT_INNER_SPACES": lambda v: not isinstance(v, str) or not re.search(r"\S[ \u3000]{2,}\S", v),
    "NUMBER": lambda v: _is_number_ok(v),
    "AMOUNT": lambda v: v == layout.UNDECIDED or (isinstance(v, int) and not isinstance(v, bool) and v >= 0),
    "VALUE": lambda v: (
        not (isinstance(v, str) and parse_number(v).reading is not Reading.NOT_NUMBER)
        and parse_number(v).reading is not Reading.NOT_FINITE
    ),
    "NOT_A_DATE": lambda v: isinstance(v, dt.date),
    "NOT_A_YEAR": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1900 <= v <= 2100,
}


def _text_codes(column: layout.Column) -> list[str]:
    codes = ["TEXT_FORMULA_LIKE", "MACHINE_DEPENDENT_CHAR", "DITTO"]
    if column.kind is Kind.NAME:
        return [*codes, "TEXT_SPACES", "TEXT_LINE_BREAK", "TEXT_INNER_SPACES", "TEXT_TOO_LONG"]
    return [*codes, "TEXT_SPACES_FREE", "TEXT_TOO_LONG"]


def column_codes(column: layout.Column) -> list[str]:
    """The element checks of one column, by rule code."""
    kind = column.kind
    if kind in (Kind.NAME, Kind.TEXT):
        return _text_codes(column)
    name = {
        Kind.INT: "NUMBER",
        Kind.YEAR: "NOT_A_YEAR",
        Kind.DATE: "NOT_A_DATE",
        Kind.AMOUNT: "AMOUNT",
        Kind.VALUE: "VALUE",
    }[kind]
    if kind is Kind.VALUE:  # a value may be words: formula, 機種依存, 同上, spaces
        return [name, *_text_codes(layout.Column(column.name, Kind.NAME))[:4]]
    return [name]


def limit(column: layout.Column) -> int:
    return NAME_LIMITS.get(column.name, TEXT_LIMITS.get(column.kind, 60))


def passes(code: str, value: object, limit: int) -> bool:
    if code == "TEXT_TOO_LONG":
        return not isinstance(value, str) or len(value) <= limit
    return CHECKS[code](value)


def failing(column: layout.Column, value: object) -> list[str]:
    """The codes of the column's checks that `value` fails."""
    most = limit(column)
    return [code for code in column_codes(column) if not passes(code, value, most)]


# ------------------------------------------------------------------ failure cases → problems


def _number_problem(sheet: str, cell: str, value: object, column: str) -> Problem:
    parsed = parse_number(value)
    if parsed.value is None:
        return problem("NOT_A_NUMBER", sheet, cell, value, column=column)
    shown = format_number(parsed.value)
    if parsed.reading is Reading.FULL_WIDTH:
        return problem("NUMBER_FULL_WIDTH", sheet, cell, value, column=column, suggestion=str(parsed.value))
    if parsed.reading in (Reading.UNIT, Reading.TRIANGLE, Reading.SEPARATOR):
        return problem(
            "NUMBER_WITH_UNIT", sheet, cell, value, column=column, suggestion=f"例: {parsed.value}"
        )
    return problem(
        "NOT_A_NUMBER",
        sheet,
        cell,
        value,
        column=column,
        suggestion=f"数値 {shown} が文字として入っています。入力し直すと数値になります。",
    )


def explain(code: str, sheet: str, cell: str, value: object, column: layout.Column) -> Problem:
    if code in ("NUMBER", "VALUE"):
        return _number_problem(sheet, cell, value, column.name)
    if code == "AMOUNT":
        parsed = parse_number(value)
        if parsed.value is not None and parsed.reading is not Reading.NUMBER and parsed.value >= 0:
            return _number_problem(sheet, cell, value, column.name)
        return problem("COST_INVALID", sheet, cell, value)
    if code == "not_nullable":
        return problem("VALUE_REQUIRED", sheet, cell, None, column=column.name)
    if code == "NOT_A_DATE":
        suggestion = (
            _unless_unread(
                lambda: f"「{wareki.parse_date(str(value)):%Y/%m/%d}」と日付で入力し直してください。", ""
            )
            if isinstance(value, str)
            else ""
        )
        return problem("NOT_A_DATE", sheet, cell, value, column=column.name, suggestion=suggestion)
    if code == "NOT_A_YEAR":
        suggestion = _unless_unread(
            lambda: f"「{value}」は {wareki.parse_fiscal_year(value)} と入力します。", "例: 令和7年度 は 2025"
        )
        return problem("NOT_A_YEAR", sheet, cell, value, column=column.name, suggestion=suggestion)
    if code == "TEXT_SPACES_FREE":
        return problem("TEXT_SPACES", sheet, cell, value)
    if code == "TEXT_INNER_SPACES":
        return problem(code, sheet, cell, value, suggestion=re.sub(r"[ \u3000]+", "", str(value)))
    if code == "TEXT_TOO_LONG":
        return problem(
            code, sheet, cell, value, column=column.name, length=len(str(value)), limit=limit(column)
        )
    if code == "TEXT_FORMULA_LIKE":
        first = unicodedata.normalize("NFKC", str(value)).lstrip(" ")[:1]
        return problem(code, sheet, cell, value, first=repr(first)[1:-1])
    if code == "MACHINE_DEPENDENT_CHAR":
        chars = _dependent(str(value))
        return problem(
            code,
            sheet,
            cell,
            value,
            chars=chars,
            suggestion="、".join(f"{c}→{unicodedata.normalize('NFKC', c)}" for c in chars),
        )
    return problem(code, sheet, cell, value, column=column.name)


def _unless_unread(suggest: Callable[[], str], otherwise: str) -> str:
    """A suggestion made from the value as wareki reads it, or `otherwise` where it cannot."""
    try:
        return suggest()
    except OkaxlError:
        return otherwise


def missing(value: object) -> bool:
    """Empty as pandera's nullable and ignore_na see it (None, NaN, NaT, pd.NA)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def cell_problems(tables: Tables, sheet: str, cells: Iterable[tuple[int, str]]) -> Iterator[Problem]:
    """The problems the sheet's schema finds in some of its cells (Excel row, column name): a
    required column left empty, then each element check the value fails, as check_schemas gives them."""
    spec = layout.sheet(sheet)
    df = tables.frames.get(sheet)
    if df is None:
        return
    rows = df.index.tolist()
    # a column's values by row, taken once (df.at costs 30 µs a cell)
    values = {n: dict(zip(rows, df[n].tolist(), strict=True)) for n in spec.column_names if n in df.columns}
    judged: dict[tuple[str, type, object], list[str]] = {}  # towns, years, choices come again and again
    for row, name in cells:
        if name not in values or row not in values[name]:
            continue
        column = spec.column(name)
        value = values[name][row]
        if missing(value):
            if column.required:
                yield explain("not_nullable", sheet, tables.cell(sheet, row, name), None, column)
            continue
        if spec.log and column.kind in (Kind.NAME, Kind.TEXT):
            continue  # the log's own text is not checked (schemas.schema_for)
        key = (name, type(value), value)
        try:
            codes = judged.get(key)
            if codes is None:
                codes = judged[key] = failing(column, value)
        except TypeError:  # a value that cannot be a dict key
            codes = failing(column, value)
        for code in codes:
            yield explain(code, sheet, tables.cell(sheet, row, name), value, column)
