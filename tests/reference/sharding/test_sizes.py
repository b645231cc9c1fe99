"""Maximum shard sizes (spec/sharding.md section 3): what parses to how many bytes, what is refused,
and where huggingface_hub's ``parse_size_to_int`` differs."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from huggingface_hub.serialization import _base as hub_base
from hypothesis import given
from hypothesis import strategies as st

from weightspec.reference import InvalidArgumentError, parse_size_to_int
from weightspec.reference.sharding.sizes import MAX_SHARD_SIZE, SIZE_UNITS


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("5GB", 5_000_000_000),  # SHARD-SIZE-001
        ("1KB", 1_000),
        ("2MB", 2_000_000),
        ("3TB", 3_000_000_000_000),
        ("1.5KB", 1_500),
        ("0.0015KB", 1),
        (".5MB", 500_000),
        ("5.MB", 5_000_000),
        ("+5GB", 5_000_000_000),
        ("1.0009KB", 1_000),  # rounded down
        ("2.01MB", 2_010_000),  # exact decimal; huggingface_hub: 2009999
        ("5 gb", 5_000_000_000),  # SHARD-SIZE-003
        ("  5Gb  ", 5_000_000_000),
        ("1KiB", 1_024),
        ("5GiB", 5 * 2**30),
        ("1.5 mib", 1_572_864),
        ("2TiB", 2 * 2**40),
        ("1000", 1_000),  # SHARD-SIZE-004
        (" 7 ", 7),
        (1, 1),
        (5_000_000_000, 5_000_000_000),
        (1e9, 1_000_000_000),
        (np.int64(4096), 4_096),
        (2**70, 2**70),
    ],
)
def test_accepted_sizes(size, expected):
    assert parse_size_to_int(size) == expected
    assert type(parse_size_to_int(size)) is int


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        (0, "less than one byte"),
        ("0GB", "less than one byte"),
        ("0.0001KB", "less than one byte"),
        ("-0GB", "less than one byte"),
        (0.0, "less than one byte"),
        (-1, "negative"),
        ("-5GB", "negative"),
        (-1e9, "negative"),
        (float("nan"), "not a finite"),
        (float("inf"), "not a finite"),
        (float("-inf"), "not a finite"),
        ("nanGB", "not a size"),
        ("infGB", "not a size"),
        ("inf", "not a size"),
        ("1e3MB", "not a size"),
        ("5_000MB", "not a size"),
        ("0x10MB", "not a size"),
        ("GB", "not a size"),
        ("", "not a size"),
        ("5 G B", "not a size"),
        ("٥GB", "not a size"),  # Arabic-Indic digit: ASCII digits only
        ("5" * 101 + "GB", "not a size"),
        ("5XB", "unknown unit"),
        ("5B", "unknown unit"),
        ("5 bytes", "unknown unit"),
        ("1.5", "fraction of a byte"),
        (1.5, "fraction of a byte"),
        (True, "bool"),
        (False, "bool"),
        (None, "not a number of bytes"),
        (b"5GB", "not a number of bytes"),
        ([5], "not a number of bytes"),
    ],
)
def test_refused_sizes_name_the_value(size, problem):
    """SHARD-SIZE-002."""
    with pytest.raises(InvalidArgumentError) as caught:
        parse_size_to_int(size)
    assert caught.value.requirement == "SHARD-SIZE-002"
    assert problem in caught.value.message
    assert repr(size) in caught.value.message
    assert isinstance(
        caught.value, ValueError
    )  # as huggingface_hub's errors, for existing `except ValueError`


def test_the_default_and_the_units():
    assert MAX_SHARD_SIZE == hub_base.MAX_SHARD_SIZE == "5GB"
    for unit, factor in hub_base.SIZE_UNITS.items():
        assert SIZE_UNITS[unit] == factor
    assert {unit: SIZE_UNITS[unit] for unit in ("KiB", "MiB", "GiB", "TiB")} == {
        "KiB": 2**10,
        "MiB": 2**20,
        "GiB": 2**30,
        "TiB": 2**40,
    }


decimal_units = st.sampled_from(sorted(hub_base.SIZE_UNITS))


@given(number=st.integers(1, 10**6), unit=decimal_units, lower=st.booleans(), space=st.booleans())
def test_integer_sizes_with_decimal_units_mean_what_they_mean_to_huggingface_hub(number, unit, lower, space):
    text = f"{number}{' ' if space else ''}{unit.lower() if lower else unit}"
    assert parse_size_to_int(text) == hub_base.parse_size_to_int(text) == number * SIZE_UNITS[unit]


@given(
    whole=st.integers(0, 10**4),
    fraction=st.text("0123456789", min_size=1, max_size=6),
    unit=st.sampled_from(sorted(SIZE_UNITS)),
)
def test_fractional_sizes_are_exact_then_rounded_down(whole, fraction, unit):
    text = f"{whole}.{fraction}{unit}"
    exact = Decimal(f"{whole}.{fraction}") * SIZE_UNITS[unit]
    if exact < 1:
        with pytest.raises(InvalidArgumentError):
            parse_size_to_int(text)
        return
    assert parse_size_to_int(text) == math.floor(exact)
    if unit in hub_base.SIZE_UNITS:
        # huggingface_hub computes in binary floating point: equal, or at most a rounding away.
        assert abs(hub_base.parse_size_to_int(text) - math.floor(exact)) <= max(1, exact / 2**50)


def test_where_huggingface_hub_differs():
    """The differences of the spec, stated: hub's float arithmetic, and what hub accepts unchecked."""
    assert hub_base.parse_size_to_int("2.01MB") == 2_009_999
    assert parse_size_to_int("2.01MB") == 2_010_000
    assert hub_base.parse_size_to_int("-5GB") == -5_000_000_000  # negative: refused here
    assert hub_base.parse_size_to_int("0GB") == 0  # zero: refused here
    assert hub_base.parse_size_to_int("1e3MB") == 1_000_000_000  # exponent: not in the grammar here
    assert hub_base.parse_size_to_int("5_000MB") == 5_000_000_000  # underscore: not in the grammar here
    for binary in ("5GiB", "1000"):  # accepted here (SHARD-SIZE-003, 004)
        with pytest.raises(ValueError):
            hub_base.parse_size_to_int(binary)
