"""The one writer of the master: it edits the package staff have, it does not re-save it.

A write sets the cells it must inside the worksheet parts that hold them, adds records under the
last row of data, grows the ranges that cover the data (Excel Tables, filters, drop-downs,
conditional formats, print areas), and copies every other part of the file unchanged, byte for
byte: print set-up, pictures, comments, x14 extensions, whatever a spreadsheet application put
there. Rows and columns come from the model the reader built (Tables: Excel row numbers, the
column letters found under each header), so the reader and the writer cannot disagree on where
a column is.

Text goes into the shared-string table when the package has one (Excel, LibreOffice and openpyxl
all write one; appending keeps every existing index valid), and into the cell (inline) when it
has none, so that no part, relationship or content type is ever added.

Where written values may feed formulas (the workbook holds any), `fullCalcOnLoad` is set so that
Excel recalculates on opening; `calcChain.xml` stays valid because no formula cell is removed,
and the formulas copied into new rows need no entry in it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from lxml import etree
from python_calamine import CalamineWorkbook

from okaxl.cellref import column_index, column_letter
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.package import (
    MAIN,
    Package,
    PackageError,
    StrictPackage,
    parse,
    serialize,
    unchanged_except,
    write,
)
from okaxl.master.reader import typed
from okaxl.master.sheetxml import InlineStrings, SharedStrings, Strings, Worksheet, grow_area
from okaxl.master.tables import Tables
from okaxl.problems import Problem, Severity
from okaxl.rules import problem

_FORMULA = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[ >]")
_SHEET_AREA = re.compile(
    r"((?:'(?:[^']|'')+'|[^\s!,()'\"+\-*/&=<>^;{}]+)!)(\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)"
)
_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_DCTERMS = "http://purl.org/dc/terms/"


@dataclass(frozen=True, slots=True)
class CellChange:
    """One value for the master: the record's key (its layout key), the column, old and new."""

    sheet: str
    key: tuple[object, ...]
    field: str
    old: object
    new: object
    origin: object = None  # where the value came from (a return's file and cell), for reports


@dataclass
class Written:
    """What a write changed: the parts replaced, and every cell written with its value."""

    edited: set[str] = field(default_factory=set)
    cells: list[tuple[str, int, int, object]] = field(default_factory=list)  # sheet, row, column, value
    added_rows: dict[str, list[int]] = field(default_factory=dict)
    # (sheet, row, column) → the origin of the change that set the cell (a new record's key cells
    # take the origin of the change that made the record)
    origins: dict[tuple[str, int, int], object] = field(default_factory=dict)


class Refused(OkaxlError):
    """The write cannot be done safely; the master is untouched. Carries the problems, and for
    each the origin of the change that met it (None where it is the master's own, e.g. the row
    a new record would copy)."""

    def __init__(self, message: str, problems: list[Problem], origins: list[object] | None = None) -> None:
        super().__init__(message, problems)
        self.origins = origins if origins is not None else [None] * len(problems)


def write_changes(
    source: Path,
    target: Path,
    tables: Tables,
    changes: Iterable[CellChange],
    appended: Mapping[str, list[dict[str, object]]] | None = None,
) -> Written:
    """Write `source` with `changes` (and the `appended` records, e.g. the merge log) as `target`.

    `tables` must be the reader's model of `source`. Raises Refused with every problem found
    when something cannot be written safely; then `target` is not written.
    """
    plan, problems = _plan(tables, list(changes), appended or {})
    if problems:
        raise Refused(_refusal_message(problems), problems)
    try:
        with Package.open(source) as package:
            written, replaced = _apply(package, tables, plan)
            write(package, target, replaced)
    except StrictPackage as exc:
        raise Refused(str(exc), [problem("MASTER_STRICT", "", None, source.name)]) from exc
    except (PackageError, etree.XMLSyntaxError, KeyError, ValueError, NotImplementedError) as exc:
        found = problem("MASTER_UNREADABLE", "", None, source.name, why=str(exc))
        raise Refused(_refusal_message([found]), [found]) from exc
    return written


def _refusal_message(problems: list[Problem]) -> str:
    lines = [f"{p.sheet}!{p.cell}" if p.cell else p.sheet or "ブック" for p in problems]
    details = "；".join(f"{where} {p.message}{p.hint}" for where, p in zip(lines, problems, strict=True))
    return f"マスターに安全に書き込めないため、取り込みをやめました（マスターは変更していません）：{details}"


# ---------------------------------------------------------------- plan: from records to cells


