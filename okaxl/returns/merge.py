"""One answer per return, for `okaxl check` and `okaxl merge` alike, and the merge itself.

assess() sets each checked return's status against the master and the merges before it: a form
issued before a master change (its rows that no longer apply are left out, and said so), two
returns of one town and year that agree (one is merged) or disagree (a conflict), a return already
merged (unchanged), a value that differs from one already merged (a conflict, unless --replace).
Every finding is a Problem on the return's own cell, so it goes into the town's feedback.

trial() then writes the planned changes to a file (a scratch file for check, the temporary master
for merge) and validates the result in memory; a return whose values break a rule of the master
gets that rule as a problem on its cell and is left out, and the others are written without it.
So check and merge give the same status to the same files, and one bad return never blocks the
others.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okaxl import wareki
from okaxl.cellref import column_index, column_letter
from okaxl.config import Config
from okaxl.errors import OkaxlError
from okaxl.files import os_failure
from okaxl.master import layout, ledger
from okaxl.master.commit import recover, replace_master, sha256_of
from okaxl.master.model import Model
from okaxl.master.tables import Tables
from okaxl.master.writelock import writing
from okaxl.master.writer import CellChange, Refused, Written, model_after, verify, write_changes
from okaxl.problems import Problem, Severity
from okaxl.returns import formlayout
from okaxl.returns.check import ReturnResult
from okaxl.returns.signing import canonical
from okaxl.rules import problem
from okaxl.validate.run import check_written

TARGETS: dict[str, tuple[str, dict[str, str]]] = {
    formlayout.PROJECTS: (
        "実績",
        {"results": "取組実績", "issues": "今後の課題・改善点", "intention": "次年度の意向"},
    ),
    formlayout.KPIS: ("KPI実績", {"kpi_value": "現状値", "kpi_reason": "変動理由"}),
}
LOG_SHEET = "マージ履歴"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a master value came from: a return's file and the cell of its form."""

    file: Path
    sheet: str
    cell: str | None


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


def merged_history(master: Path) -> list[dict[str, Any]]:
    return [r for r in ledger.read(master) if r.get("op") == "return" and r.get("status") == "merged"]


# ---------------------------------------------------------------- one answer per return


def planned_changes(result: ReturnResult, model: Model, *, clearing: bool = False) -> list[CellChange]:
    """Every master cell this return would set: new values and values that differ; with
    `clearing`, an optional answer left empty where the master holds a value empties it (a
    conflict, unless --replace)."""
    assert result.town and result.year
    changes = []
    for sheet, answers in result.answers.items():
        target, fields = TARGETS[sheet]
        required = {c.name: c.required for c in layout.sheet(target).columns}
        existing = model.by_key(target)
        for item, answer in answers.items():
            key = (item, result.year, result.town)
            row = existing.get(key, {})
            for field_id, column in fields.items():
                new = answer.get(field_id)
                old = row.get(column)
                withdrawable = clearing and old is not None and field_id in answer and not required[column]
                if new is None and not withdrawable:
                    continue  # an empty answer says nothing unless it withdraws a value the master may lack
                if old is None or new is None or not _same(old, new):
                    origin = Origin(result.file, sheet, result.cell_of(sheet, item, field_id))
                    changes.append(CellChange(target, key, column, old, new, origin))
    return changes


def _drop_stale_rows(result: ReturnResult, model: Model) -> None:
    """Rows of a form issued before a master change that no longer apply: said, and left out."""
    assert result.town and result.year
    taking_part = set(model.projects_of(result.town, result.year))
    fy = wareki.format_fiscal_year(result.year)
    projects = result.answers.get(formlayout.PROJECTS, {})
    for item in list(projects):
        if item not in taking_part:
            name = model.projects.get(item, {}).get("事務事業名") or item
            cell = f"{formlayout.KEY_COLUMN}{result.cells_row(formlayout.PROJECTS, item)}"
            result.problems.append(
                problem(
                    "RETURN_PROJECT_LEFT",
                    formlayout.PROJECTS,
                    cell,
                    item,
                    town=result.town,
                    fy=fy,
                    project=name,
                )
            )
            del projects[item]
    kpis = result.answers.get(formlayout.KPIS, {})
    for item in list(kpis):
        kpi = model.kpis.get(item)
        cell = f"{formlayout.KEY_COLUMN}{result.cells_row(formlayout.KPIS, item)}"
        if kpi is None:
            result.problems.append(problem("RETURN_KPI_REMOVED", formlayout.KPIS, cell, item, kpi=item))
            del kpis[item]
        elif str(kpi.get("事業ID")) not in taking_part:
            name = model.projects.get(str(kpi.get("事業ID")), {}).get("事務事業名") or kpi.get("事業ID")
            result.problems.append(
                problem(
                    "RETURN_PROJECT_LEFT", formlayout.KPIS, cell, item, town=result.town, fy=fy, project=name
                )
            )
            del kpis[item]


