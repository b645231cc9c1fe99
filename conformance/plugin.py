"""The conformance suite's pytest plugin (registered through the ``pytest11`` entry point).

It lets pytest run the suite (``weightspec.conformance.suite``) against any implementation::

    pytest --pyargs weightspec.conformance --impl huggingface_hub -n auto

and turns each test's judgement into the run's results:

- options (``--impl``, ``--impl-cmd``, ``--expectations``, ``--write-expectations``,
  ``--conformance-report``, ``--conformance-profile``, ``--call-timeout``) choose the
  implementations, their expectation files, the reports and the depth of the property tests;
  ``--conformance-database DIR`` keeps hypothesis' examples in DIR (shared by xdist workers, and
  by machines that share DIR) and ``--conformance-reproducers DIR`` saves there the shrunk failing
  examples of the corruption properties and replays those already there;
- every suite test carries ``@pytest.mark.conformance(capability, name=..., requirements=...)``;
  its test id is ``<capability>/<name or case id>`` and its requirement IDs (from the marker or
  from its ``case``) become keywords, so ``-k DDUF-ZIP-007`` selects the tests of one rule;
- the ``implementation`` parameter runs each test once per implementation; a test whose
  capability the implementation does not declare is skipped as not applicable;
- a test concludes with ``conformance.conclude(judgement)``; the report hook combines the
  judgement with the expectation file into the final status (``harness.results``) and makes
  pytest's outcome agree: an expected failure is an xfail, a fail, error or unexpected pass a
  failure whose text is the reason;
- at the end of the session (on the xdist controller) it prints the requirement x implementation
  matrix and writes the reports and the expectation file asked for (over an existing file of the
  same implementation, keeping its hand-written parts: ``harness.expectations``).

The plugin does nothing in a session that collects no suite test, so it stays out of the way of
any other test run in the same environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from .adapters import ALL, BUILTIN, command_adapter, make_adapter
from .harness.adapter import CAPABILITIES, DEFAULT_TIMEOUT, Adapter, call
from .harness.errors import AdapterLoadError, ConformanceError, DriverError, ImplementationUnavailable
from .harness.expectations import (
    Expectations,
    builtin_expectations,
    one_line,
    read_expectations,
    render_expectations,
)
from .harness.judging import Judgement, JudgementFailed
from .harness.outcomes import Outcome
from .harness.report_files import REPORT_SUFFIXES, write_atomically, write_report
from .harness.results import (
    ERROR,
    EXPECTED_FAIL,
    NOT_APPLICABLE,
    PASS,
    Implementation,
    Report,
    TestResult,
    final_status,
)

PROFILES = {  # hypothesis settings per --conformance-profile: time traded for depth
    "dev": {"max_examples": 15},
    "ci": {"max_examples": 40},
    "thorough": {"max_examples": 500},
    "replay": {"phases": ("reuse",)},  # only the examples saved in the database: no new ones
}
_PROPERTY = "weightspec"  # the user_properties key that carries a TestResult to the controller
_IDENTITY = pytest.StashKey["TestIdentity"]()
_JUDGEMENT = pytest.StashKey[Judgement]()
_RUN = pytest.StashKey["Run"]()


@dataclass(frozen=True)
class TestIdentity:
    test: str
    capability: str
    requirements: tuple[str, ...]
    case: str | None


@dataclass(eq=False)  # registered as a plugin, so hashed by identity
class Run:
    """What one pytest process knows about the conformance run."""

    adapters: dict[str, Adapter]  # available implementations, by name
    unavailable: dict[str, str]  # name -> why it cannot run here
    expectations: dict[str, Expectations]
    timeout: float
    received: list[dict]  # the TestResults (with their implementation) this process received
    active: bool = False  # a suite test was collected or a result received

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """On the process that reports (the xdist controller, or the only process)."""
        for key, value in report.user_properties:
            if key == _PROPERTY:
                self.received.append(value)
                self.active = True

    def pytest_testnodedown(self, node, error) -> None:
        """xdist: a worker's unavailable implementations reach the controller in its workeroutput."""
        self.unavailable.update(getattr(node, "workeroutput", {}).get(_PROPERTY, {}))


