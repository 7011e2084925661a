"""scripts/loadtest against a real uvicorn, briefly: it reports, and its exit status follows the error threshold."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from cassandra.cluster import Session

from app.config import Settings
from loadtest.kit import parse_mix, percentile
from tests.support.app import API_KEY
from tests.support.processes import ROOT, Server, service_env, start_uvicorn, stop_server


@pytest.fixture(scope="module")
def keyed_server(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = service_env(settings, API_KEYS=API_KEY, UVICORN_ACCESS_LOG="false")
    running = start_uvicorn(env, tmp_path_factory.mktemp("loadtest") / "server.log")
    yield running
    stop_server(running)


def loadtest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "loadtest"), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_short_run_with_a_key_reports_and_exits_zero(keyed_server: Server, cql: Session) -> None:
    result = loadtest(
        keyed_server.url, "--duration", "3", "--concurrency", "4", "--rate", "60", "--api-key", API_KEY, "--seed", "1"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "throughput:" in out and "requests/s" in out
    for kind in ("read", "write", "stream"):
        assert f"\n{kind} " in out, out
    assert "p99 ms" in out and "time to first line" in out
    assert " 0 errors" in out
    written = [
        row
        for row in cql.execute("SELECT genus FROM plants PER PARTITION LIMIT 1")
        if row["genus"].startswith("loadtest_")
    ]
    assert written  # the writes went to a genus of their own


def test_errors_over_the_threshold_exit_non_zero(keyed_server: Server) -> None:
    result = loadtest(
        keyed_server.url,
        "--duration",
        "2",
        "--concurrency",
        "2",
        "--rate",
        "30",
        "--mix",
        "read=1,write=1",
        "--api-key",
        "not-the-key",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "write 401" in result.stdout


def test_an_unreachable_service_exits_2() -> None:
    result = loadtest("http://127.0.0.1:9", "--duration", "1")
    assert result.returncode == 2
    assert "cannot use" in result.stdout


def test_percentiles_and_mix_parsing() -> None:
    assert percentile([], 99) == 0.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert parse_mix("read=3,stream=1") == {"read": 3.0, "stream": 1.0}
    with pytest.raises(Exception, match="unknown kind"):
        parse_mix("delete=1")
