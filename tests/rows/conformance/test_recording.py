"""The recording answers the scenario as it stands: no exchange added, changed or dropped without re-recording.

Needs no database: it reads stargate-v2.0.51.json only. Re-record with `python -m tests.rows.conformance.record`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.rows.conformance.jsontext import dumps, loads
from tests.rows.conformance.record import request_record
from tests.rows.conformance.scenario import SCHEMA, SEED, exchanges

RECORDING = Path(__file__).with_name("stargate-v2.0.51.json")


@pytest.fixture(scope="module")
def recording() -> dict[str, Any]:
    doc: dict[str, Any] = loads(RECORDING.read_text())
    return doc


def _normal(value: Any) -> Any:
    """Numbers as the recording holds them (Decimal), so 1e300 and 1E+300 compare equal."""
    return loads(dumps(value))


def test_schema_and_seed_are_the_scenarios(recording: dict[str, Any]) -> None:
    assert recording["schema"] == SCHEMA
    assert recording["seed"] == SEED


def test_every_exchange_is_recorded_in_order(recording: dict[str, Any]) -> None:
    assert [e["name"] for e in recording["exchanges"]] == [e.name for e in exchanges()]


def test_requests_are_the_scenarios(recording: dict[str, Any]) -> None:
    for ex, rec in zip(exchanges(), recording["exchanges"], strict=True):
        sent = {k: v for k, v in rec.items() if k in request_record(ex)}
        assert sent == _normal(request_record(ex)), ex.name


def test_error_bodies_carry_the_status(recording: dict[str, Any]) -> None:
    """Stargate's ApiError repeats the HTTP status in `code`: a property every error here keeps."""
    errors = [e for e in recording["exchanges"] if e["status"] >= 400 and isinstance(e["response"], dict)]
    assert errors
    for e in errors:
        assert e["response"]["code"] == e["status"], e["name"]
        assert set(e["response"]) == {"code", "description", "grpcStatus", "internalTxId"}, e["name"]
