"""Every workbook okaxl writes has sheet titles Excel accepts: unique (without regard to case),
at most 31 characters, none of [ ] : * ? / \\ (Excel repairs a file that breaks this)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.master.package import Package
from okaxl.publish.titles import Titles, sheet_title
from okaxl.shell.cli import main
from tests.forms_helpers import fill, make_forms

LONG = "圏域全体の生活関連機能サービスの向上に資する広域的な連携による取組"  # 35 characters


def titles(path: Path) -> list[str]:
    """The titles as the file holds them (workbook.xml), not as a library would repair them."""
    with Package.open(path) as package:
        return list(package.sheets())


def assert_excel_accepts(path: Path) -> None:
    names = titles(path)
    assert names, path
    assert len({n.casefold() for n in names}) == len(names), (path.name, names)
    for name in names:
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\"), (path.name, name)


class TestSheetTitle:
    def test_cut_to_31_and_made_unique(self):
        first = sheet_title(f"P16 {LONG}その一", [])
        second = sheet_title(f"P16 {LONG}その二", [first])
        assert len(first) == 31 and len(second) == 31 and first != second and second.endswith("(2)")
        assert sheet_title(f"P16 {LONG}その三", [first, second]).endswith("(3)")

    def test_titles_given_out_one_by_one_are_the_same(self):
        """Titles (a workbook of thousands of sheets) gives what sheet_title gives for each in turn."""
        names = [f"P16 {LONG}その{k}" for k in range(5)] + ["目次", "ＭＯＫＵＪＩ", "mokuji", "Mokuji"]
        given, taken = Titles(["目次"]), ["目次"]
        for name in names:
            expected = sheet_title(name, taken)
            assert given.new(name) == expected
            taken.append(expected)
        assert len({t.casefold() for t in taken}) == len(taken)

    def test_case_and_forbidden_characters(self):
        assert sheet_title("KPI", ["kpi"]) == "KPI(2)"
        assert sheet_title("'[R7]/実績:集計?*'", []) == "R7実績集計"
        assert sheet_title("::", []) == "Sheet"


def _run(project, *args):
    result = CliRunner().invoke(main, [*map(str, args), "--config", str(project.path)])
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.mark.shipped_templates
def test_every_workbook_okaxl_writes(project, tmp_path):
    out = tmp_path / "out"
    written: list[Path] = []
    # return forms for every town, one of them returned with problems: feedback and 回収状況
    forms = make_forms(project, towns=("津山市", "玉野市", "備前市"))
    written += forms.values()
    bad = fill(forms["津山市"], project.inbox / forms["津山市"].name, kpi="たくさん")
    _run(project, "check", bad)
    written += sorted((project.output / "指摘").glob("*.xlsx"))
    assert any(p.name == "回収状況_令和7年度.xlsx" for p in written)
    # published documents
    for args, name in (
        (("matrix", "--as-of", "2026-03-31"), "matrix.xlsx"),
        (("matrix", "--town", "備前市"), "town.xlsx"),
        (("annex", "--town", "備前市"), "annex.xlsx"),
        (("progress", "--year", "H29"), "progress_h29.xlsx"),
        (("progress", "--year", "R7"), "progress_r7.xlsx"),
        (("validate",), "report.xlsx"),
    ):
        _run(project, *args, "--output", out / name)
        written.append(out / name)
    # a revision whose two changed projects share a page and a long name
    new = tmp_path / "new.xlsx"
    shutil.copy2(project.master, new)
    book = openpyxl.load_workbook(new)
    ws = book["事業"]
    for row in range(2, ws.max_row + 1):
        if ws[f"A{row}"].value in ("2-16", "2-17"):
            ws[f"E{row}"] = f"{LONG}（{ws[f'A{row}'].value}）"
            ws[f"I{row}"] = "目的を改めた。"
    book.save(new)
    _run(project, "revision", project.master, new, "--output", out / "revision.xlsx")
    written.append(out / "revision.xlsx")
    assert len([t for t in titles(out / "revision.xlsx") if t.startswith("P16 ")]) == 2
    for path in written:
        assert_excel_accepts(path)
