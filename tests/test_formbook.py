"""okaxl's reader of returned forms, on packages written by hand with what other applications put
in a sheet (shared and inline strings with ふりがな, cells and rows without numbers, formulas,
errors, dates in Excel's Japanese built-in formats), compared with openpyxl's reading."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from okaxl.returns import formbook, formlayout
from tests.excel_parts import Editor
from tests.forms_helpers import check, fill, make_forms, readings_differ

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

SHEET = f"""<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="{MAIN}"><x:sheetData>
<x:row r="1">
 <x:c r="A1" t="s"><x:v>0</x:v></x:c>
 <x:c r="B1" t="s"><x:v>1</x:v></x:c>
 <x:c r="C1" t="inlineStr"><x:is><x:r><x:t>イン</x:t></x:r><x:r><x:t xml:space="preserve">ライン </x:t></x:r></x:is></x:c>
 <x:c r="D1" t="b"><x:v>1</x:v></x:c>
 <x:c r="E1" t="e"><x:v>#N/A</x:v></x:c>
 <x:c r="F1"><x:f>SUM(1,2)</x:f><x:v>3</x:v></x:c>
 <x:c r="G1" t="s"><x:v>2</x:v></x:c>
 <x:c r="H1" t="str"><x:f>"計"&amp;"算"</x:f><x:v>計算</x:v></x:c>
 <x:c r="I1"><x:v></x:v></x:c>
</x:row>
<x:row><x:c><x:v>3</x:v></x:c><x:c><x:v>2.5</x:v></x:c><x:c><x:v>1E3</x:v></x:c></x:row>
<x:row r="3">
 <x:c r="A3" s="1"><x:v>45748</x:v></x:c>
 <x:c r="B3" s="2"><x:v>46113</x:v></x:c>
 <x:c r="C3" s="3"><x:v>0.5</x:v></x:c>
 <x:c r="D3" s="5"><x:v>1.25</x:v></x:c>
 <x:c r="E3" s="6"><x:v>0.85</x:v></x:c>
 <x:c r="F3" s="1"><x:v>30</x:v></x:c>
 <x:c r="G3" s="99"><x:v>7</x:v></x:c>
</x:row>
<x:row r="5"><x:c r="A5" t="s"><x:v>0</x:v></x:c></x:row>
</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A5:B5"/></x:mergeCells></x:worksheet>"""

STRINGS = f"""<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="{MAIN}" count="3" uniqueCount="3">
<si><t>岡山市</t></si>
<si><r><rPr><b/></rPr><t>連携</t></r><r><t>中枢</t></r><rPh sb="0" eb="2"><t>レンケイ</t></rPh><phoneticPr fontId="1"/></si>
<si><t>_x005F_x000D_改行</t></si>
</sst>"""

STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}">
<numFmts count="2"><numFmt numFmtId="164" formatCode="[$-411]m/d"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts>
<cellXfs count="7">
<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="21"/><xf numFmtId="56"/>
<xf numFmtId="46"/><xf numFmtId="165"/>
</cellXfs></styleSheet>"""


# G3's style is not in the file: openpyxl refuses such a file, okaxl reads the cell as a number
OPENPYXL_READS = SHEET.replace('<x:c r="G3" s="99"><x:v>7</x:v></x:c>', "")


def package(path: Path, sheet: str = SHEET, *, date1904: bool = False, styles: str = STYLES) -> Path:
    """A workbook of one sheet, 回答, written as another application might (prefixed namespace,
    absolute targets) and with a custom property."""
    parts = {
        "[Content_Types].xml": """<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>
</Types>""",
        "_rels/.rels": f"""<Relationships xmlns="{PR}">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="/xl/workbook.xml"/>
<Relationship Id="rId2" Type="{REL}/custom-properties" Target="docProps/custom.xml"/></Relationships>""",
        "xl/workbook.xml": f"""<x:workbook xmlns:x="{MAIN}" xmlns:r="{R}">
