"""Settings shared by every test folder."""

from hypothesis import HealthCheck, settings

# CI machines are small and noisy: no per-example deadline; generated data may be slow to build.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")


def pytest_collection_modifyitems(items):
    """Make ``pytest -k DDUF-ZIP-007`` select the tests of one requirement: a test carries, as
    keywords, the requirement IDs its function names in string literals, and those of the
    conformance case it is parametrized with (a ``case``, ``valid_case`` or ``checkpoint_case``
    argument)."""
    from weightspec.spec.traceability import mentions_in_file

    for item in items:
        function = getattr(item, "function", None)
        if function is None:
            continue
        name = function.__qualname__.replace(".<locals>", "")
        ids = set(mentions_in_file(str(item.path)).get(name, ()))
        params = getattr(item, "callspec", None)
        for argument in ("case", "valid_case", "checkpoint_case"):
            case = params.params.get(argument) if params else None
            ids.update(getattr(case, "requirements", ()))
            if getattr(case, "expected", None) is not None and case.expected.requirement:
                ids.add(case.expected.requirement)
        item.extra_keyword_matches.update(ids)
