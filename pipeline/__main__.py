"""The ``panelcast`` command (and ``python -m pipeline``).

An unchanged repeat of a finished command is answered from its receipt (``receipt.py``)
before the command line interface and the pipeline are even imported; anything else runs
the CLI.
"""

from __future__ import annotations

import sys


def main() -> None:
    from . import receipt

    argv = sys.argv[1:]
    if receipt.replay(argv):
        sys.exit(0)
    from .cli import main as cli_main

    cli_main(argv)


if __name__ == "__main__":
    main()
