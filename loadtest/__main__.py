"""`python -m loadtest URL ...`: see `scripts/loadtest --help`."""

from __future__ import annotations

import sys

from loadtest.kit import main

sys.exit(main())
