"""What each command and each Excel button does: one function per action, called by the CLI and by
okaxl.shell.excel alike. Each returns a Done (a Japanese message and the file written) or raises OkaxlError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from okaxl import wareki
from okaxl.config import Config
from okaxl.errors import OkaxlError

if TYPE_CHECKING:  # heavy modules load only when an action runs
    from okaxl.master.model import Model
    from okaxl.returns.check import ReturnResult
    from okaxl.returns.collection import Round
    from okaxl.returns.merge import Outcome
    from okaxl.validate.run import Report


ALL_TOWNS = ("all", "全市町")  # --town all: one town view per partner town


@dataclass(frozen=True, slots=True)
class Done:
    message: str
    path: Path | None = None
    files: tuple[Path, ...] = ()  # every workbook written, when there are several
    # its PDF also two pages to an A4 sheet, as the city prints it: the last this many pages (a sheet
    # each), after the contents on sheets of their own; 0: no such PDF
    two_up: int = 0


def also_pdf(done: Done) -> Done:
    """The written workbooks as PDF beside them, in one LibreOffice start."""
    from okaxl.publish.office import convert_all

    books = list(done.files or ((done.path,) if done.path else ()))
    if not books:
        return done
    pdfs = convert_all(books, "pdf", timeout=120 + 30 * len(books))
    where = pdfs[0] if len(pdfs) == 1 else f"{pdfs[0].parent}（{len(pdfs)} ファイル）"
    sentence = done.message if done.message.endswith("。") else f"{done.message}。"
    message = f"{sentence} PDF を {where} に書き出しました。"
    if done.two_up:
        from okaxl.publish.twoup import two_up

        paired = [two_up(pdf, pdf.with_name(f"{pdf.stem}_2面.pdf"), done.two_up) for pdf in pdfs]
        message += f" A4 1枚に2シートずつの PDF（冊子用）は {paired[0] if len(paired) == 1 else paired[0].parent} です。"
    return Done(message, done.path, done.files)


def matrix(
    config: Config,
    as_of: dt.date | None = None,
    town: str | None = None,
    output: Path | None = None,
    master: Path | None = None,
) -> Done:
    from okaxl.master.model import Model
    from okaxl.master.reader import read_master
    from okaxl.publish.matrix import build_matrix, partner_towns, resolve_town
    from okaxl.publish.sheets import Style, write_matrix, write_town_view

    date = as_of or config.as_of
    tables = read_master(master or config.master)
    Model.of(tables).require_period(wareki.fiscal_year_of(date))
    result = build_matrix(tables, date)
    if not result.rows:
        raise OkaxlError(
            f"{wareki.format_date(date)}時点でビジョンに載っている事業がありません。基準日を確かめてください。"
        )
    style = Style(config.print.font, config.print.font_size)
    stamp = wareki.format_date(date)
    if town in ALL_TOWNS:
        folder = output or config.output
        files = []
        for name in partner_towns(tables):
            files.append(folder / f"{name}_連携取組一覧_{stamp}現在.xlsx")
            write_town_view(result, name, files[-1], style)
        return Done(
            f"連携市町 {len(files)} 市町の連携取組一覧（{stamp}現在）を {folder} に1市町1ファイルで書き出しました。",
            folder,
            tuple(files),
        )
    if town:
        name = resolve_town(tables, town)
        path = output or config.output / f"{name}_連携取組一覧_{stamp}現在.xlsx"
        write_town_view(result, name, path, style)
        return Done(
            f"{name}の連携取組一覧（{stamp}現在、{result.count_for(name)}事務事業）を {path} に書き出しました。",
            path,
        )
    path = output or config.output / f"取組状況一覧_{stamp}現在.xlsx"
    write_matrix(result, path, style)
    return Done(
        f"取組状況一覧（{stamp}現在、{result.project_count}事務事業）を {path} に書き出しました。", path
    )


def validate(config: Config, master: Path | None = None) -> Report:
    from okaxl.validate.run import validate as run

    return run(master or config.master, versions=config.versions)


def validate_to_excel(config: Config, master: Path | None = None) -> Done:
    from okaxl.validate.report import summary_line, write_excel

    report = validate(config, master)
    path = config.output / "検証結果.xlsx"
    summary = summary_line(report.errors, report.warnings, report.master.name, len(report.confirmed))
    write_excel(report.problems, path, workbook=report.master, title=summary, font=config.print.font)
    return Done(f"検証: エラー {report.errors}件、警告 {report.warnings}件 — {path.name} を開きました", path)


def forms(
    config: Config,
    year: int,
    towns: Iterable[str] = (),
    out_dir: Path | None = None,
    each: Callable[[Path], None] | None = None,
) -> Done:
    from okaxl.master.commit import sha256_of
    from okaxl.master.reader import read_master
    from okaxl.returns.forms import write_forms

    folder = out_dir or config.output / f"{wareki.short_fiscal_year(year)}_回答様式"
    paths = write_forms(
        read_master(config.master), config, year, list(towns), folder, sha256_of(config.master), each=each
    )
    return Done(
        f"{wareki.format_fiscal_year(year)}の回答様式 {len(paths)} 件を {folder} に作りました。", folder
    )


@dataclass
class Batch:
    """One run of check or merge: the returns, how each came out, and where the feedback went."""

    results: list[ReturnResult]
    folder: Path
    statuses: dict[Path, str]
    outcome: Outcome | None = None
    notes: list[str] = field(default_factory=list)

    def status(self, result: ReturnResult) -> str:
        return self.statuses.get(result.file, result.status)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if self.status(r) == status)


def check_returns(
    config: Config,
    paths: Iterable[Path],
    *,
    each: Callable[[Path], None] | None = None,
    model: Model | None = None,
) -> tuple[Model, list[ReturnResult]]:
    """Read and check every return named (files or folders; the inbox when none): the file alone."""
    from okaxl.master.reader import read_master
    from okaxl.returns.check import CheckContext, check_return, find_returns
    from okaxl.returns.signing import load_key

    named = tuple(paths)
    if not named and not config.inbox.is_dir():
        raise OkaxlError(
            f"受信箱のフォルダー {config.inbox} がありません。作成して回答を置くか、確認するファイルを指定してください。"
        )
    files = find_returns(named or (config.inbox,))
    if not files:
        raise OkaxlError(f"確認する回答がありません（{'、'.join(str(p) for p in named) or config.inbox}）。")
    model = model or read_master(config.master)
    context = CheckContext(
        load_key(config.forms.key_file, create=False), config.forms.issued, config.fiscal_year, model.towns
    )
    results = []
    for path in files:
        results.append(check_return(path, context))
        if each:
            each(path)
    return model, results


def check_round(
    config: Config,
    paths: Iterable[Path] = (),
    folder: Path | None = None,
    each: Callable[[Path], None] | None = None,
) -> Batch:
    """`okaxl check`: each return's one answer (as merge would give it), feedback, the round updated."""
    from okaxl.returns.merge import check_batch

    model, results = check_returns(config, paths, each=each)
    check_batch(results, config.master, model)
    batch = Batch(results, folder or config.output / "指摘", {r.file: r.status for r in results})
    _after(config, model, batch, "check")
    return batch


