"""`python -m okaxl`: the same as the okaxl command."""

from okaxl.shell.cli import main

main()
