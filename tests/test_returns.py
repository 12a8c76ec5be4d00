"""Checking returned forms: every kind of bad return gets its status, code and cell, nothing
crashes, and the master's bytes never change.

Each return is built here from a real generated form (filled the way a town would) or from scratch.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.master.commit import sha256_of
from okaxl.returns import formbook, formlayout
from okaxl.shell.cli import main
from tests.forms_helpers import check, copy, fill, make_forms


def rezip(
    source: Path,
    target: Path,
    edit: dict[str, Callable[[bytes], bytes]] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """Rewrite a workbook's package member by member, as a person's other software might."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename in drop:
                continue
            data = old.read(item.filename)
            if edit and item.filename in edit:
                data = edit[item.filename](data)
            new.writestr(item, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target


def sheet_part(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{title}"[^>]*r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    name = target.group(1) or target.group(2)
    return name.lstrip("/") if name.startswith("/xl") else f"xl/{name}"


@pytest.fixture
def env(project):
    """A project with 津山市's FY2025 form issued, and a filled copy of it."""
    forms = make_forms(project, towns=("津山市", "玉野市"))
    filled = fill(forms["津山市"], project.inbox / "R7_津山市_回答様式.xlsx")
    master = project.master.read_bytes()
    yield project, forms, filled
    assert project.master.read_bytes() == master  # checking never touches the master


def codes(result) -> set[tuple[str, str, str | None]]:
    return {(p.code, p.sheet, p.cell) for p in result.problems if p.severity == "error"}


def only(result, code, sheet="", cell=None, status="invalid", label=None):
    assert result.status == status, result.problems
    assert codes(result) == {(code, sheet, cell)}, result.problems
    if label:
        assert result.label == label


def edit_cells(
    source: Path,
    target: Path,
    changes: dict[tuple[str, str], object],
    *,
    unprotect: bool = False,
    book_change: Callable | None = None,
) -> Path:
    book = openpyxl.load_workbook(source)
    for (sheet, cell), value in changes.items():
        if unprotect:
            book[sheet].protection.sheet = False
        book[sheet][cell] = value
    if book_change:
        book_change(book)
    book.save(target)
    return target


class TestValid:
    def test_filled_form_is_accepted(self, env):
        project, _, filled = env
        result = check(project, filled)
        assert result.status == "valid" and result.label == "受理" and not result.problems
        assert result.town == "津山市" and result.year == 2025
        assert set(result.answers[formlayout.PROJECTS]) and all(
            a["results"] and a["intention"] == "継続" for a in result.answers[formlayout.PROJECTS].values()
        )

    def test_full_width_digits_are_read_and_noted(self, env):
        project, _, filled = env
        result = check(project, fill(filled, filled.with_name("R7_津山市_w.xlsx"), kpi="１，２００"))
        assert result.status == "valid"
        assert [(p.code, p.cell) for p in result.problems] == [("RETURN_NUMBER_CONVERTED", "G5")]
        first = next(iter(result.answers[formlayout.KPIS].values()))
        assert first["kpi_value"] == 1200

    def test_unit_of_the_kpi_is_accepted(self, env):
        project, _, filled = env
        unit = openpyxl.load_workbook(filled)[formlayout.KPIS]["H5"].value
        result = check(project, fill(filled, filled.with_name("R7_津山市_u.xlsx"), kpi=f"1,200{unit}"))
        assert result.status == "valid" and result.problems[0].code == "RETURN_NUMBER_CONVERTED"

    def test_text_that_looks_like_a_formula_is_named_at_check(self, env):
        """The master refuses text that starts with ＝ or =; check says so on the town's cell,
        rather than merge refusing it later on a master cell the town cannot see."""
        project, _, filled = env
        path = edit_cells(
            filled, filled.with_name("R7_津山市_f.xlsx"), {(formlayout.PROJECTS, "H5"): "＝説明会を開いた"}
        )
        only(check(project, path), "RETURN_TEXT_FORMULA_LIKE", formlayout.PROJECTS, "H5")


class TestNotAWorkbook:
    """Files that cannot be opened are 却下 with a message that says what to do."""

    @pytest.mark.parametrize(
        ("content", "code"),
        [
            (b"", "RETURN_EMPTY"),
            ("事業ID,取組実績\n2-01,説明会\n".encode("cp932"), "RETURN_NOT_WORKBOOK"),
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "RETURN_NOT_WORKBOOK"),
            (
                b"<html xmlns:x='urn:schemas-microsoft-com:office:excel'><body><table></table></body></html>",
                "RETURN_HTML_XLS",
            ),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096, "RETURN_OLD_XLS"),
            (b"PK\x03\x04 not really a zip", "RETURN_NOT_WORKBOOK"),
        ],
    )
    def test_rejected(self, env, content, code):
        project, _, _ = env
        path = project.inbox / "R7_津山市_回答様式.xlsx"
        path.write_bytes(content)
        only(check(project, path), code, label="却下")

    def test_encrypted(self, env):
        from msoffcrypto.format.ooxml import OOXMLFile

        project, _, filled = env
        target = filled.with_name("R7_津山市_enc.xlsx")
        with filled.open("rb") as plain, target.open("wb") as out:
            OOXMLFile(plain).encrypt("pass", out)
        only(check(project, target), "RETURN_ENCRYPTED", label="却下")

    def test_xlsb(self, env):
        project, _, _ = env
        target = project.inbox / "R7_津山市_回答様式.xlsb"
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
            )
            archive.writestr("xl/workbook.bin", b"\0" * 64)
        only(check(project, target), "RETURN_XLSB")

    def test_macro_enabled(self, env):
        project, _, filled = env
        target = rezip(
            filled,
            filled.with_name("R7_津山市_回答様式.xlsm"),
            edit={
                "[Content_Types].xml": lambda d: d.replace(
                    b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
                )
            },
            add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512},
        )
        only(check(project, target), "RETURN_MACRO", label="却下")

    def test_macro_smuggled_into_xlsx(self, env):
        project, _, filled = env
        target = rezip(
            filled,
            filled.with_name("R7_津山市_m.xlsx"),
            add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512},
        )
        only(check(project, target), "RETURN_MACRO")

    def test_strict_ooxml(self, env):
        project, _, filled = env
        target = rezip(
            filled,
            filled.with_name("R7_津山市_s.xlsx"),
            edit={
                "xl/workbook.xml": lambda d: d.replace(
                    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
                )
            },
        )
        only(check(project, target), "RETURN_STRICT")


