"""Cassandra refusing the service itself rather than one request: its credentials, or its role's permissions.

Neither gets better by retrying, so neither is a 503 with `Retry-After` (`app.db.errors`). Both are logged once at
error level when they begin (not once per request), counted in `app_database_refusals_total{kind}`, and make
`/readyz` fail:

- **authentication**: a connection attempt was refused (a revoked or expired Astra token, a changed password). The
  driver authenticates once per connection, so open connections keep working and only reconnections fail. The
  state is the last attempt's: the next accepted connection (the driver keeps reconnecting, with backoff) clears
  it. `app_database_credentials_refused` is 1 meanwhile.
- **permission**: Cassandra refused a statement to the role (`Unauthorized`). Readiness fails for the service's own
  statements (`essential`), until one runs again or `PERMISSION_HOLD_SECONDS` pass, so that a process out of
  rotation gets traffic again to find out. A rows API statement names a table of the client's choosing: it is
  answered and counted the same way, but never takes the process out of rotation.

The Secure Connect Bundle's client certificate expiry is exported here too (`app_astra_client_cert_not_after_seconds`).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from cryptography import x509
from prometheus_client import Counter, Gauge

from app.db.errors import auth_failed, permission_denied, server_message
from app.exceptions import DatabaseError

log = logging.getLogger("app.db")

PERMISSION_HOLD_SECONDS = 30.0
MAX_TRACKED_STATEMENTS = 1024
CERT_WARN_DAYS = 30

REFUSALS = Counter(
    "app_database_refusals_total",
    "refusals of the service itself: connection attempts whose credentials were refused (authentication), "
    "statements refused to its role (permission)",
    ["kind"],
)
CREDENTIALS_REFUSED = Gauge(
    "app_database_credentials_refused",
    "1 while the last connection attempt's credentials were refused, until one is accepted",
    multiprocess_mode="livemax",
)
CERT_NOT_AFTER = Gauge(
    "app_astra_client_cert_not_after_seconds",
    "Unix time at which the Secure Connect Bundle's client certificate expires",
    multiprocess_mode="livemin",
)


class Refusals:
    """What Cassandra currently refuses the service: written from the driver's IO threads and the event loop."""

    def __init__(self, *, hold: float = PERMISSION_HOLD_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._hold = hold
        self._clock = clock
        self._ever_accepted = False
        self.credentials: str | None = None  # Cassandra's words for the last refused attempt, while refused
        self._denied: dict[str, float] = {}  # statement text -> when it was last refused
        self._essential: frozenset[str] = frozenset()

    # ---- authentication (the driver's IO threads) -------------------------------------------------------------

    def connection_refused(self, exc: BaseException) -> None:
        REFUSALS.labels("authentication").inc()
        with self._lock:
            began = self.credentials is None
            self.credentials = server_message(exc)
        CREDENTIALS_REFUSED.set(1)
        # At start-up (nothing accepted yet) the start-up failure says it in one line of its own.
        if began and self._ever_accepted:
            log.error(
                "Cassandra refused the service's credentials on reconnecting: %s. Requests that need a new "
                "connection answer 502 database_auth_failed and /readyz fails until a connection is accepted again: "
                "renew ASTRA_DB_CLIENT_SECRET (or CASSANDRA_PASSWORD) and restart",
                self.credentials,
            )

    def connection_accepted(self) -> None:
        with self._lock:
            ended = self.credentials is not None
            self.credentials = None
            self._ever_accepted = True
        if ended:
            CREDENTIALS_REFUSED.set(0)
            log.warning("Cassandra accepts the service's credentials again")

    @property
    def credentials_refused(self) -> bool:
        return self.credentials is not None

    # ---- permissions (the event loop) -------------------------------------------------------------------------

    def set_essential(self, statements: Iterable[str]) -> None:
        """The statements without which the service cannot serve (not the rows API's)."""
        self._essential = frozenset(statements)

    @property
    def any_denied(self) -> bool:
        return bool(self._denied)

    def permission_denied(self, statement: str, exc: BaseException) -> None:
        REFUSALS.labels("permission").inc()
        now = self._clock()
        self._forget_older_than(now - self._hold)
        began = not self._denied
        if statement in self._denied or len(self._denied) < MAX_TRACKED_STATEMENTS:
            self._denied[statement] = now
        if began:
            log.error(
                "Cassandra refused a statement to the service's role: %s. Such requests answer 502 "
                "database_permission_denied%s: grant the role what it needs (logged once until it works again)",
                server_message(exc),
                " and /readyz fails" if statement in self._essential else "",
            )

    def permission_ok(self, statement: str) -> None:
        if self._denied.pop(statement, None) is not None and not self._denied:
            log.warning("Cassandra runs the service's statements again: no permission is missing any more")

    def _forget_older_than(self, limit: float) -> None:
        for statement in [s for s, at in self._denied.items() if at < limit]:
            del self._denied[statement]

    # ---- readiness ------------------------------------------------------------------------------------------

    def problem(self) -> DatabaseError | None:
        """Why the service is not ready although Cassandra may answer: refused credentials, a missing permission."""
        if self.credentials is not None:
            return auth_failed()
        limit = self._clock() - self._hold
        if any(at >= limit for statement, at in self._denied.items() if statement in self._essential):
            return permission_denied()
        return None


def bundle_certificate_not_after(bundle: Path) -> datetime.datetime:
    """When the bundle's client certificate (`cert` at the zip's root) expires."""
    with zipfile.ZipFile(bundle) as archive:
        pem = archive.read("cert")
    return x509.load_pem_x509_certificate(pem).not_valid_after_utc


def watch_bundle_certificate(bundle: Path, *, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Export the client certificate's expiry, and warn when fewer than CERT_WARN_DAYS remain."""
    try:
        not_after = bundle_certificate_not_after(bundle)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        log.warning("cannot read the client certificate of the Secure Connect Bundle %s: %s", bundle, exc)
        return None
    CERT_NOT_AFTER.set(not_after.timestamp())
    left = not_after - (now or datetime.datetime.now(datetime.UTC))
    if left < datetime.timedelta(days=CERT_WARN_DAYS):
        days = left.total_seconds() / 86_400
        log.warning(
            "the Secure Connect Bundle's client certificate expires on %s (%s): download a new bundle from the "
            "Astra console and roll it out (a restart reads it) before then",
            not_after.isoformat(),
            f"in {days:.1f} days" if days >= 0 else f"{-days:.1f} days ago",
        )
    return not_after
