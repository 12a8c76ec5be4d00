"""One pandera schema per master sheet: what each column may hold, cell by cell.

The schemas are generated from layout.py, so a column's kind (date, year, amount, name, text)
decides its checks. Each check is named by its rule code; one adapter turns pandera's failure
cases (column, index = Excel row, value) into problems naming the cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

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


def _limit(column: layout.Column) -> int:
    return NAME_LIMITS.get(column.name, TEXT_LIMITS.get(column.kind, 60))


def _passes(code: str, value: object, limit: int) -> bool:
    if code == "TEXT_TOO_LONG":
        return not isinstance(value, str) or len(value) <= limit
    return CHECKS[code](value)


def failing(column: layout.Column, value: object) -> list[str]:
    """The codes of the column's checks that `value` fails."""
    return [code for code in column_codes(column) if not _passes(code, value, _limit(column))]


def _column_check(column: layout.Column) -> pa.Check:
    """All of a column's element checks as one pandera check: pandera's cost is per check, so one
    check per column validates the master several times faster than one per rule; the failure
    cases it finds are explained rule by rule (failing()). A column holds the same values again
    and again (towns, dates, stages), so each distinct value (and type: True is not 1) is judged
    once per run."""
    codes, limit = column_codes(column), _limit(column)
    judged: dict[tuple[type, object], bool] = {}

    def judge(value: object) -> bool:
        return all(_passes(c, value, limit) for c in codes)

    def fine(value: object) -> bool:
        key = (type(value), value)
        try:
            verdict = judged.get(key)
        except TypeError:  # a value that cannot be a dict key is judged every time
            return judge(value)
        if verdict is None:
            if len(judged) > 100_000:  # a process that validates many masters keeps no more
                judged.clear()
            verdict = judged[key] = judge(value)
        return verdict

    return pa.Check(fine, element_wise=True, ignore_na=True, name="element")


def schema_for(sheet: layout.Sheet) -> pa.DataFrameSchema:
    """The pandera schema of one master sheet."""
    columns = {
        c.name: pa.Column(
            object,
            checks=[] if sheet.log and c.kind in (Kind.NAME, Kind.TEXT) else [_column_check(c)],
            nullable=not c.required,
            required=False,
            coerce=False,
            title=c.name,
            description=c.note or None,
        )
        for c in sheet.columns
    }
    return pa.DataFrameSchema(columns, name=sheet.name, strict=False)


SCHEMAS = {s.name: schema_for(s) for s in layout.SHEETS}


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


def _explain(code: str, sheet: str, cell: str, value: object, column: layout.Column) -> Problem:
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
        suggestion = ""
        if isinstance(value, str):
            from okaxl import wareki
            from okaxl.errors import OkaxlError

            try:
                suggestion = f"「{wareki.parse_date(value):%Y/%m/%d}」と日付で入力し直してください。"
            except OkaxlError:
                suggestion = ""
        return problem("NOT_A_DATE", sheet, cell, value, column=column.name, suggestion=suggestion)
    if code == "NOT_A_YEAR":
        from okaxl import wareki
        from okaxl.errors import OkaxlError

        try:
            suggestion = f"「{value}」は {wareki.parse_fiscal_year(value)} と入力します。"
        except OkaxlError:
            suggestion = "例: 令和7年度 は 2025"
        return problem("NOT_A_YEAR", sheet, cell, value, column=column.name, suggestion=suggestion)
    if code == "TEXT_SPACES_FREE":
        return problem("TEXT_SPACES", sheet, cell, value)
    if code == "TEXT_INNER_SPACES":
        return problem(code, sheet, cell, value, suggestion=re.sub(r"[ \u3000]+", "", str(value)))
    if code == "TEXT_TOO_LONG":
        return problem(
            code, sheet, cell, value, column=column.name, length=len(str(value)), limit=_limit(column)
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


def check_schemas(tables: Tables, sheets: Collection[str] | None = None) -> Iterator[Problem]:
    """Run every sheet's schema (or those of `sheets`) lazily; one problem per failing cell."""
    for spec in layout.SHEETS:
        if sheets is not None and spec.name not in sheets:
            continue
        df = tables.frames.get(spec.name)
        if df is None or df.empty:
            continue
        try:
            SCHEMAS[spec.name].validate(df, lazy=True)
        except SchemaErrors as errors:
            cases = errors.failure_cases
            for case in cases.itertuples(index=False):
                column = getattr(case, "column", None)
                row = getattr(case, "index", None)
                if column not in spec.column_names or row is None or pd.isna(row):
                    continue
                code = str(case.check).split("(")[0]
                cell = tables.cell(spec.name, int(row), str(column))
                if code == "not_nullable":
                    yield _explain(code, spec.name, cell, None, spec.column(str(column)))
                    continue
                value = df.at[int(row), column]
                for failed in failing(spec.column(str(column)), value) if code == "element" else [code]:
                    yield _explain(failed, spec.name, cell, value, spec.column(str(column)))