<x:workbookPr{' date1904="1"' if date1904 else ""}/><x:sheets><x:sheet name="回答" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>""",
        "xl/_rels/workbook.xml.rels": f"""<Relationships xmlns="{PR}">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="/xl/worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>""",
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": STRINGS,
        "xl/styles.xml": styles,
        "docProps/custom.xml": """<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
 xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="okaxl_town"><vt:lpwstr>津山市</vt:lpwstr></property>
</Properties>""",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


@pytest.fixture()
def book(tmp_path: Path) -> formbook.FormBook:
    return formbook.read(package(tmp_path / "hand.xlsx"))


def test_each_cell_reads_as_openpyxl_reads_it(tmp_path: Path):
    assert readings_differ(package(tmp_path / "hand.xlsx", OPENPYXL_READS)) == []


def test_text_as_the_cell_shows_it(book: formbook.FormBook):
    sheet = book["回答"]
    texts = [sheet[c].value for c in ("A1", "B1", "C1", "G1", "H1")]
    assert texts == ["岡山市", "連携中枢", "インライン ", "_x000D_改行", '="計"&"算"']
    assert sheet["H1"].data_type == "f" and sheet["F1"].value == "=SUM(1,2)"


def test_numbers_booleans_errors_and_unnumbered_cells(book: formbook.FormBook):
    sheet = book["回答"]
    assert (sheet["D1"].value, sheet["E1"].value, sheet["E1"].data_type) == (True, "#N/A", "e")
    assert sheet["I1"].value is None
    assert [sheet[c].value for c in ("A2", "B2", "C2")] == [3, 2.5, 1000.0]
    assert sheet["A5"].value == "岡山市" and sheet.merged == [("A5:B5", 5)]
    assert book.custom_properties == {"okaxl_town": "津山市"} and book.sheetnames == ["回答"]


def test_dates_times_and_elapsed_time(book: formbook.FormBook):
    sheet = book["回答"]
    assert sheet["A3"].value == dt.datetime(2025, 4, 1) and sheet["A3"].data_type == "d"
    assert sheet["B3"].value == dt.datetime(2026, 4, 1) and sheet["B3"].number_format == "[$-411]m/d"
    assert sheet["C3"].value == dt.time(12, 0)
    assert sheet["D3"].value == dt.timedelta(days=1, hours=6)
    assert sheet["F3"].value == dt.datetime(1900, 1, 30)  # before 1900-03-01, Excel's false leap day
    assert (sheet["E3"].value, sheet["E3"].is_date, sheet["E3"].number_format) == (0.85, False, "0.0%")
    assert (sheet["G3"].value, sheet["G3"].number_format) == (7, "General")


def test_a_japanese_builtin_date_format_is_a_date(tmp_path: Path):
    """Japanese Excel stores 「4月1日」 under built-in format 56 without writing the format down;
    openpyxl reads the serial as a plain number."""
    sheet = OPENPYXL_READS.replace('<x:c r="A3" s="1">', '<x:c r="A3" s="4">')
    path = package(tmp_path / "ja.xlsx", sheet)
    cell = formbook.read(path)["回答"]["A3"]
    assert (cell.value, cell.data_type, cell.number_format) == (dt.datetime(2025, 4, 1), "d", 'm"月"d"日"')
    assert openpyxl.load_workbook(path)["回答"]["A3"].value == 45748


def test_a_conditional_formats_number_format_is_not_the_cells(tmp_path: Path):
    """LibreOffice numbers a conditional format's (dxf) number formats from the same range as the
    cells': 165 there is a date, 165 in numFmts a percentage, and E3 is 0.85."""
    dxf = '<dxfs count="1"><dxf><numFmt numFmtId="165" formatCode="yyyy/mm/dd"/></dxf></dxfs>'
    styles = STYLES.replace("</cellXfs>", "</cellXfs>" + dxf)
    path = package(tmp_path / "dxf.xlsx", OPENPYXL_READS, styles=styles)
    assert formbook.read(path)["回答"]["E3"].value == 0.85 and readings_differ(path) == []


