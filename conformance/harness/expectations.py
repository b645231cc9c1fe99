"""Expectation files: an implementation's known divergences from the spec, test262-style.

An expectation file is TOML::

    implementation = "huggingface_hub"   # the adapter name it belongs to
    checked-with = "2.4.0"               # optional: the implementation version it was last checked against

    [[divergence]]
    test = "dduf-read/name-parent-segment"   # one test id; leave it out to mean every test of the requirement
    requirement = "DDUF-NAME-003"            # the requirement the implementation breaks
    reason = "reads entries named ../x; the spec forbids them"   # one line, for reports
    versions = ">=1.0,<3"                    # optional: PEP 440 versions of the implementation it holds for

A test that a divergence matches is expected to fail: its failure is reported as
``expected-fail``, and its pass as ``unexpected-pass``, which fails the run, so that a fix
upstream shows up as clearly as a regression. ``checked-with`` goes into reports: a run of another
version says so, since its behaviour changes show as unexpected passes or failures.

``render_expectations`` writes a file from a run's results (``--write-expectations``), so a new
implementer starts from today's truth, and a rerun after an upgrade keeps what a person wrote:
the file's leading comment, every entry whose ``versions`` exclude the running version (it
describes other versions), and every entry still matched by a failing test, or by no test of
the run (``-k`` ran others), as written. Comments between entries are not kept.

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
from .results import ERROR, EXPECTED_FAIL, FAIL, NOT_APPLICABLE, TestResult

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_KEYS = {"test", "requirement", "reason", "versions"}
_TOP_LEVEL_KEYS = {"implementation", "checked-with", "divergence"}
_FAILING = (FAIL, ERROR, EXPECTED_FAIL)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Divergence:
    requirement: str
    reason: str
    test: str | None = None
    versions: str | None = None

    def matches(
        self, test: str, requirements: Iterable[str], version: str, breaks: Iterable[str] | None = None
    ) -> bool:
        """Whether this divergence covers ``test`` (tagged with ``requirements``) for ``version``;
        ``breaks``: the requirements a property test's failure is about, where it knows them, of
        which an entry naming the test must name one."""
        if self.test is not None:
            if self.test != test or (breaks is not None and self.requirement not in breaks):
                return False
        elif self.requirement not in requirements:
            return False
        return self.holds_for(version)

    def holds_for(self, version: str) -> bool:
        """Whether this divergence is about ``version`` of the implementation (always, without ``versions``)."""
        return self.versions is None or _version_in(version, self.versions)

    def to_toml(self) -> dict:
        """The entry as an expectation file writes it: the keys in the documented order, None left out."""
        entry = {
            "test": self.test,
            "requirement": self.requirement,
            "reason": self.reason,
            "versions": self.versions,
        }
        return {key: value for key, value in entry.items() if value is not None}


@dataclass(frozen=True)
class Expectations:
    implementation: str
    divergences: tuple[Divergence, ...]
    source: str  # the file it was read from, for messages and reports
    checked_with: str | None = None  # the implementation version the file was last checked against

    def lookup(
        self, test: str, requirements: Iterable[str], version: str, breaks: Iterable[str] | None = None
    ) -> Divergence | None:
        """The divergence that covers this test (or, with ``breaks``, this failure of it) for this
        version of the implementation, if any."""
        requirements = tuple(requirements)
        breaks = None if breaks is None else tuple(breaks)
        return next((d for d in self.divergences if d.matches(test, requirements, version, breaks)), None)

    def listed(self, test: str, requirements: Iterable[str], version: str) -> frozenset[str]:
        """The requirements of every divergence that covers ``test`` for ``version``: what a
        property test may find broken without failing (it searches on for other failures)."""
        requirements = tuple(requirements)
        return frozenset(d.requirement for d in self.divergences if d.matches(test, requirements, version))


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
    unknown = set(data) - _TOP_LEVEL_KEYS
    if unknown:
        raise ExpectationsError(f"{source}: unknown top-level keys {sorted(unknown)}")
    checked_with = data.get("checked-with")
    if checked_with is not None and (not isinstance(checked_with, str) or not checked_with.strip()):
        raise ExpectationsError(
            f'{source}: checked-with must be a version string, such as checked-with = "1.2.0"'
        )
    items = data.get("divergence", [])
    if not isinstance(items, list):
        raise ExpectationsError(f"{source}: 'divergence' must be an array of tables ([[divergence]])")
    divergences = tuple(
        _divergence(item, f"{source}: divergence {number}") for number, item in enumerate(items, 1)
    )
    return Expectations(name, divergences, source, checked_with)


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
    resource = _builtin_folder().joinpath(f"{implementation}.toml")
    return _builtin(resource) if resource.is_file() else None


def all_builtin_expectations() -> list[Expectations]:
    """Every expectation file shipped in ``conformance/expectations/``, in order of file name."""
    files = sorted(
        (item for item in _builtin_folder().iterdir() if item.name.endswith(".toml")), key=lambda f: f.name
    )
    return [_builtin(resource) for resource in files]


def _builtin_folder():
    return resources.files("weightspec.conformance").joinpath("expectations")


def _builtin(resource) -> Expectations:
    return parse_expectations(resource.read_text(encoding="utf-8"), f"expectations/{resource.name}")


def render_expectations(
    implementation: str, version: str, results: Iterable[TestResult], *, previous: str | None = None
) -> str:
    """The text of an expectation file for ``version`` of ``implementation`` after a run.

    Without ``previous`` it lists every failing test (fail, error or expected-fail) with its
    judgement as the reason. ``previous`` is the text of the file being replaced: its leading
    comment is kept, so is every entry whose ``versions`` exclude ``version``, and every other
    entry that a failing test matches or that no test of the run matched (not-applicable tests
    count as not run); only tests no kept entry covers get a new one. An entry whose tests all
    passed is dropped: the implementation fixed it. ``checked-with`` is ``version``. Raises
    ``ExpectationsError`` when ``previous`` is malformed or names another implementation.
    """
    import tomli_w  # imported here: only --write-expectations needs it

    ran = [r for r in results if r.implementation == implementation and r.status != NOT_APPLICABLE]
    failing = [r for r in ran if r.status in _FAILING]
    kept = [] if previous is None else _kept_entries(previous, implementation, version, ran, failing)
    covered = Expectations(implementation, tuple(kept), "")
    found = [
        Divergence(result.about[0] if result.about else "UNKNOWN", one_line(result.reason), result.test)
        for result in failing
        if covered.lookup(result.test, result.requirements, version, result.breaks) is None
    ]
    divergences = sorted(
        [*kept, *found], key=lambda d: (d.test or d.requirement, d.requirement, d.versions or "")
    )
    document = {
        "implementation": implementation,
        "checked-with": version,
        "divergence": [divergence.to_toml() for divergence in divergences],
    }
    return (_leading_comment(previous) or _HEADER.format(implementation=implementation)) + tomli_w.dumps(
        document
    )


def _kept_entries(
    previous: str, implementation: str, version: str, ran: list[TestResult], failing: list[TestResult]
) -> list[Divergence]:
    """The entries of the file being replaced that a rerun at ``version`` keeps as written."""
    old = parse_expectations(previous, "the expectation file being replaced")
    if old.implementation != implementation:
        raise ExpectationsError(
            f"the expectation file being replaced is for {old.implementation!r}, not {implementation!r}"
        )
    kept = []
    for divergence in old.divergences:
        matched = [r for r in ran if divergence.matches(r.test, r.requirements, version, r.breaks)]
        if not divergence.holds_for(version) or not matched or any(r in failing for r in matched):
            kept.append(divergence)
    return kept


_HEADER = (
    "# Known divergences of {implementation} from the spec, written by --write-expectations.\n"
    "# Edit each reason into one line a reader can check; delete entries the implementation fixes.\n"
)


def _leading_comment(text: str | None) -> str:
    """The comment lines (and blank lines among them) before a file's first key, blank lines at its end dropped."""
    lines = []
    for line in (text or "").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return "".join(f"{line}\n" for line in lines)


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
