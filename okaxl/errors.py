"""The one exception for "okaxl cannot run at all"; the CLI maps it to exit status 2.

Everything that can be reported about a value is a Problem (see problems.py), not an exception.
"""


class OkaxlError(Exception):
    """A condition that stops a command: a missing file, a bad argument, a broken template.

    The message is Japanese and says what to do.
    """
