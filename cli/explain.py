"""``weightspec explain ID``: one requirement, and everything that traces to it.

It prints the requirement's text, level, scope, document and section, and its rationale; the
reference functions that check it, the cases that exercise it and the tests that test it (from
``spec/traceability.json``); and what other implementations are known to do differently (from
the built-in expectation files).
"""

from __future__ import annotations

import argparse
import textwrap

from .output import EXIT_ERROR, EXIT_OK, print_error, print_json

NAME = "explain"
HELP = "show a requirement: its text, why, its checks, cases, tests and known divergences"
DESCRIPTION = "Show what requirement ID means and where it is checked, exercised and tested."
EPILOG = """\
exit codes:
  0  the requirement was shown
  2  no requirement has that ID (similar IDs are suggested)

examples:
  weightspec explain DDUF-NAME-003
  weightspec explain shard-load-002 --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("requirement", metavar="ID", help="a requirement ID such as DDUF-ZIP-007 (any case)")
    parser.add_argument("--json", action="store_true", help="write one JSON document instead of text")


def explanation(requirement_id: str) -> dict | None:
    """Everything known about one requirement, or None when no requirement has that ID."""
    from weightspec.conformance.adapters import BUILTIN
    from weightspec.conformance.harness.expectations import builtin_expectations
    from weightspec.spec import requirements, traceability

    requirement = requirements().get(requirement_id)
    if requirement is None:
        return None
    traced = traceability.load().get(requirement_id, {})
    divergences = []
    for name in BUILTIN:
        expectations = builtin_expectations(name)
        for divergence in expectations.divergences if expectations else ():
            if divergence.requirement == requirement_id:
                divergences.append(
                    {"implementation": name, "test": divergence.test, "reason": divergence.reason}
                )
    return {
        **requirement.__dict__,
        "checks": traced.get("checks", []),
        "cases": traced.get("cases", []),
        "tests": traced.get("tests", []),
        "divergences": divergences,
    }


def render(found: dict) -> str:
    wrap = textwrap.TextWrapper(width=100, initial_indent="  ", subsequent_indent="  ")
    lines = [
        f"{found['id']} ({found['level']}, {found['scope']}): spec/{found['document']}, section {found['section']}",
        *wrap.wrap(found["summary"]),
        "",
        "why:",
        *wrap.wrap(found["rationale"]),
    ]
    for title, key in (("checked by", "checks"), ("cases", "cases"), ("tests", "tests")):
        lines += ["", f"{title} ({len(found[key])}):", *(f"  {item}" for item in found[key] or ["(none)"])]
    lines += ["", f"known divergences ({len(found['divergences'])}):"]
    for item in found["divergences"] or [{"implementation": "(none)", "test": None, "reason": ""}]:
        where = f" {item['test']}" if item["test"] else ""
        lines.append(f"  {item['implementation']}{where}{': ' + item['reason'] if item['reason'] else ''}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from weightspec.spec import requirements

    requirement_id = args.requirement.strip().upper()
    found = explanation(requirement_id)
    if found is None:
        prefix = requirement_id.rsplit("-", 1)[0]
        similar = [rid for rid in requirements() if rid.startswith(prefix)][:10]
        hint = f"; did you mean one of {', '.join(similar)}?" if similar else "; IDs look like DDUF-ZIP-007"
        print_error(f"no requirement has the ID {args.requirement!r}{hint}")
        return EXIT_ERROR
    if args.json:
        print_json(found)
    else:
        print(render(found))
    return EXIT_OK
