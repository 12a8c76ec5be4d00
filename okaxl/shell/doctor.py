"""`okaxl doctor`: this PC's set-up, checked. Every check gives findings (data: severity, code,
what was found, what to do, the path concerned); FIXES holds every code's severity and fix, so a
reader sees all the failures the doctor knows at once. Exit 0 all well (warnings allowed), 1
something to fix, 2 could not run."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PureWindowsPath
from typing import Literal

from okaxl import __version__, wareki
from okaxl.config import PATH_KEYS, Config, load_config
from okaxl.errors import OkaxlError
from okaxl.shell import cloudpath, pc

Severity = Literal["ok", "warning", "error"]

FIXES: dict[str, tuple[Severity, str]] = {
    "xlwings-version": (
        "error",
        "ランチャーの VBA はこの版の xlwings の DLL を探します。install.bat で入れ直してください。",
    ),
    "config-missing": (
        "error",
        "config.toml のあるフォルダーで実行するか、--config で指定してください。新しい PC では、"
        "配布フォルダーの project\\config.toml を書き換えて使います。",
    ),
    "config-invalid": ("error", "config.toml を直してください（配布フォルダーの config.toml に例があります）。"),
    "path-url": (
        "error",
        "okaxl が読み書きできるのはフォルダーのパスだけです。{hint}",
    ),
    "unc-unreachable": (
        "error",
        "ネットワーク（LGWAN）につながっているか、サーバー名と共有名が正しいかを確かめてください"
        "（エクスプローラーのアドレス欄に {path} を貼って開けるか）。",
    ),
    "unc-not-windows": (
        "error",
        "この OS では \\\\サーバー\\共有 の形は使えません。共有をマウントしたフォルダーのパスを書いてください。",
    ),
    "onedrive-synced": (
        "warning",
        "同期中に Excel と okaxl が同じファイルを書くと、競合コピー（名前に PC 名の付いたファイル）ができたり、"
        "Excel で開いているかの確認が効かなかったりします。マスターと受付フォルダーは共有フォルダー"
        "（ファイルサーバー）か同期しないフォルダーに置いてください。",
    ),
    "master-missing": (
        "error",
        "config.toml の [paths] master を、マスターブックのある場所に直してください。共有フォルダーなら、"
        "エクスプローラーで開けるかも確かめてください。",
    ),
    "master-unreadable": ("error", "{reason}"),
    "master-not-workbook": (
        "error",
        "Excel のブック（.xlsx）を指定してください。パスワード付きのブックは okaxl では読めません。",
    ),
    "master-open": (
        "error",
        "Excel でマスターを閉じてください（ほかの人が開いている場合も）。Excel をすべて閉じても消えないときは、"
        "その ~$ で始まるファイルを削除してください。",
    ),
    "folder-missing": ("error", "フォルダーを作るか、config.toml の [paths] {key} を直してください。"),
    "folder-not-writable": ("error", "{reason}"),
    "template-missing": (
        "error",
        "配布フォルダーの project\\templates\\progress.xlsx をここにコピーするか、[paths] templates を直してください。",
    ),
    "key-missing": (
        "error",
        "様式を作った PC の鍵ファイルを、この PC の {path} にコピーしてください（USB メモリなどで。メールでは送らない）。"
        "この PC で初めて様式を作るのなら、okaxl forms が作ります。",
    ),
    "key-open-to-others": ("error", "ほかの利用者に読めないようにしてください: chmod 600 '{path}'"),
    "key-invalid": ("error", "様式を作った PC から鍵ファイルをコピーし直してください。"),
    "office-missing": (
        "error",
        "LibreOffice を入れてください（--pdf で PDF を作るとき、ランチャーを作り直すときに使います）。"
        "PDF を作らない PC なら、この項目は直さなくても他の機能は動きます。",
    ),
    "font-missing": (
        "error",
        "フォント「{font}」を入れるか、config.toml の [print] font をこの PC にあるフォント"
        "（例 BIZ UDゴシック、MS ゴシック）に変えてください。出力の見た目と PDF の字配りが変わります。",
    ),
    "font-unknown": ("warning", "フォント「{font}」が入っているか、Excel のフォント一覧で確かめてください。"),
    "launcher-missing": (
        "warning",
        "ランチャー okaxl.xlsm を {path} に置くと、ランチャーの Python の設定も確かめられます（install.bat が置きます）。",
    ),
    "interpreter-missing": (
        "error",
        "install.bat を実行してください。別の場所に入れたのなら、ランチャーの非表示シート xlwings.conf の "
        "Interpreter_Win をその pythonw.exe のパスにしてください。",
    ),
    "xlwings-dll-missing": ("error", "install.bat を実行して入れ直してください。"),
    "task-missing": (
        "warning",
        "夜間の自動検証をこの PC で動かすなら、okaxl schedule --config <config.toml> を実行し、表示された "
        "schtasks のコマンドで登録してください（1台で動かせば十分です）。",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str
    what: str  # Japanese: what was found, naming the path
    fix: str  # Japanese: what to do ("" when all is well)
    path: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "severity": self.severity,
            "code": self.code,
            "what": self.what,
            "fix": self.fix,
            "path": self.path,
        }


def ok(code: str, what: str, path: object = None) -> Finding:
    return Finding("ok", code, what, "", None if path is None else str(path))


def problem(code: str, what: str, path: object = None, **fields: object) -> Finding:
    severity, fix = FIXES[code]
    return Finding(severity, code, what, fix.format(path=path, **fields), None if path is None else str(path))


@dataclass(frozen=True, slots=True)
class Report:
    config: Path | None
    findings: list[Finding]
    checked_at: dt.datetime = field(default_factory=wareki.now)  # JST, as staff read it

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "okaxl": __version__,
            "python": sys.version.split()[0],
            "config": None if self.config is None else str(self.config),
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "summary": {"errors": self.errors, "warnings": self.warnings},
            "findings": [f.to_json() for f in self.findings],
        }


def versions() -> Iterator[Finding]:
    python = sys.version.split()[0]
    from packaging.requirements import Requirement

    wanted = next(
        (Requirement(r) for r in metadata.requires("okaxl") or [] if Requirement(r).name == "xlwings"), None
    )
    try:
        have = metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        have = "なし"
    if wanted is not None and have not in wanted.specifier:
        yield problem("xlwings-version", f"xlwings {have} が入っています（okaxl には {wanted.specifier} が必要）。")
    yield ok("versions", f"Python {python}、okaxl {__version__}、xlwings {have}（{sys.executable}）")


def _raw_paths(config: Config) -> dict[str, str]:
    """What config.toml says for every path, before okaxl resolves it (a URL, a UNC path)."""
    data = tomllib.loads(config.path.read_text(encoding="utf-8"))
    paths = {f"[paths] {k}": str(v) for k, v in data.get("paths", {}).items() if k in PATH_KEYS}
    forms = data.get("forms", {})
    for key in ("key_file", "issued"):
        if isinstance(forms.get(key), str):
            paths[f"[forms] {key}"] = forms[key]
    return paths


def _is_unc(text: str) -> bool:
    return text.startswith(("\\\\", "//"))


def places(config: Config, environ: Mapping[str, str], platform: str) -> tuple[list[Finding], set[str]]:
    """URLs, UNC paths and synced OneDrive folders among the configured paths; the settings whose
    path cannot be checked further."""
    findings: list[Finding] = []
    unusable: set[str] = set()
    for setting, text in _raw_paths(config).items():
        if cloudpath.is_url(text):
            unusable.add(setting)
            try:
                mapped = cloudpath.local_path(text)
                hint = f"この PC の同期フォルダーでは {mapped} です。そのパスを書いてください。"
            except OkaxlError:
                hint = cloudpath.unmapped_hint(text)
            what = f"config.toml の {setting} が {cloudpath.kind(text)} の URL です（{text}）。"
            findings.append(problem("path-url", what, text, hint=hint))
        elif _is_unc(text):
            share = PureWindowsPath(text).anchor
            if platform != "win32":
                unusable.add(setting)
                findings.append(problem("unc-not-windows", f"{setting} が UNC パス {text} です。", text))
            elif not Path(share).exists():
                unusable.add(setting)
                findings.append(problem("unc-unreachable", f"{setting} の共有 {share} に届きません。", share))
            else:
                findings.append(ok("unc", f"{setting} の共有 {share} に届きます。", share))
    resolved = {f"[paths] {k}": getattr(config, k) for k in PATH_KEYS}
    resolved["[forms] key_file"] = config.forms.key_file
    resolved["[forms] issued"] = config.forms.issued
    for setting, path in resolved.items():
        root = None if setting in unusable else cloudpath.in_synced_folder(path, environ)
        if root:
            what = f"{setting}（{path}）が OneDrive の同期フォルダー {root} の中にあります。"
            findings.append(problem("onedrive-synced", what, path))
    return findings, unusable


def master(config: Config) -> Iterator[Finding]:
    from okaxl.master.writelock import excel_lock

    path = config.master
    if not path.is_file():
        yield problem("master-missing", f"マスターブック {path} が見つかりません。", path)
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        from okaxl.files import os_failure

        reason = str(os_failure(exc, path, "マスターを読む"))
        yield problem("master-unreadable", f"マスターブック {path} を読めません。", path, reason=reason)
        return
    if head != b"PK\x03\x04":
        yield problem("master-not-workbook", f"{path} は Excel のブック（.xlsx）ではありません。", path)
        return
    lock = excel_lock(path)
    if lock.exists():
        yield problem(
            "master-open", f"マスター {path.name} が Excel で開かれています（{lock.name} があります）。", lock
        )
        return
    yield ok("master", f"マスターブック {path} を読めます（Excel で開かれていません）。", path)


def folders(config: Config, unusable: set[str]) -> Iterator[Finding]:
    """Every folder okaxl writes: it exists and takes a new file, or will be made where it may."""
    wanted = {f"[paths] {k}": getattr(config, k) for k in PATH_KEYS if k not in ("master", "templates")}
    wanted["[paths] master のフォルダー"] = config.master.parent
    wanted["[forms] issued"] = config.forms.issued
    for setting, folder in wanted.items():
        if setting.removesuffix(" のフォルダー") in unusable:
            continue
        if setting.endswith("のフォルダー") and not folder.is_dir():
            continue  # master-missing has said so
        base = pc.existing_ancestor(folder)
        if base is None:
            yield problem("folder-missing", f"{setting} のフォルダー {folder} がありません。", folder, key=setting)
            continue
        failure = pc.write_failure(base)
        if failure is not None:
            what = f"{setting} のフォルダー {base} に書き込めません。"
            yield problem("folder-not-writable", what, base, reason=str(failure))
        elif base == folder:
            yield ok("folder", f"{setting} {folder} に書き込めます。", folder)
        else:
            yield ok("folder", f"{setting} {folder} はまだありません（初めて書き出すときに作られます）。", folder)
    if "[paths] templates" not in unusable:
        template = config.templates / "progress.xlsx"
        if template.is_file():
            yield ok("templates", f"進捗管理シートのテンプレート {template} があります。", template)
        else:
            yield problem("template-missing", f"進捗管理シートのテンプレート {template} がありません。", template)


def signing_key(config: Config, platform: str) -> Iterator[Finding]:
    from okaxl.returns.signing import load_key

    path = config.forms.key_file
    if not path.is_file():
        yield problem("key-missing", f"改ざん検知の鍵 {path} がありません（回答の確認・取り込みに要ります）。", path)
        return
    if platform != "win32" and path.stat().st_mode & 0o077:
        mode = oct(path.stat().st_mode & 0o777)
        yield problem("key-open-to-others", f"改ざん検知の鍵 {path} をほかの利用者も読めます（{mode}）。", path)
        return
    try:
        load_key(path, create=False)
    except (OkaxlError, OSError, UnicodeDecodeError) as exc:
        yield problem("key-invalid", f"改ざん検知の鍵 {path} を使えません（{exc}）。", path)
        return
    yield ok("key", f"改ざん検知の鍵は {path} にあります（新しい PC にはこのファイルをコピーします）。", path)


def office_and_font(config: Config, platform: str) -> Iterator[Finding]:
    from okaxl.publish.office import find_office

    office = find_office(platform)
    if office:
        yield ok("office", f"LibreOffice: {office}", office)
    else:
        yield problem("office-missing", "LibreOffice（soffice）が見つかりません。")
    font = config.print.font
    installed = pc.font_installed(font, platform)
    if installed:
        yield ok("font", f"フォント「{font}」が入っています。")
    elif installed is None:
        yield problem("font-unknown", f"フォント「{font}」が入っているか、この PC では確かめられません。", font=font)
    else:
        yield problem("font-missing", f"config.toml の [print] font「{font}」がこの PC に入っていません。", font=font)


def interpreter(launcher: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    """The Python the launcher starts (xlwings.conf sheet, Interpreter_Win) exists, with the
    xlwings DLL of the pinned version beside its virtual environment."""
    if not launcher.is_file():
        yield problem("launcher-missing", f"ランチャー {launcher} がありません。", launcher)
        return
    setting = pc.launcher_interpreter(launcher) or "pythonw"
    expanded = pc.expand_windows_variables(setting, environ)
    path = PureWindowsPath(expanded) if "\\" in expanded else Path(expanded)
    if len(path.parts) < 2:
        yield ok("interpreter", f"ランチャーは PATH 上の {setting} を使う設定です。")
        return
    if not Path(expanded.replace("\\", os.sep)).is_file():
        what = f"ランチャーが使う Python {expanded} がありません（設定: {setting}）。"
        yield problem("interpreter-missing", what, expanded)
        return
    version = metadata.version("xlwings")
    dll = Path(expanded.replace("\\", os.sep)).parent.parent / f"xlwings64-{version}.dll"
    if not dll.is_file():
        yield problem("xlwings-dll-missing", f"xlwings の DLL {dll} がありません。", dll)
        return
    yield ok("interpreter", f"ランチャーの Python {expanded} があります。", expanded)


def task(query: Callable[[str], bool | None]) -> Iterator[Finding]:
    from okaxl.shell.schedule import TASK_NAME

    registered = query(TASK_NAME)
    if registered:
        yield ok("task", f"夜間検証のタスク {TASK_NAME} が登録されています。")
    else:
        yield problem("task-missing", f"夜間検証のタスク {TASK_NAME} はこの PC に登録されていません。")


def diagnose(
    config_path: Path | None,
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
) -> Report:
    """Every check, in the order staff would fix them."""
    environ = os.environ if environ is None else environ
    findings = list(versions())
    path = Path(config_path) if config_path else Path("config.toml")
    if not path.is_file():
        findings.append(problem("config-missing", f"設定ファイル {path.absolute()} がありません。", path))
        return Report(None, findings)
    try:
        config = load_config(path)
    except OkaxlError as exc:
        findings.append(problem("config-invalid", str(exc), path))
        return Report(path.resolve(), findings)
    findings.append(ok("config", f"設定ファイル {config.path} を読めました。", config.path))
    found, unusable = places(config, environ, platform)
    findings += found
    if "[paths] master" not in unusable:
        findings += master(config)
    findings += folders(config, unusable)
    if "[forms] key_file" not in unusable:
        findings += signing_key(config, platform)
    findings += office_and_font(config, platform)
    if platform == "win32":
        findings += interpreter(config.path.parent / "macros" / "okaxl.xlsm", environ)
        findings += task(pc.task_registered)
    return Report(config.path, findings)


LABELS = {"ok": "OK    ", "warning": "注意  ", "error": "要修正"}


def as_text(report: Report) -> str:
    lines = [f"okaxl doctor: この PC の設定の確認（{report.checked_at:%Y-%m-%d %H:%M}）"]
    for f in report.findings:
        code = f" [{f.code}]" if f.severity != "ok" else ""
        lines.append(f"{LABELS[f.severity]}{code} {f.what}")
        if f.fix:
            lines.append(f"        → {f.fix}")
    if report.errors or report.warnings:
        lines.append(f"結果: 要修正 {report.errors} 件、注意 {report.warnings} 件。上の → の対処をしてください。")
    else:
        lines.append("結果: 問題ありません。")
    return "\n".join(lines)
