"""Helpers for the Data API face's tests: commands posted as the clients post them, and its answers' shapes."""

from __future__ import annotations

import base64
from typing import Any

import httpx

# What astrapy and astra-db-ts send for a self-hosted cluster: `Cassandra:` + base64 user + `:` + base64 password.
CASSANDRA_TOKEN = "Cassandra:" + base64.b64encode(b"cassandra").decode() + ":" + base64.b64encode(b"cassandra").decode()


def cassandra_token(user: str, password: str) -> str:
    return f"Cassandra:{base64.b64encode(user.encode()).decode()}:{base64.b64encode(password.encode()).decode()}"


async def command(
    client: httpx.AsyncClient,
    path: str,
    name: str,
    body: dict[str, Any] | None = None,
    *,
    token: str | None = CASSANDRA_TOKEN,
    status: int = 200,
) -> dict[str, Any]:
    """POST one command to `path` (`/v1/ks/table`), and its JSON answer, checking the HTTP status."""
    headers = {"Token": token} if token is not None else {}
    response = await client.post(path, json={name: body or {}}, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    answer: dict[str, Any] = response.json()
    return answer


def error_codes(answer: dict[str, Any]) -> list[str]:
    """The `errorCode`s of `errors[]`, each entry checked for the Data API's fields."""
    found = answer.get("errors", [])
    for entry in found:
        assert set(entry) == {"id", "family", "scope", "errorCode", "title", "message"}, entry
        assert entry["family"] in ("REQUEST", "SERVER")
    return [entry["errorCode"] for entry in found]


def warning_codes(answer: dict[str, Any]) -> list[str]:
    found = answer.get("status", {}).get("warnings", [])
    for entry in found:
        assert set(entry) == {"id", "family", "scope", "errorCode", "title", "message"}, entry
        assert entry["scope"] == "WARNING"
    return [entry["errorCode"] for entry in found]


def ok(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without errors, returned for further checks."""
    assert "errors" not in answer, answer
    return answer
