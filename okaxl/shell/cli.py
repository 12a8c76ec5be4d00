"""The okaxl command line: each command parses its arguments, calls one library function (mostly in
okaxl.shell.actions, the same ones the Excel buttons call) and turns OkaxlError into a Japanese message
and exit status 2. Heavy imports happen inside the commands, so that `okaxl --help` starts quickly."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import json
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from okaxl import __version__
from okaxl.errors import OkaxlError
from okaxl.problems import Problem
from okaxl.shell import japanese

# Finalising the interpreter walks every object pandas and pandera made (0.12 s of a 0.7 s validate,
# 0.17 s of a merge); frozen, they are left to the operating system, which frees them at once.
atexit.register(gc.freeze)
# A command allocates millions of small objects it keeps (a large master's cells and styles) and
# few cycles: collecting the young generation every 700 allocations re-walked them again and again
# (a quarter of progress at 100×, 48 → 34 s; see the note on #16 for the figures).
gc.set_threshold(100_000, 50, 1000)
japanese.install()  # before the decorators below: click computes some of its words as they run

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_RUN = 0, 1, 2
PATH = click.Path(path_type=Path)


def _fail(message: str, problems: Sequence[Problem] = (), fmt: object = None) -> None:
    """Exit 2 with the message (and the problems that stopped the command) on stderr; with
    --format json, stdout still holds exactly one JSON document saying so."""
    click.echo(f"エラー: {message}", err=True)
    for p in problems:
        where = f"{p.sheet}!{p.cell}" if p.cell else p.sheet or "ブック"
        click.echo(f"  {where} [{p.code}] {p.message} {p.hint}", err=True)
    if fmt == "json":
        document = {"error": message, "problems": [p.to_json() for p in problems]}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    sys.exit(EXIT_CANNOT_RUN)


def command(func: F) -> F:
    """Adds --config and maps failures to exit 2 with a Japanese message, never a traceback."""

    @click.option(
        "--config", "config_path", type=PATH, default=None, help="設定ファイル（既定: ./config.toml）"
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OkaxlError as exc:
            _fail(str(exc), exc.problems, kwargs.get("fmt"))
        except OSError as exc:  # a failure of the operating system, not of okaxl: say which and what to do
            from okaxl.files import os_failure

            _fail(str(os_failure(exc, None, "ファイルを読み書きする")), (), kwargs.get("fmt"))
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug must still reach the user as a message, not a traceback
            if os.environ.get("OKAXL_DEBUG"):
                traceback.print_exc()
            _fail(
                f"予期しないエラーが起きました（{type(exc).__name__}: {exc}）。"
                "OKAXL_DEBUG=1 を付けて再実行した出力を担当者に送ってください。",
                (),
                kwargs.get("fmt"),
            )

    return wrapper  # type: ignore[return-value]


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="結果の形式（text: 人が読む文、json: ほかのプログラム向け。DESIGN.md の形）",
)


def _output(path: Path | None, *suffixes: str) -> Path | None:
    """A file to write, refused before any work when its name says another kind of file: a workbook
    named x.csv would open in Excel as garbage."""
    allowed = suffixes or (".xlsx",)
    if path is not None and path.suffix.lower() not in allowed:
        raise OkaxlError(
            f"書き出し先「{path}」の拡張子は {' または '.join(allowed)} にしてください"
            "（中身と違う拡張子では、開くアプリが読めません。PDF が要るときは --pdf のあるコマンドで作ります）。"
        )
    return path


def _master(path: Path | None, given_as: str = "--master") -> Path | None:
    """A master named on the command line: if it is missing, say so (not config.toml's master)."""
    if path is not None and not path.is_file():
        raise OkaxlError(
            f"{given_as} に指定したマスターブック {path} が見つかりません。パスを確かめてください。"
        )
    return path


PDF = click.option(
    "--pdf", is_flag=True, help="LibreOffice で PDF も作る（ブックと同じ場所に、同じ名前の .pdf）"
)


def _tell(done: Any, pdf: bool, err: bool = False) -> None:
    """Say what was written; with --pdf, first make the PDF of it (and say that it takes a while)."""
    if pdf:
        from okaxl.shell import actions

        click.echo("PDF も作ります（LibreOffice を使うため、1分ほどかかることがあります）…", err=True)
        done = actions.also_pdf(done)
    click.echo(done.message, err=err)


def _config(path: Path | None) -> Any:
    from okaxl.config import load_config

    return load_config(path)


def _progress(total: int, label: str) -> Any:
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)


