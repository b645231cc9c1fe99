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

This module only names the plugin's parts, which pytest registers with it (``pytest_plugins`` is
honoured for a plugin loaded through an entry point or ``-p``): ``options`` (the options, and
opening the implementations), ``collection``, ``running`` (the ``conformance`` fixture and each
test's result) and ``results`` (the report, the summary and the files); ``_state`` holds what they
share.
"""

pytest_plugins = [
    "weightspec.conformance.plugin.options",
    "weightspec.conformance.plugin.collection",
    "weightspec.conformance.plugin.running",
    "weightspec.conformance.plugin.results",
]
