"""The changes-only excerpt (改訂案 ※変更箇所のみ抜粋) between two versions of the master.

Versions are compared by key (project ID, then town, fiscal year, KPI order), never by cell
position; differences of white space or of full-/half-width only are not changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from okaxl import wareki
from okaxl.config import PUBLISHER
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.model import Model, partner_towns
from okaxl.master.reader import read_master
from okaxl.master.source import UNKNOWN_CONTENT
from okaxl.master.tables import Tables, records
from okaxl.numbers import format_number
from okaxl.publish.grid import Grid, Look, write_book
from okaxl.publish.page import page_height, row_height, wrapped_lines
from okaxl.publish.sheets import kpi_end_text
from okaxl.publish.titles import Titles

NOTES = (
    "☆事業費欄は、本ビジョンを策定する時点での圏域市町の事業費見込合計額を記載しており、未定の場合は「-」とします。"
    "また、毎年度予算編成に応じて見直しを行います。",
    "☆重要業績評価指標は、現状が把握できないなど、基準値が設定できないものを「-」とします。",
    "☆記載内容は、協議の状況や事業の進捗に応じ、適宜見直しを行います。",
)
TABLE_ROLE_WIDTH, TABLE_NAME_WIDTH, TABLE_TOWN_WIDTH, TABLE_PAGE_WIDTH = 16, 46, 4.2, 9
TABLE_HEAD_HEIGHT = 60.0
TABLE_TITLE_HEIGHT = 20.0 + 15.0  # the title and the blank row under it, on the first page only
CHANGED_FILL = "FFF2CC"
CHANGED_FONT_COLOR = "C00000"
BLACK = "000000"  # the tables' thin lines


def _norm(value: object) -> object:
    if isinstance(value, str):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Snapshot:
    """One project as one version of the master says it."""

    pid: str
    name: str
    pillar: str
    measure: str
    page: int | None
    towns: tuple[str, ...]
    known: bool
    years: tuple[int, ...] = ()  # the fiscal years of the project's vision period (its plan columns)
    excerpt_of: str | None = None  # the project this row is printed as an excerpt of (抜粋元)
    fields: dict[str, object] = field(default_factory=dict)  # item label → value


@dataclass(frozen=True, slots=True)
class Change:
    pid: str
    name: str
    item: str
    old: object
    new: object
    kind: str  # 追加, 変更, 削除, 内容不明


@dataclass
class Revision:
    old_date: dt.date
    new_date: dt.date
    new: dict[str, Snapshot]
    changes: list[Change]
    measures: dict[str, str | None]  # measure → its 【連携協約の取組】 paragraph
    excerpts: frozenset[str] = frozenset()  # rows printed as an excerpt of another project
    reference_page: int | None = None  # where 【参考】圏域間連携事業 is printed, if the master has it

    @property
    def project_count(self) -> int:
        return sum(1 for pid in self.new if pid not in self.excerpts)

    @functools.cached_property
    def by_project(self) -> dict[str, list[Change]]:
        """The changes of each project (looked up per project: a scan per project was quadratic)."""
        found: dict[str, list[Change]] = {}
        for c in self.changes:
            found.setdefault(c.pid, []).append(c)
        return found

    @functools.cached_property
    def changed_projects(self) -> list[str]:
        """The projects that get a detail sheet: new, changed in content, or whose old content is
        unknown (seed 003 prints those too: a change cannot be ruled out, so the sheet is shown)."""
        return [
            pid
            for pid in self.new
            if any(
                c.kind in ("追加", "変更", "内容不明") and c.item != "連携市町"
                for c in self.by_project.get(pid, ())
            )
        ]

    def unknown_before(self, pid: str) -> bool:
        return any(c.kind == "内容不明" for c in self.by_project.get(pid, ()))

    @functools.cached_property
    def _openers(self) -> set[str]:
        first: dict[str | None, str] = {}
        for pid, snap in self.new.items():
            if pid not in self.excerpts:
                first.setdefault(snap.measure, pid)
        return set(first.values())

    def opens_measure(self, pid: str) -> bool:
        """Whether `pid` is the first project of its measure in the annex: seeds 002 and 003 print
        the 【連携協約の取組】 paragraph on that project's page only (風水害, not 公共施設)."""
        return pid in self._openers


