"""Rules that span sheets: plain functions over the typed tables, each yielding problems.

Each function's docstring says the rule as a staff member would say it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.model import Model, reporting_towns
from okaxl.master.tables import Tables
from okaxl.numbers import Reading, parse_number
from okaxl.problems import Problem
from okaxl.rules import problem


@dataclass(frozen=True, slots=True)
class Context:
    tables: Tables
    today: dt.date
    # 事業ID → (期, 施策, 事務事業名, version file) as saved versions of the master had them
    history: dict[str, tuple[object, object, object, str]] = field(default_factory=dict)
    # the one model of the master: periods, projects, who takes part (computed once, asked per row)
    model: Model = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", Model.of(self.tables))


Rule = Callable[[Context], Iterable[Problem]]
Row = dict[str, Any]


def rows(tables: Tables, sheet: str, *needed: str) -> Iterator[tuple[int, Row]]:
    """(Excel row, record) of a sheet; nothing when a needed column is missing (already reported)."""
    df = tables.frames.get(sheet)
    if df is None or any(c not in df.columns for c in needed):
        return
    yield from zip(df.index, tables.records(sheet), strict=True)


def _fmt(date: object) -> str:
    return date.isoformat() if isinstance(date, dt.date) else "（なし）"


def _town_suggestion(value: object, names: Iterable[str]) -> str:
    names = list(names)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if text in names:
        return f"空白や全角・半角の違いを直して「{text}」にしてください。"
    close = [n for n in names if text and n.startswith(text)] or difflib.get_close_matches(
        text, names, 1, 0.6
    )
    if close:
        return f"「{close[0]}」のことですか？「市町」シートと同じ名前にしてください。"
    return f"「市町」シートの名前（{'、'.join(names)}）から選んでください。"


# ------------------------------------------------------------------------------- names


def towns_known(ctx: Context) -> Iterator[Problem]:
    """市町名は「市町」シートの名前と一字一句同じであること（参加は連携市町、実績は岡山市・圏域全体も可）。"""
    t = ctx.tables
    every = [str(r["市町名"]) for _, r in rows(t, "市町", "市町名")]
    partners = [str(r["市町名"]) for _, r in rows(t, "市町", "市町名", "区分") if r["区分"] == "連携市町"]
    allowed = {
        "参加": partners,
        "協約": partners,
        "協約書": partners,
        "実績": [*every, layout.AREA],
        "KPI実績": [*every, layout.AREA],
    }
    for sheet, names in allowed.items():
        for i, r in rows(t, sheet, "市町"):
            value = r["市町"]
            if isinstance(value, str) and value != value.strip(" \u3000\t\n"):
                continue  # TEXT_SPACES says it
            if value is not None and value not in names:
                yield problem(
                    "TOWN_UNKNOWN",
                    sheet,
                    t.cell(sheet, i, "市町"),
                    r["市町"],
                    suggestion=_town_suggestion(r["市町"], names),
                )


def kpi_reporting_known(ctx: Context) -> Iterator[Problem]:
    """KPI の報告する市町は 各市町 か「市町」シートの名前、選択肢名は「選択肢」シートにあること。"""
    t = ctx.tables
    every = [str(r["市町名"]) for _, r in rows(t, "市町", "市町名")]
    for i, r in rows(t, "KPI", "報告する市町"):
        for name in sorted(reporting_towns(r["報告する市町"]) or ()):
            if name not in every:
                yield problem(
                    "TOWN_UNKNOWN",
                    "KPI",
                    t.cell("KPI", i, "報告する市町"),
                    name,
                    suggestion=_town_suggestion(name, [layout.EACH_TOWN, *every]),
                )
    for i, r in rows(t, "KPI", "選択肢名"):
        if r["選択肢名"] is not None and not ctx.model.choices(str(r["選択肢名"])):
            yield problem(
                "ID_UNKNOWN",
                "KPI",
                t.cell("KPI", i, "選択肢名"),
                r["選択肢名"],
                column="選択肢名",
                target="選択肢",
            )


def lists_known(ctx: Context) -> Iterator[Problem]:
    """分野・期・印・工程・主体・区分は決められた一覧の値であること。"""
    t = ctx.tables
    pillars = {r["番号"] for _, r in rows(t, "分野", "番号")}
    periods = {r["期"] for _, r in rows(t, "期", "期")}
    for sheet in ("施策", "事業", "協約"):
        for i, r in rows(t, sheet, "分野"):
            if r["分野"] is not None and r["分野"] not in pillars:
                yield problem("PILLAR_UNKNOWN", sheet, t.cell(sheet, i, "分野"), r["分野"])
    for sheet in ("施策", "事業"):
        for i, r in rows(t, sheet, "期"):
            if r["期"] is not None and r["期"] not in periods:
                yield problem("PERIOD_UNKNOWN", sheet, t.cell(sheet, i, "期"), r["期"])
    for i, r in rows(t, "参加", "印"):
        if r["印"] is not None and r["印"] not in layout.MARKS:
            yield problem("MARK_INVALID", "参加", t.cell("参加", i, "印"), r["印"])
    for i, r in rows(t, "工程", "工程"):
        if r["工程"] is not None and r["工程"] not in layout.STAGES:
            close = difflib.get_close_matches(str(r["工程"]), layout.STAGES, 1, 0.4)
            yield problem(
                "STAGE_INVALID",
                "工程",
                t.cell("工程", i, "工程"),
                r["工程"],
                suggestion=f"「{close[0]}」のことですか？" if close else "",
            )
    for sheet, column, choices in (
        ("役割", "主体", layout.ACTORS),
        ("市町", "区分", ("連携中枢都市", "連携市町")),
    ):
        for i, r in rows(t, sheet, column):
            if r[column] is not None and r[column] not in choices:
                yield problem(
                    "CHOICE_INVALID",
                    sheet,
                    t.cell(sheet, i, column),
                    r[column],
                    column=column,
                    choices="・".join(choices),
                )


def measures_belong(ctx: Context) -> Iterator[Problem]:
    """事業の施策は「施策」シートにあり、その施策の分野と事業の分野が一致すること。"""
    t = ctx.tables
    measures: dict[tuple[object, object], object] = {
        (r["期"], r["施策名"]): r["分野"] for _, r in rows(t, "施策", "期", "施策名", "分野")
    }
    pillars = {r["番号"] for _, r in rows(t, "分野", "番号")}
    periods = {r["期"] for _, r in rows(t, "期", "期")}
    for i, r in rows(t, "事業", "期", "施策", "分野"):
        key = (r["期"], r["施策"])
        cell = t.cell("事業", i, "施策")
        if r["施策"] is None or r["期"] not in periods:
            continue
        if key not in measures:
            names = [str(m) for p, m in measures if p == r["期"]]
            close = difflib.get_close_matches(str(r["施策"]), names, 1, 0.6)
            yield problem(
                "MEASURE_UNKNOWN",
                "事業",
                cell,
                r["施策"],
                period=r["期"],
                suggestion=f"「{close[0]}」のことですか？" if close else "",
            )
        elif measures[key] != r["分野"] and r["分野"] in pillars:
            yield problem(
                "MEASURE_PILLAR_MISMATCH",
                "事業",
                t.cell("事業", i, "分野"),
                r["施策"],
                expected=measures[key],
                actual=r["分野"],
            )


# every keyed sheet of the layout but 事業 and KPI, whose one-column keys are IDs (ID_DUPLICATE)
KEYED = {s.name: s.key for s in layout.SHEETS if s.key and s.name not in ("事業", "KPI")}


def keys_unique(ctx: Context) -> Iterator[Problem]:
    """ID は重複しないこと。同じ事業・市町・年度などの組み合わせの行は1行だけであること。"""
    t = ctx.tables
    for sheet, column in (("事業", "事業ID"), ("KPI", "KPI_ID")):
        seen: dict[object, int] = {}
        for i, r in rows(t, sheet, column):
            if r[column] is None:
                continue
            if r[column] in seen:
                yield problem(
                    "ID_DUPLICATE",
                    sheet,
                    t.cell(sheet, i, column),
                    r[column],
                    other=t.cell(sheet, seen[r[column]], column),
                )
            else:
                seen[r[column]] = i
    for sheet, key in KEYED.items():
        seen_key: dict[tuple[object, ...], int] = {}
        for i, r in rows(t, sheet, *key):
            values = tuple(r[c] for c in key)
            if any(v is None for v in values):
                continue
            if values in seen_key:
                yield problem(
                    "KEY_DUPLICATE",
                    sheet,
                    t.cell(sheet, i, key[0]),
                    "・".join(map(str, values)),
                    key="・".join(key),
                    other=f"{seen_key[values]}行目",
                )
            else:
                seen_key[values] = i


def names_unique(ctx: Context) -> Iterator[Problem]:
    """同じ期の中で事務事業名は重複しないこと。"""
    t = ctx.tables
    seen: dict[tuple[object, object], int] = {}
    for i, r in rows(t, "事業", "期", "事務事業名"):
        key = (r["期"], r["事務事業名"])
        if r["事務事業名"] is None:
            continue
        if key in seen:
            yield problem(
                "PROJECT_NAME_DUPLICATE",
                "事業",
                t.cell("事業", i, "事務事業名"),
                r["事務事業名"],
                period=r["期"],
                other=t.cell("事業", seen[key], "事務事業名"),
            )
        else:
            seen[key] = i


def references_exist(ctx: Context) -> Iterator[Problem]:
    """他のシートが指す事業ID・KPI_ID は「事業」「KPI」シートにあり、確認用の事業名はその名前と同じこと。"""
    t = ctx.tables
    projects = ctx.model.projects
    for sheet in ("参加", "工程", "役割", "KPI", "実績", "掲載"):
        for i, r in rows(t, sheet, "事業ID"):
            pid = r["事業ID"]
            if pid is None:
                continue
            if str(pid) not in projects:
                yield problem(
                    "ID_UNKNOWN", sheet, t.cell(sheet, i, "事業ID"), pid, column="事業ID", target="事業"
                )
            elif r.get("事務事業名") and r["事務事業名"] != projects[str(pid)].get("事務事業名"):
                yield problem(
                    "PROJECT_NAME_MISMATCH",
                    sheet,
                    t.cell(sheet, i, "事務事業名"),
                    r["事務事業名"],
                    expected=projects[str(pid)].get("事務事業名"),
                )
    for i, r in rows(t, "事業", "抜粋元"):
        if r["抜粋元"] is not None and str(r["抜粋元"]) not in projects:
            yield problem(
                "ID_UNKNOWN", "事業", t.cell("事業", i, "抜粋元"), r["抜粋元"], column="抜粋元", target="事業"
            )
    kpis = {str(r["KPI_ID"]) for _, r in rows(t, "KPI", "KPI_ID")}
    for i, r in rows(t, "KPI実績", "KPI_ID"):
        if r["KPI_ID"] is not None and str(r["KPI_ID"]) not in kpis:
            yield problem(
                "ID_UNKNOWN",
                "KPI実績",
                t.cell("KPI実績", i, "KPI_ID"),
                r["KPI_ID"],
                column="KPI_ID",
                target="KPI",
            )


def ids_not_reused(ctx: Context) -> Iterator[Problem]:
    """一度使った事業ID は、別の事業（期か施策と名前が違う事業）に使い回さないこと。"""
    t = ctx.tables
    for i, r in rows(t, "事業", "事業ID", "期", "施策", "事務事業名"):
        earlier = ctx.history.get(str(r["事業ID"]))
        if earlier is None:
            continue
        period, measure, name, version = earlier
        renamed = _norm_text(name) != _norm_text(r["事務事業名"])
        moved = _norm_text(measure) != _norm_text(r["施策"])
        if r["期"] != period or (renamed and moved):
            yield problem(
                "ID_REUSED", "事業", t.cell("事業", i, "事業ID"), r["事業ID"], version=version, earlier=name
            )


def _norm_text(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))


# ------------------------------------------------------------------------------- participation


def _dates(r: Row) -> tuple[dt.date | None, dt.date | None]:
    start, end = r.get("開始日"), r.get("終了日")
    return (start if isinstance(start, dt.date) else None, end if isinstance(end, dt.date) else None)


def participation_periods(ctx: Context) -> Iterator[Problem]:
    """参加期間は開始日 ≦ 終了日で、同じ市町・事業で重ならず、事業の期間の内にあること。"""
    t = ctx.tables
    projects = ctx.model.projects
    by_key: dict[tuple[object, object], list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
    for i, r in rows(t, "参加", "事業ID", "市町", "開始日", "終了日"):
        start, end = _dates(r)
        if start is None:
            continue
        if end is not None and end < start:
            yield problem(
                "PARTICIPATION_END_BEFORE_START",
                "参加",
                t.cell("参加", i, "終了日"),
                end,
                town=r["市町"],
                start=_fmt(start),
                end=_fmt(end),
            )
            continue
        by_key[(r["事業ID"], r["市町"])].append((i, start, end or dt.date.max))
        project = projects.get(str(r["事業ID"]))
        if project:
            p_start, p_end = _dates(project)
            if p_start and (start < p_start or (p_end and (end is None or end > p_end))):
                column = "開始日" if start < p_start else "終了日"
                yield problem(
                    "PARTICIPATION_OUTSIDE_PROJECT",
                    "参加",
                    t.cell("参加", i, column),
                    r[column],
                    town=r["市町"],
                    start=_fmt(start),
                    end=_fmt(end),
                    project_start=_fmt(p_start),
                    project_end=_fmt(p_end),
                )
    for spans in by_key.values():
        spans.sort(key=lambda s: s[1])
        latest: tuple[int, dt.date] | None = None  # the earlier span that ends last
        for j, start, end in spans:
            if latest and start <= latest[1]:
                yield problem(
                    "PARTICIPATION_OVERLAP",
                    "参加",
                    t.cell("参加", j, "開始日"),
                    start,
                    town=t["参加"].at[j, "市町"],
                    other=f"{latest[0]}行目",
                )
            if latest is None or end > latest[1]:
                latest = (j, end)


def projects_have_towns(ctx: Context) -> Iterator[Problem]:
    """どの事業にも参加する連携市町が1つ以上あること。"""
    t = ctx.tables
    with_towns = {str(r["事業ID"]) for _, r in rows(t, "参加", "事業ID")}
    for pid, p in ctx.model.projects.items():
        if pid not in with_towns:
            yield problem(
                "PROJECT_NO_TOWNS", "事業", t.cell("事業", p["_row"], "事業ID"), p.get("事務事業名") or pid
            )


def proposer_takes_part(ctx: Context) -> Iterator[Problem]:
    """提案市町（★）は事業の開始日から参加していること。"""
    t = ctx.tables
    projects = ctx.model.projects
    for i, r in rows(t, "参加", "事業ID", "印", "開始日"):
        project = projects.get(str(r["事業ID"]))
        start, end = _dates(r)
        if r["印"] != "★" or not project or start is None:
            continue
        p_start, _ = _dates(project)
        if p_start and not (start <= p_start and (end is None or end >= p_start)):
            yield problem(
                "PROPOSER_NOT_TAKING_PART",
                "参加",
                t.cell("参加", i, "開始日"),
                start,
                town=r["市町"],
                project_start=_fmt(p_start),
            )


# ------------------------------------------------------------------------------- plan and cost


def _period_of(ctx: Context, project: Row | None) -> tuple[str, int, int] | None:
    if not project:
        return None
    span = ctx.model.periods.get(str(project.get("期")))
    return (str(project.get("期")), *span) if span else None


def _outside_period(ctx: Context, project: Row | None, year: object) -> tuple[str, int, int] | None:
    """The project's period when `year` lies outside it, else None."""
    period = _period_of(ctx, project)
    if period and isinstance(year, int) and not period[1] <= year <= period[2]:
        return period
    return None


