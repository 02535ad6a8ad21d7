"""Errors the user can fix: the CLI prints them as one line and exits 2."""


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""
