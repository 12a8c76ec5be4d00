"""The okaxl command line: each command parses its arguments, calls one library function and
turns OkaxlError into a Japanese message and exit status 2. Heavy imports happen inside the
commands, so that `okaxl --help` and an Excel button start quickly."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from okaxl import __version__
from okaxl.errors import OkaxlError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_RUN = 0, 1, 2


def _fail(message: str) -> None:
    click.echo(f"エラー: {message}", err=True)
    sys.exit(EXIT_CANNOT_RUN)


def command(func: F) -> F:
    """Adds --config and maps failures to exit 2 with a Japanese message, never a traceback."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=None,
        help="設定ファイル（既定: ./config.toml）",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OkaxlError as exc:
            _fail(str(exc))
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug must still reach the user as a message, not a traceback
            if os.environ.get("OKAXL_DEBUG"):
                traceback.print_exc()
            _fail(
                f"予期しないエラーが起きました（{type(exc).__name__}: {exc}）。"
                "OKAXL_DEBUG=1 を付けて再実行した出力を担当者に送ってください。"
            )

    return wrapper  # type: ignore[return-value]


def _config(path: Path | None) -> Any:
    from okaxl.config import load_config

    return load_config(path)


def _not_yet(what: str, issue: int) -> None:
    _fail(f"「{what}」はまだ使えません（開発中: issue #{issue}）。")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="okaxl")
def main() -> None:
    """okaxl: 岡山連携中枢都市圏のマスターブックを検証し、公表資料を作り、市町の回答を取りまとめます。"""


@main.command()
@click.option(
    "--as-of", "as_of", default=None, help="基準日（2025-04-01 または 令和7年4月1日）。既定は config の as_of"
)
@click.option("--town", default=None, help="この市町の取組だけを一覧にする")
@click.option("--output", type=click.Path(path_type=Path), default=None, help="出力ファイル（.xlsx）")
@click.option(
    "--master",
    type=click.Path(path_type=Path),
    default=None,
    help="マスターブック（既定は config の master）",
)
@command
def matrix(
    as_of: str | None, town: str | None, output: Path | None, master: Path | None, config_path: Path | None
) -> None:
    """取組状況一覧（または1市町の一覧）を基準日時点で作ります。"""
    from okaxl import wareki
    from okaxl.master import read_master
    from okaxl.matrix import build_matrix, resolve_town
    from okaxl.publish import Style, write_matrix, write_town_view

    config = _config(config_path)
    date = wareki.parse_date(as_of) if as_of else config.as_of
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
        click.echo(
            f"{name}の連携取組一覧（{stamp}現在、{len(result.for_town(name))}事務事業）を {path} に書き出しました。"
        )
    else:
        path = output or config.output / f"取組状況一覧_{stamp}現在.xlsx"
        write_matrix(result, path, style)
        click.echo(f"取組状況一覧（{stamp}現在、{result.project_count}事務事業）を {path} に書き出しました。")


@main.group()
def master() -> None:
    """マスターブックの作成。"""


@master.command("build")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="照合済みデータのフォルダ（既定: マスターと同じ場所の source/）",
)
@click.option(
    "--output", type=click.Path(path_type=Path), default=None, help="書き出し先（既定は config の master）"
)
@click.option("--force", is_flag=True, help="既存のマスターを置き換える（置き換える前にバックアップします）")
@click.option(
    "--edition", default=None, help="別冊の改訂時点の版を作る（例 2024-03）。workbooks/versions/ 用"
)
@command
def master_build(
    source: Path | None, output: Path | None, force: bool, edition: str | None, config_path: Path | None
) -> None:
    """照合済みの元データ（workbooks/source）から最初のマスターブックを作ります。"""
    from datetime import datetime

    from okaxl.master import write_master
    from okaxl.source import build_tables

    config = _config(config_path)
    target = output or config.master
    source = source or config.master.parent / "source"
    if target.exists() and not force:
        raise OkaxlError(
            f"{target} は既にあります。マスターは職員が編集する原本なので上書きしません。"
            "作り直す場合は --force を付けてください（元のファイルはバックアップします）。"
        )
    tables = build_tables(source, edition)
    if target.exists():
        config.backups.mkdir(parents=True, exist_ok=True)
        backup = config.backups / f"{target.stem}_{datetime.now():%Y%m%d-%H%M%S}{target.suffix}"
        shutil.copy2(target, backup)
        click.echo(f"元のマスターを {backup} にバックアップしました。")
    write_master(tables, target, font=config.print.font)
    counts = {name: len(df) for name, df in tables.frames.items()}
    click.echo(
        f"マスターブックを {target} に作りました（事業 {counts['事業']} 件、参加 {counts['参加']} 件、"
        f"KPI {counts['KPI']} 件）。"
    )


