"""Structure-aware corruptions of valid DDUF archives, each tagged with the requirements it breaks.

``mutate(kind, draw, spec)`` applies one corruption of ``kind`` (one of ``KINDS``) to the valid
archive ``spec`` (a ``zip_builder.ZipSpec``) and returns a ``Corruption``. The strategy
``strategies.corruptions()`` draws the archive and the kind; this module holds what each kind does.

Every kind either makes the archive break a reader requirement for certain, or keeps it valid
for readers (``Corruption.scope``), because the mutations are restricted so that their verdict
never depends on chance: a bit flip in a field a reader checks (a CRC-32, a size) always breaks
a rule, one in a field no rule constrains (a timestamp, alignment padding) never does, and a
changed count or offset is never one that means the same (a saturated value where ZIP64 records
hold the real one). ``requirements`` lists the rules broken: all of them are broken where the
kind says one rule; where bytes decide which of several rules a reader meets first (shifted data
overlaps the next entry or runs past the end of the file), it lists each, the most telling first.

Like ``zip_builder``, this module shares no code with ``weightspec.reference``.
"""

from __future__ import annotations

import struct
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

from hypothesis import strategies as st

from .strategies import collision_key
from .zip_builder import Archive, Entry, ZipSpec
from .zip_records import (
    DATA_DESCRIPTOR,
    END,
    FLAG_DATA_DESCRIPTOR,
    FLAG_ENCRYPTED,
    FLAG_STRONG_ENCRYPTION,
    HOST_UNIX,
    LOCAL_HEADER,
    METHOD_DEFLATED,
    RECORDS,
    U16_MAX,
    U32_MAX,
    VERSION_DEFAULT,
    ZIP64_LOCATOR,
)

KINDS = (
    "truncation",
    "header-bit-flip",
    "harmless-bit-flip",
    "size-lie",
    "offset-lie",
    "name-mutation",
    "duplicate-entry",
    "overlapping-entries",
    "directory-inconsistency",
    "zip64-inconsistency",
    "compression",
    "encryption",
    "data-descriptor",
    "not-a-regular-file",
    "stray-bytes",
    "data-corruption",
)
VALID_FOR_READERS = ("harmless-bit-flip", "data-corruption")  # the kinds whose archives readers must open
# Every requirement some kind breaks, in spec order (the DDUF-DEEP- ones are the deep scope's).
REQUIREMENTS = (
    *(f"DDUF-ZIP-{n:03d}" for n in range(1, 10)),
    *(f"DDUF-ENTRY-{n:03d}" for n in range(1, 8)),
    *(f"DDUF-NAME-{n:03d}" for n in range(1, 11)),
    "DDUF-LIMIT-001",
    "DDUF-DEEP-001",
)
READER, DEEP, NONE = "reader", "deep", "none"


@dataclass(frozen=True)
class Corruption:
    """One corrupted archive.

    ``kind`` is one of ``KINDS`` and ``variant`` the mutation within it (``dot-dot`` of
    ``name-mutation``); ``requirements`` the IDs of spec/dduf.md it breaks (``()``: the archive is
    still valid); ``data`` the corrupted bytes, ``source`` the valid archive they were made from;
    ``offset`` the first byte where they differ.
    """

    kind: str
    variant: str
    requirements: tuple[str, ...]
    description: str
    data: bytes
    source: bytes

    @property
    def offset(self) -> int:
        common = min(len(self.data), len(self.source))
        return next((i for i in range(common) if self.data[i] != self.source[i]), common)

    @property
    def scope(self) -> str:
        """``reader`` when a reader must refuse the archive, ``deep`` when only a deep validator
        finds something, ``none`` when it is valid."""
        if any(not requirement.startswith("DDUF-DEEP-") for requirement in self.requirements):
            return READER
        return DEEP if self.requirements else NONE

    def hex_excerpt(self, context: int = 16) -> str:
        """The bytes around ``offset`` in hex: ``bytes 40..72 of 389: 504b0304...``."""
        start = max(self.offset - context, 0)
        end = min(self.offset + context, len(self.data))
        return f"bytes {start}..{end} of {len(self.data)}: {self.data[start:end].hex()}"


class _Mutation(NamedTuple):
    """What a kind's function returns: a ``Corruption`` but its kind, with the archive it corrupted
    (for some kinds a variant of the one given: with or without ZIP64 end records)."""

    variant: str
    requirements: tuple[str, ...]
    description: str
    data: bytes
    source: Archive


Mutate = Callable[[Callable, ZipSpec], _Mutation]
_MUTATIONS: dict[str, Mutate] = {}


def mutate(kind: str, draw, spec: ZipSpec) -> Corruption:
    """Apply a corruption of ``kind`` to ``spec`` (a valid archive); ``draw`` draws its choices."""
    m = _MUTATIONS[kind](draw, spec)
    return Corruption(kind, m.variant, m.requirements, m.description, m.data, m.source.data)


