"""The Excel buttons: `run(action)` is what every ribbon control and sheet button of the launcher
calls (through xlwings RunPython). It reads the parameters from the 操作 sheet, calls the same
library function as the CLI, writes the status and result back, opens the output, and turns any
failure into a Japanese message box, never a traceback.

Only the standard library is imported at the top: a click starts a fresh Python process, and
pandas, openpyxl and the like load only when the action needs them.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any, Protocol

from okaxl import wareki
from okaxl.shell.launcher_actions import BY_NAME, CELLS, SHEET

STARTED = time.perf_counter()
ADAPTER = "OKAXL_EXCEL_BOOK"  # the one seam: a workbook on disk instead of xlwings' caller
FULLNAME = "OKAXL_EXCEL_FULLNAME"  # with it: the workbook's path as Excel would report it


class LauncherBook(Protocol):
    @property
    def folder(self) -> Path: ...

    def get(self, name: str) -> Any: ...
    def put(self, name: str, value: object) -> None: ...
    def alert(self, message: str) -> None: ...
    def show(self, path: Path) -> None: ...
    def done(self) -> None: ...


class XlwingsBook:
    """The calling workbook in Excel."""

    def __init__(self) -> None:
        import xlwings as xw

        self.book = xw.Book.caller()
        self.sheet = self.book.sheets[SHEET]

    @property
    def folder(self) -> Path:
        """The launcher's folder. Asked when needed, so that a OneDrive/SharePoint URL that cannot be
        mapped to a synced folder reaches staff as a message box saying what to do."""
        from xlwings.utils import read_config_sheet

        from okaxl.shell.cloudpath import local_path

        return local_path(str(self.book.api.FullName), read_config_sheet(self.book)).parent

    def get(self, name: str) -> Any:
        return self.sheet.range(CELLS[name]).value

    def put(self, name: str, value: object) -> None:
        self.sheet.range(CELLS[name]).value = value

    def alert(self, message: str) -> None:
        self.book.app.alert(message, title="okaxl")

    def show(self, path: Path) -> None:
        opener = getattr(os, "startfile", None)  # Windows only: open with its program
        if opener:
            opener(path)

    def done(self) -> None:
        """Excel shows the written cells at once; nothing to save."""


class FileBook:
    """The launcher as a workbook on disk (the tests' stand-in for Excel). OKAXL_EXCEL_FULLNAME, when
    set, is what Excel would report as the workbook's FullName (an OneDrive URL, say)."""

    def __init__(self, path: Path) -> None:
        import openpyxl

        self.path = path
        self.workbook = openpyxl.load_workbook(path, keep_vba=True)
        self.sheet = self.workbook[SHEET]
        self.reported = os.environ.get(FULLNAME, str(path))
        self.alerts: list[str] = []

    @property
    def folder(self) -> Path:
        from okaxl.shell.cloudpath import local_path

        return local_path(self.reported).parent

    def get(self, name: str) -> Any:
        return self.sheet[CELLS[name]].value

    def put(self, name: str, value: object) -> None:
        self.sheet[CELLS[name]].value = value

    def alert(self, message: str) -> None:
        self.alerts.append(message)
        print(f"[message box] {message}", file=sys.stderr)

    def show(self, path: Path) -> None:
        print(f"[open] {path}", file=sys.stderr)

    def done(self) -> None:
        self.workbook.save(self.path)


def caller() -> LauncherBook:
    adapter = os.environ.get(ADAPTER)
    return FileBook(Path(adapter)) if adapter else XlwingsBook()


def _config(book: LauncherBook) -> Any:
    from okaxl.config import load_config

    setting = book.get("設定ファイル") or "../config.toml"
    path = Path(str(setting))
    return load_config(path if path.is_absolute() else (book.folder / path).resolve())


def _year(book: LauncherBook, config: Any) -> int:
    from okaxl import wareki

    value = book.get("年度")
    return wareki.parse_fiscal_year(value) if value not in (None, "") else int(config.fiscal_year)


def _date(book: LauncherBook) -> dt.date | None:
    from okaxl import wareki

    value = book.get("基準日")
    return wareki.parse_date(value) if value not in (None, "") else None


def _town(book: LauncherBook) -> str:
    from okaxl.errors import OkaxlError

    value = book.get("市町")
    if not value:
        raise OkaxlError("「市町」を選んでください。")
    return str(value)


def _perform(action: str, book: LauncherBook) -> Any:
    from okaxl.shell import actions

    config = _config(book)
    if action == "validate":
        return actions.validate_to_excel(config)
    if action == "matrix":
        return actions.matrix(config, _date(book))
    if action == "town_view":
        return actions.matrix(config, _date(book), _town(book))
    if action == "forms":
        return actions.forms(config, _year(book, config))
    if action == "check_inbox":
        return actions.check_inbox(config)
    if action == "merge_inbox":
        return actions.merge_inbox(config)
    if action == "progress":
        return actions.progress(config, _year(book, config))
    if action == "annex":
        return actions.annex(config, _town(book))
    return actions.revision(config)


def run(action: str) -> None:
    """Run one launcher action for the calling workbook; every outcome is written back to it."""
    book = caller()
    spec = BY_NAME.get(action)
    label = spec.label if spec else action
    try:
        if spec is None:
            raise LookupError(
                f"不明な操作「{action}」です。ランチャーを作り直してください（okaxl launcher build）。"
            )
        book.put("状態", f"{label}: 実行中…")
        if os.environ.get("OKAXL_TRACE"):
            print(f"[trace] first work after {time.perf_counter() - STARTED:.3f} s", file=sys.stderr)
        done = _perform(action, book)
        book.put("状態", f"{label}: 完了（{wareki.now():%H:%M:%S}）")
        book.put("結果", done.message)
        book.put("出力", str(done.path) if done.path else None)
        if done.path:
            book.show(done.path)
    except Exception as exc:  # every failure reaches staff as a message box, never a traceback
        from okaxl.errors import OkaxlError

        known = isinstance(exc, OkaxlError | LookupError)
        message = (
            str(exc)
            if known
            else (
                f"予期しないエラーが起きました（{type(exc).__name__}: {exc}）。"
                "この画面の内容を担当者に伝えてください。"
            )
        )
        book.put("状態", f"{label}: エラー")
        book.put("結果", message)
        book.alert(message)
    finally:
        book.done()