def _check_schema(tables: Tables, path: Path) -> None:
    missing = [p.sheet for p in tables.problems if p.code == "SHEET_MISSING"]
    info = {str(r["項目"]): r["値"] for r in records(tables["情報"])} if "情報" not in missing else {}
    if missing or "スキーマ版" not in info:
        raise OkaxlError(
            f"{path} は okaxl のマスター（またはその版）ではありません（足りないシート: {'、'.join(missing) or '情報'}）。"
        )
    if str(info["スキーマ版"]) != layout.SCHEMA_VERSION:
        raise OkaxlError(
            f"{path} はスキーマ版 {info['スキーマ版']} のマスターです（この okaxl は {layout.SCHEMA_VERSION}）。"
            "同じスキーマ版のマスターどうしを比べてください。"
        )


def _revision_date(tables: Tables, path: Path) -> dt.date:
    dates = [r["改訂日"] for r in records(tables["掲載"]) if isinstance(r["改訂日"], dt.date)]
    if not dates:
        raise OkaxlError(f"{path} の「掲載」シートに改訂日がありません。別冊の版を比べられません。")
    return max(dates)


def snapshots(tables: Tables, revised: dt.date) -> dict[str, Snapshot]:
    """Every project printed in the annex revision of `revised`, as of the end of that month."""
    as_of = wareki.month_end(revised)
    model = Model.of(tables)
    towns = model.towns
    pages = {
        str(r["事業ID"]): int(r["掲載ページ"]) for r in records(tables["掲載"]) if r["改訂日"] == revised
    }
    taking_part = model.taking_part_on(as_of)
    plan = {(str(r["事業ID"]), r["年度"]): r for r in records(tables["工程"])}
    roles = {(str(r["事業ID"]), r["主体"]): r["役割"] for r in records(tables["役割"])}
    kpis: dict[str, list[dict[str, object]]] = {}
    for k in records(tables["KPI"]):
        kpis.setdefault(str(k["事業ID"]), []).append(k)
    out = {}
    for p in records(tables["事業"]):
        pid = str(p["事業ID"])
        if pid not in pages:
            continue
        snap = Snapshot(
            pid,
            str(p["事務事業名"]),
            str(p["分野"]),
            str(p["施策"]),
            pages[pid],
            tuple(t for t in towns if t in taking_part.get(pid, {})),
            known=not str(p["内容の出典"] or UNKNOWN_CONTENT).startswith("資料なし"),
            years=tuple(model.fiscal_years(str(p["期"])) if str(p["期"]) in model.periods else ()),
            excerpt_of=str(p["抜粋元"]) if p["抜粋元"] else None,
        )
        f = snap.fields
        f["事業目的"], f["事業内容"] = p["事業目的"], p["事業内容"]
        for year in snap.years:
            step = plan.get((pid, year), {})
            f[f"工程（{wareki.short_fiscal_year(year)}年度）"] = step.get("工程")
            f[f"事業費（{wareki.short_fiscal_year(year)}年度）"] = step.get("事業費")
        f["事業費（計）"] = p["事業費計"]
        f["事業費の注記"] = p["事業費の注記"]
        f["役割（岡山市）"] = roles.get((pid, "岡山市"))
        f["役割（連携市町）"] = roles.get((pid, "連携市町"))
        for k in sorted(kpis.get(pid, []), key=lambda k: k["順"] if isinstance(k["順"], int) else 0):
            n = k["順"]
            f[f"KPI{n} 指標"] = k["指標"]
            for which in ("基準値", "目標値"):
                f[f"KPI{n} {which}"] = kpi_end_text(k, which, inline=True) if k[which] is not None else None
        out[pid] = snap
    return out