def _kind(name: str) -> Callable[[Mutate], Mutate]:
    def register(function: Mutate) -> Mutate:
        _MUTATIONS[name] = function
        return function

    return register


# -- reading and writing fields of a built archive -------------------------------------------------

_LOCAL_SIGNATURE = LOCAL_HEADER.signature
_DESCRIPTOR_SIGNATURE = DATA_DESCRIPTOR.signature


def _span(archive: Archive, record: str, field: str, entry: int | None) -> tuple[int, int]:
    """(absolute offset, size in bytes) of one field."""
    offset, code = RECORDS[record].field(field)
    return archive.record_offset(record, entry) + offset, struct.calcsize("<" + code)


def _value(archive: Archive, record: str, field: str, entry: int | None = None) -> int:
    """A field as a little-endian integer (a signature too)."""
    start, size = _span(archive, record, field, entry)
    return int.from_bytes(archive.data[start : start + size], "little")


def _with_value(archive: Archive, record: str, field: str, value: int, entry: int | None = None) -> Archive:
    start, size = _span(archive, record, field, entry)
    return archive.patched_bytes(start, value.to_bytes(size, "little"))


def _width(record: str, field: str) -> int:
    return 8 * struct.calcsize("<" + RECORDS[record].field(field)[1])


def _where(archive: Archive, record: str, entry: int | None) -> str:
    names = {"local": "local header", "central": "central header"}
    if entry is None:
        return {"end": "the end record", "zip64_end": "the ZIP64 end record"}.get(record, "the ZIP64 locator")
    return f"the {names[record]} of {_label(archive.names[entry])}"


def _label(name: str | bytes) -> str:
    text = repr(name)
    return text if len(text) <= 48 else f"{text[:45]}...'"


def _data_end(archive: Archive, entry: int) -> int:
    return archive.layout.data_spans[entry][1]


def _entry_choice(draw, spec: ZipSpec, *, needs_data: bool = False, exclude: str | None = None) -> int | None:
    """The index of a drawn entry (with data, not named ``exclude``, where asked); None if none is."""
    choices = [
        i for i, entry in enumerate(spec.entries) if (entry.data or not needs_data) and entry.name != exclude
    ]
    return draw(st.sampled_from(choices)) if choices else None


def _changed_entry(spec: ZipSpec, index: int, **fields) -> ZipSpec:
    entries = list(spec.entries)
    entries[index] = replace(entries[index], **fields)
    return replace(spec, entries=tuple(entries))


def _adding(spec: ZipSpec, *entries: Entry) -> ZipSpec:
    """``spec`` with ``entries`` added, its central directory in file order."""
    return replace(spec.adding(*entries), directory_order=None)


def _default_flags(archive: Archive, index: int) -> int:
    """The flags the builder gave the entry (bit 11 for a name that is not ASCII)."""
    return _value(archive, "central", "flags", index)


# -- what a changed header field breaks ------------------------------------------------------------

# The fields a reader checks: any other value breaks a rule (``_field_breaks`` says which).
CHECKED_FIELDS = {
    "local": (
        "signature", "flags", "method", "crc32", "compressed_size", "uncompressed_size", "name_length",
        "extra_length",
    ),
    "central": (
        "signature", "flags", "method", "crc32", "compressed_size", "uncompressed_size", "name_length",
        "extra_length", "comment_length", "disk_start", "local_header_offset",
    ),
    "end": (
        "signature", "this_disk", "directory_disk", "entries_on_disk", "total_entries", "directory_size",
        "directory_offset", "comment_length",
    ),
    "zip64_end": (
        "signature", "record_size", "this_disk", "directory_disk", "entries_on_disk", "total_entries",
        "directory_size", "directory_offset",
    ),
    "zip64_locator": ("signature", "end_disk", "end_offset", "total_disks"),
}  # fmt: skip
# Fields no DDUF rule constrains, and the bits of each that may flip: any value leaves the
# archive valid. (A central "version needed" above 6.3 makes Python's zipfile give up, and the
# MS-DOS directory bit 0x10 of the external attributes breaks DDUF-ENTRY-007: both left out.
# The builder makes every entry on MS-DOS, so the Unix file type bits mean nothing.)
FREE_FIELDS = {
    "local": {"version_needed": range(16), "mtime": range(16), "mdate": range(16)},
    "central": {
        "version_made_by": range(16),
        "version_needed": range(6),
        "mtime": range(16),
        "mdate": range(16),
        "internal_attributes": range(16),
        "external_attributes": [bit for bit in range(32) if bit != 4],
    },
    "zip64_end": {"version_made_by": range(16), "version_needed": range(16)},
}
_SIGNATURE_RULES = {
    "local": ("DDUF-ENTRY-005",),
    "central": ("DDUF-ZIP-004",),
    "end": ("DDUF-ZIP-001",),
    "zip64_end": ("DDUF-ZIP-002",),
    "zip64_locator": ("DDUF-ZIP-002", "DDUF-ZIP-004"),
}
_END_VALUES = {  # end record field -> (its saturated value, the ZIP64 end record field it mirrors)
    "entries_on_disk": (U16_MAX, "entries_on_disk"),
    "total_entries": (U16_MAX, "total_entries"),
    "directory_size": (U32_MAX, "directory_size"),
    "directory_offset": (U32_MAX, "directory_offset"),
}


