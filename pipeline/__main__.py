"""The ``panelcast`` command (and ``python -m pipeline``).

An unchanged repeat of a finished command is answered from its receipt (``receipt.py``)
before the command line interface and the pipeline are even imported; anything else runs
the CLI (a render starts the speech launcher first, so that it is ready sooner).
"""

from __future__ import annotations

import sys


def main() -> None:
    from . import receipt

    argv = sys.argv[1:]
    if receipt.replay(argv):
        sys.exit(0)
    if argv[:1] == ["render"] and not {"--dry-run", "--explain", "-h", "--help"} & set(argv):
        from .tts import start_early

        start_early()  # the speech launcher starts up while the CLI and pipeline are imported
    from .cli import main as cli_main

    cli_main(argv)


if __name__ == "__main__":
    main()