def _steps(stack: contextlib.ExitStack, label: str) -> Callable[[int], None]:
    """`each(total)` for work that knows how many steps it has only once it starts: the bar
    starts at the first step."""
    bars: list[Any] = []

    def step(total: int) -> None:
        if not bars:
            bars.append(stack.enter_context(_progress(total, label)))
        bars[0].update(1)

    return step


# the commands in the order of the year's work, as `okaxl --help` lists them, each on one line of
# an 80-column terminal (a docstring's first sentence wrapped, and click cut the longer ones short)
YEAR_ORDER = {
    "validate": "マスターブックを検証します（終了コード 0・1・2）",
    "forms": "市町ごとの回答様式を作ります",
    "check": "返ってきた回答を確かめます（マスターは変えません）",
    "merge": "回答を確かめ、受理できるものをマスターに取り込みます",
    "status": "年度の回収状況を市町ごとにまとめます",
    "progress": "年度の進捗管理シート（1事業1シート）を作ります",
    "kpi": "KPI の状況（年度の値、達成率、グラフ）を作ります",
    "matrix": "取組状況一覧（または1市町の一覧）を作ります",
    "annex": "連携協約書の別表を1市町分作ります",
    "revision": "2つの版から別冊の改訂案（変更箇所のみ）を作ります",
    "version": "マスターの版を保存します",
    "master": "マスターブックを照合済みの元データから作ります",
    "schedule": "夜間の自動検証のタスク定義を書き出します",
    "launcher": "Excel ランチャー（ボタンのブック）を作ります",
    "bundle": "ネットにつながらない PC 向けの配布物を作ります",
    "doctor": "この PC の設定を確かめ、直し方を示します",
}


class JapaneseCommand(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", japanese.OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)
        self.help = japanese.unbreak(self.help)


class JapaneseGroup(click.Group):
    """A group whose help speaks Japanese and lists its commands in the order of the year's work."""

    command_class = JapaneseCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", japanese.OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", japanese.SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)
        self.help = japanese.unbreak(self.help)

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [name for name in YEAR_ORDER if name in self.commands]
        return known + sorted(set(self.commands) - set(known))


JapaneseGroup.group_class = JapaneseGroup


@click.group("okaxl", cls=JapaneseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="okaxl", help="okaxl の版を表示して終わります。")
def main() -> None:
    """okaxl: 岡山連携中枢都市圏のマスターブックを検証し、公表資料を作り、市町の回答を取りまとめます。"""


@main.command()
@click.option(
    "--as-of", "as_of", default=None, help="基準日（2025-04-01 または 令和7年4月1日）。既定は config の as_of"
)
@click.option(
    "--town",
    default=None,
    help="この市町の取組だけを一覧にする（all: 12市町それぞれの一覧を1市町1ファイルで）",
)
@click.option("--output", type=PATH, default=None, help="出力ファイル（.xlsx）")
@click.option("--master", type=PATH, default=None, help="マスターブック（既定は config の master）")
@PDF
@command
def matrix(
    as_of: str | None,
    town: str | None,
    output: Path | None,
    master: Path | None,
    pdf: bool,
    config_path: Path | None,
) -> None:
    """取組状況一覧（または1市町の一覧）を基準日時点で作ります。

    --town all では12の連携市町それぞれの一覧を、--output のフォルダー（既定: output）に1市町1ファイルで書き出します。
    """
    from okaxl import wareki
    from okaxl.shell import actions

    date = wareki.parse_date(as_of) if as_of else None
    if town in actions.ALL_TOWNS:
        if output is not None and output.suffix:
            raise OkaxlError(
                f"--town all の --output はフォルダーを指定してください（{output} はファイル名です）。"
            )
    else:
        output = _output(output)
    _tell(actions.matrix(_config(config_path), date, town, output, _master(master)), pdf)


@main.group()
def master() -> None:
    """マスターブックの作成。"""


