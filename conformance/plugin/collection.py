"""The plugin's collection: parametrizing the suite by implementation, and naming its tests.

``pytest_generate_tests`` runs a test that takes ``implementation`` once per opened implementation;
``pytest_collection_modifyitems`` loads the hypothesis profile of ``--conformance-profile`` (and
``--conformance-database``) when a suite test was collected, and gives each suite item (one with
``@pytest.mark.conformance``) its ``TestIdentity``: test id ``<capability>/<name or case id>``, and
its requirement IDs and capability as keywords for ``-k``. An unknown capability is a
``pytest.UsageError``.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..harness.adapter import CAPABILITIES
from ._state import IDENTITY, PROFILES, RUN, TestIdentity
from .options import open_implementations


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = config.stash[RUN]
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
        item.stash[IDENTITY] = identity
        item.extra_keyword_matches.update(identity.requirements)
        item.extra_keyword_matches.add(identity.capability)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "implementation" not in metafunc.fixturenames:
        return
    run = metafunc.config.stash[RUN]
    if not run.adapters and not run.unavailable:
        open_implementations(metafunc.config, run)
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
