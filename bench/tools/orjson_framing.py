"""Which orjson pattern frames a page fastest: one `dumps` per page, or one per row (what app/encoding.py's
ndjson_page was chosen by)."""

from __future__ import annotations

import functools
import timeit
from collections.abc import Callable

import orjson

from app.db.database import Row

Encoder = Callable[[list[Row]], bytes]


def ndjson_per_row_join(rows: list[Row]) -> bytes:
    return b"\n".join([orjson.dumps(row) for row in rows]) + b"\n"


def ndjson_per_row_newline(rows: list[Row]) -> bytes:
    return b"".join([orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in rows])


def ndjson_one_pass_split(rows: list[Row]) -> bytes:
    # One dumps per page, rows split at `},{"`; app.encoding.ndjson_page adds the check that makes it exact.
    return orjson.dumps(rows)[1:-1].replace(b'},{"', b'}\n{"') + b"\n"


def array_one_pass(rows: list[Row]) -> bytes:
    return orjson.dumps(rows)[1:-1]


def array_per_row(rows: list[Row]) -> bytes:
    return b",".join([orjson.dumps(row) for row in rows])


NDJSON: dict[str, Encoder] = {
    "per row, b'\\n'.join": ndjson_per_row_join,
    "per row, OPT_APPEND_NEWLINE + join": ndjson_per_row_newline,
    "one pass per page + split": ndjson_one_pass_split,
}
ARRAY: dict[str, Encoder] = {"one pass per page, [1:-1]": array_one_pass, "per row, b','.join": array_per_row}


def sample_pages(page_size: int) -> dict[str, list[Row]]:
    plants = [{"genus": "Bench", "species": f"s{i:07d}", "sightings": i} for i in range(page_size)]
    animals = [
        {
            "genus": "Vanessa",
            "species": f"s{i:07d}",
            "image_url": "https://imgur.com/WrPsKkD",
            "size_cm": 4.8,
            "sightings": i,
            "taxonomy": ["Arthropoda", "Insecta", "Lepidoptera", "Nymphalidae"],
        }
        for i in range(page_size)
    ]
    return {"plants": plants, "animals": animals}


def measure(page_size: int = 1000, repeat: int = 5) -> list[tuple[str, str, str, float]]:
    """(framing, table, encoder, rows per second), best of `repeat`."""
    results = []
    for table, rows in sample_pages(page_size).items():
        for framing, encoders in (("ndjson", NDJSON), ("json array", ARRAY)):
            for name, encode in encoders.items():
                number = max(1, 200_000 // page_size)
                best = min(timeit.repeat(functools.partial(encode, rows), number=number, repeat=repeat))
                results.append((framing, table, name, number * page_size / best))
    return results


def markdown(results: list[tuple[str, str, str, float]]) -> str:
    lines = ["| framing | rows | encoder | rows/s |", "| --- | --- | --- | ---: |"]
    lines += [f"| {f} | {t} | {n} | {r:,.0f} |" for f, t, n, r in results]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(measure()))