# -- options and set-up ----------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("weightspec conformance", "weightspec conformance suite")
    group.addoption(
        "--impl",
        action="append",
        default=[],
        metavar="NAME",
        help=f"implementation to test: {', '.join(BUILTIN)}, '{ALL}' (every built-in one available here), "
        "or module:factory for your own adapter; repeatable; default: reference",
    )
    group.addoption(
        "--impl-cmd",
        action="append",
        default=[],
        metavar="CMD",
        help="a driver command speaking the subprocess protocol (spec/protocol.md); repeatable",
    )
    group.addoption(
        "--expectations",
        action="append",
        default=[],
        metavar="FILE",
        help="an expectation file (TOML) of known divergences; it names the implementation it is for",
    )
    group.addoption(
        "--write-expectations",
        metavar="FILE",
        help="write an expectation file from this run (one implementation)",
    )
    group.addoption(
        "--conformance-report",
        action="append",
        default=[],
        metavar="FILE",
        help="write the report; the suffix chooses the format: .json, .md or .html",
    )
    group.addoption(
        "--conformance-profile",
        choices=sorted(PROFILES),
        default="dev",
        help="depth of the property tests (hypothesis examples): dev, ci or thorough; replay runs "
        "only the examples already in the database",
    )
    group.addoption(
        "--conformance-database",
        metavar="DIR",
        help="hypothesis example database directory, shared by xdist workers and campaigns "
        "(default: hypothesis' own, .hypothesis/examples in the working directory)",
    )
    group.addoption(
        "--conformance-reproducers",
        metavar="DIR",
        help="save the failing examples of the corruption properties in DIR, and replay those there",
    )
    group.addoption(
        "--call-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"limit for one call of an implementation (default {DEFAULT_TIMEOUT:g})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance(capability, name=None, requirements=()): a conformance suite test"
    )
    for path in config.getoption("conformance_report"):
        if Path(path).suffix.lower() not in REPORT_SUFFIXES:
            raise pytest.UsageError(f"--conformance-report {path}: the suffix must be .json, .md or .html")
    run = Run({}, {}, {}, config.getoption("call_timeout"), [])
    config.stash[_RUN] = run
    config.pluginmanager.register(run, "weightspec-conformance-run")
    if _asks_for_the_suite(config):  # open now, so that a bad --impl is a clean usage error
        _open_implementations(config, run)


def _asks_for_the_suite(config: pytest.Config) -> bool:
    explicit = any(
        config.getoption(name) for name in ("impl", "impl_cmd", "expectations", "write_expectations")
    )
    return explicit or any(str(arg).startswith("weightspec.conformance") for arg in config.args)


def _open_implementations(config: pytest.Config, run: Run) -> None:
    """Build the adapters this run asks for; raise ``pytest.UsageError`` for what cannot run."""
    names = config.getoption("impl") or ([] if config.getoption("impl_cmd") else ["reference"])
    wanted = [name for name in names if name != ALL]
    tolerant = set()
    if ALL in names:
        tolerant = set(BUILTIN) - set(wanted)
        wanted = [*wanted, *(name for name in BUILTIN if name not in wanted)]
    try:
        for name in dict.fromkeys(wanted):
            try:
                adapter = make_adapter(name, timeout=run.timeout)
            except (ImplementationUnavailable, DriverError) as error:  # DriverError: it could not start
                if name not in tolerant:
                    raise
                run.unavailable[name] = str(error)
                continue
            run.adapters[adapter.name] = adapter
        for command in config.getoption("impl_cmd"):
            adapter = command_adapter(command, timeout=run.timeout)
            if adapter.name in run.adapters:
                raise AdapterLoadError(
                    f"--impl-cmd {command!r}: a second implementation named {adapter.name!r}"
                )
            run.adapters[adapter.name] = adapter
        run.expectations = _expectations(config, run)
        _check_expectations_target(config, run)
    except ConformanceError as error:
        _close(run)
        raise pytest.UsageError(str(error)) from None


def _expectations(config: pytest.Config, run: Run) -> dict[str, Expectations]:
    chosen = {}
    for name in run.adapters:
        builtin = builtin_expectations(name)
        if builtin is not None:
            chosen[name] = builtin
    for path in config.getoption("expectations"):
        expectations = read_expectations(path)
        if expectations.implementation not in run.adapters:
            raise ConformanceError(
                f"{path}: is for implementation {expectations.implementation!r}, which this run does not test "
                f"(it tests {', '.join(run.adapters) or 'nothing'}); check its implementation = line"
            )
        chosen[expectations.implementation] = expectations  # a given file replaces the built-in one
    return chosen


