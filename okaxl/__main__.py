"""`python -m okaxl`: the same as the okaxl command."""

from okaxl.cli import main

main()
