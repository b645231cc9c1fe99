"""How an in-process loader reports a bad load without raising: its load report and its warnings.

Loaders that load leniently (accelerate's ``load_checkpoint_in_model``, ``from_pretrained`` in
transformers and diffusers) return or log what went wrong instead of raising. The adapters take
that report as the project's documented refusal:

- ``refuse_reported(info)``: a non-empty list of the ``output_loading_info`` dict that
  ``from_pretrained`` returns (missing, unexpected, mismatched keys, error messages) becomes
  ``Refused(CHECKPOINT_ERROR, "reported <list> [...]")``;
- ``Reporting.watching()``: during a call, records every ``warnings.warn`` message and every record
  at WARNING or above of the project's loggers, printing none of them, and turns off the project's
  progress bars; ``Reporting.refuse_warned(messages)`` then refuses, quoting the first warning that
  matches one of the project's patterns (warnings that report missing or unexpected keys or
  skipped files). Other warnings are ignored.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType

from ..harness.outcomes import CHECKPOINT_ERROR, Refused

# The lists of an ``output_loading_info`` dict, in the order a refusal names them.
REPORT_LISTS = ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")
SHOWN = 10  # entries of a reported list that a refusal's message quotes


def refuse_reported(info: Mapping[str, Collection]) -> None:
    """Raise ``Refused(CHECKPOINT_ERROR)`` naming the first non-empty list of ``REPORT_LISTS`` in
    ``info``; return when all are empty or absent."""
    for name in REPORT_LISTS:
        entries = sorted(str(entry) for entry in info.get(name) or ())
        if entries:
            more = f" and {len(entries) - SHOWN} more" if len(entries) > SHOWN else ""
            raise Refused(CHECKPOINT_ERROR, f"reported {name.replace('_', ' ')} {entries[:SHOWN]}{more}")


@dataclass(frozen=True)
class Reporting:
    """How one project warns about a bad load.

    ``loggers``: the names of its loggers whose records are captured (a library's root logger
    covers its children); ``patterns``: regular expressions, one of which a warning matches when
    it reports missing or unexpected keys or skipped files; ``progress``: its logging module with
    ``is_progress_bar_enabled``, ``disable_progress_bar`` and ``enable_progress_bar`` (transformers'
    and diffusers' ``utils.logging``), or None when it shows no progress bars.
    """

    loggers: tuple[str, ...]
    patterns: tuple[str, ...]
    progress: ModuleType | None = None

    @contextlib.contextmanager
    def watching(self) -> Iterator[list[str]]:
        """Yield the list that the block's warnings are added to, as text: log records as they come,
        ``warnings.warn`` messages when the block ends."""
        messages: list[str] = []
        with contextlib.ExitStack() as stack:
            caught = stack.enter_context(warnings.catch_warnings(record=True))
            warnings.simplefilter("always")
            for name in self.loggers:
                stack.enter_context(_collecting(logging.getLogger(name), messages))
            if self.progress is not None and self.progress.is_progress_bar_enabled():
                self.progress.disable_progress_bar()
                stack.callback(self.progress.enable_progress_bar)
            try:
                yield messages
            finally:
                messages.extend(str(warning.message) for warning in caught)

    def refuse_warned(self, messages: list[str]) -> None:
        """Raise ``Refused(CHECKPOINT_ERROR)`` quoting the first message that matches a pattern."""
        for message in messages:
            if any(re.search(pattern, message) for pattern in self.patterns):
                raise Refused(CHECKPOINT_ERROR, f"warned: {message.strip()}")


class _Collector(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _collecting(logger: logging.Logger, messages: list[str]) -> Iterator[None]:
    """While in the block, ``logger``'s records at WARNING and above go to ``messages`` only: its own
    handlers are detached and nothing propagates, so the library prints nothing; the level is
    WARNING, so that a quieter configured verbosity drops no warning the adapter needs."""
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    for handler in handlers:
        logger.removeHandler(handler)
    collector = _Collector(messages)
    logger.addHandler(collector)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(collector)
        for handler in handlers:
            logger.addHandler(handler)
        logger.propagate = propagate
        logger.setLevel(level)
