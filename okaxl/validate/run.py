"""`okaxl validate`: every problem in the master, from its shape to the rules across sheets."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.commit import sha256_of
from okaxl.master.reader import open_workbook, read_master, scan_cells
from okaxl.master.tables import Tables, frame, records
from okaxl.master.writelock import excel_lock
from okaxl.problems import Problem, Severity
from okaxl.rules import problem
from okaxl.validate.checks import RULE_FUNCTIONS, Context
from okaxl.validate.values import cell_problems

_SCAN_CODES = {"formula": "FORMULA_IN_VALUE", "error": "ERROR_VALUE", "merged": "MERGED_CELLS"}


@dataclass
class Report:
    master: Path
    sha256: str
    checked_at: dt.datetime
    problems: list[Problem] = field(default_factory=list)
    confirmed: list[Problem] = field(default_factory=list)  # warnings staff marked as seen

    @property
    def errors(self) -> int:
        return sum(p.severity is Severity.ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity is Severity.WARNING for p in self.problems)

    def to_json(self) -> dict[str, object]:
        return {
            "master": str(self.master),
            "sha256": self.sha256,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "summary": {"errors": self.errors, "warnings": self.warnings},
            "problems": [p.to_json() for p in self.problems],
        }


def _cell_order(problem_: Problem) -> tuple[int, int, str]:
    sheets = [s.name for s in layout.SHEETS]
    sheet = sheets.index(problem_.sheet) if problem_.sheet in sheets else len(sheets)
    cell = problem_.cell or ""
    digits = "".join(c for c in cell if c.isdigit())
    letters = "".join(c for c in cell if c.isalpha() and c.isascii())
    return sheet, int(digits) if digits else 0, f"{len(letters):02d}{letters}"


def id_history(versions: Path | None, exclude: Path) -> dict[str, tuple[object, object, object, str]]:
    """What each 事業ID named in the saved versions of the master (newest version last wins)."""
    history: dict[str, tuple[object, object, object, str]] = {}
    if not versions or not versions.is_dir():
        return history
    for path in sorted(versions.glob("*.xlsx"), key=lambda p: p.stat().st_mtime):
        if path.resolve() == exclude.resolve():
            continue
        try:
            projects = read_master(path)["事業"]
        except OkaxlError:
            continue  # a broken file in versions/ is not this master's problem
        for r in records(projects):
            if r.get("事業ID"):
                history[str(r["事業ID"])] = (r.get("期"), r.get("施策"), r.get("事務事業名"), path.name)
    return history


def check_tables(
    tables: Tables,
    today: dt.date,
    history: dict[str, tuple[object, object, object, str]] | None = None,
    sheets: Collection[str] | None = None,
) -> list[Problem]:
    """Schema and cross-sheet problems of tables already read (the schemas of `sheets` only, when
    only those can have changed)."""
    from okaxl.validate.schemas import check_schemas  # pandera: only where whole sheets are checked

    return [*tables.problems, *check_schemas(tables, sheets), *_across(tables, today, history or {})]


def check_written(
    tables: Tables, today: dt.date, cells: Mapping[str, Iterable[tuple[int, str]]]
) -> list[Problem]:
    """check_tables after a write: the schemas judge only the cells written (sheet → Excel row and
    column name), by the same checks one value at a time; the rules across sheets run in full."""
    found = list(tables.problems)
    for sheet, looked in cells.items():
        found += cell_problems(tables, sheet, dict.fromkeys(looked))
    return found + _across(tables, today, {})


def _across(
    tables: Tables, today: dt.date, history: dict[str, tuple[object, object, object, str]]
) -> list[Problem]:
    context = Context(tables, today, history)
    return [p for rule in RULE_FUNCTIONS for p in rule(context)]


def validate(
    path: Path, today: dt.date | None = None, versions: Path | None = None, tables: Tables | None = None
) -> Report:
    """Validate the master at `path` (`tables`: the reader's model of it, when already read);
    raises OkaxlError only when it cannot be read at all."""
    path = Path(path)
    book = open_workbook(path)  # fails early, in Japanese, for a file that is not a workbook
    report = Report(path, sha256_of(path), wareki.now())
    found: list[Problem] = []
    if excel_lock(path).exists():
        found.append(problem("MASTER_OPEN", "", None, excel_lock(path).name))
    known = {s.name for s in layout.SHEETS} | set(layout.DERIVED_SHEETS)
    found += [problem("SHEET_UNEXPECTED", name, None, name) for name in book.sheet_names if name not in known]
    tables = tables or read_master(path)
    read = {sheet: set(letters.values()) for sheet, letters in tables.letters.items()}
    for sheet, cell, kind, text in scan_cells(path, [s.name for s in layout.SHEETS]):
        # a formula or error value in a column okaxl does not read (the staff's own) is theirs
        if kind == "merged" or cell.rstrip("0123456789") in read.get(sheet, ()):
            found.append(problem(_SCAN_CODES[kind], sheet, cell, text))
    hidden = {(p.sheet, p.cell) for p in found if p.code in ("FORMULA_IN_VALUE", "ERROR_VALUE")}
    # a formula or error value is reported once, as itself, not again as a wrong value
    history = id_history(versions, path)
    found += [
        p for p in check_tables(tables, today or dt.date.today(), history) if (p.sheet, p.cell) not in hidden
    ]
    report.problems, report.confirmed = split_confirmed(sorted(found, key=_cell_order), tables)
    return report


CONFIRMED_SHEET = "確認済み警告"


def _seen_key(code: object, sheet: object, cell: object, value: object) -> tuple[str, str, str, str]:
    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return unicodedata.normalize("NFKC", str(v)).strip()

    return text(code), text(sheet), text(cell), text(value)


def split_confirmed(problems: list[Problem], tables: Tables) -> tuple[list[Problem], list[Problem]]:
    """The problems still to see, and the warnings staff confirmed (確認済み警告: the same code,
    sheet, cell and value). An error is never confirmed; a warning whose value changed is new again."""
    frame = tables.frames.get(CONFIRMED_SHEET)
    seen = set()
    if frame is not None and {"コード", "シート", "セル", "値"} <= set(frame.columns):
        seen = {_seen_key(r["コード"], r["シート"], r["セル"], r["値"]) for r in records(frame)}
    confirmed = [
        p
        for p in problems
        if p.severity is Severity.WARNING and _seen_key(p.code, p.sheet, p.cell, p.value) in seen
    ]
    return [p for p in problems if p not in confirmed], confirmed


def confirm_all(tables: Tables, who: str, reason: str) -> Tables:
    """`tables` with every warning they have recorded as confirmed (the reconciled seed data's own:
    what the city printed), so that a new master starts with none to see."""
    warnings = [p for p in check_tables(tables, dt.date.today()) if p.severity is Severity.WARNING]
    rows: list[dict[str, object]] = [
        {
            "コード": p.code,
            "シート": p.sheet,
            "セル": p.cell,
            "値": None if p.value is None else str(p.value),
            "確認者": who,
            "理由": reason,
        }
        for p in warnings
    ]
    frames = dict(tables.frames)
    frames[CONFIRMED_SHEET] = frame(CONFIRMED_SHEET, rows)
    return replace(tables, frames=frames)
