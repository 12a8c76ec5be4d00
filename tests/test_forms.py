"""Return forms generated from the real master: the right projects, protected, signed."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.master.build import write_master
from okaxl.master.model import Model
from okaxl.master.reader import read_master
from okaxl.master.tables import frame, records
from okaxl.publish.page import balanced_pages, row_height
from okaxl.returns import formlayout
from okaxl.shell.cli import main
from tests.forms_helpers import make_forms


def _cells(area: str) -> list[str]:
    first, _, last = area.partition(":")
    letter = first[0]
    return [f"{letter}{n}" for n in range(int(first[1:]), int((last or first)[1:]) + 1)]


def _participating(tables, town, year):
    first, last = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    ids = {
        r["事業ID"]
        for r in records(tables["参加"])
        if r["市町"] == town and r["開始日"] <= last and (r["終了日"] is None or r["終了日"] >= first)
    }
    rows = [
        r
        for r in records(tables["事業"])
        if r["事業ID"] in ids and r["開始日"] <= last and (r["終了日"] is None or r["終了日"] >= first)
    ]
    # an excerpt row (抜粋元) is the same work as its source: asked once, under the source
    listed = {r["事業ID"] for r in rows}
    return [r["事業ID"] for r in rows if not (r.get("抜粋元") and str(r["抜粋元"]) in listed)]


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    from tests.conftest import ROOT

    base = tmp_path_factory.mktemp("forms")
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace("~/.okaxl/form_key", "secret/form_key")
    (base / "config.toml").write_text(text, encoding="utf-8")
    (base / "workbooks").mkdir()
    import shutil

    shutil.copy2(ROOT / "workbooks" / "master.xlsx", base / "workbooks" / "master.xlsx")
    from okaxl.config import load_config

    config = load_config(base / "config.toml")
    result = CliRunner().invoke(main, ["forms", "--year", "R7", "--config", str(config.path)])
    assert result.exit_code == 0, result.output
    return config


class TestContent:
    """Each town's form lists exactly the projects it takes part in that year, with their KPIs."""

    def test_one_file_per_town_named_for_people(self, forms):
        names = sorted(p.name for p in (forms.output / "R7_回答様式").iterdir())
        assert len(names) == 12 and "R7_津山市_回答様式.xlsx" in names

    @pytest.mark.parametrize("town", ["津山市", "赤磐市", "早島町", "吉備中央町"])
    def test_projects_of_the_town(self, forms, town):
        tables = read_master(forms.master)
        ws = openpyxl.load_workbook(forms.output / "R7_回答様式" / f"R7_{town}_回答様式.xlsx")[
            formlayout.PROJECTS
        ]
        listed = [ws[f"A{r}"].value for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value]
        assert listed == _participating(tables, town, 2025)
        # 赤磐市 left 救急安心センター事業 in 2026-02: it still reports for FY2025
        if town == "赤磐市":
            assert "2-48" in listed
        kpis = openpyxl.load_workbook(forms.output / "R7_回答様式" / f"R7_{town}_回答様式.xlsx")[
            formlayout.KPIS
        ]
        kpi_projects = {
            str(kpis[f"A{r}"].value).rsplit("-K", 1)[0]
            for r in range(formlayout.FIRST_ROW, kpis.max_row + 1)
            if kpis[f"A{r}"].value
        }
        assert kpi_projects <= set(listed)

    def test_the_latest_figures_are_prefilled(self, project):
        """Not only last year's: the latest before the form's year (the seeds have none for FY2024),
        and where a town reported nothing yet, the baseline; each with the year it is of."""
        tables = read_master(project.master)
        results = [
            *records(tables["実績"]),
            {"事業ID": "2-01", "年度": 2023, "市町": "玉野市", "取組実績": "交流会を2回開いた。"},
        ]
        values = [
            *records(tables["KPI実績"]),
            {"KPI_ID": "2-07-K1", "年度": 2023, "市町": "真庭市", "現状値": 3000},
        ]
        tables.frames["実績"] = frame("実績", results)
        tables.frames["KPI実績"] = frame("KPI実績", values)
        write_master(tables, project.master)
        paths = make_forms(project, towns=("玉野市", "真庭市"))
        projects = openpyxl.load_workbook(paths["玉野市"])[formlayout.PROJECTS]
        row = next(r for r in range(5, projects.max_row + 1) if projects[f"A{r}"].value == "2-01")
        assert projects[f"G{row}"].value == "（R5年度）交流会を2回開いた。"
        kpis = openpyxl.load_workbook(paths["真庭市"])[formlayout.KPIS]
        row = next(r for r in range(5, kpis.max_row + 1) if kpis[f"A{r}"].value == "2-07-K1")
        assert kpis[f"F{row}"].value == 3000 and kpis[f"H{row}"].value == "人"
        assert kpis[f"F{row}"].number_format == '#,##0"（R5年度）"'  # beside it, the number stays a number
        model = read_master(project.master)
        baselines = 0
        for r in range(5, kpis.max_row + 1):
            kpi = model.kpis.get(str(kpis[f"A{r}"].value))
            if (
                kpi
                and isinstance(kpi["基準値"], int | float)
                and not model.kpi_value(kpi["KPI_ID"], "真庭市", 2025, before=True)
                and not model.kpi_value(kpi["KPI_ID"], "圏域全体", 2025, before=True)
            ):
                assert kpis[f"F{r}"].value == kpi["基準値"] and "基準値" in kpis[f"F{r}"].number_format
                baselines += 1
        assert baselines


