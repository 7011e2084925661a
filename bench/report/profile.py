"""py-spy's collapsed stacks as two short tables: where the samples were (self), and what they were under."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def summarise_profile(raw: Path, out: Path, top: int = 20) -> None:
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            under[frame] += int(count)
    lines = [
        f"# py-spy profile: {out.stem}",
        "",
        f"{total} samples (all threads).",
        "",
        "| self % | frame |",
        "| ---: | --- |",
    ]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in own.most_common(top)]
    lines += ["", "| inclusive % | frame |", "| ---: | --- |"]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in under.most_common(top)]
    out.write_text("\n".join(lines) + "\n")
