"""Debian packages a test needs (a browser, a balancer), installed with apt-get on first use where this process may.

CI is a fresh Debian machine where the tests run as root, so what a test needs is installed there; a developer's
machine without root (or password-less sudo) skips those tests with the reason instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess

APT_TIMEOUT = 900


def debian_binary(binary: str, package: str, *also: str) -> tuple[str | None, str]:
    """(the path of `binary`, "") once Debian's `package` (and the packages `also` named) is installed, or (None,
    why it cannot be)."""
    found = shutil.which(binary) or next(
        (path for path in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if os.access(path, os.X_OK)), None
    )
    if found:
        return found, ""
    if not shutil.which("apt-get"):
        return None, f"no {binary} on PATH and no apt-get to install Debian's {package}"
    sudo: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo") or subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0:
            return None, f"no {binary} on PATH, and installing Debian's {package} needs root or password-less sudo"
        sudo = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock_wait = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        [*sudo, "apt-get", *lock_wait, "update", "-qq"],
        [*sudo, "apt-get", *lock_wait, "install", "-y", "-qq", "--no-install-recommends", package, *also],
    ):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT)
        except subprocess.TimeoutExpired:
            return None, f"{' '.join(command)} did not finish within {APT_TIMEOUT} s"
        if done.returncode != 0:
            return None, f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    found = shutil.which(binary) or next(
        (path for path in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if os.access(path, os.X_OK)), None
    )
    return (found, "") if found else (None, f"apt-get installed {package}, yet there is no {binary}")
