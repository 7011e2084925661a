"""Names no other test uses: tests never depend on each other's rows."""

from __future__ import annotations

import uuid


def unique(prefix: str = "g") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"