def _conflict(result: ReturnResult, change: CellChange, code: str, old: object, file: str) -> None:
    origin = change.origin if isinstance(change.origin, Origin) else None
    result.problems.append(
        problem(
            code,
            origin.sheet if origin else "",
            origin.cell if origin else None,
            canonical(change.new) if change.new is not None else "（空欄）",
            old=canonical(old) if old is not None else "（空欄）",
            file=file,
        )
    )
    result.changes.append(_change_json(change, old=canonical(old), files=[file, result.file.name]))


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


def assess(
    results: list[ReturnResult], model: Model, history: list[dict[str, Any]], *, replace: bool
) -> None:
    """Each return's status against the master and earlier merges: valid (with the changes it
    plans), invalid, conflict or unchanged. Check and merge both call this.

    A return merged before is judged again like any other, so that a row left out while its town
    had left a project is written once the town takes part again; with nothing to change, it is
    unchanged: the master holds what it says."""
    seen = {r.get("sha256") for r in history}
    groups: dict[tuple[str, int], list[ReturnResult]] = defaultdict(list)
    for r in results:
        if r.status == "valid" and r.town and r.year:
            _drop_stale_rows(r, model)
            groups[(r.town, r.year)].append(r)
    for group in groups.values():
        first = group[0]
        if len({g.content_sha256 for g in group}) > 1:
            for r in group:
                _batch_conflict(r, group, model)
            continue
        for r in group[1:]:
            r.status, r.same_as = "unchanged", first.file
            r.problems.append(problem("RETURN_DUPLICATE", "", None, r.file.name, other=first.file.name))
        # an answer emptied in a new return withdraws one merged before (not when the same file comes again)
        changes = planned_changes(first, model, clearing=first.sha256 not in seen)
        conflicts = [c for c in changes if c.old is not None]
        if conflicts and not replace:
            first.status = "conflict"
            for c in conflicts:
                _conflict(first, c, "RETURN_CONFLICT", c.old, _earlier_file(history, c))
        elif not changes:
            for r in group:
                r.status, r.merged_before = "unchanged", True
        else:
            first.planned = changes
            first.changes = [_change_json(c, replaced=c.old is not None) for c in changes]


def _batch_conflict(r: ReturnResult, group: list[ReturnResult], model: Model) -> None:
    """Two returns for one town and year in one batch that disagree: every differing cell, not written."""
    r.status = "conflict"
    mine = {(c.sheet, c.key, c.field): c for c in planned_changes(r, model)}
    # each differing cell once, with the first return it differs from
    named: set[tuple[str, tuple[object, ...], str]] = set()
    for other in group:
        if other is r:
            continue
        theirs = {(c.sheet, c.key, c.field): c for c in planned_changes(other, model)}
        for cell in sorted(mine.keys() | theirs.keys(), key=str):
            a, b = mine.get(cell), theirs.get(cell)
            if cell in named or (a is not None and b is not None and _same(a.new, b.new)):
                continue
            named.add(cell)
            change = a or CellChange(*cell, None, None, Origin(r.file, *_form_cell(r, cell)))
            _conflict(r, change, "RETURN_CONFLICT_BATCH", b.new if b else None, other.file.name)


def _form_cell(r: ReturnResult, cell: tuple[str, tuple[object, ...], str]) -> tuple[str, str | None]:
    """The return's sheet and cell for a master cell (sheet, key, column)."""
    target, key, column = cell
    for sheet, (master_sheet, fields) in TARGETS.items():
        if master_sheet == target:
            field_id = next((f for f, c in fields.items() if c == column), "")
            return sheet, r.cell_of(sheet, str(key[0]), field_id)
    return "", None


