"""Where each requirement is enforced, exercised and tested: generated from the code, never kept by hand.

``traceability.json`` (beside ``requirements.json``) gives, for every requirement ID:

- ``checks``: the reference functions that name it (``reference/dduf/names.py:name_findings``):
  every check of the reference creates its finding or error with the ID as a string literal;
- ``cases``: the ids of the case-library cases that list it;
- ``tests``: the tests that carry it: the project's tests (``tests/...::test_name``) and the
  conformance suite's tests (``conformance dduf-read/zip-comment``), as pytest selects them
  with ``-k ID``.

Regenerate it from a checkout after changing the reference, the cases or the tests::

    python -m weightspec.spec.traceability --write

``tests/spec/test_traceability.py`` fails when the file is stale, and when a MUST requirement has
no check or no case. ``requirement_mentions(source)`` is the one scanner behind ``checks`` and
behind the test keywords that make ``pytest -k DDUF-ZIP-007`` select a rule's tests.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import io
import json
import re
import sys
from importlib import resources
from pathlib import Path

REQUIREMENT_ID = re.compile(r"\b(?:DDUF|ST|SHARD)-[A-Z0-9]+-[0-9]{3}\b")
FILE = "traceability.json"


def requirement_mentions(source: str) -> dict[str, set[str]]:
    """``{qualified function name: requirement IDs in its string literals}`` for one module's source.

    Nested functions count towards the outermost function or method that holds them; literals
    outside any function (module constants, decorators' arguments of a function count for it)
    are left out.
    """
    found: dict[str, set[str]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                ids = {
                    match
                    for literal in ast.walk(child)
                    if isinstance(literal, ast.Constant) and isinstance(literal.value, str)
                    for match in REQUIREMENT_ID.findall(literal.value)
                }
                if ids:
                    found[prefix + child.name] = ids

    visit(ast.parse(source), "")
    return found


@functools.cache
def mentions_in_file(path: str) -> dict[str, set[str]]:
    """``requirement_mentions`` of a file, read once per process."""
    return requirement_mentions(Path(path).read_text(encoding="utf-8"))


def load() -> dict[str, dict]:
    """The published table, keyed by requirement ID."""
    return json.loads(resources.files(__package__).joinpath(FILE).read_text(encoding="utf-8"))["requirements"]


def generate(root: Path) -> dict[str, dict]:
    """The table for the checkout at ``root`` (it must hold ``reference/`` and ``tests/``)."""
    from weightspec.spec import requirements

    table = {
        rid: {"document": r.document, "section": r.section, "checks": [], "cases": [], "tests": []}
        for rid, r in requirements().items()
    }
    for path in sorted((root / "reference").rglob("*.py")):
        for function, ids in mentions_in_file(str(path)).items():
            for rid in ids & table.keys():
                table[rid]["checks"].append(f"{path.relative_to(root).as_posix()}:{function}")
    for case_id, ids in _cases():
        for rid in ids & table.keys():
            table[rid]["cases"].append(case_id)
    for test, ids in _collected_tests(root):
        for rid in ids & table.keys():
            table[rid]["tests"].append(test)
    for entry in table.values():
        for key in ("checks", "cases", "tests"):
            entry[key] = sorted(set(entry[key]))
    return table


def _cases() -> list[tuple[str, set[str]]]:
    from weightspec import conformance

    libraries = [conformance.all_cases()]
    if hasattr(conformance, "all_checkpoint_cases"):
        libraries.append(conformance.all_checkpoint_cases())
    return [(case.id, set(case.requirements)) for library in libraries for case in library]


def _collected_tests(root: Path) -> list[tuple[str, set[str]]]:
    """Every test of ``tests/`` and of the conformance suite with the requirement IDs pytest would
    match with ``-k`` (parameters folded: one row per test function)."""
    import pytest

    class Collector:
        def __init__(self) -> None:
            self.rows: list[tuple[str, set[str]]] = []

        def pytest_collection_finish(self, session: pytest.Session) -> None:
            for item in session.items:
                ids = {key for key in item.keywords if REQUIREMENT_ID.fullmatch(key)}
                ids |= {key for key in item.extra_keyword_matches if REQUIREMENT_ID.fullmatch(key)}
                identity = item.nodeid.split("[")[0]
                if "weightspec/conformance/suite" in identity or identity.startswith("conformance/suite"):
                    identity = "conformance " + identity.rsplit("::", 1)[-1]
                self.rows.append((identity, ids))

    collector = Collector()
    arguments = ["--collect-only", "-qq", "-p", "no:cacheprovider", "--rootdir", str(root)]
    for target in (
        [str(root / "tests")],
        ["--pyargs", "weightspec.conformance.suite", "--impl", "reference"],
    ):
        listing = io.StringIO()
        with contextlib.redirect_stdout(listing):
            status = pytest.main([*arguments, *target], plugins=[collector])
        if status not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            raise RuntimeError(
                f"collecting {target} failed (pytest exit status {status}):\n{listing.getvalue()[-3000:]}"
            )
    return collector.rows


def render(table: dict[str, dict]) -> str:
    return json.dumps({"requirements": table}, indent=2, ensure_ascii=False) + "\n"


def checkout_root() -> Path:
    """The checkout this package was installed from in editable mode; SystemExit elsewhere."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "reference").is_dir() or not (root / "tests").is_dir():
        raise SystemExit("traceability is generated from a checkout of weightspec (reference/ and tests/)")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check or regenerate spec/traceability.json from the reference, the cases and the tests.",
        epilog="example: python -m weightspec.spec.traceability --write",
    )
    parser.add_argument("--write", action="store_true", help="rewrite traceability.json")
    args = parser.parse_args(argv)
    root = checkout_root()
    rendered = render(generate(root))
    target = root / "spec" / FILE
    if args.write:
        target.write_text(rendered, encoding="utf-8")
        return 0
    if not target.is_file() or target.read_text(encoding="utf-8") != rendered:
        print(f"{FILE} is out of date: run python -m weightspec.spec.traceability --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
