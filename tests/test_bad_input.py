"""Bad input gets a 4xx with a JSON body {"error", "detail"} that says what was wrong, and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

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


async def test_empty_key_in_a_body_is_422_and_writes_nothing(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await api.post("/plant", json={"genus": genus, "species": "", "sightings": 1})
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["body", "species"]  # type: ignore[index]
    assert nothing_written(cql, "plants", genus)


async def test_empty_key_in_a_path_is_a_json_404(api: httpx.AsyncClient) -> None:
    assert_refused(await api.get("/plant//afra"), 404, "not_found")


async def test_wrong_content_type_is_415_saying_json_is_expected(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await api.post("/plant", content=orjson.dumps(plant(genus)), headers={"content-type": "text/plain"})
    body = assert_refused(response, 415, "unsupported_media_type")
    assert "application/json" in str(body["detail"]) and "text/plain" in str(body["detail"])
    assert nothing_written(cql, "plants", genus)


async def test_form_encoded_body_is_415(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await api.post("/plant", data={"genus": genus, "species": "s", "sightings": "1"})
    assert_refused(response, 415, "unsupported_media_type")
    assert nothing_written(cql, "plants", genus)


async def test_malformed_json_is_422_json_invalid(api: httpx.AsyncClient) -> None:
    truncated = b'{"genus": "g", "species": '
    response = await api.post("/plant", content=truncated, headers={"content-type": "application/json"})
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["type"] == "json_invalid"  # type: ignore[index]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e39"])
async def test_non_finite_or_out_of_float32_size_is_422(api: httpx.AsyncClient, cql: Session, literal: str) -> None:
    genus = unique()
    raw = orjson.dumps(animal(genus, size_cm=0)).replace(b'"size_cm":0', b'"size_cm":' + literal.encode())
    response = await api.post("/animal", content=raw, headers={"content-type": "application/json"})
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["body", "size_cm"]  # type: ignore[index]
    assert nothing_written(cql, "animals", genus)


async def test_non_utf8_body_is_400_naming_the_byte(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    raw = orjson.dumps(plant(genus)).replace(b'"s"', b'"\xff\xfe"')
    response = await api.post("/plant", content=raw, headers={"content-type": "application/json"})
    body = assert_refused(response, 400, "bad_request")
    assert "UTF-8" in str(body["detail"]) and "0xff" in str(body["detail"])
    assert nothing_written(cql, "plants", genus)


async def test_lone_surrogate_escape_is_422_not_a_driver_error(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    raw = orjson.dumps(plant(genus)).replace(b'"s"', b'"\\ud800"')
    response = await api.post("/plant", content=raw, headers={"content-type": "application/json"})
    assert_refused(response, 422, "invalid_request")
    assert nothing_written(cql, "plants", genus)


async def test_list_longer_than_64_is_422(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await api.post("/animal", json=animal(genus, taxonomy=["t"] * 65))
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["body", "taxonomy"]  # type: ignore[index]
    assert nothing_written(cql, "animals", genus)


async def test_huge_list_is_stopped_by_the_body_limit(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await api.post("/animal", json=animal(genus, taxonomy=["t"] * 100_000))
    assert_refused(response, 413, "payload_too_large")
    assert nothing_written(cql, "animals", genus)


async def test_unknown_field_is_422_naming_it(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await api.post("/plant", json=plant(genus, colour="green"))
    body = assert_refused(response, 422, "invalid_request")
    assert body["detail"][0]["loc"] == ["body", "colour"]  # type: ignore[index]
    assert body["detail"][0]["type"] == "extra_forbidden"  # type: ignore[index]
    assert nothing_written(cql, "plants", genus)


async def test_negative_and_over_int32_counts_are_422(api: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    for sightings in (-1, 2**31):
        response = await api.post("/plant", json=plant(genus, sightings=sightings))
        assert_refused(response, 422, "invalid_request")
    assert nothing_written(cql, "plants", genus)


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
