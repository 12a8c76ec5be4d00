"""`okaxl kpi`: each KPI's values over the fiscal years of its vision period, how far it has come
towards its target, and a native line chart per project, so that trends show at a glance.

Achievement (達成率), written down on the summary sheet as well:
- a number with a baseline B and a target T, latest value V: (V − B) / (T − B), which also reads
  right for a decreasing indicator (T < B);
- a number without a baseline: V / T;
- a target in words (方針の決定, 完工): 達成 when the latest value says the same or is a later
  step of the KPI's choices (未着手 … 完了), 順調 at any step after the first, else 要注意.
The time gone by is counted to the latest value's own year.
Judgement: 達成 at 100 % or more; 順調 when the rate is at least the share of the period's time
gone by since the baseline year; 要注意 below it; 未報告 with no value yet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from okaxl import wareki
from okaxl.files import save_atomically
from okaxl.master import layout
from okaxl.master.model import Model
from okaxl.publish.sheets import grow_rows, kpi_end_text, merge, setup_page
from okaxl.publish.titles import sheet_title

JUDGEMENTS = ("達成", "順調", "要注意", "未報告")
NOT_SET = (layout.NOT_SET, "-", "—")  # printed where a value is not set: no value
RULE = (
    "達成率：数値の指標は（最新値－基準値）÷（目標値－基準値）（減らす指標も同じ式で正しく読めます）、"
    "基準値のない指標は 最新値÷目標値。言葉の目標（方針の決定・完工など）は、最新値が同じ言葉か、"
    "選択肢（未着手・検討中・方針の決定・実施中・完了）でそれより後の段階なら達成、最初より後の段階なら順調。"
    "判定：100%以上は達成、最新値の年度までに基準年度から経った年数の割合以上なら順調、それ未満は要注意、値がなければ未報告。"
)
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_FILLS = {"達成": "E2EFDA", "順調": "FFFFFF", "要注意": "FCE4D6", "未報告": "EDEDED"}


@dataclass
class KpiRow:
    kpi_id: str
    project_id: str
    project: str
    indicator: str
    unit: str
    baseline: object
    baseline_year: int | None
    target: object
    target_year: int | None
    values: dict[int, object] = field(default_factory=dict)  # fiscal year → the area's value
    shown: dict[str, str] = field(default_factory=dict)  # baseline / target as printed
    choices: tuple[str, ...] = ()  # the steps of a KPI answered in words, in order
    note: str = ""  # the master's 備考: a doubt about what was published stays beside it, not in it

    def numeric_values(self) -> dict[int, float]:
        return {y: float(v) for y, v in self.values.items() if isinstance(v, int | float)}

    def number(self, which: str) -> float | None:
        value = self.baseline if which == "基準値" else self.target
        return float(value) if isinstance(value, int | float) else None

    @property
    def latest(self) -> tuple[int, object] | None:
        return max(self.values.items()) if self.values else None

    def rate(self) -> float | None:
        latest = self.latest
        if (
            latest is None
            or not isinstance(latest[1], int | float)
            or not isinstance(self.target, int | float)
        ):
            return None
        value, target = float(latest[1]), float(self.target)
        if isinstance(self.baseline, int | float) and target != float(self.baseline):
            return (value - float(self.baseline)) / (target - float(self.baseline))
        return value / target if target else None

    def judgement(self) -> str:
        """As of the latest value's own year (a FY2017 value is judged by the time gone by then)."""
        latest = self.latest
        if latest is None:
            return "未報告"
        year = latest[0]
        if not isinstance(self.target, int | float):
            return self._judge_words(latest[1])
        rate = self.rate()
        if rate is None:
            return "要注意"
        if rate >= 1:
            return "達成"
        start, end = self.baseline_year, self.target_year
        expected = (year - start) / (end - start) if start and end and end > start else 1.0
        return "順調" if rate >= min(max(expected, 0.0), 1.0) else "要注意"

    def _judge_words(self, value: object) -> str:
        said, goal = (unicodedata.normalize("NFKC", str(v or "")).strip() for v in (value, self.target))
        steps = [unicodedata.normalize("NFKC", c).strip() for c in self.choices]
        if said == goal:
            return "達成"
        if said not in steps:
            return "要注意"
        step = steps.index(said)
        if step == len(steps) - 1 or (goal in steps and step >= steps.index(goal)):
            return "達成"
        return "順調" if step > 0 else "要注意"


