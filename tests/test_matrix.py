"""The 取組状況一覧 reproduces the published participation tables at their own dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.publish.matrix import build_matrix
from okaxl.shell.cli import main
from tests.seeds import TOWNS, annex_table, table_001


def _matrix_rows(tables, date):
    return [(r.name, r.towns) for r in build_matrix(tables, date).rows]


class TestPublishedTables:
    """As of each document's date, the master gives that document's rows and marks."""

    def test_seed_001_on_2025_04_01(self, tables):
        expected = [(name, towns) for _, name, towns in table_001()]
        assert len(expected) == 47
        assert _matrix_rows(tables, dt.date(2025, 4, 1)) == expected

    def test_seed_001_measures_on_2025_04_01(self, tables):
        matrix = build_matrix(tables, dt.date(2025, 4, 1))
        assert [r.measure for r in matrix.rows] == [m for m, _, _ in table_001()]
        assert matrix.project_count == 46  # the 災害ボランティア row is an excerpt, not a project

    @pytest.mark.parametrize(
        ("prefix", "date", "count", "corrected"),
        [
            ("002", dt.date(2024, 3, 31), 44, 6),
            ("003", dt.date(2026, 3, 31), 48, 12),
        ],
    )
    def test_revision_tables(self, tables, prefix, date, count, corrected):
        expected, fixed = annex_table(prefix)
        matrix = build_matrix(tables, date)
        assert [(r.name, r.towns) for r in matrix.rows] == [(n, t) for n, t, _ in expected]
        assert [r.page for r in matrix.rows] == [p for _, _, p in expected]
        assert matrix.project_count == count
        assert len(fixed) == corrected  # every damaged row is named in tests/seeds.py

    def test_no_projects_before_or_between_periods(self, tables):
        assert build_matrix(tables, dt.date(2015, 4, 1)).rows == ()
        assert len(build_matrix(tables, dt.date(2017, 10, 1)).rows) == 42

    def test_a_town_outside_its_dates_is_left_out(self, tables):
        rows = {r.name: r.towns for r in build_matrix(tables, dt.date(2026, 3, 31)).rows}
        before = {r.name: r.towns for r in build_matrix(tables, dt.date(2026, 2, 28)).rows}
        assert "赤磐市" not in rows["救急安心センター事業"]
        assert "赤磐市" in before["救急安心センター事業"]


def _read_matrix_sheet(path: Path):
    """(measure, project, towns) rows and the town header, read back from a written matrix."""
    ws = openpyxl.load_workbook(path).active
    merged = {}
    for rng in ws.merged_cells.ranges:
        for row in range(rng.min_row, rng.max_row + 1):
            merged[(row, rng.min_col)] = ws.cell(rng.min_row, rng.min_col).value
    rows, heads, measure = [], [], None
    for row in range(1, ws.max_row + 1):
        first, second = ws.cell(row, 1).value, ws.cell(row, 2).value
        if second == "主な取組内容":
            heads.append((first, tuple(ws.cell(row, 3 + i).value for i in range(12))))
            continue
        if second and row > 6:
            measure = merged.get((row, 1), first) or measure
            towns = frozenset(t for i, t in enumerate(TOWNS) if ws.cell(row, 3 + i).value == "●")
            rows.append((measure, second, towns))
    return ws, rows, heads


class TestMatrixWorkbook:
    """The written workbook is seed 001 cell for cell, and print-ready."""

    def test_written_matrix_equals_seed_001(self, project):
        result = CliRunner().invoke(
            main,
            [
                "matrix",
                "--as-of",
                "令和7年4月1日",
                "--config",
                str(project.path),
                "--output",
                str(project.output / "m.xlsx"),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "46事務事業" in result.output
        ws, rows, heads = _read_matrix_sheet(project.output / "m.xlsx")
        assert rows == table_001()
        # seed 001 heads the first block 連携取組 and the others 連携施策; a block that runs over a
        # page repeats its own header at the top of the next
        assert heads[0] == ("連携取組", TOWNS) and set(heads[1:]) == {("連携施策", TOWNS)}
        assert len(heads) == len(ws.row_breaks.brk) + 1
        assert ws["A1"].value == "岡山市と連携市町との取組状況一覧"
        assert ws["A2"].value == "(令和7年4月1日現在)"

    def test_print_settings(self, project):
        runner = CliRunner()
        out = project.output / "m.xlsx"
        runner.invoke(main, ["matrix", "--config", str(project.path), "--output", str(out)])
        ws = openpyxl.load_workbook(out).active
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows is None  # each page carries its own block's header instead
        assert ws["B8"].font.name == project.print.font
        assert len(ws.row_breaks.brk) >= 2  # one block per pillar, at least
        assert all(ws.cell(b.id + 1, 2).value == "主な取組内容" for b in ws.row_breaks.brk)
        assert any(r.max_row > r.min_row for r in ws.merged_cells.ranges)  # measure cells merged


class TestTownView:
    """One town's view lists the projects it takes part in on the date, with pillar and page."""

    def test_wake_on_2024_03_31(self, project, tables):
        out = project.output / "wake.xlsx"
        result = CliRunner().invoke(
            main,
            [
                "matrix",
                "--as-of",
                "2024-03-31",
                "--town",
                "和気町",
                "--config",
                str(project.path),
                "--output",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        expected, _ = annex_table("002")
        want = [(n, p) for n, towns, p in expected if "和気町" in towns]
        ws = openpyxl.load_workbook(out).active
        got = [(ws.cell(r, 3).value, ws.cell(r, 4).value) for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value]
        assert got == want
        assert ws.cell(5, 1).value == "圏域全体の経済成長のけん引"
        names = {n for n, _ in want}
        twice = {"市民協働事業の推進（災害ボランティア）", "市民協働事業の推進"} <= names  # an excerpt and its source
        assert f"{len(want) - twice}事務事業" in ws["A2"].value
        # read like the matrix: landscape, each 分野 and 連携取組 label once over its projects
        assert ws.page_setup.orientation == "landscape"
        merged = {(m.min_col, m.min_row, m.max_row) for m in ws.merged_cells.ranges}
        assert any(col == 1 and last > first for col, first, last in merged)
        assert any(col == 2 and last > first for col, first, last in merged)
        labels = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value and ws.cell(r, 1).value]
        assert len(labels) == len(set(labels)) + len(ws.row_breaks.brk)  # repeated only after a page break

    def test_an_excerpt_is_not_counted_and_a_missing_page_is_explained(self, project):
        out = project.output / "bizen.xlsx"
        result = CliRunner().invoke(
            main, ["matrix", "--as-of", "2025-04-01", "--town", "備前市", "--config", str(project.path), "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        ws = openpyxl.load_workbook(out).active
        names = [ws.cell(r, 3).value for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value]
        assert "市民協働事業の推進（災害ボランティア）" in names and "市民協働事業の推進" in names
        assert f"{len(names) - 1}事務事業" in ws["A2"].value and f"{len(names) - 1}事務事業" in result.output
        pages = {ws.cell(r, 3).value: ws.cell(r, 4).value for r in range(5, ws.max_row + 1)}
        assert pages["出会い・結婚サポート"] == "—"
        notes = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("※")]
        assert any("一部を別の行に掲げた" in n for n in notes) and any("「—」" in n for n in notes)

    def test_full_width_space_in_town_name_is_tolerated(self, project):
        result = CliRunner().invoke(
            main,
            [
                "matrix",
                "--town",
                "真庭市　",
                "--config",
                str(project.path),
                "--output",
                str(project.output / "t.xlsx"),
            ],
        )
        assert result.exit_code == 0, result.output


class TestBadInput:
    """A bad date or town name gets a Japanese message and exit status 2, never a traceback."""

    @pytest.mark.parametrize(
        "args",
        [
            ["--as-of", "2025-13-01"],
            ["--as-of", "令和7年2月30日"],
            ["--as-of", "きのう"],
            ["--town", "和气町"],
            ["--town", "津山"],
            ["--town", "岡山市"],
            ["--as-of", "1990-04-01"],
        ],
    )
    def test_exit_2_with_message(self, project, args):
        result = CliRunner().invoke(main, ["matrix", *args, "--config", str(project.path)])
        assert result.exit_code == 2
        assert "エラー:" in result.output and "Traceback" not in result.output

    def test_suggests_the_town_meant(self, project):
        result = CliRunner().invoke(main, ["matrix", "--town", "和气町", "--config", str(project.path)])
        assert "「和気町」のことですか" in result.output

    def test_missing_master(self, project):
        project.master.unlink()
        result = CliRunner().invoke(main, ["matrix", "--config", str(project.path)])
        assert result.exit_code == 2
        assert "マスターブック" in result.output and "見つかりません" in result.output


@pytest.mark.parametrize("area", [(2, 2, 2, 5), (2, 2, 6, 2), (3, 1, 5, 4), (1, 1, 1, 1)])
def test_merge_styles_the_covered_cells_as_openpyxl_does(area):
    """sheets.merge (each covered cell's look made once) against openpyxl's own merge_cells: the
    same ranges, and every cell the same value and style (its border and protection), twice over
    (the second merge takes its looks from what the first made)."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Protection, Side

    from okaxl.publish.sheets import merge

    def sheet(book, offset):
        ws = book.create_sheet()
        for row in range(1, 9):
            for column in range(1, 7):
                ws.cell(row=row, column=column, value=f"{row}-{column}")
        thin, thick = Side(style="thin"), Side(style="thick", color="FF0000")
        start = ws.cell(row=area[0], column=area[1])
        start.border = Border(left=thin, top=thick, right=thin, bottom=thin)
        start.protection = Protection(locked=False)
        ws.cell(row=area[2], column=area[3]).border = Border(right=thick, bottom=thick)
        return ws

    book = Workbook()
    for offset in (0, 1):
        ours, theirs = sheet(book, offset), sheet(book, offset)
        merge(ours, *area)
        theirs.merge_cells(start_row=area[0], start_column=area[1], end_row=area[2], end_column=area[3])
        assert [str(r) for r in ours.merged_cells.ranges] == [str(r) for r in theirs.merged_cells.ranges]
        for a, b in zip(ours.iter_rows(), theirs.iter_rows(), strict=True):
            for x, y in zip(a, b, strict=True):
                # one book: a look is one entry of its style lists, so equal looks have one id
                assert (type(x), x.value, x.style_id) == (type(y), y.value, y.style_id), x.coordinate
