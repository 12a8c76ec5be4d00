"""A returned form as its cells hold it: each cell's value, type and number format, read in one
streaming pass over each sheet, for the check and for the signature.

Written here rather than read with openpyxl: openpyxl builds a whole workbook model (styles,
dimensions, validations, print set-up) to answer what the check asks of a few hundred cells, and
importing it costs more than reading twelve returns; python-calamine gives cached values only,
while the check must tell a formula from a value, text from a number and a date as the town saw
it. A cell reads as openpyxl reads it (the form writer signs the values openpyxl holds), with one
difference: the date formats Japanese Excel uses without writing them down (built-in 27–36 and
50–58, 「m"月"d"日"」) count as dates. tests/test_formbook.py compares the two readers.

The file has passed the pre-check (bounded zip sizes, an xlsx package); every bound on what it
holds (rows, columns, cells, text, a DTD in any part) is kept here, as it is read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from okaxl.cellref import column_letter, split_ref
from okaxl.master.package import MAIN, REL, Package, parse, stream

_M = f"{{{MAIN}}}"
CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
MAC_EPOCH = dt.datetime(1904, 1, 1)

# ECMA-376 §18.8.30: formats a file names by number only. 0–49 as openpyxl has them; 27–36 and
# 50–58 as Japanese Excel shows them (openpyxl knows none of these and reads such dates as numbers)
BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
    20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    27: '[$-411]ge.m.d', 28: '[$-411]ggge"年"m"月"d"日"', 29: '[$-411]ggge"年"m"月"d"日"',
    30: "m/d/yy", 31: 'yyyy"年"m"月"d"日"', 32: 'h"時"mm"分"', 33: 'h"時"mm"分"ss"秒"',
    34: 'yyyy"年"m"月"', 35: 'm"月"d"日"', 36: '[$-411]ge.m.d',
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)", 41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
    50: '[$-411]ge.m.d', 51: '[$-411]ggge"年"m"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: '[$-411]ggge"年"m"月"d"日"', 55: 'yyyy"年"m"月"', 56: 'm"月"d"日"',
    57: '[$-411]ge.m.d', 58: '[$-411]ggge"年"m"月"d"日"',
}  # fmt: skip
_LITERALS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')  # quoted text, [$-411], [Red]
_DATE_PART = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_ELAPSED = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)


def is_date_format(number_format: str) -> bool:
    """Whether the format shows a number as a date or a time (its first section decides)."""
    return _DATE_PART.search(_LITERALS.sub("", number_format.split(";")[0])) is not None


@dataclass(frozen=True, slots=True)
class FormCell:
    """`data_type` as openpyxl names it: n number, s text, b true/false, d date, e error, f formula
    (its value then is the formula, "=…")."""

    value: object = None
    data_type: str = "n"
    number_format: str = "General"

    @property
    def is_date(self) -> bool:
        return self.data_type == "d" or (self.data_type == "n" and is_date_format(self.number_format))


EMPTY = FormCell()


@dataclass
class FormSheet:
    title: str
    cells: dict[tuple[int, int], FormCell] = field(default_factory=dict)  # (row, column) →
    merged: list[tuple[str, int]] = field(default_factory=list)  # ("A5:C5", its last row 5)

    def __getitem__(self, coordinate: str) -> FormCell:
        column, row = split_ref(coordinate)
        return self.cells.get((row, column), EMPTY)

    def values(self) -> Iterator[tuple[str, object]]:
        """(coordinate, value) of every cell the file holds, row by row."""
        for row, column in sorted(self.cells):
            yield f"{column_letter(column)}{row}", self.cells[(row, column)].value

    def first_columns(self, count: int) -> Iterator[list[object]]:
        """The values of columns A… (`count` of them) of each row that holds any cell."""
        for row in sorted({r for r, _ in self.cells}):
            yield [self.cells.get((row, c), EMPTY).value for c in range(1, count + 1)]


@dataclass
class FormBook:
    sheetnames: list[str]  # every sheet, chart sheets too, in the workbook's order
    worksheets: list[FormSheet]
    custom_properties: dict[str, str]
    date1904: bool

    def __getitem__(self, name: str) -> FormSheet:
        for sheet in self.worksheets:
            if sheet.title == name:
                return sheet
        raise KeyError(name)

    def sheet_values(self) -> list[tuple[str, Iterator[tuple[str, object]]]]:
        return [(sheet.title, sheet.values()) for sheet in self.worksheets]


class FormReadError(ValueError):
    """The package holds something no spreadsheet application writes (the message says what)."""


class FormRefused(Exception):
    """A form too large or unsafe to read: `code` is the problem (RETURN_TOO_LARGE, RETURN_UNSAFE)."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(value)
        self.code, self.value = code, value


