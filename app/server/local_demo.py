"""`--local-demo` (scripts/run): anonymous writes for the node scripts/run starts itself, and for nothing else; and,
served on loopback, answers for `Host: localhost` or a loopback address only (LOOPBACK_HOSTS_ONLY: DNS rebinding).

The decisions are made once, in the launcher, and reach the workers through the environment they inherit.
"""

from __future__ import annotations

import logging
import os

from app.config import Mode, Settings, is_loopback

log = logging.getLogger("app.launcher")


def why_not_local_demo(settings: Settings, host: str) -> str | None:
    """None when this is the local demo: the node scripts/run starts (no CASSANDRA_CONTACT_POINTS configured, no
    password), every contact point and the listening address loopback. Otherwise why anonymous writes stay closed."""
    if settings.mode is Mode.ASTRA:
        return "the database is Astra DB"
    if "cassandra_contact_points" in settings.model_fields_set:
        return "CASSANDRA_CONTACT_POINTS names a cluster of your own, not the local demo node"
    if settings.cassandra_username:
        return "Cassandra is configured with CASSANDRA_USERNAME"
    remote = [point for point in settings.cassandra_contact_points if not is_loopback(point)]
    if remote:
        return f"the contact point {remote[0]} is not a loopback address"
    if not is_loopback(host):
        return f"the service listens on {host}, not on a loopback address"
    return None


def apply_local_demo(settings: Settings, host: str) -> bool:
    """Anonymous writes on for the local demo node, if that is safe.

    Configured keys, an explicit ALLOW_ANONYMOUS_WRITES or AUTH_MODE=passthrough (never anonymous) always win.
    Returns whether writes were opened."""
    _loopback_hosts_only(settings, host)
    if settings.api_keys or "allow_anonymous_writes" in settings.model_fields_set or settings.auth_mode != "keys":
        return False
    reason = why_not_local_demo(settings, host)
    if reason is None:
        os.environ["ALLOW_ANONYMOUS_WRITES"] = "true"
        log.warning(
            "writes are open to anyone (the local demo: a local node, served on %s): set API_KEYS=key1,key2 to "
            "require a key",
            host,
        )
        return True
    log.warning(
        "writes are closed: %s, so the local demo's anonymous writes stay off. Set API_KEYS=key1,key2 to accept "
        "writes with a key, or ALLOW_ANONYMOUS_WRITES=true to let anyone who reaches %s write",
        reason,
        host,
    )
    return False


def _loopback_hosts_only(settings: Settings, host: str) -> None:
    """Served on loopback, the demo answers loopback Host headers only, unless LOOPBACK_HOSTS_ONLY says otherwise."""
    if is_loopback(host) and "loopback_hosts_only" not in settings.model_fields_set:
        os.environ["LOOPBACK_HOSTS_ONLY"] = "true"
