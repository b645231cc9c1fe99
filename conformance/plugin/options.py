"""The plugin's options and set-up: the command-line options, and the implementations they open.

``pytest_configure`` checks ``--conformance-report``'s suffixes, makes the process's ``Run`` and,
when the command line asks for the suite, opens the implementations at once (``open_implementations``:
the adapters of ``--impl`` and ``--impl-cmd``, and the expectation file of each), so that a bad
``--impl`` is a clean ``pytest.UsageError``; ``pytest_unconfigure`` closes them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..adapters import ALL, BUILTIN, command_adapter, make_adapter
from ..harness.adapter import DEFAULT_TIMEOUT
from ..harness.errors import AdapterLoadError, ConformanceError, DriverError, ImplementationUnavailable
from ..harness.expectations import Expectations, builtin_expectations, read_expectations
from ..harness.report_files import REPORT_SUFFIXES
from ._state import PROFILES, RUN, Run


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
    config.stash[RUN] = run
    config.pluginmanager.register(run, "weightspec-conformance-run")
    if _asks_for_the_suite(config):  # open now, so that a bad --impl is a clean usage error
        open_implementations(config, run)


def _asks_for_the_suite(config: pytest.Config) -> bool:
    explicit = any(
        config.getoption(name) for name in ("impl", "impl_cmd", "expectations", "write_expectations")
    )
    return explicit or any(str(arg).startswith("weightspec.conformance") for arg in config.args)


def open_implementations(config: pytest.Config, run: Run) -> None:
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
    run = config.stash.get(RUN, None)
    if run is not None:
        _close(run)


def _close(run: Run) -> None:
    for adapter in run.adapters.values():
        try:
            adapter.close()
        except Exception:  # a driver that cannot even stop cleanly must not hide the results
            pass
