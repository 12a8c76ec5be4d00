"""`okaxl merge`: fold valid returns into the master, idempotent, conflict-safe, crash-safe, logged.

Returns are checked exactly as `okaxl check` does. A value that differs from one already in the
master is a conflict, reported cell by cell and not written, unless --replace.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okaxl import formlayout, layout, ledger
from okaxl.commit import recover, replace_master, sha256_of
from okaxl.config import Config
from okaxl.files import os_failure
from okaxl.master import read_master
from okaxl.returns import ReturnResult
from okaxl.signing import canonical
from okaxl.tables import Tables, records
from okaxl.writelock import writing
from okaxl.writer import CellChange, model_after, problems_of_write, verify, write_changes

TARGETS: dict[str, tuple[str, dict[str, str]]] = {
    formlayout.PROJECTS: (
        "実績",
        {"results": "取組実績", "issues": "今後の課題・改善点", "intention": "次年度の意向"},
    ),
    formlayout.KPIS: ("KPI実績", {"kpi_value": "現状値", "kpi_reason": "変動理由"}),
}
LOG_SHEET = "マージ履歴"


@dataclass
class Outcome:
    results: list[ReturnResult]
    statuses: dict[Path, str] = field(default_factory=dict)
    before: str = ""
    after: str = ""
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        documents = []
        for r in self.results:
            document = r.to_json()
            document["status"] = self.statuses.get(r.file, r.status)
            documents.append(document)
        return {"returns": documents}


def _same(a: object, b: object) -> bool:
    return canonical(a) == canonical(b) or (
        isinstance(a, str) and isinstance(b, str) and a.strip() == b.strip()
    )


def _key_text(key: tuple[object, ...]) -> str:
    return "／".join(str(k) for k in key)


def planned_changes(result: ReturnResult, tables: Tables) -> list[CellChange]:
    """Every master cell this return would set: new values and values that differ."""
    assert result.town and result.year
    changes = []
    for sheet, answers in result.answers.items():
        target, fields = TARGETS[sheet]
        key_columns = layout.sheet(target).key
        existing = {tuple(r.get(k) for k in key_columns): r for r in records(tables[target])}
        for item, answer in answers.items():
            key = (item, result.year, result.town)
            row = existing.get(key, {})
            for field_id, column in fields.items():
                new = answer.get(field_id)
                if new is None:
                    continue  # an empty optional answer says nothing
                old = row.get(column)
                if old is None or not _same(old, new):
                    changes.append(CellChange(target, key, column, old, new))
    return changes


def _earlier_file(history: list[dict[str, Any]], change: CellChange) -> str:
    for record in reversed(history):
        for c in record.get("changes", []):
            if (
                c.get("sheet") == change.sheet
                and c.get("key") == _key_text(change.key)
                and c.get("field") == change.field
            ):
                return str(record.get("file"))
    return "マスター（職員の入力）"


def _change_json(change: CellChange, **extra: object) -> dict[str, object]:
    return {
        "sheet": change.sheet,
        "key": _key_text(change.key),
        "field": change.field,
        "old": canonical(change.old),
        "new": canonical(change.new),
        **extra,
    }


def _record(result: ReturnResult, status: str, **extra: object) -> dict[str, object]:
    meta = result.metadata
    return {
        "op": "return",
        "file": result.file.name,
        "path": str(result.file),
        "size": result.file.stat().st_size if result.file.exists() else None,
        "sha256": result.sha256,
        "content_sha256": result.content_sha256 if result.town else None,
        "form_id": meta.get("form_id"),
        "instance_id": meta.get("instance_id"),
        "town": result.town,
        "year": result.year,
        "template_version": meta.get("schema_version"),
        "hmac": not any(
            p.code in ("RETURN_LOCKED_EDITED", "RETURN_METADATA_EDITED") for p in result.problems
        ),
        "status": status,
        "codes": sorted({p.code for p in result.problems if p.severity == "error"}),
        **extra,
    }


def merge(results: list[ReturnResult], config: Config, *, dry_run: bool, replace: bool) -> Outcome:
    """Merge the valid returns among `results` (already checked) into the master."""
    master = config.master
    outcome = Outcome(results)
    with writing(master):
        if not dry_run:
            outcome.notes += recover(master, config.backups)
        before = sha256_of(master)
        outcome.before = outcome.after = before
        tables = read_master(master)
        history = [r for r in ledger.read(master) if r.get("op") == "return" and r.get("status") == "merged"]
        seen = {r.get("sha256") for r in history} | {r.get("content_sha256") for r in history}
        active = {(r.get("town"), r.get("year")): r.get("instance_id") for r in history}
        to_write: list[CellChange] = []
        log_rows: list[dict[str, object]] = []
        records_out: list[dict[str, object]] = []
        groups: dict[tuple[str, int], list[ReturnResult]] = defaultdict(list)
        for r in results:
            if r.status == "valid" and r.town and r.year:
                groups[(r.town, r.year)].append(r)
        for r in results:
            if r.status != "valid" or not r.town or not r.year:
                outcome.statuses[r.file] = "invalid"
                records_out.append(_record(r, "rejected"))
                continue
            group = groups[(r.town, r.year)]
            first = group[0]
            if r is not first and r.content_sha256 == first.content_sha256:
                outcome.statuses[r.file] = "unchanged"
                records_out.append(_record(r, "unchanged", same_as=first.file.name))
                continue
            if len({g.content_sha256 for g in group}) > 1:
                _batch_conflict(r, group, tables, outcome, records_out)
                continue
            if r.sha256 in seen or r.content_sha256 in seen:
                outcome.statuses[r.file] = "unchanged"
                records_out.append(_record(r, "unchanged"))
                continue
            changes = planned_changes(r, tables)
            conflicts = [c for c in changes if c.old is not None]
            if conflicts and not replace:
                r.changes = [
                    _change_json(c, files=[_earlier_file(history, c), r.file.name]) for c in conflicts
                ]
                outcome.statuses[r.file] = "conflict"
                records_out.append(_record(r, "conflict", changes=r.changes))
                log_rows.append(
                    _log_row(r, "競合", len(conflicts), "既に取り込んだ値と違う回答（--replace で置き換え）")
                )
                continue
            r.changes = [_change_json(c, replaced=c.old is not None) for c in changes]
            if not changes:
                outcome.statuses[r.file] = "unchanged"
                records_out.append(_record(r, "unchanged"))
                continue
            to_write += changes
            outcome.statuses[r.file] = "valid" if dry_run else "merged"
            previous = active.get((r.town, r.year))
            extra: dict[str, object] = {"changes": r.changes}
            if previous and previous != r.metadata.get("instance_id"):
                extra["supersedes"] = previous
            records_out.append(_record(r, "merged", **extra))
            replaced = sum(1 for c in changes if c.old is not None)
            log_rows.append(_log_row(r, "取込", len(changes), f"置き換え {replaced} 件" if replaced else ""))
        if dry_run:
            return outcome
        for r in results:
            _archive(r, config.archive)
        if to_write:

            def write(temp: Path) -> list[str]:
                written = write_changes(master, temp, tables, to_write, {LOG_SHEET: log_rows})
                wrong = verify(master, temp, written)
                if not wrong:
                    after = model_after(tables, written)
                    wrong = [
                        f"{p.sheet}!{p.cell} {p.message}"
                        for p in problems_of_write(after, written, dt.date.today())
                    ]
                    if wrong:
                        wrong.insert(0, "取り込む値でマスターの検証にエラーが出ます")
                return wrong

            outcome.after, outcome.backup = replace_master(
                master, write, before, backups=config.backups, keep=config.merge_backups_keep
            )
        for entry in records_out:
            entry |= {
                "master_before": before,
                "master_after": outcome.after,
                "backup": str(outcome.backup) if outcome.backup else None,
            }
            if entry.get("supersedes"):
                ledger.append(
                    master,
                    {
                        "op": "return",
                        "status": "superseded",
                        "instance_id": entry["supersedes"],
                        "town": entry["town"],
                        "year": entry["year"],
                        "by": entry["instance_id"],
                    },
                )
            ledger.append(master, entry)
    return outcome


def _batch_conflict(
    r: ReturnResult,
    group: list[ReturnResult],
    tables: Tables,
    outcome: Outcome,
    records_out: list[dict[str, object]],
) -> None:
    """Two returns for one town and year in one batch that disagree: every differing cell, not written."""
    mine = {(c.sheet, c.key, c.field): c.new for c in planned_changes(r, tables)}
    diffs = []
    for other in group:
        if other is r:
            continue
        theirs = {(c.sheet, c.key, c.field): c.new for c in planned_changes(other, tables)}
        for cell in sorted(mine.keys() | theirs.keys(), key=str):
            if not _same(mine.get(cell), theirs.get(cell)):
                sheet, key, column = cell
                diffs.append(
                    {
                        "sheet": sheet,
                        "key": _key_text(key),
                        "field": column,
                        "old": canonical(theirs.get(cell)),
                        "new": canonical(mine.get(cell)),
                        "files": [other.file.name, r.file.name],
                    }
                )
    r.changes = diffs
    outcome.statuses[r.file] = "conflict"
    records_out.append(_record(r, "conflict", changes=diffs, batch=True))


def _log_row(r: ReturnResult, status: str, count: int, note: str) -> dict[str, object]:
    who = ledger.who()
    return {
        "日時": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "担当者": who["operator"],
        "ファイル": r.file.name,
        "SHA-256": r.sha256[:16],
        "市町": r.town,
        "年度": r.year,
        "状態": status,
        "変更件数": count,
        "備考": note or None,
    }


def _archive(r: ReturnResult, folder: Path) -> None:
    """Keep the original return under its hash: nothing a town sent is ever lost."""
    if not r.sha256 or not r.file.exists():
        return
    target = folder / f"{r.sha256}{r.file.suffix.lower()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copyfile(r.file, target)
    except OSError as exc:
        raise os_failure(exc, folder, f"受け取った回答 {r.file.name} を保管する") from exc
