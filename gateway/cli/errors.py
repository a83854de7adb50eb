"""What a command does with bad input: one line, exit code 1."""

from __future__ import annotations


class CliError(Exception):
    """Bad input from the user: printed as one line, exit code 1."""
