"""A problem found in a workbook: the one shape that validation, return checking and merge
conflicts all report in, and that every output (text, JSON, Excel) is a view of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    code: str
    sheet: str
    cell: str | None
    value: object
    message: str
    hint: str

    def to_json(self) -> dict[str, object]:
        value = self.value
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        return {
            "severity": str(self.severity),
            "code": self.code,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": value,
            "message": self.message,
            "hint": self.hint,
        }
