"""py-spy on the service while it serves point reads at concurrency 64, and while it streams 1M rows."""

from __future__ import annotations

import subprocess
import threading
import time

from bench import dataset
from bench.harness.common import RESULTS, log
from bench.harness.context import Context
from bench.harness.load import curl_stream, wrk
from bench.report.profile import summarise_profile
from bench.targets.http import OURS
from bench.tools.cpu_split import py_spy


def run(ctx: Context) -> None:
    seconds = ctx.args.seconds
    ours = ctx.shared[OURS]
    for name, load in (
        ("point-reads-c64", lambda: wrk(ours.url, "read.lua", 64, seconds)),
        ("stream-1m-ndjson", lambda: curl_stream(f"{ours.url}/plant/{dataset.MILLION}?format=ndjson")),
    ):
        out = RESULTS / f"profile-{name}.txt"
        command = [py_spy(), "record", "--pid", str(ours.pid), "--duration", f"{seconds:g}", "--format", "raw"]
        command += ["--output", str(out), "--nonblocking"]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        thread = threading.Thread(target=load)
        thread.start()
        thread.join()
        _, err = spy.communicate(timeout=seconds + 60)
        if spy.returncode != 0:
            log(f"py-spy failed ({err.strip()[:200]}); no profile for {name}")
            continue
        summarise_profile(out, RESULTS / f"profile-{name}.md")
        out.unlink()
        log(f"profile written: bench/results/profile-{name}.md")
