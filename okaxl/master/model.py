"""One model of the master, asked by every consumer: the partner towns, the vision periods and
their fiscal years (from the 期 sheet, so that a period staff add just works), who takes part in
what on a date or during a fiscal year, the projects and their KPIs, and the key of each sheet
(from layout, nowhere else).

A Model is the reader's Tables with these answers computed once, on first use; read_master
returns one, and Model.of() makes one of any Tables (the seed-data build, a test's tables).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.tables import Tables

Row = dict[str, Any]


@dataclass
class Model(Tables):
    @classmethod
    def of(cls, tables: Tables) -> Model:
        if isinstance(tables, Model):
            return tables
        return cls(**{f.name: getattr(tables, f.name) for f in dataclasses.fields(Tables)})

    # ------------------------------------------------------------ towns and periods

    @functools.cached_property
    def towns(self) -> tuple[str, ...]:
        """The partner towns (連携市町), in the fixed order of every published table."""
        frame = self.frames["市町"]
        if not {"順", "市町名", "区分"} <= set(frame.columns):
            return ()
        ordered = sorted(self.records("市町"), key=lambda r: r["順"] if isinstance(r["順"], int) else 999)
        return tuple(str(r["市町名"]) for r in ordered if r["区分"] == "連携市町" and r["市町名"])

    @functools.cached_property
    def periods(self) -> dict[str, tuple[int, int]]:
        """期 → (開始年度, 終了年度), as the 期 sheet says."""
        frame = self.frames["期"]
        if not {"期", "開始年度", "終了年度"} <= set(frame.columns):
            return {}
        return {
            str(r["期"]): (r["開始年度"], r["終了年度"])
            for r in self.records("期")
            if r["期"] and isinstance(r["開始年度"], int) and isinstance(r["終了年度"], int)
        }

    def fiscal_years(self, period: str | None = None) -> list[int]:
        """The fiscal years of one period, or of all periods, in order."""
        spans = [self.periods[period]] if period else list(self.periods.values())
        return sorted({year for start, end in spans for year in range(start, end + 1)})

    def period_of(self, year: int) -> str | None:
        return next((name for name, (start, end) in self.periods.items() if start <= year <= end), None)

    def require_period(self, year: int) -> str:
        """The vision period of fiscal `year`; no document is made for a year no period covers."""
        period = self.period_of(year)
        if period is None:
            spans = "、".join(
                f"{name}（{wareki.format_fiscal_year(a)}〜{wareki.format_fiscal_year(b)}）"
                for name, (a, b) in self.periods.items()
            )
            raise OkaxlError(
                f"{wareki.format_fiscal_year(year)}はどのビジョンの期にも入っていません（マスターの「期」シート：{spans}）。"
                "年度・基準日を確かめてください。新しい期が始まったときは「期」シートに行を足してください。"
            )
        return period

    # ------------------------------------------------------------ projects and who takes part

    @functools.cached_property
    def projects(self) -> dict[str, Row]:
        """事業ID → its row of 事業 (with "_row", its Excel row), in the vision's order."""
        frame = self.frames["事業"]
        if "事業ID" not in frame.columns:
            return {}
        return {
            str(r["事業ID"]): r | {"_row": int(i)}
            for i, r in zip(frame.index, self.records("事業"), strict=True)
            if r["事業ID"] is not None
        }

    def projects_on(self, date: dt.date) -> list[Row]:
        return [p for p in self.projects.values() if wareki.active_on(p.get("開始日"), p.get("終了日"), date)]

    def projects_during(self, year: int) -> list[Row]:
        if year not in self._by_year:
            self._by_year[year] = [
                p for p in self.projects.values() if wareki.active_during(p.get("開始日"), p.get("終了日"), year)
            ]
        return self._by_year[year]

    @functools.cached_property
    def _by_year(self) -> dict[int, list[Row]]:
        return {}  # what projects_during found, asked once per return: the cost stays linear

    @functools.cached_property
    def _taking_part_by_year(self) -> dict[int, dict[str, dict[str, str]]]:
        return {}

    @functools.cached_property
    def _participation_rows(self) -> list[Row]:
        frame = self.frames["参加"]
        if {"事業ID", "市町", "開始日", "終了日"} <= set(frame.columns):
            return self.records("参加")
        return []

    def taking_part_on(self, date: dt.date) -> dict[str, dict[str, str]]:
        """事業ID → {town: mark} of the partner towns taking part on `date` (★ the proposer)."""
        return self._marks(
            r for r in self._participation_rows if wareki.active_on(r["開始日"], r["終了日"], date)
        )

    def taking_part_during(self, year: int) -> dict[str, dict[str, str]]:
        """事業ID → {town: mark} of the partner towns taking part at any time in fiscal `year`
        (found once per year: callers read it, never change it)."""
        if year not in self._taking_part_by_year:
            self._taking_part_by_year[year] = self._marks(
                r for r in self._participation_rows if wareki.active_during(r["開始日"], r["終了日"], year)
            )
        return self._taking_part_by_year[year]

    def _marks(self, rows: Iterator[Row]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        towns = set(self.towns)
        for r in rows:
            town = str(r["市町"])
            if town not in towns:
                continue
            marks = found.setdefault(str(r["事業ID"]), {})
            marks[town] = "★" if "★" in (r.get("印"), marks.get(town)) else "●"
        return found

    def projects_of(self, town: str, year: int) -> list[str]:
        """The projects `town` takes part in during fiscal `year`, in the vision's order."""
        taking_part = self.taking_part_during(year)
        return [
            str(p["事業ID"])
            for p in self.projects_during(year)
            if town in taking_part.get(str(p["事業ID"]), {})
        ]

    def projects_asked(self, town: str, year: int) -> list[str]:
        """The projects `town` answers for in fiscal `year`: an excerpt row (抜粋元) is the same
        work as its source, asked there when the town takes part in both."""
        own = self.projects_of(town, year)
        return [p for p in own if str(self.projects[p].get("抜粋元") or "") not in own]

    # ------------------------------------------------------------ KPIs

    @functools.cached_property
    def kpis(self) -> dict[str, Row]:
        """KPI_ID → its row of KPI."""
        frame = self.frames["KPI"]
        if "KPI_ID" not in frame.columns:
            return {}
        return {str(r["KPI_ID"]): r for r in self.records("KPI") if r["KPI_ID"] is not None}

    def kpis_of(self, project_id: str) -> list[Row]:
        return self._kpis_by_project.get(project_id, [])

    @functools.cached_property
    def _kpis_by_project(self) -> dict[str, list[Row]]:
        found: dict[str, list[Row]] = {}
        for k in self.kpis.values():
            found.setdefault(str(k.get("事業ID")), []).append(k)
        return {
            p: sorted(ks, key=lambda k: k["順"] if isinstance(k.get("順"), int) else 0) for p, ks in found.items()
        }

    def reporters(self, kpi_id: str) -> frozenset[str] | None:
        """The towns asked this KPI's value (報告する市町), or None for every town taking part
        (各市町, or blank)."""
        return reporting_towns(self.kpis.get(kpi_id, {}).get("報告する市町"))

    def kpi_choices(self, kpi_id: str) -> tuple[str, ...]:
        """The answers a KPI in words takes (its 選択肢名's list, in order); () for a number."""
        name = self.kpis.get(kpi_id, {}).get("選択肢名")
        return self.choices(str(name)) if name else ()

    def choices(self, name: str) -> tuple[str, ...]:
        return self._choices.get(name, ())

    @functools.cached_property
    def _choices(self) -> dict[str, tuple[str, ...]]:
        frame = self.frames["選択肢"]
        if not {"選択肢名", "値", "順"} <= set(frame.columns):
            return {}
        lists: dict[str, list[tuple[int, str]]] = {}
        for r in self.records("選択肢"):
            if r["選択肢名"] and r["値"] is not None:
                number = r["順"]
                order = int(number) if isinstance(number, int | float) or str(number).strip().isdigit() else 0
                lists.setdefault(str(r["選択肢名"]), []).append((order, str(r["値"])))
        return {name: tuple(v for _, v in sorted(values)) for name, values in lists.items()}

    # ------------------------------------------------------------ values over the years

    @functools.cached_property
    def _values(self) -> dict[tuple[str, str], list[Row]]:
        """(KPI_ID, reporter) → its values, oldest year first."""
        series: dict[tuple[str, str], list[Row]] = {}
        frame = self.frames["KPI実績"]
        if {"KPI_ID", "年度", "市町", "現状値"} <= set(frame.columns):
            for r in self.records("KPI実績"):
                if isinstance(r["年度"], int) and r["現状値"] is not None:
                    series.setdefault((str(r["KPI_ID"]), str(r["市町"])), []).append(r)
        for rows in series.values():
            rows.sort(key=lambda r: r["年度"])
        return series

    def kpi_value(self, kpi_id: str, reporter: str, year: int, *, before: bool = False) -> Row | None:
        """The latest value `reporter` gave for a KPI in fiscal `year` or earlier (before it, with
        `before`): a year without a report shows the last one, with its own year."""
        found = None
        for r in self._values.get((kpi_id, reporter), []):
            if r["年度"] < year or (r["年度"] == year and not before):
                found = r
        return found

    def kpi_series(self, kpi_id: str, reporter: str, first: int, last: int) -> list[Row]:
        """The values `reporter` gave for a KPI in fiscal years `first`..`last`, oldest first."""
        return [r for r in self._values.get((kpi_id, reporter), []) if first <= r["年度"] <= last]

    @functools.cached_property
    def _results(self) -> dict[tuple[str, str], list[Row]]:
        series: dict[tuple[str, str], list[Row]] = {}
        frame = self.frames["実績"]
        if {"事業ID", "年度", "市町"} <= set(frame.columns):
            for r in self.records("実績"):
                if isinstance(r["年度"], int):
                    series.setdefault((str(r["事業ID"]), str(r["市町"])), []).append(r)
        for rows in series.values():
            rows.sort(key=lambda r: r["年度"])
        return series

    def last_result(self, project_id: str, town: str, year: int, column: str = "取組実績") -> Row | None:
        """The latest row of 実績 before fiscal `year` in which `town` wrote `column`."""
        found = None
        for r in self._results.get((project_id, town), []):
            if r["年度"] < year and r.get(column):
                found = r
        return found

    # ------------------------------------------------------------ the plan

    @functools.cached_property
    def _plan(self) -> dict[str, dict[int, Row]]:
        plan: dict[str, dict[int, Row]] = {}
        frame = self.frames["工程"]
        if {"事業ID", "年度"} <= set(frame.columns):
            for r in self.records("工程"):
                if isinstance(r["年度"], int):
                    plan.setdefault(str(r["事業ID"]), {})[r["年度"]] = r
        return plan

    def plan(self, project_id: str, year: int) -> Row | None:
        return self._plan.get(project_id, {}).get(year)

    def stage(self, project_id: str, year: int) -> str | None:
        """The stage of a year as a person reads it: 「→」 (printed for "as the year before")
        resolved to the stage it continues; the master keeps the arrow as printed."""
        plan = self._plan.get(project_id, {})
        for earlier in sorted((y for y in plan if y <= year), reverse=True):
            stage = plan[earlier].get("工程")
            if stage and stage != layout.STAGES[-1]:
                return str(stage)
            if not stage and earlier == year:
                return None
        return None

    # ------------------------------------------------------------ keys

    @staticmethod
    def key(sheet: str) -> tuple[str, ...]:
        return layout.sheet(sheet).key

    def by_key(self, sheet: str) -> dict[tuple[object, ...], Row]:
        """The rows of `sheet` under their key (the last of equal keys), found once per sheet."""
        if sheet not in self._keyed:
            columns = self.key(sheet)
            self._keyed[sheet] = {tuple(r.get(k) for k in columns): r for r in self.records(sheet)}
        return self._keyed[sheet]

    @functools.cached_property
    def _keyed(self) -> dict[str, dict[tuple[object, ...], Row]]:
        return {}


def reporting_towns(said: object) -> frozenset[str] | None:
    """報告する市町 as written: 各市町 or blank → None (every town taking part); else the names,
    separated by 、 or commas or spaces (typed in full or half width)."""
    names = frozenset(n for n in re.split(r"[、,，\s]+", unicodedata.normalize("NFKC", str(said or ""))) if n)
    return None if not names or layout.EACH_TOWN in names else names


def partner_towns(tables: Tables) -> tuple[str, ...]:
    return Model.of(tables).towns
