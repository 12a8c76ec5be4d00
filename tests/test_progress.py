"""Progress sheets from the template, and the agreement annex, compared with the seeds."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import openpyxl
import pytest
from click.testing import CliRunner

from okaxl.publish.template import _shift_layout
from okaxl.shell.cli import main
from tests.forms_helpers import fill, make_forms
from tests.seeds import TOWNS, seed


def run(project, *args):
    return CliRunner().invoke(main, [*map(str, args), "--config", str(project.path)])


def _marks(ws) -> str:
    found = {}
    for row in ws.iter_rows():
        for cell in row:
            if (
                isinstance(cell.value, str)
                and len(cell.value) > 1
                and cell.value[0] in "□■★"
                and cell.value[1:] in TOWNS
            ):
                found[cell.value[1:]] = cell.value[0]
    return "".join(found.get(t, "?") for t in TOWNS)


def _seed_marks() -> Counter[str]:
    """The 42 marks lines of seed 000, as 12-character strings."""
    lines = seed("000").splitlines()
    marks = Counter()
    for i, line in enumerate(lines):
        if "※提案市町は★印" in line:
            text = lines[i - 1] + line
            marks["".join(re.search(rf"([□■★])\s*{t}", text).group(1) for t in TOWNS)] += 1
    return marks


@pytest.fixture(scope="module")
def fy2017(tmp_path_factory):
    from tests.conftest import ROOT

    out = tmp_path_factory.mktemp("progress") / "p.xlsx"
    result = CliRunner().invoke(
        main,
        ["progress", "--year", "平成29年度", "--output", str(out), "--config", str(ROOT / "config.toml")],
    )
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


class TestFirstPeriod:
    """FY2017: 42 sheets carrying seed 000's marks, KPIs, plan, results and issues."""

    def test_sheets(self, fy2017):
        assert fy2017.sheetnames[0] == "目次" and len(fy2017.sheetnames) == 43
        contents = fy2017["目次"]
        links = [
            contents.cell(r, 4).hyperlink.location or contents.cell(r, 4).hyperlink.target
            for r in range(4, 46)
        ]
        assert all(link for link in links)

    def test_marks_are_the_seeds(self, fy2017):
        got = Counter(_marks(fy2017[name]) for name in fy2017.sheetnames[1:])
        assert got == _seed_marks()

    def test_kpi_numbers_are_in_the_seed(self, fy2017):
        text = seed("000").replace(" ", "")
        checked = 0
        for name in fy2017.sheetnames[1:]:
            ws = fy2017[name]
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and re.search(r"（平成\d+年", cell.value):
                        for number in re.findall(
                            r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?", cell.value.split("\n")[0]
                        ):
                            assert number in text, (name, cell.coordinate, cell.value)
                            checked += 1
        assert checked > 60

    def test_no_placeholder_left(self, fy2017):
        for ws in fy2017.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert not (isinstance(cell.value, str) and "{{" in cell.value), (
                        ws.title,
                        cell.coordinate,
                    )

    def test_every_sheet_keeps_the_templates_layout(self, fy2017):
        """However many KPI rows a sheet has, the 今後の課題・改善点 column (narrow, at the right, as
        seed 000 prints it) runs from under its header down to the last KPI row, bordered and
        wrapped; the header keeps its fill; the title draws no border."""
        counts = Counter()
        for ws in fy2017.worksheets[1:]:
            (head,) = [c for row in ws.iter_rows() for c in row if c.value == "今後の課題・改善点"]
            assert head.coordinate == "M2" and head.fill.fgColor.rgb.endswith("DDEBF7"), ws.title
            kpi_rows = sorted(m.min_row for m in ws.merged_cells.ranges if m.min_col == 1 and m.max_col == 5 and m.min_row >= 13)
            assert kpi_rows == list(range(13, 13 + len(kpi_rows))), ws.title
            assert f"M3:M{kpi_rows[-1]}" in {str(m) for m in ws.merged_cells.ranges}, ws.title
            assert ws["M3"].alignment.wrap_text and ws.max_column == 13, ws.title
            assert all(ws.cell(r, 13).border.right.style == "thin" for r in range(3, kpi_rows[-1] + 1)), ws.title
            assert not any(getattr(getattr(c.border, side), "style", None) for c in ws[1] for side in ("left", "right", "top"))
            counts[len(kpi_rows)] += 1
        assert len(counts) >= 3  # sheets with 1, 2 and 3 or more KPIs were all checked

    def test_one_sheet_in_full(self, fy2017):
        ws = next(fy2017[n] for n in fy2017.sheetnames if "岡山型ヘルスツーリズム拠点化" in n)
        values = [c.value for row in ws.iter_rows() for c in row if c.value]
        assert "【連携分野：圏域全体の経済成長のけん引】" in values
        assert _marks(ws) == "□□□□□□★□□□□★"
        kpis = [
            v
            for v in values
            if isinstance(v, str) and v.startswith(("ムスリム観光客", "観光入込客数", "ハラル認証"))
        ]
        assert len(kpis) == 3
        assert "859人\n（平成27年度）" in values and "4,059人\n（平成32年度）" in values
        assert any(isinstance(v, str) and "地方創生" in v for v in values)  # 地法創生 repaired


