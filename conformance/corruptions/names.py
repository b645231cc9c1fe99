"""``name-mutation``: an entry renamed to a name that breaks one rule of names (DDUF-NAME-001..009,
DDUF-LIMIT-001), or names added that collide (DDUF-NAME-010); ``NAME_VARIANTS`` lists the
variants."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from hypothesis import strategies as st

from ..strategies import collision_key
from ..zip_builder import Entry, ZipSpec
from ._core import _kind, _Mutation
from ._fields import _adding, _changed_entry, _label

# Name mutations: (variant, the rule broken, how to make the new name from (draw, name)).
_BAD_EXTENSIONS = (".bin", ".pkl", ".gguf", ".py", ".JSON", ".Safetensors", ".json.bak", ".txt~", "")
_CONTROLS = [chr(c) for c in (*range(0x01, 0x20), *range(0x7F, 0xA0))]
_NOT_UTF8 = (b"\xff", b"\x80", b"\xc0\xae", b"\xed\xa0\x80", b"\xe9")


def _insert(draw, name: str, text: str) -> str:
    position = draw(st.integers(0, len(name)))
    return name[:position] + text + name[position:]


def _folder_and_file(name: str) -> tuple[str, str]:
    folder, _, file = name.rpartition("/")
    return folder, file


def _with_extension(draw, name: str) -> str:
    folder, file = _folder_and_file(name)
    stem = file[: file.rfind(".")] if "." in file else file
    extension = draw(st.sampled_from([e for e in _BAD_EXTENSIONS if e or stem]))  # never a bare "folder/"
    return f"{folder}/{stem}{extension}" if folder else f"{stem}{extension}"


def _deeper(draw, name: str) -> str:
    folder, file = _folder_and_file(name)
    extra = draw(st.sampled_from(["sub", "a/b", "weights"]))
    return f"{folder}/{extra}/{file}" if folder else f"{extra}/x/{file}"


def _longer(draw, name: str) -> str:
    folder, file = _folder_and_file(name)
    padding = "n" * (513 + draw(st.integers(0, 8)) - len(name.encode("utf-8")))
    return f"{folder}/{padding}{file}" if folder else f"{padding}{file}"


def _dot_segment(segment: str) -> Callable[[Callable, str], str]:
    def make(draw, name: str) -> str:
        folder, file = _folder_and_file(name)
        if folder and draw(st.booleans()):
            return f"{folder}/{segment}/{file}"
        return f"{segment}/{name}"

    return make


_RENAMES = (
    ("backslash", "DDUF-NAME-004", lambda draw, name: _insert(draw, name, "\\")),
    ("leading-slash", "DDUF-NAME-002", lambda draw, name: f"/{name}"),
    ("empty-segment", "DDUF-NAME-002", lambda draw, name: "//".join(_folder_and_file(name)) if "/" in name else f"x//{name}"),
    ("empty", "DDUF-NAME-002", lambda draw, name: ""),
    ("trailing-slash", "DDUF-NAME-008", lambda draw, name: f"{name}/"),
    ("dot-dot", "DDUF-NAME-003", _dot_segment("..")),
    ("dot", "DDUF-NAME-003", _dot_segment(".")),
    ("nul", "DDUF-NAME-005", lambda draw, name: _insert(draw, name, "\x00")),
    ("control", "DDUF-NAME-005", lambda draw, name: _insert(draw, name, draw(st.sampled_from(_CONTROLS)))),
    ("colon", "DDUF-NAME-006", lambda draw, name: _insert(draw, name, ":")),
    ("extension", "DDUF-NAME-007", _with_extension),
    ("depth", "DDUF-NAME-009", _deeper),
    ("too-long", "DDUF-LIMIT-001", _longer),
)  # fmt: skip
NAME_VARIANTS = (
    *(variant for variant, _, _ in _RENAMES),
    "not-utf8",
    "unflagged-utf8",
    "case-collision",
    "normalisation-collision",
)


@_kind("name-mutation")
def _name_mutation(draw, spec: ZipSpec) -> _Mutation:
    """An entry renamed (in both headers) to a name that breaks one rule of names, or a name added
    that collides with another, in case or Unicode normalisation (DDUF-NAME-010)."""
    archive = spec.build()
    variant = draw(st.sampled_from(NAME_VARIANTS))
    index = draw(st.integers(0, len(spec.entries) - 1))
    entry = spec.entries[index]
    name = entry.name
    if variant in ("case-collision", "normalisation-collision"):
        added = _colliding_entries(draw, variant, spec, entry)
        names = ", ".join(_label(e.name) for e in added)
        description = f"entries {names} added, colliding with {_label(name)} or each other"
        return _Mutation(variant, ("DDUF-NAME-010",), description, _adding(spec, *added).to_bytes(), archive)
    if variant == "not-utf8":
        encoded = name.encode("utf-8")
        position = draw(st.integers(0, len(encoded)))
        new_name = encoded[:position] + draw(st.sampled_from(_NOT_UTF8)) + encoded[position:]
        renamed = _changed_entry(spec, index, name=new_name)
        requirement = "DDUF-NAME-001"
    elif variant == "unflagged-utf8":
        new_name = name if not name.isascii() else _insert(draw, name, draw(st.sampled_from("éß€😀")))
        renamed = _changed_entry(spec, index, name=new_name, flags=0)
        requirement = "DDUF-NAME-001"
    else:
        requirement, make = next((r, m) for v, r, m in _RENAMES if v == variant)
        new_name = make(draw, name)
        renamed = _changed_entry(spec, index, name=new_name)
    description = f"entry {_label(name)} renamed {_label(new_name)} in both headers"
    return _Mutation(variant, (requirement,), description, renamed.to_bytes(), archive)


def _colliding_entries(draw, variant: str, spec: ZipSpec, entry: Entry) -> tuple[Entry, ...]:
    """For case-collision: ``entry``'s name with the case of its file name changed (itself where that
    changes nothing); for normalisation-collision: its other normal form where it has one, else
    two root names that differ only in normal form."""
    name = entry.name
    if variant == "case-collision":
        folder, file = _folder_and_file(name)
        stem, dot, extension = file.rpartition(".")
        swapped_file = f"{stem.swapcase()}{dot}{extension}" if dot else file.swapcase()
        swapped = f"{folder}/{swapped_file}" if folder else swapped_file
        twin = swapped if collision_key(swapped) == collision_key(name) else name
        return (Entry(twin, entry.data),)
    for form in ("NFD", "NFC"):
        other = unicodedata.normalize(form, name)
        if other != name:
            return (Entry(other, entry.data),)
    stem = draw(st.sampled_from(["caf", "r", "n"]))
    return Entry(f"{stem}\u00e9.txt"), Entry(f"{stem}e\u0301.txt")
