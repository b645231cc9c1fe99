"""Reproducer files: the corrupted archives on which an implementation failed a property, kept so
that every later run replays them as regression cases (``--conformance-reproducers DIR``).

A reproducer is two files in DIR: ``<requirement>-<kind>-<sha256 prefix>.dduf``, the bytes
the implementation got, named by the first requirement they break (``valid`` where they break
none) and the kind of corruption; and the same name with ``.json``: the test, the implementation,
the corruption's variant, requirements and description, and its valid source archive (base64).
The same bytes always get the same name, so xdist workers and machines that find the same
example write the same files.

``python -m weightspec.conformance.reproducers --adopt DIR`` makes DIR's reproducers regression
cases of the case library (``dduf_cases.found``): it copies each one's bytes and record (without
the source archive) into ``conformance/dduf_cases/found/``, and prints the new case ids. Then
regenerate what the case library drives (the fixtures, the spec's tables) and record what the
implementations do on the new cases, as the command's last lines say.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import sys
from pathlib import Path

from .corruptions import Corruption
from .harness.report_files import write_atomically


def reproducer_name(corruption: Corruption) -> str:
    """The file name (without suffix) of ``corruption``'s reproducer."""
    first = corruption.requirements[0] if corruption.requirements else "valid"
    digest = hashlib.sha256(corruption.data).hexdigest()[:12]
    return f"{first}-{corruption.kind}-{digest}"


def save_reproducer(directory: Path, corruption: Corruption, *, test: str, implementation: str) -> Path:
    """Write ``corruption``'s reproducer into ``directory`` (created if needed); returns the
    ``.dduf`` file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / reproducer_name(corruption)
    record = {
        "test": test,
        "implementation": implementation,
        "kind": corruption.kind,
        "variant": corruption.variant,
        "requirements": list(corruption.requirements),
        "description": corruption.description,
        "source": base64.b64encode(corruption.source).decode("ascii"),
    }
    path = stem.with_suffix(".dduf")
    path.write_bytes(corruption.data)
    write_atomically(stem.with_suffix(".json"), json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return path


def load_reproducers(directory: Path) -> list[Corruption]:
    """Every reproducer in ``directory`` (none when it does not exist), in name order."""
    if not directory.is_dir():
        return []
    corruptions = []
    for record_path in sorted(directory.glob("*.json")):
        record = json.loads(record_path.read_text(encoding="utf-8"))
        corruptions.append(
            Corruption(
                record["kind"],
                record["variant"],
                tuple(record["requirements"]),
                record["description"],
                record_path.with_suffix(".dduf").read_bytes(),
                base64.b64decode(record["source"]),
            )
        )
    return corruptions


def adopt(directory: Path, found: Path) -> list[str]:
    """Copy every adoptable reproducer of ``directory`` that ``found`` lacks into ``found``; return
    the new case ids (see the module docstring)."""
    from .dduf_cases.found import adoptable

    added = []
    for record_path in sorted(directory.glob("*.json")):
        record = json.loads(record_path.read_text(encoding="utf-8"))
        target = found / record_path.name
        if target.exists():
            continue
        if not adoptable(record):
            print(f"{record_path.name}: breaks no rule; write its case by hand", file=sys.stderr)
            continue
        kept = {key: value for key, value in record.items() if key != "source"}
        shutil.copyfile(record_path.with_suffix(".dduf"), target.with_suffix(".dduf"))
        write_atomically(target, json.dumps(kept, indent=2, ensure_ascii=False) + "\n")
        added.append(f"found-{record_path.stem.lower()}")
    return added


def main(argv: list[str] | None = None) -> int:
    from .dduf_cases.found import FOLDER

    parser = argparse.ArgumentParser(
        prog="python -m weightspec.conformance.reproducers",
        description="Make a campaign's reproducers regression cases of the case library.",
        epilog="example: python -m weightspec.conformance.reproducers --adopt .hypothesis/fuzz/reproducers",
    )
    parser.add_argument("--adopt", type=Path, required=True, metavar="DIR", help="a reproducer folder")
    args = parser.parse_args(argv)
    if not args.adopt.is_dir():
        parser.error(f"{args.adopt}: no such folder")
    added = adopt(args.adopt, FOLDER)
    for case_id in added:
        print(case_id)
    if added:
        print(
            "next: python -m weightspec.fixtures.generate; weightspec conformance --impl all -k found- "
            "(record each divergence); python -m weightspec.spec.divergences --write",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
