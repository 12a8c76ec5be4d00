"""What people touch: the command line, the Excel buttons and their launcher, the nightly schedule.
Each is thin: it calls okaxl.shell.actions, the same functions for all of them."""