# ---------------------------------------------------------------- the trial write


def problems_of_write(after: Tables, written: Written, today: dt.date) -> list[Problem]:
    """The errors validation finds in what the write put there: in a written cell or a new row.
    Problems elsewhere were there before and are not the write's doing."""
    cells = {(sheet, f"{column_letter(column)}{row}") for sheet, row, column, _ in written.cells}
    rows = {(sheet, row) for sheet, numbers in written.added_rows.items() for row in numbers}
    names = {
        sheet: {column_index(letter): name for name, letter in after.letters[sheet].items()}
        for sheet in {sheet for sheet, *_ in written.cells}
    }
    looked: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for sheet, row, column, _ in written.cells:
        if column in names[sheet]:
            looked[sheet].append((row, names[sheet][column]))
    for sheet, row in rows:
        looked[sheet] += [(row, name) for name in layout.sheet(sheet).column_names]
    found = []
    for p in check_written(after, today, looked):
        if p.severity is not Severity.ERROR or not p.cell:
            continue
        digits = p.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if (p.sheet, p.cell) in cells or (digits.isdigit() and (p.sheet, int(digits)) in rows):
            found.append(p)
    return sorted(
        found,
        key=lambda p: (p.sheet, int((p.cell or "").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0), p.cell or ""),
    )


def trial(
    results: list[ReturnResult], master: Path, model: Model, target: Path, log: LogRows | None = None
) -> tuple[Written | None, list[str]]:
    """Write the valid returns' changes from `master` to `target`, verify the file, validate the
    model after it; a return whose values break a master rule is given that problem and left out,
    and the write is done again without it. Returns what was written (None: nothing to write) and
    what is wrong that no return answers for (then `target` must not be used)."""
    pending = [r for r in results if r.status == "valid" and r.planned]
    while pending:
        changes = [c for r in pending for c in r.planned]
        try:
            written = write_changes(
                master, target, model, changes, {LOG_SHEET: log(pending)} if log else None
            )
        except Refused as refused:
            if not refused.origins or not all(isinstance(o, Origin) for o in refused.origins):
                raise  # the master's own (a sheet, a column, the row to copy): every return meets it
            blocked = _blocked(pending, refused)
            pending = [r for r in pending if r.file not in blocked]
            continue
        wrong = verify(master, target, written)
        if wrong:
            return written, wrong
        found = problems_of_write(model_after(model, written), written, dt.date.today())
        if not found:
            return written, []
        culprits: set[Path] = set()
        for p in found:
            origin = _origin_of(written, p.sheet, p.cell or "")
            if origin is None:
                return written, [f"{p.sheet}!{p.cell} {p.message}" for p in found]
            result = next(r for r in pending if r.file == origin.file)
            result.problems.append(
                problem("RETURN_MASTER_RULE", origin.sheet, origin.cell, p.value, rule=p.message, hint=p.hint)
            )
            culprits.add(origin.file)
        for r in pending:
            if r.file in culprits:
                r.status, r.planned, r.changes = "invalid", [], []
        pending = [r for r in pending if r.file not in culprits]
    return None, []


def _blocked(pending: list[ReturnResult], refused: Refused) -> set[Path]:
    """The returns whose values meet a cell of the master that cannot be written: told why, left out."""
    blocked: set[Path] = set()
    for p, origin in zip(refused.problems, refused.origins, strict=True):
        assert isinstance(origin, Origin)
        result = next(r for r in pending if r.file == origin.file)
        result.problems.append(
            problem(
                "RETURN_MASTER_BLOCKED",
                origin.sheet,
                origin.cell,
                p.value,
                where=f"{p.sheet}!{p.cell}",
                rule=p.message,
            )
        )
        result.status, result.planned, result.changes = "invalid", [], []
        blocked.add(origin.file)
    return blocked


