# syntax=docker/dockerfile:1
# The service's image: one process per container, `python -m app --host 0.0.0.0` on port 8000 (docs/deployment.md).
#
# Never built where it was written: that machine reaches no container runtime and no image registry. What is
# tested there is everything below that is not Docker itself: tests/test_packaging.py runs this file's install
# line (scripts/install-locked with requirements.lock, into a fresh venv, from the files copied here), then serves
# from the installed package, from another directory; tests/test_deploy.py checks this file's shape.
#
#   docker build -t cassandra-sample-api:1.0.0 .
#   docker run --rm -p 8000:8000 -e CASSANDRA_CONTACT_POINTS=10.0.0.1 cassandra-sample-api:1.0.0

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the venv, from the hash-checked lock, with the project installed (not editable) into it -------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md LICENSE requirements.lock ./
COPY scripts/install-locked scripts/
COPY schema schema
COPY app app
# The same command scripts/setup runs (there with requirements-test.lock and --editable).
RUN --mount=type=cache,target=/root/.cache/pip scripts/install-locked /opt/venv/bin/python requirements.lock

# ---- run: the venv on a fresh slim base, a non-root user, nothing else ---------------------------------------------
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
# An empty working directory: no .env is read unless you mount one here. The driver unzips an Astra bundle into
# the temp dir (/tmp): keep it writable, e.g. an emptyDir under a read-only root filesystem.
WORKDIR /srv
USER 10001:10001
EXPOSE 8000
# /healthz: the process is up (liveness). Readiness, "a query reaches Cassandra", is /readyz: for the balancer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# SIGTERM: refuse new connections, drain for SHUTDOWN_DRAIN_SECONDS, close the driver (give the runtime longer).
STOPSIGNAL SIGTERM
CMD ["python", "-m", "app", "--host", "0.0.0.0"]
