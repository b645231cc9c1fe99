"""The contract between the suite and an implementation under test.

An adapter has a ``name``, a ``version`` and the set of ``capabilities`` it declares. For each
declared capability it implements one method; the suite calls a capability only where it is
declared, and reports every other test as not applicable.

======================  ===========================================================  ==================
capability              method and what it returns                                   refusal categories
======================  ===========================================================  ==================
``dduf-read``           ``dduf_read(path) -> list[EntryInfo]``, in directory order   corrupt-archive
``dduf-write``          ``dduf_write(entries, path)``: entries are (name, bytes |    invalid-entry-name,
                        Path) pairs; writes the archive at ``path``                   export-error
``dduf-validate-deep``  ``dduf_validate_deep(path) -> list[Finding]``, every byte     corrupt-archive
                        read; ``[]`` for a valid archive
``checkpoint-split``    ``checkpoint_split(state_dict, *, max_shard_size,             checkpoint-error
                        filename_pattern) -> SplitResult``
``checkpoint-save``     ``checkpoint_save(state_dict, directory, *,                   checkpoint-error
                        max_shard_size)``: writes a checkpoint into ``directory``
``checkpoint-load``     ``checkpoint_load(path, *, model, safe, weights_only) ->       checkpoint-error,
                        dict[str, torch.Tensor]``: a weights file, an index file or   file-not-found
                        a checkpoint directory, loaded into a model of ``model``
                        (a ``ModelSpec``); ``safe=False`` allows pickles,
                        ``weights_only=False`` unrestricted unpickling
``checkpoint-load-``    ``checkpoint_load_into_model(directory, *, family, safe,       checkpoint-error,
``into-model``          weights_only) -> dict[str, torch.Tensor]``: the checkpoint    file-not-found
                        ``directory`` holds the ``config.json`` of a model of the
                        adapter's ``model_family``; the adapter builds that model the
                        project's way and loads it; returns the model's state dict
                        (a tensor may be left on ``meta``: the suite judges that)
``checkpoint-inspect``  ``checkpoint_inspect(path) -> dict[str, TensorSpec]``: the    checkpoint-error,
                        stored tensors' names, dtypes and shapes, read from the       file-not-found
                        headers alone (no tensor data), for a path as checkpoint-load
                        takes it
``checkpoint-validate`` ``checkpoint_validate(path) -> list[Finding]``; ``[]`` when   checkpoint-error,
                        valid                                                         file-not-found
======================  ===========================================================  ==================

``model_family`` names the kind of model a ``checkpoint-load-into-model`` adapter builds from a
checkpoint's ``config.json``: ``FAMILIES`` lists them (``checkpoint_cases.families`` builds every
case for each). ``checkpoint-load`` always loads into a blank ``nn.Module`` of the case's tensors.

A method signals a documented refusal by raising ``Refused``: in-process adapters wrap each call
of the implementation in ``refusing({ErrorType: category, ...})``, which turns exactly the errors
that the called function documents into refusals. Anything else it raises is a crash. ``call()``
turns every call into an ``Outcome``; for the validate capabilities a non-empty list of findings
becomes a refusal that names the findings' requirement IDs.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .errors import CallTimeout, DriverError
from .outcomes import (
    CHECKPOINT_ERROR,
    CORRUPT_ARCHIVE,
    EXPORT_ERROR,
    FILE_NOT_FOUND,
    INVALID_ENTRY_NAME,
    Outcome,
    Refused,
)

DDUF_READ = "dduf-read"
DDUF_WRITE = "dduf-write"
DDUF_VALIDATE_DEEP = "dduf-validate-deep"
CHECKPOINT_SPLIT = "checkpoint-split"
CHECKPOINT_SAVE = "checkpoint-save"
CHECKPOINT_LOAD = "checkpoint-load"
CHECKPOINT_VALIDATE = "checkpoint-validate"
CHECKPOINT_LOAD_INTO_MODEL = "checkpoint-load-into-model"
CHECKPOINT_INSPECT = "checkpoint-inspect"
CAPABILITIES = (
    DDUF_READ,
    DDUF_WRITE,
    DDUF_VALIDATE_DEEP,
    CHECKPOINT_SPLIT,
    CHECKPOINT_SAVE,
    CHECKPOINT_LOAD,
    CHECKPOINT_LOAD_INTO_MODEL,
    CHECKPOINT_INSPECT,
    CHECKPOINT_VALIDATE,
)

# The model families of checkpoint-load-into-model: a blank nn.Module of the case's tensors, a
# small transformers BertModel, a small diffusers UNet2DModel.
PLAIN_FAMILY = "plain"
BERT_FAMILY = "transformers-bert"
UNET_FAMILY = "diffusers-unet"
FAMILIES = (PLAIN_FAMILY, BERT_FAMILY, UNET_FAMILY)

# The categories a refusal of each capability may have; any other is a refusal for the wrong reason.
REFUSAL_CATEGORIES = {
    DDUF_READ: (CORRUPT_ARCHIVE,),
    DDUF_WRITE: (INVALID_ENTRY_NAME, EXPORT_ERROR),
    DDUF_VALIDATE_DEEP: (CORRUPT_ARCHIVE,),
    CHECKPOINT_SPLIT: (CHECKPOINT_ERROR,),
    CHECKPOINT_SAVE: (CHECKPOINT_ERROR,),
    CHECKPOINT_LOAD: (CHECKPOINT_ERROR, FILE_NOT_FOUND),
    CHECKPOINT_LOAD_INTO_MODEL: (CHECKPOINT_ERROR, FILE_NOT_FOUND),
    CHECKPOINT_INSPECT: (CHECKPOINT_ERROR, FILE_NOT_FOUND),
    CHECKPOINT_VALIDATE: (CHECKPOINT_ERROR, FILE_NOT_FOUND),
}
# A validator's findings, when there are some, become a refusal of this category.
VALIDATOR_CATEGORY = {DDUF_VALIDATE_DEEP: CORRUPT_ARCHIVE, CHECKPOINT_VALIDATE: CHECKPOINT_ERROR}

DEFAULT_TIMEOUT = 30.0  # seconds per call


class EntryInfo(NamedTuple):
    """One DDUF entry as a reader located it: the data is ``file[offset : offset + length]``."""

    name: str
    offset: int
    length: int


class Finding(NamedTuple):
    """One finding of a validator: the requirement ID it names (None when it names none) and why."""

    requirement: str | None
    message: str


class TensorSpec(NamedTuple):
    """A tensor a model expects: its safetensors dtype name (``F32``, ``BF16``, ...) and its shape."""

    dtype: str
    shape: tuple[int, ...]


# The model a checkpoint is loaded into: tensor name -> TensorSpec. Loaders that need a model
# (``load_torch_model``) build one with these buffers; loaders that return a state dict ignore it.
ModelSpec = dict[str, TensorSpec]


class SplitResult(NamedTuple):
    """A split plan, as huggingface_hub's ``StateDictSplit`` holds it."""

    filename_to_tensors: dict[str, list[str]]
    tensor_to_filename: dict[str, str]
    metadata: dict[str, Any]
    is_sharded: bool