def _end_saturated(archive: Archive, field: str) -> bool:
    return _value(archive, "end", field) == _END_VALUES[field][0]


def _same_meaning(archive: Archive, record: str, field: str, value: int) -> bool:
    """Whether ``value`` in that field means what the field means now: in the end record, with
    ZIP64 records, the saturated value and the ZIP64 record's value are the same."""
    if record != "end" or field not in _END_VALUES or not _has_record(archive, "zip64_end"):
        return False
    saturated, mirrored = _END_VALUES[field]
    return value in (saturated, _value(archive, "zip64_end", mirrored))


def _field_breaks(archive: Archive, record: str, field: str, entry: int | None, new: int) -> tuple[str, ...]:
    """The requirements that ``new`` in a field of ``CHECKED_FIELDS`` breaks."""
    if field == "signature":
        return _SIGNATURE_RULES[record]
    if record in ("local", "central"):
        return _entry_field_breaks(archive, record, field, entry, new)
    if field in ("this_disk", "directory_disk", "end_disk", "total_disks"):
        return ("DDUF-ZIP-003",)
    if record == "zip64_locator":  # end_offset
        return ("DDUF-ZIP-002",)
    if field == "comment_length":
        return ("DDUF-ZIP-001",)
    if field == "record_size":
        return ("DDUF-ZIP-002",)
    disks = ("DDUF-ZIP-003",) if field in ("entries_on_disk", "total_entries") else ()
    counted = () if field == "entries_on_disk" else ("DDUF-ZIP-004",)
    if record == "zip64_end":
        disagrees = () if _end_saturated(archive, field) else ("DDUF-ZIP-002",)
        return (*disagrees, *counted, *disks)
    if (
        _has_record(archive, "zip64_end") or new == _END_VALUES[field][0]
    ):  # disagrees with the ZIP64 record, or has none
        return ("DDUF-ZIP-002", *disks)
    return (*counted, *disks)


def _entry_field_breaks(archive: Archive, record: str, field: str, entry: int, new: int) -> tuple[str, ...]:
    """What a changed field of an entry's local or central header breaks: the two headers disagree
    (DDUF-ENTRY-006), and more where the field has a rule of its own."""
    disagree = ("DDUF-ENTRY-006",)
    if field == "flags":
        return disagree + _flag_rules(new)
    if field == "method":
        return (*disagree, "DDUF-ENTRY-001") if record == "local" else ("DDUF-ENTRY-001", *disagree)
    if field == "crc32":
        return disagree
    if field in ("compressed_size", "uncompressed_size"):
        zip64 = (
            ("DDUF-ZIP-009",)
            if new == U32_MAX or (record == "local" and _local_zip64(archive, entry))
            else ()
        )
        own = ("DDUF-ENTRY-002",) if record == "central" else ()
        return (*own, *disagree, *zip64, *_layout_breaks(archive, entry, new, record, field))
    if record == "local" and field == "name_length":
        return (*disagree, "DDUF-ZIP-005")
    if record == "local":  # extra_length: the data moves
        old = _value(archive, "local", "extra_length", entry)
        return (*_shifted_data_breaks(archive, entry, new - old), "DDUF-ZIP-009")
    if field == "disk_start":
        return ("DDUF-ZIP-003",)
    if field == "local_header_offset":
        return _offset_breaks(archive, new)
    return ("DDUF-ZIP-004", "DDUF-ZIP-009")  # name, extra or comment length: the directory no longer parses


def _flag_rules(flags: int) -> tuple[str, ...]:
    rules = ()
    if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION):
        rules += ("DDUF-ENTRY-003",)
    if flags & FLAG_DATA_DESCRIPTOR:
        rules += ("DDUF-ENTRY-004",)
    return rules


def _local_zip64(archive: Archive, entry: int) -> bool:
    return _value(archive, "local", "compressed_size", entry) == U32_MAX


def _layout_breaks(archive: Archive, entry: int, size: int, record: str, field: str) -> tuple[str, ...]:
    """A new compressed size (the one the central header gives) moves where the entry's data ends."""
    if record == "local" or field != "compressed_size" or size == U32_MAX:
        return ()
    start, end = archive.layout.data_spans[entry]
    return _shifted_data_breaks(archive, entry, size - (end - start))


