"""The stand-in's secrets (CA and client keys, the token, the bundle, the env file) are 0600 from their first byte.

Before, they were written at the umask's mode (0644, or 0666 under umask 0) and chmod-ed afterwards: readable by
anyone for a moment. Here the writes run under umask 0 with every chmod disabled, so a file is 0600 only if it was
made 0600.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.support.processes import ROOT

WRITES = """
import os, pathlib, sys
os.umask(0)
def after_the_fact(*args, **kwargs):
    raise AssertionError("a secret file was made first and chmod-ed after")
os.chmod = os.fchmod = pathlib.Path.chmod = after_the_fact
from astra_local.stand_in import Layout, bundle, load_state, prepare, save_state
layout = Layout.from_env()
prepare(layout)                                   # certificates, state.json, the yaml
save_state(layout, {**load_state(layout), "host_id": "x"})  # state.json rewritten over itself
bundle(layout)                                    # the bundle zip and env
"""

SECRETS = [
    "tls/ca.key",
    "tls/server.key",
    "tls/server.pem",
    "tls/client.key",
    "state.json",
    "env",
    "secure-connect-astra-local.zip",
]


def test_secret_files_are_owner_only_from_the_first_byte(tmp_path: Path) -> None:
    home = tmp_path / "astra-local"
    env = {**os.environ, "ASTRA_LOCAL_DIR": str(home), "ASTRA_LOCAL_ADDRESS": "127.0.0.99"}
    done = subprocess.run(
        [sys.executable, "-c", WRITES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    modes = {name: stat.S_IMODE((home / name).stat().st_mode) for name in SECRETS}
    assert modes == dict.fromkeys(SECRETS, 0o600), {k: oct(v) for k, v in modes.items()}
    assert stat.S_IMODE((home / "tls").stat().st_mode) == 0o700
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert "token_secret" in json.loads((home / "state.json").read_text())
    assert not list(home.rglob("*.tmp")), "a partial file was left behind"


def test_a_keyspace_that_is_not_an_identifier_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "ASTRA_LOCAL_DIR": str(tmp_path), "ASTRA_LOCAL_KEYSPACE": "ks; DROP KEYSPACE system_auth"}
    done = subprocess.run(
        [sys.executable, "-m", "astra_local", "prepare"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "ASTRA_LOCAL_KEYSPACE='ks; DROP KEYSPACE system_auth' is not a CQL identifier" in done.stderr
