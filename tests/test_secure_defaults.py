"""Secure defaults, whatever the mode (issue 19, item 4): the rows API's switch, keyspaces it never serves, start-ups
that refuse (one line naming the variables), and the WARNING lines of every start-up that leaves something open.

Refusals are tested on the pure rule (`load_settings` raises the line) and, once each way, on a real process: plain
uvicorn and `python -m app`. Warnings are read from real log output: a real uvicorn's, and the app's own JSON lines
on stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cassandra.cluster import Session

from app.config import Settings, load_settings
from app.config.keyspaces import is_infrastructure
from app.config.posture import posture_warnings
from app.config.unknown import unknown_settings
from app.exceptions import ConfigError
from app.main import create_app
from app.rows.catalog import Served
from tests.support.app import API_KEY, hardened_settings
from tests.support.processes import ROOT, failed_start, service_env, start_uvicorn, stop_server
from tests.support.rows import create_table
from tests.support.rows_app import RowsApp, rows_app

KEY = "a-key-of-sixteen-chars"
INFRASTRUCTURE = [
    "system_auth",
    "system_schema",
    "system_views",
    "dse_security",
    "dse_insights_local",
    "OpsCenter",
    "reaper_db",
    "solr_admin",
    "stargate_system",
    "data_endpoint_auth",
    "datastax_sla",
]


def settings_of(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


# ---- keyspaces the rows API never serves ----------------------------------------------------------------------


@pytest.mark.parametrize("keyspace", INFRASTRUCTURE)
def test_an_infrastructure_keyspace_listed_in_rows_keyspaces_is_refused_naming_it(keyspace: str) -> None:
    with pytest.raises(ConfigError, match=f"^ROWS_KEYSPACES names {keyspace}, a keyspace of Cassandra's"):
        settings_of(rows_keyspaces=f"sample,{keyspace}")


@pytest.mark.parametrize("keyspace", INFRASTRUCTURE)
def test_the_catalog_serves_no_infrastructure_keyspace_listed_or_under_star(keyspace: str) -> None:
    assert keyspace not in Served([keyspace])
    assert keyspace not in Served(["*"])


@pytest.mark.parametrize("keyspace", ["sample", "opscenter_reports", "my_system", "reaper"])
def test_a_keyspace_merely_resembling_one_is_served(keyspace: str) -> None:
    assert not is_infrastructure(keyspace)
    assert keyspace in Served([keyspace]) and keyspace in Served(["*"])


def test_the_launcher_refuses_system_auth_with_one_line(tmp_path: Path) -> None:
    """`python -m app`: exit 2 and one line, before any connection (today ROWS_KEYSPACES=system_auth served
    roles.salted_hash)."""
    env = service_env(load_settings(), ROWS_KEYSPACES="system_auth")
    command = [sys.executable, "-m", "app"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("configuration error: ROWS_KEYSPACES names system_auth")


# ---- anonymous reads, and nobody admitted ---------------------------------------------------------------------


def test_star_with_anonymous_reads_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^ROWS_KEYSPACES=\* with anonymous reads .*ALLOW_ANONYMOUS_READS=true"):
        settings_of(rows_keyspaces="*")


@pytest.mark.parametrize(
    "values",
    [
        {"allow_anonymous_reads": True},
        {"protect_reads": True, "api_keys": KEY},
        {"auth_mode": "passthrough"},
        {"rows_api": "off"},
    ],
    ids=["asked-for-by-name", "keyed-reads", "passthrough", "rows-api-off"],
)
def test_star_starts_when_reads_are_keyed_or_anonymous_reads_are_asked_for(values: dict[str, object]) -> None:
    assert settings_of(rows_keyspaces="*", **values).rows_keyspaces == ["*"]


def test_protect_reads_without_any_key_cannot_admit_anyone_and_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^PROTECT_READS=true but neither API_KEYS nor API_KEYS_FILE is set"):
        settings_of(protect_reads=True)


def test_protect_reads_without_keys_stops_uvicorn_with_one_line(tmp_path: Path) -> None:
    env = service_env(load_settings(), PROTECT_READS="true")
    output = failed_start(env, tmp_path / "uvicorn.log", code=3)
    assert "configuration error: PROTECT_READS=true but neither API_KEYS nor API_KEYS_FILE is set" in output


def test_protect_reads_in_passthrough_needs_no_key() -> None:
    assert settings_of(protect_reads=True, auth_mode="passthrough").protect_reads


def test_an_unknown_auth_mode_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"^AUTH_MODE: "):
        settings_of(auth_mode="stargate")


def test_an_unknown_rows_api_value_is_refused() -> None:
    with pytest.raises(ConfigError, match="ROWS_API"):
        settings_of(rows_api="readonly")


# ---- warnings --------------------------------------------------------------------------------------------------


def test_passthrough_is_never_anonymous() -> None:
    assert not any("anonymous" in line for line in posture_warnings(settings_of(auth_mode="passthrough")))


def test_pass_through_settings_in_keys_mode_are_named_as_having_no_effect() -> None:
    lines = posture_warnings(settings_of(identity_sessions=10, auth_token_ttl_seconds=60))
    assert "IDENTITY_SESSIONS, AUTH_TOKEN_TTL_SECONDS have no effect with AUTH_MODE=keys" in "\n".join(lines)


def test_anonymous_writes_are_named_as_ignored_in_passthrough() -> None:
    lines = posture_warnings(settings_of(auth_mode="passthrough", allow_anonymous_writes=True))
    assert lines == ["ALLOW_ANONYMOUS_WRITES is ignored with AUTH_MODE=passthrough: every request logs in"]


def test_unknown_names_in_dotenv_are_reported_with_a_close_match(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ROWS_KEYSPACE=sample\nCOMPOSE_PROJECT_NAME=demo\nprotect_reads=true\n")
    lines = unknown_settings(Settings.model_fields, env_file, environ={})
    assert lines == [
        f"{env_file} sets ROWS_KEYSPACE, which is no setting of this service (did you mean ROWS_KEYSPACES?)",
        f"{env_file} sets COMPOSE_PROJECT_NAME, which is no setting of this service",
    ]


def test_only_misspelt_looking_environment_variables_are_reported() -> None:
    environ = {"PROTECT_READ": "true", "CASSANDRA_HEAP": "1G", "HOME": "/root", "API_KEYS": KEY}
    assert unknown_settings(Settings.model_fields, None, environ=environ) == [
        "the environment sets PROTECT_READ, which is no setting of this service (did you mean PROTECT_READS?)"
    ]


def warnings_in(output: str) -> list[str]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line["msg"] for line in lines if line.get("level") == "warning"]


def test_a_real_start_up_warns_of_anonymous_reads_writes_and_a_misspelt_variable(
    settings: Settings, cql: Session, tmp_path: Path
) -> None:
    """Plain uvicorn (no --local-demo): the test env has no keys and ALLOW_ANONYMOUS_WRITES=true."""
    server = start_uvicorn(service_env(settings, PROTECT_READ="true"), tmp_path / "uvicorn.log")
    stop_server(server)
    warned = "\n".join(warnings_in(server.output()))
    assert "anonymous reads are on (PROTECT_READS is off): anyone who reaches the port reads keyspace(s)" in warned
    assert "anonymous writes are on (ALLOW_ANONYMOUS_WRITES=true, no API_KEYS or API_KEYS_FILE)" in warned
    assert "the environment sets PROTECT_READ, which is no setting of this service (did you mean PROTECT_READS?)" in (
        warned
    )


def test_a_keyed_start_up_warns_of_nothing_anonymous(settings: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    create_app(hardened_settings(settings, protect_reads=True))
    assert not [line for line in warnings_in(capfd.readouterr().err) if "anonymous" in line]


# ---- ROWS_API ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table(cql: Session) -> str:
    name = create_table(cql, "k text PRIMARY KEY, v int", prefix="switch")
    cql.execute(f"INSERT INTO {name} (k, v) VALUES ('a', 1)")
    return name


@pytest.fixture(scope="module")
async def read_only(settings: Settings) -> AsyncIterator[RowsApp]:
    async with rows_app(settings, rows_api="read") as running:
        yield running


@pytest.fixture(scope="module")
async def off(settings: Settings) -> AsyncIterator[RowsApp]:
    async with rows_app(settings, rows_api="off") as running:
        yield running


KEYED = {"x-cassandra-token": API_KEY}


async def test_read_only_serves_reads(read_only: RowsApp, settings: Settings, table: str) -> None:
    response = await read_only.client.get(f"/v2/keyspaces/{settings.keyspace}/{table}/a")
    assert (response.status_code, response.json()["data"]) == (200, [{"k": "a", "v": 1}])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "", {"k": "b", "v": 2}),
        ("PUT", "/a", {"v": 2}),
        ("PATCH", "/a", {"v": 2}),
        ("DELETE", "/a", None),
    ],
)
async def test_read_only_answers_every_write_verb_405_in_stargates_shape(
    read_only: RowsApp, settings: Settings, table: str, method: str, path: str, body: object
) -> None:
    url = f"/v2/keyspaces/{settings.keyspace}/{table}{path}"
    response = await read_only.client.request(method, url, json=body, headers=KEYED)
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD")
    assert response.json()["description"] == f"the rows API is read-only here (ROWS_API=read): {method} is not allowed"
    assert response.json()["code"] == 405


async def test_read_only_refuses_a_write_under_astras_prefix_too(
    read_only: RowsApp, settings: Settings, table: str
) -> None:
    url = f"/api/rest/v2/keyspaces/{settings.keyspace}/{table}"
    response = await read_only.client.post(url, json={"k": "c", "v": 3}, headers=KEYED)
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/v2/keyspaces/{ks}/{table}/a", "/v2/schemas/keyspaces", "/api/rest/v2/keyspaces"])
async def test_off_answers_404_in_stargates_shape_saying_why(
    off: RowsApp, settings: Settings, table: str, path: str
) -> None:
    response = await off.client.get(path.format(ks=settings.keyspace, table=table))
    assert response.status_code == 404
    assert response.json()["description"] == "the rows API is off here (ROWS_API=off)"


async def test_off_keeps_the_sample_and_the_probes(off: RowsApp) -> None:
    assert (await off.client.get("/plant/Plantago/afra")).status_code == 200
    assert (await off.client.get("/healthz")).status_code == 200


async def test_off_types_no_table_in_the_openapi_document(off: RowsApp, table: str) -> None:
    document = (await off.client.get("/openapi.json")).json()
    assert not [path for path in document["paths"] if table in path]


def test_the_switch_keeps_todays_behaviour_by_default() -> None:
    assert settings_of().rows_api == "readwrite"
