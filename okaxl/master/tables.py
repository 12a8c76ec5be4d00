"""The master as typed tables: one pandas DataFrame per sheet, indexed by Excel row number,
with the Japanese header names as columns, so that any value can be traced back to its cell."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from okaxl.master import layout
from okaxl.problems import Problem


@dataclass
class Tables:
    """All sheets of one master workbook (or of one built from the seed data)."""

    frames: dict[str, pd.DataFrame]
    # header name → column letter, per sheet, as found in the workbook read
    letters: dict[str, dict[str, str]] = field(default_factory=dict)
    # the row each sheet's header was found in (1 unless someone inserted rows above it)
    header_rows: dict[str, int] = field(default_factory=dict)
    source: Path | None = None
    problems: list[Problem] = field(default_factory=list)  # found while reading
    # records() of each frame, made once: validation asks for the same sheets about a hundred times
    _records: dict[str, tuple[pd.DataFrame, list[dict[str, Any]]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def records(self, sheet: str) -> list[dict[str, Any]]:
        """records() of a sheet's table, made once per table (callers read them, never change them)."""
        df = self.frames[sheet]
        made = self._records.get(sheet)
        if made is None or made[0] is not df:
            made = self._records[sheet] = (df, records(df))
        return made[1]

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.frames[sheet]

    def __iter__(self) -> Iterator[str]:
        return iter(self.frames)

    def cell(self, sheet: str, row: int, column: str) -> str:
        """The address of a value, e.g. cell("事業", 12, "事務事業名") → "E12"."""
        letters = self.letters.get(sheet) or default_letters(sheet)
        return f"{letters[column]}{row}"


def default_letters(sheet: str) -> dict[str, str]:
    names = layout.sheet(sheet).column_names
    return {name: layout.column_letter(i) for i, name in enumerate(names, start=1)}


def frame(sheet: str, records: list[dict[str, object]]) -> pd.DataFrame:
    """A table for `sheet` from records, in layout column order, indexed by Excel row number."""
    columns = list(layout.sheet(sheet).column_names)
    index = pd.RangeIndex(layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + len(records))
    complete = [{c: r.get(c) for c in columns} for r in records]  # a missing key is empty, never NaN
    return pd.DataFrame(complete, columns=columns, index=index, dtype=object)


def empty_value(value: object) -> bool:
    return value is None or (isinstance(value, str) and value == "") or value is pd.NA


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a table as dicts, empty cells as None (iterrows would turn them into NaN).
    The reader makes every column of dtype object, so the cells are Python values already and
    itertuples gives the same dicts as to_dict("records") at half the cost (validation calls this
    about a hundred times per run)."""
    columns = [str(c) for c in df.columns]
    return [dict(zip(columns, row, strict=True)) for row in df.itertuples(index=False, name=None)]
