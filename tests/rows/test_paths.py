"""One reading of the URL: keyspace, table and key come from one split of the raw path, and never disagree with
what was routed. Every refusal here is checked against rows that must still be there afterwards."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from app.exceptions import RowsError
from app.routes.stargate.paths import RowsPath, rows_path
from tests.support.rows import assert_stargate_error, create_table


@pytest.fixture(scope="module")
def plants(cql: Session) -> str:
    """The sample's shape: a genus partition, a row per species. The reads that must still work use Bellis, which
    no refused write names, so a regression in one test does not fail the others."""
    table = create_table(cql, "genus text, species text, note text, PRIMARY KEY ((genus), species)", prefix="plants")
    for genus, species in [("afra", "one"), ("afra", "two"), ("Plantago", "afra"), ("Bellis", "perennis")]:
        cql.execute(f"INSERT INTO {table} (genus, species, note) VALUES (%s, %s, 'kept')", (genus, species))
    return table


@pytest.fixture(scope="module")
def pairs(cql: Session) -> str:
    """A composite partition key: `/t/x//z` must not read as the partition (x, z)."""
    table = create_table(cql, "a text, b text, c text, note text, PRIMARY KEY ((a, b), c)", prefix="pairs")
    for a, b, c in [("x", "z", "q"), ("x", "", "z")]:
        cql.execute(f"INSERT INTO {table} (a, b, c, note) VALUES (%s, %s, %s, 'kept')", (a, b, c))
    return table


def count(cql: Session, query: str, *values: object) -> int:
    return len(list(cql.execute(query, values)))


# ---- a `/` inside a keyspace or table name ---------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/v2/keyspaces", "/api/rest/v2/keyspaces"])
async def test_a_percent_encoded_slash_between_keyspace_and_table_does_not_delete_a_partition(
    client: httpx.AsyncClient, keyspace_name: str, plants: str, cql: Session, prefix: str
) -> None:
    response = await client.delete(f"{prefix}/{keyspace_name}%2F{plants}/Plantago/afra")
    assert_stargate_error(response, 400, "holds a '/'")
    assert count(cql, f"SELECT * FROM {plants} WHERE genus = 'afra'") == 2  # the partition read as key 'afra'
    assert count(cql, f"SELECT * FROM {plants} WHERE genus = 'Plantago' AND species = 'afra'") == 1


async def test_a_percent_encoded_slash_in_a_table_name_is_a_400_on_a_read(
    client: httpx.AsyncClient, keyspace_name: str, plants: str
) -> None:
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{plants}%2Fx/rows")
    assert_stargate_error(response, 400, "table name", "holds a '/'")


async def test_a_percent_encoded_slash_in_a_keyspace_name_is_a_400_on_a_write(
    client: httpx.AsyncClient, keyspace_name: str, plants: str, cql: Session
) -> None:
    response = await client.put(f"/v2/keyspaces/{keyspace_name}%2F{plants}/afra/one", json={"note": "changed"})
    assert_stargate_error(response, 400, "keyspace name", "holds a '/'")
    assert cql.execute(f"SELECT note FROM {plants} WHERE genus = 'afra' AND species = 'one'").one()["note"] == "kept"


async def test_a_percent_encoded_table_name_still_names_its_table(
    client: httpx.AsyncClient, keyspace_name: str, plants: str
) -> None:
    encoded = "".join(f"%{ord(ch):02X}" for ch in plants)
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{encoded}/Bellis/perennis", params={"raw": "true"})
    assert response.status_code == 200, response.text
    assert response.json() == [{"genus": "Bellis", "species": "perennis", "note": "kept"}]


# ---- empty key segments ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_an_empty_key_segment_is_refused_on_an_update(
    client: httpx.AsyncClient, keyspace_name: str, pairs: str, cql: Session, method: str
) -> None:
    response = await client.request(method, f"/v2/keyspaces/{keyspace_name}/{pairs}/x//z", json={"note": "changed"})
    assert_stargate_error(response, 400, "key segment 2 of 3 is empty")
    assert cql.execute(f"SELECT note FROM {pairs} WHERE a = 'x' AND b = 'z' AND c = 'q'").one()["note"] == "kept"
    assert count(cql, f"SELECT * FROM {pairs} WHERE a = 'x' AND b = 'z' AND c = ''") == 0


@pytest.mark.parametrize(
    ("key", "message", "kept"),
    [
        ("x//z", "key segment 2 of 3 is empty", ["b = 'z'", "b = '' AND c = 'z'"]),
        ("x/z/", "key segment 3 of 3 is empty", ["b = 'z'"]),
    ],
    ids=["empty-segment", "trailing-slash"],
)
async def test_an_empty_key_segment_is_refused_on_a_delete_and_no_partition_goes(
    client: httpx.AsyncClient, keyspace_name: str, pairs: str, cql: Session, key: str, message: str, kept: list[str]
) -> None:
    response = await client.delete(f"/v2/keyspaces/{keyspace_name}/{pairs}/{key}")
    assert_stargate_error(response, 400, message)
    for where in kept:
        assert count(cql, f"SELECT * FROM {pairs} WHERE a = 'x' AND {where}") == 1


async def test_an_empty_text_value_in_a_key_is_written_as_two_quotes(
    client: httpx.AsyncClient, keyspace_name: str, pairs: str
) -> None:
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{pairs}/x/''/z", params={"raw": "true"})
    assert response.status_code == 200, response.text
    assert response.json() == [{"a": "x", "b": "", "c": "z", "note": "kept"}]


async def test_a_trailing_slash_on_a_read_by_key_is_still_ignored(
    client: httpx.AsyncClient, keyspace_name: str, plants: str
) -> None:
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{plants}/Bellis/perennis/", params={"raw": "true"})
    assert response.status_code == 200, response.text
    assert response.json() == [{"genus": "Bellis", "species": "perennis", "note": "kept"}]


# ---- a path that does not parse --------------------------------------------------------------------------------


async def test_a_non_canonical_prefix_is_a_404_on_a_read(
    client: httpx.AsyncClient, keyspace_name: str, plants: str
) -> None:
    response = await client.get(f"/v2/key%73paces/{keyspace_name}/{plants}/afra")
    assert_stargate_error(response, 404, "Unable to find matching target resource method")


async def test_a_non_canonical_prefix_is_a_404_on_a_delete_and_nothing_goes(
    client: httpx.AsyncClient, keyspace_name: str, plants: str, cql: Session
) -> None:
    response = await client.delete(f"/v2/key%73paces/{keyspace_name}/{plants}/afra")
    assert_stargate_error(response, 404, "Unable to find matching target resource method")
    assert count(cql, f"SELECT * FROM {plants} WHERE genus = 'afra'") == 2


# ---- the reading itself (a pure function) ------------------------------------------------------------------------


def scope(raw: bytes) -> dict[str, object]:
    return {"type": "http", "path": "", "raw_path": raw}


def test_the_raw_path_is_read_once_into_keyspace_table_and_key() -> None:
    found = rows_path(scope(b"/v2/keyspaces/ks/t/a%2Fb//c%20d"), {"keyspace": "ks", "table": "t"})
    assert found == RowsPath("ks", "t", ("a/b", "", "c d"))


def test_a_table_other_than_the_routed_one_is_refused() -> None:
    with pytest.raises(RowsError) as refused:
        rows_path(scope(b"/v2/keyspaces/ks/t/k"), {"keyspace": "ks", "table": "other"})
    assert (refused.value.status, refused.value.error) == (400, "bad_path")


def test_a_key_segment_that_decodes_to_a_surrogate_is_refused() -> None:
    with pytest.raises(RowsError) as refused:
        rows_path(scope(b"/v2/keyspaces/ks/t/%ED%A0%80"), {"keyspace": "ks", "table": "t"})
    assert (refused.value.status, refused.value.error) == (400, "bad_key")
