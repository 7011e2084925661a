"""Dialects (app.rows.types.dialect): per-family choices of JSON forms. STARGATE is today's behaviour; DATA_API
writes and reads blobs as {"$binary": "<base64>"}."""

from __future__ import annotations

import pytest

from app.rows.types import DATA_API, STARGATE, BadValue, decoder, encoder
from tests.support.codecs import t


def test_stargate_reads_a_blob_from_base64_text() -> None:
    assert decoder(t("blob"), dialect=STARGATE)("/w==") == b"\xff"


def test_stargate_writes_a_blob_as_base64_text() -> None:
    encode = encoder(t("blob"), dialect=STARGATE)
    assert encode is not None and encode(b"\xff") == "/w=="


def test_stargate_refuses_a_binary_object_for_a_blob() -> None:
    with pytest.raises(BadValue, match="Cannot coerce object"):
        decoder(t("blob"), dialect=STARGATE)({"$binary": "/w=="})


def test_the_data_api_reads_a_blob_from_a_binary_object() -> None:
    assert decoder(t("blob"), dialect=DATA_API)({"$binary": "/w=="}) == b"\xff"


def test_the_data_api_writes_a_blob_as_a_binary_object() -> None:
    encode = encoder(t("blob"), dialect=DATA_API)
    assert encode is not None and encode(b"\xff") == {"$binary": "/w=="}
    assert encode(None) is None


def test_the_data_api_reads_binary_objects_inside_a_collection() -> None:
    assert decoder(t("list<blob>"), dialect=DATA_API)([{"$binary": "AA=="}]) == [b"\x00"]


def test_the_data_api_writes_binary_objects_inside_a_collection() -> None:
    encode = encoder(t("map<text, blob>"), dialect=DATA_API)
    assert encode is not None and encode({"k": b"\x00"}) == {"k": {"$binary": "AA=="}}


@pytest.mark.parametrize("value", [{"$binary": 5}, {"$binary": "AA==", "x": 1}, {"binary": "AA=="}])
def test_the_data_api_refuses_an_object_that_is_not_exactly_a_binary(value: object) -> None:
    with pytest.raises(BadValue, match="Cannot coerce object"):
        decoder(t("blob"), dialect=DATA_API)(value)


def test_the_data_api_refuses_bad_base64_in_a_binary_object() -> None:
    with pytest.raises(BadValue, match="expected standard base64"):
        decoder(t("blob"), dialect=DATA_API)({"$binary": "_w=="})


def test_dialects_get_their_own_codecs_and_share_the_rest() -> None:
    assert encoder(t("blob"), dialect=DATA_API) is not encoder(t("blob"), dialect=STARGATE)
    assert decoder(t("int"), dialect=DATA_API)(5) == decoder(t("int"), dialect=STARGATE)(5)