def kpi_rows(model: Model, projects: Iterable[str] | None = None) -> dict[str, list[KpiRow]]:
    """Vision period → its KPIs, each with its values over the period's years."""
    wanted = set(projects) if projects else None
    by_period: dict[str, list[KpiRow]] = {}
    for pid, project in model.projects.items():
        if wanted is not None and pid not in wanted:
            continue
        period = str(project.get("期"))
        years = model.fiscal_years(period) if period in model.periods else []
        for k in model.kpis_of(pid):
            row = KpiRow(
                str(k["KPI_ID"]),
                pid,
                str(project.get("事務事業名")),
                str(k["指標"]),
                str(k.get("単位") or ""),
                k.get("基準値"),
                k.get("基準年度") if isinstance(k.get("基準年度"), int) else None,
                k.get("目標値"),
                k.get("目標年度") if isinstance(k.get("目標年度"), int) else None,
                choices=model.kpi_choices(str(k["KPI_ID"])),
                note=str(k.get("備考") or ""),
            )
            row.shown = {which: kpi_end_text(k, which, inline=True) for which in ("基準値", "目標値")}
            for year in years:
                found = model.kpi_value(row.kpi_id, layout.AREA, year)
                if found is not None and found["年度"] == year and found["現状値"] not in NOT_SET:
                    row.values[year] = found["現状値"]
            by_period.setdefault(period, []).append(row)
    return by_period