@master.command("build", short_help="照合済みの元データからマスターブックを作ります")
@click.option(
    "--source", type=PATH, default=None, help="照合済みデータのフォルダ（既定: マスターと同じ場所の source/）"
)
@click.option("--output", type=PATH, default=None, help="書き出し先（既定は config の master）")
@click.option("--force", is_flag=True, help="既存のマスターを置き換える（置き換える前にバックアップします）")
@click.option(
    "--edition", default=None, help="別冊の改訂時点の版を作る（例 2024-03）。workbooks/versions/ 用"
)
@command
def master_build(
    source: Path | None, output: Path | None, force: bool, edition: str | None, config_path: Path | None
) -> None:
    """照合済みの元データ（workbooks/source）から最初のマスターブックを作ります。"""

    from okaxl.master.build import replace_built_master, write_master
    from okaxl.master.source import build_tables

    config = _config(config_path)
    target = output or config.master
    source = source or config.master.parent / "source"
    if target.exists() and not force:
        raise OkaxlError(
            f"{target} は既にあります。マスターは職員が編集する原本なので上書きしません。"
            "作り直す場合は --force を付けてください（元のファイルはバックアップします）。"
        )
    from okaxl.validate.run import confirm_all

    # what the reconciled seed data is warned of is what the city printed: seen, not to be fixed
    tables = confirm_all(
        build_tables(source, edition), "okaxl master build", "公表資料の表記のとおり（照合済みの元データ）"
    )
    if target.exists():
        backup = replace_built_master(tables, target, config)
        click.echo(f"元のマスターを {backup} にバックアップしました。")
    else:
        write_master(tables, target, font=config.print.font)
    counts = {name: len(df) for name, df in tables.frames.items()}
    click.echo(
        f"マスターブックを {target} に作りました（事業 {counts['事業']} 件、参加 {counts['参加']} 件、"
        f"KPI {counts['KPI']} 件）。"
    )


@main.command()
@click.option("--master", type=PATH, default=None, help="検証するブック（既定は config の master）")
@FORMAT
@click.option("--output", type=PATH, default=None, help="結果の書き出し先（.json または .xlsx）")
@click.option(
    "--nightly",
    is_flag=True,
    help="夜間検証: 日付付きの結果と最新の結果を config の reports に書き、古いものを整理する",
)
@PDF
@command
def validate(
    master: Path | None, fmt: str, output: Path | None, nightly: bool, pdf: bool, config_path: Path | None
) -> None:
    """マスターブックを検証します（0: エラーなし、1: エラーあり、2: 実行できない）。

    --output が .json なら JSON、.xlsx ならセルへのリンク付きの Excel の一覧を書き出します。
    """
    from okaxl.shell import actions
    from okaxl.validate.report import as_text, summary_line, write_excel, write_json

    config = _config(config_path)
    output = _output(output, ".xlsx", ".json")
    if pdf and output is None:
        output = config.output / "検証結果.xlsx"
    if pdf and output is not None and output.suffix.lower() != ".xlsx":
        raise OkaxlError("--pdf は Excel の一覧から作ります。--output には .xlsx を指定してください。")
    report = actions.validate(config, _master(master))
    summary = summary_line(report.errors, report.warnings, str(report.master), len(report.confirmed))
    document = report.to_json()
    if nightly:
        from okaxl.shell.schedule import write_nightly

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
        _tell(actions.Done(f"結果を {output} に書き出しました。", output), pdf, err=fmt == "json")
    sys.exit(EXIT_PROBLEMS if report.errors else EXIT_OK)


@main.command()
@click.option("--year", required=True, help="年度（2025、R7、令和7年度）")
@click.option("--town", multiple=True, help="市町（複数指定可。既定は全連携市町）")
@click.option("--output-dir", type=PATH, default=None, help="書き出すフォルダー")
@command
def forms(year: str, town: tuple[str, ...], output_dir: Path | None, config_path: Path | None) -> None:
    """市町ごとの回答様式を作ります（入力セルだけ入力でき、改ざんを検知できる様式）。"""
    from okaxl import wareki
    from okaxl.shell import actions

    with _progress(len(town) or 12, "回答様式を作成中") as bar:
        done = actions.forms(
            _config(config_path),
            wareki.parse_fiscal_year(year),
            town,
            output_dir,
            each=lambda _: bar.update(1),
        )
    click.echo(done.message)