def _period_problem(code: str, sheet: str, cell: str, year: object, period: tuple[str, int, int]) -> Problem:
    return problem(code, sheet, cell, year, period=period[0], first=period[1], last=period[2])


def plan_and_cost(ctx: Context) -> Iterator[Problem]:
    """「→」は前の年度の工程の続き。事業費計は各年度が数値のときその合計。年度は期の内。"""
    t = ctx.tables
    projects = ctx.model.projects
    plans: dict[str, list[tuple[int, Row]]] = defaultdict(list)
    for i, r in rows(t, "工程", "事業ID", "年度", "工程", "事業費"):
        plans[str(r["事業ID"])].append((i, r))
        period = _outside_period(ctx, projects.get(str(r["事業ID"])), r["年度"])
        if period:
            yield _period_problem("YEAR_OUTSIDE_PERIOD", "工程", t.cell("工程", i, "年度"), r["年度"], period)
    for pid, steps in plans.items():
        steps.sort(key=lambda s: s[1]["年度"] if isinstance(s[1]["年度"], int) else 0)
        started = False
        for i, r in steps:
            if r["工程"] == "→" and not started:
                yield problem("STAGE_ARROW_FIRST", "工程", t.cell("工程", i, "工程"), r["工程"])
            started = started or r["工程"] in ("協議", "方針の決定", "実施")
        project = projects.get(pid)
        costs = [r["事業費"] for _, r in steps if r["事業費"] is not None]
        total = project.get("事業費計") if project else None
        if (
            costs
            and isinstance(total, int)
            and all(isinstance(c, int) for c in costs)
            and sum(costs) != total
        ):
            assert project is not None
            yield problem(
                "COST_TOTAL_MISMATCH",
                "事業",
                t.cell("事業", project["_row"], "事業費計"),
                total,
                expected=sum(costs),
            )


