"""Publishing a checkpoint's files over the one the directory holds (SHARD-SAVE-009, 012..014).

At every instant the directory holds the complete old checkpoint or the complete new one, as
the reference, huggingface_hub and transformers each find it. Their rules differ, and the
protocol is shaped by them: the reference and huggingface_hub take the index first, transformers
takes ``model.safetensors`` first, and huggingface_hub, without an index, wants exactly one
``.safetensors`` file. So a single weights file and an index never describe different
checkpoints, and without an index no second weights file of the pattern ever appears.

``publish_checkpoint`` runs steps 3 to 5 of spec/sharding.md, section 4, for a main process:

3. *protect* (SHARD-SAVE-012): every file of the old checkpoint that a new file will replace,
   and the old single file when an index exists or will, gets its side name
   (``model-00001-of-00003.previous.safetensors``, a hard link), and the index is atomically
   replaced by one naming the side names (an old single file is indexed from its header first);
   then the old single file is removed;
4. *commit*: the new shards are renamed onto their names, which no index names now, then the
   index is atomically replaced by the new one. A new single file is renamed onto
   ``model.safetensors`` when no index exists; otherwise it goes through
   ``model.incoming.safetensors`` and an index naming it (SHARD-SAVE-013);
5. *finish* (SHARD-SAVE-014): the files of the earlier save and every side name are removed; a
   new single file's transitional index goes last.

A non-main process (``is_main_process=False``) only places and commits, as huggingface_hub's
does: it touches no file of an earlier save. The function returns the names of the new
checkpoint's files; ``OSError`` propagates, the directory still holding one whole checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from .._atomic_files import AtomicFile, StagedFiles, link_beside
from ..errors import SafetensorsError
from ..safetensors.header import read_safetensors_header
from .checkpoint_names import (
    incoming_name,
    index_name,
    is_safetensors_name,
    pattern_files,
    previous_name,
    unsuffixed_name,
)

logger = logging.getLogger(__name__)


def publish_checkpoint(
    directory: Path,
    pattern: str,
    staged: StagedFiles,
    index: dict,
    *,
    sharded: bool,
    is_main_process: bool,
    fsync: bool,
) -> set[str]:
    """Publish the weights files ``staged`` holds; the names of the new checkpoint's files.

    ``index`` is the new checkpoint's index document (``metadata``, ``weight_map``), written
    when ``sharded``; for one file it is what the transitional index says (SHARD-SAVE-013).
    """
    index_path = directory / index_name(pattern)
    new_names = set(staged.names)
    if not is_main_process:
        staged.publish()
        if sharded:
            _write_index(index_path, index, fsync=fsync)
        return new_names | ({index_path.name} if sharded else set())
    _protect(directory, pattern, new_names, sharded=sharded, fsync=fsync)
    if sharded:
        staged.publish()
        _write_index(index_path, index, fsync=fsync)  # the commit
        keep = new_names | {index_path.name}
    elif index_path.exists():
        _publish_single_beside_an_index(directory, pattern, staged, index, fsync=fsync)
        keep = new_names | {index_path.name}
    else:
        staged.publish()  # the commit: the single file replaced in one rename
        keep = new_names
    _remove_earlier_files(directory, pattern, keep=keep)
    if not sharded and index_path.exists():
        # Last: until every other weights file is gone, only an index names one checkpoint to all loaders.
        _remove(index_path)
        keep.discard(index_path.name)
    return keep


def _protect(directory: Path, pattern: str, new_names: set[str], *, sharded: bool, fsync: bool) -> None:
    """Step 3 (SHARD-SAVE-012): present the old checkpoint through names no later step takes over."""
    index_path = directory / index_name(pattern)
    single = directory / unsuffixed_name(pattern)
    if index_path.exists():
        document = _readable_index(index_path)
        if document is not None:
            replaced = set(document["weight_map"].values()) & (new_names | {single.name})
            if replaced:
                _present_through_side_names(directory, pattern, document, replaced, fsync=fsync)
        _remove(single)  # transformers would load it before any index
    elif sharded and single.exists():
        document = _single_file_index(single)
        if document is not None:
            # Indexed first: without an index, huggingface_hub refuses two weights files.
            _write_index(index_path, document, fsync=fsync)
            _present_through_side_names(directory, pattern, document, {single.name}, fsync=fsync)
            _remove(single)


def _present_through_side_names(
    directory: Path, pattern: str, document: dict, replaced: set[str], *, fsync: bool
) -> None:
    """Link each of ``replaced`` to its side name, then atomically index the old checkpoint through them."""
    for name in sorted(replaced):
        link_beside(directory / name, directory / previous_name(pattern, name), fsync=fsync)
    _write_index(directory / index_name(pattern), _pointed_at(document, replaced, pattern), fsync=fsync)


def _pointed_at(document: dict, replaced: set[str], pattern: str) -> dict:
    weight_map = {
        tensor: previous_name(pattern, shard) if shard in replaced else shard
        for tensor, shard in document["weight_map"].items()
    }
    return {**document, "weight_map": weight_map}


def _publish_single_beside_an_index(
    directory: Path, pattern: str, staged: StagedFiles, index: dict, *, fsync: bool
) -> None:
    """Steps 4 and 5 for a new single file while an index names the old checkpoint (SHARD-SAVE-013)."""
    single, incoming = unsuffixed_name(pattern), incoming_name(pattern)
    index_path = directory / index_name(pattern)
    staged.publish(renamed={single: incoming})
    _write_index(index_path, _naming_one_file(index, incoming), fsync=fsync)  # the commit
    link_beside(directory / incoming, directory / single, fsync=fsync)
    _write_index(index_path, _naming_one_file(index, single), fsync=fsync)
    _remove(directory / incoming)


def _naming_one_file(index: dict, name: str) -> dict:
    return {**index, "weight_map": dict.fromkeys(index["weight_map"], name)}


def _readable_index(path: Path) -> dict | None:
    """The index document at ``path`` when its ``weight_map`` maps names to names, else None.

    An index that is not one describes no loadable checkpoint, so there is nothing to protect.
    """
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError):
        return None
    weight_map = document.get("weight_map") if isinstance(document, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        return None
    return document


def _single_file_index(path: Path) -> dict | None:
    """An index document for the old single safetensors file at ``path``, from its header.

    None for a pickle file (naming its tensors means unpickling it) or an unreadable header (no
    loadable checkpoint to protect): such a file stays where it is until the finish step.
    """
    if not is_safetensors_name(path.name):
        return None
    try:
        header = read_safetensors_header(path)
    except SafetensorsError:
        return None
    metadata = {key: value for key, value in header.metadata.items() if key != "format"}
    return {
        "metadata": {**metadata, "total_size": header.data_length},
        "weight_map": dict.fromkeys(header.tensors, path.name),
    }


def _write_index(path: Path, document: dict, *, fsync: bool) -> None:
    """Write the index ``document`` at ``path`` atomically, as huggingface_hub writes it, byte for byte."""
    data = memoryview(json.dumps(document, indent=2).encode("utf-8"))
    with AtomicFile(path, fsync=fsync) as output:
        while data:
            data = data[os.write(output.fd, data) :]
        output.publish()


def _remove_earlier_files(directory: Path, pattern: str, *, keep: set[str]) -> None:
    """Remove what an earlier save with ``pattern`` left, side names too (SHARD-SAVE-004, SHARD-SAVE-014).

    A file that cannot be removed is logged and left, as huggingface_hub does: the new
    checkpoint is complete whatever happens here.
    """
    for name in pattern_files(directory, pattern):
        if name not in keep and name != index_name(pattern):
            _remove(directory / name)


def _remove(path: Path) -> None:
    """Remove ``path`` if it exists; a failure is logged, as huggingface_hub does."""
    if not os.path.lexists(path):
        return
    try:
        path.unlink()
    except OSError as error:
        logger.warning("Could not remove %s left by an earlier save: %s", path.name, error)