def _check_expectations_target(config: pytest.Config, run: Run) -> None:
    """``--write-expectations FILE`` writes one implementation's file; an existing FILE must be a
    valid expectation file of that implementation, since the rerun keeps what it can of it."""
    target = config.getoption("write_expectations")
    if not target:
        return
    if len(run.adapters) != 1:
        raise ConformanceError(
            "--write-expectations writes one implementation's file: run it with one --impl"
        )
    (name,) = run.adapters
    if Path(target).is_file() and (existing := read_expectations(target)).implementation != name:
        raise ConformanceError(
            f"{target}: is for implementation {existing.implementation!r}; --write-expectations would "
            f"replace it with {name!r}'s: choose another file"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is not None:
        _close(run)


def _close(run: Run) -> None:
    for adapter in run.adapters.values():
        try:
            adapter.close()
        except Exception:  # a driver that cannot even stop cleanly must not hide the results
            pass


# -- collection ------------------------------------------------------------------------------------


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = config.stash[_RUN]
    suite_items = [item for item in items if item.get_closest_marker("conformance") is not None]
    if not suite_items:
        return
    run.active = True
    from hypothesis import Phase, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    profile = dict(PROFILES[config.getoption("conformance_profile")])
    if "phases" in profile:
        profile["phases"] = [Phase[phase] for phase in profile["phases"]]
    if config.getoption("conformance_database"):
        profile["database"] = DirectoryBasedExampleDatabase(config.getoption("conformance_database"))
    name = f"weightspec-{config.getoption('conformance_profile')}"
    settings.register_profile(name, deadline=None, **profile)
    settings.load_profile(name)
    for item in suite_items:
        identity = _identity(item)
        item.stash[_IDENTITY] = identity
        item.extra_keyword_matches.update(identity.requirements)
        item.extra_keyword_matches.add(identity.capability)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "implementation" not in metafunc.fixturenames:
        return
    run = metafunc.config.stash[_RUN]
    if not run.adapters and not run.unavailable:
        _open_implementations(metafunc.config, run)
    names = list(run.adapters)
    metafunc.parametrize("implementation", names, ids=names, scope="session")


def _identity(item: pytest.Item) -> TestIdentity:
    marker = item.get_closest_marker("conformance")
    capability = marker.args[0] if marker.args else marker.kwargs["capability"]
    if capability not in CAPABILITIES:
        raise pytest.UsageError(f"{item.nodeid}: unknown capability {capability!r}")
    params = item.callspec.params if hasattr(item, "callspec") else {}
    case = params.get("case")
    name = marker.kwargs.get("name") or getattr(case, "id", None)
    requirements = tuple(marker.kwargs.get("requirements", ())) or _case_requirements(case)
    return TestIdentity(f"{capability}/{name}", capability, requirements, getattr(case, "id", None))


def _case_requirements(case: Any) -> tuple[str, ...]:
    """A case's requirements, the one it expects first (expectation files name that one)."""
    if case is None:
        return ()
    first = () if case.expected.is_valid else (case.expected.requirement,)
    return tuple(dict.fromkeys((*first, *case.requirements)))


# -- running ---------------------------------------------------------------------------------------


class Conformance:
    """The ``conformance`` fixture: call the implementation under test, then conclude."""

    def __init__(
        self, item: pytest.Item, adapter: Adapter, timeout: float, expectations: Expectations | None
    ) -> None:
        self._item = item
        self.adapter = adapter
        self.capability = item.stash[_IDENTITY].capability
        self.timeout = timeout
        self._expectations = expectations

    def listed_divergences(self) -> frozenset[str]:
        """The requirements the implementation's expectation file lists for this test: a property
        test's examples that break only these are known failures, and it searches on."""
        if self._expectations is None:
            return frozenset()
        identity = self._item.stash[_IDENTITY]
        return self._expectations.listed(identity.test, identity.requirements, self.adapter.version)

    def record(self, name: str, value: object) -> None:
        """Keep a number of the test's run (``corruptions-tried``) in its pytest user_properties,
        which xdist carries to the controller and ``--junitxml`` writes."""
        self._item.user_properties.append((name, value))

    def call(self, *args: Any, **kwargs: Any) -> Outcome:
        """Call the test's capability of the implementation; always returns an ``Outcome``."""
        return call(self.adapter, self.capability, *args, timeout=self.timeout, **kwargs)

    def conclude(self, judgement: Judgement) -> None:
        """Record the test's verdict; the report hook turns it into the test's outcome."""
        self._item.stash[_JUDGEMENT] = judgement


@pytest.fixture
def conformance(request: pytest.FixtureRequest, implementation: str) -> Conformance:
    run = request.config.stash[_RUN]
    return Conformance(
        request.node, run.adapters[implementation], run.timeout, run.expectations.get(implementation)
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    identity = item.stash.get(_IDENTITY, None)
    if identity is None:
        return
    adapter = item.config.stash[_RUN].adapters[item.callspec.params["implementation"]]
    if identity.capability not in adapter.capabilities:
        pytest.skip(f"not applicable: {adapter.name} does not declare {identity.capability}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    identity = item.stash.get(_IDENTITY, None)
    if identity is None:
        return
    run = item.config.stash[_RUN]
    adapter = run.adapters[item.callspec.params["implementation"]]
    if report.when == "setup" and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _attach(report, adapter, identity, NOT_APPLICABLE, reason.removeprefix("Skipped: "), "")
        return
    if report.when == "setup" and report.failed:
        _attach(
            report,
            adapter,
            identity,
            ERROR,
            f"the suite could not set this test up: {call.excinfo.value}",
            "",
        )
        return
    if report.when != "call":
        return
    judgement = item.stash.get(_JUDGEMENT, None)
    if report.skipped:  # the test skipped itself, e.g. for a component missing here
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _attach(report, adapter, identity, NOT_APPLICABLE, reason.removeprefix("Skipped: "), "")
        return
    if report.failed and isinstance(call.excinfo.value, JudgementFailed):  # a property's shrunk example
        judgement = call.excinfo.value.judgement
    elif report.failed:  # the test itself raised: a fault of the suite or the adapter, not a verdict
        judgement = Judgement(ERROR, f"the suite's test raised {call.excinfo.typename}: {call.excinfo.value}")
    elif judgement is None:
        judgement = Judgement(ERROR, "the test concluded nothing (a bug in the suite)")
    expectations = run.expectations.get(adapter.name)
    divergence = expectations and expectations.lookup(
        identity.test, identity.requirements, adapter.version, judgement.breaks
    )
    status = final_status(judgement.status, divergence is not None)
    reason = judgement.reason
    if divergence and divergence.reason != one_line(reason):  # say what the file expected where it differs
        reason = (
            f"{reason} [expected: {divergence.reason}]"
            if reason
            else f"expected to fail: {divergence.reason}"
        )
    if status == PASS:
        report.outcome = "passed"
    elif status == EXPECTED_FAIL:
        report.outcome, report.wasxfail, report.longrepr = "skipped", reason, None
    else:
        report.outcome, report.longrepr = "failed", f"{status}: {identity.test} on {adapter.name}: {reason}"
    _attach(report, adapter, identity, status, reason, judgement.outcome, judgement.breaks)


def _attach(
    report: pytest.TestReport,
    adapter: Adapter,
    identity: TestIdentity,
    status: str,
    reason: str,
    outcome: str,
    breaks: tuple[str, ...] | None = None,
) -> None:
    result = TestResult(
        implementation=adapter.name,
        test=identity.test,
        capability=identity.capability,
        requirements=identity.requirements,
        status=status,
        reason=reason,
        outcome=outcome,
        case=identity.case,
        breaks=breaks if status != PASS else None,
    )
    implementation = Implementation(adapter.name, adapter.version, tuple(sorted(adapter.capabilities)))
    report.user_properties.append(
        (_PROPERTY, {"result": result.to_json(), "implementation": implementation.to_json()})
    )


# -- results ---------------------------------------------------------------------------------------


def _report(config: pytest.Config) -> Report:
    run = config.stash[_RUN]
    implementations: dict[str, Implementation] = {}
    results = []
    for item in run.received:
        implementation = Implementation.from_json(item["implementation"])
        expectations = run.expectations.get(implementation.name)
        implementations.setdefault(
            implementation.name,
            Implementation(
                **{
                    **implementation.__dict__,
                    "expectations": expectations.source if expectations else None,
                    "expectations_checked_with": expectations.checked_with if expectations else None,
                }
            ),
        )
        results.append(TestResult.from_json(item["result"]))
    for name, reason in run.unavailable.items():
        implementations[name] = Implementation(name, "unknown", available=False, reason=reason)
    seed = config.getoption("hypothesis_seed", None)
    return Report(
        suite_version=version("weightspec"),
        profile=config.getoption("conformance_profile"),
        seed=str(seed) if seed is not None else "random",
        implementations=list(implementations.values()),
        results=sorted(results, key=lambda r: (r.implementation, r.test)),
    )


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _suite_ran(config: pytest.Config) -> bool:
    return config.stash[_RUN].active


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _is_worker(config) or not _suite_ran(config):
        return
    from weightspec.spec import requirements

    from .harness.render_text import render_text

    report = _report(config)
    terminalreporter.write_sep("=", "weightspec conformance")
    terminalreporter.write(render_text(report, requirements(), color=terminalreporter.hasmarkup))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _is_worker(config):
        config.workeroutput[_PROPERTY] = config.stash[_RUN].unavailable
        return
    if not _suite_ran(config):
        return
    report = _report(config)
    for path in config.getoption("conformance_report"):
        write_report(Path(path), report)
    target = config.getoption("write_expectations")
    if target:
        ((name, adapter),) = config.stash[_RUN].adapters.items()
        path = Path(target)
        previous = path.read_text(encoding="utf-8") if path.is_file() else None
        write_atomically(path, render_expectations(name, adapter.version, report.results, previous=previous))
