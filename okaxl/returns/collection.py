"""The collection round of a fiscal year, remembered: every form issued and every return received,
with its status each time it was checked or merged, kept as an append-only log beside the master
(`master.collection.jsonl`, written like the ledger: one JSON line per event, fsynced). What each
town's round stands at is folded from it, so a check of one resubmission never resets the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okaxl import wareki
from okaxl.files import os_failure
from okaxl.master import ledger
from okaxl.publish.grid import Grid, Look, write_book
from okaxl.publish.page import row_height, wrapped_lines

STATUSES = ("未着", "受理", "要修正", "却下", "取込済", "競合")
DONE = ("取込済", "受理", "競合")  # the town has done its part (a conflict is staff's to decide)
_FILLS = {"未着": "FCE4D6", "要修正": "FFF2CC", "却下": "F8CBAD", "競合": "F8CBAD", "取込済": "E2EFDA"}


def log_path(master: Path) -> Path:
    return master.with_name(f"{master.stem}.collection.jsonl")


def _append(master: Path, record: dict[str, Any]) -> None:
    try:
        ledger.append_to(log_path(master), record)
    except OSError as exc:
        raise os_failure(exc, log_path(master), "回収状況を記録する") from exc


def record_issued(master: Path, year: int, town: str, form_id: str, file: Path) -> None:
    _append(master, {"op": "issued", "year": year, "town": town, "form_id": form_id, "file": file.name})


def record_received(
    master: Path, file: Path, sha256: str, town: str | None, year: int | None, status: str, by: str
) -> None:
    """A return seen by `check` or `merge` (`by`), with the status it got then (one of STATUSES)."""
    _append(
        master,
        {
            "op": "received",
            "year": year,
            "town": town,
            "file": file.name,
            "sha256": sha256,
            "status": status,
            "by": by,
        },
    )


@dataclass
class TownRound:
    town: str
    status: str = "未着"
    issued_at: str | None = None
    form_id: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    last_checked: str | None = None
    days_overdue: int = 0
    contact: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "town": self.town,
            "status": self.status,
            "issued_at": self.issued_at,
            "form_id": self.form_id,
            "received": self.received,
            "last_checked": self.last_checked,
            "days_overdue": self.days_overdue,
            "contact": self.contact,
        }


@dataclass
class Round:
    year: int
    deadline: dt.date | None
    towns: list[TownRound]
    others: list[dict[str, Any]] = field(default_factory=list)  # returns of no partner town

    def to_json(self) -> dict[str, object]:
        return {
            "year": self.year,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "towns": [t.to_json() for t in self.towns],
            "others": self.others,  # returns whose town okaxl could not tell
        }

    def count(self, status: str) -> int:
        return sum(t.status == status for t in self.towns)

    @property
    def complete(self) -> bool:
        return all(t.status == "取込済" for t in self.towns)


def _local(utc: str) -> str:
    try:
        return dt.datetime.fromisoformat(utc).astimezone(wareki.JST).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return utc


def round_of(
    master: Path,
    year: int,
    towns: Iterable[str],
    deadline: dt.date | None,
    contacts: dict[str, str],
    today: dt.date | None = None,
) -> Round:
    """Where the round of fiscal `year` stands, town by town, folded from the log."""
    today = today or wareki.now().date()
    rounds = {t: TownRound(t, contact=contacts.get(t, "")) for t in towns}
    result = Round(year, deadline, list(rounds.values()))
    seen: set[tuple[str, str, str]] = set()
    # the merges the ledger holds count even where the round's own log was lost
    merged = [
        {**r, "op": "received", "status": "取込済"}
        for r in ledger.read(master)
        if r.get("op") == "return" and r.get("status") == "merged"
    ]
    for record in [*merged, *ledger.read_from(log_path(master))]:
        if record.get("year") != year:
            continue
        town = rounds.get(str(record.get("town")))
        at = _local(str(record.get("utc", "")))
        if record.get("op") == "issued" and town is not None:
            town.issued_at, town.form_id = at, record.get("form_id")
        elif record.get("op") == "received":
            entry = {
                "file": record.get("file"),
                "sha256": record.get("sha256"),
                "at": at,
                "status": record.get("status"),
            }
            if town is None:
                result.others.append({"town": record.get("town"), **entry})
                continue
            key = (town.town, str(record.get("sha256")), str(record.get("status")))
            if key not in seen:  # the same file checked again with the same result is one arrival
                town.received.append(entry)
                seen.add(key)
            status = str(record.get("status"))
            # a town whose answers are in stays so, unless a later return disagrees with them
            if town.status != "取込済" or status in ("取込済", "競合"):
                town.status = status
            town.last_checked = at
    for town in result.towns:
        if deadline and town.status not in DONE and today > deadline:
            town.days_overdue = (today - deadline).days
    return result


def write_workbook(state: Round, path: Path, font: str) -> Path:
    """回収状況_令和7年度.xlsx: A4, one row per town, who is late, a summary line. Written with
    XlsxWriter (publish.grid): every check and merge writes it, and importing openpyxl alone took
    a tenth of a merge."""
    name = wareki.format_fiscal_year(state.year)
    due = f"提出期限 {wareki.format_date(state.deadline)}" if state.deadline else "提出期限 なし"
    rows: list[list[object]] = [
        [f"{name} 回答の回収状況（{wareki.format_date(wareki.now().date())} 現在、{due}）"],
        ["市町", "状態", "様式の配布", "到着した回答", "最終確認", "遅れ（日）", "連絡先"],
    ]
    for town in state.towns:
        arrivals = "\n".join(f"{r['at']} {r['file']}（{r['status']}）" for r in town.received) or "—"
        rows.append(
            [
                town.town,
                town.status,
                town.issued_at or "—",
                arrivals,
                town.last_checked or "—",
                town.days_overdue or None,
                town.contact,
            ]
        )
    for other in state.others:
        rows.append(
            [
                other.get("town") or "（不明）",
                other.get("status"),
                "—",
                f"{other['at']} {other['file']}",
                other["at"],
                None,
                "",
            ]
        )
    table_end = len(rows)  # the last row of the table, 1-based
    counts = "、".join(f"{s} {state.count(s)}" for s in STATUSES if s != "取込済" and state.count(s))
    rows += [[], [f"取込済 {state.count('取込済')} / {len(state.towns)}" + (f"、{counts}" if counts else "")]]
    late = [t.town for t in state.towns if t.days_overdue]
    if late:
        rows.append([f"期限を過ぎて未了：{'、'.join(late)}"])
    grid = Grid("回収状況", title_rows=(2, 2))
    widths = (11, 8, 16, 43, 16, 11, 30)  # 「遅れ（日）」 on one line: its 「）」 wrapped alone
    grid.widths |= dict(enumerate(widths, start=1))
    for number, values in enumerate(rows, start=1):
        text = Look(font, 10, bold=number <= 2)
        if not 2 <= number <= table_end:
            for column, value in enumerate(values, start=1):
                grid.put(number, column, value, text)
            continue
        for column, value in enumerate(values + [None] * (len(widths) - len(values)), start=1):
            fill = "DDEBF7" if number == 2 else _FILLS.get(str(value)) if column == 2 else None
            # headings and the days centred: a number flush right ran into the file name beside it
            centred = "center" if number == 2 or column == 6 else None
            grid.put(
                number,
                column,
                value,
                text.but(border="808080", wrap=True, vertical="top", horizontal=centred, fill=fill),
            )
        lines = max(wrapped_lines(v, w, 10) for v, w in zip(values, widths, strict=False))
        grid.heights[number] = row_height(lines, 10)
    return write_book([grid], path)


def workbook_name(year: int) -> str:
    return f"回収状況_{wareki.format_fiscal_year(year)}.xlsx"