# A form is narrow and a few thousand rows long: beyond these it is not one of ours, and reading
# on would cost memory out of all proportion to the file (a 1 MB file can hold millions of cells)
MAX_ROW = 5000
MAX_COLUMN = 60  # column BH
MAX_CELLS = 200_000  # in all sheets together, merged areas counted
MAX_STRINGS = 400_000  # shared strings
MAX_STYLES = 65_000  # cell styles (Excel keeps fewer than 64,000)
MAX_TEXT = 20_000_000  # characters of text in all cells together (a shared string counts each time)


def read(path: Path) -> FormBook:
    """The form at `path`. Raises FormRefused for one too large or unsafe to read, and
    FormReadError, PackageError, KeyError or lxml's XMLSyntaxError for a file that is not one."""
    with Package.open(path) as package:
        book_part = package.workbook_part()
        workbook = parse(package.read(book_part))
        relationships = package.relationships(book_part)
        properties = workbook.find(f"{_M}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        reading = _Reading(
            _shared_strings(package, book_part),
            _number_formats(package, book_part),
            MAC_EPOCH if date1904 else WINDOWS_EPOCH,
        )
        names, sheets = [], []
        for node in workbook.iter(f"{_M}sheet"):
            names.append(node.get("name", ""))
            rel = relationships.get(node.get(f"{{{REL}}}id", ""))
            if rel is not None and rel.type.endswith("/worksheet") and package.find(rel.target):
                sheets.append(reading.sheet(names[-1], package, rel.target))
        return FormBook(names, sheets, _custom_properties(package), date1904)


def _items(package: Package, part: str, *tags: str) -> Iterator[etree._Element]:
    """The elements of a part with these tags, as they end, each cleared after its turn; a part
    that declares a DTD (in any encoding) is refused."""
    for seen, element in enumerate(stream(package.read(part), *tags)):
        if not seen and element.getroottree().docinfo.internalDTD is not None:
            raise FormRefused("RETURN_UNSAFE", f"XML に DTD（{part}）")
        yield element


def _text(node: etree._Element | None) -> str:
    """A string item's text: its runs joined, phonetic guides (ふりがな, rPh) left out."""
    if node is None:
        return ""
    parts = [child.text or "" for child in node if child.tag == f"{_M}t"][-1:]  # openpyxl keeps the last
    parts += [run.findtext(f"{_M}t") or "" for run in node if run.tag == f"{_M}r"]
    return "".join(parts)


def _shared_strings(package: Package, book_part: str) -> list[str]:
    found = package.related(book_part, "/sharedStrings")
    if not found or not package.find(found[0].target):
        return []
    strings = []
    for item in _items(package, found[0].target, f"{_M}si"):
        # openpyxl drops the escape of a literal "_x" (x005F_), and the signature holds its reading
        strings.append(_text(item).replace("x005F_", ""))
        if len(strings) > MAX_STRINGS:
            raise FormRefused("RETURN_TOO_LARGE", f"文字列が {MAX_STRINGS:,} 個超")
    return strings


