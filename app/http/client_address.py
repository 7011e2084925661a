"""The client address an access line names: the peer's own, or, behind trusted proxies (TRUSTED_PROXIES), the
rightmost `X-Forwarded-For` hop that is not one of them.

Every proxy appends the address it was called from, so only the hops our own proxies wrote can be believed: walked
from the right, the first address that is not a trusted proxy is the one the nearest trusted proxy saw. Anything to
its left is the client's own say and is ignored. The walk is bounded (the header's first `MAX_HEADER_BYTES`, at most
`MAX_HOPS` hops), so a long header costs nothing more. A hop that is not an address ends the walk at the last
address that was believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HEADER_BYTES = 2048
MAX_HOPS = 16
_REMEMBERED = 1024  # addresses whose trust is remembered, then forgotten all at once


class ClientAddress:
    """`client(scope)`: the address the access line names, or None when the server gave no peer."""

    def __init__(self, trusted: Sequence[IPNetwork] = ()) -> None:
        self.trusted = tuple(trusted)
        self._known: dict[str, bool] = {}

    def __call__(self, scope: Scope) -> str | None:
        peer = scope.get("client")
        host: str | None = peer[0] if peer else None
        if host is None or not self.trusted or not self._is_trusted(host):
            return host
        forwarded = b",".join(value for name, value in scope["headers"] if name == b"x-forwarded-for")
        if not forwarded:
            return host
        hops = forwarded[-MAX_HEADER_BYTES:].decode("latin-1").split(",")[-MAX_HOPS:]
        believed = host
        for hop in reversed(hops):
            address = _address(hop.strip())
            if address is None:
                return believed  # not an address: nothing left of it can be believed either
            believed = address
            if not self._is_trusted(address):
                return address
        return believed  # every hop was one of our proxies: the leftmost is as far as we can see

    def _is_trusted(self, host: str) -> bool:
        known = self._known.get(host)
        if known is None:
            address = _parsed(host)
            known = address is not None and any(address in network for network in self.trusted)
            if len(self._known) >= _REMEMBERED:
                self._known.clear()
            self._known[host] = known
        return known


def _parsed(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _address(hop: str) -> str | None:
    """One hop as an address, its brackets or port dropped (`[::1]:80`, `1.2.3.4:80`); None when it is not one."""
    if hop.startswith("["):
        hop = hop[1 : hop.find("]")] if "]" in hop else ""
    elif hop.count(":") == 1:
        hop = hop.split(":", 1)[0]
    parsed = _parsed(hop) if 0 < len(hop) <= 45 else None
    return None if parsed is None else str(parsed)
