"""click's own words in Japanese: usage, option headings, and its error messages.

click marks its messages for gettext (`from gettext import gettext as _` in each module) but ships
no catalogue, and a staff PC's locale cannot be relied on to pick one. So the few dozen messages a
staff member can meet are translated here and handed to click's modules in place of gettext: a
dict lookup, with the English as fallback for anything click adds later. Written by hand because no
maintained package carries a Japanese click catalogue.
"""

from __future__ import annotations

import importlib
import inspect
import re
import unicodedata
from typing import Any

import click

MESSAGES = {
    "Usage:": "使い方:",
    "Options": "オプション",
    "Commands": "コマンド",
    "Positional arguments": "引数",
    "Aborted!": "中止しました。",
    "Missing command.": "コマンドを指定してください。",
    "Error: {message}": "エラー: {message}",
    "Try '{command} {option}' for help.": "使い方は '{command} {option}' で表示できます。",
    "Invalid value: {message}": "値が正しくありません: {message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} の値が正しくありません: {message}",
    "Missing argument": "指定が必要な引数がありません:",
    "Missing option": "指定が必要なオプションがありません:",
    "Missing parameter": "指定がありません",
    "Missing {param_type}": "{param_type}がありません",
    "Missing parameter: {param_name}": "指定がありません: {param_name}",
    "argument": "引数",
    "option": "オプション",
    "parameter": "指定",
    "No such option {name!r}.": "{name!r} というオプションはありません。",
    "No such command {name!r}.": "{name!r} というコマンドはありません。",
    "unknown error": "不明なエラー",
    "Could not open file {filename!r}: {message}": "ファイル {filename!r} を開けません: {message}",
    "Option {name!r} does not take a value.": "オプション {name!r} には値を付けません。",
    "Argument {name!r} takes {nargs} values.": "引数 {name!r} には値が {nargs} 個必要です。",
    "Invalid start character for option ({option})": "オプションの書き方が正しくありません（{option}）",
    "Choose from:\n\t{choices}": "次から選んでください:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} は正しい{number_type}ではありません。",
    "integer": "整数",
    "float": "数",
    "{value} is not in the range {range}.": "{value} は範囲 {range} の外です。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} は真偽値ではありません（{states}）。",
    "file": "ファイル",
    "directory": "フォルダー",
    "path": "パス",
    "{name} {filename!r} does not exist.": "{name} {filename!r} がありません。",
    "{name} {filename!r} is a file.": "{name} {filename!r} はファイルです（フォルダーを指定してください）。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} はフォルダーです（ファイルを指定してください）。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} を読めません（権限を確認してください）。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} に書き込めません（権限を確認してください）。",
    "default: {default}": "既定: {default}",
    "required": "必須",
    "env var: {var}": "環境変数: {var}",
    "deprecated": "廃止予定",
    "Show the version and exit.": "版を表示して終わります。",
    "Show this message and exit.": "この説明を表示して終わります。",
    "%(prog)s, version %(version)s": "%(prog)s 版 %(version)s",
    "Do you want to continue?": "続けますか？",
    "Error: invalid input": "エラー: 入力が正しくありません",
    "Press any key to continue...": "何かキーを押すと続けます…",
}

# singular → (one, several): the two take different placeholders
PLURALS = {
    "Got unexpected extra argument ({args})": ("余分な引数があります（{args}）",) * 2,
    "Option {name!r} requires an argument.": (
        "オプション {name!r} には値が必要です。",
        "オプション {name!r} には値が {nargs} 個必要です。",
    ),
    "Did you mean {possibility}?": (
        "{possibility} のことですか？",
        "（{possibilities} のどれかのことですか？）",
    ),
    "{value!r} is not {choice}.": (
        "{value!r} は指定できません（{choice} のみ）。",
        "{value!r} は指定できません（{choices} のどれか）。",
    ),
    "{value!r} does not match the format {format}.": (
        "{value!r} は形式 {format} に合いません。",
        "{value!r} は形式 {formats} のどれにも合いません。",
    ),
    "Takes {nargs} values but 1 was given.": (
        "値が {nargs} 個必要ですが、1 個です。",
        "値が {nargs} 個必要ですが、{len} 個です。",
    ),
}

# what click prints where a value goes: TEXT, PATH, INTEGER … (the type's name, upper-cased)
TYPE_NAMES: dict[type[click.ParamType], str] = {
    click.types.StringParamType: "文字",
    click.types.Path: "パス",
    click.types.IntParamType: "整数",
    click.types.FloatParamType: "数",
    click.types.BoolParamType: "真偽",
}
OPTIONS_METAVAR = "[オプション]"
SUBCOMMAND_METAVAR = "コマンド [引数]..."
_MODULES = ("core", "exceptions", "formatting", "parser", "types", "decorators", "termui", "utils")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if singular in PLURALS:
        return PLURALS[singular][0 if n == 1 else 1]
    return singular if n == 1 else plural


def unbreak(help_text: str | None) -> str | None:
    """A docstring's lines joined as Japanese joins them: without the space click puts between
    the lines of a paragraph (「を 出します」), which Japanese does not have."""
    if not help_text:
        return help_text
    text = inspect.cleandoc(help_text)
    return re.sub(r"(?<=[^\x00-\x7f])\n(?=[^\n\x00-\x7f])", "", text)


def width(text: str) -> int:
    """Columns a terminal gives `text`: two for a full-width character (click counts one, which
    misaligns the help's second column after 文字 or パス)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in click.unstyle(text))


# Japanese lines break between any two characters, except before closing marks and after opening ones
_OPENING = "（「『【〔［〈《"
_CLOSING = "、。，．）」』】〕］〉》・ー！？：；"


def _pieces(chunk: str) -> list[str]:
    """A chunk of text as the pieces a line may break between: runs of ASCII whole, each other
    character alone, a closing mark with what precedes it and an opening one with what follows."""
    pieces: list[str] = []
    for piece in re.findall(r"[\x00-\x7f]+|.", chunk, re.S):
        if pieces and (piece in _CLOSING or pieces[-1][-1] in _OPENING):
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


def _wrap_japanese(wrapper: Any) -> None:
    """click wraps help text at spaces, counting a character as one column: a Japanese sentence,
    which has no spaces and takes two columns a character, ran past the terminal's edge."""
    if getattr(wrapper, "_okaxl", False):
        return
    split = wrapper.TextWrapper._split

    def _split(self: Any, text: str) -> list[str]:
        return [piece for chunk in split(self, text) for piece in _pieces(chunk)]

    wrapper.TextWrapper._split = _split
    wrapper._okaxl = True


def install() -> None:
    """Make click speak Japanese in this process (idempotent)."""
    formatting: Any = importlib.import_module("click.formatting")
    formatting.term_len = width
    wrapper: Any = importlib.import_module("click._textwrap")
    if hasattr(wrapper, "term_len"):  # the click versions that measure lines with it
        wrapper.term_len = width
        _wrap_japanese(wrapper)
    for name in _MODULES:
        module: Any = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    for kind, word in TYPE_NAMES.items():
        kind.name = word