def merge_round(
    config: Config,
    paths: Iterable[Path] = (),
    *,
    dry_run: bool = False,
    replace: bool = False,
    each: Callable[[Path], None] | None = None,
) -> Batch:
    """`okaxl merge`: check, then write the valid returns into the master; feedback, the round updated."""
    from okaxl.returns.merge import merge

    model, results = check_returns(config, paths, each=each)
    outcome = merge(results, config, dry_run=dry_run, replace=replace, model=model)
    batch = Batch(results, config.output / "指摘", outcome.statuses, outcome)
    if not dry_run:
        _after(config, model, batch, "merge")
    return batch


# what only staff can put right (this PC's set-up): a town sent a feedback file on it could do nothing
STAFF_SIDE = frozenset({"RETURN_KEY_DIFFERS"})


def _after(config: Config, model: Model, batch: Batch, by: str) -> None:
    """Feedback for every return with problems; each return recorded in the round; its workbook."""
    from okaxl.returns import collection

    for result in batch.results:
        label = "取込済" if batch.status(result) == "merged" else result.label
        # a file that cannot be read says its year only in its name (R7_…), else it is this round's
        year = result.year or wareki.fiscal_year_in(result.file.name) or config.fiscal_year
        collection.record_received(config.master, result.file, result.sha256, result.town, year, label, by)
    written: set[str] = set()
    for result in batch.results:
        if not result.problems:
            continue
        from okaxl.returns.feedback import feedback_name, write_feedback  # openpyxl, where there is feedback

        name = feedback_name(result, batch.results)
        if name in written:  # the same file sent again (its name and its bytes): one feedback file
            continue
        written.add(name)
        if all(p.code in STAFF_SIDE for p in result.problems):
            batch.notes.append(
                f"{result.file.name}: 市町が直すことはないため、指摘ファイルは作りません（{result.problems[0].hint}）"
            )
            continue
        try:
            write_feedback(result, batch.folder, config.print.font, name)
        except OSError:
            raise  # the folder or the disk: its own message (okaxl.files)
        except Exception as exc:  # a town's file that opened for the check but cannot be annotated
            batch.notes.append(
                f"{result.file.name} の指摘ファイルを作れませんでした（{type(exc).__name__}: {exc}）。"
            )
    state = round_status(config, config.fiscal_year, model)
    collection.write_workbook(
        state, batch.folder / collection.workbook_name(config.fiscal_year), config.print.font
    )


def round_status(config: Config, year: int, model: Model | None = None) -> Round:
    from okaxl.master.reader import read_master
    from okaxl.returns import collection

    model = model or read_master(config.master)
    deadline = config.forms.deadline if year == config.fiscal_year else None
    return collection.round_of(config.master, year, model.towns, deadline, config.contacts)


