"""Type aliases shared across modules."""

from typing import Any

Row = dict[str, Any]
