"""The process-wide bounds on a value's size that the codecs check before any conversion whose cost grows with it.

Codecs are cached pure functions shared by every request, so the bounds are read at call time from here rather than
captured: `configure_limits` (once, at start-up, from the settings) changes them for every codec already built."""

from __future__ import annotations

import sys
from dataclasses import dataclass

DEFAULT_MAX_NUMBER_DIGITS = 1000  # app.config's MAX_NUMBER_DIGITS default
MAX_COLLECTION_ELEMENTS = 65_535  # per list, set, map or vector: the native protocol v2's bound, far above any row
MAX_TEXT_NESTING = 32  # how deep a JSON array or object given for a text column (Java's String.valueOf) may nest
DECIMAL_SCALE = (-(2**31), 2**31 - 1)  # Cassandra's decimal: an int32 scale and an unscaled varint


@dataclass(slots=True)
class Limits:
    max_number_digits: int = DEFAULT_MAX_NUMBER_DIGITS  # varint and decimal digits
    max_collection_elements: int = MAX_COLLECTION_ELEMENTS
    varint_bound: int = 10**DEFAULT_MAX_NUMBER_DIGITS  # a varint's magnitude is below this

    @property
    def max_float_text(self) -> int:
        """Characters in a float or double literal: every digit a double can use, with room for zeros and signs."""
        return self.max_number_digits + 32


LIMITS = Limits()


def configure_limits(max_number_digits: int, *, max_collection_elements: int = MAX_COLLECTION_ELEMENTS) -> None:
    """Set the bounds every codec checks (`Settings.max_number_digits`); call once at start-up.

    Digits are capped at the interpreter's own limit on int/str conversions (4,300 by default): past it `int()`
    raises, in the codecs and in the driver's decimal and varint serialisers alike."""
    if max_number_digits < 1 or max_collection_elements < 1:
        raise ValueError("limits must be positive")
    interpreter = sys.get_int_max_str_digits()
    if interpreter:
        max_number_digits = min(max_number_digits, interpreter)
    LIMITS.max_number_digits = max_number_digits
    LIMITS.max_collection_elements = max_collection_elements
    LIMITS.varint_bound = 10**max_number_digits
