"""``python -m index``: see :mod:`index.cli`."""

from index.cli import main

raise SystemExit(main())
