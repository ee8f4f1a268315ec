"""What every benchmark measures the same way: wall and CPU time per run, and the median of interleaved repeats
with the min and max beside it (so a loaded machine shows as a wide spread, not as a different figure).

CPU time is this process's (`time.process_time`, every thread) plus, when given, other processes' on this
machine read from `/proc/<pid>/stat`: a server process, the PostgreSQL backends serving the run. It is what the
work cost whatever else the machine was doing; wall time is what a user waits.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a process on this machine has used so far; None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)


def pids_named(name: str) -> list[int]:
    """The pids of the processes on this machine whose command name (`/proc/<pid>/comm`) is `name`, e.g.
    `nats-server`; empty when there is none (or no `/proc`)."""
    out = []
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/comm") as f:
                    if f.read().strip() == name:
                        out.append(int(entry.name))
            except OSError:
                continue
    return out


CpuSource = Callable[[], dict[int, float]]
"""Cumulative CPU seconds of other processes by pid (a pid that appears later counts from zero)."""


@dataclass(frozen=True)
class Run:
    """One timed run: `items` done in `wall` seconds, costing `cpu` CPU seconds."""

    items: int
    wall: float
    cpu: float

    @property
    def rate(self) -> float:
        """Items per wall-clock second."""
        return self.items / self.wall

    @property
    def cpu_rate(self) -> float:
        """Items per CPU second."""
        return self.items / self.cpu if self.cpu > 0 else float("nan")


@dataclass
class Timer:
    """What `timed` yields: set `items` inside the block; `run` is filled in when it ends."""

    items: int = 0
    run: Run = field(default_factory=lambda: Run(0, float("nan"), float("nan")))


@contextmanager
def timed(items: int = 0, others: Iterable[CpuSource] = ()) -> Iterator[Timer]:
    """Time the block: wall clock, this process's CPU and the CPU of `others` (servers, database backends)."""
    sources = list(others)
    before = [s() for s in sources]
    timer = Timer(items)
    wall, cpu = time.perf_counter(), time.process_time()
    yield timer
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for source, start in zip(sources, before, strict=True):
        now = source()
        cpu += sum(max(0.0, v - start.get(pid, 0.0)) for pid, v in now.items())
    timer.run = Run(timer.items, wall, cpu)


@dataclass(frozen=True)
class Spread:
    """The median of repeated figures with their min and max."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread:
        xs = [v for v in values if v == v]  # drop NaN (a figure that could not be measured)
        if not xs:
            return cls(float("nan"), float("nan"), float("nan"))
        return cls(statistics.median(xs), min(xs), max(xs))

    def show(self, fmt: str = ",.0f", unit: str = "") -> str:
        """`median (min–max)`, or just the median when all repeats agree to the shown precision."""
        if self.median != self.median:
            return "n/a"
        m, lo, hi = (format(x, fmt) + unit for x in (self.median, self.low, self.high))
        return m if lo == hi else f"{m} [dim]({lo}–{hi})[/]"


def ratios(num: Iterable[float], den: Iterable[float]) -> Spread:
    """Per-repeat ratios `num[i] / den[i]` (both measured in the same repeat), as a spread."""
    return Spread.of(a / b if b else float("nan") for a, b in zip(num, den, strict=True))


def pct(values: list[float], q: float) -> float:
    """The `q` quantile (0–1) of `values`, nearest rank."""
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# --- instruction counts: what a run costs, independent of the machine's load -------------------------------------

_COLLECTED = re.compile(r"Collected\s*:\s*([\d,]+)")


def callgrind_counts(code: str, steps: dict[str, list[str]]) -> dict[str, int]:
    """Instructions executed by `python -c code ARGS` under valgrind's callgrind, for each step's ARGS, the steps
    run side by side as separate processes. Deterministic: the same count whatever else the machine runs (hash
    seed fixed, so set and dict orders repeat too). A benchmark subtracts a set-up step's count from a step's to
    count the timed part alone. Raises RuntimeError when valgrind is missing or a step fails (its stderr's tail)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("valgrind is not installed (Debian: apt-get install valgrind)")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    procs = {
        step: subprocess.Popen(
            [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for step, args in steps.items()
    }
    counts: dict[str, int] = {}
    for step, proc in procs.items():
        _, err = proc.communicate()
        found = _COLLECTED.findall(err)
        if proc.returncode != 0 or not found:
            raise RuntimeError(f"the {step!r} step failed under callgrind:\n{err[-2000:]}")
        counts[step] = int(found[-1].replace(",", ""))
    return counts
