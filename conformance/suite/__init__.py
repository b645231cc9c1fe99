"""The conformance suite: pytest modules run by the ``weightspec.conformance`` plugin.

Run it with ``weightspec conformance`` or ``pytest --pyargs weightspec.conformance.suite --impl NAME``.
Every test is marked ``@pytest.mark.conformance(capability, ...)``, takes the ``conformance``
fixture (which calls the implementation under test and records the judgement) and is run once
per implementation. Test modules use absolute imports: pytest imports them by file path.
"""
