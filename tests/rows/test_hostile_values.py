"""Hostile values through HTTP, on a real uvicorn: every column type of a real table, through `where` ($eq and $in),
a JSON body (POST), a key path (GET) and an NDJSON ingest line, never get a 5xx, and a concurrent /healthz keeps
answering 200 throughout (a value that froze the event loop, like `int(Decimal("1e1000000"))` did, would starve it).

The values are generated (hypothesis, a bounded number per route): huge exponents, long digit strings, lone
surrogates, deep nesting, wrong JSON kinds, too many elements, huge strings within the body limit. A value may be
valid for the column it lands on (a long string for a text column): then a 2xx is right too, so the assertion is
"not a 5xx", with Stargate's error body on every 4xx.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from app.config import Settings
from tests.support.processes import Server
from tests.support.rows import create_table, path

EXAMPLES = 30  # per route

# Every kind the codecs have (counter needs a table of its own: it shares the integer codec with bigint).
KEYS = {
    "id": '"x"',
    "k_int": "1",
    "k_bigint": "2",
    "k_varint": "3",
    "k_decimal": "4.5",
    "k_double": "5.5",
    "k_ts": '"2021-04-23T18:42:22Z"',
    "k_text": '"t"',
}
VALUES = {
    "a": "ascii",
    "t": "text",
    "ti": "tinyint",
    "si": "smallint",
    "i": "int",
    "b": "bigint",
    "vi": "varint",
    "f": "float",
    "d": "double",
    "de": "decimal",
    "bo": "boolean",
    "u": "uuid",
    "tu": "timeuuid",
    "ts": "timestamp",
    "dt": "date",
    "tm": "time",
    "du": "duration",
    "ip": "inet",
    "bl": "blob",
    "l": "list<int>",
    "s": "set<text>",
    "m": "map<text, int>",
    "mk": "map<int, text>",
    "tp": "tuple<int, text>",
    "v": "vector<float, 3>",
    "fl": "frozen<list<frozen<list<bigint>>>>",
}
KEY_TYPES = "id text, k_int int, k_bigint bigint, k_varint varint, k_decimal decimal, k_double double, "
KEY_TYPES += "k_ts timestamp, k_text text"
COLUMNS = (
    KEY_TYPES
    + ", "
    + ", ".join(f"{name} {cql_type}" for name, cql_type in VALUES.items())
    + f", PRIMARY KEY ((id), {', '.join(list(KEYS)[1:])})"
)
NDJSON = {"content-type": "application/x-ndjson"}

pytestmark = pytest.mark.filterwarnings(  # the driver's event thread uses `random`: see tests/test_fuzz.py
    "ignore:Do not use the `random` module inside strategies:hypothesis.errors.HypothesisDeprecationWarning"
)


# --- the values: JSON texts, as a client would send them -----------------------------------------------------------


def _nested(depth: int, opening: str, closing: str) -> str:
    return opening * depth + "1" + closing * depth


SMALL = st.one_of(
    st.integers(19, 10_000_000).map(lambda n: f"1e{n}"),
    st.integers(19, 10_000_000).map(lambda n: f"-9.5e{n}"),
    st.integers(1000, 2_147_483_700).map(lambda n: f"1.5e-{n}"),
    st.integers(19, 5000).map(lambda n: "9" * n),
    st.integers(19, 5000).map(lambda n: f'"{"9" * n}"'),
    st.integers(19, 5000).map(lambda n: f'"0.{"1" * n}"'),
    st.sampled_from(['"\\ud800"', '"a\\udfffb"', '["\\ud800"]', '{"\\ud800": 1}', '[1, "\\udc00"]', "\"'\\ud800'\""]),
    st.integers(2, 900).map(lambda n: _nested(n, "[", "]")),
    st.integers(2, 900).map(lambda n: _nested(n, '{"a":', "}")),
    st.sampled_from(["true", "{}", "[]", '"x"', "1.5", '{"$binary": "AA=="}', "[null]", '"1e1000000"', "-0"]),
    st.sampled_from(['"[1e1000000]"', '"{1e1000000}"', '"(1e1000000, x)"', '"+99999999999-01-01"', '"9999999999d"']),
)
LARGE = st.one_of(
    SMALL,
    st.integers(1000, 200_000).map(lambda n: f'"{"a" * n}"'),
    st.integers(65_530, 70_000).map(lambda n: "[" + ",".join(["1"] * n) + "]"),
    st.integers(1000, 100_000).map(lambda n: f'"{"9" * n}"'),
)
# Key path segments: texts (already percent-decoded by the service).
SEGMENTS = st.one_of(
    st.integers(19, 5000).map(lambda n: "9" * n),
    st.integers(19, 10_000_000).map(lambda n: f"1e{n}"),
    st.integers(19, 5000).map(lambda n: "1." + "1" * n),
    st.integers(19, 2000).map(lambda n: "0" * n + "1"),
    st.sampled_from(["\ud800", "a\udfffb", "NaN", "Infinity", "'x'", "", "+", "-", "9" * 4301, "1e1000000"]),
    st.text(max_size=50),
)
COLUMN = st.sampled_from(list(VALUES))
KEY_POSITION = st.integers(1, len(KEYS) - 1)


# --- the service and the probe --------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture(scope="module")
def table(cql: Session, server: Server, settings: Settings) -> str:
    name = create_table(cql, COLUMNS, prefix="hostile")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for _ in range(100):  # the service learns the new table from the driver's schema events
            if http.get(path(settings.keyspace, name, "x")).status_code == 200:
                break
            threading.Event().wait(0.1)
        else:
            pytest.fail(f"the service never served {name}")
    return name


class Probe:
    """Asks /healthz again and again on a thread of its own while a test sends hostile values."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[int | str] = []
        self.stop = threading.Event()
        self.asked = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        # A frozen event loop answers nothing: a probe that gets no answer at all within a minute fails.
        with httpx.Client(base_url=self.url, timeout=60) as http:
            while not self.stop.is_set():
                try:
                    self.answers.append(http.get("/healthz").status_code)
                except httpx.HTTPError as exc:
                    self.answers.append(type(exc).__name__)
                self.asked.set()
                self.stop.wait(0.05)


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    probe = Probe(server.url)
    probe.thread.start()
    probe.asked.wait(60)  # it is running before the first hostile value is sent
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client
    probe.stop.set()
    probe.thread.join()
    assert probe.answers, "the probe never asked"
    assert set(probe.answers) == {200}, [a for a in probe.answers if a != 200][:10]