def _shifted_data_breaks(archive: Archive, entry: int, shift: int) -> tuple[str, ...]:
    """The end of an entry's data moved by ``shift`` bytes: past the end of the file
    (DDUF-ZIP-005), into the next record (DDUF-ZIP-007), or short of it (DDUF-ZIP-008, or
    DDUF-ENTRY-004 where the bytes left over begin like a data descriptor)."""
    end = _data_end(archive, entry) + shift
    if shift > 0:
        return ("DDUF-ZIP-005",) if end > len(archive.data) else ("DDUF-ZIP-007",)
    if archive.data[end : end + 4] == _DESCRIPTOR_SIGNATURE:
        return ("DDUF-ZIP-008", "DDUF-ENTRY-004")
    return ("DDUF-ZIP-008",)


def _offset_breaks(archive: Archive, offset: int) -> tuple[str, ...]:
    """A central header points at ``offset`` instead of its local header."""
    if offset + LOCAL_HEADER.size > len(archive.data):
        return ("DDUF-ZIP-005",)
    if archive.data[offset : offset + 4] != _LOCAL_SIGNATURE:
        return ("DDUF-ENTRY-005",)
    return ("DDUF-ENTRY-006", "DDUF-ZIP-007")  # another entry's header: other name, shared bytes


def _draw_field(draw, archive: Archive, fields: dict) -> tuple[str, str, int | None]:
    """A drawn (record, field, entry index or None) among ``fields`` (record -> field names)."""
    records = [record for record in fields if record in ("local", "central") or _has_record(archive, record)]
    record = draw(st.sampled_from(records))
    field = draw(st.sampled_from(list(fields[record])))
    entry = draw(st.integers(0, len(archive.names) - 1)) if record in ("local", "central") else None
    return record, field, entry


def _has_record(archive: Archive, record: str) -> bool:
    return getattr(archive.layout, record) is not None


def _patched_field(
    archive: Archive,
    record: str,
    field: str,
    entry: int | None,
    new: int,
    how: str,
    breaks: tuple[str, ...] | None = None,
) -> _Mutation:
    """``new`` written into one field; ``breaks`` None: what ``_field_breaks`` says it breaks."""
    old = _value(archive, record, field, entry)
    data = _with_value(archive, record, field, new, entry).data
    description = (
        f"{how}: the {field.replace('_', ' ')} of {_where(archive, record, entry)} is {new:#x}, not {old:#x}"
    )
    if breaks is None:
        breaks = _field_breaks(archive, record, field, entry, new)
    return _Mutation(f"{record}.{field}", breaks, description, data, archive)


# -- the kinds -------------------------------------------------------------------------------------


@_kind("truncation")
def _truncation(draw, spec: ZipSpec) -> _Mutation:
    """The archive cut short at any byte: its last 22 bytes are no longer an end record."""
    archive = spec.build()
    data = archive.data
    end_signature = END.signature
    cut = draw(
        st.integers(0, len(data) - 1).filter(
            lambda k: k < END.size or data[k - END.size : k - END.size + 4] != end_signature
        )
    )
    description = f"the archive of {len(data)} bytes cut to its first {cut}"
    return _Mutation("cut", ("DDUF-ZIP-001",), description, data[:cut], archive)


@_kind("header-bit-flip")
def _header_bit_flip(draw, spec: ZipSpec) -> _Mutation:
    """One bit of a header field that a reader checks (CHECKED_FIELDS), in any record."""
    archive = spec.build()
    record, field, entry = _draw_field(draw, archive, CHECKED_FIELDS)
    old = _value(archive, record, field, entry)
    bits = [
        b for b in range(_width(record, field)) if not _same_meaning(archive, record, field, old ^ (1 << b))
    ]
    bit = draw(st.sampled_from(bits))
    return _patched_field(archive, record, field, entry, old ^ (1 << bit), f"bit {bit} flipped")


@_kind("harmless-bit-flip")
def _harmless_bit_flip(draw, spec: ZipSpec) -> _Mutation:
    """One bit of a field no rule constrains (FREE_FIELDS), or of alignment padding: still valid."""
    archive = spec.build()
    padding = _padding_spans(archive)
    if padding and draw(st.booleans()):
        start, end = draw(st.sampled_from(padding))
        position = draw(st.integers(start, end - 1))
        bit = draw(st.integers(0, 7))
        data = archive.patched_bytes(position, bytes([archive.data[position] ^ (1 << bit)])).data
        description = f"bit {bit} of byte {position} flipped, in alignment padding (an extra record 0xD935)"
        return _Mutation("padding", (), description, data, archive)
    record, field, entry = _draw_field(draw, archive, FREE_FIELDS)
    bit = draw(st.sampled_from(list(FREE_FIELDS[record][field])))
    old = _value(archive, record, field, entry)
    return _patched_field(archive, record, field, entry, old ^ (1 << bit), f"bit {bit} flipped", breaks=())