def _number_formats(package: Package, book_part: str) -> list[str]:
    """The number format of each cell style (cellXfs), by its index. Formats are those of the
    numFmts list: a conditional format's (dxf) may reuse a number for another format."""
    found = package.related(book_part, "/styles")
    if not found or not package.find(found[0].target):
        return []
    custom: dict[str, str] = {}
    formats: list[str] = []
    for node in _items(package, found[0].target, f"{_M}numFmt", f"{_M}xf"):
        parent = node.getparent()
        within = etree.QName(parent).localname if parent is not None else ""
        if node.tag == f"{_M}numFmt" and within == "numFmts":
            custom[node.get("numFmtId", "")] = node.get("formatCode", "General")
        elif node.tag == f"{_M}xf" and within == "cellXfs":
            number = node.get("numFmtId", "0")
            builtin = BUILTIN_FORMATS.get(int(number) if number.isdigit() else -1, "General")
            formats.append(custom.get(number, builtin))  # numFmts comes before cellXfs
            if len(formats) > MAX_STYLES:
                raise FormRefused("RETURN_TOO_LARGE", f"セルの書式が {MAX_STYLES:,} 個超")
    return formats


def _custom_properties(package: Package) -> dict[str, str]:
    found = package.related("", "/custom-properties")
    if not found or not package.find(found[0].target):
        return {}
    properties = {}
    for node in _items(package, found[0].target, f"{{{CUSTOM}}}property"):
        properties[node.get("name", "")] = "".join(str(text) for text in node.itertext())
    return properties


@dataclass
class _Reading:
    strings: list[str]
    formats: list[str]
    epoch: dt.datetime
    row: int = 0  # the row being read, for cells and rows the file does not number
    column: int = 0
    cells: int = 0  # in all sheets read so far
    text: int = 0
    shared: dict[str, str] = field(default_factory=dict)  # a shared formula's text, by its si

    def sheet(self, title: str, package: Package, part: str) -> FormSheet:
        sheet = FormSheet(title)
        self.row, self.column, self.shared = 0, 0, {}
        for element in _items(package, part, f"{_M}c", f"{_M}row", f"{_M}mergeCell"):
            if element.tag == f"{_M}row":  # ends after its cells
                self.row, self.column = self._row_number(element), 0
            elif element.tag == f"{_M}mergeCell":
                sheet.merged.append(self._merge(element.get("ref", "")))
            else:
                parent = element.getparent()
                row = (
                    self._row_number(parent)
                    if parent is not None and parent.tag == f"{_M}row"
                    else self.row + 1
                )
                place = self._place(element.get("r"), row)
                sheet.cells[place] = self.cell(element)
                self._count(1, sheet.cells[place].value)
        _blank_merged(sheet)
        return sheet

    def _count(self, cells: int, value: object = None) -> None:
        self.cells += cells
        if self.cells > MAX_CELLS:
            raise FormRefused("RETURN_TOO_LARGE", f"セルが {MAX_CELLS:,} 個超")
        if isinstance(value, str):
            self.text += len(value)
            if self.text > MAX_TEXT:
                raise FormRefused("RETURN_TOO_LARGE", f"文字が {MAX_TEXT:,} 字超")

    def _within(self, column: int, row: int, reference: str) -> None:
        if row > MAX_ROW or column > MAX_COLUMN:
            raise FormRefused("RETURN_TOO_LARGE", f"セル {reference}")

    def _merge(self, reference: str) -> tuple[str, int]:
        first, _, last = reference.partition(":")
        (left, top), (right, bottom) = split_ref(first), split_ref(last or first)
        self._within(right, bottom, reference)
        # the area's other cells are blanked (as openpyxl reads them): they count as cells
        self._count(max(0, (right - left + 1) * (bottom - top + 1) - 1))
        return reference, bottom

    def _row_number(self, row: etree._Element) -> int:
        number = row.get("r")
        if number is None:
            return self.row + 1
        value = float(number)
        if not value.is_integer() or value < 1:
            raise FormReadError(f"行番号 {number!r}")
        if value > MAX_ROW:
            raise FormRefused("RETURN_TOO_LARGE", f"{number} 行目")
        return int(value)

    def _place(self, reference: str | None, row: int) -> tuple[int, int]:
        if reference:
            self.column, row = split_ref(reference)
        else:
            self.column += 1
        self._within(self.column, row, reference or f"{column_letter(min(self.column, 16384))}{row}")
        return row, self.column

    def cell(self, element: etree._Element) -> FormCell:
        kind = element.get("t", "n")
        style = int(element.get("s") or 0)
        number_format = self.formats[style] if 0 <= style < len(self.formats) else "General"
        formula = element.find(f"{_M}f")
        if formula is not None:
            written, group = formula.text or "", formula.get("si")
            if formula.get("t") == "shared" and group is not None:
                # a cell filled down from another shows that cell's formula (not translated)
                written = self.shared.setdefault(group, written) if written else self.shared.get(group, "")
            return FormCell("=" + written, "f", number_format)
        if kind == "inlineStr":
            node = element.find(f"{_M}is")
            return FormCell(None if node is None else _text(node), "s", number_format)
        text = element.findtext(f"{_M}v") or None
        if text is None:
            return FormCell(None, kind, number_format)
        if kind == "n":
            number = _number(text)
            if is_date_format(number_format):
                try:
                    elapsed = _ELAPSED.search(number_format.split(";")[0]) is not None
                    return FormCell(from_excel(number, self.epoch, elapsed=elapsed), "d", number_format)
                except (OverflowError, ValueError):
                    return FormCell("#VALUE!", "e", number_format)
            return FormCell(number, "n", number_format)
        if kind == "s":
            return FormCell(self.strings[int(text)], "s", number_format)
        if kind == "b":
            return FormCell(bool(int(text)), "b", number_format)
        if kind == "str":
            return FormCell(text, "s", number_format)
        if kind == "d":
            try:
                return FormCell(_iso_date(text), "d", number_format)
            except ValueError:
                return FormCell(text, "s", number_format)  # a duration or a form no application writes
        return FormCell(text, kind, number_format)


