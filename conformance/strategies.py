"""Hypothesis strategies for the suite's property tests, importable by anyone who tests a writer.

- ``dduf_entries()``: the contents of a valid DDUF archive, as ``[(name, bytes)]``;
- ``dduf_archives()``: such contents laid out as a valid archive (a ``zip_builder.ZipSpec``), and
  ``corruptions()``: one structure-aware corruption of such an archive (a
  ``corruptions.Corruption``, of any of ``corruptions.KINDS``);
- ``tensors()``, ``state_dicts()``: torch tensors and state dicts of many dtypes and shapes, with
  shared storage, views, strings and meta tensors;
- ``max_shard_sizes()``, ``invalid_max_shard_sizes()``: limits a splitter must accept, and ones
  it must refuse (spec/sharding.md section 3);
- ``filename_patterns()``: shard filename patterns a splitter must accept (section 2).

Each strategy is built from the spec, never from an implementation's output. Values are small, so
that an example takes milliseconds; sizes are made interesting by the limits drawn with them.
"""

from __future__ import annotations

import decimal
import json
import math
import unicodedata
from typing import TYPE_CHECKING

import safetensors.torch
import torch
from hypothesis import strategies as st

from .torch_models import TORCH_DTYPES
from .zip_builder import Entry, ZipSpec

if TYPE_CHECKING:
    from .corruptions import Corruption

DTYPES = tuple(TORCH_DTYPES.values())  # every dtype a safetensors file can hold that torch has

# -- DDUF entries ----------------------------------------------------------------------------------

MODEL_INDEX = "model_index.json"
CONFIG_FILES = ("config.json", "tokenizer_config.json", "preprocessor_config.json", "scheduler_config.json")
MAX_NAME_BYTES = 512  # DDUF-LIMIT-001
# Keys the schema gives a type: a folder of that name would have to break the schema.
_TYPED_INDEX_KEYS = ("_class_name", "_diffusers_version")

# A name segment may hold any character except '/', '\\', ':' and controls (DDUF-NAME-004..006);
# lone surrogates cannot be encoded as UTF-8 (DDUF-NAME-001).
_name_characters = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="/\\:")
_folder_names = st.text(_name_characters, min_size=1, max_size=10).filter(
    lambda name: name not in (".", "..", *_TYPED_INDEX_KEYS)  # DDUF-NAME-003
)
# A file name's stem may be empty (".json") or end in dots ("a..json"): only "." and ".." are banned.
_stems = st.text(_name_characters, max_size=10)

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
_json_objects = st.dictionaries(st.text(max_size=8), _json_values, max_size=4)
_components = st.tuples(st.sampled_from(["diffusers", "transformers"]), st.text(min_size=1, max_size=12))


def _with_class(metadata: dict, class_name: str, settings: dict) -> dict:
    """A model index of the given metadata, pipeline class and other keys."""
    return {**settings, **metadata, "_class_name": class_name}


# model_index.json as spec/schemas/model_index.schema.json allows it: a non-empty string
# _class_name, maybe a string _diffusers_version, and any other keys (metadata starting with "_",
# pipeline settings) with any JSON value. Built by hand: hypothesis-jsonschema's from_schema draws
# the same objects ten times slower. tests/conformance/test_strategies.py checks them against the schema.
_model_indexes = st.builds(
    _with_class,
    st.fixed_dictionaries({}, optional={"_diffusers_version": st.text(max_size=8)}),
    st.text(min_size=1, max_size=12),
    st.dictionaries(
        st.text(max_size=8).filter(lambda key: key not in _TYPED_INDEX_KEYS), _json_values, max_size=3
    ),
)


