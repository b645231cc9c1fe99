"""Side-by-side measurement: alternate the variants, repeat, report best-of-N and the median with its spread.

These machines are noisy (writes are bimodal), so no variant is measured in one block: each round
runs every variant once, in an order that rotates from round to round. A ratio is always taken
between variants measured in the same rounds.

Peak memory is measured in a fresh Python process per variant (``peak_rss_added``), because
``ru_maxrss`` only ever grows within a process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Timings:
    """Seconds per run of one variant."""

    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.seconds), max(self.seconds)


def announce(what: str) -> None:
    """Say on stderr what runs next (a full run takes minutes; stdout keeps only the table)."""
    print(f"[bench] {what}", file=sys.stderr, flush=True)


def alternate(
    variants: dict[str, Callable[[], object]],
    *,
    rounds: int,
    before_each: Callable[[str], object] | None = None,
) -> dict[str, Timings]:
    """Run every variant once per round, rotating the order; ``before_each(name)`` runs untimed."""
    names = list(variants)
    timings = {name: Timings(name) for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            if before_each is not None:
                before_each(name)
            start = time.perf_counter()
            variants[name]()
            timings[name].seconds.append(time.perf_counter() - start)
    return timings


@dataclass
class Row:
    """One line of the report: ``candidate`` against ``baseline``, and the target it must meet."""

    benchmark: str
    candidate: str
    baseline: str
    metric: str  # "time", "throughput" or "peak RSS"
    ratio_best: float
    ratio_median: float
    spread: str
    target: str
    met: bool | None  # None: shown for comparison, no target


def _judge(ratio: float, bound: float | None, sign: str) -> tuple[str, bool | None]:
    if bound is None:
        return "info", None
    return f"{sign} {bound}x", ratio <= bound if sign == "<=" else ratio >= bound


def time_ratio(
    benchmark: str, timings: dict[str, Timings], candidate: str, baseline: str, *, at_most: float | None
) -> Row:
    """Candidate time / baseline time; met when the best-of-N ratio is at most ``at_most`` (None: info only)."""
    c, b = timings[candidate], timings[baseline]
    best, median = c.best / b.best, c.median / b.median
    return Row(
        benchmark, candidate, baseline, "time", best, median, _spread(c, b), *_judge(best, at_most, "<=")
    )


def throughput_ratio(
    benchmark: str, timings: dict[str, Timings], candidate: str, baseline: str, *, at_least: float | None
) -> Row:
    """Candidate throughput / baseline throughput (same bytes); met when best-of-N is at least ``at_least``."""
    c, b = timings[candidate], timings[baseline]
    best, median = b.best / c.best, b.median / c.median
    return Row(
        benchmark,
        candidate,
        baseline,
        "throughput",
        best,
        median,
        _spread(c, b),
        *_judge(best, at_least, ">="),
    )


def memory_ratio(
    benchmark: str, candidate: str, used: int, baseline: str, reference: int, *, at_most: float | None
) -> Row:
    """Peak RSS added by ``candidate`` over ``reference`` bytes (another variant's peak, or a data size)."""
    ratio = used / reference if reference else (0.0 if used == 0 else float("inf"))  # small runs may add 0
    spread = f"{candidate} {used / 2**20:.0f} MiB, {baseline} {reference / 2**20:.0f} MiB"
    return Row(
        benchmark, candidate, baseline, "peak RSS", ratio, ratio, spread, *_judge(ratio, at_most, "<=")
    )


def _spread(c: Timings, b: Timings) -> str:
    (c_lo, c_hi), (b_lo, b_hi) = c.spread, b.spread
    return f"{c.name} {c_lo:.3f}-{c_hi:.3f}s, {b.name} {b_lo:.3f}-{b_hi:.3f}s (n={len(c.seconds)})"


def peak_rss_added(code: str, *, setup: str = "") -> int:
    """Bytes of peak RSS that ``code`` adds, run in a fresh interpreter after ``setup``.

    The child records its peak RSS after ``setup`` (imports, opening files) and again after
    ``code``. The peak is VmHWM from ``/proc/self/status``, which belongs to the child's own
    address space: ``ru_maxrss`` would not do, because Linux carries the parent's peak across
    ``fork`` and ``exec`` into the child's, so a child of a large benchmark process would
    start with a peak it never reached itself. Where ``/proc`` is missing (not Linux) it falls
    back to ``ru_maxrss``.
    """
    program = (
        "import json, resource\n"
        "def peak():\n"
        "    try:\n"
        "        with open('/proc/self/status') as status:\n"
        "            return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))\n"
        "    except OSError:\n"
        "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"{setup}\n"
        "before = peak()\n"
        f"{code}\n"
        "after = peak()\n"
        "print(json.dumps((after - before) * 1024))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def same_cache_state(*paths: Path) -> None:
    """Drop ``paths`` from the page cache and read them back alike, before timing reads of them.

    How a file was written decides how its pages sit in the page cache: a file written with
    ``copy_file_range`` (as the DDUF writer and ``cp`` do) maps about 1.6x slower, page fault
    for page fault, than one written with ``write`` (as ``safetensors.save_file`` does). That
    is a property of the writer, not of the reader being measured, so compared reads must start
    from the same state. Only clean pages can be dropped, hence the ``sync`` first; where
    ``posix_fadvise`` is missing (macOS) the files are only read.
    """
    os.sync()
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            while os.read(fd, 16 << 20):
                pass
        finally:
            os.close(fd)


def print_table(rows: list[Row]) -> None:
    header = f"{'benchmark':<34} {'candidate vs baseline':<44} {'metric':<10} {'best':>7} {'median':>7} {'target':>8}  met"
    print(header)
    print("-" * len(header))
    for row in rows:
        pair = f"{row.candidate} vs {row.baseline}"
        print(
            f"{row.benchmark:<34} {pair:<44} {row.metric:<10} {row.ratio_best:>6.2f}x {row.ratio_median:>6.2f}x "
            f"{row.target:>8}  {'-' if row.met is None else 'yes' if row.met else 'NO'}"
        )
    print()
    for row in rows:
        print(f"  {row.benchmark}: {row.spread}")
