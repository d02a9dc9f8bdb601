"""The ``panelcast`` command (and ``python -m pipeline``).

An unchanged repeat of a finished command is answered from its receipt (``receipt.py``)
before the command line interface and the pipeline are even imported. A render is handed
to the resident render process when there is one (``daemon.py``); otherwise it runs here
(starting the speech launcher first, so that it is ready sooner) and, once it has
finished, this process stays on as the resident render process for the next one.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from . import receipt

    argv = sys.argv[1:]
    if receipt.replay(argv):
        sys.exit(0)
    code_key = None
    if argv[:1] == ["render"]:
        from . import daemon

        if daemon.enabled():
            code_key = daemon.key()
            try:
                code = daemon.run(argv, code_key)
            except KeyboardInterrupt:  # before the child was known (after: passed on to it)
                sys.stderr.write("Error: interrupted; no partial output was left behind\n")
                os._exit(130)
            if code is not None:       # the resident process ran it: nothing here to clean up
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        piper = any(a == "--engine=piper" or (a == "--engine" and b == "piper") for a, b in zip(argv, argv[1:] + [""]))
        if not piper and not {"--dry-run", "--explain", "-h", "--help"} & set(argv):
            from .engines.pyttsx3_engine import start_early

            start_early()  # the speech launcher starts up while the CLI and pipeline are imported
    from .cli import main as cli_main

    try:
        cli_main(argv)
    except SystemExit as exc:
        if code_key and not exc.code:
            daemon.stay(code_key)
        raise
    if code_key:
        daemon.stay(code_key)


if __name__ == "__main__":
    main()
