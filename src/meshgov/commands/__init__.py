"""The bodies of the CLI's commands, one module per command group (cli.py keeps the options):
each takes plain arguments and an ``echo`` and returns the exit code."""