class TestHostile:
    """Bombs and oversized files are refused before any workbook library parses them."""

    def test_zip_bomb(self, env):
        project, _, filled = env
        target = rezip(
            filled, filled.with_name("R7_津山市_z.xlsx"), add={"xl/media/big.bin": b"\0" * (50 * 1024 * 1024)}
        )
        only(check(project, target), "RETURN_TOO_LARGE")

    def test_xml_bomb(self, env):
        project, _, filled = env
        part = sheet_part(filled, formlayout.PROJECTS)
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
        )
        target = rezip(filled, filled.with_name("R7_津山市_x.xlsx"), edit={part: lambda _: bomb})
        only(check(project, target), "RETURN_UNSAFE")

    def test_xml_bomb_in_utf16(self, env):
        """The same bomb in a UTF-16 sheet, which hides the DTD from a search of the bytes."""
        project, _, filled = env
        part = sheet_part(filled, formlayout.PROJECTS)

        def utf16(data: bytes) -> bytes:
            text = data.decode("utf-8").split("?>", 1)[-1]
            declaration = '<?xml version="1.0" encoding="UTF-16"?>'
            dtd = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            return (declaration + dtd + text).encode("utf-16")

        target = rezip(filled, filled.with_name("R7_津山市_u.xlsx"), edit={part: utf16})
        only(check(project, target), "RETURN_UNSAFE")

    def test_a_cell_at_the_root_after_a_comment(self, env):
        """A sheet that is one cell after a comment is refused as unreadable, never a crash of the batch."""
        project, _, filled = env
        part = sheet_part(filled, formlayout.PROJECTS)
        odd = b'<?xml version="1.0"?><!--x--><c xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="A1"/>'
        target = rezip(filled, filled.with_name("R7_津山市_r.xlsx"), edit={part: lambda _: odd})
        result = check(project, target)
        assert result.status == "invalid" and result.problems

    def test_cell_at_the_far_corner(self, env):
        project, _, filled = env
        part = sheet_part(filled, formlayout.PROJECTS)
        far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        target = rezip(
            filled,
            filled.with_name("R7_津山市_c.xlsx"),
            edit={part: lambda d: d.replace(b"</sheetData>", far)},
        )
        only(check(project, target), "RETURN_TOO_LARGE")

    def test_path_traversal_member(self, env):
        project, _, filled = env
        target = rezip(filled, filled.with_name("R7_津山市_p.xlsx"), add={"../../evil.txt": b"x"})
        only(check(project, target), "RETURN_UNSAFE")

    def test_truncated_sheet(self, env):
        project, _, filled = env
        part = sheet_part(filled, formlayout.PROJECTS)
        target = rezip(filled, filled.with_name("R7_津山市_t.xlsx"), edit={part: lambda d: d[: len(d) // 2]})
        only(check(project, target), "RETURN_UNREADABLE", label="却下")

    def test_external_link(self, env):
        project, _, filled = env
        target = rezip(
            filled,
            filled.with_name("R7_津山市_l.xlsx"),
            add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
        )
        only(check(project, target), "RETURN_EXTERNAL_LINK")


class TestHostileParts:
    """What the red-team pass on the return reader found: each is refused or reported, never a
    crash, and never read as the form okaxl issued."""

    def test_a_sheet_stored_under_another_case_is_bounded_too(self, env):
        """Part names are compared without case: a sheet renamed Sheet2.xml was read, but not
        bounded (the pre-check looked for sheet*.xml), 4.5 million cells from a 2.6 MB file."""
        project, _, filled = env
        part = sheet_part(filled, formlayout.PROJECTS)
        folder, name = part.rsplit("/", 1)
        renamed = f"{folder}/{name.capitalize()}"
        with zipfile.ZipFile(filled) as archive:
            data = archive.read(part)
        far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        rename = lambda d: d.replace(name.encode(), name.capitalize().encode())  # noqa: E731
        target = rezip(
            filled,
            filled.with_name("R7_津山市_case.xlsx"),
            edit={"xl/_rels/workbook.xml.rels": rename, "[Content_Types].xml": rename},
            add={renamed: data.replace(b"</sheetData>", far)},
            drop=(part,),
        )
        only(check(project, target), "RETURN_TOO_LARGE")

    def test_a_dtd_in_the_styles(self, env):
        """Every part the reader parses refuses a DTD, not only the sheets."""
        project, _, filled = env
        dtd = b'<!DOCTYPE styleSheet [<!ENTITY a "aaaaaaaaaa">]>'

        def declare(data: bytes) -> bytes:
            head, mark, rest = data.partition(b"?>")
            return head + mark + dtd + rest if mark else dtd + data

        target = rezip(filled, filled.with_name("R7_津山市_dtd.xlsx"), edit={"xl/styles.xml": declare})
        only(check(project, target), "RETURN_UNSAFE")

    def test_merged_locked_cells_keep_no_hidden_text(self, env):
        """A town merges two locked header cells and the application keeps the hidden one's text:
        the form shows 分野 no more, so it is not the form okaxl issued."""
        project, _, filled = env
        part = sheet_part(filled, formlayout.PROJECTS)
        assert openpyxl.load_workbook(filled)[formlayout.PROJECTS]["B4"].value

        def merge(data: bytes) -> bytes:
            if b"<mergeCells" in data:
                return re.sub(rb"(<mergeCells[^>]*>)", rb'\1<mergeCell ref="A4:B4"/>', data, count=1)
            return data.replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A4:B4"/></mergeCells>')

        result = check(project, rezip(filled, filled.with_name("R7_津山市_m.xlsx"), edit={part: merge}))
        assert result.status == "invalid"
        assert ("RETURN_LOCKED_EDITED", formlayout.PROJECTS, "B4") in codes(result)

    def test_a_number_no_float_can_hold(self, env):
        project, _, filled = env
        part = sheet_part(filled, formlayout.KPIS)
        huge = b"1" + b"0" * 400

        def enormous(data: bytes) -> bytes:
            return re.sub(rb'(<c r="G5"[^>]*?)(?: t="[^"]*")?(\s*[^>]*)>.*?</c>', rb"\1\2><v>" + huge + b"</v></c>", data, count=1, flags=re.S)

        result = check(project, rezip(filled, filled.with_name("R7_津山市_n.xlsx"), edit={part: enormous}))
        assert result.status == "invalid" and result.problems

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("rows", "[" * 100_000 + "]" * 100_000),
            ("fiscal_year", "0"),
            ("rows", json.dumps({formlayout.PROJECTS: [f"P{n}" for n in range(6000)], formlayout.KPIS: []})),
        ],
    )
    def test_metadata_no_form_holds(self, env, field, value):
        project, _, filled = env
        book = openpyxl.load_workbook(filled)
        meta = book[formlayout.META]
        (row,) = [r for r in range(1, meta.max_row + 1) if meta[f"A{r}"].value == field]
        path = edit_cells(filled, filled.with_name("R7_津山市_meta.xlsx"), {(formlayout.META, f"B{row}"): value})
        result = check(project, path)
        assert result.status == "invalid" and "RETURN_METADATA_EDITED" in {c for c, _, _ in codes(result)}

    def test_a_form_of_thousands_of_rows_on_each_sheet_is_read(self, env):
        """The bound is a sheet's: 備前市's form of the 100x master has 3,700 事業 and 1,900 KPI
        rows, and was refused as unreadable metadata while their sum was bounded."""
        project, _, filled = env
        book = openpyxl.load_workbook(filled)
        meta = book[formlayout.META]
        metadata = formlayout.metadata_from_cells((str(a.value), str(b.value or "")) for a, b in meta.iter_rows(max_col=2))
        rows = {formlayout.PROJECTS: [f"P{n}" for n in range(3000)], formlayout.KPIS: [f"K{n}" for n in range(3000)]}
        metadata["rows"] = json.dumps(rows, ensure_ascii=False)
        meta.delete_rows(1, meta.max_row)
        for number, (name, part) in enumerate(formlayout.metadata_cells(metadata), start=1):  # as forms writes it
            meta[f"A{number}"], meta[f"B{number}"] = name, part
        path = filled.with_name("R7_津山市_big.xlsx")
        book.save(path)
        result = check(project, path)
        assert result.status == "invalid" and "識別情報が読めない" not in [p.value for p in result.problems]


class TestIdentity:
    """Forms not made by okaxl, edited metadata, another town or year."""

    def test_not_an_okaxl_form(self, env):
        project, _, _ = env
        book = openpyxl.Workbook()
        book.active["A1"] = "回答"
        path = project.inbox / "R7_津山市_回答様式.xlsx"
        book.save(path)
        only(check(project, path), "RETURN_NOT_OKAXL", label="却下")

    def test_metadata_sheet_deleted(self, env):
        project, _, filled = env
        book = openpyxl.load_workbook(filled)
        del book[formlayout.META]
        book.save(target := filled.with_name("R7_津山市_d.xlsx"))
        only(check(project, target), "RETURN_METADATA_EDITED", label="却下")

    def test_metadata_edited(self, env):
        project, _, filled = env
        book = openpyxl.load_workbook(filled)
        meta = book[formlayout.META]
        row = next(r for r in meta.iter_rows() if r[0].value == "town")
        row[1].value = "玉野市"
        book.save(target := filled.with_name("R7_津山市_e.xlsx"))
        only(check(project, target), "RETURN_METADATA_EDITED", sheet=formlayout.META)

    def test_metadata_forged_in_both_places(self, env):
        project, _, filled = env
        book = openpyxl.load_workbook(filled)
        meta = book[formlayout.META]
        next(r for r in meta.iter_rows() if r[0].value == "fiscal_year")[1].value = "2025"
        next(r for r in meta.iter_rows() if r[0].value == "master_sha256")[1].value = "0" * 64
        for prop in book.custom_doc_props.props:
            if prop.name == "okaxl_master_sha256":
                prop.value = "0" * 64
        book.save(target := filled.with_name("R7_津山市_g.xlsx"))
        only(check(project, target), "RETURN_METADATA_EDITED", sheet=formlayout.META)

    def test_file_of_another_town(self, env):
        project, _, filled = env
        target = copy(filled, project.inbox / "R7_玉野市_回答様式.xlsx")
        only(check(project, target), "RETURN_WRONG_TOWN")

    def test_form_of_another_year(self, env):
        project, _, _ = env
        old = make_forms(project, year=2024, towns=("津山市",))["津山市"]
        target = fill(old, project.inbox / "R6_津山市_回答様式.xlsx")
        only(check(project, target), "RETURN_WRONG_YEAR")


class TestStructure:
    def test_locked_cell_edited_after_removing_protection(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_k.xlsx"),
            {(formlayout.PROJECTS, "D5"): "別の事業"},
            unprotect=True,
        )
        result = check(project, path)
        only(result, "RETURN_LOCKED_EDITED", formlayout.PROJECTS, "D5")
        assert (
            "元の値「スタートアップ企業支援」" in result.problems[0].message
            or "元の値" in result.problems[0].message
        )

    def test_cell_typed_outside_the_inputs(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_o.xlsx"),
            {(formlayout.PROJECTS, "L3"): "メモ"},
            unprotect=True,
        )
        only(check(project, path), "RETURN_LOCKED_EDITED", formlayout.PROJECTS, "L3")

    def test_sheet_renamed(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_r.xlsx"),
            {},
            book_change=lambda b: setattr(b[formlayout.KPIS], "title", "KPI"),
        )
        only(check(project, path), "RETURN_SHEETS_CHANGED")

    def test_sheets_reordered(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_o2.xlsx"),
            {},
            book_change=lambda b: b.move_sheet(formlayout.KPIS, offset=-1),
        )
        only(check(project, path), "RETURN_SHEETS_CHANGED")

    def test_row_inserted(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_i.xlsx"),
            {},
            book_change=lambda b: b[formlayout.PROJECTS].insert_rows(7),
        )
        only(check(project, path), "RETURN_ROWS_CHANGED", formlayout.PROJECTS, "A7")

    def test_row_deleted(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_x2.xlsx"),
            {},
            book_change=lambda b: b[formlayout.PROJECTS].delete_rows(6),
        )
        only(check(project, path), "RETURN_ROWS_CHANGED", formlayout.PROJECTS, "A6")

    def test_merged_input_cells(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_mg.xlsx"),
            {},
            book_change=lambda b: b[formlayout.PROJECTS].merge_cells("H5:I5"),
        )
        only(check(project, path), "RETURN_MERGED_INPUT", formlayout.PROJECTS, "H5")


class TestValues:
    """What a person types into the input cells."""

    @pytest.mark.parametrize(
        ("value", "code", "cell"),
        [
            ("=1000+200", "RETURN_FORMULA", "G5"),
            ("1,200件", "RETURN_NUMBER_INVALID", "G5"),
            (dt.datetime(2025, 3, 31), "RETURN_NUMBER_INVALID", "G5"),
            ("令和7年3月31日", "RETURN_NUMBER_INVALID", "G5"),
            (-5, "RETURN_NUMBER_RANGE", "G5"),
            ("▲862", "RETURN_NUMBER_RANGE", "G5"),
            (1e15, "RETURN_NUMBER_RANGE", "G5"),
            ("NaN", "RETURN_NUMBER_RANGE", "G5"),
            ("たくさん", "RETURN_NUMBER_INVALID", "G5"),
        ],
    )
    def test_kpi_value(self, env, value, code, cell):
        project, _, filled = env
        if isinstance(value, str) and "件" in value:
            unit = openpyxl.load_workbook(filled)[formlayout.KPIS]["H5"].value
            assert unit != "件"
        path = fill(filled, filled.with_name("R7_津山市_v.xlsx"), kpi=value)
        only(check(project, path), code, formlayout.KPIS, cell)

    def test_error_value(self, env):
        project, _, filled = env
        part = sheet_part(filled, formlayout.KPIS)
        target = rezip(
            filled,
            filled.with_name("R7_津山市_ev.xlsx"),
            edit={
                part: lambda d: re.sub(
                    rb'<c r="G5"[^>]*/>|<c r="G5"[^>]*>.*?</c>',
                    b'<c r="G5" t="e"><v>#DIV/0!</v></c>',
                    d,
                    count=1,
                )
            },
        )
        only(check(project, target), "RETURN_ERROR_VALUE", formlayout.KPIS, "G5")

    def test_formula_with_forged_cached_value(self, env):
        project, _, filled = env
        part = sheet_part(filled, formlayout.KPIS)
        target = rezip(
            filled,
            filled.with_name("R7_津山市_fv.xlsx"),
            edit={
                part: lambda d: re.sub(
                    rb'<c r="G5"[^>]*/>|<c r="G5"[^>]*>.*?</c>',
                    b'<c r="G5"><f>[1]Sheet1!A1</f><v>1200</v></c>',
                    d,
                    count=1,
                )
            },
        )
        only(check(project, target), "RETURN_FORMULA", formlayout.KPIS, "G5")

    def test_required_left_empty(self, env):
        project, _, filled = env
        path = edit_cells(filled, filled.with_name("R7_津山市_re.xlsx"), {(formlayout.PROJECTS, "H6"): None})
        only(check(project, path), "RETURN_REQUIRED_EMPTY", formlayout.PROJECTS, "H6")

    def test_choice_not_in_the_list(self, env):
        project, _, filled = env
        path = edit_cells(
            filled, filled.with_name("R7_津山市_ch.xlsx"), {(formlayout.PROJECTS, "J5"): "続ける"}
        )
        only(check(project, path), "RETURN_CHOICE_INVALID", formlayout.PROJECTS, "J5")

    def test_control_characters(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_cc.xlsx"),
            {(formlayout.PROJECTS, "H5"): "会議_x0007_を開いた"},
        )
        only(check(project, path), "RETURN_CONTROL_CHARS", formlayout.PROJECTS, "H5")

    def test_text_over_the_limit(self, env):
        project, _, filled = env
        path = edit_cells(
            filled,
            filled.with_name("R7_津山市_tl.xlsx"),
            {(formlayout.PROJECTS, "H5"): "会議を開いた。" * 80},
        )
        only(check(project, path), "RETURN_TEXT_TOO_LONG", formlayout.PROJECTS, "H5")

    def test_text_over_excels_limit(self, env):
        project, _, filled = env
        path = edit_cells(
            filled, filled.with_name("R7_津山市_tx.xlsx"), {(formlayout.PROJECTS, "I5"): "あ" * 40000}
        )
        result = check(project, path)
        only(result, "RETURN_TEXT_TOO_LONG", formlayout.PROJECTS, "I5")
        assert "32767" in result.problems[0].message

    def test_big_change_needs_a_reason(self, project):
        from okaxl.master.build import write_master
        from okaxl.master.reader import read_master
        from okaxl.master.tables import frame, records

        tables = read_master(project.master)
        town_form = make_forms(project, towns=("津山市",))["津山市"]
        kpi_id = openpyxl.load_workbook(town_form)[formlayout.KPIS]["A5"].value
        values = [
            *records(tables["KPI実績"]),
            {"KPI_ID": kpi_id, "年度": 2024, "市町": "津山市", "現状値": 100},
        ]
        tables.frames["KPI実績"] = frame("KPI実績", values)
        write_master(tables, project.master)
        form = make_forms(project, towns=("津山市",))["津山市"]
        path = fill(form, project.inbox / "R7_津山市_回答様式.xlsx", kpi=300, reason=None)
        only(check(project, path), "RETURN_REASON_MISSING", formlayout.KPIS, "I5")
        path = edit_cells(
            path,
            path.with_name("R7_津山市_reason.xlsx"),
            {(formlayout.KPIS, "I5"): "イベントを2回開いたため。"},
        )
        assert check(project, path).status == "valid"

    def test_1904_date_system_is_a_warning(self, env):
        project, _, filled = env
        target = rezip(
            filled,
            filled.with_name("R7_津山市_1904.xlsx"),
            edit={
                "xl/workbook.xml": lambda d: re.sub(
                    rb"<workbookPr(\s[^>]*)?/>", rb'<workbookPr date1904="1" />', d, count=1
                )
            },
        )
        result = check(project, target)
        assert [(p.code, p.severity) for p in result.problems] == [("RETURN_DATE_1904", "warning")]
        assert result.status == "valid"


class TestBatch:
    def test_two_identical_returns_for_one_town(self, project):
        """check and merge agree: the first is taken, the second is the same and changes nothing."""
        filled = fill(make_forms(project)["津山市"], project.inbox / "R7_津山市_回答様式.xlsx")
        copy(filled, project.inbox / "R7_津山市_回答様式(2).xlsx")
        statuses = {}
        for command in ("check", "merge"):
            result = CliRunner().invoke(
                main, [command, str(project.inbox), "--format", "json", "--config", str(project.path)]
            )
            assert result.exit_code == 0, result.output
            statuses[command] = [r["status"] for r in json.loads(result.stdout)["returns"]]
            duplicate = json.loads(result.stdout)["returns"][1]
            assert [p["code"] for p in duplicate["problems"]] == ["RETURN_DUPLICATE"]
        assert statuses == {"check": ["valid", "unchanged"], "merge": ["merged", "unchanged"]}

    def test_cli_statuses_feedback_and_collection(self, env):
        project, forms, _ = env
        (project.inbox / "R7_玉野市_回答様式.xlsx").write_bytes(b"")
        edit_cells(forms["津山市"], project.inbox / "R7_津山市_回答様式.xlsx", {})  # returned unfilled
        result = CliRunner().invoke(
            main,
            [
                "check",
                str(project.inbox),
                "--feedback-dir",
                str(project.output / "fb"),
                "--config",
                str(project.path),
            ],
        )
        assert result.exit_code == 1
        assert "要修正" in result.output and "却下" in result.output
        feedback = openpyxl.load_workbook(project.output / "fb" / "R7_津山市_回答様式_指摘.xlsx")
        assert feedback.sheetnames[0] == "指摘一覧"
        summary = feedback["指摘一覧"]
        link = summary["C4"]
        assert (link.hyperlink is not None and link.hyperlink.location is not None) or str(
            link.hyperlink.target
        ).startswith("#")
        assert feedback[formlayout.PROJECTS]["H5"].comment is not None
        assert all(summary.row_dimensions[r].height >= 15 for r in range(4, summary.max_row + 1))  # no overprint
        assert feedback[formlayout.PROJECTS]["H5"].fill.fgColor.rgb.endswith("FF9999")
        rejected = openpyxl.load_workbook(project.output / "fb" / "R7_玉野市_回答様式_指摘.xlsx")["指摘一覧"]
        assert "空です" in str(rejected["E4"].value)
        collection = openpyxl.load_workbook(project.output / "fb" / "回収状況_令和7年度.xlsx").active
        rows = {
            r[0].value: r[1].value
            for r in collection.iter_rows(min_row=3)
            if r[0].value in ("津山市", "玉野市", "総社市")
        }
        assert rows == {"津山市": "要修正", "玉野市": "却下", "総社市": "未着"}

    def test_check_without_the_key(self, env):
        project, _, filled = env
        project.forms.key_file.unlink()
        result = CliRunner().invoke(main, ["check", str(filled), "--config", str(project.path)])
        assert result.exit_code == 2 and "鍵" in result.output

    def test_json_matches_the_library(self, env):
        from okaxl.shell.actions import check_round

        project, _, filled = env
        result = CliRunner().invoke(
            main, ["check", str(filled), "--format", "json", "--config", str(project.path)]
        )
        assert result.exit_code == 0
        (document,) = json.loads(result.stdout)["returns"]
        (library,) = [r.to_json() for r in check_round(project, [filled]).results]
        assert document == library and document["changes"]  # the changes merge would make
        assert set(document) >= {"file", "sha256", "town", "year", "status", "problems", "changes"}


class TestSignature:
    """The signature alone decides; the issued copy only names what changed (issue: it never matched)."""

    def test_fresh_and_filled_forms_verify_without_the_issued_copies(self, env):
        project, forms, filled = env
        shutil.rmtree(project.forms.issued)
        fresh = check(project, forms["玉野市"])
        assert not [p for p in fresh.problems if p.code.startswith(("RETURN_LOCKED", "RETURN_SIGNATURE", "RETURN_KEY"))]
        result = check(project, filled)
        assert result.status == "valid" and not result.problems

    def test_a_valid_signature_never_opens_the_issued_copy(self, env, monkeypatch):
        project, _, filled = env
        opened = []
        real = formbook.read
        monkeypatch.setattr("okaxl.returns.check.formbook.read", lambda path: opened.append(Path(path)) or real(path))
        assert check(project, filled).status == "valid"
        assert not [p for p in opened if p.parent == project.forms.issued]

    def test_a_changed_locked_cell_is_named_with_the_copy(self, env):
        project, _, filled = env
        path = edit_cells(filled, filled.with_name("R7_津山市_s.xlsx"), {(formlayout.PROJECTS, "B5"): "改"}, unprotect=True)
        only(check(project, path), "RETURN_LOCKED_EDITED", formlayout.PROJECTS, "B5")

    def test_a_changed_locked_cell_without_the_copy(self, env):
        project, _, filled = env
        path = edit_cells(filled, filled.with_name("R7_津山市_s.xlsx"), {(formlayout.PROJECTS, "B5"): "改"}, unprotect=True)
        shutil.rmtree(project.forms.issued)
        result = check(project, path)
        only(result, "RETURN_SIGNATURE_MISMATCH")
        assert "控え" in result.problems[0].hint

    def test_the_same_file_sent_twice_gets_one_feedback_file(self, env, monkeypatch):
        """Waves of resends: a file sent again unchanged is annotated once (each copy was loaded,
        annotated and saved over the last: 41 copies of a large form in the 500-return run)."""
        import okaxl.returns.feedback as feedback

        project, forms, _ = env
        written = []
        real = feedback.write_feedback
        monkeypatch.setattr(feedback, "write_feedback", lambda result, *a, **k: written.append(result.file) or real(result, *a, **k))
        for wave in ("1回目", "2回目"):  # the unfilled form, sent again unchanged
            (project.inbox / wave).mkdir(parents=True)
            edit_cells(forms["津山市"], project.inbox / wave / "R7_津山市_回答様式.xlsx", {})
        (project.inbox / "2回目" / "R7_津山市_回答様式.xlsx").write_bytes((project.inbox / "1回目" / "R7_津山市_回答様式.xlsx").read_bytes())
        folder = project.output / "fb"
        done = CliRunner().invoke(main, ["check", str(project.inbox), "--feedback-dir", str(folder), "--config", str(project.path)])
        assert done.exit_code == 1 and done.output.count("要修正") >= 2
        assert [p.name for p in folder.glob("*_指摘.xlsx")] == [f"R7_津山市_回答様式_{sha256_of(project.inbox / '1回目' / 'R7_津山市_回答様式.xlsx')[:8]}_指摘.xlsx"]
        assert len(written) == 1

    def test_a_form_signed_with_another_key(self, env):
        project, _, filled = env
        shutil.rmtree(project.forms.issued)
        project.forms.key_file.write_text("ab" * 32, encoding="ascii")  # this PC's key is another one
        result = check(project, filled)
        only(result, "RETURN_KEY_DIFFERS")
        assert "鍵ファイル" in result.problems[0].hint and "市町に直してもらう必要はありません" in result.problems[0].hint
        # staff are told; the town is sent nothing it could act on
        folder = project.output / "fb"
        args = ["check", str(filled), "--feedback-dir", str(folder), "--config", str(project.path)]
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 1 and "指摘ファイルは作りません" in done.output and "鍵ファイル" in done.output
        assert not list(folder.glob("*_指摘.xlsx"))


def test_a_choice_with_full_width_characters(project):
    """A choice staff wrote with full-width brackets is offered by the drop-down, accepted as chosen,
    and stored as the master spells it."""
    book = openpyxl.load_workbook(project.master)
    book["選択肢"].append(["意向", "継続（拡充）", 4])
    book.save(project.master)
    form = make_forms(project)["津山市"]
    result = check(project, fill(form, project.inbox / form.name, intention="継続（拡充）"))
    assert result.status == "valid", result.problems
    assert {a["intention"] for a in result.answers[formlayout.PROJECTS].values()} == {"継続（拡充）"}


def _kpi_row(form: Path, kpi_id: str) -> int:
    ws = openpyxl.load_workbook(form)[formlayout.KPIS]
    return next(r for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value == kpi_id)


def _kpi_values(master: Path) -> dict[tuple[str, int, str], object]:
    ws = openpyxl.load_workbook(master)["KPI実績"]
    heads = [c.value for c in ws[1]]
    return {
        (r["KPI_ID"], r["年度"], r["市町"]): r["現状値"]
        for r in (dict(zip(heads, row, strict=False)) for row in ws.iter_rows(min_row=2, values_only=True))
        if r["KPI_ID"]
    }


def test_a_kpi_in_words_is_chosen_and_merged_as_words(project):
    """「方針の決定」 is a stage, not a number: chosen from the list, merged as the master spells it;
    a stage of the town's own wording, or a number, is sent back naming the cell."""
    form = make_forms(project)["津山市"]
    row = _kpi_row(form, "2-20-K1")
    project.inbox.mkdir(parents=True, exist_ok=True)
    filled = edit_cells(
        fill(form, project.output / "filled.xlsx"),
        project.inbox / form.name,
        {(formlayout.KPIS, f"G{row}"): "方針の決定", (formlayout.KPIS, f"I{row}"): "協議会で方針を決めた。"},
    )
    result = check(project, filled)
    assert result.status == "valid", result.problems
    assert result.answers[formlayout.KPIS]["2-20-K1"]["kpi_value"] == "方針の決定"
    for wrong in ("方針決定済み", 7):
        path = edit_cells(filled, project.output / f"wrong_{wrong}.xlsx", {(formlayout.KPIS, f"G{row}"): wrong})
        only(check(project, path), "RETURN_CHOICE_INVALID", formlayout.KPIS, f"G{row}")

    merged = CliRunner().invoke(main, ["merge", str(filled), "--config", str(project.path)])
    assert merged.exit_code == 0, merged.output
    assert _kpi_values(project.master)[("2-20-K1", 2025, "津山市")] == "方針の決定"


def test_the_master_says_which_towns_report_a_kpi(project):
    """旧銀ビル前の歩行者数 (2-09-K1) is the hub's count; when staff add 備前市 to its reporters,
    備前市's form asks it and 玉野市's still does not."""
    book = openpyxl.load_workbook(project.master)
    ws = book["KPI"]
    heads = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1 + heads.index("KPI_ID")).value == "2-09-K1")
    ws.cell(row, 1 + heads.index("報告する市町"), "岡山市、備前市")
    book.save(project.master)
    forms = make_forms(project, towns=("備前市", "玉野市"))
    assert _kpi_row(forms["備前市"], "2-09-K1")
    with pytest.raises(StopIteration):
        _kpi_row(forms["玉野市"], "2-09-K1")
