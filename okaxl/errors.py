"""The one exception for "okaxl cannot run at all"; the CLI maps it to exit status 2.

Everything that can be reported about a value is a Problem (see problems.py), not an exception;
an OkaxlError may carry the problems that stopped the command, so that they reach every view.
"""

from __future__ import annotations

from collections.abc import Sequence

from okaxl.problems import Problem


class OkaxlError(Exception):
    """A condition that stops a command: a missing file, a bad argument, a broken template.

    The message is Japanese and says what to do.
    """

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)
