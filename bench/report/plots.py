"""The PNG plots (matplotlib, the `bench` extra, imported only when a plot is drawn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display)."""
    import matplotlib  # the bench extra: only the plots need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def barh(ax: Any, labels: list[str], values: list[float], *, xlabel: str, title: str) -> None:
    """One horizontal bar per value, the first on top."""
    ax.barh(labels, values)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=7)


def save(fig: Any, out: Path) -> None:
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    pyplot().close(fig)


def point_lines(point: list[dict[str, Any]], out: Path) -> None:
    """Requests/s against concurrency, one line per variant, reads and writes side by side."""
    plt = pyplot()
    from matplotlib.ticker import ScalarFormatter

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, work in zip(axes, ("read", "write"), strict=True):
        for variant in dict.fromkeys(r["variant"] for r in point):
            rows = [r for r in point if r["work"] == work and r["variant"] == variant]
            ax.plot([r["concurrency"] for r in rows], [r["rps"] for r in rows], marker="o", label=variant)
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(dict.fromkeys(r["concurrency"] for r in point)))
        ax.get_xaxis().set_major_formatter(ScalarFormatter())
        ax.set_xlabel("concurrency")
        ax.set_ylabel("requests/s")
        ax.set_title(f"point {work}s")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    save(fig, out)


def slow_consumer(slow: dict[str, Any], out: Path) -> None:
    """RSS growth and pages fetched ahead of sent, over the slow consumer's run."""
    fig, ax = pyplot().subplots(figsize=(8, 4))
    t = [s["t"] for s in slow["samples"]]
    ax.plot(t, [s["rss_growth_mb"] for s in slow["samples"]], label="RSS - idle (MB)")
    ax.plot(t, [s["ahead"] for s in slow["samples"]], label="pages fetched ahead of sent")
    ax.set_xlabel("seconds")
    ax.set_title(f"slow consumer at {slow['rate_mb_s']:.2f} MB/s, 1,000,000-row NDJSON stream")
    ax.legend()
    ax.grid(alpha=0.3)
    save(fig, out)
