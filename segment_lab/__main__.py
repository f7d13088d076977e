"""``python -m segment_lab``: the command-line interface."""

from segment_lab.cli import main

raise SystemExit(main())
