"""Assertions on the Stargate face's answers."""

from __future__ import annotations

import httpx


def assert_stargate_error(response: httpx.Response, status: int, *fragments: str) -> dict[str, object]:
    """A refusal in Stargate's body shape (`description`, `code`) with our `error` beside it, saying `fragments`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == status
    assert {"description", "code", "error"} <= set(body)
    for fragment in fragments:
        assert fragment in body["description"], body
    return body
