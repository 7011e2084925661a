"""`python -m app`: check the configuration, then serve with uvicorn (what `scripts/run` execs)."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from app.config import load_settings
from app.errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level,
        timeout_graceful_shutdown=30,
    )
    return 0  # a failed start-up never gets here: uvicorn exits with status 3 itself


if __name__ == "__main__":
    sys.exit(main())
