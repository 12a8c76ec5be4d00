"""The one writer of the master, on the master staff really have: re-saved by a spreadsheet
application and given what Excel users add. A merge changes only the cells it must, grows the
ranges over the data, keeps every other part byte for byte, and opens in LibreOffice."""

from __future__ import annotations

import json
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree
from python_calamine import CalamineWorkbook

from okaxl.master.package import MAIN, XM, Package
from okaxl.master.reader import read_master
from okaxl.master.tables import records
from okaxl.publish.office import convert
from okaxl.returns import formlayout
from okaxl.shell.cli import main
from okaxl.validate.run import validate
from tests.conftest import make_project
from tests.excel_parts import staff_master
from tests.forms_helpers import fill, make_forms

pytestmark = pytest.mark.office
TOWNS = ("津山市", "玉野市", "備前市", "和気町", "美咲町", "吉備中央町")


def run(config, *args):
    return CliRunner().invoke(main, [*map(str, args), "--config", str(config.path)])


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


@pytest.fixture(scope="module")
def merged(tmp_path_factory, resaved_master):
    """The staff master, forms generated from it for six towns, filled, merged once and again."""
    config = make_project(tmp_path_factory.mktemp("staff"))
    added = staff_master(resaved_master, config.master)
    before = parts(config.master)
    forms = make_forms(config, towns=TOWNS)
    for n, town in enumerate(TOWNS):
        fill(
            forms[town],
            config.inbox / forms[town].name,
            results=f"{town}：説明会を{n + 1}回開いた。",
            kpi=10 * (n + 1),
        )
    first = run(config, "merge", "--format", "json")
    after = parts(config.master)
    second = run(config, "merge", "--format", "json")
    with Package.open(config.master) as package:
        names = {"book": package.workbook_part(), **package.sheets()}
    return {
        "config": config,
        "added": added,
        "forms": forms,
        "before": before,
        "after": after,
        "first": first,
        "second": second,
        "again": parts(config.master),
        "names": names,
    }


def _new_ends(m) -> dict[str, int]:
    tables = read_master(m["config"].master)
    return {sheet: int(tables[sheet].index.max()) for sheet in ("実績", "KPI実績")}


