"""Time values: timestamp, date, time, duration, both directions, with Java's texts for them (`Instant`,
`LocalDate`, `LocalTime`, `CqlDuration`). Every run of digits is measured before `int()` reads it."""

from __future__ import annotations

import datetime
import re
from typing import Any

from cassandra.util import Date, Duration, Time

from app.rows.types.adapters import Codec, Encode, Scalar, Schema, always, refuse, wrapped
from app.rows.types.dialect import Dialect
from app.rows.types.errors import BadValue, cannot
from app.rows.types.model import INT64, CqlType

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"([+-]?)([0-9]{4,})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{0,9}))?)?")
_TIMESTAMP = re.compile(
    r"([+-]?)([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{0,9}))?"
    r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
)
_YEAR_DIGITS = 10  # a timestamp reaches year 292,278,994; LocalDate's years have 9 digits
_INT64_DIGITS = 19


def _bounded_int(digits: str, most: int, what: str) -> int:
    """`int(digits)` for a run of ASCII digits, refused (ValueError) past `most` significant digits."""
    significant = digits.lstrip("+-").lstrip("0")
    if len(significant) > most:
        raise ValueError(f"{what} out of range")
    return -int(significant) if digits.startswith("-") and significant else int(significant or "0")


# --- Java's texts -----------------------------------------------------------------------------------------------