@dataclass
class _SheetPlan:
    cells: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, column) → value
    records: list[dict[int, object]] = field(default_factory=list)  # new rows, column → value
    origins: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, column) → origin
    record_origins: list[dict[int, object]] = field(default_factory=list)  # per new row, column → origin


def _plan(
    tables: Tables, changes: list[CellChange], appended: Mapping[str, list[dict[str, object]]]
) -> tuple[dict[str, _SheetPlan], list[Problem]]:
    plans: dict[str, _SheetPlan] = defaultdict(_SheetPlan)
    problems: list[Problem] = []

    def columns(sheet: str, names: Iterable[str]) -> dict[str, int] | None:
        """Column numbers for `names`, or None after reporting the sheet or columns missing
        (the same problems, worded the same, as the reader gives validate)."""
        if sheet not in tables.letters or not tables.header_rows.get(sheet):
            _add(problems, problem("SHEET_MISSING", sheet, None, None))
            return None
        letters = tables.letters[sheet]
        missing = [n for n in names if n not in letters]
        for name in missing:
            cell = f"{tables.header_rows[sheet]}行目"
            _add(problems, problem("COLUMN_MISSING", sheet, cell, None, column=name))
        if missing:
            return None
        return {n: column_index(letters[n]) for n in names}

    by_sheet: dict[str, list[CellChange]] = defaultdict(list)
    for change in changes:
        by_sheet[change.sheet].append(change)
    for sheet, sheet_changes in by_sheet.items():
        key = layout.sheet(sheet).key
        numbers = columns(sheet, [*key, *sorted({c.field for c in sheet_changes})])
        if numbers is None:
            continue
        rows = _rows_by_key(tables, sheet, key, problems)
        new: dict[tuple[object, ...], dict[int, object]] = {}
        new_origins: dict[tuple[object, ...], dict[int, object]] = {}
        for change in sheet_changes:
            row = rows.get(change.key)
            column = numbers[change.field]
            if row is None:
                record = new.setdefault(
                    change.key, {numbers[k]: v for k, v in zip(key, change.key, strict=True)}
                )
                origins = new_origins.setdefault(change.key, {numbers[k]: change.origin for k in key})
                record[column] = change.new
                origins[column] = change.origin
            elif row > 0:
                plans[sheet].cells[(row, column)] = change.new
                plans[sheet].origins[(row, column)] = change.origin
        plans[sheet].records += new.values()
        plans[sheet].record_origins += [new_origins[k] for k in new]
    for sheet, records in appended.items():
        numbers = columns(sheet, sorted({k for r in records for k in r}))
        if numbers is not None:
            plans[sheet].records += [{numbers[k]: v for k, v in r.items()} for r in records]
            plans[sheet].record_origins += [{} for _ in records]
    return dict(plans), problems


def _add(problems: list[Problem], new: Problem) -> None:
    """Once each; an error, whatever validate calls it, since the write cannot go on."""
    new = replace(new, severity=Severity.ERROR)
    if new not in problems:
        problems.append(new)


def _rows_by_key(
    tables: Tables,
    sheet: str,
    key: tuple[str, ...],
    problems: list[Problem],
) -> dict[tuple[object, ...], int]:
    """Excel row of each record by its key; a key on two rows maps to -1 (ambiguous) and is reported."""
    frame = tables[sheet]
    rows: dict[tuple[object, ...], int] = {}
    for number, values in zip(frame.index, frame[list(key)].itertuples(index=False, name=None), strict=True):
        if values in rows:
            first = rows[values]
            if first > 0:
                cell = tables.cell(sheet, int(number), key[0])
                other = f"{first}行目と{int(number)}行目"
                _add(
                    problems,
                    problem("KEY_DUPLICATE", sheet, cell, values[0], key="・".join(key), other=other),
                )
            rows[values] = -1
        else:
            rows[values] = int(number)
    return rows


# ---------------------------------------------------------------- apply: cells into the package


