"""Annual progress sheets (進捗管理シート): one sheet per project and fiscal year, filled from the master
through the template staff restyle in Excel (templates/progress.xlsx)."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.copier import WorksheetCopy
from openpyxl.worksheet.worksheet import Worksheet

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.files import save_atomically
from okaxl.master import layout
from okaxl.master.model import Model
from okaxl.master.tables import Tables, records
from okaxl.numbers import format_number
from okaxl.publish import template
from okaxl.publish.page import row_height, wrapped_lines
from okaxl.publish.progress_template import REQUIRED, SHEET
from okaxl.publish.sheets import Looks, dated_footer, grow_rows, kpi_end_text, kpi_text, setup_page
from okaxl.publish.titles import Titles

NOT_REPORTED = "未報告"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
MARKS = {"★": "★", "●": "■"}
KPI_FIELDS = ("指標", "基準値", "現状値", "目標値")


@dataclass
class Page:
    project_id: str
    sheet: str
    values: dict[str, object] = field(default_factory=dict)
    kpis: list[dict[str, object]] = field(default_factory=list)


def pages(tables: Tables, year: int, wanted: list[str] | None = None) -> list[Page]:
    """The progress sheets of fiscal `year`, in the vision's order."""
    model = Model.of(tables)
    towns = model.towns
    pillars = {str(r["番号"]): str(r["分野名"]) for r in records(tables["分野"])}
    projects = [p for p in model.projects_during(year) if not p["抜粋元"]]
    if not projects:
        raise OkaxlError(
            f"{wareki.format_fiscal_year(year)}にビジョンに載っている事業がありません。年度を確かめてください。"
        )
    projects = _choose(projects, wanted) if wanted else projects
    taking_part = model.taking_part_during(year)
    results = {(str(r["事業ID"]), r["市町"]): r for r in records(tables["実績"]) if r["年度"] == year}
    roles = {(str(r["事業ID"]), r["主体"]): r["役割"] for r in records(tables["役割"])}
    plan = {str(r["事業ID"]): r for r in records(tables["工程"]) if r["年度"] == year}
    titles = Titles(["目次", SHEET])
    out = []
    for number, p in enumerate(projects, start=1):
        pid = str(p["事業ID"])
        marks = taking_part.get(pid, {})
        page = Page(pid, titles.new(f"{number:02d} {p['事務事業名']}"))
        page.values = {
            "連携分野": pillars.get(str(p["分野"]), p["分野"]),
            "施策": p["施策"],
            "事務事業": p["事務事業名"],
            "年度": wareki.format_fiscal_year(year),
            "岡山市の役割": roles.get((pid, "岡山市")) or "",
            "連携市町の役割": roles.get((pid, "連携市町")) or "",
            **{f"印:{t}": MARKS.get(marks.get(t, ""), "□") for t in towns},
        }
        reporters = [layout.HUB, *[t for t in towns if t in marks]]
        area = results.get((pid, layout.AREA))
        page.values["事業計画"] = _plan_text(area, plan.get(pid), model.stage(pid, year))
        page.values["取組実績"] = _by_town(area, results, pid, reporters, "取組実績")
        page.values["今後の課題"] = _by_town(area, results, pid, reporters, "今後の課題・改善点")
        for k in model.kpis_of(pid):  # in 順 order, as the forms and the KPI report list them
            page.kpis.append(
                {
                    "指標": k["指標"],
                    "基準値": kpi_end_text(k, "基準値"),
                    "現状値": _current(model, str(k["KPI_ID"]), k["単位"], reporters, year),
                    "目標値": kpi_end_text(k, "目標値"),
                }
            )
        out.append(page)
    return out


def _choose(projects: list[dict[str, object]], wanted: list[str]) -> list[dict[str, object]]:
    chosen = []
    names = [str(p["事務事業名"]) for p in projects]
    for want in wanted:
        text = unicodedata.normalize("NFKC", want).strip()
        match = [
            p for p in projects if text in (p["事業ID"], unicodedata.normalize("NFKC", str(p["事務事業名"])))
        ]
        if not match:
            close = difflib.get_close_matches(text, names, 1, 0.5)
            hint = f"「{close[0]}」のことですか？" if close else "事業ID か事務事業名で指定してください。"
            raise OkaxlError(f"事業「{want}」は対象の事業にありません。{hint}")
        chosen += [p for p in match if p not in chosen]
    return chosen