def write_kpi(model: Model, path: Path, font: str, projects: Iterable[str] | None = None) -> Path:
    """The KPI workbook: a summary, a sheet per vision period with its charts, and the values
    towns reported each for their own part."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "集計"
    periods = kpi_rows(model, projects)
    judged: dict[str, str] = {}
    sheets = {}
    for period, rows in periods.items():
        sheets[period] = book.create_sheet(sheet_title(period, book.sheetnames))
        _table(sheets[period], rows, model.fiscal_years(period), font, judged)
    _by_town(book.create_sheet("市町別"), model, periods, font)
    for period, rows in periods.items():
        years = model.fiscal_years(period)
        data = book.create_sheet(sheet_title(f"グラフ用_{period}", book.sheetnames))
        data.append(["系列", *[f"{wareki.short_fiscal_year(y)}年度" for y in years]])
        _charts(sheets[period], data, rows, years)
        data.column_dimensions["A"].width = 40
        setup_page(data, landscape=True, title_rows="1:1")
    _summary(summary, periods, judged, font)
    for ws in book.worksheets:  # Excel does not grow a row written by openpyxl to its wrapped text
        grow_rows(ws)
    save_atomically(book, path)
    return path


def _cell(ws: Worksheet, row: int, column: int, value: object, font: Font, fill: str | None = None) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    cell.font = font
    cell.border = _BORDER
    cell.alignment = Alignment(vertical="top", wrap_text=True)
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)


def _table(ws: Worksheet, rows: list[KpiRow], years: list[int], font: str, judged: dict[str, str]) -> None:
    bold, plain = Font(name=font, size=9, bold=True), Font(name=font, size=9)
    heads = [
        "事業ID",
        "事務事業",
        "指標",
        "単位",
        "基準値",
        "目標値",
        *[f"{wareki.short_fiscal_year(y)}年度" for y in years],
        "達成率",
        "判定",
    ]
    for column, head in enumerate(heads, start=1):
        _cell(ws, 1, column, head, bold, "DDEBF7")
    for number, row in enumerate(rows, start=2):
        judged[row.kpi_id] = row.judgement()
        fixed = [
            row.project_id,
            row.project,
            row.indicator,
            row.unit,
            row.shown["基準値"],
            row.shown["目標値"],
        ]
        for column, value in enumerate(fixed, start=1):
            _cell(ws, number, column, value, plain)
        if row.note:
            ws.cell(row=number, column=3).comment = Comment(
                f"備考：{row.note}", "okaxl", width=300, height=90
            )
        for offset, y in enumerate(years):
            _cell(ws, number, 7 + offset, row.values.get(y), plain)
        rate = row.rate()
        _cell(ws, number, 7 + len(years), rate, plain)
        ws.cell(row=number, column=7 + len(years)).number_format = "0%"
        _cell(ws, number, 8 + len(years), judged[row.kpi_id], bold, _FILLS[judged[row.kpi_id]])
    for column, width in enumerate([8, 24, 30, 8, 16, 16, *[9] * len(years), 8, 8], start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "C2"
    setup_page(ws, landscape=True, title_rows="1:1")


def _charts(ws: Worksheet, data: Worksheet, rows: list[KpiRow], years: list[int]) -> None:
    """A line chart per project with numeric values: each KPI's series over the years against its
    baseline and target, drawn as flat lines. The chart's numbers sit on the data sheet (a flat
    line needs a value in every year), placed to the right of the table."""
    anchor_row = 1
    for pid in dict.fromkeys(r.project_id for r in rows):
        mine = [r for r in rows if r.project_id == pid and r.numeric_values()]
        if not mine:
            continue
        chart = LineChart()
        chart.title = f"{pid} {mine[0].project}"[:60]
        chart.y_axis.title = mine[0].unit if len({r.unit for r in mine}) == 1 else "値"
        chart.x_axis.title = "年度"
        chart.height, chart.width = 7.5, 15
        for row in mine:
            for label, values, dash in (
                (row.indicator[:24], [row.numeric_values().get(y) for y in years], None),
                (f"基準値（{row.indicator[:12]}）", [row.number("基準値")] * len(years), "sysDot"),
                (f"目標値（{row.indicator[:12]}）", [row.number("目標値")] * len(years), "dash"),
            ):
                if all(v is None for v in values):
                    continue
                number = data.max_row + 1
                data.cell(row=number, column=1, value=label)
                for offset, value in enumerate(values, start=2):
                    data.cell(row=number, column=offset, value=value)
                chart.add_data(
                    Reference(data, min_col=1, max_col=1 + len(years), min_row=number),
                    from_rows=True,
                    titles_from_data=True,
                )
                if dash:
                    chart.series[-1].graphicalProperties.line.dashStyle = dash
                    chart.series[-1].marker.symbol = "none"
                else:
                    chart.series[-1].marker.symbol = "circle"
        chart.set_categories(Reference(data, min_col=2, max_col=1 + len(years), min_row=1))
        ws.add_chart(chart, f"{get_column_letter(7 + len(years) + 3)}{anchor_row}")
        anchor_row += 16


def _by_town(ws: Worksheet, model: Model, periods: dict[str, list[KpiRow]], font: str) -> None:
    """Values reported by each town for its own part, KPI by KPI, over all fiscal years."""
    bold, plain = Font(name=font, size=9, bold=True), Font(name=font, size=9)
    years = model.fiscal_years()
    heads = ["KPI_ID", "指標", "市町", *[f"{wareki.short_fiscal_year(y)}年度" for y in years]]
    for column, head in enumerate(heads, start=1):
        _cell(ws, 1, column, head, bold, "DDEBF7")
    number = 2
    for rows in periods.values():
        for row in rows:
            for town in model.towns:
                reported = [model.kpi_value(row.kpi_id, town, y) for y in years]
                values = {v["年度"]: v["現状値"] for v in reported if v is not None}
                if not values:
                    continue
                cells = [row.kpi_id, row.indicator, town, *[values.get(y) for y in years]]
                for column, value in enumerate(cells, start=1):
                    _cell(ws, number, column, value, plain)
                number += 1
    if number == 2:
        ws.cell(row=2, column=1, value="市町ごとに報告された値はまだありません。").font = plain
    setup_page(ws, landscape=True, title_rows="1:1")


def _summary(ws: Worksheet, periods: dict[str, list[KpiRow]], judged: dict[str, str], font: str) -> None:
    bold, plain = Font(name=font, size=10, bold=True), Font(name=font, size=10)
    ws.cell(row=1, column=1, value="重要業績評価指標（KPI）の状況").font = Font(name=font, size=14, bold=True)
    for column, head in enumerate(["期", "指標の数", *JUDGEMENTS], start=1):
        _cell(ws, 3, column, head, bold, "DDEBF7")
    for number, (period, rows) in enumerate(periods.items(), start=4):
        counts = [sum(judged[r.kpi_id] == j for r in rows) for j in JUDGEMENTS]
        for column, value in enumerate([period, len(rows), *counts], start=1):
            _cell(ws, number, column, value, plain)
    note = ws.cell(row=5 + len(periods), column=1, value=RULE)
    note.font, note.alignment = plain, Alignment(wrap_text=True, vertical="top")
    merge(ws, 5 + len(periods), 1, 5 + len(periods), 6)
    ws.row_dimensions[5 + len(periods)].height = 75
    for letter in "ABCDEF":
        ws.column_dimensions[letter].width = 10
    setup_page(ws, landscape=False)
