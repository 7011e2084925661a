"""Replaying a Stargate recording against our service: one pipeline for the rows recording (test_replay.py) and the
schema recording (test_schemas_replay.py).

`serve` puts the recording's keyspaces on our node and the app in-process in front of them (keys required, as
Stargate requires its token); `send` replays one exchange the way README.md says (the path byte for byte, `${var}`
captures, the token per `auth`); `judge` compares our answer with Stargate's, or with the answer a documented
deviation says we chose.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from cassandra.cluster import Session

from app.config import Settings
from app.db.schema import drop_keyspace
from tests.rows.conformance.jsontext import dumps, loads
from tests.rows.conformance.record_schemas import fill, normalise
from tests.support.app import API_KEY, hardened_client

BAD_TOKEN = "00000000-0000-0000-0000-000000000000"
# name -> (our status, why we answer differently[, our body])
Deviations = dict[str, tuple[int, str] | tuple[int, str, Any]]


@dataclass
class Replay:
    keyspace: str
    client: httpx.AsyncClient
    datacenter: str = ""
    captured: dict[str, str] = field(default_factory=dict)  # `capture`d response fields, by variable name

    def fill(self, text: str) -> str:
        """The recording's placeholders made ours: `{ks}`, `{KS}` (upper case), `{dc}`."""
        return fill(text, self.keyspace, self.datacenter)

    def normalise(self, text: str) -> str:
        """Our answer with our names written back as the recording's placeholders."""
        return normalise(text, self.keyspace, self.datacenter)


@asynccontextmanager
async def serve(
    settings: Settings,
    cql: Session,
    statements: Iterable[str],
    *,
    keyspace: str,
    datacenter: str = "",
    also: Iterable[str] = (),
) -> AsyncIterator[Replay]:
    """Run `statements` (placeholders filled) on our node, serve `keyspace` and `also` to the app with keys required
    for every call, and drop them at the end."""
    names = [keyspace, *also]
    try:
        for statement in statements:
            cql.execute(fill(statement, keyspace, datacenter), timeout=60)
        overrides = {"rows_keyspaces": ",".join(names), "protect_reads": True}
        async with hardened_client(settings, **overrides) as client:
            yield Replay(keyspace, client, datacenter)
    finally:
        for name in names:
            drop_keyspace(cql, name)


def _filled_query(replay: Replay, query: dict[str, Any]) -> dict[str, str]:
    """`${var}` values from earlier captures; a `${var}` whose capture is gone (the last page had no pageState)
    leaves its parameter out."""
    out = {}
    for key, value in query.items():
        text = str(value)
        if text.startswith("${") and text[2:-1] not in replay.captured:
            continue
        for name, found in replay.captured.items():
            text = text.replace("${" + name + "}", found)
        out[key] = text
    return out


async def send(replay: Replay, exchange: dict[str, Any]) -> httpx.Response:
    url = replay.fill(exchange["path"])
    if query := _filled_query(replay, exchange["query"]):
        url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    headers = dict(exchange["headers"])
    if exchange["auth"] == "token":
        headers["X-Cassandra-Token"] = API_KEY
    elif exchange["auth"] == "bad":
        headers["X-Cassandra-Token"] = BAD_TOKEN
    body = exchange.get("body")
    content = None if body is None else (body if isinstance(body, str) else dumps(body)).encode()
    # The path goes out byte for byte: its percent-encodings (%20, %22, ...) are what some exchanges test.
    request = replay.client.build_request(exchange["method"], url, headers=headers, content=content)
    request.url = request.url.copy_with(raw_path=url.encode())
    response = await replay.client.send(request)
    for name, source in exchange.get("capture", {}).items():
        answer = json_of(response.text)
        value = answer.get(source) if isinstance(answer, dict) else None
        if value is None:
            replay.captured.pop(name, None)
        else:
            replay.captured[name] = value
    return response


def json_of(text: str) -> Any:
    """The body as JSON with exact numbers, or None when it is not JSON."""
    try:
        return loads(text)
    except ValueError:
        return None


def is_error(body: Any) -> bool:
    return isinstance(body, dict) and "description" in body and "code" in body


def judge(
    exchange: dict[str, Any],
    response: httpx.Response,
    ours: Any,
    deviations: Deviations,
    *,
    same_error: Callable[[dict[str, Any], dict[str, Any]], None],
    comparable: Callable[[Any], Any],
) -> None:
    """Our answer (`ours`: its body as read) against Stargate's, or against the one a deviation documents. An error
    is checked by `same_error(ours, theirs)`; a success body compares as `comparable` makes it."""
    deviation = deviations.get(exchange["name"])
    if deviation is not None:
        status, why, *body = deviation
        assert response.status_code == status, f"{why}: {response.text}"
        if body:
            assert comparable(ours) == comparable(body[0]), why
        return
    assert response.status_code == exchange["status"], response.text
    expected = exchange["response"]
    if exchange["response_format"] == "empty":
        assert response.content == b""
        return
    if is_error(expected):
        assert is_error(ours), response.text
        assert ours["code"] == expected["code"]
        same_error(ours, expected)
        return
    assert response.headers["content-type"].split(";")[0] == "application/json"
    assert comparable(ours) == comparable(expected)
