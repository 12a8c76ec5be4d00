"""config.toml: where things are, the current fiscal year and as-of date, print settings."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from okaxl import wareki
from okaxl.errors import OkaxlError

PATH_KEYS = ("master", "versions", "output", "inbox", "archive", "backups", "templates", "reports")


# The back page of the vision's booklet as seeds 002 and 003 print it: who publishes it, and where.
PUBLISHER = (
    "岡山市政策局政策部政策企画課",
    "〒700-8544 岡山市北区大供一丁目1番1号",
    "TEL 086-803-1040 / FAX 086-803-1732",
)


@dataclass(frozen=True, slots=True)
class PrintSettings:
    font: str
    font_size: float
    publisher: tuple[str, ...] = PUBLISHER  # [print] publisher: the lines of the back page


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    time: str = "02:00"
    keep: int = 30
    time_limit_minutes: int = 30


@dataclass(frozen=True, slots=True)
class FormSettings:
    deadline: dt.date
    contact: str
    password: str
    change_threshold: float
    key_file: Path
    issued: Path


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    master: Path
    versions: Path
    output: Path
    inbox: Path
    archive: Path
    backups: Path
    templates: Path
    reports: Path
    fiscal_year: int
    as_of: dt.date
    print: PrintSettings
    schedule: ScheduleSettings
    forms: FormSettings
    merge_backups_keep: int = 20
    # [contacts]: town → whom to chase for its return (optional; shown by okaxl status)
    contacts: dict[str, str] = field(default_factory=dict)


def _section(data: dict[str, object], name: str, path: Path) -> dict[str, object]:
    section = data.get(name)
    if not isinstance(section, dict):
        raise OkaxlError(
            f"設定ファイル {path} に [{name}] の節がありません。README の例を見て追加してください。"
        )
    return section


def _key(section: dict[str, object], table: str, key: str, path: Path) -> object:
    if key not in section:
        raise OkaxlError(f"設定ファイル {path} の [{table}] に「{key}」がありません。追加してください。")
    return section[key]


def load_config(path: Path | None = None) -> Config:
    """Read config.toml (default ./config.toml); paths in it are relative to the file."""
    path = Path(path) if path else Path("config.toml")
    if not path.is_file():
        raise OkaxlError(
            f"設定ファイル {path} が見つかりません。okaxl のフォルダで実行するか、--config で指定してください。"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OkaxlError(f"設定ファイル {path} を読めません（{exc}）。書式を確認してください。") from exc
    base = path.resolve().parent
    paths = _section(data, "paths", path)
    resolved: dict[str, Path] = {}
    for key in PATH_KEYS:
        value = _key(paths, "paths", key, path)
        if not isinstance(value, str) or not value:
            raise OkaxlError(f"設定ファイル {path} の [paths] {key} はパスの文字列にしてください。")
        resolved[key] = base / value
    cycle = _section(data, "cycle", path)
    try:
        fiscal_year = wareki.parse_fiscal_year(_key(cycle, "cycle", "fiscal_year", path))
        as_of = wareki.parse_date(_key(cycle, "cycle", "as_of", path))
    except OkaxlError as exc:
        raise OkaxlError(f"設定ファイル {path} の [cycle]: {exc}") from exc
    printing = _section(data, "print", path)
    font = _key(printing, "print", "font", path)
    size = _key(printing, "print", "font_size", path)
    if not isinstance(font, str) or not isinstance(size, int | float):
        raise OkaxlError(f"設定ファイル {path} の [print] は font を文字列、font_size を数値にしてください。")
    publisher = printing.get("publisher", list(PUBLISHER))
    if not isinstance(publisher, list) or not all(isinstance(line, str) for line in publisher):
        raise OkaxlError(
            f'設定ファイル {path} の [print] publisher は ["岡山市政策局政策部政策企画課", "〒700-8544 …"] '
            "のように、裏表紙の行を文字列の並びで書いてください。"
        )
    schedule = _schedule(data.get("schedule", {}), path)
    forms = _forms(_section(data, "forms", path), path, base)
    merge_section = data.get("merge", {})
    keep = merge_section.get("backups_keep", 20) if isinstance(merge_section, dict) else None
    if not isinstance(keep, int) or keep < 1:
        raise OkaxlError(f"設定ファイル {path} の [merge] backups_keep は1以上の整数にしてください。")
    contacts = data.get("contacts", {})
    if not isinstance(contacts, dict) or not all(isinstance(v, str) for v in contacts.values()):
        raise OkaxlError(
            f'設定ファイル {path} の [contacts] は 津山市 = "企画課 0868-00-0000" のように書いてください。'
        )
    return Config(
        path=path.resolve(),
        contacts={str(k): v for k, v in contacts.items()},
        schedule=schedule,
        forms=forms,
        merge_backups_keep=keep,
        fiscal_year=fiscal_year,
        as_of=as_of,
        print=PrintSettings(font=font, font_size=float(size), publisher=tuple(publisher)),
        **resolved,
    )


def _schedule(section: object, path: Path) -> ScheduleSettings:
    """[schedule] is optional (older config files lack it); present keys must be right."""
    if not isinstance(section, dict):
        raise OkaxlError(f"設定ファイル {path} の [schedule] は節にしてください。")
    defaults = ScheduleSettings()
    time = section.get("time", defaults.time)
    keep = section.get("keep", defaults.keep)
    limit = section.get("time_limit_minutes", defaults.time_limit_minutes)
    if not (isinstance(time, str) and len(time) == 5 and time[2] == ":" and time.replace(":", "").isdigit()):
        raise OkaxlError(f'設定ファイル {path} の [schedule] time は "02:00" のように書いてください。')
    if not isinstance(keep, int) or keep < 1 or not isinstance(limit, int) or limit < 1:
        raise OkaxlError(
            f"設定ファイル {path} の [schedule] keep と time_limit_minutes は1以上の整数にしてください。"
        )
    return ScheduleSettings(time=time, keep=keep, time_limit_minutes=limit)


def _forms(section: dict[str, object], path: Path, base: Path) -> FormSettings:
    values = {
        key: _key(section, "forms", key, path)
        for key in ("deadline", "contact", "password", "change_threshold", "key_file", "issued")
    }
    try:
        deadline = wareki.parse_date(values["deadline"])
    except OkaxlError as exc:
        raise OkaxlError(f"設定ファイル {path} の [forms] deadline: {exc}") from exc
    threshold = values["change_threshold"]
    if not isinstance(threshold, int | float) or not threshold > 0:
        raise OkaxlError(
            f"設定ファイル {path} の [forms] change_threshold は 0 より大きい数にしてください（0.5 = 50%）。"
        )
    for key in ("contact", "password", "key_file", "issued"):
        if not isinstance(values[key], str) or not values[key]:
            raise OkaxlError(f"設定ファイル {path} の [forms] {key} は文字列にしてください。")
    return FormSettings(
        deadline=deadline,
        contact=str(values["contact"]),
        password=str(values["password"]),
        change_threshold=float(threshold),
        key_file=_beside(base, str(values["key_file"])),
        issued=base / str(values["issued"]),
    )


def _beside(base: Path, text: str) -> Path:
    """~ is the user's home; a relative path is relative to the config file."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path