def _apply(
    package: Package, tables: Tables, plans: dict[str, _SheetPlan]
) -> tuple[Written, dict[str, bytes]]:
    written = Written()
    replaced: dict[str, bytes] = {}
    sheets = package.sheets()
    book_part = package.workbook_part()
    strings_parts = package.related(book_part, "/sharedStrings")
    shared = SharedStrings(package.read(strings_parts[0].target)) if strings_parts else None
    strings: Strings = shared or InlineStrings()
    refusals: list[Problem] = []
    refused_origins: list[object] = []
    grown: dict[str, tuple[int, int]] = {}
    for sheet, plan in plans.items():
        part = sheets.get(sheet)
        if part is None:
            refusals.append(problem("SHEET_MISSING", sheet, None, None))
            continue
        header_row = tables.header_rows.get(sheet, layout.HEADER_ROW)
        frame = tables[sheet]
        # where the data ends is the reader's answer (its columns), not any stray cell's below it
        ws = Worksheet(package.read(part), header_row, int(frame.index.max()) if len(frame) else header_row)
        end = ws.end
        for (row, column), value in sorted(plan.cells.items()):
            ws.set(row, column, value, strings)
            written.cells.append((sheet, row, column, value))
            written.origins[(sheet, row, column)] = plan.origins.get((row, column))
        values_only = {column_index(c) for c in tables.letters.get(sheet, {}).values()}
        for record, origins in zip(plan.records, plan.record_origins, strict=True):
            row = ws.new_row(values_only | set(record))
            written.added_rows.setdefault(sheet, []).append(row)
            for column, value in sorted(record.items()):
                ws.set(row, column, value, strings)
                written.cells.append((sheet, row, column, value))
                written.origins[(sheet, row, column)] = origins.get(column)
        widest = max([column for _, column in plan.cells] + [c for r in plan.records for c in r] + [1])
        ws.grow(end, ws.end, widest)
        for r in ws.refusals:
            refusals.append(problem(r.code, sheet, r.cell, r.value))
            # a record's own row answers for it; a new row's place is every record's (None)
            own = r.row not in written.added_rows.get(sheet, [])
            refused_origins.append(written.origins.get((sheet, r.row, r.column)) if own else None)
        replaced[part] = ws.to_bytes()
        if ws.end > end:
            grown[sheet] = (end, ws.end)
            tables_refused = _grow_tables(package, part, sheet, end, ws.end, replaced)
            refusals += tables_refused
            refused_origins += [None] * len(tables_refused)
    if refusals:
        raise Refused(_refusal_message(refusals), refusals, refused_origins)
    if shared is not None and (data := shared.to_bytes()) is not None:
        replaced[strings_parts[0].target] = data
    book = _workbook_xml(package, book_part, grown, has_formulas=_has_formulas(package, sheets, replaced))
    if book is not None:
        replaced[book_part] = book
    core = _core_properties(package)
    if core is not None:
        replaced[core[0]] = core[1]
    entries = {package.find(name) or name: data for name, data in replaced.items()}
    written.edited = set(entries)
    return written, entries


def _grow_tables(
    package: Package, part: str, sheet: str, end: int, new_end: int, replaced: dict[str, bytes]
) -> list[Problem]:
    """Excel Tables (ListObjects) over the data reach the new rows; a totals row cannot move."""
    refusals = []
    for rel in package.related(part, "/table"):
        data = package.read(rel.target)
        root = parse(data)
        ref = root.get("ref", "")
        grown = grow_area(ref, end, new_end)
        if grown == ref:
            continue
        if int(root.get("totalsRowCount") or 0):
            name = root.get("displayName") or root.get("name") or rel.target
            refusals.append(problem("MASTER_TABLE_TOTALS", sheet, ref.split(":")[-1], ref, table=name))
            continue
        root.set("ref", grown)
        for node in root.iterchildren(f"{{{MAIN}}}autoFilter"):
            node.set("ref", grow_area(node.get("ref", ""), end, new_end))
        replaced[rel.target] = serialize(root, data)
    return refusals


def _has_formulas(package: Package, sheets: dict[str, str], replaced: dict[str, bytes]) -> bool:
    return any(_FORMULA.search(replaced.get(part) or package.read(part)) for part in sheets.values())


def _workbook_xml(
    package: Package, book_part: str, grown: dict[str, tuple[int, int]], *, has_formulas: bool
) -> bytes | None:
    """workbook.xml with defined names over the data grown, and fullCalcOnLoad where formulas
    may use what was written; None when neither is needed."""
    data = package.read(book_part)
    root = parse(data)
    changed = False
    names = [n.get("name", "") for n in root.iter(f"{{{MAIN}}}sheet")]
    for node in root.iter(f"{{{MAIN}}}definedName"):
        text = node.text or ""
        new = _SHEET_AREA.sub(lambda m: _grow_reference(m, grown, names), text)
        if new != text:
            node.text = new
            changed = True
    if has_formulas:
        calc = root.find(f"{{{MAIN}}}calcPr")
        if calc is None:
            calc = etree.Element(f"{{{MAIN}}}calcPr")
            before = (
                "oleSize",
                "customWorkbookViews",
                "pivotCaches",
                "smartTagPr",
                "smartTagTypes",
                "webPublishing",
                "fileRecoveryPr",
                "webPublishObjects",
                "extLst",
            )
            anchor = next((c for c in root if etree.QName(c).localname in before), None)
            if anchor is not None:
                anchor.addprevious(calc)
            else:
                root.append(calc)
        if calc.get("fullCalcOnLoad") not in ("1", "true"):
            calc.set("fullCalcOnLoad", "1")
            changed = True
    return serialize(root, data) if changed else None