def choose_projects(model: Model, wanted: Iterable[str]) -> list[str]:
    """The 事業ID of each project named by ID or by name (NFKC), else a Japanese error."""
    return [str(p["事業ID"]) for p in _choose(list(model.projects.values()), list(wanted))]


def _plan_text(area: dict[str, object] | None, step: dict[str, object] | None, stage: str | None) -> str:
    if area and area.get("事業計画"):
        return str(area["事業計画"])
    if step:
        cost = step.get("事業費")
        cost_text = f"{format_number(cost)}千円" if isinstance(cost, int) else (cost or "記載なし")
        return f"工程：{stage or '—'}\n事業費（見込額）：{cost_text}"
    return "（工程の記載なし）"


def _by_town(
    area: dict[str, object] | None,
    results: dict[tuple[str, object], dict[str, object]],
    pid: str,
    reporters: list[str],
    column: str,
) -> str:
    """The whole-area text, or each reporter's text labelled by town; a missing report says 未報告."""
    if area is not None:
        return str(area.get(column) or "")
    parts = []
    for town in reporters:
        row = results.get((pid, town))
        text = NOT_REPORTED if row is None else (row.get(column) or "（記載なし）")
        parts.append(f"【{town}】{text}")
    return "\n".join(parts)


def _current(model: Model, kpi: str, unit: object, reporters: list[str], year: int) -> str:
    """The latest value at or before the sheet's year, with the time it is of (a report not made
    this year shows the last one made, as the FY2017 sheets print values of 平成28年度)."""
    area = model.kpi_value(kpi, layout.AREA, year)
    if area is not None:
        earlier = area["年度"] if area["年度"] != year else None
        shown = kpi_text(
            area["現状値"],
            unit,
            area.get("補足"),
            area.get("時点"),
            earlier,
            printed=area.get("現状値の表記"),
        )
        trend = _trend(model, kpi, layout.AREA, year)
        return f"{shown}\n推移 {trend}" if trend else shown
    parts = []
    asked = model.reporters(kpi)
    for town in reporters:
        row = model.kpi_value(kpi, town, year)
        if row is None and asked is not None and town not in asked:
            continue  # not this town's to report (the master's 報告する市町), so nothing is missing
        shown = (
            NOT_REPORTED
            if row is None
            else kpi_text(
                row["現状値"],
                unit,
                row.get("補足"),
                row.get("時点"),
                row["年度"] if row["年度"] != year else None,
                printed=row.get("現状値の表記"),
                inline=True,
            )
        )
        trend = _trend(model, kpi, town, year)
        parts.append(f"{town} {shown}" + (f"（{trend}）" if trend else ""))
    return "\n".join(parts)


def _trend(model: Model, kpi: str, reporter: str, year: int) -> str:
    """The values of the vision period up to `year`, when there are several: 「R5 900 → R6 1,000」."""
    period = model.period_of(year)
    first = model.periods[period][0] if period else year
    series = [r for r in model.kpi_series(kpi, reporter, first, year) if isinstance(r["現状値"], int | float)]
    if len(series) < 2:
        return ""
    return " → ".join(f"{wareki.short_fiscal_year(r['年度'])} {format_number(r['現状値'])}" for r in series)


def _copy_print_settings(source: Worksheet, target: Worksheet) -> None:
    target.page_setup = copy(source.page_setup)
    target.page_margins = copy(source.page_margins)
    target.print_options = copy(source.print_options)
    target.sheet_properties.pageSetUpPr = copy(source.sheet_properties.pageSetUpPr)
    target.oddFooter = copy(source.oddFooter)
    target.oddHeader = copy(source.oddHeader)
    if not target.oddFooter.right.text:  # staff who put something there in the template keep it
        dated_footer(target)
    if source.print_title_rows:
        target.print_title_rows = source.print_title_rows