def assert_answered(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:2000]
    if response.status_code >= 400 and response.status_code != 413:
        assert "description" in response.json(), response.text[:2000]


def row(column: str, raw: str) -> bytes:
    fields = [f'"{name}": {value}' for name, value in KEYS.items()]
    return ("{" + ", ".join([*fields, f'"{column}": {raw}']) + "}").encode("utf-8", "surrogatepass")


def examples(test: object) -> object:
    return hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )(test)


# --- the routes -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("condition", ['{{"$eq": {raw}}}', '{{"$in": [{raw}, {raw}]}}'], ids=["where-eq", "where-in"])
@examples
@given(column=COLUMN, raw=SMALL)
def test_a_hostile_value_in_a_where_condition_is_never_a_server_error(
    http: httpx.Client, settings: Settings, table: str, condition: str, column: str, raw: str
) -> None:
    where = f'{{"id": {{"$eq": "x"}}, "{column}": {condition.format(raw=raw)}}}'
    assert_answered(http.get(path(settings.keyspace, table), params={"where": where}))


@examples
@given(column=COLUMN, raw=LARGE)
def test_a_hostile_value_in_a_json_body_is_never_a_server_error(
    http: httpx.Client, settings: Settings, table: str, column: str, raw: str
) -> None:
    content = row(column, raw)
    assert_answered(http.post(path(settings.keyspace, table), content=content))


