"""What ships for deployment holds together, checked offline: the Kubernetes manifests, the Dockerfile, the balancer.

No cluster, container runtime or registry is reachable here, so the manifests are validated against the Kubernetes
schemas that kubernetes-validate ships (strict: an unknown field is an error), and their contents against the
service: every variable is a real setting, the probes are the real endpoints, the grace period outlasts the
drain. The Dockerfile is read, not built (tests/test_packaging.py runs its install line). haproxy's config is
checked by haproxy itself, then used for real in front of a live instance and a dead one.
"""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from app.config import Settings
from tests.support import dockerfile
from tests.support.balancer import running_balancer
from tests.support.debian import debian_binary
from tests.support.processes import ROOT, Server

K8S = ROOT / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
# The oldest Kubernetes minor still supported upstream when this was written, and the newest the package knows.
K8S_VERSIONS = ["1.30.0", kubernetes_validate.utils.latest_version()]
SETTINGS = {name.upper() for name in Settings.model_fields}


def documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def one(kind: str) -> dict[str, Any]:
    [found] = [doc for doc in documents() if doc["kind"] == kind]
    return found


def container() -> dict[str, Any]:
    [api] = one("Deployment")["spec"]["template"]["spec"]["containers"]
    return dict(api)


def env() -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container()["env"]}


# ---- the Kubernetes manifests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_each_manifest_is_valid_against_the_kubernetes_schemas(path: Path, version: str) -> None:
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    assert docs
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.name} ({doc['kind']}), Kubernetes {version}: {exc.message} at {list(exc.path)}")


def test_the_manifests_are_a_deployment_a_service_an_autoscaler_and_a_disruption_budget() -> None:
    assert sorted(doc["kind"] for doc in documents()) == [
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
    ]