# ------------------------------------------------------------------------------- KPI


def _numeric(value: object) -> bool:
    return parse_number(value).reading is Reading.NUMBER


def kpi_definitions(ctx: Context) -> Iterator[Problem]:
    """基準値と基準年度はそろって入る。数値の目標には単位がある。目標年度は期の内か期末。"""
    t = ctx.tables
    projects = ctx.model.projects
    for i, r in rows(t, "KPI", "事業ID", "基準値", "基準年度", "目標値", "目標年度", "単位"):
        base, year = r["基準値"], r["基準年度"]
        base_set = base not in (None, layout.NOT_SET, "—", "-")
        if base_set != (year is not None) and not (base_set and r.get("基準時点")):
            yield problem(
                "KPI_BASELINE_INCOMPLETE",
                "KPI",
                t.cell("KPI", i, "基準値" if year else "基準年度"),
                base,
                year=year if year is not None else "空欄",
            )
        if _numeric(r["目標値"]) and not r["単位"]:
            yield problem("KPI_TARGET_NO_UNIT", "KPI", t.cell("KPI", i, "単位"), r["目標値"])
        period = _outside_period(ctx, projects.get(str(r["事業ID"])), r["目標年度"])
        if period:
            yield _period_problem(
                "KPI_TARGET_YEAR_OUTSIDE", "KPI", t.cell("KPI", i, "目標年度"), r["目標年度"], period
            )