def collision_key(name: str) -> str:
    """Names collide when their canonical caseless forms, NFD(casefold(NFD(name))), are equal (DDUF-NAME-010)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@st.composite
def safetensors_payloads(draw) -> bytes:
    """A safetensors file written by the safetensors library: up to four tensors of any dtype and
    shape (0-rank and empty ones included), sometimes with string metadata."""
    names = draw(st.lists(st.text("abc.012", min_size=1, max_size=6), max_size=4, unique=True))
    # Never {}: safetensors 0.8 writes the broken header '{},"__metadata__":{}}' for no tensors and {}.
    # At most one key: safetensors writes metadata in a hash map's order, which changes from process
    # to process, so two keys would make a replayed example (a reproducer, the database) other bytes.
    metadata = draw(
        st.none() | st.dictionaries(st.text(max_size=6), st.text(max_size=6), min_size=1, max_size=1)
    )
    return safetensors.torch.save({name: draw(tensors()) for name in names}, metadata=metadata)


@st.composite
def _folder_file(draw, folder: str) -> tuple[str, bytes]:
    """One more file of a component folder: weights, JSON, a tokenizer text or model file (these
    two possibly empty), or a name of exactly the longest length allowed."""
    kind = draw(st.sampled_from(["weights", "json", "text", "model", "longest-name"]))
    stem = draw(_stems)
    if kind == "weights":
        return f"{folder}/{stem}.safetensors", draw(safetensors_payloads())
    if kind == "json":
        return f"{folder}/{stem}.json", _json_bytes(draw(_json_values))
    if kind == "longest-name":
        filler = MAX_NAME_BYTES - len(f"{folder}/.txt".encode())
        return f"{folder}/{'n' * filler}.txt", draw(st.binary(max_size=8))
    extension = ".txt" if kind == "text" else ".model"
    return f"{folder}/{stem}{extension}", draw(st.binary(max_size=16))


@st.composite
def dduf_entries(draw, max_folders: int = 3) -> list[tuple[str, bytes]]:
    """The entries of a valid DDUF archive, in a drawn order (``model_index.json`` anywhere).

    - ``model_index.json``: an object valid against ``spec/schemas/model_index.schema.json``, with
      a ``[library, class]`` key for each folder (DDUF-INDEX-001..003);
    - up to ``max_folders`` folders whose names hold any character the names rules allow (non-ASCII
      ones included), each with at least one configuration file (DDUF-INDEX-004) and more files:
      safetensors weights of many dtypes and shapes, JSON files, ``.txt`` and ``.model`` files
      (possibly zero-length), and names of exactly 512 bytes (DDUF-LIMIT-001);
    - sometimes more files at the root.

    No two names collide, also after NFC normalisation and case folding (DDUF-NAME-010).
    """
    folders = draw(st.lists(_folder_names, max_size=max_folders, unique_by=collision_key))
    index = draw(_model_indexes)
    index.update({folder: list(draw(_components)) for folder in folders})
    entries = [(MODEL_INDEX, _json_bytes(index))]
    for folder in folders:
        configs = draw(st.lists(st.sampled_from(CONFIG_FILES), min_size=1, max_size=2, unique=True))
        entries += [(f"{folder}/{config}", _json_bytes(draw(_json_objects))) for config in configs]
        entries += draw(st.lists(_folder_file(folder), max_size=3))
    root_files = st.tuples(st.builds("{}.txt".format, _stems), st.binary(max_size=8))
    entries += draw(st.lists(root_files, max_size=2))
    return draw(st.permutations(_without_collisions(entries)))


def _without_collisions(entries: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The entries whose names collide with no earlier one (so the required files, first, stay)."""
    seen: set[str] = set()
    kept = []
    for name, data in entries:
        if collision_key(name) not in seen:
            seen.add(collision_key(name))
            kept.append((name, data))
    return kept


@st.composite
def dduf_archives(draw) -> ZipSpec:
    """A valid DDUF archive of ``dduf_entries(max_folders=2)``, laid out by the suite's own
    ``zip_builder`` in any of the ways the spec allows: entry data aligned to 64 bytes or not,
    local headers holding their sizes in a ZIP64 extra record (as huggingface_hub writes them)
    or not, the central directory in another order than the entries, and ZIP64 end records
    (with the end record's values saturated or not) or none."""
    entries = draw(dduf_entries(max_folders=2))
    zip_entries = tuple(Entry(name, data, local_zip64=draw(st.booleans())) for name, data in entries)
    shuffled = draw(st.booleans())
    zip64_end = draw(st.booleans())
    return ZipSpec(
        zip_entries,
        directory_order=tuple(draw(st.permutations(range(len(entries))))) if shuffled else None,
        zip64_end=zip64_end,
        saturate_end=zip64_end and draw(st.booleans()),
        alignment=draw(st.sampled_from([None, 64])),
    )