REFERENCE = "参考"  # the 事業ID column of a 変更一覧 row about 【参考】圏域間連携事業


def _reference_changes(old_tables: Tables, new_tables: Tables) -> list[Change]:
    """What changed in 【参考】圏域間連携事業 (seed 002 prints those pages in a revision year)."""

    def rows(tables: Tables) -> dict[tuple[str, str], dict[str, object]]:
        return {(str(r["連携先"]), str(r["事務事業名"])): r for r in records(tables["圏域間連携"])}

    before, after = rows(old_tables), rows(new_tables)
    changes = []
    for key, row in after.items():
        name = f"【参考】{key[0]}：{key[1]}"
        if key not in before:
            changes.append(Change(REFERENCE, name, "事業", None, "追加", "追加"))
            continue
        for item in ("事業目的", "事業内容"):
            if _norm(before[key][item]) != _norm(row[item]):
                changes.append(Change(REFERENCE, name, item, before[key][item], row[item], "変更"))
    for key in before.keys() - after.keys():
        changes.append(Change(REFERENCE, f"【参考】{key[0]}：{key[1]}", "事業", "掲載", None, "削除"))
    return changes


def compare(old_path: Path, new_path: Path, new_tables: Tables | None = None) -> Revision:
    """What changed from the master `old_path` to `new_path` (`new_tables`: it, read already)."""
    old_tables, new_tables = read_master(old_path), new_tables or read_master(new_path)
    _check_schema(old_tables, old_path)
    _check_schema(new_tables, new_path)
    old_date, new_date = _revision_date(old_tables, old_path), _revision_date(new_tables, new_path)
    old, new = snapshots(old_tables, old_date), snapshots(new_tables, new_date)
    changes: list[Change] = []
    for pid, snap in new.items():
        before = old.get(pid)
        if before is None:
            changes.append(Change(pid, snap.name, "事業", None, "追加", "追加"))
            continue
        if snap.towns != before.towns:
            added = [t for t in snap.towns if t not in before.towns]
            removed = [t for t in before.towns if t not in snap.towns]
            summary = "、".join(
                filter(
                    None,
                    [
                        f"追加 {'・'.join(added)}" if added else "",
                        f"削除 {'・'.join(removed)}" if removed else "",
                    ],
                )
            )
            changes.append(
                Change(pid, snap.name, "連携市町", "、".join(before.towns), "、".join(snap.towns), summary)
            )
        for label, value in (("事務事業名", snap.name), ("施策", snap.measure)):
            previous = before.name if label == "事務事業名" else before.measure
            if _norm(previous) != _norm(value):
                changes.append(Change(pid, snap.name, label, previous, value, "変更"))
        if not before.known:
            if snap.known:
                changes.append(
                    Change(pid, snap.name, "内容", "（旧版の内容は資料になく不明）", None, "内容不明")
                )
            continue
        for item, current in snap.fields.items():
            if _norm(before.fields.get(item)) != _norm(current):
                changes.append(Change(pid, snap.name, item, before.fields.get(item), current, "変更"))
        for label in before.fields.keys() - snap.fields.keys():
            changes.append(Change(pid, snap.name, label, before.fields[label], None, "変更"))
    for pid, snap in old.items():
        if pid not in new:
            changes.append(Change(pid, snap.name, "事業", "掲載", None, "削除"))
    changes += _reference_changes(old_tables, new_tables)
    measures: dict[str, str | None] = {str(r["施策名"]): r["説明"] for r in records(new_tables["施策"])}
    excerpts = frozenset(str(r["事業ID"]) for r in records(new_tables["事業"]) if r["抜粋元"])
    # 【参考】圏域間連携事業 follows the last detail sheet: page 43 after 42 in seed 002, 48 after
    # 47 in seed 003; the master keeps no page of its own for it
    pages = [s.page for s in new.values() if s.page is not None]
    reference = max(pages) + 1 if pages and not new_tables["圏域間連携"].empty else None
    return Revision(old_date, new_date, new, changes, measures, excerpts, reference)