def kpi_values(ctx: Context) -> Iterator[Problem]:
    """数値の指標の現状値は数値。現状値の年度は基準年度より前でない。"""
    t = ctx.tables
    kpis = {str(r["KPI_ID"]): r for _, r in rows(t, "KPI", "KPI_ID", "目標値", "基準年度")}
    for i, r in rows(t, "KPI実績", "KPI_ID", "年度", "現状値"):
        kpi = kpis.get(str(r["KPI_ID"]))
        if not kpi:
            continue
        value = r["現状値"]
        # numbers typed with units or in full width are reported by the schema, as such
        if (
            _numeric(kpi["目標値"])
            and value not in (None, layout.NOT_SET)
            and (parse_number(value).reading is Reading.NOT_NUMBER)
        ):
            yield problem("KPI_VALUE_NOT_NUMERIC", "KPI実績", t.cell("KPI実績", i, "現状値"), value)
        base_year = kpi["基準年度"]
        if isinstance(base_year, int) and isinstance(r["年度"], int) and r["年度"] < base_year:
            yield problem(
                "KPI_VALUE_BEFORE_BASELINE",
                "KPI実績",
                t.cell("KPI実績", i, "年度"),
                r["年度"],
                expected=base_year,
            )


# ------------------------------------------------------------------------------- results and years


