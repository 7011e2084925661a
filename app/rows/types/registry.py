"""The one table of scalar kinds: each family fills its rows in its `register()`, called from the explicit list
below (no auto-registration), and the table is checked at import against the model's SCALAR_KINDS."""

from __future__ import annotations

from collections.abc import Callable

from app.rows.types import numeric, temporal, text
from app.rows.types.adapters import Scalar
from app.rows.types.model import SCALAR_KINDS

FAMILIES: tuple[Callable[[dict[str, Scalar]], None], ...] = (numeric.register, text.register, temporal.register)


def build() -> dict[str, Scalar]:
    scalars: dict[str, Scalar] = {}
    for register in FAMILIES:
        register(scalars)
    return scalars


def missing(scalars: dict[str, Scalar]) -> list[str]:
    """What the table lacks: a kind without a row, a row for no kind, a row without one of its pieces."""
    problems = [f"no row for {kind}" for kind in sorted(SCALAR_KINDS - scalars.keys())]
    problems += [f"a row for unknown kind {kind}" for kind in sorted(scalars.keys() - SCALAR_KINDS)]
    for kind, row in scalars.items():
        pieces = {"decode": row.decode, "encode": row.encode, "key_text": row.key_text}
        problems += [f"{kind}: {name} is not callable" for name, piece in pieces.items() if not callable(piece)]
        if not isinstance(row.read, dict) or not row.read:
            problems.append(f"{kind}: no read schema")
    return problems


SCALARS = build()
if problems := missing(SCALARS):  # pragma: no cover - a family change this table has to follow
    raise RuntimeError(f"the scalar registry is incomplete: {problems}")
# The kinds whose JSON form is a string: the only ones a strict `$in` element may give as a string.
STRING_KINDS = frozenset(kind for kind, row in SCALARS.items() if row.json_string)