class TestStaffMaster:
    def test_merge_succeeds_and_the_values_land(self, merged):
        assert merged["first"].exit_code == 0, merged["first"].output
        statuses = {r["town"]: r["status"] for r in json.loads(merged["first"].stdout)["returns"]}
        assert statuses == dict.fromkeys(TOWNS, "merged")
        tables = read_master(merged["config"].master)
        for n, town in enumerate(TOWNS):
            form = openpyxl.load_workbook(merged["forms"][town])
            ws = form[formlayout.PROJECTS]
            listed = [
                ws[f"A{r}"].value for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value
            ]
            results = {
                r["事業ID"]: r for r in records(tables["実績"]) if r["市町"] == town and r["年度"] == 2025
            }
            assert sorted(results) == sorted(listed)
            assert {r["取組実績"] for r in results.values()} == {f"{town}：説明会を{n + 1}回開いた。"}
            first_kpi = form[formlayout.KPIS][f"A{formlayout.FIRST_ROW}"].value
            values = {
                r["KPI_ID"]: r["現状値"]
                for r in records(tables["KPI実績"])
                if r["市町"] == town and r["年度"] == 2025
            }
            assert values[first_kpi] == 10 * (n + 1)
        assert validate(merged["config"].master).errors == 0

    def test_only_the_parts_of_the_edit_change(self, merged):
        before, after, names = merged["before"], merged["after"], merged["names"]
        assert list(after) == list(before)  # the same parts, in the same order
        changed = {name for name in before if before[name] != after[name]}
        edit = {
            names["実績"],
            names["KPI実績"],
            names["マージ履歴"],
            names["book"],
            "xl/sharedStrings.xml",
            "docProps/core.xml",
        }
        assert changed == edit | set(merged["added"]["tables"])
        for name in merged["added"]["parts"]:  # printer settings, picture, threaded comments and persons
            assert after[name] == before[name], name

    def test_ranges_over_the_data_cover_the_new_rows(self, merged):
        after, names = merged["after"], merged["names"]
        old, new = merged["added"]["last"], _new_ends(merged)
        assert new["実績"] > old["実績"] and new["KPI実績"] > old["KPI実績"]
        tables = [xml(after[t]) for t in merged["added"]["tables"]]
        assert [t.get("ref") for t in tables] == [f"A1:H{new['実績']}", f"A1:H{new['KPI実績']}"]
        assert [t.find(f"{{{MAIN}}}autoFilter").get("ref") for t in tables] == [t.get("ref") for t in tables]
        results = xml(after[names["実績"]])
        assert [n.text for n in results.iter(f"{{{XM}}}sqref")] == [f"G2:G{new['実績']}"]
        kpis = xml(after[names["KPI実績"]])
        bars = [n.get("sqref") for n in kpis.iter(f"{{{MAIN}}}conditionalFormatting")]
        assert bars == [f"D2:D{new['KPI実績']}"]
        assert [n.text for n in kpis.iter(f"{{{XM}}}sqref")] == [f"D2:D{new['KPI実績']}"]
        # LibreOffice's own drop-down reached row 1043 already: it covers the new rows and stays
        assert [v.get("sqref") for v in results.iter(f"{{{MAIN}}}dataValidation")] == ["C2:C1043"]
        book = xml(after[names["book"]])
        areas = {
            n.get("name"): n.text
            for n in book.iter(f"{{{MAIN}}}definedName")
            if n.get("localSheetId") == "12"
        }
        assert areas == {"_xlnm.Print_Area": f"実績!$A$1:$H${new['実績']}"}
        log = {
            n.text for n in book.iter(f"{{{MAIN}}}definedName") if (n.text or "").startswith("マージ履歴!")
        }
        assert log == {f"マージ履歴!$A$1:$I${1 + len(TOWNS)}"}
        assert book.find(f"{{{MAIN}}}calcPr").get("fullCalcOnLoad") == "1"  # the workbook holds formulas

    def test_new_rows_go_into_the_preformatted_rows(self, merged):
        old, new = merged["added"]["last"], _new_ends(merged)
        sheet = xml(merged["after"][merged["names"]["実績"]])
        rows = {int(r.get("r")): r for r in sheet.iter(f"{{{MAIN}}}row")}
        assert len(rows) == old["実績"] + 2000  # no row added: the 2,000 blank rows took the records
        blank_styles = [
            c.get("s")
            for c in xml(merged["before"][merged["names"]["実績"]]).iter(f"{{{MAIN}}}c")
            if c.get("r") == "E500"
        ]
        for number in (old["実績"] + 1, new["実績"]):
            cells = {c.get("r").rstrip("0123456789"): c for c in rows[number].iter(f"{{{MAIN}}}c")}
            assert cells["E"].get("s") == blank_styles[0] and cells["E"].get("t") == "s"
            assert (
                cells["I"].find(f"{{{MAIN}}}f").text == f"LEN(E{number})"
            )  # the staff's formula, filled down
            assert (
                rows[number].get("{http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac}dyDescent")
                == "0.4"
            )
        assert not [c for c in rows[new["実績"] + 1].iter(f"{{{MAIN}}}c") if len(c)]  # still blank below
        assert (
            "x14ac" in sheet.nsmap
            and sheet.get("{http://schemas.openxmlformats.org/markup-compatibility/2006}Ignorable") == "x14ac"
        )

    def test_what_staff_made_is_kept(self, merged):
        before, after, names = merged["before"], merged["after"], merged["names"]
        old_sheet, new_sheet = xml(before[names["実績"]]), xml(after[names["実績"]])

        def cell(root, ref):
            return next(c for c in root.iter(f"{{{MAIN}}}c") if c.get("r") == ref)

        for ref in ("D2", "I2", "I43", "A43"):  # rich text, the shared formula and its cached values
            assert etree.tostring(cell(new_sheet, ref)) == etree.tostring(cell(old_sheet, ref))
        old_strings, new_strings = xml(before["xl/sharedStrings.xml"]), xml(after["xl/sharedStrings.xml"])
        assert [etree.tostring(s) for s in new_strings][: len(old_strings)] == [
            etree.tostring(s) for s in old_strings
        ]
        rich = new_strings[int(cell(new_sheet, "D2").find(f"{{{MAIN}}}v").text)]
        assert len(rich.findall(f"{{{MAIN}}}r")) == 2
        cells = sum(
            len(re.findall(rb'<c [^>]*t="s"', after[name]))
            for name in after
            if name.startswith("xl/worksheets/")
        )
        assert int(new_strings.get("count")) == cells and int(new_strings.get("uniqueCount")) == len(
            new_strings
        )

    def test_the_same_merge_again_changes_no_byte(self, merged):
        assert merged["second"].exit_code == 0
        assert {r["status"] for r in json.loads(merged["second"].stdout)["returns"]} == {"unchanged"}
        assert merged["again"] == merged["after"]

    def test_opens_in_libreoffice_and_openpyxl(self, merged, tmp_path):
        resaved = convert(merged["config"].master, "xlsx", tmp_path)  # LibreOffice loads it whole
        book = CalamineWorkbook.from_path(str(resaved))
        rows = book.get_sheet_by_name("実績").to_python()
        first = merged["added"]["last"]["実績"]  # Excel row first + 1 is rows[first]
        assert re.fullmatch(r".+：説明会を\d回開いた。", rows[first][4]) and rows[first][8] == len(
            rows[first][4]
        )
        assert rows[1][3] == "重要：説明会の日程を調整する"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns that it does not keep x14 extensions
            opened = openpyxl.load_workbook(merged["config"].master)
        assert opened["実績"].tables["実績表"].ref == f"A1:H{_new_ends(merged)['実績']}"


