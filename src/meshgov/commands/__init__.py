"""The bodies of the CLI's commands, one module per command group (cli.py keeps the options):
each takes plain arguments and an ``echo`` and returns the exit code."""

#: meshgov's exit codes: compliant, blocking findings, usage/configuration error, internal error
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