class TestProtection:
    """Only the input cells can be changed; everything is protected; metadata is very hidden."""

    def test_only_inputs_unlocked(self, forms):
        book = openpyxl.load_workbook(forms.output / "R7_回答様式" / "R7_津山市_回答様式.xlsx")
        assert book.security.lockStructure
        for ws in book.worksheets:
            assert ws.protection.sheet
            inputs = {c.letter for c in formlayout.ANSWER_SHEETS.get(ws.title, ()) if c.field}
            for row in ws.iter_rows():
                for cell in row:
                    unlocked = not cell.protection.locked
                    expected = cell.column_letter in inputs and cell.row >= formlayout.FIRST_ROW
                    assert unlocked == expected, (ws.title, cell.coordinate)

    def test_validations(self, forms):
        book = openpyxl.load_workbook(forms.output / "R7_回答様式" / "R7_津山市_回答様式.xlsx")
        kinds = {
            (dv.type, str(dv.sqref).split(":")[0][0])
            for dv in book[formlayout.KPIS].data_validations.dataValidation
        }
        assert ("decimal", "G") in kinds
        rules = book[formlayout.PROJECTS].data_validations.dataValidation
        lists = [dv for dv in rules if dv.type == "list"]
        assert lists and lists[0].formula1 == '"継続,検討中,終了予定"' and lists[0].prompt
        assert any(dv.type == "textLength" and dv.formula1 == "400" for dv in rules)
        assert all(dv.showErrorMessage and dv.error for dv in rules)

    @pytest.mark.parametrize("town", ["津山市", "備前市", "和気町", "赤磐市"])
    def test_each_town_is_asked_only_the_kpis_it_reports(self, forms, town):
        """A KPI only the hub measures (旧銀ビル前の歩行者数) is not asked of the towns; a KPI
        answered in words takes its stage from a drop-down of the master's choices."""
        model = Model.of(read_master(forms.master))
        book = openpyxl.load_workbook(forms.output / "R7_回答様式" / f"R7_{town}_回答様式.xlsx")
        ws = book[formlayout.KPIS]
        asked = {
            str(ws[f"A{r}"].value): r for r in range(formlayout.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value
        }
        listed = set(_participating(read_master(forms.master), town, 2025))
        expected = {
            k
            for k, kpi in model.kpis.items()
            if kpi["事業ID"] in listed and (model.reporters(k) is None or town in model.reporters(k))
        }
        assert set(asked) == expected
        assert "2-09-K1" not in asked and "2-09-K2" not in asked
        lists = {
            cell: dv.formula1
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
            for area in str(dv.sqref).split()
            for cell in _cells(area)
        }
        for kpi_id, row in asked.items():
            words = model.kpi_choices(kpi_id)
            if words:
                assert lists[f"G{row}"] == '"' + ",".join(words) + '"', kpi_id
            else:
                assert f"G{row}" not in lists, kpi_id
        meta = {r[0].value: r[1].value for r in book[formlayout.META].iter_rows()}
        worded = json.loads(meta.get("kpi_choices") or "{}")
        assert worded == {k: list(model.kpi_choices(k)) for k in asked if model.kpi_choices(k)}

    def test_an_excerpt_is_asked_once_under_its_source(self, forms):
        """災害ボランティア (2-28) is printed as an excerpt of 2-39: a town in both answers 2-39 only."""
        ws = openpyxl.load_workbook(forms.output / "R7_回答様式" / "R7_津山市_回答様式.xlsx")[formlayout.PROJECTS]
        listed = [ws[f"A{r}"].value for r in range(formlayout.FIRST_ROW, ws.max_row + 1)]
        assert "2-39" in listed and "2-28" not in listed

    def test_metadata(self, forms):
        book = openpyxl.load_workbook(forms.output / "R7_回答様式" / "R7_津山市_回答様式.xlsx")
        meta = book[formlayout.META]
        assert meta.sheet_state == "veryHidden"
        values = {r[0].value: r[1].value for r in meta.iter_rows()}
        assert values["town"] == "津山市" and values["fiscal_year"] == "2025" and len(values["hmac"]) == 64
        assert all(isinstance(v, str) for v in values.values())
        props = {p.name: p.value for p in book.custom_doc_props.props}
        assert props["okaxl_form_id"] == values["form_id"] and props["okaxl_hmac"] == values["hmac"]
        assert json.loads(values["rows"])[formlayout.PROJECTS][0].startswith("2-")

    def test_issued_copy_kept(self, forms):
        assert len(list(forms.forms.issued.glob("2025-*.xlsx"))) == 12

    def test_key_is_outside_the_repository_and_private(self, forms):
        assert forms.forms.key_file.is_file()
        assert forms.forms.key_file.stat().st_mode & 0o077 == 0


def test_cover_sheet(forms):
    ws = openpyxl.load_workbook(forms.output / "R7_回答様式" / "R7_和気町_回答様式.xlsx")[formlayout.COVER]
    values = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(1, ws.max_row + 1)}
    assert values["市町"] == "和気町" and values["年度"] == "令和7年度"
    assert values["提出期限"] == "令和8年5月29日" and "政策企画課" in values["問い合わせ先"]