def _origin_of(written: Written, sheet: str, cell: str) -> Origin | None:
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters) :]
    if not letters or not digits.isdigit():
        return None
    origin = written.origins.get((sheet, int(digits), column_index(letters)))
    if origin is None:  # a problem on a new row's other cell: the row's key cells say whose it is
        row = int(digits)
        origin = next((o for (s, r, _), o in written.origins.items() if s == sheet and r == row and o), None)
    return origin if isinstance(origin, Origin) else None


class LogRows:
    """The merge log rows (マージ履歴) of the returns a write holds."""

    def __init__(self, results: Iterable[ReturnResult]) -> None:
        self.conflicts = [r for r in results if r.status == "conflict"]

    def __call__(self, merged: list[ReturnResult]) -> list[dict[str, object]]:
        rows = []
        for r in merged:
            replaced = sum(1 for c in r.planned if c.old is not None)
            rows.append(_log_row(r, "取込", len(r.planned), f"置き換え {replaced} 件" if replaced else ""))
        for r in self.conflicts:
            rows.append(
                _log_row(r, "競合", len(r.changes), "既に取り込んだ値と違う回答（--replace で置き換え）")
            )
        return rows


def check_batch(results: list[ReturnResult], master: Path, model: Model) -> None:
    """`okaxl check`: the same answer merge would give, by the same trial write to a scratch file."""
    assess(results, model, merged_history(master), replace=False)
    with tempfile.TemporaryDirectory(prefix="okaxl-check-") as folder:
        _, wrong = trial(results, master, model, Path(folder) / "trial.xlsx")
    _stop_if(wrong)


def _stop_if(wrong: list[str]) -> None:
    """What no return answers for stops check and dry run as it stops the merge (exit 2)."""
    if wrong:
        more = f"；ほか {len(wrong) - 6} 件" if len(wrong) > 6 else ""
        raise OkaxlError("マスターに書き込めない問題があります：" + "；".join(wrong[:6]) + more)


# ---------------------------------------------------------------- the merge


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
        "codes": sorted({p.code for p in result.problems if p.severity == Severity.ERROR}),
        **extra,
    }


def merge(
    results: list[ReturnResult], config: Config, *, dry_run: bool, replace: bool, model: Model | None = None
) -> Outcome:
    """Merge the valid returns among `results` (already checked) into the master."""
    master = config.master
    outcome = Outcome(results)
    with writing(master):
        if not dry_run:
            outcome.notes += recover(master, config.backups)
        before = sha256_of(master)
        outcome.before = outcome.after = before
        if model is None:
            from okaxl.master.reader import read_master

            model = read_master(master)
        history = merged_history(master)
        assess(results, model, history, replace=replace)
        log = LogRows(results)
        if dry_run:
            with tempfile.TemporaryDirectory(prefix="okaxl-dry-") as folder:
                _, wrong = trial(results, master, model, Path(folder) / "trial.xlsx", log)
            _stop_if(wrong)
        elif any(r.status == "valid" and r.planned for r in results):

            def write(temp: Path) -> list[str] | None:
                written, wrong = trial(results, master, model, temp, log)
                return None if written is None and not wrong else wrong  # None: every return left out

            outcome.after, outcome.backup = replace_master(
                master, write, before, backups=config.backups, keep=config.merge_backups_keep
            )
        active = {(r.get("town"), r.get("year")): r.get("instance_id") for r in history}
        for r in results:
            status = r.status
            if r.status == "valid":
                status = "valid" if dry_run else "merged" if r.planned and outcome.backup else "unchanged"
            outcome.statuses[r.file] = status
            if r.same_as is not None and outcome.statuses.get(r.same_as) == "merged":
                r.merged_before = True  # the same as a return merged in this run: 取込済 too
            if dry_run:
                continue
            _archive(r, config.archive)
            extra: dict[str, object] = {"changes": r.changes} if r.changes else {}
            if status == "merged":
                r.status = "merged"
                previous = active.get((r.town, r.year))
                if previous and previous != r.metadata.get("instance_id"):
                    extra["supersedes"] = previous
            entry = _record(r, {"invalid": "rejected"}.get(status, status), **extra) | {
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


def _log_row(r: ReturnResult, status: str, count: int, note: str) -> dict[str, object]:
    who = ledger.who()
    return {
        "日時": wareki.now().strftime("%Y-%m-%d %H:%M:%S"),
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
