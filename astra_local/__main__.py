"""`python -m astra_local STEP`: one step of `scripts/astra-local`."""

import sys

from astra_local.stand_in import main

sys.exit(main())
