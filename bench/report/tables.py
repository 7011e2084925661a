"""What every results table uses: finding a row, a ratio, a verdict against a target, and number formats."""

from __future__ import annotations

import os
from typing import Any


def find(table: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    """The first row whose fields equal `match`, or None."""
    return next((r for r in table if all(r.get(k) == v for k, v in match.items())), None)


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def verdict(value: float | None, target: float, *, at_most: bool = False) -> str:
    if value is None:
        return "not measured"
    met = value <= target if at_most else value >= target
    return "met" if met else "**missed**"


def ms(value: float | None) -> str:
    """Latency for a table: n/a where wrk printed no such percentile (stored as NaN, or null once in JSON)."""
    return "n/a" if value is None or value != value else f"{value:.2f}"


def cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def load_averages(values: Any) -> str:
    return ", ".join(f"{x:.1f}" for x in values)


def run_line(results: dict[str, Any]) -> str:
    """`Run <when> on <machine>; load average at start a, b, c, at end d, e, f`: the opening of every page."""
    return (
        f"Run {results['started']} on {results['machine']}; load average at start "
        f"{load_averages(results['load_average'])}, at end {load_averages(results.get('load_average_end', ()))}"
    )


def target_table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """The `## Targets` table: what, target, measured, verdict."""
    head = ["## Targets", "", "| what | target | measured | verdict |", "| --- | --- | --- | --- |"]
    return head + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]


HEAD = ("started", "machine", "load_average", "seconds_per_point")


def only(results: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The run's heading fields and `keys` of the results, with the load average now."""
    return {key: results[key] for key in (*HEAD, *keys)} | {"load_average_end": os.getloadavg()}