def _padding_spans(archive: Archive) -> list[tuple[int, int]]:
    """Where the data of each local 0xD935 padding record lies (after its 4-byte record header)."""
    spans = []
    for index, span in enumerate(archive.layout.data_spans):
        header = archive.record_offset("local", index)
        extra_start = header + LOCAL_HEADER.size + _value(archive, "local", "name_length", index)
        position = extra_start
        while position + 4 <= span[0]:
            record_id, size = struct.unpack_from("<HH", archive.data, position)
            if record_id == 0xD935 and size:
                spans.append((position + 4, position + 4 + size))
            position += 4 + size
    return spans


@_kind("size-lie")
def _size_lie(draw, spec: ZipSpec) -> _Mutation:
    """An entry's sizes lie: both sizes in both headers (the data ends elsewhere), the compressed
    size alone in both (DDUF-ENTRY-002), or both sizes in the central header alone (DDUF-ENTRY-006)."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    size = draw(st.integers(0, len(entry.data) + 64).filter(lambda s: s != len(entry.data)))
    variant = draw(st.sampled_from(["both-sizes", "compressed-size", "central-sizes"]))
    where = _label(entry.name)
    if variant == "central-sizes":
        data = _with_value(archive, "central", "compressed_size", size, index)
        data = _with_value(data, "central", "uncompressed_size", size, index).data
        breaks = ("DDUF-ENTRY-006", *_shifted_data_breaks(archive, index, size - len(entry.data)))
        description = (
            f"the central header of {where} gives sizes {size}; the local one and the data {len(entry.data)}"
        )
        return _Mutation(variant, breaks, description, data, archive)
    sizes = {"compressed_size": size}
    if variant == "both-sizes":
        sizes["uncompressed_size"] = size
    lying = _changed_entry(spec, index, **sizes)
    breaks = _shifted_data_breaks(archive, index, size - len(entry.data))
    if variant == "compressed-size":
        breaks = ("DDUF-ENTRY-002", *breaks)
    which = "both sizes" if variant == "both-sizes" else "compressed size"
    description = f"both headers of {where} give {which} {size}; it has {len(entry.data)} bytes"
    return _Mutation(variant, breaks, description, lying.to_bytes(), archive)


@_kind("offset-lie")
def _offset_lie(draw, spec: ZipSpec) -> _Mutation:
    """A central header's local header offset points anywhere else in (or past) the file."""
    archive = spec.build()
    index = draw(st.integers(0, len(spec.entries) - 1))
    old = archive.record_offset("local", index)
    new = draw(st.integers(0, len(archive.data) + 64).filter(lambda offset: offset != old))
    return _patched_field(archive, "central", "local_header_offset", index, new, "a lie")


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


@_kind("duplicate-entry")
def _duplicate_entry(draw, spec: ZipSpec) -> _Mutation:
    """A second copy of an entry, anywhere in the archive (DDUF-NAME-010)."""
    archive = spec.build()
    entry = spec.entries[draw(st.integers(0, len(spec.entries) - 1))]
    position = draw(st.integers(0, len(spec.entries)))
    entries = (*spec.entries[:position], entry, *spec.entries[position:])
    duplicated = replace(spec, entries=entries, directory_order=None)
    description = f"entry {_label(entry.name)} stored twice, the copy at position {position}"
    return _Mutation("copy", ("DDUF-NAME-010",), description, duplicated.to_bytes(), archive)


@_kind("overlapping-entries")
def _overlapping_entries(draw, spec: ZipSpec) -> _Mutation:
    """Entries that share bytes (DDUF-ZIP-007): an entry whose sizes cover the next entry whole,
    or a second central header for an entry's local header."""
    archive = spec.build()
    order = sorted(range(len(spec.entries)), key=lambda i: archive.layout.local_headers[i])
    index = draw(st.integers(0, len(order) - 1))
    if index + 1 < len(order) and draw(st.booleans()):
        first, second = order[index], order[index + 1]
        size = _data_end(archive, second) - archive.layout.data_spans[first][0]
        entry = spec.entries[first]
        nested = _changed_entry(spec, first, compressed_size=size, uncompressed_size=size)
        description = f"the sizes of {_label(entry.name)} ({size}) cover the next entry, {_label(spec.entries[second].name)}"
        return _Mutation("nested", ("DDUF-ZIP-007",), description, nested.to_bytes(), archive)
    entry = spec.entries[order[index]]
    twin = Entry(entry.name, entry.data, local_header_offset=archive.layout.local_headers[order[index]])
    shared = _adding(spec, twin)
    description = f"a second central header for the local header of {_label(entry.name)}"
    return _Mutation(
        "shared-header", ("DDUF-ZIP-007", "DDUF-NAME-010"), description, shared.to_bytes(), archive
    )


