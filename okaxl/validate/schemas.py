"""One pandera schema per master sheet: what each column may hold, cell by cell.

The schemas are generated from layout.py, so a column's kind (date, year, amount, name, text)
decides its checks (values.py holds them). Each check is named by its rule code; one adapter turns pandera's failure
cases (column, index = Excel row, value) into problems naming the cell.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from okaxl.master import layout
from okaxl.master.layout import Kind
from okaxl.master.tables import Tables
from okaxl.problems import Problem
from okaxl.validate.values import column_codes, explain, failing, limit, passes


def _column_check(column: layout.Column) -> pa.Check:
    """All of a column's element checks as one pandera check: pandera's cost is per check, so one
    check per column validates the master several times faster than one per rule; the failure
    cases it finds are explained rule by rule (failing()). A column holds the same values again
    and again (towns, dates, stages), so each distinct value (and type: True is not 1) is judged
    once per run."""
    codes, most = column_codes(column), limit(column)
    judged: dict[tuple[type, object], bool] = {}

    def judge(value: object) -> bool:
        return all(passes(c, value, most) for c in codes)

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
                    yield explain(code, spec.name, cell, None, spec.column(str(column)))
                    continue
                value = df.at[int(row), column]
                for failed in failing(spec.column(str(column)), value) if code == "element" else [code]:
                    yield explain(failed, spec.name, cell, value, spec.column(str(column)))
