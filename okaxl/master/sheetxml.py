"""Editing one worksheet part in place: set cell values keeping each cell's style, add rows under
the data, and grow the ranges that end with the data (filters, drop-downs, conditional formats).

Everything the edit does not name stays as the spreadsheet application wrote it: the tree is
parsed with lxml, which keeps namespace prefixes, `mc:Ignorable` and unknown elements, and only
`sheetData`, `dimension` and range attributes are touched. What cannot be done safely (a cell in a
merged range, over a formula, beside an array formula) is returned as a Refusal, not raised, so
that every one is reported at once.
"""

from __future__ import annotations

import bisect
import functools
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from okaxl.cellref import column_index, column_letter, split_ref
from okaxl.master.package import MAIN, X14, XM, parse, serialize

ROW, CELL, VALUE, FORMULA, INLINE, TEXT = (f"{{{MAIN}}}{t}" for t in ("row", "c", "v", "f", "is", "t"))
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_AREA = re.compile(r"^(\$?[A-Z]{1,3}\$?)(\d+)(?::(\$?[A-Z]{1,3}\$?)(\d+))?$")
# characters XML 1.0 cannot hold, and text that already looks like OOXML's _xHHHH_ escape
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
# row attributes a new row takes from the row above: its style, and Excel's own (x14ac:dyDescent)
_ROW_COPIED = ("s", "customFormat")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A write that cannot be done safely: the rule code and where."""

    code: str
    row: int
    column: int
    value: object = None

    @property
    def cell(self) -> str:
        return f"{column_letter(self.column)}{self.row}"


class Strings(Protocol):
    """Where a text cell's characters go: the shared-string table, or the cell itself."""

    def put(self, cell: etree._Element, text: str) -> None: ...

    def release(self, cell: etree._Element) -> None: ...


def ooxml_text(text: str) -> str:
    """Text as OOXML stores it: characters XML cannot hold, and a literal `_x0041_`, escaped as
    `_xHHHH_` (ECMA-376 Part 1, 22.9.2.19), so that what is read back is what was written."""
    return _UNSAFE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def text_element(parent: etree._Element, text: str) -> None:
    node = etree.SubElement(parent, TEXT)
    node.text = ooxml_text(text)
    if text != text.strip() or "\n" in text:
        node.set(XML_SPACE, "preserve")


class InlineStrings:
    """Text written into the cell itself, for a package that has no shared-string table."""

    def put(self, cell: etree._Element, text: str) -> None:
        cell.set("t", "inlineStr")
        text_element(etree.SubElement(cell, INLINE), text)

    def release(self, cell: etree._Element) -> None:
        pass


