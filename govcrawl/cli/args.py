"""Argument types shared by the ``govcrawl`` subcommands."""

from __future__ import annotations

import argparse

DEFAULT_DB = "sqlite:///govcrawl.sqlite3"


def port_number(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port
