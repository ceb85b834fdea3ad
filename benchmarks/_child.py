"""Run one benchmark step in a child process; measure its wall time and peak memory.

The parent starts ``python <script> --child ...``, waits for it with :func:`os.wait4`
(the kernel's ``ru_maxrss`` of exactly that child, not the maximum over all children
that ``RUSAGE_CHILDREN`` gives) and kills it at a timeout.  The child writes its
result as JSON to the file named by ``--out`` (:func:`emit`), so large results never
sit in a pipe.

Caveat, measured here: Linux records in a child's ``ru_maxrss`` the high-water mark of
the memory map that ``exec`` replaces, which after ``vfork`` is the *parent's*.  So
``ru_maxrss`` is at least the parent's peak; keep the parent small (generate data in a
child too) or read ``VmHWM`` of the child itself, which starts afresh at ``exec``.  The
parent samples the child's ``/proc/<pid>/status`` while it waits (``hwm_mb``), and
children report their own ``VmHWM`` at the end (:func:`memory_mb`).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ChildRun:
    """What the parent learns about one child."""

    status: str  # "ok", "timeout" or "error"
    wall_s: float  # from start to exit, seen by the parent (includes interpreter start)
    maxrss_mb: float  # ru_maxrss of the child in MB (10⁶ bytes; kernel, via wait4)
    hwm_mb: float  # the child's VmHWM, last seen by the parent while it ran (MB)
    result: dict[str, Any] = field(default_factory=dict)  # what the child emitted
    log: str = ""  # the tail of the child's stdout + stderr


def run_child(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> ChildRun:
    """Run ``python argv... --out FILE`` with a timeout; never raises for the child's failure.

    ``env`` adds variables to the parent's environment for this child only.
    """
    with tempfile.TemporaryDirectory(prefix="jm-bench-") as tmp:
        out, log = Path(tmp) / "result.json", Path(tmp) / "log.txt"
        with log.open("wb") as fh:
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, *argv, "--out", str(out)], stdout=fh,
                                    stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
            timed_out = False
            hwm = 0.0
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                hwm = max(hwm, _status_mb(proc.pid, "VmHWM"))
                if time.perf_counter() - start > timeout:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    timed_out = True
                    break
                time.sleep(0.02)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        text = log.read_text(errors="replace")
        maxrss = usage.ru_maxrss * 1024 / 1e6  # KiB on Linux
        if timed_out:
            return ChildRun("timeout", wall, maxrss, hwm, log=text[-2000:])
        if proc.returncode != 0 or not out.exists():
            return ChildRun("error", wall, maxrss, hwm, log=text[-2000:])
        return ChildRun("ok", wall, maxrss, hwm, json.loads(out.read_text()), text[-2000:])


def _status_mb(pid: int | str, field_name: str) -> float:
    """A ``VmHWM`` / ``VmRSS`` line of /proc/<pid>/status in MB (0 when unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def memory_mb(field_name: str = "VmHWM") -> float:
    """This process's ``VmHWM`` (peak) or ``VmRSS`` (now) from /proc, in MB (10⁶ bytes)."""
    return _status_mb("self", field_name) or (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6)


def emit(path: str, payload: dict[str, Any]) -> None:
    """Write a child's result (JSON) for :func:`run_child`."""
    Path(path).write_text(json.dumps(payload))