# ------------------------------------------------------------------------------------- writing


def _cell(grid: Grid, row: int, column: int, value: object, font: Look, *, center: bool = False) -> None:
    """A cell of a table: boxed, wrapping, at the top left (or centred)."""
    place = "center" if center else None
    grid.put(
        row,
        column,
        value,
        font.but(border=BLACK, wrap=True, vertical=place or "top", horizontal=place or "left"),
    )


# The cover as seed 003 prints it: (text, size in points, space above it in points).
_COVER = (
    ("(改訂案)", 12, 0),
    ("※変更箇所のみ抜粋", 12, 0),
    ("第2期", 20, 150),
    ("岡山連携中枢都市圏ビジョン", 24, 0),
    ("《別冊》", 20, 0),
    ("(改訂版)", 14, 0),
    ("～つながり、創造する。", 14, 60),
    ("躍動！岡山都市圏～", 14, 0),
)


def _cover(grid: Grid, revision: Revision, font: str) -> None:
    lines = [*_COVER, (wareki.format_month(revision.new_date), 14, 150), ("岡山市", 16, 30)]
    if not revision.changes:
        lines.append(("変更はありません", 14, 30))
    _stack(grid, lines, font, left=2)


_HALF_BRACKETS = str.maketrans("（）", "()")


def _back(grid: Grid, revision: Revision, font: str, publisher: Sequence[str]) -> None:
    """The back page, as seeds 002 and 003 end: the booklet, its revision and its publisher."""
    lines = [
        ("第2期 岡山連携中枢都市圏ビジョン", 16, 420),
        ("《別冊》", 16, 0),
        # the back page sets the year in half-width brackets: 令和8年(2026年)3月改訂
        (wareki.format_month(revision.new_date).translate(_HALF_BRACKETS) + "改訂", 12, 20),
        *((line, 11, 20 if k == 0 else 0) for k, line in enumerate(publisher)),
    ]
    _stack(grid, lines, font)


def _stack(grid: Grid, lines: Sequence[tuple[str, float, float]], font: str, left: int = 0) -> None:
    """Lines of a cover, one under another (text, size in points, space above in points); the
    first `left` lines at the left edge, the others centred on a portrait page."""
    row = 1
    for text, size, space in lines:
        if space:
            grid.heights[row] = space
            row += 1
        # the text sits in B, a column narrower than the page, so nothing reaches past an edge
        bold = size >= 20 or text == "変更はありません"
        where = "left" if row <= left else "center"
        grid.put(row, 2, text, Look(font, size, bold=bold, horizontal=where, vertical="center"))
        grid.heights[row] = row_height(1, size)
        row += 1
    grid.widths |= {1: 4, 2: 80}
    grid.landscape = False