@pytest.mark.shipped_templates
def test_kpis_in_their_order_not_the_sheets(project):
    """Staff sort the KPI sheet: a sheet's KPI rows stay in 順 order, as the forms list them."""
    master = openpyxl.load_workbook(project.master)
    ws = master["KPI"]
    heads = [c.value for c in ws[1]]
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, heads.index("事業ID") + 1).value == "1-09"]
    assert len(rows) == 3
    values = [[c.value for c in ws[r]] for r in rows]
    for r, row in zip(rows, reversed(values), strict=True):  # the project's rows, bottom up
        for column, value in enumerate(row, start=1):
            ws.cell(r, column, value)
    master.save(project.master)
    out = project.output / "p.xlsx"
    assert run(project, "progress", "--year", "H29", "--project", "1-09", "--output", out).exit_code == 0
    sheet = openpyxl.load_workbook(out).worksheets[1]
    shown = [c.value for c in sheet["A"] if isinstance(c.value, str) and c.value.startswith(("ムスリム観光客", "観光入込客数", "ハラル認証"))]
    by_order = sorted(values, key=lambda row: row[heads.index("順")])
    assert shown == [row[heads.index("指標")] for row in by_order] != [row[heads.index("指標")] for row in reversed(values)]


class TestSecondPeriod:
    @pytest.mark.shipped_templates
    def test_after_a_merge(self, project):
        master = openpyxl.load_workbook(project.master)
        values = master["KPI実績"]
        heads = [c.value for c in values[1]]
        values.append([{"KPI_ID": "2-49-K1", "年度": 2024, "市町": "津山市", "現状値": 1000}.get(h) for h in heads])
        master.save(project.master)
        forms = make_forms(project, towns=("津山市", "玉野市"))
        path = fill(forms["津山市"], project.inbox / forms["津山市"].name, results="津山市で研修を開いた。")
        book = openpyxl.load_workbook(path)
        kpis = book["KPIの回答"]
        # 研修の回数 of デジタル人材の育成 is 岡山市's to report: not asked, not missing from the towns
        assert not any(kpis[f"B{r}"].value == "デジタル人材の育成" for r in range(5, kpis.max_row + 1))
        row = next(r for r in range(5, kpis.max_row + 1) if kpis[f"B{r}"].value == "不当要求行為等への対応支援")
        kpis[f"G{row}"] = 1234
        book.save(path)
        assert run(project, "merge").exit_code == 0
        out = project.output / "r7.xlsx"
        wanted = ("デジタル人材の育成", "不当要求行為等への対応支援")
        result = run(project, "progress", "--year", "R7", *[a for w in wanted for a in ("--project", w)], "--output", out)
        assert result.exit_code == 0, result.output
        book = openpyxl.load_workbook(out)
        assert len(book.sheetnames) == 3
        digital, claims = (
            [c.value for row in book[name].iter_rows() for c in row if c.value] for name in book.sheetnames[1:]
        )
        sheet = book[book.sheetnames[1]]
        (head,) = [c for row in sheet.iter_rows() for c in row if c.value == "これまでの取組実績"]
        results = sheet.cell(head.row + 1, head.column).value
        assert "【津山市】津山市で研修を開いた。" in results
        assert "【玉野市】未報告" in results and "【岡山市】未報告" in results
        assert "岡山市 未報告" in digital  # the hub's count alone
        assert _marks(book[book.sheetnames[1]]) == "■■■■■■■■■■■■"
        current = next(v for v in claims if isinstance(v, str) and v.startswith("岡山市 ")).split("\n")
        assert "津山市 1,234人/年（R6 1,000 → R7 1,234）" in current  # the latest, and the series
        assert "玉野市 未報告" in current

    @pytest.mark.shipped_templates
    def test_a_series_under_the_latest_value(self, project):
        """A second year's area value: the sheet shows it with its year, and the period's series."""
        master = openpyxl.load_workbook(project.master)
        values = master["KPI実績"]
        heads = [c.value for c in values[1]]
        values.append([{"KPI_ID": "1-24-K1", "年度": 2018, "市町": "圏域全体", "現状値": 11000}.get(h) for h in heads])
        master.save(project.master)
        out = project.output / "h30.xlsx"
        result = run(project, "progress", "--year", "2018", "--project", "「ファジアーノ岡山」、「岡山シーガルズ」の支援", "--output", out)
        assert result.exit_code == 0, result.output
        ws = openpyxl.load_workbook(out).worksheets[1]
        shown = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert "11,000人\n推移 H28 10,017 → H30 11,000" in shown
        assert "3,172人\n（平成28年度）" in shown  # シーガルズ: one value, shown as before

    @pytest.mark.shipped_templates
    def test_unknown_project(self, project):
        result = run(project, "progress", "--year", "R7", "--project", "デジタル人材育成")
        assert result.exit_code == 2 and "「デジタル人材の育成」のことですか" in result.output


