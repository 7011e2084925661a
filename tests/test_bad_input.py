"""Bad input gets a 4xx with a JSON body {"error", "detail"} that says what was wrong, and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from urllib.parse import urlencode

import httpx
import orjson
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.app import API_KEY, hardened_client
from tests.support.names import unique

MAX_BODY = 4096


@pytest.fixture(scope="module")
async def api(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    async with hardened_client(settings, headers={"X-API-Key": API_KEY}, max_body_bytes=MAX_BODY) as client:
        yield client


def plant(genus: str, **extra: object) -> dict[str, object]:
    return {"genus": genus, "species": "s", "sightings": 1, **extra}


def animal(genus: str, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "genus": genus,
        "species": "s",
        "image_url": "https://example.org/a",
        "size_cm": 1.5,
        "sightings": 2,
        "taxonomy": ["A"],
    }
    body.update(extra)
    return body


def assert_refused(response: httpx.Response, status: int, error: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == error
    assert body["detail"]
    return body  # type: ignore[no-any-return]


def nothing_written(cql: Session, table: str, genus: str) -> bool:
    return not list(cql.execute(f"SELECT * FROM {table} WHERE genus = %s", (genus,)))


async def test_body_over_the_limit_is_413_before_it_is_read(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    payload = orjson.dumps(animal(genus, image_url="x" * 2000, taxonomy=["t" * 200] * 20))
    assert len(payload) > MAX_BODY
    response = await api.post("/animal", content=payload, headers={"content-type": "application/json"})
    body = assert_refused(response, 413, "payload_too_large")
    assert "MAX_BODY_BYTES" in str(body["detail"])
    assert nothing_written(cql, "animals", genus)


async def test_chunked_body_over_the_limit_is_413_once_counted(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    payload = orjson.dumps(animal(genus, taxonomy=["t" * 200] * 60))

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    response = await api.post("/animal", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_refused(response, 413, "payload_too_large")
    assert nothing_written(cql, "animals", genus)


async def test_over_long_path_value_is_422_naming_the_parameter(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/plant/{'g' * 257}/s")
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["path", "genus"]  # type: ignore[index]


async def test_very_long_path_is_refused_without_a_server_error(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/animal/{'g' * 20_000}")
    assert_refused(response, 422, "invalid_request")


async def test_over_long_page_state_is_a_bad_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/plant/Plantago", params={"page_state": "A" * 10_000})
    assert_refused(response, 400, "bad_page_state")


async def test_out_of_range_page_size_is_422(api: httpx.AsyncClient) -> None:
    response = await api.get("/plant/Plantago", params={"page_size": 10**12})
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["query", "page_size"]  # type: ignore[index]


JSON = {"content-type": "application/json"}
PATHS = {"plants": "/plant", "animals": "/animal"}


def non_finite_size(literal: str) -> Callable[[str], bytes]:
    """An animal whose size_cm is a bare JSON literal (NaN, Infinity: orjson cannot write them)."""

    def body(genus: str) -> bytes:
        return orjson.dumps(animal(genus, size_cm=0)).replace(b'"size_cm":0', b'"size_cm":' + literal.encode())

    return body


# table (where nothing may appear; POSTed to its path), body (from the genus), headers, status, error, and what the
# detail must say: the first error's fields (a dict), or words it mentions (a tuple).
REFUSED_BODIES = [
    pytest.param(
        "plants",
        lambda genus: orjson.dumps({"genus": genus, "species": "", "sightings": 1}),
        JSON,
        422,
        "invalid_request",
        {"loc": ["body", "species"]},
        id="empty key in a body is 422",
    ),
    pytest.param(
        "plants",
        lambda genus: orjson.dumps(plant(genus)),
        {"content-type": "text/plain"},
        415,
        "unsupported_media_type",
        ("application/json", "text/plain"),
        id="wrong content type is 415 saying json is expected",
    ),
    pytest.param(
        "plants",
        lambda genus: urlencode({"genus": genus, "species": "s", "sightings": "1"}).encode(),
        {"content-type": "application/x-www-form-urlencoded"},
        415,
        "unsupported_media_type",
        (),
        id="form-encoded body is 415",
    ),
    *(
        pytest.param(
            "animals",
            non_finite_size(literal),
            JSON,
            422,
            "invalid_request",
            {"loc": ["body", "size_cm"]},
            id=f"size {literal} (non-finite or out of float32) is 422",
        )
        for literal in ["NaN", "Infinity", "-Infinity", "1e39"]
    ),
    pytest.param(
        "plants",
        lambda genus: orjson.dumps(plant(genus)).replace(b'"s"', b'"\xff\xfe"'),
        JSON,
        400,
        "bad_request",
        ("UTF-8", "0xff"),
        id="non-UTF-8 body is 400 naming the byte",
    ),
    pytest.param(
        "plants",
        lambda genus: orjson.dumps(plant(genus)).replace(b'"s"', b'"\\ud800"'),
        JSON,
        422,
        "invalid_request",
        (),
        id="lone surrogate escape is 422 not a driver error",
    ),
    pytest.param(
        "animals",
        lambda genus: orjson.dumps(animal(genus, taxonomy=["t"] * 65)),
        JSON,
        422,
        "invalid_request",
        {"loc": ["body", "taxonomy"]},
        id="list longer than 64 is 422",
    ),
    pytest.param(
        "animals",
        lambda genus: orjson.dumps(animal(genus, taxonomy=["t"] * 100_000)),
        JSON,
        413,
        "payload_too_large",
        (),
        id="huge list is stopped by the body limit",
    ),
    pytest.param(
        "plants",
        lambda genus: orjson.dumps(plant(genus, colour="green")),
        JSON,
        422,
        "invalid_request",
        {"loc": ["body", "colour"], "type": "extra_forbidden"},
        id="unknown field is 422 naming it",
    ),
    *(
        pytest.param(
            "plants",
            lambda genus, sightings=sightings: orjson.dumps(plant(genus, sightings=sightings)),
            JSON,
            422,
            "invalid_request",
            (),
            id=f"sightings {sightings} (negative or over int32) is 422",
        )
        for sightings in (-1, 2**31)
    ),
]


@pytest.mark.parametrize(("table", "body", "headers", "status", "error", "says"), REFUSED_BODIES)
async def test_refused_body_is_a_4xx_saying_why_and_writes_nothing(
    api: httpx.AsyncClient,
    cql: Session,
    table: str,
    body: Callable[[str], bytes],
    headers: dict[str, str],
    status: int,
    error: str,
    says: dict[str, object] | tuple[str, ...],
) -> None:
    genus = unique()
    response = await api.post(PATHS[table], content=body(genus), headers=headers)
    detail = assert_refused(response, status, error)["detail"]
    if isinstance(says, dict):
        for key, value in says.items():
            assert detail[0][key] == value  # type: ignore[index]
    else:
        for word in says:
            assert word in str(detail)
    assert nothing_written(cql, table, genus)


async def test_empty_key_in_a_path_is_a_json_404(api: httpx.AsyncClient) -> None:
    assert_refused(await api.get("/plant//afra"), 404, "not_found")


async def test_malformed_json_is_422_json_invalid(api: httpx.AsyncClient) -> None:
    truncated = b'{"genus": "g", "species": '
    response = await api.post("/plant", content=truncated, headers={"content-type": "application/json"})
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["type"] == "json_invalid"  # type: ignore[index]


async def test_invalid_page_state_is_400(api: httpx.AsyncClient) -> None:
    response = await api.get("/plant/Plantago", params={"page_state": "not-a-token"})
    assert_refused(response, 400, "bad_page_state")


async def test_page_state_from_another_query_is_400(api: httpx.AsyncClient) -> None:
    first = await api.get("/plant/Plantago", params={"format": "page", "page_size": 5})
    token = first.json()["next_page_state"]
    assert token
    response = await api.get("/plant/Other", params={"page_state": token})
    assert_refused(response, 400, "bad_page_state")


async def test_unknown_format_is_422(api: httpx.AsyncClient) -> None:
    response = await api.get("/plant/Plantago", params={"format": "xml"})
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["query", "format"]  # type: ignore[index]


async def test_cql_looking_input_is_stored_and_returned_verbatim(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique() + "'); DROP TABLE plants; --"
    species = "' OR '1'='1\"; SELECT * FROM system_auth.roles; /* $$ */"
    response = await api.post("/plant", json={"genus": genus, "species": species, "sightings": 7})
    assert response.status_code == 200, response.text
    read = await api.get(f"/plant/{httpx.URL(path=genus).raw_path.decode()}")
    assert read.json() == [{"genus": genus, "species": species, "sightings": 7}]
    rows = list(cql.execute("SELECT genus, species, sightings FROM plants WHERE genus = %s", (genus,)))
    assert rows == [{"genus": genus, "species": species, "sightings": 7}]
    assert list(cql.execute("SELECT genus FROM plants WHERE genus = 'Plantago' LIMIT 1"))  # the table is still there
