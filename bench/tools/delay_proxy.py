"""A TCP proxy that delays every answer from Cassandra by a fixed time: a database that is not on this machine.

Usage: python -m bench.tools.delay_proxy LISTEN_PORT TARGET_PORT DELAY_MS (on 127.0.0.1). Requests pass at once;
answers are held DELAY_MS, in order, so each round trip to Cassandra takes DELAY_MS longer. Runs until SIGTERM or
SIGINT. The proxy itself is bench/harness/proxy.py's TcpProxy (here on a uvloop loop), the one the tests cut.
"""

from __future__ import annotations

import signal
import sys

import uvloop

from bench.harness.proxy import TcpProxy


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        sys.exit(__doc__)
    listen_port, target_port, delay_ms = int(argv[0]), int(argv[1]), float(argv[2])
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # before the proxy's thread starts: it inherits the mask
    proxy = TcpProxy(
        "127.0.0.1", listen_port, "127.0.0.1", target_port, delay=delay_ms / 1000, loop_factory=uvloop.new_event_loop
    )
    try:
        signal.sigwait(stop)
    finally:
        proxy.close()


if __name__ == "__main__":
    main(sys.argv[1:])
