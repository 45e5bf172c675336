"""The ``mtfix`` executable: a ``check`` or ``clean`` goes to the warm daemon when one serves
it (:mod:`mtfix.cli.forkserver`); anything else, or a call it cannot take, runs here."""

from __future__ import annotations

import sys

from mtfix.cli import forkserver


def run() -> None:
    code = forkserver.forward(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from mtfix.cli import main

    main()