class _Sheet(Worksheet):
    """A worksheet whose title is unique already (Titles gave it). openpyxl's own title setter goes
    through every other sheet's title each time a sheet is added or renamed, so that a workbook of
    thousands of projects cost the square of their number (3.8 s of 4,800 sheets' 44)."""

    @property
    def title(self) -> str:
        return self._title

    @title.setter
    def title(self, value: str) -> None:
        self._title = value


def write_progress(
    found: list[Page],
    year: int,
    template_path: Path,
    path: Path,
    font: str,
    each: Callable[[], object] | None = None,
) -> Path:
    """One workbook: a contents sheet with links, then one sheet per project from the template
    (`each()` after each sheet, for a progress bar)."""
    if not template_path.is_file():
        raise OkaxlError(
            f"テンプレート {template_path} がありません。config.toml の [paths] templates を確認してください。"
        )
    book = openpyxl.load_workbook(template_path)
    if SHEET not in book.sheetnames:
        raise OkaxlError(
            f"テンプレート {template_path} にシート「{SHEET}」がありません。シート名を戻してください。"
        )
    model = book[SHEET]
    template.require(model, REQUIRED, template_path.name)
    # the merged ranges are copied as ranges: openpyxl's copy makes each a MergedCellRange again,
    # which restyles the template's borders through its setters (a third of progress at 10×);
    # the copied cells have those borders already, from when the template was loaded
    merged = [merge.coord for merge in model.merged_cells.ranges]
    model.merged_cells = MultiCellRange()
    for page in found:
        # what Workbook.copy_worksheet does, for a sheet whose title is unique already
        ws = _Sheet(parent=book, title=page.sheet)
        book._add_sheet(ws)
        WorksheetCopy(source_worksheet=model, target_worksheet=ws).copy_worksheet()
        ws.merged_cells = MultiCellRange([CellRange(coord) for coord in merged])
        _copy_print_settings(model, ws)
        template.repeat_row(ws, "KPI", page.kpis, dict.fromkeys(KPI_FIELDS, "－"))
        template.fill(ws, page.values)
        grow_rows(ws)  # one page per project still: the page shrinks to fit, the text is not cut
        if each:
            each()
    book.remove(model)
    contents = book.create_sheet("目次", 0)
    _contents(contents, found, year, font)
    book.active = 0
    save_atomically(book, path)
    return path


def _contents(ws: Worksheet, found: list[Page], year: int, font: str) -> None:
    ws.append(
        [f"{wareki.format_fiscal_year(year)} 岡山連携中枢都市圏 進捗管理シート（{len(found)}事務事業）"]
    )
    ws.append(["事務事業名から、その事業のシートを開けます。"])
    ws.append(["番号", "連携分野", "施策", "事務事業"])
    for number, page in enumerate(found, start=1):
        ws.append([number, page.values["連携分野"], page.values["施策"], page.values["事務事業"]])
        link = ws.cell(row=ws.max_row, column=4)
        link.hyperlink = f"#'{page.sheet}'!A1"
    widths = (6, 30, 36, 44)

    def look(cell: Cell) -> None:
        # a link prints as plain text: blue underlined names are for the screen, not the page
        cell.font = Font(name=font, size=10 if cell.row != 2 else 9, bold=cell.row in (1, 3))
        cell.alignment = Alignment(
            vertical="top",
            wrap_text=cell.column > 1 and cell.row > 2,
            horizontal="center" if cell.column == 1 and cell.row > 2 else None,
        )
        if cell.row >= 3:
            cell.border = _BORDER
        if cell.row == 3:
            cell.fill = PatternFill("solid", fgColor="DDEBF7")

    looks = Looks.of(ws.parent)
    for row in ws.iter_rows():
        for cell in row:  # rows 1, 2 and 3 each look their own; the rows of the list all alike
            looks.apply(cell, ("目次", font, min(cell.row, 4), cell.column == 1), look)
    for number in range(3, ws.max_row + 1):
        lines = max(wrapped_lines(ws.cell(number, c).value, w, 10) for c, w in enumerate(widths, start=1))
        ws.row_dimensions[number].height = row_height(lines, 10)
    for letter, width in zip("ABCD", widths, strict=True):
        ws.column_dimensions[letter].width = width
    setup_page(ws, landscape=True, title_rows="3:3")