def _table(
    grid: Grid, revision: Revision, towns: tuple[str, ...], pillars: dict[str, str], font: str
) -> None:
    bold, plain = Look(font, 9, bold=True), Look(font, 9)
    grid.put(1, 1, "具体的な取組", Look(font, 14, bold=True))
    heads = ["役割", f"【連携取組名】\n【事務事業名】 {revision.project_count}事務事業", *towns, "掲載ページ"]
    for column, head in enumerate(heads, start=1):
        _cell(grid, 3, column, head, bold, center=True)
    grid.heights[3] = TABLE_HEAD_HEIGHT
    for column in range(3, 3 + len(towns)):
        grid.put(
            3,
            column,
            grid.value(3, column),
            bold.but(border=BLACK, stacked=True, horizontal="center", vertical="center"),
        )
    # Pages are laid out here: a 役割's rows stay on one page, and one too long for a page breaks
    # between its 連携取組, its 役割 said again on the next (as seed 003 prints it)
    row, used = 4, TABLE_TITLE_HEIGHT
    widths = [TABLE_ROLE_WIDTH, TABLE_NAME_WIDTH, *[TABLE_TOWN_WIDTH] * len(towns), TABLE_PAGE_WIDTH]
    capacity = page_height(widths, landscape=False) - TABLE_HEAD_HEIGHT  # the header repeats on each
    for pillar, projects in groupby(revision.new.values(), key=lambda s: s.pillar):
        blocks = [list(members) for _, members in groupby(projects, key=lambda s: s.measure)]
        heights = [
            [_row_height(b[0].measure, bold), *(_row_height(f"　{s.name}", plain) for s in b)] for b in blocks
        ]
        if used + sum(map(sum, heights)) > capacity and used > TABLE_TITLE_HEIGHT:
            grid.breaks.append(row - 1)
            used = 0.0
        first = row
        for members, block in zip(blocks, heights, strict=True):
            if used + sum(block) > capacity and row > first:
                _role(grid, first, row - 1, pillars.get(pillar, pillar), bold)
                grid.breaks.append(row - 1)
                first, used = row, 0.0
            _cell(grid, row, 2, members[0].measure, bold)
            for column in range(3, 4 + len(towns)):
                _cell(grid, row, column, None, plain)
            for offset, snap in enumerate(members, start=1):
                _cell(grid, row + offset, 2, f"　{snap.name}", plain)
                for i, town in enumerate(towns):
                    _cell(grid, row + offset, 3 + i, "○" if town in snap.towns else None, plain, center=True)
                _cell(grid, row + offset, 3 + len(towns), snap.page, plain, center=True)
            for offset, height in enumerate(block):
                grid.heights[row + offset] = height
            row += len(block)
            used += sum(block)
        _role(grid, first, row - 1, pillars.get(pillar, pillar), bold)
    if revision.reference_page is not None:
        row += 1
        _cell(grid, row, 2, "【参考】 圏域間連携事業", bold)
        _cell(grid, row, 3 + len(towns), revision.reference_page, plain, center=True)
        row += 1
    row += 1
    for note in NOTES:
        grid.put(row, 1, note, plain.but(wrap=True))
        grid.merge(row, 1, row, 3 + len(towns))
        grid.heights[row] = 26
        row += 1
    grid.widths |= dict(enumerate(widths, start=1))
    grid.grow_rows()
    grid.landscape, grid.title_rows = False, (3, 3)


def _row_height(text: str, font: Look) -> float:
    return max(15.0, row_height(wrapped_lines(text, TABLE_NAME_WIDTH, font.size), font.size))


def _role(grid: Grid, first: int, last: int, label: str, font: Look) -> None:
    """The 役割 over its rows on one page (grow_rows makes the last taller for a longer label)."""
    _cell(grid, first, 1, label, font, center=True)
    grid.merge(first, 1, last, 1)