def results_fit(ctx: Context) -> Iterator[Problem]:
    """実績・現状値は、その年度に事業に参加している市町のもので、期の内の、基準日までに始まった年度のもの。"""
    t = ctx.tables
    projects = ctx.model.projects
    taking_part: dict[int, dict[str, dict[str, str]]] = {}
    current = wareki.fiscal_year_of(ctx.today)
    kpi_project = {str(r["KPI_ID"]): str(r["事業ID"]) for _, r in rows(t, "KPI", "KPI_ID", "事業ID")}
    for sheet in ("実績", "KPI実績"):
        id_column = "事業ID" if sheet == "実績" else "KPI_ID"
        for i, r in rows(t, sheet, id_column, "年度", "市町"):
            pid = str(r[id_column]) if sheet == "実績" else kpi_project.get(str(r[id_column]), "")
            year, town = r["年度"], r["市町"]
            if not isinstance(year, int):
                continue
            if year > current:
                yield problem(
                    "DATE_IN_FUTURE",
                    sheet,
                    t.cell(sheet, i, "年度"),
                    year,
                    column="年度",
                    as_of=ctx.today.isoformat(),
                )
            period = _outside_period(ctx, projects.get(pid), year)
            if sheet == "実績" and period:
                yield _period_problem("YEAR_OUTSIDE_PERIOD", sheet, t.cell(sheet, i, "年度"), year, period)
            if town in (layout.AREA, layout.HUB, None) or pid not in projects:
                continue
            if year not in taking_part:
                taking_part[year] = ctx.model.taking_part_during(year)
            if str(town) not in taking_part[year].get(pid, {}):
                yield problem(
                    "RESULT_TOWN_NOT_TAKING_PART",
                    sheet,
                    t.cell(sheet, i, "市町"),
                    town,
                    town=town,
                    fy=wareki.format_fiscal_year(year),
                    project=projects[pid].get("事務事業名"),
                )


