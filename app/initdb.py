"""`python -m app.initdb`: what `scripts/init-db` runs."""

from __future__ import annotations

import argparse
import logging
import sys

from app.config import load_settings
from app.db.cluster import connect
from app.db.schema import apply_schema
from app.exceptions import StartupError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create the keyspace (self-hosted), the tables, and the sample data.")
    parser.add_argument("--no-sample-data", action="store_true", help="tables only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("cassandra").setLevel(logging.ERROR)
    try:
        settings = load_settings()
        cluster, session = connect(settings)
    except StartupError as exc:
        print(f"init-db: {exc}", file=sys.stderr)
        return 1
    try:
        apply_schema(session, settings, sample_data=not args.no_sample_data)
    except StartupError as exc:
        print(f"init-db: {exc}", file=sys.stderr)
        return 1
    finally:
        cluster.shutdown()
    print(f"==> Schema and sample data ready in keyspace {settings.keyspace} ({settings.describe})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