@examples
@given(position=KEY_POSITION, segment=SEGMENTS)
def test_a_hostile_key_path_segment_is_never_a_server_error(
    http: httpx.Client, settings: Settings, table: str, position: int, segment: str
) -> None:
    keys = [orjson.loads(value) for value in KEYS.values()]
    keys[position] = segment
    encoded = "/".join(urllib.parse.quote(str(k), safe="", errors="surrogatepass") for k in keys)
    assert_answered(http.get(f"{path(settings.keyspace, table)}/{encoded}"))


@examples
@given(column=COLUMN, raw=LARGE)
def test_a_hostile_value_in_an_ndjson_line_is_never_a_server_error(
    http: httpx.Client, settings: Settings, table: str, column: str, raw: str
) -> None:
    content = row(column, raw) + b"\n"
    response = http.post(path(settings.keyspace, table), content=content, headers=NDJSON)
    assert_answered(response)
    if response.status_code == 200:
        answer = response.json()
        assert answer["written"] + answer["refused"] == 1, answer


# --- the values that froze the service (security review 3, B1), named ------------------------------------------------


def test_where_refuses_an_exponent_too_large_for_bigint(http: httpx.Client, settings: Settings, table: str) -> None:
    where = '{"id": {"$eq": "x"}, "b": {"$eq": 1e1000000}}'
    response = http.get(path(settings.keyspace, table), params={"where": where})
    assert response.status_code == 400
    assert "Invalid bigint value 1E+1000000: out of range" in response.json()["description"]


def test_where_in_refuses_an_exponent_too_large_for_varint(http: httpx.Client, settings: Settings, table: str) -> None:
    where = '{"id": {"$eq": "x"}, "vi": {"$in": [1, 1e1000000]}}'
    response = http.get(path(settings.keyspace, table), params={"where": where})
    assert response.status_code == 400
    assert "Invalid varint value 1E+1000000: more than 1000 digits" in response.json()["description"]


def test_a_body_refuses_an_exponent_too_large_for_int(http: httpx.Client, settings: Settings, table: str) -> None:
    response = http.post(path(settings.keyspace, table), content=row("i", "1e1000000"))
    assert response.status_code == 400
    assert response.headers["x-error-code"] == "bad_value"
    assert "Invalid int value 1E+1000000: out of range" in response.json()["description"]


def test_an_ndjson_line_with_an_exponent_too_large_for_smallint_is_refused(
    http: httpx.Client, settings: Settings, table: str
) -> None:
    response = http.post(path(settings.keyspace, table), content=row("si", "1e1000000") + b"\n", headers=NDJSON)
    assert response.status_code == 200
    [refusal] = response.json()["errors"]
    assert "Invalid smallint value 1E+1000000: out of range" in refusal["description"]


def test_a_key_path_of_4301_digits_is_a_bad_key(http: httpx.Client, settings: Settings, table: str) -> None:
    response = http.get(path(settings.keyspace, table, "x", "9" * 4301))
    assert response.status_code == 400
    assert response.headers["x-error-code"] == "bad_key"
    assert "Invalid int value '9999" in response.json()["description"]


def test_a_body_refuses_a_lone_surrogate_in_text(http: httpx.Client, settings: Settings, table: str) -> None:
    response = http.post(path(settings.keyspace, table), content=row("t", '"a\\ud800"'))
    assert response.status_code == 400
    assert "a lone surrogate" in response.json()["description"]


def test_where_refuses_an_exponent_past_what_a_decimal_holds(
    http: httpx.Client, settings: Settings, table: str
) -> None:
    where = '{"id": {"$eq": "x"}, "de": {"$eq": 1e99999999999999999999}}'
    response = http.get(path(settings.keyspace, table), params={"where": where})
    assert response.status_code == 400
    assert "Number out of range: 1e99999999999999999999" in response.json()["description"]


def test_a_where_field_named_with_a_lone_surrogate_is_a_readable_400(
    http: httpx.Client, settings: Settings, table: str
) -> None:
    response = http.get(path(settings.keyspace, table), params={"where": '{"\\ud800": {"$eq": 1}}'})
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["description"]