def _grow_reference(match: re.Match[str], grown: dict[str, tuple[int, int]], names: list[str]) -> str:
    prefix, area = match.group(1), match.group(2)
    sheet = prefix[:-1]
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    if sheet not in grown:
        return match.group(0)
    end, new_end = grown[sheet]
    return prefix + grow_area(area, end, new_end)


def _core_properties(package: Package) -> tuple[str, bytes] | None:
    """docProps/core.xml with its modified time set to now, as any application saving would."""
    for rel in package.related("", "/core-properties"):
        data = package.read(rel.target)
        root = parse(data)
        modified = root.find(f"{{{_DCTERMS}}}modified")
        if modified is None:
            return None
        modified.text = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return rel.target, serialize(root, data)
    return None


# ---------------------------------------------------------------- verify: before it replaces the master


def verify(source: Path, target: Path, written: Written) -> list[str]:
    """What is wrong with `target` (empty when it is right): a part outside the edit that is not
    byte-identical to `source`; in the edited sheets, a written cell that reads back otherwise or
    any other cell whose value changed; a package that does not open."""
    wrong = [f"部品 {name} が変わりました" for name in unchanged_except(source, target, written.edited)]
    planned: dict[str, dict[tuple[int, int], object]] = defaultdict(dict)
    for sheet, row, column, value in written.cells:
        planned[sheet][(row, column)] = value
    try:
        old_book = CalamineWorkbook.from_path(str(source))
        new_book = CalamineWorkbook.from_path(str(target))
        for sheet, cells in planned.items():
            old = old_book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            new = new_book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            for row in range(1, max(len(old), len(new)) + 1):
                width = max(
                    len(old[row - 1]) if row <= len(old) else 0, len(new[row - 1]) if row <= len(new) else 0
                )
                for column in range(1, width + 1):
                    got = _at(new, row, column)
                    expected = cells[(row, column)] if (row, column) in cells else _at(old, row, column)
                    if not _same_value(got, expected):
                        where = f"{sheet}!{column_letter(column)}{row}"
                        wrong.append(f"{where} を読み直すと {got!r}（{expected!r} のはず）")
    except Exception as exc:  # any failure to read the written file back means it must not be used
        wrong.append(f"書いたブックを開けません（{type(exc).__name__}: {exc}）")
    return wrong


def _at(rows: list[list[Any]], row: int, column: int) -> object:
    return rows[row - 1][column - 1] if row <= len(rows) and column <= len(rows[row - 1]) else None


def _same_value(got: object, value: object) -> bool:
    if value is None or value == "":
        return got in (None, "")
    if isinstance(value, bool):
        return got is value or got == value
    if isinstance(value, int | float) and not isinstance(got, bool):
        return isinstance(got, int | float) and float(got) == float(value)
    return got == value


def model_after(tables: Tables, written: Written) -> Tables:
    """The reader's model of the master as written, without reading it again: the written cells
    set, the new records added at their Excel rows (verify() has shown the file holds exactly this)."""
    frames = dict(tables.frames)
    by_sheet: dict[str, list[tuple[int, int, object]]] = defaultdict(list)
    for sheet, row, column, value in written.cells:
        by_sheet[sheet].append((row, column, value))
    for sheet, cells in by_sheet.items():
        spec = layout.sheet(sheet)
        names = {column_index(letter): name for name, letter in tables.letters[sheet].items()}
        frame = frames[sheet].copy()
        present = set(frame.index)
        new: dict[int, dict[str, object]] = defaultdict(dict)
        for row, column, value in cells:
            name = names.get(column)
            if name is None:
                continue
            stored: Any = typed(value, spec.column(name).kind)
            if row in present:
                frame.at[row, name] = stored
            else:
                new[row][name] = stored
        if new:
            added = pd.DataFrame.from_dict(new, orient="index", columns=frame.columns, dtype=object)
            frame = pd.concat([frame, added.astype(object).where(added.notna(), None)])
        frames[sheet] = frame
    return replace(tables, frames=frames)
