"""Unit tests of the time codecs (app.rows.types.temporal): timestamp, date, time, duration.

Expected values marked "Stargate:" are what Stargate v2.0.51 answered for the same input (see
tests/rows/types/test_roundtrip.py for the real-node round trips)."""

from __future__ import annotations

import datetime

import pytest
from cassandra.util import Date, Duration, Time

from app.rows.types import MapItems, java_text
from app.rows.types.temporal import date_text, duration_text, instant_text, java_time_text
from tests.support.codecs import UTC_DT, as_json, assert_binds, bad, decode, encode, t

VALID = [
    # timestamp -> epoch milliseconds
    ("timestamp", "2021-04-23T18:42:22.139Z", 1619203342139),
    ("timestamp", "2021-04-23T18:42:22Z", 1619203342000),
    ("timestamp", "2021-04-23T18:42:22.Z", 1619203342000),  # Stargate: accepted
    ("timestamp", "2021-04-23T18:42:22.1Z", 1619203342100),
    ("timestamp", "2021-04-23T18:42:22.123456Z", 1619203342123),
    ("timestamp", "2021-04-23T18:42:22.123456789Z", 1619203342123),  # beyond Stargate (0-6 digits), truncated
    ("timestamp", "2021-04-23T18:42:22.1399Z", 1619203342139),  # truncated, not rounded (as Instant.toEpochMilli)
    ("timestamp", "2021-04-23T18:42:22+02:00", 1619196142000),
    ("timestamp", "2021-04-23T18:42:22+0200", 1619196142000),
    ("timestamp", "2021-04-23T18:42:22+02", 1619196142000),
    ("timestamp", "2021-04-23T18:42:22-02:30", 1619212342000),
    ("timestamp", "2021-04-23T18:42:22+18:00", 1619138542000),
    ("timestamp", "2021-04-23T24:00:00Z", 1619222400000),  # Stargate: 2021-04-24T00:00:00Z
    ("timestamp", "1970-01-01T00:00:00Z", 0),
    ("timestamp", "+10000-01-01T00:00:00Z", 253402300800000),
    ("timestamp", "0000-01-01T00:00:00Z", -62167219200000),
    ("timestamp", "-0001-01-01T00:00:00Z", -62198755200000),
    ("timestamp", 1619203342139, 1619203342139),
    ("timestamp", -1, -1),
    ("timestamp", "1619203342139", 1619203342139),  # beyond Stargate: epoch ms as a string too
    ("timestamp", "'2021-04-23T18:42:22Z'", 1619203342000),
    # date, time, duration
    ("date", "2021-04-23", Date(18740)),
    ("date", "1970-01-01", Date(0)),
    ("date", "-0001-01-01", Date(-719893)),
    ("date", "+10000-01-01", Date(2932897)),
    ("date", "2020-02-29", Date(18321)),
    ("time", "10:30", Time(37800000000000)),
    ("time", "10:30:00", Time(37800000000000)),
    ("time", "10:30:00.", Time(37800000000000)),  # Stargate: accepted
    ("time", "10:30:00.5", Time(37800500000000)),
    ("time", "23:59:59.999999999", Time(86399999999999)),
    ("duration", "2d", Duration(0, 2, 0)),
    ("duration", "30h20m", Duration(0, 0, (30 * 60 + 20) * 60 * 10**9)),
    ("duration", "1y2mo3w4d5h6m7s8ms9us10ns", Duration(14, 25, 18367008009010)),
    ("duration", "2D3H", Duration(0, 2, 3 * 3600 * 10**9)),  # Stargate: "2d3h"
    ("duration", "1µs", Duration(0, 0, 1000)),
    ("duration", "P1Y2M3DT4H5M6S", Duration(14, 3, 14706 * 10**9)),
    ("duration", "P2W", Duration(0, 14, 0)),
    ("duration", "P0001-02-03T04:05:06", Duration(14, 3, 14706 * 10**9)),
    ("duration", "-P2W", Duration(0, -14, 0)),
    ("duration", "-2w", Duration(0, -14, 0)),
    ("duration", "P", Duration(0, 0, 0)),  # Stargate: ""
    ("duration", "", Duration(0, 0, 0)),  # beyond Stargate: what it prints for zero reads back
]


@pytest.mark.parametrize(("type_text", "value", "bound"), VALID)
def test_a_valid_input_decodes_to_the_value_the_driver_binds(type_text: str, value: object, bound: object) -> None:
    assert_binds(type_text, value, bound)


