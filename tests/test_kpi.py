"""`okaxl kpi`: the KPI workbook's numbers are the master's, achievement is judged by the rule it
states, and its native charts are still there after LibreOffice opens and saves it."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.master import layout
from okaxl.master.reader import read_master
from okaxl.publish.kpi import KpiRow, kpi_rows
from okaxl.publish.office import convert
from okaxl.shell.cli import main
from tests.forms_helpers import fill, make_forms


def row(baseline, target, values, baseline_year=2020, target_year=2026):
    return KpiRow("K", "P", "事業", "指標", "人", baseline, baseline_year, target, target_year, values)


class TestAchievement:
    @pytest.mark.parametrize(
        ("kpi", "rate", "judged"),
        [
            (row(100, 200, {2023: 200}), 1.0, "達成"),
            (row(100, 200, {2023: 160}), 0.6, "順調"),  # 60 % done, half the time gone by
            (row(100, 200, {2025: 120}), 0.2, "要注意"),
            (row(50, 10, {2023: 30}), 0.5, "順調"),  # a decreasing indicator (火葬受入不能日数)
            (row(None, 40, {2023: 50}), 1.25, "達成"),  # no baseline: value / target
            (row(100, 200, {}), None, "未報告"),
        ],
    )
    def test_numbers(self, kpi, rate, judged):
        assert kpi.rate() is None if rate is None else kpi.rate() == pytest.approx(rate)
        assert kpi.judgement() == judged

    def test_words(self):
        assert row("－", "方針の決定", {2023: "方針の決定"}).judgement() == "達成"
        assert row("－", "完工", {2023: "工事中"}).judgement() == "要注意"
        steps = ("未着手", "検討中", "方針の決定", "実施中", "完了")
        for value, judged in (
            ("実施中", "達成"),  # past the target step
            ("検討中", "順調"),
            ("未着手", "要注意"),
        ):
            kpi = row("－", "方針の決定", {2023: value})
            kpi.choices = steps
            assert kpi.judgement() == judged, value
        facility = row("－", "施設稼働", {2023: "完了"})  # a target not among the steps: the last one
        facility.choices = steps
        assert facility.judgement() == "達成"


@pytest.mark.office
def test_the_workbook(project, tmp_path):
    """After a town's FY2025 return is merged: the numbers are the master's, the charts survive."""
    forms = make_forms(project, towns=("津山市",))
    assert (
        CliRunner()
        .invoke(
            main,
            [
                "merge",
                str(fill(forms["津山市"], project.inbox / forms["津山市"].name, kpi=7)),
                "--config",
                str(project.path),
            ],
        )
        .exit_code
        == 0
    )
    out = tmp_path / "kpi.xlsx"
    result = CliRunner().invoke(main, ["kpi", "--output", str(out), "--config", str(project.path)])
    assert result.exit_code == 0, result.output
    model = read_master(project.master)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["集計", "第1期", "第2期", "市町別", "グラフ用_第1期", "グラフ用_第2期"]
    for period in ("第1期", "第2期"):
        ws = book[period]
        heads = [c.value for c in ws[1]]
        years = model.fiscal_years(period)
        rows = {r.kpi_id: r for r in kpi_rows(model)[period]}
        for number in range(2, ws.max_row + 1):
            kpi = [
                r
                for r in rows.values()
                if r.indicator == ws.cell(number, 3).value and r.project_id == ws.cell(number, 1).value
            ]
            assert kpi
            for offset, year in enumerate(years):
                shown = ws.cell(number, 7 + offset).value
                area = model.kpi_value(kpi[0].kpi_id, layout.AREA, year)
                expected = (
                    area["現状値"]
                    if area and area["年度"] == year and area["現状値"] not in ("－", "-", "—")
                    else None
                )
                assert shown == expected, (period, number, heads[6 + offset])
    counts = {r[0]: r[1:] for r in book["集計"].iter_rows(min_row=4, max_row=5, values_only=True)}
    assert {p: c[0] for p, c in counts.items()} == {"第1期": 47, "第2期": len(kpi_rows(model)["第2期"])}
    assert all(c[0] == sum(c[1:]) for c in counts.values())  # every KPI judged once
    town_sheet = book["市町別"]
    assert any(r[2] == "津山市" and 7 in r for r in town_sheet.iter_rows(min_row=2, values_only=True))
    # ファジアーノ's chart: its series, and its baseline and target as flat lines over the years
    data = {r[0]: r[1:] for r in book["グラフ用_第1期"].iter_rows(min_row=2, values_only=True)}
    fagiano = model.kpis["1-24-K1"]
    years = model.fiscal_years("第1期")
    assert data["基準値（「ファジアーノ岡山」ホー）"] == (8404,) * len(years)
    assert data["目標値（「ファジアーノ岡山」ホー）"] == (12000,) * len(years)
    assert data[fagiano["指標"][:24]][0] == 10017  # 平成28年度, seed 000
    assert data[fagiano["指標"][:24]] == tuple(
        v["現状値"] if (v := model.kpi_value("1-24-K1", layout.AREA, y)) and v["年度"] == y else None
        for y in years
    )
    with zipfile.ZipFile(out) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert any(b'prstDash val="dash"' in archive.read(n) for n in charts)
    assert len(charts) >= 5
    resaved = convert(out, "xlsx", tmp_path / "lo")
    with zipfile.ZipFile(resaved) as archive:
        assert len([n for n in archive.namelist() if n.startswith("xl/charts/chart")]) == len(charts)
    # a doubt about what was published (11,493人 beside 15,300千人) is a comment, the value as printed
    first = book["第1期"]
    tourism = next(n for n in range(2, first.max_row + 1) if first.cell(n, 1).value == "1-09" and first.cell(n, 3).value == "観光入込客数")
    assert first.cell(tourism, 5).value.startswith("11,493人")
    assert "単位の表記" in first.cell(tourism, 3).comment.text
    assert first.cell(tourism, 3).comment.text.endswith(model.kpis["1-09-K2"]["備考"])
