"""A driver of the subprocess protocol (spec/protocol.md) for the tests of ``SubprocessAdapter``.

    python python_driver.py [--fault FAULT] [--start-fault FAULT [--on-start N]]

Well behaved, it answers every capability with the reference implementation (a loader of single
weights files only; ``checkpoint-load-into-model`` and ``checkpoint-inspect`` through the
in-process ``reference`` adapter, whose refusals it passes on), and appends every request line
it receives to ``<scratch>/requests.jsonl``.

``--fault`` makes it misbehave on the first run of its first life (a marker file in the scratch
folder remembers it did; the restarted driver behaves): ``hang``, ``exit`` (status 3 before
answering), ``not-json``, ``wrong-seq`` or ``bad-schema`` (an entry without its offset).
``--start-fault`` makes it answer its N-th start request (``--on-start``, default 1; counted in
the scratch folder) wrongly: ``hang``, ``exit``, ``not-json``, ``protocol-2`` or
``unknown-capability``. Before misbehaving it writes ``MISBEHAVING`` and the fault to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from weightspec import reference
from weightspec.conformance.harness.outcomes import Refused
from weightspec.reference import errors

MISBEHAVING = "python_driver: misbehaving on purpose:"
STARTED = {
    "op": "started",
    "protocol": 1,
    "implementation": {
        "name": "python-test-driver",
        "version": "1.0",
        "language": "python",
        "capabilities": [
            "dduf-read",
            "dduf-write",
            "dduf-validate-deep",
            "checkpoint-split",
            "checkpoint-save",
            "checkpoint-load",
            "checkpoint-load-into-model",
            "checkpoint-inspect",
            "checkpoint-validate",
        ],
    },
}
# The reference's errors and the refusal category each stands for; the first match wins.
CATEGORIES = (
    (errors.DDUFInvalidEntryNameError, "invalid-entry-name"),
    (errors.DDUFExportError, "export-error"),
    (errors.DDUFCorruptedFileError, "corrupt-archive"),
    (errors.CheckpointError, "checkpoint-error"),
    (errors.SafetensorsError, "checkpoint-error"),
    (errors.InvalidArgumentError, "checkpoint-error"),
    (errors.UnsupportedDtypeError, "checkpoint-error"),
)


def dduf_read(args: dict) -> dict:
    entries = reference.read_dduf_file(args["path"]).values()
    return {"entries": [{"name": e.filename, "offset": e.offset, "length": e.length} for e in entries]}


def dduf_write(args: dict) -> dict:
    reference.export_entries_as_dduf(args["output"], [(e["name"], Path(e["path"])) for e in args["entries"]])
    return {}


def findings(found: list) -> dict:
    return {"findings": [{"requirement": f.requirement, "message": f.message} for f in found]}


def state_dict_of(descriptions: list[dict], tensors: dict) -> dict:
    """The state dict the descriptions stand for: a tensor's data from ``tensors`` (or the
    description itself, for a split), a string value as "", an unsupported value as None."""
    values = {}
    for description in descriptions:
        name = description["name"]
        if "storage" in description:
            values[name] = tensors.get(name, description)
        else:
            values[name] = "" if description.get("string") else None
    return values


def storage_of(description: dict | None) -> tuple[str, int]:
    if description is None:
        raise errors.InvalidArgumentError("not a tensor: it cannot be split", requirement="SHARD-SPLIT-007")
    return description["storage"], description["storage_nbytes"]


def checkpoint_split(args: dict) -> dict:
    from weightspec.reference.sharding.split import split_state_dict

    split = split_state_dict(
        state_dict_of(args["tensors"], {}),
        storage_of=storage_of,
        filename_pattern=args["filename_pattern"],
        max_shard_size=args["max_shard_size"],
    )
    return {
        "filename_to_tensors": split.filename_to_tensors,
        "tensor_to_filename": split.tensor_to_filename,
        "metadata": split.metadata,
        "is_sharded": split.is_sharded,
    }


def checkpoint_save(args: dict) -> dict:
    import safetensors.torch

    tensors = safetensors.torch.load_file(args["input"])
    state_dict = state_dict_of(args["tensors"], tensors)
    reference.save_torch_state_dict(state_dict, args["directory"], max_shard_size=args["max_shard_size"])
    return {}


def checkpoint_load(args: dict) -> dict:
    import safetensors.torch

    loaded = reference.load_state_dict_from_file(
        args["path"], safe=args["safe"], weights_only=args["weights_only"]
    )
    safetensors.torch.save_file(
        {name: tensor.contiguous() for name, tensor in loaded.items()}, args["output"]
    )
    return {}


def reference_adapter():
    from weightspec.conformance.adapters.reference import ReferenceAdapter

    return ReferenceAdapter()


def checkpoint_load_into_model(args: dict) -> dict:
    import safetensors.torch

    loaded = reference_adapter().checkpoint_load_into_model(
        Path(args["directory"]), family=args["family"], safe=args["safe"], weights_only=args["weights_only"]
    )
    safetensors.torch.save_file(
        {name: tensor.contiguous() for name, tensor in loaded.items()}, args["output"]
    )
    return {}


def checkpoint_inspect(args: dict) -> dict:
    tensors = reference_adapter().checkpoint_inspect(Path(args["path"]))
    return {
        "tensors": {name: {"dtype": dtype, "shape": list(shape)} for name, (dtype, shape) in tensors.items()}
    }


CAPABILITIES = {
    "dduf-read": dduf_read,
    "dduf-write": dduf_write,
    "dduf-validate-deep": lambda args: findings(reference.validate_dduf(args["path"], deep=True)),
    "checkpoint-split": checkpoint_split,
    "checkpoint-save": checkpoint_save,
    "checkpoint-load": checkpoint_load,
    "checkpoint-load-into-model": checkpoint_load_into_model,
    "checkpoint-inspect": checkpoint_inspect,
    "checkpoint-validate": lambda args: findings(reference.validate_checkpoint(args["path"])),
}


def answer(request: dict) -> dict:
    seq = request["seq"]
    try:
        return {
            "seq": seq,
            "outcome": "accepted",
            "value": CAPABILITIES[request["capability"]](request["args"]),
        }
    except Refused as refusal:
        return {
            "seq": seq,
            "outcome": "refused",
            "category": refusal.category,
            "requirements": list(refusal.requirements),
            "error_type": refusal.error_type,
            "message": refusal.message,
        }
    except Exception as error:
        category = next((category for kind, category in CATEGORIES if isinstance(error, kind)), None)
        if (
            category is None
            and isinstance(error, FileNotFoundError)
            and request["capability"].startswith("checkpoint")
        ):
            category = "file-not-found"
        if category is None:
            return {
                "seq": seq,
                "outcome": "crashed",
                "error_type": type(error).__name__,
                "message": str(error),
            }
        requirement = getattr(error, "requirement", None)
        return {
            "seq": seq,
            "outcome": "refused",
            "category": category,
            "requirements": [requirement] if requirement else [],
            "error_type": type(error).__name__,
            "message": str(error),
        }


def send(message: dict) -> None:
    print(json.dumps(message), flush=True)


def misbehave(fault: str, seq: int) -> None:
    print(MISBEHAVING, fault, file=sys.stderr, flush=True)
    if fault == "hang":
        time.sleep(3600)
    elif fault == "exit":
        sys.exit(3)
    elif fault == "not-json":
        print("this is not JSON", flush=True)
    elif fault == "wrong-seq":
        send({"seq": seq + 1, "outcome": "accepted", "value": {"entries": []}})
    elif fault == "bad-schema":
        send({"seq": seq, "outcome": "accepted", "value": {"entries": [{"name": "a.json", "length": 1}]}})
    elif fault == "protocol-2":
        send({**STARTED, "protocol": 2})
    elif fault == "unknown-capability":
        send({**STARTED, "implementation": {**STARTED["implementation"], "capabilities": ["dduf-levitate"]}})


def first_time(marker: Path) -> bool:
    """True the first time it is asked about ``marker``, in any life of the driver."""
    if marker.exists():
        return False
    marker.touch()
    return True


def count_start(scratch: Path) -> int:
    counter = scratch / "starts"
    starts = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(starts))
    return starts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fault", choices=["hang", "exit", "not-json", "wrong-seq", "bad-schema"])
    parser.add_argument(
        "--start-fault", choices=["hang", "exit", "not-json", "protocol-2", "unknown-capability"]
    )
    parser.add_argument("--on-start", type=int, default=1)
    options = parser.parse_args()
    scratch = None
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "stop":
            return 0
        if request["op"] == "start":
            scratch = Path(request["scratch"])
        with open(scratch / "requests.jsonl", "a", encoding="utf-8") as log:
            log.write(line)
        if request["op"] == "start":
            if options.start_fault and count_start(scratch) == options.on_start:
                misbehave(options.start_fault, 0)
            else:
                send(STARTED)
        elif options.fault and first_time(scratch / "run-fault-done"):
            misbehave(options.fault, request["seq"])
        else:
            send(answer(request))
    return 0


if __name__ == "__main__":
    sys.exit(main())