def _other_value(draw, record: str, field: str, old: int, *, excluded: tuple[int, ...] = ()) -> int:
    """Any value of the field but ``old`` and ``excluded``, small ones first."""
    top = (1 << _width(record, field)) - 1
    return draw(
        st.one_of(st.integers(0, 1024), st.integers(0, top)).filter(lambda v: v != old and v not in excluded)
    )


_DIRECTORY_VARIANTS = (
    "count",
    "entries-on-disk",
    "size",
    "offset",
    "disk",
    "central-disk-start",
    "saturated",
)


@_kind("directory-inconsistency")
def _directory_inconsistency(draw, spec: ZipSpec) -> _Mutation:
    """The end record (of an archive without ZIP64 records) and the central directory disagree:
    the count (DDUF-ZIP-004), entries on this disk (DDUF-ZIP-003), the directory's size or offset
    (DDUF-ZIP-004), a disk number (DDUF-ZIP-003), or a saturated value without ZIP64 records
    (DDUF-ZIP-002)."""
    archive = spec.with_options(zip64_end=False, saturate_end=False).build()
    variant = draw(st.sampled_from(_DIRECTORY_VARIANTS))
    if variant == "central-disk-start":
        index = draw(st.integers(0, len(archive.names) - 1))
        new = _other_value(draw, "central", "disk_start", 0)
        return _patched_field(archive, "central", "disk_start", index, new, "another disk")._replace(
            variant=variant
        )
    if variant == "saturated":
        field = draw(st.sampled_from(list(_END_VALUES)))
        saturated = _END_VALUES[field][0]
        mutation = _patched_field(
            archive, "end", field, None, saturated, "saturated", breaks=("DDUF-ZIP-002",)
        )
        return mutation._replace(variant=variant)
    field = {
        "count": "total_entries",
        "entries-on-disk": "entries_on_disk",
        "size": "directory_size",
        "offset": "directory_offset",
        "disk": draw(st.sampled_from(["this_disk", "directory_disk"])),
    }[variant]
    old = _value(archive, "end", field)
    excluded = (_END_VALUES[field][0],) if field in _END_VALUES else ()
    new = _other_value(draw, "end", field, old, excluded=excluded)
    changed = _with_value(archive, "end", field, new)
    if variant == "count":  # both counts, so that the disks still agree
        changed = _with_value(changed, "end", "entries_on_disk", new)
    breaks = ("DDUF-ZIP-003",) if variant in ("entries-on-disk", "disk") else ("DDUF-ZIP-004",)
    description = f"the end record's {field.replace('_', ' ')} is {new}, not {old}"
    return _Mutation(variant, breaks, description, changed.data, archive)


_ZIP64_VARIANTS = (
    "count", "entries-on-disk", "size", "offset", "disk", "locator-offset", "locator-missing", "record-size",
    "end-disagrees", "local-extra-sizes", "local-extra-malformed", "central-saturated-without-record",
)  # fmt: skip


@_kind("zip64-inconsistency")
def _zip64_inconsistency(draw, spec: ZipSpec) -> _Mutation:
    """ZIP64 records that lie or are missing (DDUF-ZIP-002..004), and ZIP64 extra fields that
    disagree with the central header (DDUF-ENTRY-006) or are malformed (DDUF-ZIP-009)."""
    archive = spec.with_options(zip64_end=True).build()
    variant = draw(st.sampled_from(_ZIP64_VARIANTS))
    if variant in ("local-extra-sizes", "local-extra-malformed", "central-saturated-without-record"):
        return _zip64_extra_lie(draw, spec.with_options(zip64_end=True), variant)
    if variant == "locator-missing":
        start = archive.layout.zip64_locator
        data = archive.data[:start] + archive.data[start + ZIP64_LOCATOR.size :]
        return _Mutation(
            variant, ("DDUF-ZIP-002", "DDUF-ZIP-004"), "the ZIP64 locator removed", data, archive
        )
    if variant == "end-disagrees":
        field = draw(st.sampled_from(list(_END_VALUES)))
        saturated, mirrored = _END_VALUES[field]
        new = _other_value(draw, "end", field, _value(archive, "zip64_end", mirrored), excluded=(saturated,))
        return _patched_field(archive, "end", field, None, new, "a lie")._replace(variant=variant)
    record, field = {
        "count": ("zip64_end", "total_entries"),
        "entries-on-disk": ("zip64_end", "entries_on_disk"),
        "size": ("zip64_end", "directory_size"),
        "offset": ("zip64_end", "directory_offset"),
        "disk": draw(
            st.sampled_from(
                [
                    ("zip64_end", "this_disk"),
                    ("zip64_end", "directory_disk"),
                    ("zip64_locator", "end_disk"),
                    ("zip64_locator", "total_disks"),
                ]
            )
        ),
        "locator-offset": ("zip64_locator", "end_offset"),
        "record-size": ("zip64_end", "record_size"),
    }[variant]
    new = _other_value(draw, record, field, _value(archive, record, field))
    mutation = _patched_field(archive, record, field, None, new, "a lie")._replace(variant=variant)
    if variant != "count":
        return mutation
    # Both counts, so that the disks still agree.
    both = _with_value(_with_value(archive, record, field, new), record, "entries_on_disk", new)
    breaks = tuple(requirement for requirement in mutation.requirements if requirement != "DDUF-ZIP-003")
    return mutation._replace(data=both.data, requirements=breaks)


