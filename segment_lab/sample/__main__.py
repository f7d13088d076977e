"""``python -m segment_lab.sample``: build the sample database (see :func:`main`)."""

from segment_lab.sample._build import main

raise SystemExit(main())
