"""A client that reads a stream at about RATE bytes/s for SECONDS and then hangs up (the slow-consumer case).

Usage: python -m bench.tools.slow_reader URL RATE SECONDS. Prints {"bytes": n, "seconds": s}.
"""

from __future__ import annotations

import socket
import sys
import time
from urllib.parse import urlsplit

import orjson

CHUNK = 16384


def main(url: str, rate: float, seconds: float) -> None:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80)) as sock:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sock.sendall(f"GET {target} HTTP/1.1\r\nhost: bench\r\naccept: application/x-ndjson\r\n\r\n".encode())
        received = 0
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            ahead = received / rate - elapsed
            if ahead > 0:
                time.sleep(min(ahead, seconds - elapsed))
                continue
            data = sock.recv(CHUNK)
            if not data:
                break
            received += len(data)
    sys.stdout.write(orjson.dumps({"bytes": received, "seconds": time.monotonic() - started}).decode() + "\n")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]))