INVALID = [
    ("timestamp", "2021-04-23T18:42:22", "expected ISO-8601 with an offset"),  # Stargate: refused too
    ("timestamp", "2021-04-23T18:42Z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23 18:42:22Z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23t18:42:22z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23T18:42:22.1234567891Z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23T18:42:60Z", "invalid time of day"),
    ("timestamp", "2021-04-23T24:00:01Z", "invalid time of day"),
    ("timestamp", "2021-04-23T18:42:22+19:00", "the offset must be within -18:00 to +18:00"),
    ("timestamp", "2021-02-29T00:00:00Z", "invalid day of month"),  # Stargate silently wrote 2021-02-28
    ("timestamp", "10000-01-01T00:00:00Z", "years beyond 9999 need a '+' sign"),
    ("timestamp", "+292278995-01-01T00:00:00Z", "out of range"),
    ("timestamp", 1619203342139.0, "Cannot coerce Number 1619203342139.0 into timestamp"),  # Stargate: same
    ("timestamp", 2**63, "out of range for epoch milliseconds"),
    ("date", "2021-4-23", "Invalid date value '2021-4-23': expected YYYY-MM-DD"),
    ("date", "20210423", "expected YYYY-MM-DD"),
    ("date", "2021-02-29", "invalid day of month"),  # Stargate: refused too
    ("date", "2021-13-01", "invalid month"),
    ("date", "10000-01-01", "need a '+' sign"),  # Stargate: refused too
    ("date", "+2021-01-01", "need a '+' sign"),
    ("date", "+6000000-01-01", "out of range for a CQL date"),
    ("date", 18740, "Cannot coerce Number 18740 into date"),  # Stargate: same refusal
    ("time", "1:30", "Invalid time value '1:30': expected HH:mm[:ss[.fffffffff]]"),
    ("time", "24:00", "invalid time of day"),
    ("time", "10:30:00.1234567891", "expected HH:mm"),
    ("time", 37800000000000, "Cannot coerce Number 37800000000000 into time"),
    ("duration", "1h1h", "units must appear once each"),  # Stargate: refused too
    ("duration", "1m1h", "units must appear once each"),
    ("duration", "PT1.5S", "Invalid duration value 'PT1.5S': not a duration"),
    ("duration", "0", "not a duration"),
    ("duration", "-", "not a duration"),
    ("duration", "2147483648mo", "too large"),
    ("duration", 5, "Cannot coerce Number 5 into duration"),
]


@pytest.mark.parametrize(("type_text", "value", "message"), INVALID)
def test_an_invalid_input_raises_bad_value_saying_what_is_wrong(type_text: str, value: object, message: str) -> None:
    assert message in bad(type_text, value)


OUTPUTS = [
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22, 139000), '"2021-04-23T18:42:22.139Z"'),  # Stargate: the same
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22), '"2021-04-23T18:42:22Z"'),  # Stargate: .000 omitted
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22, 100000), '"2021-04-23T18:42:22.100Z"'),  # Stargate: .100Z
    ("timestamp", UTC_DT(1969, 12, 31, 23, 59, 59, 999000), '"1969-12-31T23:59:59.999Z"'),
    ("timestamp", UTC_DT(9999, 12, 31, 23, 59, 59, 998985), '"9999-12-31T23:59:59.999Z"'),  # the driver's float error
    ("timestamp", UTC_DT(1, 1, 1), '"0001-01-01T00:00:00Z"'),
    (
        "timestamp",
        UTC_DT(2021, 4, 23, 20, 42, 22, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        '"2021-04-23T18:42:22Z"',
    ),
    ("timestamp", 253402300800000, '"+10000-01-01T00:00:00Z"'),  # Stargate: the same
    ("timestamp", -62135596800001, '"0000-12-31T23:59:59.999Z"'),  # Stargate: the same
    ("timestamp", 2**63 - 1, '"+292278994-08-17T07:12:55.807Z"'),  # Stargate: the same
    ("date", Date(18740), '"2021-04-23"'),
    ("date", Date(-719893), '"-0001-01-01"'),  # Stargate: the same
    ("date", Date(2932897), '"+10000-01-01"'),  # Stargate: the same
    ("date", Date(-719528), '"0000-01-01"'),  # Stargate: the same
    ("time", Time(37800000000000), '"10:30:00"'),  # Stargate: "10:30:00"
    ("time", Time(37800500000000), '"10:30:00.5"'),  # Stargate: "10:30:00.5"
    ("time", Time(37800120000000), '"10:30:00.12"'),  # Stargate: "10:30:00.12"
    ("time", Time(37800123456789), '"10:30:00.123456789"'),  # Stargate: the same
    ("time", Time(0), '"00:00:00"'),  # Stargate: "00:00:00"
    ("duration", Duration(14, 25, 18367008009010), '"1y2mo25d5h6m7s8ms9us10ns"'),  # Stargate: the same
    ("duration", Duration(0, -14, 0), '"-14d"'),  # Stargate: "-14d"
    ("duration", Duration(0, 0, 5400 * 10**9), '"1h30m"'),  # Stargate: "1h30m"
    ("duration", Duration(0, 0, 0), '""'),  # Stargate: ""
    ("duration", Duration(1, 0, 0), '"1mo"'),
]


