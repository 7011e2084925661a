"""One log format for the whole process: the app's, uvicorn's and the driver's records are all JSON lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
from cassandra.cluster import Session

from app.config import Settings
from tests.support.processes import ROOT, Server, free_port, service_env, stop_server, wait_until_answering


def test_every_line_of_a_served_process_is_json(settings: Settings, cql: Session, tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    port = free_port()
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--port", str(port)],
            cwd=ROOT,
            env=service_env(settings, LOG_LEVEL="info"),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = wait_until_answering(Server(f"http://127.0.0.1:{port}", process, log), "/readyz", 60)
    stop_server(server)
    lines = server.output().splitlines()
    records = [orjson.loads(line) for line in lines]  # raises on any plain-text line
    loggers = {record["logger"] for record in records}
    assert {"app", "uvicorn.error"} <= loggers, loggers
    assert any(record["msg"].startswith("Started server process") for record in records)