def test_a_formula_filled_down_and_dates_in_iso_form(tmp_path: Path):
    sheet = OPENPYXL_READS.replace(
        '<x:row r="5">',
        '<x:row r="4"><x:c r="A4"><x:f t="shared" ref="A4:A5" si="0">B4*2</x:f><x:v>2</x:v></x:c>'
        '<x:c r="C4" t="d"><x:v>2025-04-01T12:30:00+09:00</x:v></x:c><x:c r="D4" t="d"><x:v>PT1H</x:v></x:c>'
        '<x:c r="E4" t="d"><x:v>2025-04-01</x:v></x:c></x:row>'
        '<x:row r="6"><x:c r="A6"><x:f t="shared" si="0"/><x:v>4</x:v></x:c></x:row><x:row r="5">',
    )
    read = formbook.read(package(tmp_path / "f.xlsx", sheet))["回答"]
    assert (read["A6"].value, read["A6"].data_type) == ("=B4*2", "f")  # the cell it was filled from
    assert read["C4"].value == dt.datetime(2025, 4, 1, 12, 30) and read["E4"].value == dt.date(2025, 4, 1)
    assert (read["D4"].value, read["D4"].data_type) == ("PT1H", "s")  # a duration: kept as written


def test_the_1904_date_system(tmp_path: Path):
    read = formbook.read(package(tmp_path / "mac.xlsx", date1904=True))
    assert read.date1904 and read["回答"]["A3"].value == dt.datetime(2029, 4, 2)


@pytest.mark.parametrize(
    ("cut", "put"),
    [
        ('<x:row r="3">', '<x:row r="3.5">'),
        ('<x:c r="A3" s="1">', '<x:c r="A3x" s="1">'),
        ('<x:c r="B1" t="s"><x:v>1</x:v>', '<x:c r="B1" t="s"><x:v>9</x:v>'),
        ("<x:v>2.5</x:v>", "<x:v>二</x:v>"),
        ('<x:mergeCell ref="A5:B5"/>', '<x:mergeCell ref="A5:B"/>'),
    ],
)
def test_what_no_application_writes_is_an_error_not_a_crash(tmp_path: Path, cut: str, put: str):
    assert cut in SHEET
    with pytest.raises((ValueError, IndexError)):
        formbook.read(package(tmp_path / "odd.xlsx", SHEET.replace(cut, put)))


def test_a_date_typed_in_japanese_excel_into_a_text_answer(project):
    """A town types 4/1 into 今年度の実績 in Japanese Excel: it stores the serial under built-in
    format 56 (「4月1日」). The check names the cell and what the town saw."""
    form = make_forms(project)["津山市"]
    filled = fill(form, project.inbox / form.name)
    book = Editor(filled)
    styles = book.xml("xl/styles.xml")
    xfs = styles.find(f"{{{MAIN}}}cellXfs")
    assert xfs is not None
    etree.SubElement(xfs, f"{{{MAIN}}}xf", numFmtId="56", fontId="0", fillId="0", borderId="0", applyNumberFormat="1")
    xfs.set("count", str(len(xfs)))
    book.put("xl/styles.xml", styles)
    part, sheet = book.sheet(formlayout.PROJECTS)
    cell = next(c for c in sheet.iter(f"{{{MAIN}}}c") if c.get("r") == "H5")
    for child in list(cell):
        cell.remove(child)
    cell.attrib.pop("t", None)
    cell.set("s", str(len(xfs) - 1))
    etree.SubElement(cell, f"{{{MAIN}}}v").text = "45748"
    book.put(part, sheet)
    book.save()
    result = check(project, filled)
    assert [(p.code, p.cell, p.value) for p in result.problems] == [("RETURN_TEXT_IS_DATE", "H5", "4月1日")]