@st.composite
def corruptions(draw, kinds: tuple[str, ...] | None = None) -> Corruption:
    """A ``dduf_archives()`` archive with one corruption of one of ``kinds`` (default: every one of
    ``corruptions.KINDS``) applied, tagged with the requirements it breaks
    (``Corruption.requirements``, empty where the archive stays valid)."""
    from .corruptions import KINDS, VALID_FOR_READERS, mutate  # which builds on this module's collision_key

    # Kinds that leave the archive open to readers weigh three times as much: a third of the
    # examples check the entries a reader returns, not only that it refuses.
    weighted = [kind for kind in kinds or KINDS for _ in range(3 if kind in VALID_FOR_READERS else 1)]
    kind = draw(st.sampled_from(weighted))
    return mutate(kind, draw, draw(dduf_archives()))


# -- tensors and state dicts -----------------------------------------------------------------------


@st.composite
def tensors(draw, *, max_side: int = 4, max_dims: int = 3) -> torch.Tensor:
    """A CPU tensor of any dtype of ``DTYPES``, 0 to ``max_dims`` dimensions of 0 to ``max_side``
    elements (so 0-rank and empty tensors too), filled with random bits (NaNs included), covering
    its own storage."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.sampled_from(range(max_side + 1)), max_size=max_dims)))
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**32 - 1)))
    count = math.prod(shape)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).to(torch.bool)
    size = count * torch.empty((), dtype=dtype).element_size()
    raw = torch.randint(0, 256, (size,), dtype=torch.uint8, generator=generator)
    return raw.view(dtype).reshape(shape)


MODULES = ("embed", "encoder.0", "encoder.1", "decoder", "head")
LEAVES = ("weight", "bias", "scale", "tied")
# Dotted names as modules have them; no name is a module of another, so ``torch_models.blank_model``
# can build a model of any subset.
TENSOR_NAMES = tuple(f"{module}.{leaf}" for module in MODULES for leaf in LEAVES)


@st.composite
def state_dicts(
    draw,
    *,
    max_entries: int = 8,
    min_tensors: int = 0,
    views: bool = True,
    strings: bool = True,
    meta: bool = True,
) -> dict[str, object]:
    """A torch state dict of up to ``max_entries`` values, in a drawn key order. Its values are:

    - new tensors (``tensors()``: many dtypes, 0-rank and empty ones), some as ``nn.Parameter``;
    - the same tensor as an earlier key, or another tensor object over all of its storage with
      its shape (``detach()``): tied weights;
    - with ``views``: a slice, a flattened view or a transpose of an earlier tensor's storage;
    - with ``strings``: strings (as bitsandbytes leaves them; splitters skip them, SHARD-SPLIT-004);
    - with ``meta``: meta tensors, of any size up to hundreds of GB (they hold no data).

    The first ``min_tensors`` values are new tensors. All empty tensors share one storage
    (SHARD-SPLIT-009), so those are shared too.
    """
    names = draw(
        st.lists(st.sampled_from(TENSOR_NAMES), min_size=min_tensors, max_size=max_entries, unique=True)
    )
    kinds = ["new", "new", "new", "parameter", "tied", "tied"]
    kinds += ["slice", "slice", "flat", "transpose"] * views + ["string"] * strings + ["meta"] * meta
    state_dict: dict[str, object] = {}
    made: list[torch.Tensor] = []  # the CPU tensors so far, which later values may share
    for position, name in enumerate(names):
        kind = "new" if position < min_tensors else draw(st.sampled_from(kinds))
        if kind in ("tied", "slice", "flat", "transpose") and made:
            viewable = [t for t in made if t.numel() > 0] or made  # a view of an empty tensor is no view
            state_dict[name] = _sharing(draw, kind, draw(st.sampled_from(viewable)))
        elif kind == "string":
            state_dict[name] = draw(st.text(max_size=4))
        elif kind == "meta":
            shape = draw(st.lists(st.integers(0, 4096), max_size=3))
            state_dict[name] = torch.empty(shape, dtype=draw(st.sampled_from(DTYPES)), device="meta")
        else:
            tensor = draw(tensors())
            if kind == "parameter":
                tensor = torch.nn.Parameter(tensor, requires_grad=False)
            made.append(tensor)
            state_dict[name] = tensor
    return state_dict


def _sharing(draw, kind: str, base: torch.Tensor) -> torch.Tensor:
    """A tensor over ``base``'s storage: ``tied`` the same object or a detached alias; ``slice`` a
    part of it; ``flat`` all of it in one dimension; ``transpose`` its transpose (2-d only)."""
    whole = base.detach()
    count = base.numel()
    if kind == "slice" and count > 1:  # never all of it: from the second element on
        start = draw(st.integers(1, count - 1))
        return whole.reshape(-1)[start : draw(st.integers(start + 1, count))]
    if kind == "slice" and count == 1:
        return whole.reshape(-1)[:0]
    if kind == "flat":
        return whole.reshape(-1)
    if kind == "transpose" and base.dim() == 2:
        return whole.t()
    return draw(st.sampled_from([base, whole]))


# -- maximum shard sizes and filename patterns -----------------------------------------------------

UNITS = ("KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB")
_UNIT_FACTORS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNIT_FACTORS.update({"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40})


@st.composite
def max_shard_sizes(draw, *, min_bytes: int = 1, max_bytes: int = 10**13) -> int | str | float:
    """A valid maximum shard size meaning between ``min_bytes`` and ``max_bytes`` bytes, written in
    one of the forms SHARD-SIZE-001, 003 and 004 allow: an ``int``; a float with an integral value;
    a string of digits; or a number and a unit (``"0.0512 kb"``, ``"+.5GiB"``): any unit in any
    case, spaces or none between, and, below the byte, digits the rounding down drops."""
    size = draw(st.integers(min_bytes, max_bytes))
    form = draw(st.sampled_from(["int", "float", "digits", "unit", "unit", "unit"]))
    if form == "int":
        return size
    if form == "float":
        return float(size) if size <= 2**53 else size  # larger floats are not all integers
    if form == "digits":
        return str(size)
    unit = draw(st.sampled_from(UNITS))
    spelled = "".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in unit)
    below_a_byte = decimal.Decimal(draw(st.integers(0, 9))) / 10
    with decimal.localcontext() as context:
        context.prec = 100  # enough to divide by 2**40 exactly
        number = (size + below_a_byte) / _UNIT_FACTORS[unit]
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("0.") and draw(st.booleans()):
        text = text[1:]  # ".5"
    sign = draw(st.sampled_from(["", "+"]))
    return f"{sign}{text}{' ' * draw(st.integers(0, 2))}{spelled}"


# The errors spec/sharding.md section 3 lists, then others of SHARD-SIZE-002 and 004.
SIZE_ERRORS = (0, -1, "-5GB", "0.0001KB", "1.5", "5XB", "1e3MB", "nanGB", float("inf"), True)
_MORE_SIZE_ERRORS = (
    False,
    None,
    float("nan"),
    float("-inf"),
    "",
    "GB",
    "0GB",
    "0 kb",
    "-0GB",
    "infGB",
    "inf",
    "5_000MB",
    "0x10MB",
    "5 G B",
    "5B",
    "5 bytes",
    "٥GB",  # an Arabic-Indic digit: ASCII digits only
    "1.5e3",
)


def invalid_max_shard_sizes() -> st.SearchStrategy:
    """A maximum shard size every splitter must refuse (SHARD-SIZE-002): zero, negative, NaN,
    infinite, a bool, a fraction of a byte (a non-integral float, a unit-less fraction, less than
    a byte after the unit), an unknown unit or a number outside the grammar."""
    units = st.sampled_from(UNITS)
    return st.one_of(
        st.sampled_from(SIZE_ERRORS + _MORE_SIZE_ERRORS),
        st.integers(max_value=0),
        st.floats(max_value=0.0),
        st.floats(min_value=0.0, exclude_min=True, allow_infinity=False).filter(lambda x: not x.is_integer()),
        st.builds("-{}{}".format, st.integers(0, 10**6), units),
        st.builds("0.000{}KB".format, st.integers(0, 9)),  # under a byte
        st.builds("{}.{}".format, st.integers(0, 10**6), st.integers(0, 99)),  # unit-less fraction
    )


@st.composite
def filename_patterns(draw) -> str:
    """A shard filename pattern every splitter must accept (SHARD-NAME-001..005): ``{suffix}`` once,
    no other field, and names that are plain file names (``weights_{suffix}.bin``)."""
    prefix = draw(st.text("abcXYZ019_- .", min_size=1, max_size=8).filter(lambda text: text[0] != "."))
    tail = draw(st.sampled_from([".safetensors", ".bin", "", ".weights.safetensors", "_end"]))
    return f"{prefix}{{suffix}}{tail}"
