"""Expectation files: an implementation's known divergences from the spec, test262-style.

An expectation file is TOML::

    implementation = "huggingface_hub"   # the adapter name it belongs to

    [[divergence]]
    test = "dduf-read/name-parent-segment"   # one test id; leave it out to mean every test of the requirement
    requirement = "DDUF-NAME-003"            # the requirement the implementation breaks
    reason = "reads entries named ../x; the spec forbids them"   # one line, for reports
    versions = ">=1.0,<3"                    # optional: PEP 440 versions of the implementation it holds for

A test that a divergence matches is expected to fail: its failure is reported as
``expected-fail``, and its pass as ``unexpected-pass``, which fails the run, so that a fix
upstream shows up as clearly as a regression. ``write_expectations`` writes a file from a run's
results, so a new implementer starts from today's truth.

Errors: ``ExpectationsError`` names the file and what is wrong with it.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .errors import ExpectationsError
from .results import ERROR, EXPECTED_FAIL, FAIL, TestResult

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_KEYS = {"test", "requirement", "reason", "versions"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Divergence:
    requirement: str
    reason: str
    test: str | None = None
    versions: str | None = None

    def matches(self, test: str, requirements: Iterable[str], version: str) -> bool:
        if self.test is not None:
            if self.test != test:
                return False
        elif self.requirement not in requirements:
            return False
        return self.versions is None or _version_in(version, self.versions)


@dataclass(frozen=True)
class Expectations:
    implementation: str
    divergences: tuple[Divergence, ...]
    source: str  # the file it was read from, for messages and reports

    def lookup(self, test: str, requirements: Iterable[str], version: str) -> Divergence | None:
        """The divergence that covers this test for this version of the implementation, if any."""
        requirements = tuple(requirements)
        return next((d for d in self.divergences if d.matches(test, requirements, version)), None)


def read_expectations(path: str | Path) -> Expectations:
    """Parse one expectation file. Raises ``ExpectationsError`` naming the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExpectationsError(f"{path}: cannot read the expectation file: {error}") from None
    return parse_expectations(text, str(path))


def parse_expectations(text: str, source: str) -> Expectations:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ExpectationsError(f"{source}: not valid TOML: {error}") from None
    name = data.get("implementation")
    if not isinstance(name, str) or not name:
        raise ExpectationsError(f'{source}: needs a top-level implementation = "NAME" naming the adapter')
    unknown = set(data) - {"implementation", "divergence"}
    if unknown:
        raise ExpectationsError(f"{source}: unknown top-level keys {sorted(unknown)}")
    items = data.get("divergence", [])
    if not isinstance(items, list):
        raise ExpectationsError(f"{source}: 'divergence' must be an array of tables ([[divergence]])")
    divergences = tuple(
        _divergence(item, f"{source}: divergence {number}") for number, item in enumerate(items, 1)
    )
    return Expectations(name, divergences, source)


def _divergence(item: object, where: str) -> Divergence:
    if not isinstance(item, dict):
        raise ExpectationsError(f"{where}: must be a table")
    unknown = set(item) - _KEYS
    if unknown:
        raise ExpectationsError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    for key in ("requirement", "reason"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ExpectationsError(f"{where}: needs a non-empty string '{key}'")
    for key in ("test", "versions"):
        if key in item and not isinstance(item[key], str):
            raise ExpectationsError(f"{where}: '{key}' must be a string")
    if "versions" in item:
        try:
            SpecifierSet(item["versions"])
        except InvalidSpecifier:
            raise ExpectationsError(
                f"{where}: versions {item['versions']!r} is not a PEP 440 specifier"
            ) from None
    return Divergence(item["requirement"], item["reason"].strip(), item.get("test"), item.get("versions"))


def builtin_expectations(implementation: str) -> Expectations | None:
    """The expectation file shipped for a built-in implementation, if there is one."""
    resource = resources.files("weightspec.conformance").joinpath("expectations", f"{implementation}.toml")
    if not resource.is_file():
        return None
    return parse_expectations(resource.read_text(encoding="utf-8"), f"expectations/{implementation}.toml")


def render_expectations(implementation: str, results: Iterable[TestResult]) -> str:
    """The text of an expectation file listing every failing test of ``implementation``."""
    import tomli_w  # imported here: only --write-expectations needs it

    divergences = []
    for result in sorted(results, key=lambda r: r.test):
        if result.implementation != implementation or result.status not in (FAIL, ERROR, EXPECTED_FAIL):
            continue
        divergences.append(
            {
                "test": result.test,
                "requirement": result.requirements[0] if result.requirements else "UNKNOWN",
                "reason": one_line(result.reason),
            }
        )
    header = (
        f"# Known divergences of {implementation} from the spec, written by --write-expectations.\n"
        "# Edit each reason into one line a reader can check; delete entries the implementation fixes.\n"
    )
    return header + tomli_w.dumps({"implementation": implementation, "divergence": divergences})


def one_line(reason: str) -> str:
    """A reason fit for a file that is kept: one line, no terminal colours, no temporary paths."""
    line = _ANSI.sub("", (reason.splitlines() or ["(no reason given)"])[0])
    line = re.sub(re.escape(tempfile.gettempdir()) + r"/[^\s'\"]*/", "", line)
    return line if len(line) <= 200 else line[:199] + "…"


def _version_in(version: str, specifier: str) -> bool:
    try:
        return Version(version) in SpecifierSet(specifier)
    except InvalidVersion:
        return False