def _zip64_extra_lie(draw, spec: ZipSpec, variant: str) -> _Mutation:
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    if variant == "central-saturated-without-record":
        archive = spec.build()
        data = _with_value(archive, "central", "compressed_size", U32_MAX, index)
        data = _with_value(data, "central", "uncompressed_size", U32_MAX, index).data
        description = f"the central sizes of {_label(entry.name)} are 0xFFFFFFFF, with no ZIP64 extra record"
        return _Mutation(variant, ("DDUF-ZIP-009",), description, data, archive)
    spec = _changed_entry(spec, index, local_zip64=True, local_extra=b"")
    archive = spec.build()
    record = archive.record_offset("local", index) + LOCAL_HEADER.size + len(entry.name_bytes)
    if variant == "local-extra-sizes":
        size = draw(st.integers(0, 2**32).filter(lambda s: s != len(entry.data)))
        data = archive.patched_bytes(record + 4, struct.pack("<QQ", size, size)).data
        description = f"the local ZIP64 record of {_label(entry.name)} gives sizes {size}, the central header {len(entry.data)}"
        return _Mutation(variant, ("DDUF-ENTRY-006",), description, data, archive)
    size = draw(st.sampled_from([0, 8, 12, 20, 24]))  # two saturated sizes need 16 bytes
    data = archive.patched_bytes(record + 2, struct.pack("<H", size)).data
    description = f"the local ZIP64 record of {_label(entry.name)} says it holds {size} bytes, not 16"
    return _Mutation(variant, ("DDUF-ZIP-009",), description, data, archive)


_METHODS = (METHOD_DEFLATED, 1, 6, 9, 12, 14, 93, 95, 99)  # DEFLATE, then others APPNOTE names


@_kind("compression")
def _compression(draw, spec: ZipSpec) -> _Mutation:
    """An entry compressed with DEFLATE (really), or marked with another method (DDUF-ENTRY-001)."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    method = draw(st.sampled_from(_METHODS))
    if method == METHOD_DEFLATED:
        compressor = zlib.compressobj(draw(st.integers(0, 9)), zlib.DEFLATED, -15)
        deflated = compressor.compress(entry.data) + compressor.flush()
        fields = {"data": deflated, "crc32": zlib.crc32(entry.data), "uncompressed_size": len(entry.data)}
    else:
        fields = {}
    compressed = _changed_entry(spec, index, method=method, **fields)
    description = f"entry {_label(entry.name)} has compression method {method} in both headers"
    return _Mutation(f"method-{method}", ("DDUF-ENTRY-001",), description, compressed.to_bytes(), archive)


@_kind("encryption")
def _encryption(draw, spec: ZipSpec) -> _Mutation:
    """An entry flagged as encrypted (bit 0) or strongly encrypted (bit 6) in both headers."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    bits = draw(
        st.sampled_from([FLAG_ENCRYPTED, FLAG_STRONG_ENCRYPTION, FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION])
    )
    flags = _default_flags(archive, index) | bits
    encrypted = _changed_entry(spec, index, flags=flags)
    description = f"entry {_label(archive.names[index])} has flags {flags:#06x} in both headers"
    return _Mutation(f"flags-{bits:#x}", ("DDUF-ENTRY-003",), description, encrypted.to_bytes(), archive)


_DESCRIPTOR_VARIANTS = (
    "flag",
    "signed-descriptor",
    "unsigned-descriptor",
    "streamed",
    "unflagged-descriptor",
)