def test_year_outside_every_period(project):
    result = CliRunner().invoke(main, ["forms", "--year", "2030", "--config", str(project.path)])
    assert result.exit_code == 2 and "期" in result.output


def test_long_metadata_is_split_across_cells():
    """A form for thousands of projects: the row list outgrows one cell, and still reads back whole."""
    from okaxl.returns.formlayout import CELL_TEXT, metadata_cells, metadata_from_cells

    rows = json.dumps({"事業の回答": [f"2-{n:04d}" for n in range(9000)]})
    metadata = {"form_id": "x", "rows": rows}
    cells = list(metadata_cells(metadata))
    assert len(cells) > 2 and all(len(text) <= CELL_TEXT for _, text in cells)
    assert metadata_from_cells(cells) == metadata


def test_an_arrow_stage_reads_as_the_stage_it_continues(project, tables):
    """The master keeps 「→」 as the annex prints it; a person reads 実施 (2-14's FY2025 plan)."""
    assert {r["工程"] for r in records(tables["工程"]) if r["事業ID"] == "2-14" and r["年度"] == 2025} == {
        "→"
    }
    form = openpyxl.load_workbook(make_forms(project, towns=("津山市",))["津山市"])[formlayout.PROJECTS]
    (stage,) = [form[f"E{r}"].value for r in range(5, form.max_row + 1) if form[f"A{r}"].value == "2-14"]
    assert stage.startswith("実施（") and "→" not in stage


def _layout_cost(heights, starts, first, later):
    """The unused room, squared and summed over the pages; None when a page of two or more rows
    overflows. In hundredths of a point, as balanced_pages counts (floats disagree at exact fits)."""
    bounds = [0, *starts, len(heights)]
    cost = 0
    for number, (a, b) in enumerate(itertools.pairwise(bounds)):
        room = math.floor((first if number == 0 else later) * 100)
        load = sum(round(h * 100) for h in heights[a:b])
        if b <= a or (load > room and b - a > 1):
            return None
        cost += (room - load) ** 2
    return cost


def test_page_breaks_share_rows_out_evenly_on_the_fewest_pages():
    """balanced_pages against every way of breaking small tables: as few pages as any layout that
    fits, and among those the most even (least squared unused room)."""
    chance = random.Random(7)
    for trial in range(600):
        heights = [
            chance.choice([30, 45, 61.2, 90, 147, 250, *(row_height(k) for k in range(1, 10))])
            for _ in range(chance.randint(1, 11))
        ]
        first, later = chance.choice([150, 200, 240]), 240
        if trial % 2:  # pages that some rows fill exactly, to the last hundredth of a point
            a = chance.randrange(len(heights))
            later = sum(heights[a : chance.randint(a + 1, len(heights))])
            first = later - chance.choice([0, 30.6, 47.2])
        layouts = [
            (len(cut), cost, list(cut))
            for pages in range(len(heights))
            for cut in itertools.combinations(range(1, len(heights)), pages)
            if (cost := _layout_cost(heights, cut, first, later)) is not None
        ]
        fewest = min(n for n, _, _ in layouts)
        best = min(cost for n, cost, _ in layouts if n == fewest)
        starts = balanced_pages(heights, first, later)
        assert len(starts) == fewest, heights
        assert _layout_cost(heights, starts, first, later) == pytest.approx(best), (heights, first, starts)
