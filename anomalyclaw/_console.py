"""The CLIs' rich console: the terminal's width, or a wide fixed width when output is piped.

Rich falls back to 80 columns without a terminal, which cuts the summary tables in logs and CI
output; piped output gets ``PIPE_WIDTH`` unless ``COLUMNS`` says otherwise.
"""

from __future__ import annotations

import os

from rich.console import Console

PIPE_WIDTH = 140


def cli_console(*, stderr: bool = False) -> Console:
    """A console for a command's output (stdout, or stderr with ``stderr=True``)."""
    console = Console(stderr=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, width=PIPE_WIDTH)
    return console