class Adapter:
    """Base of every adapter; subclasses set the three attributes and the capability methods.

    ``name``: how the implementation is called in reports and expectation files;
    ``version``: its version (a package version, a git describe, ...);
    ``capabilities``: the subset of ``CAPABILITIES`` it implements;
    ``model_family``: for ``checkpoint-load-into-model``, the one of ``FAMILIES`` it builds.
    """

    name: str = "unnamed"
    version: str = "unknown"
    capabilities: frozenset[str] = frozenset()
    model_family: str = PLAIN_FAMILY
    # False for adapters that bound each call themselves (a subprocess driver is killed at its
    # timeout); call() then sets no alarm, so that the adapter's own, more telling error wins.
    in_process: bool = True

    def refusal(self, error: BaseException) -> Refused | None:
        """The documented refusal that ``error`` stands for, or None when it is a crash."""
        return error if isinstance(error, Refused) else None

    def close(self) -> None:
        """Release what the adapter holds (a driver process, a scratch folder)."""

    def dduf_read(self, path: Path) -> list[EntryInfo]:
        raise NotImplementedError

    def dduf_write(self, entries: Sequence[tuple[str, bytes | Path]], path: Path) -> None:
        raise NotImplementedError

    def dduf_validate_deep(self, path: Path) -> list[Finding]:
        raise NotImplementedError

    def checkpoint_split(
        self, state_dict: dict, *, max_shard_size: int | str, filename_pattern: str
    ) -> SplitResult:
        raise NotImplementedError

    def checkpoint_save(self, state_dict: dict, directory: Path, *, max_shard_size: int | str) -> None:
        raise NotImplementedError

    def checkpoint_load(
        self, path: Path, *, model: ModelSpec, safe: bool = True, weights_only: bool = True
    ) -> dict:
        raise NotImplementedError

    def checkpoint_load_into_model(
        self, directory: Path, *, family: str, safe: bool = True, weights_only: bool = True
    ) -> dict:
        raise NotImplementedError

    def checkpoint_inspect(self, path: Path) -> dict[str, TensorSpec]:
        raise NotImplementedError

    def checkpoint_validate(self, path: Path) -> list[Finding]:
        raise NotImplementedError