def _java_year(year: int) -> str:
    """Years as `LocalDate`/`Instant` print them: `0001`, `-0001`, `+10000`."""
    if 0 <= year <= 9999:
        return f"{year:04d}"
    return f"+{year}" if year > 0 else f"-{-year:04d}"


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, for any year (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MS_PER_DAY = 86_400_000
_EPOCH = datetime.datetime(1970, 1, 1)
_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


def date_text(days: int) -> str:
    """`LocalDate.toString()` of days since the epoch: `2021-04-23`, `-0001-01-01`, `+10000-01-01`."""
    if -719162 <= days <= 2932896:
        return datetime.date.fromordinal(days + _EPOCH_ORDINAL).isoformat()
    year, month, day = _civil_from_days(days)
    return f"{_java_year(year)}-{month:02d}-{day:02d}"


def instant_text(ms: int) -> str:
    """`Instant.ofEpochMilli(ms).toString()`: `2021-04-23T18:42:22.139Z`, `...:22Z` when the millis are 0,
    `+10000-01-01T00:00:00Z` and `0000-12-31T23:59:59.999Z` outside years 1-9999."""
    days, in_day = divmod(ms, _MS_PER_DAY)
    seconds, millis = divmod(in_day, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    year, month, day = _civil_from_days(days)
    fraction = f".{millis:03d}" if millis else ""
    return f"{_java_year(year)}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}Z"


def _ms_of(value: datetime.datetime) -> int:
    """Epoch milliseconds of a driver timestamp (naive UTC), rounded: far from 1970 the driver's float arithmetic
    leaves the microseconds a few off the exact millisecond."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + (delta.microseconds + 500) // 1000


def timestamp_text(value: datetime.datetime | int) -> str:
    """A driver timestamp (naive UTC datetime; epoch-ms int under `install_timestamp_guard`) as Stargate prints it."""
    if type(value) is int:
        return instant_text(value)
    assert isinstance(value, datetime.datetime)
    micros = value.microsecond
    if micros % 1000 or value.tzinfo is not None:
        return instant_text(_ms_of(value))
    text = value.isoformat()
    return (text[:23] if micros else text) + "Z"


def time_text(nanos: int) -> str:
    """A time of day as Stargate prints a value (Jackson's ISO_LOCAL_TIME): `10:30:00`, `10:30:00.5`."""
    seconds, fraction = divmod(nanos, 1_000_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{hour:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{fraction:09d}".rstrip("0") if fraction else text


def java_time_text(nanos: int) -> str:
    """`LocalTime.toString()` (how Stargate prints a time that is a compact map key): `10:30`, `10:30:01.500`."""
    seconds, fraction = divmod(nanos, 1_000_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{hour:02d}:{minute:02d}"
    if second or fraction:
        text += f":{second:02d}"
    if fraction:
        if fraction % 1_000_000 == 0:
            text += f".{fraction // 1_000_000:03d}"
        elif fraction % 1000 == 0:
            text += f".{fraction // 1000:06d}"
        else:
            text += f".{fraction:09d}"
    return text


_NANOS_PER = (
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1000),
    ("ns", 1),
)


def duration_text(months: int, days: int, nanos: int) -> str:
    """`CqlDuration.toString()`: `1y2mo25d5h6m7s8ms9us10ns`, `-14d`, and `""` for zero."""
    parts = ["-"] if months < 0 or days < 0 or nanos < 0 else []
    months, days, nanos = abs(months), abs(days), abs(nanos)
    if months >= 12:
        parts.append(f"{months // 12}y")
    if months % 12:
        parts.append(f"{months % 12}mo")
    if days:
        parts.append(f"{days}d")
    for unit, size in _NANOS_PER:
        if nanos >= size:
            parts.append(f"{nanos // size}{unit}")
            nanos %= size
    return "".join(parts)


# --- parsers (a text in -> a driver value out; ValueError saying what was expected) ------------------------------


def parse_timestamp(text: str) -> int:
    """ISO-8601 with an offset (`Z`, `+02:00`, `+0200`, `+02`), 0-9 fraction digits (truncated to ms), years as
    `LocalDate` reads them (`+10000`, `-0001`), `24:00:00` as the next midnight; or a string of epoch ms.
    Returns epoch milliseconds. ValueError otherwise."""
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        if _INTEGER.fullmatch(text) is not None:
            ms = _bounded_int(text, _INT64_DIGITS, "epoch milliseconds")
            if INT64[0] <= ms <= INT64[1]:
                return ms
        raise ValueError("expected ISO-8601 with an offset (2021-04-23T18:42:22.139Z) or epoch milliseconds")
    sign, year_text, month, day, hour, minute, second, fraction, offset = m.groups()
    days = _date_days(sign, year_text, int(month), int(day))
    hour_n, minute_n, second_n = int(hour), int(minute), int(second)
    fraction = fraction or ""
    if hour_n == 24 and minute_n == 0 and second_n == 0 and not fraction.strip("0"):
        days, hour_n = days + 1, 0
    if hour_n > 23 or minute_n > 59 or second_n > 59:
        raise ValueError("invalid time of day")
    millis = int((fraction + "000")[:3])
    offset_minutes = 0
    if offset != "Z":
        digits = offset[1:].replace(":", "")
        offset_minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        if offset_minutes > 18 * 60 or int(digits[2:4] or 0) > 59:
            raise ValueError("the offset must be within -18:00 to +18:00")
        if offset[0] == "-":
            offset_minutes = -offset_minutes
    ms = (((days * 24 + hour_n) * 60 + minute_n - offset_minutes) * 60 + second_n) * 1000 + millis
    if not INT64[0] <= ms <= INT64[1]:
        raise ValueError("out of range")
    return ms


def _date_days(sign: str, year_text: str, month: int, day: int) -> int:
    if (len(year_text) > 4) != (sign == "+") and not (sign == "-" and len(year_text) >= 4):
        # LocalDate: more than 4 digits need a sign; a '+' needs more than 4 digits
        raise ValueError("years beyond 9999 need a '+' sign (+10000-01-01)")
    year = _bounded_int(year_text, _YEAR_DIGITS, "year")
    year = -year if sign == "-" else year
    if not 1 <= month <= 12:
        raise ValueError("invalid month")
    last = 29 if month == 2 and _leap(year) else _MONTH_DAYS[month - 1]
    if not 1 <= day <= last:
        raise ValueError("invalid day of month")
    return _days_from_civil(year, month, day)


def parse_date(text: str) -> int:
    """`YYYY-MM-DD` (with `LocalDate`'s `+10000` / `-0001` years) -> days since the epoch. ValueError otherwise."""
    m = _DATE.fullmatch(text)
    if m is None:
        raise ValueError("expected YYYY-MM-DD")
    days = _date_days(m.group(1), m.group(2), int(m.group(3)), int(m.group(4)))
    if not -(2**31) <= days <= 2**31 - 1:
        raise ValueError("out of range for a CQL date")
    return days


def parse_time(text: str) -> int:
    """`HH:mm[:ss[.fffffffff]]` (`LocalTime.parse`) -> nanoseconds since midnight. ValueError otherwise."""
    m = _TIME.fullmatch(text)
    if m is None:
        raise ValueError("expected HH:mm[:ss[.fffffffff]]")
    hour, minute, second, fraction = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4) or ""
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("invalid time of day")
    return ((hour * 60 + minute) * 60 + second) * 1_000_000_000 + int((fraction + "000000000")[:9])


_DURATION_UNITS = {"y": 1, "mo": 2, "w": 3, "d": 4, "h": 5, "m": 6, "s": 7, "ms": 8, "us": 9, "µs": 9, "ns": 10}
_DURATION_STANDARD = re.compile(r"(?:[0-9]+(?:mo|ms|us|µs|ns|y|w|d|h|m|s))+", re.IGNORECASE)
_DURATION_PART = re.compile(r"([0-9]+)(mo|ms|us|µs|ns|y|w|d|h|m|s)", re.IGNORECASE)
_DURATION_ISO = re.compile(
    r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?"
)
_DURATION_WEEKS = re.compile(r"P([0-9]+)W")
_DURATION_ALTERNATIVE = re.compile(r"P([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})")
_NANOS_OF_UNIT = {5: 3_600_000_000_000, 6: 60_000_000_000, 7: 1_000_000_000, 8: 1_000_000, 9: 1000, 10: 1}
_TOO_LARGE = "too large: months and days must fit in 32 bits, nanoseconds in 64"


def _duration_parts(source: str) -> list[tuple[int, str]]:
    """(unit index, amount digits) of a duration text without its sign."""
    if source.startswith("P"):
        if (m := _DURATION_WEEKS.fullmatch(source)) is not None:
            return [(3, m.group(1))]
        if (m := _DURATION_ALTERNATIVE.fullmatch(source)) is not None:
            return list(zip((1, 2, 4, 5, 6, 7), m.groups(), strict=True))
        if (m := _DURATION_ISO.fullmatch(source)) is not None:
            return [(unit, g) for unit, g in zip((1, 2, 4, 5, 6, 7), m.groups(), strict=True) if g]
        raise ValueError("not a duration")
    if _DURATION_STANDARD.fullmatch(source) is None:
        raise ValueError("not a duration (e.g. 1y2mo3w4d5h6m7s8ms9us10ns, P1Y2M3DT4H5M6S or P2W)")
    parts: list[tuple[int, str]] = []
    last = 0
    for amount, unit_text in _DURATION_PART.findall(source):
        unit = _DURATION_UNITS[unit_text.lower().replace("μ", "µ")]
        if unit <= last:
            raise ValueError("units must appear once each, from years down to nanoseconds")
        last = unit
        parts.append((unit, amount))
    return parts


def parse_duration(text: str) -> Duration:
    """CqlDuration's forms: `1y2mo3w4d5h6m7s8ms9us10ns` (units in that order, any case), ISO `P1Y2M3DT4H5M6S`,
    `P2W`, `P0001-02-03T04:05:06`, each optionally negative (`-2d`); and `""` as zero, which is what Stargate prints
    for a zero duration (Stargate itself refuses it). ValueError otherwise."""
    negative = text.startswith("-")
    source = text[1:] if negative else text
    parts = _duration_parts(source) if source or negative else []
    months = days = nanos = 0
    for unit, digits in parts:
        amount = _bounded_int(digits, _INT64_DIGITS, "duration")
        if unit <= 2:
            months += amount * (12 if unit == 1 else 1)
        elif unit <= 4:
            days += amount * (7 if unit == 3 else 1)
        else:
            nanos += amount * _NANOS_OF_UNIT[unit]
    if months > 2**31 - 1 or days > 2**31 - 1 or nanos > 2**63 - 1:
        raise ValueError(_TOO_LARGE)
    return Duration(-months, -days, -nanos) if negative else Duration(months, days, nanos)


# --- codecs -----------------------------------------------------------------------------------------------------


def _timestamp(t: CqlType, dialect: Dialect) -> Codec:
    extended = dialect.extended_json

    def from_json(value: object) -> object:
        if type(value) is int:
            if INT64[0] <= value <= INT64[1]:
                return value
            raise BadValue(f"Invalid timestamp value {value}: out of range for epoch milliseconds")
        if extended and type(value) is dict and len(value) == 1 and type(ms := value.get("$date")) is int:
            return from_json(ms)  # the Data API's EJSON form: {"$date": <epoch ms>}
        raise cannot(value, t)

    return Codec(wrapped(t, parse_timestamp), from_json)


def _date(t: CqlType, dialect: Dialect) -> Codec:
    days = wrapped(t, parse_date)
    return Codec(lambda text: Date(days(text)), refuse(t))


def _time(t: CqlType, dialect: Dialect) -> Codec:
    nanos = wrapped(t, parse_time)
    return Codec(lambda text: Time(nanos(text)), refuse(t))


def _duration(t: CqlType, dialect: Dialect) -> Codec:
    return Codec(wrapped(t, parse_duration), refuse(t))


def _encode_timestamp(value: Any) -> object:
    return None if value is None else timestamp_text(value)


def _encode_date(value: Any) -> object:
    return None if value is None else date_text(value.days_from_epoch)


def _encode_time(value: Any) -> object:
    return None if value is None else time_text(value.nanosecond_time)


def _encode_duration(value: Any) -> object:
    return None if value is None else duration_text(value.months, value.days, value.nanoseconds)


def iso_duration_text(months: int, days: int, nanos: int) -> str:
    """The Data API's ISO-8601 text of a duration (its `CqlDurationConverter`): `P1Y2M3DT4H5M6.5S`, `-P14D`,
    `PT0S` for zero."""
    negative = months < 0 or days < 0 or nanos < 0
    months, days, nanos = abs(months), abs(days), abs(nanos)
    text = "-P" if negative else "P"
    if months >= 12:
        text += f"{months // 12}Y"
    if months % 12:
        text += f"{months % 12}M"
    if days:
        text += f"{days}D"
    if not nanos:
        return text if len(text) > len("-P" if negative else "P") else "PT0S"
    hours, nanos = divmod(nanos, 3_600_000_000_000)
    minutes, nanos = divmod(nanos, 60_000_000_000)
    text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if nanos:
        seconds, fraction = divmod(nanos, 1_000_000_000)
        text += str(seconds) + (f".{fraction:09d}".rstrip("0") if fraction else "") + "S"
    return text


def _encode_iso_duration(value: Any) -> object:
    return None if value is None else iso_duration_text(value.months, value.days, value.nanoseconds)


def _encode_java_time(value: Any) -> object:
    return None if value is None else java_time_text(value.nanosecond_time)


def _time_encoder(dialect: Dialect) -> Encode:
    return _encode_time if dialect.time == "iso" else _encode_java_time


def _duration_encoder(dialect: Dialect) -> Encode:
    return _encode_duration if dialect.duration == "cql" else _encode_iso_duration


# --- registration -----------------------------------------------------------------------------------------------

# Instant.toString() and LocalDate.toString(), as the encoder writes them: years beyond 9999 get a sign, so these
# carry patterns, not `format: date-time`/`date` (RFC 3339 has years 0000-9999 only, and Cassandra more).
TIMESTAMP_TEXT = r"^[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?Z$"
TIMESTAMP_WRITTEN = (
    r"^[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{0,9})?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
)
DATE_TEXT = r"^[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}$"
TIME_READ = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?$"
TIME_WRITTEN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{0,9})?)?$"
_UNIT = r"[0-9]+(?:y|mo|w|d|h|ms|us|µs|ns|m|s)"
DURATION_READ = rf"^-?(?:{_UNIT})*$"  # "" is a zero duration
DURATION_WRITTEN = (
    rf"^-?(?:(?:{_UNIT})+|P[0-9]+W|P(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+S)?)?)$"
)
_TIMESTAMP_WRITTEN: Schema = {
    "anyOf": [
        {"type": "string", "pattern": TIMESTAMP_WRITTEN, "description": "ISO-8601 with an offset"},
        {"type": "integer", "minimum": INT64[0], "maximum": INT64[1], "description": "epoch ms"},
    ]
}


def register(scalars: dict[str, Scalar]) -> None:
    scalars["timestamp"] = Scalar(
        _timestamp,
        always(_encode_timestamp),
        timestamp_text,
        {"type": "string", "pattern": TIMESTAMP_TEXT, "description": "ISO-8601 in UTC (RFC 3339 in years 1-9999)"},
        _TIMESTAMP_WRITTEN,
        key_schema={"type": "string", "description": "ISO-8601 with an offset, or epoch ms"},
        json_string=True,
    )
    scalars["date"] = Scalar(
        _date,
        always(_encode_date),
        lambda v: date_text(v.days_from_epoch),
        {"type": "string", "pattern": DATE_TEXT, "description": "YYYY-MM-DD (RFC 3339 in years 1-9999)"},
        json_string=True,
    )
    scalars["time"] = Scalar(
        _time,
        _time_encoder,
        lambda v: java_time_text(v.nanosecond_time),
        {"type": "string", "pattern": TIME_READ, "description": "HH:mm:ss[.fraction]"},
        {"type": "string", "pattern": TIME_WRITTEN, "description": "HH:mm[:ss[.fraction]]"},
        json_string=True,
    )
    scalars["duration"] = Scalar(
        _duration,
        _duration_encoder,
        lambda v: duration_text(v.months, v.days, v.nanoseconds),
        {"type": "string", "pattern": DURATION_READ, "description": "units: 1y2mo3d4h5m6s7ms8us9ns"},
        {"type": "string", "pattern": DURATION_WRITTEN, "description": "units, or ISO-8601 (P1Y2M3DT4H5M6S, P2W)"},
        json_string=True,
    )
