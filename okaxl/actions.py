"""What each command and each Excel button does: one function per action, called by the CLI and by
okaxl.excel alike. Each returns a Done (a Japanese message and the file written) or raises OkaxlError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from okaxl import wareki
from okaxl.config import Config
from okaxl.errors import OkaxlError

if TYPE_CHECKING:  # heavy modules load only when an action runs
    from okaxl.returns import ReturnResult
    from okaxl.validate import Report


@dataclass(frozen=True, slots=True)
class Done:
    message: str
    path: Path | None = None


def matrix(
    config: Config,
    as_of: dt.date | None = None,
    town: str | None = None,
    output: Path | None = None,
    master: Path | None = None,
) -> Done:
    from okaxl.master import read_master
    from okaxl.matrix import build_matrix, resolve_town
    from okaxl.publish import Style, write_matrix, write_town_view

    date = as_of or config.as_of
    tables = read_master(master or config.master)
    result = build_matrix(tables, date)
    if not result.rows:
        raise OkaxlError(
            f"{wareki.format_date(date)}時点でビジョンに載っている事業がありません。基準日を確かめてください。"
        )
    style = Style(config.print.font, config.print.font_size)
    stamp = wareki.format_date(date)
    if town:
        name = resolve_town(tables, town)
        path = output or config.output / f"{name}_連携取組一覧_{stamp}現在.xlsx"
        write_town_view(result, name, path, style)
        return Done(
            f"{name}の連携取組一覧（{stamp}現在、{len(result.for_town(name))}事務事業）を {path} に書き出しました。",
            path,
        )
    path = output or config.output / f"取組状況一覧_{stamp}現在.xlsx"
    write_matrix(result, path, style)
    return Done(
        f"取組状況一覧（{stamp}現在、{result.project_count}事務事業）を {path} に書き出しました。", path
    )


def validate(config: Config, master: Path | None = None) -> Report:
    from okaxl.validate import validate as run

    return run(master or config.master, versions=config.versions)


def validate_to_excel(config: Config, master: Path | None = None) -> Done:
    from okaxl.report import summary_line, write_excel

    report = validate(config, master)
    path = config.output / "検証結果.xlsx"
    summary = summary_line(report.errors, report.warnings, report.master.name)
    write_excel(report.problems, path, workbook=report.master, title=summary, font=config.print.font)
    return Done(f"検証: エラー {report.errors}件、警告 {report.warnings}件 — {path.name} を開きました", path)


def forms(
    config: Config,
    year: int,
    towns: Iterable[str] = (),
    out_dir: Path | None = None,
    each: Callable[[Path], None] | None = None,
) -> Done:
    from okaxl.commit import sha256_of
    from okaxl.forms import write_forms
    from okaxl.master import read_master

    folder = out_dir or config.output / f"{wareki.short_fiscal_year(year)}_回答様式"
    paths = write_forms(
        read_master(config.master), config, year, list(towns), folder, sha256_of(config.master), each=each
    )
    return Done(
        f"{wareki.format_fiscal_year(year)}の回答様式 {len(paths)} 件を {folder} に作りました。", folder
    )


def check_returns(
    config: Config,
    paths: Iterable[Path],
    *,
    duplicates: bool = True,
    each: Callable[[Path], None] | None = None,
) -> list[ReturnResult]:
    """Check every return named (files or folders; the inbox when none)."""
    from okaxl.master import read_master
    from okaxl.matrix import partner_towns
    from okaxl.returns import CheckContext, check_return, find_returns, mark_duplicates
    from okaxl.signing import load_key

    named = tuple(paths)
    files = find_returns(named or (config.inbox,))
    if not files:
        raise OkaxlError(f"確認する回答がありません（{'、'.join(str(p) for p in named) or config.inbox}）。")
    towns = partner_towns(read_master(config.master))
    context = CheckContext(
        load_key(config.forms.key_file, create=False), config.forms.issued, config.fiscal_year, towns
    )
    results = []
    for path in files:
        results.append(check_return(path, context))
        if each:
            each(path)
    if duplicates:  # merge decides about two returns of one town itself: agree → unchanged, else conflict
        mark_duplicates(results)
    return results


def write_feedback(config: Config, results: list[ReturnResult], folder: Path) -> None:
    from okaxl.feedback import write_collection
    from okaxl.feedback import write_feedback as feedback_for
    from okaxl.master import read_master
    from okaxl.matrix import partner_towns

    for result in results:
        if result.problems:
            feedback_for(result, folder, config.print.font)
    towns = partner_towns(read_master(config.master))
    write_collection(results, towns, config.fiscal_year, folder / "回収状況.xlsx", config.print.font)


def check_inbox(config: Config) -> Done:
    results = check_returns(config, ())
    folder = config.output / "指摘"
    write_feedback(config, results, folder)
    counts = {label: sum(r.label == label for r in results) for label in ("受理", "要修正", "却下")}
    return Done(
        f"回答の確認: 受理 {counts['受理']} 件、要修正 {counts['要修正']} 件、却下 {counts['却下']} 件"
        f" — 指摘と回収状況を {folder} に書き出しました",
        folder / "回収状況.xlsx",
    )


def merge_inbox(config: Config, *, replace: bool = False) -> Done:
    from okaxl.merge import merge

    results = check_returns(config, (), duplicates=False)
    write_feedback(config, [r for r in results if r.status != "valid"], config.output / "指摘")
    outcome = merge(results, config, dry_run=False, replace=replace)
    labels = {"merged": "取込", "unchanged": "変更なし", "conflict": "競合", "invalid": "却下・要修正"}
    counts = {k: sum(1 for s in outcome.statuses.values() if s == k) for k in labels}
    summary = "、".join(f"{labels[k]} {v} 件" for k, v in counts.items() if v)
    tail = (
        f"マスターを更新しました（バックアップ {outcome.backup.name}）"
        if outcome.backup
        else "マスターは変更していません"
    )
    return Done(f"回答の取り込み: {summary} — {tail}", None)


def progress(
    config: Config, year: int, projects: Iterable[str] = (), output: Path | None = None, pdf: bool = False
) -> Done:
    from okaxl.master import read_master
    from okaxl.progress import pages, write_progress

    found = pages(read_master(config.master), year, list(projects) or None)
    path = output or config.output / f"進捗管理シート_{wareki.short_fiscal_year(year)}.xlsx"
    write_progress(found, year, config.templates / "progress.xlsx", path, config.print.font)
    message = f"{wareki.format_fiscal_year(year)}の進捗管理シート（{len(found)}事務事業）を {path} に書き出しました。"
    if pdf:
        from okaxl.office import convert

        message += f" PDF を {convert(path, 'pdf')} に書き出しました。"
    return Done(message, path)


def annex(config: Config, town: str, output: Path | None = None) -> Done:
    from okaxl.annex import write_annex
    from okaxl.master import read_master
    from okaxl.matrix import resolve_town

    tables = read_master(config.master)
    name = resolve_town(tables, town)
    path = output or config.output / f"連携協約書別表_{name}.xlsx"
    write_annex(tables, name, path, config.print.font)
    return Done(f"{name}の連携協約書 別表を {path} に書き出しました。", path)


def revision(
    config: Config, old: Path | None = None, new: Path | None = None, output: Path | None = None
) -> Done:
    """The excerpt between two versions; without OLD, the latest version saved in workbooks/versions."""
    from okaxl.master import read_master
    from okaxl.revision import compare, write_revision

    new = new or config.master
    if old is None:
        saved = sorted(config.versions.glob("*.xlsx"), key=lambda p: p.stat().st_mtime)
        if not saved:
            raise OkaxlError(f"比べる版が {config.versions} にありません。先に「版の保存」をしてください。")
        old = saved[-1]
    found = compare(old, new)
    path = output or config.output / f"別冊改訂案_{found.new_date:%Y-%m}.xlsx"
    write_revision(found, read_master(new), path, config.print.font)
    head = "変更はありません。" if not found.changes else ""
    return Done(
        f"{head}{wareki.format_month(found.new_date)}の改訂案（変更 {len(found.changes)} 件、詳細シート "
        f"{len(found.changed_projects)} 件）を {path} に書き出しました。",
        path,
    )