class TestTemplate:
    """Staff can restyle the template; a template that lost a placeholder is named."""

    def test_restyled_template_still_fills(self, project):
        from openpyxl.styles import Font, PatternFill

        templates = project.path.parent / "templates"
        templates.mkdir()
        from tests.conftest import ROOT

        shutil.copy2(ROOT / "templates" / "progress.xlsx", templates / "progress.xlsx")
        book = openpyxl.load_workbook(templates / "progress.xlsx")
        ws = book.active
        _shift_layout(ws, 0, 1)  # a logo row on top, inserted as Excel does (merges move down)
        ws.insert_rows(1)
        ws["A1"] = "岡山連携中枢都市圏（ロゴ）"
        ws["M4"].font = Font(name="メイリオ", size=14, bold=True)  # the issues column, restyled
        ws["M4"].fill = PatternFill("solid", fgColor="FFF2CC")
        ws.column_dimensions["A"].width = 20
        ws.column_dimensions["M"].width = 30
        book.save(templates / "progress.xlsx")
        out = project.output / "p.xlsx"
        result = run(project, "progress", "--year", "H29", "--project", "1-09", "--output", out)
        assert result.exit_code == 0, result.output
        filled = openpyxl.load_workbook(out)[openpyxl.load_workbook(out).sheetnames[1]]
        assert filled["A1"].value == "岡山連携中枢都市圏（ロゴ）"
        assert filled["A2"].value == "【連携分野：圏域全体の経済成長のけん引】"
        issues = next(
            c
            for row in filled.iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.startswith("・マレーシア")
        )
        assert issues.font.name == "メイリオ" and issues.fill.fgColor.rgb.endswith("FFF2CC")
        assert filled.column_dimensions["A"].width == 20 and filled.column_dimensions["M"].width == 30
        kpi_rows = [
            c.row
            for row in filled.iter_rows()
            for c in row
            if c.column == 1
            and isinstance(c.value, str)
            and c.value.startswith(("ムスリム観光客", "観光入込客数", "ハラル認証"))
        ]
        assert kpi_rows == [kpi_rows[0], kpi_rows[0] + 1, kpi_rows[0] + 2]
        assert f"M{issues.row}:M{kpi_rows[-1]}" in {str(m) for m in filled.merged_cells.ranges}

    def test_template_missing_a_placeholder(self, project):
        from tests.conftest import ROOT

        templates = project.path.parent / "templates"
        templates.mkdir()
        book = openpyxl.load_workbook(ROOT / "templates" / "progress.xlsx")
        for row in book.active.iter_rows():
            for cell in row:
                if cell.value == "{{取組実績}}":
                    cell.value = "取組実績"
        book.save(templates / "progress.xlsx")
        result = run(project, "progress", "--year", "H29")
        assert result.exit_code == 2 and "{{取組実績}}" in result.output and "テンプレート" in result.output

    def test_template_file_missing(self, project):
        result = run(project, "progress", "--year", "H29")
        assert result.exit_code == 2 and "テンプレート" in result.output


