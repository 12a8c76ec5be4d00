"""The one reader of the master workbook: every sheet of the layout as a table indexed by Excel
row, with the column letters found under each header, so that every value knows its cell.

Reading uses python-calamine (values only, many times faster than openpyxl). The one writer of the
master is okaxl.master.writer; okaxl.master.build makes a new master from tables.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd
from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook

from okaxl.cellref import column_letter
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.layout import Kind
from okaxl.master.model import Model
from okaxl.master.package import Package, PackageError, StrictPackage, stream
from okaxl.master.tables import frame
from okaxl.problems import Problem, Severity
from okaxl.rules import problem

# ---------------------------------------------------------------- reading


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open a workbook for reading values, or say in Japanese why it cannot be opened."""
    path = Path(path)
    if not path.is_file():
        raise OkaxlError(
            f"マスターブック {path} が見つかりません。config.toml の [paths] master を確認してください。"
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise OkaxlError(
            f"{path} は暗号化されたブックか、古い形式（.xls）のブックです。"
            "パスワードを解除し、Excel で「Excel ブック (*.xlsx)」として保存し直してください。"
        )
    if not head.startswith(b"PK") or not zipfile.is_zipfile(path):
        raise OkaxlError(f"{path} は Excel ブック（.xlsx）ではありません。正しいファイルを指定してください。")
    try:
        with Package.open(path) as package:
            package.sheets()
    except StrictPackage as exc:
        raise OkaxlError(str(exc), [problem("MASTER_STRICT", "", None, path.name)]) from exc
    except (PackageError, KeyError, ValueError, etree.XMLSyntaxError):
        pass  # calamine below says what is wrong, in its words
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, ValueError, OSError) as exc:
        raise OkaxlError(f"{path} を開けません（{exc}）。Excel で開けるか確認してください。") from exc


def _header_key(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def typed(value: object, kind: Kind) -> object:
    """A cell value as the table holds it: None for empty, int for whole numbers, date for dates."""
    if value == "" or value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date() if kind is Kind.DATE else value
    if isinstance(value, float) and value.is_integer() and kind is not Kind.TEXT:
        return int(value)
    return value


def read_master(path: Path) -> Model:
    """Read every sheet of the layout into a table indexed by Excel row number.

    A missing sheet or column does not stop reading: it becomes a problem, and the table is
    empty or lacks that column, so that validation can report everything at once.
    """
    book = open_workbook(path)
    tables = Model(frames={}, source=Path(path))
    names = set(book.sheet_names)
    for spec in layout.SHEETS:
        if spec.name not in names:
            if not spec.optional:
                tables.problems.append(problem("SHEET_MISSING", spec.name, None, None))
            tables.frames[spec.name] = frame(spec.name, [])
            continue
        try:
            rows = book.get_sheet_by_name(spec.name).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise OkaxlError(
                f"{Path(path).name} のシート「{spec.name}」を読めません（{exc}）。"
                "Excel で開いて「Excel ブック (*.xlsx)」として保存し直してください。"
            ) from exc
        header_row, tables.frames[spec.name], tables.letters[spec.name] = _read_sheet(
            spec, rows, tables.problems
        )
        tables.header_rows[spec.name] = header_row
    return tables


def _read_sheet(
    spec: layout.Sheet, rows: Sequence[Sequence[object]], problems: list[Problem]
) -> tuple[int, pd.DataFrame, dict[str, str]]:
    expected = {_header_key(name): name for name in spec.column_names}
    header_row = layout.HEADER_ROW
    for number, row in enumerate(rows[: layout.HEADER_ROW + 10], start=1):
        if sum(_header_key(v) in expected for v in row) * 2 >= len(spec.columns):
            header_row = number
            break
    if header_row != layout.HEADER_ROW:
        # still read the sheet below its header, so that the rest can be checked
        problems.append(problem("HEADER_MOVED", spec.name, f"A{header_row}", None, row=header_row))
    header = rows[header_row - 1] if len(rows) >= header_row else []
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        key = expected.get(_header_key(value))
        if key is not None and key not in found:
            found[key] = index
        elif _header_key(value):
            cell = f"{column_letter(index + 1)}{header_row}"
            problems.append(problem("COLUMN_UNEXPECTED", spec.name, cell, value))
    for column in spec.columns:
        if column.name not in found:
            missing = problem("COLUMN_MISSING", spec.name, f"{header_row}行目", None, column=column.name)
            needed = column.required or column.written
            problems.append(missing if needed else replace(missing, severity=Severity.WARNING))
    records: list[dict[str, object]] = []
    row_numbers: list[int] = []
    kinds = [(name, i, spec.column(name).kind) for name, i in found.items()]
    for offset, row in enumerate(rows[header_row:], start=header_row + 1):
        width = len(row)
        record = {name: typed(row[i] if i < width else None, kind) for name, i, kind in kinds}
        if all(v is None for v in record.values()):
            continue
        records.append(record)
        row_numbers.append(offset)
    columns = [c for c in spec.column_names if c in found]
    df = pd.DataFrame(records, columns=columns, index=pd.Index(row_numbers, dtype="int64"), dtype=object)
    letters = {name: column_letter(i + 1) for name, i in found.items()}
    return header_row, df, letters


# ---------------------------------------------------------------- what values hide

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _may_hide(data: bytes) -> bool:
    """Whether a sheet's XML may hold what scan_cells looks for: a formula (<f>, <x:f …>), an error
    value (t="e") or a merged range. A sheet without any of these bytes is not parsed at all; one
    that has them by chance (<formula1> of a drop-down starts like <f) is parsed, only slower."""
    if any(mark in data for mark in (b'"e"', b"'e'", b"mergeCell")):
        return True
    for start in (b"<f", b":f"):
        at = data.find(start)
        while at != -1:
            if data[at + 2 : at + 3] in (b">", b"/", b" ", b"\t", b"\n", b"\r"):
                return True
            at = data.find(start, at + 2)
    return False


def scan_cells(path: Path, sheets: Iterable[str]) -> Iterator[tuple[str, str, str, str]]:
    """(sheet, cell, "formula" | "error" | "merged", text) for what a values-only reader hides.

    A sheet whose XML has no formula, error value or merged range anywhere (the usual case) is
    not parsed at all; the others are streamed with lxml (entities not resolved, no network, as
    the package's own parser), looking only at cells and merged ranges.
    """
    wanted = set(sheets)
    try:
        package = Package.open(path)
        parts = package.sheets()
    except PackageError:
        return  # the reader reports what is wrong with the package
    with package:
        for name, part in parts.items():
            if name not in wanted:
                continue
            data = package.archive.read(part)
            if not _may_hide(data):
                continue
            for element in stream(data, f"{_MAIN}c", f"{_MAIN}mergeCell"):
                if element.tag == f"{_MAIN}mergeCell":
                    yield name, element.get("ref", "").split(":")[0], "merged", element.get("ref", "")
                    continue
                formula = element.find(f"{_MAIN}f")
                if formula is not None:
                    yield name, element.get("r", ""), "formula", f"={formula.text or ''}"
                elif element.get("t") == "e":
                    value = element.find(f"{_MAIN}v")
                    yield name, element.get("r", ""), "error", (value.text if value is not None else None) or "#ERROR"
