"""Checkpoint cases of spec/sharding.md section 5: a broken index file, everything else valid.

Each case is the baseline checkpoint with one change to ``model.safetensors.index.json``; a
loader must refuse it naming the index file (and the tensor, for a bad ``weight_map`` value).
"""

from __future__ import annotations

from pathlib import Path

from .baseline import INDEX, broken_case, edit_index, set_shard_of, set_total_size, shard

INDEX_LIMIT = 10 * 1024 * 1024  # SHARD-INDEX-004


def _write_raw_index(data: bytes):
    return lambda directory: (directory / INDEX).write_bytes(data)


def _drop_key(key: str):
    return lambda directory: edit_index(directory, lambda index: index.pop(key))


def _pad_past_the_limit(directory: Path) -> None:
    path = directory / INDEX
    text = path.read_text(encoding="utf-8")
    path.write_text(text + " " * (INDEX_LIMIT + 1 - len(text.encode("utf-8"))), encoding="utf-8")


def _duplicate_weight_map_key(directory: Path) -> None:
    path = directory / INDEX
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('"weight_map": {', f'"weight_map": {{"b": "{shard(1)}",', 1), encoding="utf-8"
    )


def _bad_shard_name(case_id: str, name: str, description: str):
    return broken_case(
        case_id, "SHARD-INDEX-002", description, set_shard_of("a", name), file=INDEX, entry="a"
    )


CASES = (
    broken_case(
        "index-not-json",
        "SHARD-INDEX-001",
        "The index file is not JSON.",
        _write_raw_index(b"{not json"),
        file=INDEX,
    ),
    broken_case(
        "index-not-utf8",
        "SHARD-INDEX-001",
        "The index file holds a byte that is not UTF-8.",
        _write_raw_index(b'{"\xff": 1}'),
        file=INDEX,
    ),
    broken_case(
        "index-without-weight-map",
        "SHARD-INDEX-001",
        "The index file has no weight_map.",
        _drop_key("weight_map"),
        file=INDEX,
    ),
    broken_case(
        "index-without-metadata",
        "SHARD-INDEX-001",
        "The index file has no metadata object, which the index schema requires.",
        _drop_key("metadata"),
        file=INDEX,
    ),
    broken_case(
        "index-total-size-not-an-integer",
        "SHARD-INDEX-001",
        "The index's total_size is the string '256', not an integer.",
        set_total_size("256"),
        file=INDEX,
    ),
    _bad_shard_name(
        "index-shard-in-the-parent-directory",
        f"../{shard(1)}",
        "The index maps tensor a to a shard in the parent directory.",
    ),
    _bad_shard_name(
        "index-shard-absolute-path",
        "/etc/model.safetensors",
        "The index maps tensor a to an absolute path.",
    ),
    _bad_shard_name(
        "index-shard-drive-letter",
        f"C:{shard(1)}",
        "The index maps tensor a to a name with a drive letter.",
    ),
    _bad_shard_name(
        "index-shard-backslash",
        f"..\\{shard(1)}",
        "The index maps tensor a to a Windows path into the parent directory.",
    ),
    _bad_shard_name("index-shard-dot-dot", "..", "The index maps tensor a to the name '..'."),
    broken_case(
        "index-total-size-too-large",
        "SHARD-INDEX-003",
        "The index's total_size is 257, one byte more than the shards' data buffers hold.",
        set_total_size(257),
        file=INDEX,
    ),
    broken_case(
        "index-over-10-mib",
        "SHARD-INDEX-004",
        "The index file is padded with spaces to one byte over 10 MiB.",
        _pad_past_the_limit,
        file=INDEX,
    ),
    broken_case(
        "index-names-a-pickle-shard",
        "SHARD-INDEX-005",
        "The safetensors index maps tensor a to a .bin shard.",
        set_shard_of("a", "model-00001-of-00004.bin"),
        file=INDEX,
        entry="a",
    ),
    broken_case(
        "index-duplicate-key",
        "SHARD-INDEX-006",
        "The index's weight_map lists tensor b twice, under two shards.",
        _duplicate_weight_map_key,
        file=INDEX,
        entry="b",
    ),
)