class TestAnnex:
    def test_bizen_is_seed_004(self, project):
        out = project.output / "annex.xlsx"
        result = run(project, "annex", "--town", "備前市", "--output", out)
        assert result.exit_code == 0, result.output
        ws = openpyxl.load_workbook(out).active
        text = re.sub(r"\s", "", seed("004"))
        cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        bodies = [v for v in cells if len(v) > 12 and not v.startswith(("連携中枢", "平成"))]
        assert len(bodies) >= 13 * 3
        for body in bodies:
            assert re.sub(r"\s", "", body.split("　", 1)[-1]) in text, body
        titles = [v for v in cells if v in ("取組内容", "甲の役割", "乙の役割")]
        assert len(titles) == 39
        assert cells.index("Ⅱ　高次の都市機能の集積・強化") < cells.index(
            "ＥＳＤによる人づくりとネットワーク化の推進"
        )

    def test_town_without_agreement(self, project):
        result = run(project, "annex", "--town", "津山市")
        assert result.exit_code == 2 and "津山市の連携協約書はマスターにありません" in result.output


def _published_values():
    """Every KPI value of the FY2017 report as the reconciled data records its print (text, the
    qualifier printed after it, its time), each checked to stand in seed 000 itself."""
    import yaml

    from tests.conftest import ROOT

    seed_text = re.sub(r"\s+", "", seed("000"))
    found = []
    for part in sorted((ROOT / "workbooks" / "source" / "period1").glob("*.yaml")):
        for sheet in yaml.safe_load(part.read_text(encoding="utf-8")):
            for kpi in sheet.get("kpis") or []:
                for role in ("baseline", "current", "target"):
                    value = kpi.get(role) or {}
                    if value.get("value") is None or not value.get("when"):
                        continue
                    text, qualifier = str(value["text"]), value.get("qualifier")
                    if qualifier:
                        text = re.sub(rf"[(（]{re.escape(str(qualifier))}[)）]$", "", text)
                    assert re.sub(r"\s+", "", text) in seed_text, text  # the data is the seed's print
                    shown = text + (f"（{qualifier}）" if qualifier else "")
                    found.append(f"{shown}\n（{value['when']}）")
    return found


def test_fy2017_prints_every_value_as_published(fy2017):
    """10,017人 and 3,172人 (平成28年度 values on the 平成29年度 sheets), ▲862人, 6.0冊, 11,493人 …"""
    shown = {c.value for ws in fy2017.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    expected = _published_values()
    assert len(expected) >= 50
    missing = [v for v in expected if v not in shown]
    assert missing == []
    for printed in ("10,017人\n（平成28年度）", "3,172人\n（平成28年度）", "▲862人\n（平成28年度）", "6.0冊\n（平成33年度）", "11,493人\n（平成27年）"):
        assert printed in shown


def test_each_sheet_is_counted_as_it_is_made(tmp_path):
    """The progress bar of `okaxl progress` moves once per project sheet, out of the sheets to make."""
    from okaxl.config import load_config
    from okaxl.shell import actions
    from tests.conftest import ROOT

    steps: list[int] = []
    out = tmp_path / "p.xlsx"
    done = actions.progress(load_config(ROOT / "config.toml"), 2017, output=out, each=steps.append)
    sheets = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert done.path == out and len(steps) == len(sheets) - 1 == 42
    assert set(steps) == {42}
