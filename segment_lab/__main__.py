"""``python -m segment_lab``: the command-line interface."""

import sys

from segment_lab.cli import main

try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:  # output piped into `head`: exit quietly
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 0
raise SystemExit(status)