@main.command()
@click.option("--master", type=click.Path(path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--output", type=click.Path(path_type=Path), default=None)
@click.option(
    "--nightly",
    is_flag=True,
    help="夜間検証: 日付付きの結果と最新の結果を config の reports に書き、古いものを整理する",
)
@command
def validate(
    master: Path | None, fmt: str, output: Path | None, nightly: bool, config_path: Path | None
) -> None:
    """マスターブックを検証します（0: エラーなし、1: エラーあり、2: 実行できない）。

    --output が .json なら JSON、.xlsx ならセルへのリンク付きの Excel の一覧を書き出します。
    """
    import json

    from okaxl.report import as_text, summary_line, write_excel, write_json
    from okaxl.validate import validate as run

    config = _config(config_path)
    report = run(master or config.master)
    summary = summary_line(report.errors, report.warnings, str(report.master))
    document = report.to_json()
    if nightly:
        from okaxl.schedule import write_nightly

        write_nightly(report, config.reports, config.schedule.keep)
    if output and output.suffix.lower() == ".xlsx":
        write_excel(report.problems, output, workbook=report.master, title=summary, font=config.print.font)
    elif output:
        write_json(document, output)
    if fmt == "json":
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo(as_text(report.problems, summary))
        if output:
            click.echo(f"結果を {output} に書き出しました。")
    sys.exit(EXIT_PROBLEMS if report.errors else EXIT_OK)


@main.command()
@click.option("--year", required=True, help="年度（2025、R7、令和7年度）")
@click.option("--town", multiple=True, help="市町（複数指定可。既定は全連携市町）")
@click.option("--output-dir", type=click.Path(path_type=Path), default=None)
@command
def forms(year: str, town: tuple[str, ...], output_dir: Path | None, config_path: Path | None) -> None:
    """市町ごとの回答様式を作ります（入力セルだけ入力でき、改ざんを検知できる様式）。"""
    from okaxl import wareki
    from okaxl.forms import write_forms
    from okaxl.master import read_master
    from okaxl.validate import sha256_of

    config = _config(config_path)
    fiscal_year = wareki.parse_fiscal_year(year)
    tables = read_master(config.master)
    out_dir = output_dir or config.output / f"{wareki.short_fiscal_year(fiscal_year)}_回答様式"
    with click.progressbar(length=len(town) or 12, label="回答様式を作成中", file=sys.stderr) as bar:
        paths = write_forms(tables, config, fiscal_year, list(town), out_dir, sha256_of(config.master))
        bar.update(len(paths))
    for path in paths:
        click.echo(f"{path}")
    click.echo(
        f"{wareki.format_fiscal_year(fiscal_year)}の回答様式 {len(paths)} 件を {out_dir} に作りました。"
    )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--feedback-dir", type=click.Path(path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@command
def check(paths: tuple[Path, ...], feedback_dir: Path | None, fmt: str, config_path: Path | None) -> None:
    """返ってきた回答（ファイルまたはフォルダー）を確認します。マスターは変更しません。

    指摘は --feedback-dir（既定: output/指摘）に、市町に返すファイルとして書き出します。
    """
    config = _config(config_path)
    results = _check_returns(config, paths)
    feedback = feedback_dir or config.output / "指摘"
    _write_feedback(config, results, feedback)
    _report_returns(results, fmt, f"指摘と回収状況を {feedback} に書き出しました。")
    sys.exit(EXIT_OK if all(r.status == "valid" for r in results) else EXIT_PROBLEMS)


def _check_returns(config: Any, paths: tuple[Path, ...], *, duplicates: bool = True) -> list[Any]:
    """Check every return named (files or folders; the inbox when none), with progress on stderr."""
    from okaxl.master import read_master
    from okaxl.matrix import partner_towns
    from okaxl.returns import CheckContext, check_return, find_returns, mark_duplicates
    from okaxl.signing import load_key

    files = find_returns(paths or (config.inbox,))
    if not files:
        raise OkaxlError(f"確認する回答がありません（{', '.join(str(p) for p in paths) or config.inbox}）。")
    towns = partner_towns(read_master(config.master))
    context = CheckContext(
        load_key(config.forms.key_file, create=False), config.forms.issued, config.fiscal_year, towns
    )
    results = []
    with click.progressbar(files, label="回答を確認中", file=sys.stderr, show_pos=True) as bar:
        for path in bar:
            results.append(check_return(path, context))
    if duplicates:  # merge decides about two returns of one town itself: agree → unchanged, else conflict
        mark_duplicates(results)
    return results


def _write_feedback(config: Any, results: list[Any], folder: Path) -> None:
    from okaxl.feedback import write_collection, write_feedback
    from okaxl.master import read_master
    from okaxl.matrix import partner_towns

    for result in results:
        if result.problems:
            write_feedback(result, folder, config.print.font)
    towns = partner_towns(read_master(config.master))
    write_collection(results, towns, config.fiscal_year, folder / "回収状況.xlsx", config.print.font)


def _report_returns(results: list[Any], fmt: str, footer: str) -> None:
    import json

    if fmt == "json":
        click.echo(json.dumps({"returns": [r.to_json() for r in results]}, ensure_ascii=False, indent=2))
        return
    for r in results:
        errors = sum(p.severity == "error" for p in r.problems)
        click.echo(
            f"{r.label}  {r.file.name}  {r.town or ''}  指摘 {len(r.problems)} 件（要修正 {errors} 件）"
        )
        for p in r.problems:
            where = f"{p.sheet}!{p.cell}" if p.cell else (p.sheet or "ファイル")
            click.echo(f"    {where}  {p.message}")
    counts = {label: sum(r.label == label for r in results) for label in ("受理", "要修正", "却下")}
    click.echo(
        f"確認結果: 受理 {counts['受理']} 件、要修正 {counts['要修正']} 件、却下 {counts['却下']} 件。{footer}"
    )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True)
@click.option("--replace", is_flag=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@command
def merge(paths: tuple[Path, ...], dry_run: bool, replace: bool, fmt: str, config_path: Path | None) -> None:
    """回答を確認し、受理できるものをマスターに取り込みます（バックアップと履歴付き）。

    同じファイルを2回取り込んでも何も変わりません。既に取り込んだ値と違う回答は「競合」として
    セルごとに示し、書き込みません（--replace で置き換え、履歴に残します）。--dry-run は何も書きません。
    """
    from okaxl.merge import merge as run

    config = _config(config_path)
    results = _check_returns(config, paths, duplicates=False)
    if not dry_run:
        _write_feedback(config, [r for r in results if r.status != "valid"], config.output / "指摘")
    outcome = run(results, config, dry_run=dry_run, replace=replace)
    for note in outcome.notes:
        click.echo(note, err=True)
    statuses = outcome.statuses
    if fmt == "json":
        import json

        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
    else:
        labels = {
            "merged": "取込",
            "valid": "取込予定",
            "unchanged": "変更なし",
            "conflict": "競合",
            "invalid": "却下・要修正",
        }
        for r in results:
            status = statuses.get(r.file, r.status)
            click.echo(f"{labels[status]}  {r.file.name}  {r.town or ''}  変更 {len(r.changes)} 件")
            for c in r.changes:
                files = f"（{' と '.join(c['files'])}）" if c.get("files") else ""
                old = "（空欄）" if c["old"] is None else c["old"]
                click.echo(f"    {c['sheet']} {c['key']} {c['field']}: {old} → {c['new']}{files}")
            for p in r.problems:
                if p.severity == "error":
                    click.echo(f"    {p.sheet + '!' + p.cell if p.cell else 'ファイル'}  {p.message}")
        counts = {k: sum(1 for r in results if statuses.get(r.file, r.status) == k) for k in labels}
        summary = "、".join(f"{labels[k]} {v} 件" for k, v in counts.items() if v)
        where = (
            "（試行のため何も書き込んでいません）"
            if dry_run
            else (
                f" マスターを更新しました（バックアップ: {outcome.backup}）。"
                if outcome.backup
                else " マスターは変更していません。"
            )
        )
        click.echo(f"取り込み結果: {summary}。{where}")
    bad = any(statuses.get(r.file) in ("conflict", "invalid") for r in results)
    sys.exit(EXIT_PROBLEMS if bad else EXIT_OK)


@main.command()
@click.option("--year", required=True)
@click.option("--project", multiple=True)
@click.option("--output", type=click.Path(path_type=Path), default=None)
@click.option("--pdf", is_flag=True)
@command
def progress(
    year: str, project: tuple[str, ...], output: Path | None, pdf: bool, config_path: Path | None
) -> None:
    """年度の進捗管理シート（1事業1シート、目次付き）を templates/progress.xlsx から作ります。"""
    from okaxl import wareki
    from okaxl.master import read_master
    from okaxl.progress import pages, write_progress

    config = _config(config_path)
    fiscal_year = wareki.parse_fiscal_year(year)
    found = pages(read_master(config.master), fiscal_year, list(project) or None)
    path = output or config.output / f"進捗管理シート_{wareki.short_fiscal_year(fiscal_year)}.xlsx"
    write_progress(found, fiscal_year, config.templates / "progress.xlsx", path, config.print.font)
    click.echo(
        f"{wareki.format_fiscal_year(fiscal_year)}の進捗管理シート（{len(found)}事務事業）を {path} に書き出しました。"
    )
    if pdf:
        from okaxl.office import convert

        click.echo(f"PDF を {convert(path, 'pdf')} に書き出しました。")


@main.command()
@click.option("--town", required=True)
@click.option("--output", type=click.Path(path_type=Path), default=None)
@command
def annex(town: str, output: Path | None, config_path: Path | None) -> None:
    """連携協約書 別表（取組ごとの取組内容、甲・乙の役割）を1市町分作ります。"""
    from okaxl.annex import write_annex
    from okaxl.master import read_master
    from okaxl.matrix import resolve_town

    config = _config(config_path)
    tables = read_master(config.master)
    name = resolve_town(tables, town)
    path = output or config.output / f"連携協約書別表_{name}.xlsx"
    write_annex(tables, name, path, config.print.font)
    click.echo(f"{name}の連携協約書 別表を {path} に書き出しました。")


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--output", type=click.Path(path_type=Path), default=None)
@command
def revision(old: Path, new: Path, output: Path | None, config_path: Path | None) -> None:
    """2つの版のマスター（OLD と NEW）から、別冊の改訂案（変更箇所のみ抜粋）を作ります。"""
    from okaxl import wareki
    from okaxl.master import read_master
    from okaxl.revision import compare, write_revision

    config = _config(config_path)
    found = compare(old, new)
    path = output or config.output / f"別冊改訂案_{found.new_date:%Y-%m}.xlsx"
    write_revision(found, read_master(new), path, config.print.font)
    if not found.changes:
        click.echo("変更はありません。")
    click.echo(
        f"{wareki.format_month(found.new_date)}の改訂案（変更 {len(found.changes)} 件、詳細シート "
        f"{len(found.changed_projects)} 件）を {path} に書き出しました。"
    )


@main.group()
def version() -> None:
    """マスターの版の保存。"""


@version.command("save")
@click.option("--label", default=None)
@command
def version_save(label: str | None, config_path: Path | None) -> None:
    """現在のマスターを workbooks/versions/ に日付付きの読み取り専用の版として保存し、台帳に記録します。"""
    import datetime as dt
    import re

    from okaxl import ledger
    from okaxl.commit import sha256_of
    from okaxl.master import open_workbook

    config = _config(config_path)
    open_workbook(config.master)  # a version is only ever a readable workbook
    name = label or dt.date.today().isoformat()
    if not re.fullmatch(r"[0-9A-Za-z._\-]+", name):
        raise OkaxlError(f"ラベル「{name}」には半角の英数字と . _ - だけを使ってください（例 R8-03）。")
    target = config.versions / f"{config.master.stem}_{name}{config.master.suffix}"
    if target.exists():
        raise OkaxlError(f"版 {target.name} は既にあります。別のラベルを付けてください。")
    config.versions.mkdir(parents=True, exist_ok=True)
    shutil.copy2(config.master, target)
    target.chmod(0o444)
    digest = sha256_of(target)
    ledger.append(config.master, {"op": "version", "path": str(target), "label": name, "sha256": digest})
    click.echo(f"マスターを版 {target} として保存しました（読み取り専用、SHA-256 {digest[:16]}…）。")


@main.group()
def launcher() -> None:
    """Excel ランチャー。"""


@launcher.command("build")
@command
def launcher_build(config_path: Path | None) -> None:
    """macros/*.bas から Excel ランチャー macros/okaxl.xlsm を作ります。"""
    _not_yet("Excel ランチャー（launcher build）", 8)


@main.command()
@click.option("--output", type=click.Path(path_type=Path), default=None, help="タスク定義（XML）の書き出し先")
@click.option(
    "--platform",
    "target",
    type=click.Choice(["windows", "linux"]),
    default=None,
    help="対象の OS（既定はこの PC の OS）",
)
@command
def schedule(output: Path | None, target: str | None, config_path: Path | None) -> None:
    """夜間の自動検証のタスク定義を書き出します（Windows: タスク スケジューラの XML、Linux: crontab の行）。"""
    import datetime as dt

    from okaxl.schedule import crontab_line, schtasks_line, write_task

    config = _config(config_path)
    target = target or ("windows" if sys.platform == "win32" else "linux")
    if target == "linux":
        line = crontab_line(config)
        if output:
            output.write_text(line + "\n", encoding="utf-8")
        click.echo("crontab -e で次の行を追加してください:")
        click.echo(line)
        return
    path = write_task(
        config, output or config.reports / "okaxl_validate_task.xml", dt.date.today() + dt.timedelta(days=1)
    )
    click.echo(
        f"タスク定義を {path} に書き出しました。コマンドプロンプトで次を実行して登録してください（パスワードを聞かれます）:"
    )
    click.echo(schtasks_line(path))