@contextlib.contextmanager
def refusing(documented: Mapping[type[BaseException], str]) -> Iterator[None]:
    """Turn the documented errors of an implementation's call into ``Refused``.

    ``documented`` maps error types to categories; the first type (in mapping order) that the
    raised error is an instance of decides, so list subclasses before their bases. An error's
    ``requirement`` attribute (weightspec's errors have one), when it is a string, becomes the
    requirement the refusal names. Other errors pass through unchanged, to be judged as crashes.
    """
    try:
        yield
    except Refused:
        raise
    except BaseException as error:
        category = next((c for kind, c in documented.items() if isinstance(error, kind)), None)
        if category is None:
            raise
        requirement = getattr(error, "requirement", None)
        kind = type(error)
        raise Refused(
            category,
            str(error),
            requirements=(requirement,) if isinstance(requirement, str) else (),
            error_type=f"{kind.__module__}.{kind.__qualname__}",
        ) from error


def method_of(adapter: Adapter, capability: str):
    """The adapter's bound method for ``capability`` (``dduf-read`` -> ``dduf_read``)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}; expected one of {CAPABILITIES}")
    return getattr(adapter, capability.replace("-", "_"))


def call(
    adapter: Adapter, capability: str, *args: Any, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any
) -> Outcome:
    """Call ``capability`` of ``adapter`` and classify what happened; never raises for the
    implementation's sake (only ``KeyboardInterrupt`` passes through).

    In-process calls are bounded by ``timeout`` with SIGALRM where that is possible (the main
    thread of a Unix process), which stops pure-Python loops; a subprocess adapter enforces the
    timeout itself and raises ``CallTimeout``.
    """
    method = method_of(adapter, capability)
    try:
        with _deadline(timeout) if adapter.in_process else contextlib.nullcontext():
            value = method(*args, **kwargs)
    except CallTimeout as error:
        return Outcome.timed_out(str(error))
    except DriverError as error:
        return Outcome.errored(str(error))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # SystemExit from an implementation is a crash too
        refusal = adapter.refusal(error)
        return Outcome.refused(refusal) if refusal is not None else Outcome.crashed(error)
    if capability in VALIDATOR_CATEGORY and value:
        findings = [Finding(*finding) for finding in value]
        requirements = tuple(dict.fromkeys(f.requirement for f in findings if f.requirement))
        message = "; ".join(f"{f.requirement or '(no ID)'}: {f.message}" for f in findings[:5])
        return Outcome.refused(Refused(VALIDATOR_CATEGORY[capability], message, requirements=requirements))
    return Outcome.accepted(value)


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise CallTimeout(f"the call did not return within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
