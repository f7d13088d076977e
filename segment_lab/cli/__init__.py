"""The ``segment-lab`` command: demo, validate, count, history, trends, alerts, backtest, dashboard, sql.

Exit status: 0 on success; 1 for an error the user can fix (one line on stderr, no
traceback); 2 for a usage error (argparse's convention); 3 for an internal error (a bug:
the message says where to report it).  Output files are written atomically.  Warnings
(e.g. current values read for the past) print once per kind, one line each, on stderr.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence

from segment_lab.errors import SegmentLabError

__all__ = ["main"]

REPORT = (
    "this is a bug in segment_lab: please report it on the segment_lab issue tracker with "
    "the command line and this message"
)


def _one_line(text: str) -> str:
    """Join a message's lines, dropping list bullets ("- ") but not an option's dashes."""
    lines = (part.strip() for part in str(text).splitlines())
    return " ".join(part.removeprefix("- ").strip() for part in lines if part)


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    seen: dict[type, int] = {}
    for w in caught:
        seen[w.category] = seen.get(w.category, 0) + 1
        if seen[w.category] == 1:
            print(f"segment-lab: warning: {_one_line(w.message)}", file=sys.stderr)
    for category, n in seen.items():
        if n > 1:
            print(
                f"segment-lab: warning: ({n - 1} more {category.__name__} like it)",
                file=sys.stderr,
            )


def _quiet_pipe() -> int:
    """Output went to a closed pipe (``| head``): stop quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Parameters
    ----------
    argv
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for a user error, 3 for an internal error (a usage error exits 2
        through argparse).

    Examples
    --------
    >>> from segment_lab.cli import main
    >>> main(["sql", "no-such-segment"])
    1
    """
    from segment_lab.cli._parser import build

    args = build().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=FutureWarning)
            status = args.func(args)
            sys.stdout.flush()
        _print_warnings(caught)
        return status
    except BrokenPipeError:
        return _quiet_pipe()
    except KeyboardInterrupt:
        print("segment-lab: interrupted", file=sys.stderr)
        return 130
    except SegmentLabError as exc:
        print(f"segment-lab: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"segment-lab: error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        name = type(exc).__name__
        print(f"segment-lab: internal error: {name}: {_one_line(exc)} ({REPORT})", file=sys.stderr)
        return 3