def _refused(config, code, sheet, cell):
    """Merge, expecting a refusal: exit 2, the problem named, the master untouched, nothing left over."""
    before = config.master.read_bytes()
    result = run(config, "merge", "--format", "json")
    assert result.exit_code == 2, result.output
    assert "予期しない" not in result.output
    document = json.loads(result.stdout)
    found = {(p["code"], p["sheet"], p["cell"]) for p in document["problems"]}
    assert (code, sheet, cell) in found, found
    assert config.master.read_bytes() == before
    assert not [p for p in config.master.parent.iterdir() if p.name.startswith(".~okaxl")]
    return document


@pytest.fixture
def returns(project):
    """津山市's return, filled, in the inbox of a project with the real master."""
    form = make_forms(project)["津山市"]
    fill(form, project.inbox / form.name, kpi=50)
    tables = read_master(project.master)
    return {
        "form": form,
        "end": int(tables["実績"].index.max()),
        "end_kpi": int(tables["KPI実績"].index.max()),
    }


class TestRefusals:
    def test_a_cell_to_write_in_a_merged_range(self, project, returns):
        book = openpyxl.load_workbook(project.master)
        first = returns["end"] + 1
        book["実績"].merge_cells(f"E{first}:F{first + 1}")
        book.save(project.master)
        _refused(project, "MASTER_MERGED_TARGET", "実績", f"E{first}")

    def test_a_formula_where_a_value_goes(self, project, returns):
        book = openpyxl.load_workbook(project.master)
        first = returns["end"] + 1
        book["実績"][f"E{first}"] = f"=D{first}"
        book.save(project.master)
        document = _refused(project, "MASTER_FORMULA_TARGET", "実績", f"E{first}")
        assert any(p["value"] == f"=D{first}" for p in document["problems"])

    def test_an_array_formula_in_the_row_to_copy(self, project, returns):
        from openpyxl.worksheet.formula import ArrayFormula

        book = openpyxl.load_workbook(project.master)
        end = returns["end"]
        book["実績"][f"J{end}"] = ArrayFormula(f"J{end}", f"=SUM(LEN(D{end}:F{end}))")
        book.save(project.master)
        _refused(project, "MASTER_FORMULA_NOT_COPIED", "実績", f"J{end}")

    def test_a_table_with_a_totals_row(self, project, returns):
        from tests.excel_parts import Editor, table

        book = openpyxl.load_workbook(project.master)
        totals = returns["end"] + 1
        book["実績"][f"A{totals}"] = "集計"
        book["実績"][f"H{totals}"] = f"=SUBTOTAL(103,H2:H{totals - 1})"
        book.save(project.master)
        editor = Editor(project.master)
        headers = list(read_master(project.master).letters["実績"])
        table(editor, "実績", "実績表", f"A1:H{totals}", headers, totals=True)
        editor.save()
        document = _refused(project, "MASTER_TABLE_TOTALS", "実績", f"H{totals}")
        assert "集計行" in json.dumps(document, ensure_ascii=False)

    def test_strict_open_xml(self, project, returns):
        transitional = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        strict = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
        data = parts(project.master)
        with zipfile.ZipFile(project.master, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in data.items():
                archive.writestr(
                    name, content.replace(transitional, strict) if name.startswith("xl/") else content
                )
        before = project.master.read_bytes()
        for command in ("validate", "merge"):
            result = run(project, command, "--format", "json")
            assert result.exit_code == 2 and "Strict" in result.output
            assert [p["code"] for p in json.loads(result.stdout)["problems"]] == ["MASTER_STRICT"]
        assert project.master.read_bytes() == before

    def test_a_package_the_writer_cannot_read(self, project, returns):
        """A row number that is not a number: the reader skips over it, the writer must not guess."""
        with Package.open(project.master) as package:
            part = package.sheets()["実績"]
        data = parts(project.master)
        data[part] = data[part].replace(
            f'<row r="{returns["end"]}"'.encode(), f'<row r="x{returns["end"]}"'.encode()
        )
        with zipfile.ZipFile(project.master, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in data.items():
                archive.writestr(name, content)
        _refused(project, "MASTER_UNREADABLE", "", None)

    def test_a_record_on_two_rows(self, project, returns):
        book = openpyxl.load_workbook(project.master)
        ws = book["実績"]
        first = openpyxl.load_workbook(returns["form"])[formlayout.PROJECTS][f"A{formlayout.FIRST_ROW}"].value
        for row in (returns["end"] + 1, returns["end"] + 2):
            ws[f"A{row}"], ws[f"B{row}"], ws[f"C{row}"] = first, 2025, "津山市"
        book.save(project.master)
        _refused(project, "KEY_DUPLICATE", "実績", f"A{returns['end'] + 2}")


class TestHeadersAndSheets:
    """What staff do to headers and sheets: merge writes correctly, or reports what validate reports."""

    def _edit(self, project, change):
        book = openpyxl.load_workbook(project.master)
        change(book)
        book.save(project.master)

    def _lands(self, project):
        result = run(project, "merge")
        assert result.exit_code == 0, result.output
        tables = read_master(project.master)
        results = [r for r in records(tables["実績"]) if r["市町"] == "津山市" and r["年度"] == 2025]
        kpis = [r for r in records(tables["KPI実績"]) if r["市町"] == "津山市" and r["年度"] == 2025]
        assert results and {r["取組実績"] for r in results} == {"担当者会議に参加し、情報を共有した。"}
        assert kpis and 50 in {r["現状値"] for r in kpis}
        return tables

    @pytest.mark.parametrize(
        ("sheet", "cell", "header"),
        [("実績", "E1", "取組実績 "), ("KPI実績", "A1", "ＫＰＩ＿ＩＤ"), ("実績", "C1", "　市町")],
    )
    def test_spaces_and_full_width_in_a_header(self, project, returns, sheet, cell, header):
        self._edit(project, lambda book: book[sheet].__setitem__(cell, header))
        self._lands(project)

    def test_columns_in_another_order(self, project, returns):
        def swap(book):
            ws = book["実績"]
            for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
                row[3].value, row[4].value = row[4].value, row[3].value  # 事業計画 ⇄ 取組実績

        self._edit(project, swap)
        tables = self._lands(project)
        assert tables.letters["実績"]["取組実績"] == "D"

    def test_a_blank_row_above_the_header(self, project, returns):
        self._edit(project, lambda book: book["実績"].insert_rows(1))
        assert any(p.code == "HEADER_MOVED" for p in validate(project.master).problems)
        tables = self._lands(project)
        assert tables.header_rows["実績"] == 2

    def test_a_typo_in_a_header(self, project, returns):
        self._edit(project, lambda book: book["実績"].__setitem__("E1", "取組実積"))
        report = validate(project.master)
        expected = ("COLUMN_MISSING", "実績", "1行目")
        assert expected in {(p.code, p.sheet, p.cell) for p in report.problems if p.severity == "error"}
        _refused(project, *expected)

    def test_a_renamed_sheet(self, project, returns):
        self._edit(project, lambda book: setattr(book["実績"], "title", "実績2025"))
        assert ("SHEET_MISSING", "実績") in {(p.code, p.sheet) for p in validate(project.master).problems}
        _refused(project, "SHEET_MISSING", "実績", None)


def _fails_cleanly(config, result, phrase):
    """An operating-system failure: exit 2, its own Japanese message, the master whole, nothing left."""
    output = result.output if hasattr(result, "output") else result.stdout + result.stderr
    assert result.exit_code == 2 if hasattr(result, "exit_code") else result.returncode == 2, output
    assert phrase in output, output
    assert "予期しない" not in output and "Traceback" not in output
    leftovers = [p.name for p in config.master.parent.iterdir() if p.name.startswith(".~okaxl")]
    assert not leftovers and not list(config.backups.glob("*.partial"))


def _as_user_without_override(config):
    """The merge as a process that file permissions bind (root without CAP_DAC_OVERRIDE)."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "okaxl", "merge", "--config", str(config.path)]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return done


class TestOperatingSystem:
    """Each failure of the operating system gets its own message; the master stays as it was."""

    def test_read_only_master(self, project, returns):
        before = project.master.read_bytes()
        project.master.chmod(0o444)
        result = run(project, "merge")
        _fails_cleanly(project, result, "読み取り専用")
        assert project.master.read_bytes() == before

    def test_folder_without_write_permission(self, project, returns):
        before = project.master.read_bytes()
        folder = project.master.parent
        folder.chmod(0o555)
        try:
            done = _as_user_without_override(project)
        finally:
            folder.chmod(0o755)
        _fails_cleanly(project, done, "書き込む権限がありません")
        assert project.master.read_bytes() == before

    def test_immutable_master(self, project, returns):
        import os
        import subprocess

        if os.geteuid() != 0:
            pytest.skip("chattr +i needs root (CI runs as root)")
        before = project.master.read_bytes()
        subprocess.run(["chattr", "+i", str(project.master)], check=True)
        try:
            result = run(project, "merge")
        finally:
            subprocess.run(["chattr", "-i", str(project.master)], check=True)
        _fails_cleanly(project, result, "変更できない設定")
        assert project.master.read_bytes() == before

    def test_disk_full(self, project, returns):
        import os
        import shutil
        import subprocess

        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
        folder = project.master.parent
        keep = folder.parent / "keep"
        shutil.move(folder, keep)
        folder.mkdir()
        size = (
            project.master.stat().st_size
            if project.master.exists()
            else (keep / "master.xlsx").stat().st_size
        )
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size + 64 * 1024}", "tmpfs", str(folder)], check=True
        )
        try:
            shutil.copy2(keep / "master.xlsx", folder / "master.xlsx")
            before = project.master.read_bytes()
            result = run(project, "merge")
            _fails_cleanly(project, result, "ディスクの空きが足りません")
            assert project.master.read_bytes() == before
        finally:
            subprocess.run(["umount", str(folder)], check=True)

    def test_disk_full_under_the_status_workbook(self, project, tmp_path):
        """回収状況 (written by XlsxWriter, which wraps the OSError in its own exception) on a full
        disk: the disk's own message, exit 2, no temporary file left."""
        import os
        import subprocess

        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
        folder = tmp_path / "full"
        folder.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(folder)], check=True)
        try:
            result = run(project, "status", "--output", folder / "回収状況_令和7年度.xlsx")
            assert result.exit_code == 2, result.output
            assert "ディスクの空きが足りません" in result.output, result.output
            assert "予期しない" not in result.output and "Traceback" not in result.output
            assert list(folder.iterdir()) == []
        finally:
            subprocess.run(["umount", str(folder)], check=True)

    def test_path_too_long(self, project, returns):
        stem = (
            "岡山連携中枢都市圏マスター" * 6 + "x"
        )  # 235 bytes: the master fits, its temporary file does not
        long_master = project.master.with_name(f"{stem}.xlsx")
        project.master.rename(long_master)
        text = project.path.read_text(encoding="utf-8").replace(
            '"workbooks/master.xlsx"', f'"workbooks/{long_master.name}"'
        )
        project.path.write_text(text, encoding="utf-8")
        from okaxl.config import load_config

        config = load_config(project.path)
        before = config.master.read_bytes()
        result = run(config, "merge")
        _fails_cleanly(config, result, "パスが長すぎます")
        assert config.master.read_bytes() == before

    @pytest.mark.parametrize(
        ("target", "code"),
        [("shutil.copyfile", "ESTALE"), ("okaxl.master.commit.ledger.append", "EIO")],
    )
    def test_network_share_gone(self, project, returns, monkeypatch, target, code):
        import errno

        def gone(*args, **kwargs):
            raise OSError(getattr(errno, code), "the share went away")

        monkeypatch.setattr(target, gone)
        before = project.master.read_bytes()
        result = run(project, "merge")
        _fails_cleanly(project, result, "ネットワーク上のフォルダに届きません")
        assert project.master.read_bytes() == before


