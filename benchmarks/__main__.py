"""Run the side-by-side benchmarks and print one table of ratios.

Run: ``python -m benchmarks`` (or ``tox -e bench``).

Options: ``--only dduf|sharding|durability|conformance|cli``, ``--rounds N`` (default 9),
``--size-mib N`` (default 1024), ``--dir PATH`` (scratch directory on the disk to measure; default a
temporary directory).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from benchmarks import bench_cli, bench_conformance, bench_dduf, bench_durability, bench_sharding
from benchmarks.harness import print_table

SUITES = {
    "dduf": bench_dduf.run,
    "sharding": bench_sharding.run,
    "durability": bench_durability.run,
    "conformance": bench_conformance.run,
    "cli": bench_cli.run,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.splitlines()[0],
        epilog="example: python -m benchmarks --only dduf --rounds 5 --size-mib 256",
    )
    parser.add_argument("--only", choices=sorted(SUITES), action="append")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="weightspec-bench-", dir=args.dir))
    rows = []
    try:
        for name in args.only or SUITES:
            rows += SUITES[name](scratch / name, rounds=args.rounds, size=args.size_mib * 2**20)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows)


if __name__ == "__main__":
    main()