def _detail(grid: Grid, snap: Snapshot, revision: Revision, font: str) -> None:
    bold, plain = Look(font, 9, bold=True), Look(font, 9)
    changed = {c.item: c for c in revision.by_project.get(snap.pid, ())}
    new_project = any(c.kind == "追加" for c in changed.values())
    row = 1
    description = revision.measures.get(snap.measure)
    if description and revision.opens_measure(snap.pid):
        grid.put(row, 1, f"【連携協約の取組】 {snap.measure}", Look(font, 11, bold=True))
        grid.put(row + 1, 1, str(description), plain.but(wrap=True))
        grid.merge(row + 1, 1, row + 1, 7)
        grid.heights[row + 1] = 30
        row += 3

    def mark(r: int, c: int, item: str) -> None:
        if item in changed or new_project:
            look = grid.look(r, c) or plain
            grid.put(r, c, grid.value(r, c), look.but(size=9, fill=CHANGED_FILL, color=CHANGED_FONT_COLOR))
            if item in changed and not new_project:
                grid.comments[(r, c)] = f"変更前：{_shown(item, changed[item].old) or '（なし）'}"

    def line(label: str, value: object, item: str, height: float = 20) -> None:
        nonlocal row
        _cell(grid, row, 1, label, bold, center=True)
        _cell(grid, row, 2, value, plain)
        grid.merge(row, 2, row, 7)
        grid.heights[row] = height
        mark(row, 2, item)
        row += 1

    line("事務事業名", snap.name, "事務事業名")
    if revision.unknown_before(snap.pid):
        # said beside the name on screen, and in a note under the sheet on paper
        grid.comments[(row - 1, 2)] = (
            f"{wareki.format_month(revision.old_date)}版のこの事業の内容は okaxl の元資料になく、"
            "変更箇所を示せないため全体を掲載しています（変更一覧では「内容不明」）。"
        )
    line("連携市町", "、".join(snap.towns), "連携市町")
    line("事業目的", snap.fields.get("事業目的"), "事業目的", 48)
    line("事業内容", snap.fields.get("事業内容"), "事業内容", 60)
    _cell(grid, row, 1, "工程及び事業費\n(見込額)", bold, center=True)
    grid.merge(row, 1, row + 2, 1)
    for i, year in enumerate(snap.years):
        short = wareki.short_fiscal_year(year)
        _cell(grid, row, 2 + i, f"{short}年度", bold, center=True)
        _cell(grid, row + 1, 2 + i, snap.fields.get(f"工程（{short}年度）"), plain, center=True)
        mark(row + 1, 2 + i, f"工程（{short}年度）")
        _cell(grid, row + 2, 2 + i, _amount(snap.fields.get(f"事業費（{short}年度）")), plain, center=True)
        mark(row + 2, 2 + i, f"事業費（{short}年度）")
    _cell(grid, row, 7, "計", bold, center=True)
    _cell(grid, row + 1, 7, None, plain)
    _cell(grid, row + 2, 7, _amount(snap.fields.get("事業費（計）")), plain, center=True)
    mark(row + 2, 7, "事業費（計）")
    row += 3
    _cell(grid, row, 1, "役割・費用負担", bold, center=True)
    grid.merge(row, 1, row + 1, 1)
    for offset, actor in enumerate(("岡山市", "連携市町")):
        _cell(grid, row + offset, 2, actor, bold, center=True)
        _cell(grid, row + offset, 3, snap.fields.get(f"役割（{actor}）"), plain)
        grid.merge(row + offset, 3, row + offset, 7)
        grid.heights[row + offset] = 60
        mark(row + offset, 3, f"役割（{actor}）")
    row += 2
    # an excerpt row (抜粋元) prints no KPI of its own: they are on its source project's page
    source = revision.new.get(snap.excerpt_of or "")
    if source is None:
        kpis = sorted({int(k.split()[0][3:]) for k in snap.fields if k.startswith("KPI")})
        _cell(grid, row, 1, "重要業績\n評価指標\n(KPI)", bold, center=True)
        grid.merge(row, 1, row + max(len(kpis), 1), 1)
        # two columns each for 指標, 基準値 and 目標値, as seed 003 (基準値 alone in one column
        # broke 「（令和元年度）」 before its closing bracket)
        parts = ((2, "指標"), (4, "基準値"), (6, "目標値"))
        for column, head in parts:
            _cell(grid, row, column, head, bold, center=True)
            grid.merge(row, column, row, column + 1)
        for n, number in enumerate(kpis or [0], start=1):
            r = row + n
            for column, part in parts:
                _cell(grid, r, column, snap.fields.get(f"KPI{number} {part}", "－"), plain)
                grid.merge(r, column, r, column + 1)
                mark(r, column, f"KPI{number} {part}")
            grid.heights[r] = 30
        row += len(kpis or [0]) + 2
    else:
        row += 1
    notes: list[tuple[str, str | None]] = []
    if source is not None:
        notes.append(
            (
                f"※P.{source.page}に記載の事業「{source.name}」の一部抜粋。"
                f"重要業績評価指標（KPI）は、P.{source.page}に記載",
                None,
            )
        )
    if snap.fields.get("事業費の注記"):
        notes.append((str(snap.fields["事業費の注記"]), "事業費の注記"))
    if revision.unknown_before(snap.pid):  # the sheet is whole, and says why it marks nothing
        old = wareki.format_month(revision.old_date)
        notes.append((f"※{old}版のこの事業の内容は元資料になく、変更箇所を示せないため全体を掲載", None))
    else:
        notes.append(("網掛け・赤字は変更箇所" + ("（新規事業）" if new_project else ""), None))
    for text, item in notes:
        grid.put(row, 1, text, plain.but(wrap=True, vertical="top"))
        grid.merge(row, 1, row, 7)
        if item:
            mark(row, 1, item)
        row += 1
    grid.widths |= dict(enumerate((14, 16, 16, 16, 16, 16, 16), start=1))
    grid.grow_rows()
    grid.landscape = False