@pytest.mark.parametrize(("type_text", "value", "expected"), OUTPUTS)
def test_a_driver_value_encodes_to_stargates_output_form(type_text: str, value: object, expected: str) -> None:
    assert as_json(type_text, value) == expected


COMPACT_KEYS = [
    ("date", Date(18628), "2021-01-01"),
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22), "2021-04-23T18:42:22Z"),
    ("time", Time(37800000000000), "10:30"),  # LocalTime.toString, unlike a time value ("10:30:00")
    ("time", Time(37801500000000), "10:30:01.500"),
]


@pytest.mark.parametrize(("type_text", "key", "text"), COMPACT_KEYS)
def test_a_compact_map_key_is_the_text_stargate_gives_it(type_text: str, key: object, text: str) -> None:
    assert java_text(t(type_text))(key) == text
    assert encode(f"map<{type_text}, int>", MapItems([(key, 1)])) == {text: 1}  # like the driver's map: .items()


@pytest.mark.parametrize(
    ("ms", "text"),
    [  # Stargate: the same text for each of these
        (0, "1970-01-01T00:00:00Z"),
        (-(2**63), "-292275055-05-16T16:47:04.192Z"),
        (2**63 - 1, "+292278994-08-17T07:12:55.807Z"),
        (-62198755200000, "-0001-01-01T00:00:00Z"),
        (-377705116800000, "-9999-01-01T00:00:00Z"),
        (-377736739200000, "-10000-01-01T00:00:00Z"),
        (-451724169599999, "-12345-06-07T00:00:00.001Z"),
    ],
)
def test_instant_text_prints_any_epoch_millisecond_like_java_instant(ms: int, text: str) -> None:
    assert instant_text(ms) == text


def test_date_text_prints_years_like_java_local_date() -> None:
    assert date_text(-(2**31)) == "-5877641-06-23"  # Stargate: the same
    assert date_text(2**31 - 1) == "+5881580-07-11"  # Stargate: the same


def test_java_time_text_groups_the_fraction_in_threes_like_local_time() -> None:
    assert java_time_text(37800000001000) == "10:30:00.000001"
    assert java_time_text(37800000000001) == "10:30:00.000000001"


def test_duration_text_of_the_extremes() -> None:
    assert duration_text(2**31 - 1, 0, 0) == "178956970y7mo"
    assert duration_text(0, 0, -(2**63) + 1) == "-2562047h47m16s854ms775us807ns"


# --- bounds: every run of digits is measured before int() reads it --------------------------------------------------


def test_a_timestamp_of_19_digits_of_epoch_ms_is_read() -> None:
    assert decode("timestamp", "9223372036854775807") == 2**63 - 1


def test_a_timestamp_of_4301_digits_of_epoch_ms_is_a_bad_value() -> None:
    assert "Invalid timestamp value" in bad("timestamp", "9" * 4301)


def test_a_date_with_a_year_of_4301_digits_is_a_bad_value() -> None:
    assert "year out of range" in bad("date", "+" + "9" * 4301 + "-01-01")


def test_a_duration_amount_of_4301_digits_is_a_bad_value() -> None:
    assert "duration out of range" in bad("duration", "9" * 4301 + "d")


def test_a_duration_amount_with_leading_zeros_is_read() -> None:
    assert decode("duration", "0" * 5000 + "2d") == Duration(0, 2, 0)
