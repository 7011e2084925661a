"""The uvicorn targets each section runs, by the name the results use."""

from __future__ import annotations

OURS = "a: this service"
HTTP_VARIANTS = {
    OURS: "app.main:app",
    "b: blocking in async def (sample)": "bench.targets.baselines.blocking:app",
    "c: def endpoints (thread pool)": "bench.targets.baselines.threadpool:app",
    "f: bare FastAPI route (reference)": "bench.targets.baselines.floor:app",
}
CLIENT_VARIANTS = {"d: driver alone (our bridge)": "driver", "e: acsylla alone": "acsylla"}
SPLIT_VARIANTS = {OURS: "app.main:app", "f: bare FastAPI route (reference)": "bench.targets.baselines.floor:app"}

# A/B groups: name -> (uvicorn target, environment). The first of each group is the reference the others are
# compared with.
VARIANTS_APP = "bench.targets.variants:app"
LOOP = {"DRIVER_IO": "loop"}
CUTS_HTTP: dict[str, tuple[str, dict[str, str]]] = {
    "a, DRIVER_IO=loop, every cut": ("app.main:app", LOOP),
    "a, DRIVER_IO=libev, every cut": ("app.main:app", {"DRIVER_IO": "libev"}),
    "a, loop, protocol v5 (cut undone)": ("app.main:app", {**LOOP, "CASSANDRA_PROTOCOL_VERSION": "5"}),
    "a, loop, the bridge before these cuts": (VARIANTS_APP, {**LOOP, "BENCH_UNDO": "bridge"}),
    "a, libev, the bridge before these cuts": (VARIANTS_APP, {"DRIVER_IO": "libev", "BENCH_UNDO": "bridge"}),
    "a, loop, ResultSet per reply (cut undone)": (VARIANTS_APP, {**LOOP, "BENCH_UNDO": "resultset"}),
    "a, loop, one send per request (cut undone)": (VARIANTS_APP, {**LOOP, "BENCH_UNDO": "coalesce"}),
    "a, loop, point reads without paging (tried)": (VARIANTS_APP, {**LOOP, "BENCH_DO": "point-unpaged"}),
}
MIDDLEWARES = ("Edge", "HotRoutes")  # the edge's steps are one layer; without HotRoutes, the router serves all
MIDDLEWARE_HTTP: dict[str, tuple[str, dict[str, str]]] = {
    OURS: ("app.main:app", {}),
    "a, no middleware at all": (VARIANTS_APP, {"BENCH_DROP_MIDDLEWARE": "all"}),
    **{f"a without {m}": (VARIANTS_APP, {"BENCH_DROP_MIDDLEWARE": m}) for m in MIDDLEWARES},
}


def astra_http(astra_env: dict[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    """(a) and (f) through the Astra bundle (TLS, SNI, token auth) and over plain TCP, both DRIVER_IO values."""
    http: dict[str, tuple[str, dict[str, str]]] = {}
    for io in ("libev", "loop"):
        for key, target in (("a", "app.main:app"), ("f", "bench.targets.baselines.floor:app")):
            http[f"{key}, plain TCP, DRIVER_IO={io}"] = (target, {"DRIVER_IO": io})
            http[f"{key}, TLS via the Astra bundle, DRIVER_IO={io}"] = (target, {"DRIVER_IO": io, **astra_env})
    return http