def _files(config: Any, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    from okaxl.returns.check import find_returns

    if not paths and not config.inbox.is_dir():
        return ()  # the action says what is missing
    return tuple(find_returns(paths or (config.inbox,)))  # found once; the bar knows the total


def _report(batch: Any, fmt: str, labels: dict[str, str]) -> None:
    """Each return with its status and problems (text), or the contract's JSON."""
    if fmt == "json":
        document = (
            batch.outcome.to_json() if batch.outcome else {"returns": [r.to_json() for r in batch.results]}
        )
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    for r in batch.results:
        status = batch.status(r)
        label = labels.get(status, r.label) if status != "invalid" else r.label
        errors = sum(p.severity == "error" for p in r.problems)
        click.echo(
            f"{label}  {r.file.name}  {r.town or ''}  変更 {len(r.changes)} 件、指摘 {len(r.problems)} 件（要修正 {errors} 件）"
        )
        for p in r.problems:
            click.echo(f"    {f'{p.sheet}!{p.cell}' if p.cell else (p.sheet or 'ファイル')}  {p.message}")
        if status == "conflict":
            for c in r.changes:
                click.echo(f"    {c['sheet']} {c['key']} {c['field']}: {c['old']} → {c['new']}")


@main.command()
@click.argument("paths", nargs=-1, type=PATH, metavar="[回答ファイルまたはフォルダー]...")
@click.option("--feedback-dir", type=PATH, default=None, help="指摘ファイルの書き出し先（既定: output/指摘）")
@FORMAT
@command
def check(paths: tuple[Path, ...], feedback_dir: Path | None, fmt: str, config_path: Path | None) -> None:
    """返ってきた回答（ファイルまたはフォルダー）を確認します。マスターは変更しません。

    取り込むときと同じ確認（既に取り込んだ値との競合、マスターの決まり）をして、取り込みと同じ答えを
    出します。指摘は --feedback-dir（既定: output/指摘）に、市町に返すファイルとして書き出し、
    回収状況（年度ごとに記録し、前の確認の結果も消えません）を更新します。
    """
    from okaxl.shell import actions

    config = _config(config_path)
    files = _files(config, paths)
    with _progress(len(files) or 1, "回答を確認中") as bar:
        batch = actions.check_round(config, files or paths, feedback_dir, each=lambda _: bar.update(1))
    for note in batch.notes:
        click.echo(note, err=True)
    _report(batch, fmt, {"valid": "受理", "unchanged": "受理（重複）", "conflict": "競合"})
    if fmt != "json":
        counts = {
            label: sum(r.label == label for r in batch.results)
            for label in ("受理", "要修正", "却下", "競合", "取込済")
        }
        summary = "、".join(f"{k} {v} 件" for k, v in counts.items() if v)
        click.echo(f"確認結果: {summary}。指摘と回収状況を {batch.folder} に書き出しました。")
    ok = all(batch.status(r) in ("valid", "unchanged") for r in batch.results)
    sys.exit(EXIT_OK if ok else EXIT_PROBLEMS)


@main.command()
@click.argument("paths", nargs=-1, type=PATH, metavar="[回答ファイルまたはフォルダー]...")
@click.option("--dry-run", is_flag=True, help="何が変わるかを示すだけで、何も書き込まない")
@click.option("--replace", is_flag=True, help="既に取り込んだ値と違う回答（競合）を置き換える")
@FORMAT
@command
def merge(paths: tuple[Path, ...], dry_run: bool, replace: bool, fmt: str, config_path: Path | None) -> None:
    """回答を確認し、受理できるものをマスターに取り込みます（バックアップと履歴付き）。

    同じファイルを2回取り込んでも何も変わりません。既に取り込んだ値と違う回答は「競合」として
    セルごとに示し、書き込みません（--replace で置き換え、履歴に残します）。問題のある回答があっても、
    ほかの受理できる回答は取り込みます。--dry-run は何も書きません。
    """
    from okaxl.shell import actions

    config = _config(config_path)
    files = _files(config, paths)
    with _progress(len(files) or 1, "回答を確認中") as bar:
        batch = actions.merge_round(
            config, files or paths, dry_run=dry_run, replace=replace, each=lambda _: bar.update(1)
        )
    assert batch.outcome is not None
    for note in [*batch.outcome.notes, *batch.notes]:
        click.echo(note, err=True)
    labels = {
        "merged": "取込",
        "valid": "取込予定",
        "unchanged": "変更なし",
        "conflict": "競合",
        "invalid": "却下・要修正",
    }
    _report(batch, fmt, labels)
    if fmt != "json":
        summary = "、".join(f"{labels[k]} {batch.count(k)} 件" for k in labels if batch.count(k))
        backup = batch.outcome.backup
        where = (
            "（試行のため何も書き込んでいません）"
            if dry_run
            else f" マスターを更新しました（バックアップ: {backup}）。"
            if backup
            else " マスターは変更していません。"
        )
        click.echo(f"取り込み結果: {summary}。{where}")
    bad = any(batch.status(r) in ("conflict", "invalid") for r in batch.results)
    sys.exit(EXIT_PROBLEMS if bad else EXIT_OK)


@main.command()
@click.option("--year", default=None, help="年度（既定は config の fiscal_year）")
@click.option(
    "--output", type=PATH, default=None, help="回収状況のブック（既定: output/回収状況_令和7年度.xlsx）"
)
@FORMAT
@PDF
@command
def status(year: str | None, output: Path | None, fmt: str, pdf: bool, config_path: Path | None) -> None:
    """年度の回収状況：市町ごとの様式の配布、届いた回答、状態、期限からの遅れ。

    終了コード: 0 全市町を取り込み済み、1 未着・要修正などが残る、2 実行できない。
    """
    from okaxl import wareki
    from okaxl.shell import actions

    config = _config(config_path)
    state, done = actions.status(config, wareki.parse_fiscal_year(year) if year else None, _output(output))
    if fmt == "json":
        click.echo(json.dumps(state.to_json(), ensure_ascii=False, indent=2))
    else:
        for town in state.towns:
            late = f"  {town.days_overdue} 日遅れ" if town.days_overdue else ""
            last = f"  最終確認 {town.last_checked}" if town.last_checked else ""
            chase = (
                f"  連絡先 {town.contact}" if town.contact and town.status not in ("取込済", "受理") else ""
            )
            click.echo(f"{town.town}\t{town.status}{last}{late}{chase}")
    _tell(done, pdf, err=fmt == "json")  # stdout holds the one JSON document
    sys.exit(EXIT_OK if state.complete else EXIT_PROBLEMS)


@main.command()
@click.option("--year", required=True, help="年度（H29、R7、令和7年度 など）")
@click.option("--project", multiple=True, help="事業ID か事務事業名（複数指定可。既定は全事業）")
@click.option(
    "--output", type=PATH, default=None, help="書き出すブック（既定: output/進捗管理シート_R7.xlsx）"
)
@PDF
@command
def progress(
    year: str, project: tuple[str, ...], output: Path | None, pdf: bool, config_path: Path | None
) -> None:
    """年度の進捗管理シート（1事業1シート、目次付き）を templates/progress.xlsx から作ります。"""
    from okaxl import wareki
    from okaxl.shell import actions

    with contextlib.ExitStack() as stack:
        step = _steps(stack, "進捗管理シートを作成中")
        done = actions.progress(
            _config(config_path), wareki.parse_fiscal_year(year), project, _output(output), each=step
        )
    _tell(done, pdf)


@main.command()
@click.option("--project", multiple=True, help="事業ID か事務事業名（複数指定可。既定は全事業）")
@click.option(
    "--output", type=PATH, default=None, help="書き出すブック（既定: output/KPIの状況_今日の日付.xlsx）"
)
@PDF
@command
def kpi(project: tuple[str, ...], output: Path | None, pdf: bool, config_path: Path | None) -> None:
    """KPI の状況：指標ごとの年度の値、達成率と判定、事業ごとの折れ線グラフ。"""
    from okaxl.shell import actions

    _tell(actions.kpi(_config(config_path), project, _output(output)), pdf)


@main.command()
@click.option("--town", required=True, help="連携市町")
@click.option(
    "--output", type=PATH, default=None, help="書き出すブック（既定: output/連携協約書別表_市町名.xlsx）"
)
@PDF
@command
def annex(town: str, output: Path | None, pdf: bool, config_path: Path | None) -> None:
    """連携協約書 別表（取組ごとの取組内容、甲・乙の役割）を1市町分作ります。"""
    from okaxl.shell import actions

    _tell(actions.annex(_config(config_path), town, _output(output)), pdf)


@main.command()
@click.argument("old", type=PATH, metavar="旧版")
@click.argument("new", type=PATH, metavar="新版")
@click.option(
    "--output",
    type=PATH,
    default=None,
    help="書き出すブック（既定: output/別冊改訂案_令和8年（2026年）3月.xlsx のように新版の年月）",
)
@PDF
@command
def revision(old: Path, new: Path, output: Path | None, pdf: bool, config_path: Path | None) -> None:
    """2つの版のマスター（旧版と新版）から、別冊の改訂案（変更箇所のみ抜粋）を作ります。"""
    from okaxl.shell import actions

    _master(old, "旧版")
    _master(new, "新版")
    with contextlib.ExitStack() as stack:
        done = actions.revision(
            _config(config_path), old, new, _output(output), each=_steps(stack, "改訂案を作成中")
        )
    _tell(done, pdf)


@main.group()
def version() -> None:
    """マスターの版の保存。"""


@version.command("save", short_help="今のマスターを読み取り専用の版として保存します")
@click.option(
    "--label", default=None, help="版の名前（例 R8-03、令和8年3月版。既定は今日の日付 令和8年12月1日 の形）"
)
@command
def version_save(label: str | None, config_path: Path | None) -> None:
    """現在のマスターを workbooks/versions/ に日付付きの読み取り専用の版として保存し、台帳に記録します。"""
    import re

    from okaxl import wareki
    from okaxl.master import ledger
    from okaxl.master.commit import sha256_of
    from okaxl.master.reader import open_workbook

    config = _config(config_path)
    open_workbook(config.master)  # a version is only ever a readable workbook
    name = label or wareki.format_date(wareki.now().date())
    if not name.strip() or re.search(r'[<>:"/\\|?*\x00-\x1f]', name):
        raise OkaxlError(
            f'ラベル「{name}」はファイル名に使えない文字（< > : " / \\ | ? *）を含んでいます。'
            "例 R8-03、令和8年3月版 のように付けてください。"
        )
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


@launcher.command("build", short_help="Excel ランチャー macros/okaxl.xlsm を作ります")
@click.option("--output", type=PATH, default=None, help="書き出し先（既定: macros/okaxl.xlsm）")
@command
def launcher_build(output: Path | None, config_path: Path | None) -> None:
    """macros/*.bas と操作の一覧から Excel ランチャー macros/okaxl.xlsm を作ります（LibreOffice が必要）。"""
    from okaxl.shell.launcher import build

    config = _config(config_path)
    macros = config.path.parent / "macros"
    path = build(macros, output or macros / "okaxl.xlsm", config)
    click.echo(f"Excel ランチャーを {path} に作りました。")


@main.command()
@click.option("--output", type=PATH, default=None, help="タスク定義（XML）の書き出し先")
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

    from okaxl.shell.schedule import crontab_line, schtasks_line, write_task

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


@main.command()
@click.option(
    "--platform",
    "platform_tag",
    type=click.Choice(["win_amd64", "manylinux2014_x86_64"]),
    default="win_amd64",
    show_default=True,
    help="入れる PC（win_amd64: Windows 64 ビット、manylinux2014_x86_64: Linux）",
)
@click.option(
    "--python",
    "python_version",
    type=click.Choice(["3.11", "3.12", "3.13"]),
    default="3.11",
    show_default=True,
    help="入れる PC の Python の版",
)
@click.option("--output", type=PATH, default=None, help="書き出すフォルダー（既定: dist）")
@command
def bundle(platform_tag: str, python_version: str, output: Path | None, config_path: Path | None) -> None:
    """インターネットにつながらない PC に okaxl を入れるための配布フォルダーと zip を作ります。

    okaxl と依存するすべての wheel（その PC でだけ要るものも）、install.bat（または install.sh）、
    uninstall.bat、ランチャー、記入用の config.toml、手順書、SHA256SUMS を1つにまとめます。
    作るときは PyPI に接続します（pip の設定のプロキシを使います）。
    """
    from okaxl.shell.bundle import Target, build, source_root

    root = source_root()
    click.echo("wheel をそろえています（数分かかることがあります）…", err=True)
    built = build(Target(platform_tag, python_version), output or root / "dist", root)
    click.echo(
        f"配布フォルダーを {built.folder} に、zip を {built.archive}（{built.size / 1e6:.1f} MB、"
        f"wheel {len(built.wheels)} 個）に作りました。\n"
        f"zip の SHA-256: {built.archive_sha256()}（持ち込みの申請に書き、持ち込んだ先で照合します）"
    )


@main.command()
@FORMAT
@command
def doctor(fmt: str, config_path: Path | None) -> None:
    """この PC の設定を確かめ、直すところと直し方を示します（0: 問題なし、1: 直すところあり、2: 実行できない）。

    Python と okaxl の版、config.toml、マスター（開けるか、Excel で開かれていないか）、書き出す各フォルダー、
    OneDrive・SharePoint の URL や同期フォルダー、UNC パス、改ざん検知の鍵、LibreOffice とフォント、
    Windows ではランチャーの Python と夜間検証のタスクを確かめます。注意だけなら 0 です。
    """
    from okaxl.shell.doctor import as_text, diagnose

    report = diagnose(config_path)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(as_text(report))
    sys.exit(EXIT_PROBLEMS if report.errors else EXIT_OK)


for _name, _line in YEAR_ORDER.items():
    main.commands[_name].short_help = _line
