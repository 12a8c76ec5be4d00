"""The command line: every command of the contract exists, has help, and says clearly what it cannot do yet."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

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