@_kind("data-descriptor")
def _data_descriptor(draw, spec: ZipSpec) -> _Mutation:
    """An entry written as a streaming writer does (DDUF-ENTRY-004): flag bit 3 in both headers,
    with a data descriptor after the data or not, with zero local CRC-32 and sizes or not; or a
    descriptor after the data without the flag."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    variant = draw(st.sampled_from(_DESCRIPTOR_VARIANTS))
    descriptor = entry.data_descriptor()
    flags = _default_flags(archive, index) | (
        0 if variant == "unflagged-descriptor" else FLAG_DATA_DESCRIPTOR
    )
    after = {"flag": b"", "unsigned-descriptor": descriptor[4:]}.get(variant, descriptor)
    changed = _changed_entry(spec, index, flags=flags, after_data=after, local_zip64=False).build()
    breaks = ("DDUF-ENTRY-004",) if variant == "flag" else ("DDUF-ENTRY-004", "DDUF-ZIP-008")
    if variant == "streamed":
        for field in ("crc32", "compressed_size", "uncompressed_size"):
            changed = _with_value(changed, "local", field, 0, index)
    description = (
        f"entry {_label(entry.name)}: flags {flags:#06x}, {len(after)} descriptor bytes after its data"
    )
    return _Mutation(variant, breaks, description, changed.data, archive)


_UNIX_MODES = {
    "unix-directory": 0o040755,
    "unix-symlink": 0o120777,
    "unix-character-device": 0o020644,
    "unix-block-device": 0o060644,
    "unix-fifo": 0o010644,
    "unix-socket": 0o140755,
}


@_kind("not-a-regular-file")
def _not_a_regular_file(draw, spec: ZipSpec) -> _Mutation:
    """An entry that is a directory by its MS-DOS attribute, or by its Unix mode any file type but
    a regular file (DDUF-ENTRY-007)."""
    archive = spec.build()
    index = _entry_choice(draw, spec)
    variant = draw(st.sampled_from(["dos-directory", *_UNIX_MODES]))
    if variant == "dos-directory":
        fields = {"external_attributes": 0x10}
    else:
        fields = {
            "version_made_by": (HOST_UNIX << 8) | VERSION_DEFAULT,
            "external_attributes": _UNIX_MODES[variant] << 16,
        }
    changed = _changed_entry(spec, index, **fields)
    description = (
        f"entry {_label(archive.names[index])} has external attributes {fields['external_attributes']:#x}"
    )
    return _Mutation(variant, ("DDUF-ENTRY-007",), description, changed.to_bytes(), archive)


_STRAY_PLACES = {  # where stray bytes go: (ZipSpec option or None for after an entry's data, rule broken)
    "before": ("prefix", "DDUF-ZIP-006"),
    "between": (None, "DDUF-ZIP-008"),
    "before-directory": ("gap_before_directory", "DDUF-ZIP-008"),
    "after-directory": ("gap_after_directory", "DDUF-ZIP-004"),
    "comment": ("comment", "DDUF-ZIP-001"),
    "after-end": ("trailing", "DDUF-ZIP-001"),
    "in-extra-field": (None, "DDUF-ZIP-009"),
}


@_kind("stray-bytes")
def _stray_bytes(draw, spec: ZipSpec) -> _Mutation:
    """Bytes no record accounts for: before the first entry, after an entry's data, around the
    central directory, as an archive comment, after the end record, or in a central extra field
    too short for a record header."""
    archive = spec.build()
    variant = draw(st.sampled_from(list(_STRAY_PLACES)))
    option, requirement = _STRAY_PLACES[variant]
    stray = draw(st.binary(min_size=1, max_size=3 if variant == "in-extra-field" else 32))
    breaks = (requirement,)
    if option is not None:
        changed = spec.with_options(**{option: stray})
    else:
        index = _entry_choice(draw, spec)
        field = "central_extra" if variant == "in-extra-field" else "after_data"
        changed = _changed_entry(spec, index, **{field: stray})
    if requirement == "DDUF-ZIP-008" and stray.startswith(_DESCRIPTOR_SIGNATURE):
        breaks += ("DDUF-ENTRY-004",)
    description = f"{len(stray)} stray bytes {variant.replace('-', ' ')}: {stray.hex()}"
    return _Mutation(variant, breaks, description, changed.to_bytes(), archive)


@_kind("data-corruption")
def _data_corruption(draw, spec: ZipSpec) -> _Mutation:
    """One bit of an entry's data flipped, or its CRC-32 changed in both headers: only a deep
    validator, which checks CRC-32s, can notice (DDUF-DEEP-001). model_index.json's data is left
    alone, since readers parse it."""
    archive = spec.build()
    index = _entry_choice(draw, spec, needs_data=True, exclude="model_index.json")
    if index is not None and draw(st.booleans()):
        start, end = archive.layout.data_spans[index]
        position = draw(st.integers(start, end - 1))
        bit = draw(st.integers(0, 7))
        data = archive.patched_bytes(position, bytes([archive.data[position] ^ (1 << bit)])).data
        description = f"bit {bit} of byte {position} flipped, in the data of {_label(archive.names[index])}"
        return _Mutation("data-bit", ("DDUF-DEEP-001",), description, data, archive)
    index = _entry_choice(draw, spec)
    entry = spec.entries[index]
    crc = zlib.crc32(entry.data) ^ (1 << draw(st.integers(0, 31)))
    changed = _changed_entry(spec, index, crc32=crc)
    description = (
        f"both headers of {_label(entry.name)} give CRC-32 {crc:08x}, not {zlib.crc32(entry.data):08x}"
    )
    return _Mutation("crc", ("DDUF-DEEP-001",), description, changed.to_bytes(), archive)
