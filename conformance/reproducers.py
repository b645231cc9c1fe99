"""Reproducer files: the corrupted archives on which an implementation failed a property, kept so
that every later run replays them as regression cases (``--conformance-reproducers DIR``).

A reproducer is two files in DIR: ``<requirement>-<kind>-<sha256 prefix>.dduf``, the bytes
the implementation got, named by the first requirement they break (``valid`` where they break
none) and the kind of corruption; and the same name with ``.json``: the test, the implementation,
the corruption's variant, requirements and description, and its valid source archive (base64).
The same bytes always get the same name, so xdist workers and machines that find the same
example write the same files.
"""

from __future__ import annotations

import base64
import hashlib
import json
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