def test_the_service_the_autoscaler_and_the_budget_point_at_the_deployment() -> None:
    deployment = one("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert one("Service")["spec"]["selector"].items() <= labels.items()
    assert one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    ports = {port["name"]: port["containerPort"] for port in container()["ports"]}
    assert [port["targetPort"] for port in one("Service")["spec"]["ports"]] == ["http"]
    assert ports == {"http": 8000}  # python -m app's default port, which the image's command keeps


def test_every_variable_of_the_deployment_is_a_setting() -> None:
    names = set(env())
    assert names, "the Deployment sets no variable"
    assert names <= SETTINGS, f"not settings of app/config/: {sorted(names - SETTINGS)}"


def test_liveness_is_healthz_and_readiness_is_readyz() -> None:
    api = container()
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_the_grace_period_outlasts_the_pre_stop_pause_and_the_drain() -> None:
    pod = one("Deployment")["spec"]["template"]["spec"]
    command = container()["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pause = float(command[1])
    given = env().get("SHUTDOWN_DRAIN_SECONDS", {}).get("value")
    drain = float(given) if given is not None else Settings.model_fields["shutdown_drain_seconds"].default
    # Kubernetes counts the preStop hook inside the grace period; then SIGTERM, the drain, closing the driver.
    assert pod["terminationGracePeriodSeconds"] >= pause + drain + 5


def test_the_astra_token_the_api_keys_and_the_page_state_secret_come_from_secrets() -> None:
    variables = env()
    for name in ("ASTRA_DB_CLIENT_ID", "ASTRA_DB_CLIENT_SECRET", "API_KEYS", "PAGE_STATE_SECRET"):
        assert "secretKeyRef" in variables[name].get("valueFrom", {}), f"{name} is not read from a Secret"
        assert "value" not in variables[name]


def test_the_bundle_is_a_secret_volume_and_the_temp_dir_an_empty_dir() -> None:
    pod = one("Deployment")["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in container()["volumeMounts"]}
    bundle = Path(env()["ASTRA_DB_SECURE_BUNDLE_PATH"]["value"])
    assert "secret" in volumes[mounts[str(bundle.parent)]]
    # The driver unzips the bundle into tempfile.gettempdir(): /tmp unless TMPDIR says otherwise (a Settings
    # check above keeps TMPDIR out of the env, so it is /tmp), writable under the read-only root filesystem.
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert container()["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_pod_runs_as_the_images_non_root_user() -> None:
    pod = one("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    user = dockerfile.instructions(final_stage())["USER"][-1].split(":")[0]
    assert str(pod["securityContext"]["runAsUser"]) == user != "0"


# ---- the Dockerfile -----------------------------------------------------------------------------------------------


def final_stage() -> list[str]:
    return dockerfile.stages()[-1]


def test_the_image_runs_python_m_app_on_all_interfaces_as_a_non_root_user() -> None:
    final = dockerfile.instructions(final_stage())
    assert json.loads(final["CMD"][-1]) == ["python", "-m", "app", "--host", "0.0.0.0"]
    assert "ENTRYPOINT" not in final
    user = final["USER"][-1]
    assert user.split(":")[0] not in ("0", "root")
    assert final["EXPOSE"] == ["8000"]


def test_the_image_is_a_slim_python_and_checks_healthz() -> None:
    lines = dockerfile.lines()
    args = {line.split()[1].split("=")[0]: line.split("=", 1)[1] for line in lines if line.startswith("ARG ")}
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    for base in bases:
        image = args.get(base.strip("${}"), base)
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", image), image
    healthcheck = dockerfile.instructions(final_stage())["HEALTHCHECK"][-1]
    assert "CMD" in healthcheck and "http://127.0.0.1:8000/healthz" in healthcheck


def test_the_image_installs_with_the_command_scripts_setup_runs() -> None:
    """The build stage runs scripts/install-locked with the runtime lock, as _lib.sh runs it with the test lock."""
    command = dockerfile.install_command(dockerfile.stages()[0])
    assert command == ["scripts/install-locked", "/opt/venv/bin/python", "requirements.lock"]
    lib = (ROOT / "scripts" / "_lib.sh").read_text()
    assert 'scripts/install-locked .venv/bin/python "$lock" --editable' in lib


def test_every_file_the_dockerfile_copies_is_in_the_build_context() -> None:
    kept = {line[1:].strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")}
    copied = dockerfile.copied_sources(dockerfile.stages()[0])
    assert copied
    for source in copied:
        assert source in kept, f"{source} is copied but .dockerignore leaves it out of the build context"
        assert (ROOT / source).exists(), source


# ---- the balancer ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def haproxy() -> str:
    binary, why = debian_binary("haproxy", "haproxy")
    if binary is None:
        pytest.skip(f"no haproxy can be had here: {why}")
    return binary


def haproxy_config() -> str:
    """The config without its comments."""
    return re.sub(r"\s*#.*$", "", HAPROXY_CFG.read_text(), flags=re.M)


def test_haproxy_accepts_the_config(haproxy: str) -> None:
    done = subprocess.run([haproxy, "-c", "-f", str(HAPROXY_CFG)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_balancer_checks_readyz_retries_and_redispatches() -> None:
    config = haproxy_config()
    assert re.search(r"^\s*option httpchk GET /readyz\s*$", config, re.M)
    assert re.search(r"^\s*http-check expect status 200\s*$", config, re.M)
    assert re.search(r"^\s*default-server check\b", config, re.M)
    assert re.search(r"^\s*option redispatch\b", config, re.M)
    retries = re.search(r"^\s*retries (\d+)", config, re.M)
    assert retries and int(retries.group(1)) >= 1
    retry_on = re.search(r"^\s*retry-on (.+?)\s*$", config, re.M)
    assert retry_on and {"conn-failure", "empty-response"} <= set(retry_on.group(1).split())
    for timeout in ("connect", "client", "server", "http-request", "queue", "check"):
        assert re.search(rf"^\s*timeout {timeout} \d+m?s\b", config, re.M), f"no timeout {timeout}"


class StandIn(http.server.BaseHTTPRequestHandler):
    """An instance that answers everything, /readyz included, until it is shut down: then its port refuses."""

    def do_GET(self) -> None:
        body = b'{"status": "stand-in"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def balanced(haproxy: str, server: Server, tmp_path: Path) -> Iterator[tuple[str, Path, http.server.HTTPServer]]:
    """haproxy with deploy/haproxy.cfg in front of a stand-in instance (api1) and the session's live one (api2)."""
    stand_in = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    api1, api2 = f"127.0.0.1:{stand_in.server_address[1]}", server.url.removeprefix("http://")
    try:
        with running_balancer(haproxy, api1, api2, tmp_path / "haproxy.log") as balancer:
            yield balancer.url, balancer.log, stand_in
    finally:
        stand_in.server_close()


def test_through_the_balancer_an_instance_that_went_away_costs_no_request(
    balanced: tuple[str, Path, http.server.HTTPServer],
) -> None:
    """An instance that stops listening fails nothing, before and after its health checks mark it down: every
    connection it refuses is retried on the other instance (retry-on conn-failure, redispatch)."""
    url, log, stand_in = balanced
    served_by = {httpx.get(f"{url}/healthz", timeout=5).json()["status"] for _ in range(6)}
    assert served_by == {"ok", "stand-in"}, "haproxy does not send requests to both instances"
    stand_in.shutdown()
    stand_in.server_close()  # its port now refuses connections; haproxy's checks notice within about 2 s
    answers = [httpx.get(f"{url}/plant/Plantago/afra", timeout=10) for _ in range(40)]
    assert [a.status_code for a in answers] == [200] * 40
    assert all(a.headers.get("x-request-id") for a in answers)
    listing = httpx.get(f"{url}/plant/Plantago", headers={"Accept": "application/x-ndjson"}, timeout=30)
    assert len(listing.text.splitlines()) == 88
    # httplog's retries field: "+1" for a request that was redispatched after its first server refused it.
    redispatched = re.findall(r" \d+/\d+/\d+/\d+/\+\d+ .*\"GET /plant/Plantago/afra ", log.read_text())
    assert redispatched, f"no request met the stand-in's refusal, so nothing was retried:\n{log.read_text()}"
    print(f"\n{len(redispatched)} of 40 requests were refused by the stopped instance and retried on the other")