class SharedStrings:
    """The package's shared-string table: new text appended, every existing index kept, an
    identical plain string reused (as Excel does), `count` and `uniqueCount` kept right."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.root = parse(data)
        self.index: dict[str, int] = {}
        size = 0
        for size, item in enumerate(self.root.iterchildren(f"{{{MAIN}}}si"), start=1):
            children = list(item)
            if len(children) == 1 and children[0].tag == TEXT:
                self.index.setdefault(children[0].text or "", size - 1)
        self.size = size
        self.references = 0
        self.changed = False

    def put(self, cell: etree._Element, text: str) -> None:
        stored = ooxml_text(text)
        position = self.index.get(stored)
        if position is None:
            text_element(etree.SubElement(self.root, f"{{{MAIN}}}si"), text)
            position = self.index[stored] = self.size
            self.size += 1
        cell.set("t", "s")
        etree.SubElement(cell, VALUE).text = str(position)
        self.references += 1
        self.changed = True

    def release(self, cell: etree._Element) -> None:
        if cell.get("t") == "s":
            self.references -= 1
            self.changed = True

    def to_bytes(self) -> bytes | None:
        if not self.changed:
            return None
        if self.root.get("count") is not None:
            self.root.set("count", str(max(int(self.root.get("count") or 0) + self.references, 0)))
        if self.root.get("uniqueCount") is not None:
            self.root.set("uniqueCount", str(self.size))
        return serialize(self.root, self.data)


def grow_area(area: str, end: int, new_end: int) -> str:
    """An area (A1:H43, $A$1:$H$43) that reaches the data's last row `end` is made to reach
    `new_end`; single cells, whole columns and areas above or below the data stay as they are.
    (An area may start on the row after `end`: the first data row of a sheet that had none.)"""
    match = _AREA.match(area)
    if not match or match.group(3) is None:
        return area
    first, last = int(match.group(2)), int(match.group(4))
    if first <= end + 1 and end <= last < new_end:
        return f"{match.group(1)}{first}:{match.group(3)}{new_end}"
    return area


def grow_sqref(sqref: str, end: int, new_end: int) -> str:
    return " ".join(grow_area(a, end, new_end) for a in sqref.split())


class Worksheet:
    """One worksheet part, parsed once; rows indexed by number; where the data ends, found in one pass."""

    def __init__(self, data: bytes, header_row: int = 1, end: int | None = None) -> None:
        """`end`: the last row of data as the reader found it (in the layout's columns); without
        it, the last row holding any value typed in (not only a formula's result)."""
        self.data = data
        self.root = parse(data)
        sheet_data = self.root.find(f"{{{MAIN}}}sheetData")
        if sheet_data is None:
            sheet_data = etree.SubElement(self.root, f"{{{MAIN}}}sheetData")
        self.sheet_data = sheet_data
        self.header_row = header_row
        self.rows: dict[int, etree._Element] = {}
        self._by_column: dict[int, dict[int, etree._Element]] = {}
        self.refusals: list[Refusal] = []
        self._shared: dict[str, tuple[str, str]] | None = None
        scanned = header_row
        number = 0
        # the cells are walked only to name those that do not name themselves (Excel, LibreOffice
        # and okaxl name every one) or to find the end: over 10,000 blank formatted rows the walk
        # was a third of a merge
        walk = end is None or bool(sheet_data.xpath("boolean(m:row/m:c[not(@r)])", namespaces={"m": MAIN}))
        for row in sheet_data.iterchildren(ROW):
            named = row.get("r")
            number = int(named or number + 1)
            if named != str(number):
                row.set("r", str(number))
            self.rows[number] = row
            if not walk:
                continue
            before: str | int = 0  # the cell before: its reference, split only where the next needs it
            for cell in row.iterchildren(CELL):
                ref = cell.get("r")
                if ref:
                    before = ref
                else:
                    before = (split_ref(before)[0] if isinstance(before, str) else before) + 1
                    cell.set("r", f"{column_letter(before)}{number}")
                if end is None and number > scanned and _holds_value(cell):
                    scanned = number
        self.end = max(end, header_row) if end is not None else scanned
        self.numbers = sorted(self.rows)
        self.merged = [
            _bounds(node.get("ref", ""))
            for node in self.root.iter(f"{{{MAIN}}}mergeCell")
            if _AREA.match(node.get("ref", ""))
        ]
        self.column_styles = [
            (int(node.get("min", "0")), int(node.get("max", "0")), node.get("style", ""))
            for node in self.root.iter(f"{{{MAIN}}}col")
            if node.get("style") not in (None, "0")
        ]
        layout = self.root.find(f"{{{MAIN}}}sheetFormatPr")
        self.rows_hidden_by_default = layout is not None and layout.get("zeroHeight") in ("1", "true")
        self.default_height = layout.get("defaultRowHeight", "15") if layout is not None else "15"

    # ------------------------------------------------------------ cells

    def _cells(self, number: int) -> dict[int, etree._Element]:
        """The cells of row `number` by column, read from the XML once; _cell keeps it current."""
        cells = self._by_column.get(number)
        if cells is None:
            row = self.rows.get(number)
            found = () if row is None else row.iterchildren(CELL)
            cells = self._by_column[number] = {split_ref(c.get("r", ""))[0]: c for c in found}
        return cells

    def _row(self, number: int) -> etree._Element:
        row = self.rows.get(number)
        if row is None:
            row = etree.Element(ROW, r=str(number))
            later = bisect.bisect_right(self.numbers, number)
            if later < len(self.numbers):
                self.rows[self.numbers[later]].addprevious(row)
            else:
                self.sheet_data.append(row)
            self.rows[number] = row
            self.numbers.insert(later, number)
        return row

    def _cell(self, number: int, column: int) -> etree._Element:
        """The cell, made where it is missing, in column order, with the style the place gives it:
        the row's own (a formatted row), else the cell above's, else its column's."""
        row = self._row(number)
        cells = self._cells(number)
        if column in cells:
            return cells[column]
        new = etree.Element(CELL, r=f"{column_letter(column)}{number}")
        following = min((index for index in cells if index > column), default=None)
        if following is not None:
            cells[following].addprevious(new)
        else:
            row.append(new)
        cells[column] = new
        style = self._style_at(row, number, column)
        if style:
            new.set("s", style)
        _drop_wrong_spans(row, column)
        return new

    def _style_at(self, row: etree._Element, number: int, column: int) -> str | None:
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return row.get("s")
        if number - 1 > self.header_row:
            above = self._cells(number - 1).get(column)
            if above is not None and above.get("s"):
                return above.get("s")
        for low, high, style in self.column_styles:
            if low <= column <= high:
                return style
        return None

    def _in_merged(self, number: int, column: int) -> str | None:
        for c1, r1, c2, r2 in self.merged:
            if r1 <= number <= r2 and c1 <= column <= c2:
                return f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        return None

    def set(self, number: int, column: int, value: object, strings: Strings) -> None:
        """Set one cell's value, keeping its style; refuse a merged cell and a formula."""
        merged = self._in_merged(number, column)
        if merged:
            self.refusals.append(Refusal("MASTER_MERGED_TARGET", number, column, merged))
            return
        cell = self._cell(number, column)
        formula = cell.find(FORMULA)
        if formula is not None:
            self.refusals.append(Refusal("MASTER_FORMULA_TARGET", number, column, f"={formula.text or ''}"))
            return
        strings.release(cell)
        for child in cell.findall(VALUE) + cell.findall(INLINE):
            cell.remove(child)
        for attribute in ("t", "vm"):
            if attribute in cell.attrib:
                del cell.attrib[attribute]
        if value is None:
            return
        if isinstance(value, bool):
            cell.set("t", "b")
            _value(cell, "1" if value else "0")
        elif isinstance(value, numbers.Integral):
            _value(cell, str(int(value)))
        elif isinstance(value, numbers.Real):
            if not math.isfinite(float(value)):
                raise ValueError(f"a cell cannot hold {value!r}")
            _value(cell, repr(float(value)))
        elif isinstance(value, str):
            strings.put(cell, value)
        else:
            raise TypeError(f"a cell value must be text, a number or a truth value, not {type(value)}")
        extension = cell.find(f"{{{MAIN}}}extLst")
        if extension is not None:
            cell.append(extension)  # extLst stays the cell's last child

    # ------------------------------------------------------------ new rows

    def new_row(self, values_only: Iterable[int]) -> int:
        """The next row under the data, made to look like the row above: a pre-formatted blank row
        keeps its own formatting; cells it lacks take the style (and the formula, moved down a
        row) of the cell above. Columns in `values_only` take no formula: they hold values."""
        number = self.end + 1
        self.end = number
        above = self.rows.get(number - 1) if number - 1 > self.header_row else None
        existed = number in self.rows
        row = self._row(number)
        if row.get("hidden") in ("1", "true"):
            del row.attrib["hidden"]  # a record must be seen, even in a blank row someone hid
        if self.rows_hidden_by_default and not row.get("ht"):
            row.set("ht", self.default_height)
            row.set("customHeight", "1")
        if above is None:
            return number
        if not existed:
            for name, value in above.attrib.items():
                if name in _ROW_COPIED or etree.QName(name).namespace not in (None, MAIN):
                    row.set(name, value)
            if above.get("spans"):
                row.set("spans", above.get("spans", ""))
        skip = set(values_only)
        cells = self._cells(number)
        present = set(cells)
        for column, model in sorted(self._cells(number - 1).items()):
            if column in present:
                continue
            if existed:
                cell = self._cell(number, column)
            else:  # a new row is a copy of the one above, its cells made in column order
                cell = cells[column] = etree.SubElement(row, CELL, r=f"{column_letter(column)}{number}")
                style = model.get("s") or self._style_at(row, number, column)
                if style:
                    cell.set("s", style)
                _drop_wrong_spans(row, column)
            formula = model.find(FORMULA)
            if formula is not None and column not in skip:
                text = self._formula_for(model, formula, number, column)
                if text is not None:
                    etree.SubElement(cell, FORMULA).text = text
        return number

    def _formula_for(
        self, model: etree._Element, formula: etree._Element, number: int, column: int
    ) -> str | None:
        """The formula of the cell above, moved one row down as Excel's fill-down would."""
        kind = formula.get("t", "normal")
        origin, text = model.get("r", ""), formula.text or ""
        if kind == "shared" and not text:
            origin, text = self._shared_formulas().get(formula.get("si", ""), ("", ""))
        if kind not in ("normal", "shared") or model.get("cm") or not text:
            self.refusals.append(Refusal("MASTER_FORMULA_NOT_COPIED", number - 1, column, f"={text}"))
            return None
        from openpyxl.formula.translate import Translator  # only when a formula is copied down

        try:
            moved = Translator(f"={text}", origin=origin).translate_formula(
                f"{column_letter(column)}{number}"
            )
        except Exception:  # a formula the translator cannot parse is not guessed at
            self.refusals.append(Refusal("MASTER_FORMULA_NOT_COPIED", number - 1, column, f"={text}"))
            return None
        return str(moved)[1:]

    def _shared_formulas(self) -> dict[str, tuple[str, str]]:
        if self._shared is None:
            self._shared = {}
            for cell in self.sheet_data.iter(CELL):
                formula = cell.find(FORMULA)
                if formula is not None and formula.get("t") == "shared" and formula.text:
                    self._shared[formula.get("si", "")] = (cell.get("r", ""), formula.text)
        return self._shared

    # ------------------------------------------------------------ ranges

    def grow(self, end: int, new_end: int, columns: int) -> None:
        """Ranges that reach the data's last row `end` reach `new_end`; the dimension covers all."""
        if new_end > end:
            for node in self.root.iter(
                f"{{{MAIN}}}autoFilter", f"{{{MAIN}}}dataValidation", f"{{{MAIN}}}conditionalFormatting"
            ):
                attribute = "ref" if node.tag == f"{{{MAIN}}}autoFilter" else "sqref"
                if node.get(attribute):
                    node.set(attribute, grow_sqref(node.get(attribute, ""), end, new_end))
            for node in self.root.iter(f"{{{XM}}}sqref"):
                parent = node.getparent()
                if parent is not None and parent.tag in (
                    f"{{{X14}}}dataValidation",
                    f"{{{X14}}}conditionalFormatting",
                ):
                    node.text = grow_sqref(node.text or "", end, new_end)
        dimension = self.root.find(f"{{{MAIN}}}dimension")
        if dimension is not None and ":" in dimension.get("ref", ""):
            c1, r1, c2, r2 = _bounds(dimension.get("ref", ""))
            c2, r2 = max(c2, columns), max(r2, new_end)
            dimension.set("ref", f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}")

    def to_bytes(self) -> bytes:
        return serialize(self.root, self.data)


def _holds_value(cell: etree._Element) -> bool:
    """A value someone typed: a formula's result does not count (formulas filled down ahead of
    the data are part of the pre-formatted rows, not data)."""
    if cell.find(FORMULA) is not None:
        return False
    inline = cell.find(INLINE)
    if inline is not None:
        return any(str(text) for text in inline.itertext())
    value = cell.find(VALUE)
    return value is not None and bool(value.text)


def _drop_wrong_spans(row: etree._Element, column: int) -> None:
    """A row's spans (an optional hint of its columns) that leave out `column` are removed: a wrong
    hint is worse than none."""
    spans = row.get("spans", "")
    if spans and not any(low <= column <= high for low, high in _span_ranges(spans)):
        del row.attrib["spans"]


@functools.cache
def _span_ranges(spans: str) -> tuple[tuple[int, int], ...]:
    """ "1:8 10:12" → ((1, 8), (10, 12)); rows of one sheet share a few such hints."""
    parts = (span.partition(":") for span in spans.split())
    return tuple((int(low or 0), int(high or 0)) for low, _, high in parts)


def _value(cell: etree._Element, text: str) -> None:
    etree.SubElement(cell, VALUE).text = text


def _bounds(area: str) -> tuple[int, int, int, int]:
    match = _AREA.match(area)
    if not match:
        raise ValueError(area)
    c1, r1 = column_index(match.group(1).strip("$")), int(match.group(2))
    if match.group(3) is None:
        return c1, r1, c1, r1
    return c1, r1, column_index(match.group(3).strip("$")), int(match.group(4))