def _amount(value: object) -> object:
    """An amount as the annex prints it: 千円 with commas; 「—」 and the like as they are."""
    return f"{format_number(value)}千円" if isinstance(value, int | float) else value


def _shown(item: str, value: object) -> str | None:
    """A value of the 変更一覧 as the annex prints it: amounts in 千円 with commas."""
    if value is None:
        return None
    return str(_amount(value) if item.startswith("事業費（") else value)


def _list(grid: Grid, revision: Revision, font: str) -> None:
    title = f"変更一覧（{wareki.format_month(revision.old_date)} → {wareki.format_month(revision.new_date)}）"
    grid.put(1, 1, title, Look(font, 12, bold=True))
    grid.merge(1, 1, 1, 6)
    grid.heights[1] = row_height(1, 12)
    rows: list[list[object]] = [["事業ID", "事務事業名", "項目", "変更前", "変更後", "区分"]]
    rows += [
        [c.pid, c.name, c.item, _shown(c.item, c.old), _shown(c.item, c.new), c.kind]
        for c in revision.changes
    ]
    if not revision.changes:
        rows.append(["", "変更はありません"])
    for row, values in enumerate(rows, start=2):
        look = Look(font, 9, bold=row == 2, border=BLACK, wrap=True, vertical="top")
        for column in range(1, 7):
            grid.put(row, column, values[column - 1] if column <= len(values) else None, look)
    grid.widths |= dict(enumerate((8, 36, 18, 40, 40, 14), start=1))
    grid.grow_rows()
    grid.freeze = (3, 1)
    grid.autofilter = (2, 1, max(grid.max_row, 3), 6)
    grid.title_rows = (2, 2)


def write_revision(
    revision: Revision,
    new_tables: Tables,
    path: Path,
    font: str,
    publisher: Sequence[str] = PUBLISHER,
    each: Callable[[], None] | None = None,
) -> Path:
    """The excerpt: cover, table, a sheet per changed project, the back page, then 変更一覧 (the
    staff's list of every change, after the pages the city prints). Each sheet is laid out as
    XlsxWriter takes it, so one grid at a time is held."""
    titles = Titles(["表紙", "具体的な取組", "裏表紙", "変更一覧"])

    def sheets() -> Iterator[Grid]:
        grid = Grid("表紙")
        _cover(grid, revision, font)
        yield grid
        grid = Grid("具体的な取組")
        pillars = {str(r["番号"]): str(r["分野名"]) for r in records(new_tables["分野"])}
        _table(grid, revision, partner_towns(new_tables), pillars, font)
        yield grid
        for pid in revision.changed_projects:
            snap = revision.new[pid]
            grid = Grid(titles.new(f"P{snap.page} {snap.name}"))
            _detail(grid, snap, revision, font)
            yield grid
            if each:
                each()
        grid = Grid("裏表紙")
        _back(grid, revision, font, publisher)
        yield grid
        grid = Grid("変更一覧")
        _list(grid, revision, font)
        yield grid

    return write_book(sheets(), path)
