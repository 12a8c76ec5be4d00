"""The command line: every command of the contract exists, has help, and says clearly what it cannot do yet."""

from __future__ import annotations

import datetime as dt
import json
import re

import click
import pytest
from click.testing import CliRunner

from okaxl import wareki
from okaxl.shell import japanese
from okaxl.shell.cli import main

CONTRACT = [
    "validate",
    "matrix",
    "forms",
    "check",
    "merge",
    "progress",
    "annex",
    "revision",
    "master build",
    "version save",
    "launcher build",
    "schedule",
]


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= _commands(command, f"{prefix}{name} ")
        else:
            found[f"{prefix}{name}"] = command
    return found


def test_contract_commands_exist():
    assert set(CONTRACT) <= set(_commands(main))


@pytest.mark.parametrize("name", CONTRACT)
def test_every_command_has_help(name):
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "--config" in result.output
    assert _commands(main)[name].help


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "okaxl" in result.output


def test_unknown_option_is_exit_2():
    assert CliRunner().invoke(main, ["matrix", "--nope"]).exit_code == 2


ENGLISH = re.compile(r"Usage|Options|Commands|Show |Error|Missing|required|default|Try |No such|TEXT|PATH|INTEGER")


def _help_texts() -> dict[str, str]:
    texts = {"": CliRunner().invoke(main, ["--help"]).output}
    for name in _commands(main):
        texts[name] = CliRunner().invoke(main, [*name.split(), "--help"]).output
    for name in ("master", "version", "launcher"):
        texts[name] = CliRunner().invoke(main, [name, "--help"]).output
    return texts


def test_help_is_japanese_and_in_the_order_of_the_year():
    texts = _help_texts()
    assert {name: ENGLISH.findall(text) for name, text in texts.items() if ENGLISH.search(text)} == {}
    listed = [
        line.split()[0]
        for line in texts[""].split("コマンド:")[1].splitlines()
        if re.match(r"  [a-z]", line)  # a description's continued line is indented further
    ]
    assert listed == ["validate", "forms", "check", "merge", "status", "progress", "kpi", "matrix", "annex",
                      "revision", "version", "master", "schedule", "launcher", "bundle", "doctor"]
    assert texts[""].startswith("使い方: okaxl [オプション] コマンド [引数]...")
    # the second column lines up on screen although 文字 and パス take two columns each
    columns = {
        japanese.width(line.split("  ")[0]) + len(line) - len(line.split("  ", 1)[0]) - len(line.split("  ", 1)[1].lstrip())
        for line in texts["forms"].split("オプション:")[1].splitlines()
        if line.startswith("  -")
    }
    assert len(columns) == 1, texts["forms"]


def test_help_fits_the_terminal():
    """Help text wraps at the terminal's width as the screen counts it (two columns a Japanese
    character), never before a closing mark: a sentence ran 1.5 times past an 80-column screen."""
    for name in ["", *_commands(main)]:
        result = CliRunner().invoke(main, [*name.split(), "--help"], terminal_width=60)
        lines = result.output.splitlines()
        too_wide = [line for line in lines if japanese.width(line) > 60 and "  " not in line.strip()]
        assert too_wide == [], name
        assert not [line for line in lines if line.strip()[:1] in tuple("、。）」")], name


@pytest.mark.parametrize("group", ["", "master", "version", "launcher"])
def test_each_command_listed_on_one_line(group):
    """`okaxl --help` (and a group's) lists each command on one line of an 80-column terminal,
    whole: longer descriptions wrapped, and click cut some off with 「...」."""
    result = CliRunner().invoke(main, [*group.split(), "--help"], terminal_width=80)
    listing = result.output.split("コマンド:")[1].splitlines()[1:]
    assert listing and all(re.match(r"  [a-z]+ +\S", line) for line in listing if line.strip()), result.output
    assert "..." not in "".join(listing) and all(japanese.width(line) <= 80 for line in listing)


def test_every_option_is_described():
    undescribed = [
        f"{name} {param.opts[0]}"
        for name, command in _commands(main).items()
        for param in command.params
        if isinstance(param, click.Option) and not param.help
    ]
    assert undescribed == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["forms"], "エラー: 指定が必要なオプションがありません: '--year'"),
        (["merg"], "'merg' というコマンドはありません。 （'master', 'merge' のどれかのことですか？）"),
        (["validate", "--format", "xml"], "'--format' の値が正しくありません: 'xml' は指定できません（'text', 'json' のどれか）"),
        (["check", "--nope"], "'--nope' というオプションはありません"),
        (["forms", "--year"], "オプション '--year' には値が必要です"),
    ],
)
def test_clicks_own_messages_are_japanese(args, said):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert said in result.output and result.output.startswith(("使い方: okaxl", "エラー: "))
    assert not ENGLISH.search(result.output), result.output


def _run(project, *args):
    return CliRunner().invoke(main, [*map(str, args), "--config", str(project.path)])


def test_the_hub_is_not_a_partner_town(project):
    result = _run(project, "matrix", "--town", "岡山市", "--output", project.output / "m.xlsx")
    assert result.exit_code == 2
    assert "連携中枢都市" in result.output and "のことですか" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("forms", "--year", "2027"),
        ("progress", "--year", "2030", "--output", "p.xlsx"),
        ("matrix", "--as-of", "2030-04-01", "--output", "m.xlsx"),
    ],
)
def test_a_year_outside_every_period_is_refused_alike(project, args):
    result = _run(project, *[project.output / a if a.endswith(".xlsx") else a for a in args])
    assert result.exit_code == 2
    assert "どのビジョンの期にも入っていません" in result.output and "第2期（令和4年度〜令和8年度）" in result.output
    assert not project.output.exists() or not any(project.output.rglob("*.xlsx"))


def test_an_output_named_for_another_kind_of_file(project):
    result = _run(project, "matrix", "--output", project.output / "x.csv")
    assert result.exit_code == 2 and "拡張子は .xlsx" in result.output
    assert not (project.output / "x.csv").exists()
    result = _run(project, "validate", "--output", project.output / "r.txt")
    assert result.exit_code == 2 and ".xlsx または .json" in result.output


def test_a_master_named_on_the_command_line_that_is_missing(project):
    result = _run(project, "validate", "--master", project.output / "nosuch.xlsx")
    assert result.exit_code == 2
    assert "--master に指定した" in result.output and "config.toml" not in result.output


def test_times_people_read_are_japan_time(project):
    result = _run(project, "validate", "--format", "json")
    checked = dt.datetime.fromisoformat(json.loads(result.stdout)["checked_at"])
    assert checked.utcoffset() == dt.timedelta(hours=9)
    assert abs(checked - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_file_names_in_the_japanese_calendar(project):
    result = _run(project, "version", "save")
    assert result.exit_code == 0, result.output
    assert [p.name for p in project.versions.glob("*.xlsx")] == [
        f"master_{wareki.format_date(wareki.now().date())}.xlsx"
    ]
    assert _run(project, "version", "save", "--label", "R8/03").exit_code == 2
