"""Requirements: parsed from the normative Markdown, stored in ``requirements.json``.

The Markdown documents (``dduf.md``, ``safetensors.md``, ``sharding.md``) are the source. Each
requirement is one list item of this exact shape::

    - **DDUF-NAME-003** (MUST, reader): Entry names contain no `.` or `..` segment. *Why:* ...

``requirements.json`` is that list in machine-readable form (id, level, scope, summary,
rationale, section, document). Regenerate it after editing the text::

    python -m weightspec.spec.catalog --write

``tests/spec/test_requirements.py`` checks that the file and the text agree and that IDs are
unique. IDs never change meaning once published: retire an ID instead of reusing it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from importlib import resources

DOCUMENTS = ("dduf.md", "safetensors.md", "sharding.md")
LEVELS = ("MUST", "SHOULD")
SCOPES = ("reader", "writer", "deep", "loader")

_ITEM = re.compile(
    r"^- \*\*(?P<id>[A-Z0-9]+(?:-[A-Z0-9]+)+)\*\* \((?P<level>[A-Z]+), (?P<scope>[a-z]+)\): "
    r"(?P<summary>.+?) \*Why:\* (?P<rationale>.+)$"
)
_SECTION = re.compile(r"^(#{2,3}) (?P<title>.+)$")


@dataclass(frozen=True)
class Requirement:
    id: str
    level: str  # MUST or SHOULD
    scope: str  # reader, writer, deep or loader
    summary: str
    rationale: str
    section: str
    document: str


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def parse_markdown(text: str, document: str) -> list[Requirement]:
    """Every requirement item of one document, in order. Raises ValueError on a malformed item."""
    found = []
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _SECTION.match(line)
        if heading:
            section = heading["title"].strip()
            continue
        if not line.startswith("- **"):
            continue
        item = _ITEM.match(line)
        if item is None:
            raise ValueError(f"{document}:{number}: requirement item is not of the documented shape")
        if item["level"] not in LEVELS or item["scope"] not in SCOPES:
            raise ValueError(f"{document}:{number}: level must be one of {LEVELS}, scope one of {SCOPES}")
        found.append(
            Requirement(
                id=item["id"],
                level=item["level"],
                scope=item["scope"],
                summary=item["summary"].strip(),
                rationale=item["rationale"].strip(),
                section=section,
                document=document,
            )
        )
    return found


def parse_documents() -> list[Requirement]:
    """The requirements of every document that exists, in document order."""
    requirements = []
    for document in DOCUMENTS:
        if resources.files(__package__).joinpath(document).is_file():
            requirements.extend(parse_markdown(_read(document), document))
    return requirements


def load() -> dict[str, Requirement]:
    """The published list (``requirements.json``), keyed by ID."""
    data = json.loads(_read("requirements.json"))
    return {item["id"]: Requirement(**item) for item in data["requirements"]}


def render_json(requirements: list[Requirement]) -> str:
    return (
        json.dumps({"requirements": [asdict(r) for r in requirements]}, indent=2, ensure_ascii=False) + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check or regenerate spec/requirements.json from the spec's Markdown.",
        epilog="example: python -m weightspec.spec.catalog --write",
    )
    parser.add_argument("--write", action="store_true", help="rewrite requirements.json from the Markdown")
    args = parser.parse_args(argv)
    rendered = render_json(parse_documents())
    target = resources.files(__package__).joinpath("requirements.json")
    if args.write:
        with resources.as_file(target) as path:
            path.write_text(rendered, encoding="utf-8")
        return 0
    current = target.read_text(encoding="utf-8") if target.is_file() else ""
    if current != rendered:
        print("requirements.json is out of date: run python -m weightspec.spec.catalog --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