def _number(text: str) -> int | float:
    """A cell's number as openpyxl reads it: an integer unless it has a point or an exponent; an
    integer no float can hold is read as one (inf), so that no later arithmetic overflows."""
    if "." in text or "e" in text.lower():
        return float(text)
    number = int(text)
    return number if abs(number) < 2**63 else float(text)


def _blank_merged(sheet: FormSheet) -> None:
    """A merged area shows only its first cell: the others read as blank, as openpyxl reads them
    (a value kept under a merge would otherwise count as the form's own, unchanged)."""
    for reference, _ in sheet.merged:
        first, _, last = reference.partition(":")
        (left, top), (right, bottom) = split_ref(first), split_ref(last or first)
        for row in range(top, bottom + 1):
            for column in range(left, right + 1):
                if (row, column) != (top, left):
                    sheet.cells.pop((row, column), None)


def from_excel(
    serial: float, epoch: dt.datetime = WINDOWS_EPOCH, *, elapsed: bool = False
) -> dt.datetime | dt.time | dt.timedelta:
    """A date serial as openpyxl converts it: a time of day below 1, 1900's false leap day kept."""
    if elapsed:
        span = dt.timedelta(days=serial)
        if span.microseconds:
            span = dt.timedelta(seconds=span.total_seconds() // 1, microseconds=round(span.microseconds, -3))
        return span
    day, fraction = divmod(serial, 1)
    diff = dt.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= serial < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, diff.microseconds)
    if 0 < serial < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + dt.timedelta(days=day) + diff


def _iso_date(text: str) -> dt.datetime | dt.date | dt.time:
    """An ISO 8601 date cell (t="d"), its time zone dropped as openpyxl drops it."""
    text = text.rstrip("Z")
    if text.startswith("T") or ("T" not in text and ":" in text):
        return dt.time.fromisoformat(text.lstrip("T")).replace(tzinfo=None)
    moment = dt.datetime.fromisoformat(text).replace(tzinfo=None)
    return moment.date() if "T" not in text else moment
