"""Maximum shard sizes: ``"5GB"``, ``"1.5GiB"`` or ``5_000_000_000`` -> a positive number of bytes.

The rules are section 3 of spec/sharding.md:

- SHARD-SIZE-001: a positive integer, or a number followed by KB, MB, GB or TB (10^3 .. 10^12);
  the value is computed exactly in decimal and rounded down to whole bytes.
- SHARD-SIZE-003: units are case-insensitive and may follow the number after spaces; the binary
  units KiB, MiB, GiB, TiB (2^10 .. 2^40) are accepted too.
- SHARD-SIZE-004: a string of digits without unit, or a float with an integral value, is a number
  of bytes.
- SHARD-SIZE-002: anything else (zero, negative, NaN, infinite, non-numeric, a fraction of a byte,
  a bool) raises ``InvalidArgumentError`` whose message names the value.

Compared with ``huggingface_hub.serialization.parse_size_to_int``, every string huggingface_hub
accepts means the same number of bytes here, except where its binary floating point loses a
byte ("2.01MB": 2009999 there, 2010000 here) and for the strings it accepts by accident of
``float()`` (``"1e3MB"``, ``"5_000MB"``, ``"-1GB"``, ``"0GB"``), which are errors here.
"""

from __future__ import annotations

import math
import operator
import re
from decimal import Decimal

from ..errors import InvalidArgumentError

MAX_SHARD_SIZE = "5GB"

SIZE_UNITS = {
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "TiB": 2**40,
}
_FACTOR_BY_UPPER_UNIT = {unit.upper(): factor for unit, factor in SIZE_UNITS.items()}

_SIZE_STRING = re.compile(
    r"\s*(?P<sign>[+-]?)(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[A-Za-z]*)\s*", re.ASCII
)
# Longer strings are refused before parsing: no sensible size needs them, and exact decimal
# arithmetic on a megabyte of digits would be slow.
_MAX_SIZE_STRING_LENGTH = 100


def parse_size_to_int(size_as_str: str | int | float) -> int:
    """The maximum shard size ``size_as_str`` in bytes: a positive ``int`` (SHARD-SIZE-001, SHARD-SIZE-002, SHARD-SIZE-003, SHARD-SIZE-004).

    Accepts what huggingface_hub's function of the same name accepts (``"5GB"``, ``"500 mb"``,
    ``"1.5GB"``) plus binary units (``"5GiB"``), unit-less digit strings (``"1000"``), integers
    and integral floats. Raises ``InvalidArgumentError`` (SHARD-SIZE-002, a ``ValueError``) naming
    the value for anything else, including zero, negative, NaN and infinite sizes.

    >>> parse_size_to_int("5MB"), parse_size_to_int("1KiB"), parse_size_to_int(" 0.5 gb ")
    (5000000, 1024, 500000000)
    """
    if isinstance(size_as_str, str):
        return _parse_size_string(size_as_str)
    if isinstance(size_as_str, bool):
        raise _size_error(size_as_str, "is a bool, not a number of bytes")
    if isinstance(size_as_str, float):
        return _positive(size_as_str, _float_to_int(size_as_str))
    try:
        return _positive(size_as_str, operator.index(size_as_str))
    except TypeError:
        raise _size_error(size_as_str, "is not a number of bytes or a string such as '5GB'") from None


def _parse_size_string(text: str) -> int:
    match = _SIZE_STRING.fullmatch(text) if len(text) <= _MAX_SIZE_STRING_LENGTH else None
    if match is None:
        raise _size_error(
            text, "is not a size: expected a number followed by one of " + ", ".join(SIZE_UNITS)
        )
    unit = match["unit"]
    if unit:
        factor = _FACTOR_BY_UPPER_UNIT.get(unit.upper())
        if factor is None:
            raise _size_error(text, f"has unknown unit {unit!r}; expected one of " + ", ".join(SIZE_UNITS))
    elif "." in match["number"]:
        raise _size_error(text, "is a fraction of a byte: add a unit such as MB or GB")
    else:
        factor = 1
    magnitude = int(Decimal(match["number"]) * factor)  # exact, then rounded down (SHARD-SIZE-001)
    return _positive(text, -magnitude if match["sign"] == "-" else magnitude)


def _float_to_int(value: float) -> int:
    if not math.isfinite(value):
        raise _size_error(value, "is not a finite number of bytes")
    if not value.is_integer():
        raise _size_error(value, "is a fraction of a byte: pass an integer or a string such as '1.5GB'")
    return int(value)


def _positive(value: object, size: int) -> int:
    if size < 0:
        raise _size_error(value, "is negative")
    if size == 0:
        raise _size_error(value, "is less than one byte")
    return size


def _size_error(value: object, problem: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"max_shard_size {value!r} {problem}", requirement="SHARD-SIZE-002")
