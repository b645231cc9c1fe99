"""Adapters: how the suite reaches each implementation under test.

Built in, by name (``--impl NAME``; ``--impl all`` runs every one that is available here):

- ``reference``: this project's reference (``weightspec.reference``), in process;
- ``huggingface_hub``: the installed huggingface_hub, in process;
- ``huggingface.js``: the npm package ``@huggingface/dduf`` under Node, through the subprocess
  protocol (``spec/protocol.md``);
- ``huggingface.js-hub``: the npm package ``@huggingface/hub`` under Node (its header-only
  ``parseSafetensorsMetadata``, served the local checkpoint as a Hub repo), the same way; both
  npm drivers are installed with ``npm ci`` on first use (``npm_driver``);
- ``accelerate``, ``accelerate.strict``: accelerate's ``load_checkpoint_in_model``, lenient (its
  default) and with ``strict=True``, in process;
- ``transformers``, ``diffusers``: ``from_pretrained`` of a small BertModel and UNet2DModel, in
  process (``checkpoint-load-into-model``).

Third-party implementations: ``--impl module:factory`` imports ``module`` and calls ``factory()``,
which returns an ``Adapter``; ``--impl-cmd "CMD ARGS"`` starts a driver speaking the subprocess
protocol. ``module`` is imported with the current directory on ``sys.path``, as ``python -m``
does. ``make_adapter(spec)`` does all three; unavailable implementations raise
``ImplementationUnavailable`` with the reason, bad ``module:factory`` specs ``AdapterLoadError``.
"""

from __future__ import annotations

import importlib
import os
import shlex
import sys
from collections.abc import Callable

from ..harness.adapter import CAPABILITIES, DEFAULT_TIMEOUT, Adapter
from ..harness.errors import AdapterLoadError

# name -> "module:factory" inside this package; a factory takes the per-call timeout.
BUILTIN = {
    "reference": "reference:ReferenceAdapter",
    "huggingface_hub": "huggingface_hub:HuggingfaceHubAdapter",
    "huggingface.js": "huggingface_js:huggingface_js",
    "huggingface.js-hub": "huggingface_js_hub:huggingface_js_hub",
    "accelerate": "accelerate:AccelerateAdapter",
    "accelerate.strict": "accelerate:accelerate_strict",
    "transformers": "transformers:TransformersAdapter",
    "diffusers": "diffusers:DiffusersAdapter",
}
ALL = "all"


def make_adapter(spec: str, *, timeout: float = DEFAULT_TIMEOUT) -> Adapter:
    """The adapter for a built-in name or a ``module:factory`` spec."""
    if spec in BUILTIN:
        module, _, factory = BUILTIN[spec].partition(":")
        return _checked(
            getattr(importlib.import_module(f"{__name__}.{module}"), factory)(timeout=timeout), spec
        )
    if ":" not in spec:
        raise AdapterLoadError(
            f"unknown implementation {spec!r}: expected one of {', '.join([*BUILTIN, ALL])}, "
            "or module:factory for your own adapter (e.g. --impl my_project.conformance:adapter)"
        )
    module_name, _, factory_name = spec.partition(":")
    if (
        os.getcwd() not in sys.path
    ):  # as `python -m` does: the user's own modules are found from where they run
        sys.path.insert(0, os.getcwd())
    try:
        factory: Callable[..., Adapter] = getattr(importlib.import_module(module_name), factory_name)
    except ImportError as error:
        raise AdapterLoadError(f"--impl {spec}: cannot import {module_name!r}: {error}") from None
    except AttributeError:
        raise AdapterLoadError(f"--impl {spec}: module {module_name!r} has no {factory_name!r}") from None
    try:
        adapter = factory()
    except Exception as error:
        raise AdapterLoadError(
            f"--impl {spec}: {factory_name}() raised {type(error).__name__}: {error}"
        ) from None
    return _checked(adapter, spec)


def command_adapter(command: str, *, timeout: float = DEFAULT_TIMEOUT) -> Adapter:
    """The adapter for a driver command line (``--impl-cmd``)."""
    from .subprocess_driver import SubprocessAdapter  # imported here: only drivers need it

    return SubprocessAdapter(shlex.split(command), timeout=timeout)


def _checked(adapter: object, spec: str) -> Adapter:
    if not isinstance(adapter, Adapter):
        raise AdapterLoadError(
            f"--impl {spec}: the factory returned {type(adapter).__name__}, not an Adapter"
        )
    unknown = set(adapter.capabilities) - set(CAPABILITIES)
    if unknown:
        raise AdapterLoadError(
            f"--impl {spec}: unknown capabilities {sorted(unknown)}; known: {CAPABILITIES}"
        )
    return adapter
