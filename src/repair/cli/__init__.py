"""The `repair` command line: a filter. Data on stdout, diagnostics on stderr.

One module per command, each with `add_parser(subparsers)` and `run(args) -> exit code`:
`fix` (repair model outputs), `scan` (find and repair the values in log files) and
`fixtures` (check or extend a regression suite). What they share (exit codes, argument
types, reading input, printing a diagnostic) is in `_common`; none of them imports
another's command module. They use the library (`repair.core`, `repair.testing`, ...);
the library never imports this package, and `import repair` does not load it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ._common import EXIT_HELP, Exit

__all__ = ["Exit", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import fix, fixtures, scan

    parser = argparse.ArgumentParser(
        prog="repair",
        description="Repair almost-JSON from language models into valid JSON, logging every step.",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"repair {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    fix.add_parser(sub)
    scan.add_parser(sub)
    fixtures.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return Exit.USAGE
    try:
        if args.command == "fix":
            from . import fix

            return fix.run(args)
        if args.command == "scan":
            from . import scan

            return scan.run(args)
        if args.command == "fixtures":
            from . import fixtures

            return fixtures.run(args)
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    except BrokenPipeError:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # stdout is gone (`| head`): end quietly
        return Exit.OK
    return Exit.USAGE