_ERA_TEXT = re.compile(r"(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*(?:[～~〜\-－]\s*(\d{1,2}))?\s*年(度)?")


def era_years(ctx: Context) -> Iterator[Problem]:
    """資料の和暦の表記（基準時点・目標時点・時点）と西暦の年度が合うこと。平成33年度などは令和の表記を示す。"""
    t = ctx.tables
    pairs = (("KPI", "基準時点", "基準年度"), ("KPI", "目標時点", "目標年度"), ("KPI実績", "時点", "年度"))
    for sheet, text_column, year_column in pairs:
        for i, r in rows(t, sheet, text_column, year_column):
            text, year = r[text_column], r[year_column]
            if not isinstance(text, str) or not isinstance(year, int):
                continue
            match = _ERA_TEXT.search(unicodedata.normalize("NFKC", text))
            if not match:
                continue
            era, number = match.group(1), match.group(2)
            try:
                written = wareki.parse_fiscal_year(f"{era}{number}")
            except OkaxlError:
                continue
            date = re.search(r"年\s*(\d{1,2})\s*月", text)
            if date and not match.group(4) and int(date.group(1)) <= 3:
                written -= 1  # January–March belong to the previous fiscal year
            cell = t.cell(sheet, i, text_column)
            if written != year:
                yield problem("ERA_YEAR_MISMATCH", sheet, cell, text, era_year=written, year=year)
            elif wareki.is_out_of_era(f"{era}{number}年度"):
                yield problem(
                    "ERA_OUT_OF_RANGE", sheet, cell, text, suggestion=wareki.format_fiscal_year(written)
                )


def agreements_dated(ctx: Context) -> Iterator[Problem]:
    """協約書の締結日は今日より後でないこと。"""
    for i, r in rows(ctx.tables, "協約書", "締結日"):
        if isinstance(r["締結日"], dt.date) and r["締結日"] > ctx.today:
            yield problem(
                "DATE_IN_FUTURE",
                "協約書",
                ctx.tables.cell("協約書", i, "締結日"),
                r["締結日"],
                column="締結日",
                as_of=ctx.today.isoformat(),
            )


RULE_FUNCTIONS: tuple[Rule, ...] = (
    towns_known,
    kpi_reporting_known,
    lists_known,
    measures_belong,
    keys_unique,
    names_unique,
    references_exist,
    ids_not_reused,
    participation_periods,
    projects_have_towns,
    proposer_takes_part,
    plan_and_cost,
    kpi_definitions,
    kpi_values,
    results_fit,
    era_years,
    agreements_dated,
)
