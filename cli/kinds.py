"""What an input of ``weightspec validate`` or ``inspect`` is, told by its name, its first bytes or its files.

``input_kind(path)`` returns

- ``PIPELINE`` for a folder holding ``model_index.json`` (a diffusers pipeline, what ``pack`` takes);
- ``CHECKPOINT`` for another folder holding a ``.safetensors`` or ``*.index.json`` file;
- ``DDUF`` for a file named ``.dduf`` or starting with a ZIP signature;
- ``CHECKPOINT`` for a file named ``.safetensors`` or ``*.index.json``, or starting as a
  safetensors file does (an 8-byte little-endian header length that fits the file, then ``{``);
- None for anything else: a folder or a file that is none of these.

It raises ``CommandError`` for a path that does not exist and for a folder named ``.dduf`` (an
archive is a file), and ``OSError`` for a file it cannot read.
"""

from __future__ import annotations

from pathlib import Path

from .output import CommandError

DDUF = "dduf"
PIPELINE = "pipeline"
CHECKPOINT = "checkpoint"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a local header, or the end record of an empty archive
MODEL_INDEX = "model_index.json"
SAFETENSORS = ".safetensors"
INDEX_SUFFIX = ".index.json"


def input_kind(path: Path) -> str | None:
    """``DDUF``, ``PIPELINE``, ``CHECKPOINT`` or None for ``path`` (see the module docstring)."""
    if not path.exists():
        raise CommandError(f"{path}: no such file or directory")
    if path.is_dir():
        if path.suffix == ".dduf":
            raise CommandError(f"{path}: is a directory, but a DDUF archive is a file")
        if (path / MODEL_INDEX).is_file():
            return PIPELINE
        if any(child.name.endswith((SAFETENSORS, INDEX_SUFFIX)) for child in path.iterdir()):
            return CHECKPOINT
        return None
    if path.suffix == ".dduf":
        return DDUF
    if path.suffix == SAFETENSORS or path.name.endswith(INDEX_SUFFIX):
        return CHECKPOINT
    with path.open("rb") as file:
        start = file.read(9)
        size = file.seek(0, 2)
    if start[:4] in ZIP_SIGNATURES:
        return DDUF
    if len(start) == 9 and start[8:] == b"{" and int.from_bytes(start[:8], "little") <= size - 8:
        return CHECKPOINT
    return None