class TestPackageForms:
    """Packages written by other generators, and the details of new rows and names."""

    def test_prefixed_namespace_and_absolute_targets(self, project, returns):
        from tests.excel_parts import Editor, absolute_targets, prefixed

        book = Editor(project.master)
        for sheet in ("実績", "KPI実績", "マージ履歴"):
            prefixed(book, sheet)
        absolute_targets(book)
        book.save()
        result = run(project, "merge")
        assert result.exit_code == 0, result.output
        tables = read_master(project.master)
        assert [r for r in records(tables["実績"]) if r["市町"] == "津山市" and r["年度"] == 2025]
        with Package.open(project.master) as package:
            data = package.read(package.sheets()["実績"])
        assert b"<x:c " in data and b"<c " not in data and b"<x:row " in data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert openpyxl.load_workbook(project.master)["実績"][f"A{returns['end'] + 1}"].value

    def test_names_that_do_not_cover_the_data_stay(self, project, returns):
        from tests.excel_parts import Editor, defined_name

        end = returns["end"]
        book = Editor(project.master)
        defined_name(book, "見出し", "実績!$A$1:$H$1")
        defined_name(book, "前半", "実績!$A$2:$H$10")
        defined_name(book, "全体", f"'実績'!$A$1:$H${end},'KPI実績'!$A$1:$H${returns['end_kpi']}")
        book.save()
        assert run(project, "merge").exit_code == 0
        tables = read_master(project.master)
        new_end, new_kpi = int(tables["実績"].index.max()), int(tables["KPI実績"].index.max())
        with Package.open(project.master) as package:
            names = {n.get("name"): n.text for n in xml(package.read(package.workbook_part())).iter(f"{{{MAIN}}}definedName")}
        assert names["見出し"] == "実績!$A$1:$H$1" and names["前半"] == "実績!$A$2:$H$10"
        assert names["全体"] == f"'実績'!$A$1:$H${new_end},'KPI実績'!$A$1:$H${new_kpi}"

    def test_text_that_looks_like_a_formula_stays_text(self, project):
        from okaxl.master.writer import CellChange, verify, write_changes

        tables = read_master(project.master)
        target = project.master.with_name("out.xlsx")
        value = "=SUM(A1:A3)"
        change = CellChange("実績", ("2-01", 2030, "津山市"), "取組実績", None, value)
        written = write_changes(project.master, target, tables, [change])
        assert verify(project.master, target, written) == []
        (row,) = written.added_rows["実績"]
        ws = openpyxl.load_workbook(target)["実績"]
        assert ws[f"E{row}"].value == value and ws[f"E{row}"].data_type == "s"


SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
    b'<dimension ref="A1:C10"/><sheetData>'
    b'<row r="1" spans="1:3" x14ac:dyDescent="0.4"><c r="A1" s="1" t="inlineStr"><is><t>ID</t></is></c></row>'
    b'<row r="2" spans="1:3" s="7" customFormat="1" ht="40" customHeight="1" x14ac:dyDescent="0.4">'
    b'<c r="A2" s="2"><v>1</v></c><c r="B2" s="3"/><c r="C2" s="4"><f>A2*2</f><v>2</v></c></row>'
    b'<row r="10" x14ac:dyDescent="0.4"><c r="A10" s="9"/></row>'
    b"</sheetData></worksheet>"
)


class TestNewRows:
    """New <row> elements: in ascending order, looking like the row above."""

    def test_a_new_row_is_made_like_the_one_above(self):
        from okaxl.master.sheetxml import InlineStrings, Worksheet

        ws = Worksheet(SHEET)
        end = ws.end
        row = ws.new_row({1, 2})
        ws.set(row, 1, 2, InlineStrings())
        ws.grow(end, ws.end, 3)
        root = etree.fromstring(ws.to_bytes())
        rows = [(r.get("r"), r) for r in root.iter(f"{{{MAIN}}}row")]
        assert [r for r, _ in rows] == ["1", "2", "3", "10"]  # placed before the pre-existing row 10
        new = rows[2][1]
        x14ac = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac}dyDescent"
        assert new.get(x14ac) == "0.4" and new.get("s") == "7" and new.get("spans") == "1:3"
        assert new.get("ht") is None  # a height set for the row above's text is not copied
        cells = {c.get("r"): c for c in new}
        assert cells["A3"].get("s") == "2" and cells["A3"].find(f"{{{MAIN}}}v").text == "2"
        assert cells["B3"].get("s") == "3" and len(cells["B3"]) == 0
        assert cells["C3"].find(f"{{{MAIN}}}f").text == "A3*2"
        assert root.find(f"{{{MAIN}}}dimension").get("ref") == "A1:C10"
        assert root.get("{http://schemas.openxmlformats.org/markup-compatibility/2006}Ignorable") == "x14ac"

    def test_an_empty_sheet_range_from_the_first_data_row_grows(self):
        from okaxl.master.sheetxml import grow_area

        assert grow_area("G2:G2", 1, 5) == "G2:G5"  # a drop-down set for the first row of an empty sheet
        assert grow_area("$A$1:$H$43", 43, 50) == "$A$1:$H$50"
        assert grow_area("A1:H1", 43, 50) == "A1:H1" and grow_area("A60:H90", 43, 50) == "A60:H90"
        assert grow_area("A2:A3000", 43, 50) == "A2:A3000" and grow_area("A:H", 43, 50) == "A:H"

    def test_a_cell_made_in_a_row_takes_its_columns_style(self):
        """Excel does not write an empty cell that only carries its column's format."""
        from okaxl.master.sheetxml import InlineStrings, Worksheet

        data = (
            f'<worksheet xmlns="{MAIN}"><cols><col min="5" max="5" width="30" style="11" customWidth="1"/></cols>'
            '<sheetData><row r="1"><c r="A1" s="1"/></row><row r="2"><c r="A2" s="2"><v>1</v></c></row></sheetData></worksheet>'
        ).encode()
        ws = Worksheet(data)
        ws.set(2, 5, "継続", InlineStrings())
        row = ws.new_row({1, 5})
        ws.set(row, 5, "継続", InlineStrings())
        cells = {c.get("r"): c.get("s") for c in etree.fromstring(ws.to_bytes()).iter(f"{{{MAIN}}}c")}
        assert cells == {"A1": "1", "A2": "2", "E2": "11", "A3": "2", "E3": "11"}

    def test_a_record_in_a_hidden_blank_row_is_shown(self):
        from okaxl.master.sheetxml import Worksheet

        data = SHEET.replace(b'<row r="10" x14ac:dyDescent="0.4">', b'<row r="3" hidden="1"><c r="A3" s="2"/></row><row r="10" x14ac:dyDescent="0.4">')
        ws = Worksheet(data)
        assert ws.new_row({1}) == 3
        root = etree.fromstring(ws.to_bytes())
        row = next(r for r in root.iter(f"{{{MAIN}}}row") if r.get("r") == "3")
        assert row.get("hidden") is None
        assert [c.get("s") for c in row] == ["2", "3", "4"]  # its own A3, and B3, C3 from the row above


