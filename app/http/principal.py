"""Who is calling, as the access line names them: the access check writes it into the request's scope, the
observability middleware reads it back when the request is done.

The principal is `app.access`'s ("anonymous", "key:<id>" or "key:<8 hex>"), or the caller's role name in
pass-through; never a token or a key. It lives in the scope itself, not in the lifespan's `state` (a server may share
that dict between requests).
"""

from __future__ import annotations

from starlette.types import Scope

PRINCIPAL_KEY = "app.principal"


def set_principal(scope: Scope, principal: str) -> None:
    scope[PRINCIPAL_KEY] = principal


def principal_of(scope: Scope) -> str | None:
    """The principal the access check named; None when no check ran (probes, docs, a refusal before it)."""
    principal = scope.get(PRINCIPAL_KEY)
    return principal if isinstance(principal, str) else None