def status(config: Config, year: int | None = None, output: Path | None = None) -> tuple[Round, Done]:
    """`okaxl status`: where the collection round of a fiscal year stands, town by town."""
    from okaxl.returns import collection

    year = year or config.fiscal_year
    state = round_status(config, year)
    path = output or config.output / collection.workbook_name(year)
    collection.write_workbook(state, path, config.print.font)
    missing = [t.town for t in state.towns if t.status == "未着"]
    message = (
        f"{wareki.format_fiscal_year(year)}の回収状況: 取込済 {state.count('取込済')} / {len(state.towns)}"
        + (f"、未着 {len(missing)}（{'、'.join(missing)}）" if missing else "")
        + f" — {path} に書き出しました"
    )
    return state, Done(message, path)


def check_inbox(config: Config) -> Done:
    batch = check_round(config)
    counts = {
        label: sum(r.label == label for r in batch.results)
        for label in ("受理", "要修正", "却下", "競合", "取込済")
    }
    summary = "、".join(f"{k} {v} 件" for k, v in counts.items() if v)
    from okaxl.returns.collection import workbook_name

    return Done(
        f"回答の確認: {summary} — 指摘と回収状況を {batch.folder} に書き出しました",
        batch.folder / workbook_name(config.fiscal_year),
    )


def merge_inbox(config: Config, *, replace: bool = False) -> Done:
    batch = merge_round(config, replace=replace)
    labels = {"merged": "取込", "unchanged": "変更なし", "conflict": "競合", "invalid": "却下・要修正"}
    summary = "、".join(f"{labels[k]} {batch.count(k)} 件" for k in labels if batch.count(k))
    backup = batch.outcome.backup if batch.outcome else None
    tail = f"マスターを更新しました（バックアップ {backup.name}）" if backup else "マスターは変更していません"
    return Done(f"回答の取り込み: {summary} — {tail}", None)


def progress(
    config: Config,
    year: int,
    projects: Iterable[str] = (),
    output: Path | None = None,
    each: Callable[[int], None] | None = None,
) -> Done:
    """`okaxl progress`: a sheet per project; `each(total)` is called as each sheet is made."""
    from okaxl.master.model import Model
    from okaxl.master.reader import read_master
    from okaxl.publish.progress import pages, write_progress

    tables = read_master(config.master)
    Model.of(tables).require_period(year)
    found = pages(tables, year, list(projects) or None)
    path = output or config.output / f"進捗管理シート_{wareki.short_fiscal_year(year)}.xlsx"
    step = (lambda: each(len(found))) if each else None
    write_progress(found, year, config.templates / "progress.xlsx", path, config.print.font, each=step)
    message = f"{wareki.format_fiscal_year(year)}の進捗管理シート（{len(found)}事務事業）を {path} に書き出しました。"
    return Done(message, path, two_up=len(found))


def kpi(config: Config, projects: Iterable[str] = (), output: Path | None = None) -> Done:
    """`okaxl kpi`: the KPI workbook (series, achievement, a chart per project)."""
    from okaxl.master.reader import read_master
    from okaxl.publish.kpi import write_kpi
    from okaxl.publish.progress import choose_projects

    model = read_master(config.master)
    chosen = choose_projects(model, projects) if projects else None
    path = output or config.output / f"KPIの状況_{wareki.format_date(wareki.now().date())}.xlsx"
    write_kpi(model, path, config.print.font, chosen)
    return Done(f"KPI の状況を {path} に書き出しました。", path)


def annex(config: Config, town: str, output: Path | None = None) -> Done:
    from okaxl.master.reader import read_master
    from okaxl.publish.annex import write_annex
    from okaxl.publish.matrix import resolve_town

    tables = read_master(config.master)
    name = resolve_town(tables, town)
    path = output or config.output / f"連携協約書別表_{name}.xlsx"
    write_annex(tables, name, path, config.print.font)
    return Done(f"{name}の連携協約書 別表を {path} に書き出しました。", path)


def revision(
    config: Config,
    old: Path | None = None,
    new: Path | None = None,
    output: Path | None = None,
    each: Callable[[int], None] | None = None,
) -> Done:
    """The excerpt between two versions; without OLD, the latest version saved in workbooks/versions;
    `each(total)` is called as each detail sheet is made."""
    from okaxl.master.reader import read_master
    from okaxl.publish.revision import compare, write_revision

    new = new or config.master
    if old is None:
        saved = sorted(config.versions.glob("*.xlsx"), key=lambda p: p.stat().st_mtime)
        if not saved:
            raise OkaxlError(f"比べる版が {config.versions} にありません。先に「版の保存」をしてください。")
        old = saved[-1]
    tables = read_master(new)
    found = compare(old, new, tables)
    path = output or config.output / f"別冊改訂案_{wareki.format_month(found.new_date)}.xlsx"
    step = (lambda: each(len(found.changed_projects))) if each else None
    write_revision(found, tables, path, config.print.font, config.print.publisher, each=step)
    head = "変更はありません。" if not found.changes else ""
    return Done(
        f"{head}{wareki.format_month(found.new_date)}の改訂案（変更 {len(found.changes)} 件、詳細シート "
        f"{len(found.changed_projects)} 件）を {path} に書き出しました。",
        path,
    )
