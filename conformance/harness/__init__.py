"""The conformance harness: how an implementation is called, how its answers are judged, and
what a run reports.

- ``outcomes``: what one call of an implementation gave (accepted, refused, crashed, timed out,
  error) and the refusal categories an adapter maps exceptions to;
- ``adapter``: the contract an implementation's adapter fulfils (name, version, capabilities, one
  method per capability) and ``call()``, which turns any call into an ``Outcome``;
- ``judging``: an outcome against what a case expects, as a ``Judgement`` (pass, fail, error);
- ``expectations``: per-implementation expectation files (known divergences, test262-style);
- ``results``: a run's ``Report`` (every test's final status) and its requirement x
  implementation matrix;
- ``errors``: the suite's own errors (an implementation that cannot be loaded, a driver that
  misbehaves, an unreadable expectation file).
"""
