"""The one model of the master: what every consumer asks (towns, periods, who takes part), and a
master that grows a third vision period without a change to the code."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.master import layout
from okaxl.master.model import Model
from okaxl.master.package import Package
from okaxl.master.reader import read_master
from okaxl.publish.matrix import build_matrix
from okaxl.shell.cli import main
from okaxl.validate.run import validate
from tests.conftest import MASTER
from tests.seeds import TOWNS

TODAY = dt.date(2028, 3, 31)


def run(project, *args):
    return CliRunner().invoke(main, [*map(str, args), "--config", str(project.path)])


class TestModel:
    def test_towns_and_periods_come_from_the_master(self, tables):
        model = Model.of(tables)
        assert model.towns == tuple(TOWNS)
        assert model.periods == {"第1期": (2016, 2021), "第2期": (2022, 2026)}
        assert model.fiscal_years("第2期") == [2022, 2023, 2024, 2025, 2026]
        assert model.period_of(2019) == "第1期" and model.period_of(2030) is None

    def test_who_takes_part_is_one_answer(self, tables):
        """The matrix of a date and the towns of its fiscal year agree where nothing changed."""
        model = Model.of(tables)
        on = model.taking_part_on(dt.date(2025, 4, 1))
        matrix = build_matrix(tables, dt.date(2025, 4, 1))
        assert {r.project_id: set(r.towns) for r in matrix.rows} == {
            p["事業ID"]: set(on.get(p["事業ID"], {})) for p in model.projects_on(dt.date(2025, 4, 1))
        }
        during = model.taking_part_during(2025)
        for pid, towns in on.items():
            assert set(towns) <= set(during[pid])  # whoever takes part on a day of FY2025 takes part in it
        assert model.projects_of("備前市", 2025) == [pid for pid in model.projects if pid in model.projects_of("備前市", 2025)]


def _third_period(path):
    """The master with 第3期 (FY2027–2031) added by staff: a period, a measure, a project, a town
    taking part, its plan and page in a 2027 revision."""
    book = openpyxl.load_workbook(path)

    def add(sheet, **values):
        ws = book[sheet]
        headers = [c.value for c in ws[1]]
        ws.append([values.get(h) for h in headers])

    add("期", 期="第3期", 名称="第3期連携中枢都市圏ビジョン", 開始年度=2027, 終了年度=2031)
    add("施策", 期="第3期", 分野="Ⅰ", 施策名="圏域のデジタル化の推進")
    add(
        "事業",
        事業ID="3-01",
        期="第3期",
        分野="Ⅰ",
        施策="圏域のデジタル化の推進",
        事務事業名="行政手続のオンライン化",
        開始日=dt.datetime(2027, 4, 1),
        事業目的="行政手続を圏域でオンライン化する。",
        事業費計=5000,
    )
    add("掲載", 事業ID="3-01", 事務事業名="行政手続のオンライン化", 改訂日=dt.datetime(2027, 3, 1), 掲載ページ=5)
    add("参加", 事業ID="3-01", 事務事業名="行政手続のオンライン化", 市町="津山市", 印="★", 開始日=dt.datetime(2027, 4, 1))
    for year in range(2027, 2032):
        add("工程", 事業ID="3-01", 年度=year, 工程="実施", 事業費=1000)
    add("役割", 事業ID="3-01", 主体="岡山市", 役割="仕組みを整える。")
    add("役割", 事業ID="3-01", 主体="連携市町", 役割="手続を移す。")
    book.save(path)


@pytest.mark.shipped_templates
def test_a_third_vision_period_needs_no_code_change(project, tmp_path):
    old = tmp_path / "old.xlsx"
    shutil.copy2(project.master, old)
    _third_period(project.master)
    model = read_master(project.master)
    assert model.periods["第3期"] == (2027, 2031) and "3-01" in model.projects_of("津山市", 2027)
    new_rows = {p.cell for p in validate(project.master, today=TODAY).problems if p.severity == "error"}
    assert not new_rows, new_rows
    out = tmp_path / "out"
    # forms for FY2027, the matrix of a 2027 date, the FY2027 progress sheets, the 2027 revision
    assert run(project, "forms", "--year", "R9", "--town", "津山市", "--output-dir", out).exit_code == 0
    form = openpyxl.load_workbook(next(out.glob("R9_津山市_*.xlsx")))
    assert [c.value for c in form["事業の回答"]["A"] if c.value == "3-01"] == ["3-01"]
    assert run(project, "matrix", "--as-of", "2027-04-01", "--output", out / "m.xlsx").exit_code == 0
    assert [r.towns for r in build_matrix(model, dt.date(2027, 4, 1)).rows if r.project_id == "3-01"] == [
        frozenset({"津山市"})
    ]
    assert run(project, "progress", "--year", "2027", "--output", out / "p.xlsx").exit_code == 0
    with Package.open(out / "p.xlsx") as package:
        assert any("行政手続のオンライン化" in title for title in package.sheets())
    result = run(project, "revision", old, project.master, "--output", out / "r.xlsx")
    assert result.exit_code == 0, result.output
    detail = openpyxl.load_workbook(out / "r.xlsx")
    sheet = next(ws for ws in detail.worksheets if "行政手続" in ws.title)
    shown = {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
    assert {"R9年度", "R13年度"} <= shown  # the plan columns are the new period's years


KEYED = [s for s in layout.SHEETS if s.key]


@pytest.mark.parametrize("sheet", [s.name for s in KEYED])
def test_a_duplicated_key_names_both_rows(tmp_path, sheet):
    """Every keyed sheet (入力項目's 項目ID too): a second row with the same key is an error that
    names both rows."""
    path = tmp_path / "master.xlsx"
    shutil.copy2(MASTER, path)
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    first = 2
    ws.append([c.value for c in ws[first]])
    second = ws.max_row
    book.save(path)
    found = [
        p
        for p in validate(path, today=dt.date(2026, 11, 26)).problems
        if p.sheet == sheet and p.code in ("KEY_DUPLICATE", "ID_DUPLICATE") and p.cell and p.cell.endswith(str(second))
    ]
    assert len(found) == 1, (sheet, found)
    assert found[0].severity == "error"
    assert str(first) in found[0].message  # the other row is named too
