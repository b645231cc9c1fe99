"""The normative spec, shipped as package data and loaded with importlib.resources.

- ``requirements()``: every requirement, keyed by ID (``DDUF-NAME-003`` ...).
- ``schema(name)``: a JSON Schema from ``schemas/`` by file name, e.g. ``"model_index.schema.json"``.
- ``document(name)``: the Markdown text of ``dduf.md``, ``safetensors.md`` or ``sharding.md``.
"""

from __future__ import annotations

import functools
import json
from importlib import resources


@functools.cache
def requirements() -> dict:
    """Every requirement (a ``weightspec.spec.catalog.Requirement``), keyed by ID."""
    from .catalog import load  # imported here so `python -m weightspec.spec.catalog` runs cleanly

    return load()


@functools.cache
def schema(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath("schemas", name).read_text(encoding="utf-8"))


def document(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


__all__ = ["document", "requirements", "schema"]