def test_a_memo_below_the_data_does_not_move_the_records(project, returns):
    """A note typed far below the data (outside the layout's columns) is not data: the records go
    right under the last row, and the ranges over the data grow to them."""
    book = openpyxl.load_workbook(project.master)
    book["実績"][f"K{returns['end'] + 20}"] = "メモ：R7 は要確認"
    book.save(project.master)
    assert run(project, "merge").exit_code == 0
    tables = read_master(project.master)
    rows = [i for i, r in zip(tables["実績"].index, records(tables["実績"]), strict=True) if r["年度"] == 2025 and r["市町"] == "津山市"]
    assert min(rows) == returns["end"] + 1 and rows == list(range(min(rows), max(rows) + 1))
    with Package.open(project.master) as package:
        sheet = xml(package.read(package.sheets()["実績"]))
    assert sheet.find(f"{{{MAIN}}}autoFilter").get("ref") == f"A1:H{max(rows)}"


@pytest.mark.parametrize("end", [None, 3])
def test_cells_that_do_not_name_themselves(end):
    """The OOXML lets a row or a cell leave out its reference ("r"): it is the one after the one
    before. The writer names each before it edits, whether or not it was told where the data ends."""
    from okaxl.master.sheetxml import InlineStrings, Worksheet

    data = (
        f'<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c><c t="inlineStr"><is><t>値</t></is></c></row>'
        '<row><c><v>1</v></c><c><v>10</v></c></row>'
        '<row r="3"><c r="B3"><v>20</v></c><c><v>30</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    ws = Worksheet(data, 1, end)
    ws.set(2, 2, 11, InlineStrings())
    ws.set(3, 3, 31, InlineStrings())
    root = etree.fromstring(ws.to_bytes())
    cells = {c.get("r"): c.findtext(f"{{{MAIN}}}v") for c in root.iter(f"{{{MAIN}}}c")}
    assert cells == {"A1": None, "B1": None, "A2": "1", "B2": "11", "B3": "20", "C3": "31"}
    assert ws.end == 3
