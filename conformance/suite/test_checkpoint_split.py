"""Splitters (``checkpoint-split``) against the spec's split, on generated state dicts and limits.

The expected split is ``split_model``'s, written from spec/sharding.md sections 1 to 3 alone:

- ``matches-the-spec``: the shards, their order, the order of names in each, the names of the
  files, ``tensor_to_filename``, ``total_size`` and ``is_sharded``, for state dicts of every kind
  (shared storage, views, strings, meta and empty tensors) with integer limits;
- ``parses-sizes``: limits written in every form of the size grammar mean exactly the bytes the
  spec says, shown by splitting tensors of 1, limit - 1 and 1 bytes, where one byte more or less
  gives another split;
- refusals: invalid sizes, patterns without ``{suffix}``, patterns that could write outside the
  directory, and values that are not tensors (naming their key);
- ``leaves-the-state-dict-unchanged``: keys, order, tensor objects and contents.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip(
    "torch", reason="the checkpoint tests need torch: pip install 'weightspec[torch]'"
)
from hypothesis import example, given
from hypothesis import strategies as st

from weightspec.conformance.harness.adapter import CHECKPOINT_SPLIT, SplitResult
from weightspec.conformance.harness.judging import (
    FAIL,
    PASSED,
    Judgement,
    expect_acceptance,
    expect_refusal,
    require,
)
from weightspec.conformance.split_model import (
    DEFAULT_PATTERN,
    describe,
    parse_max_shard_size,
    split_state_dict,
    worked_example,
)
from weightspec.conformance.state_dict_snapshots import changes, snapshot
from weightspec.conformance.strategies import (
    SIZE_ERRORS,
    filename_patterns,
    invalid_max_shard_sizes,
    max_shard_sizes,
    state_dicts,
)

# The examples of valid sizes in spec/sharding.md section 3.
SIZE_EXAMPLES = ("5GB", "5 gb", "5GiB", "1.5KB", "0.0015KB", "2.01MB", "1000", 1000, 1000.0)
# The tensors state_dicts() draws hold up to 512 bytes: limits up to 600 put them in 1 to 8 shards.
LIMITS = st.integers(min_value=1, max_value=600)


def _two_shards() -> dict[str, torch.Tensor]:
    """A state dict that any valid limit of 8 bytes splits in two."""
    return {"a": torch.zeros(2), "b": torch.zeros(2)}


def split_differs(expected: SplitResult, got: SplitResult) -> str | None:
    """The first way ``got`` differs from ``expected`` (orders included), in one sentence, or None."""
    got = SplitResult(*got)
    expected_files, got_files = list(expected.filename_to_tensors), list(got.filename_to_tensors)
    if got_files != expected_files:
        return f"the files are {got_files}, expected {expected_files}"
    for file, names in expected.filename_to_tensors.items():
        if list(got.filename_to_tensors[file]) != names:
            return f"{file} lists {list(got.filename_to_tensors[file])}, expected {names}"
    if list(got.tensor_to_filename.items()) != list(expected.tensor_to_filename.items()):
        return f"tensor_to_filename is {dict(got.tensor_to_filename)}, expected {expected.tensor_to_filename}"
    if dict(got.metadata) != expected.metadata:
        return f"metadata is {dict(got.metadata)}, expected {expected.metadata}"
    if got.is_sharded != expected.is_sharded:
        return f"is_sharded is {got.is_sharded}, expected {expected.is_sharded}"
    return None


@pytest.mark.conformance(
    CHECKPOINT_SPLIT,
    name="matches-the-spec",
    requirements=(
        "SHARD-SPLIT-001",
        "SHARD-SPLIT-002",
        "SHARD-SPLIT-003",
        "SHARD-SPLIT-004",
        "SHARD-SPLIT-005",
        "SHARD-SPLIT-006",
        "SHARD-SPLIT-009",
        "SHARD-NAME-001",
        "SHARD-NAME-003",
        "SHARD-SIZE-005",
    ),
)
def test_matches_the_spec(conformance) -> None:
    worked, limit_of_worked = worked_example()

    @example(state_dict=worked, limit=limit_of_worked, pattern=DEFAULT_PATTERN)
    @given(state_dict=state_dicts(), limit=LIMITS, pattern=filename_patterns())
    def check(state_dict, limit, pattern):
        expected = split_state_dict(state_dict, max_shard_size=limit, filename_pattern=pattern)
        outcome = conformance.call(state_dict, max_shard_size=limit, filename_pattern=pattern)

        def problem(split):
            difference = split_differs(expected, split)
            return difference and f"{difference}, for limit {limit} and {pattern!r} on {describe(state_dict)}"

        require(expect_acceptance(outcome, problem))

    check()
    conformance.conclude(PASSED)


def _probe(limit: int) -> dict[str, torch.Tensor]:
    """Meta tensors of 1, limit - 1 and 1 bytes: one shard [1, limit - 1] then [1] at this limit,
    three shards at limit - 1, one shard at limit + 1."""
    sizes = {"first": 1, "middle": limit - 1, "last": 1}
    return {name: torch.empty(size, dtype=torch.uint8, device="meta") for name, size in sizes.items()}


@pytest.mark.conformance(
    CHECKPOINT_SPLIT, name="parses-sizes", requirements=("SHARD-SIZE-001", "SHARD-SIZE-003", "SHARD-SIZE-004")
)
def test_parses_sizes(conformance) -> None:
    @given(size=max_shard_sizes())
    def check(size):
        limit = parse_max_shard_size(size)
        probe = _probe(limit)
        expected = split_state_dict(probe, max_shard_size=limit)
        outcome = conformance.call(probe, max_shard_size=size, filename_pattern=DEFAULT_PATTERN)

        def problem(split):
            if split_differs(expected, split) is None:
                return None
            shards = list(SplitResult(*split).filename_to_tensors.values())
            return (
                f"max_shard_size {size!r} is {limit} bytes, which splits tensors of 1, {limit - 1} and 1 "
                f"bytes into {list(expected.filename_to_tensors.values())}; got {shards}"
            )

        require(expect_acceptance(outcome, problem))

    for size in SIZE_EXAMPLES:  # the spec's examples are tried first, in every run
        check = example(size=size)(check)
    check()
    conformance.conclude(PASSED)


@pytest.mark.conformance(CHECKPOINT_SPLIT, name="refuses-invalid-sizes", requirements=("SHARD-SIZE-002",))
def test_refuses_invalid_sizes(conformance) -> None:
    @given(size=invalid_max_shard_sizes())
    def check(size):
        outcome = conformance.call(_two_shards(), max_shard_size=size, filename_pattern=DEFAULT_PATTERN)
        judgement = expect_refusal(
            outcome, CHECKPOINT_SPLIT, "SHARD-SIZE-002", f"max_shard_size {size!r} is not a valid size"
        )
        if judgement.passed and isinstance(size, str) and size not in outcome.message:
            judgement = Judgement(
                FAIL, f"refused max_shard_size {size!r}, but the message does not name it", judgement.outcome
            )
        require(judgement)

    for size in SIZE_ERRORS:  # the spec's examples are tried first, in every run
        check = example(size=size)(check)
    check()
    conformance.conclude(PASSED)


def _refuses_patterns(conformance, patterns: tuple[str, ...], requirement: str, why: str) -> Judgement:
    """The first failing judgement of splitting ``_two_shards()`` with each pattern, or PASSED."""
    for pattern in patterns:
        outcome = conformance.call(_two_shards(), max_shard_size=8, filename_pattern=pattern)
        judgement = expect_refusal(outcome, CHECKPOINT_SPLIT, requirement, f"the pattern {pattern!r} {why}")
        if not judgement.passed:
            return judgement
    return PASSED


@pytest.mark.conformance(
    CHECKPOINT_SPLIT, name="refuses-patterns-without-suffix", requirements=("SHARD-NAME-002",)
)
def test_refuses_patterns_without_suffix(conformance) -> None:
    patterns = (
        "model.safetensors",
        "pytorch_model.bin",
        "model-suffix.safetensors",
        "model{{suffix}}.safetensors",
    )
    conformance.conclude(
        _refuses_patterns(
            conformance, patterns, "SHARD-NAME-002", "has no {suffix}: both shards get one name"
        )
    )


@pytest.mark.conformance(CHECKPOINT_SPLIT, name="refuses-unsafe-patterns", requirements=("SHARD-NAME-005",))
def test_refuses_unsafe_patterns(conformance) -> None:
    patterns = (
        "sub/model{suffix}.safetensors",  # a folder
        "../model{suffix}.safetensors",  # outside the directory
        "/tmp/model{suffix}.safetensors",  # absolute
        "sub\\model{suffix}.safetensors",  # a Windows folder
        "C:model{suffix}.safetensors",  # a drive letter
        ".model{suffix}.safetensors",  # hidden
        "{suffix}",  # the single shard would have an empty name
        "model{suffix}\n.safetensors",  # a control character
        "model{suffix}{other}.safetensors",  # another field
        "model{suffix}{0}.safetensors",  # a positional field
    )
    why = "is not a plain file name pattern with {suffix} as its only field"
    conformance.conclude(_refuses_patterns(conformance, patterns, "SHARD-NAME-005", why))


def _sparse_tensor() -> torch.Tensor:
    return torch.zeros(3).to_sparse()


# Values of SHARD-SPLIT-007: neither strings nor tensors with a storage.
NOT_TENSORS = st.sampled_from([7, 2.5, None, [1.0, 2.0], b"bytes"]) | st.builds(_sparse_tensor)


@pytest.mark.conformance(
    CHECKPOINT_SPLIT, name="refuses-values-that-are-not-tensors", requirements=("SHARD-SPLIT-007",)
)
def test_refuses_values_that_are_not_tensors(conformance) -> None:
    @example(state_dict=_two_shards(), value=7, position=1)  # the spec's example: an integer
    @given(state_dict=state_dicts(), value=NOT_TENSORS, position=st.integers(0, 8))
    def check(state_dict, value, position):
        items = list(state_dict.items())
        items.insert(min(position, len(items)), ("not_a_tensor", value))
        outcome = conformance.call(dict(items), max_shard_size=100, filename_pattern=DEFAULT_PATTERN)
        why = f"the value of 'not_a_tensor' is a {type(value).__name__}, not a tensor with storage"
        judgement = expect_refusal(outcome, CHECKPOINT_SPLIT, "SHARD-SPLIT-007", why)
        if judgement.passed and "not_a_tensor" not in outcome.message:
            judgement = Judgement(
                FAIL, "refused, but the message does not name the key 'not_a_tensor'", judgement.outcome
            )
        require(judgement)

    check()
    conformance.conclude(PASSED)


@pytest.mark.conformance(
    CHECKPOINT_SPLIT, name="leaves-the-state-dict-unchanged", requirements=("SHARD-SPLIT-008",)
)
def test_leaves_the_state_dict_unchanged(conformance) -> None:
    @given(state_dict=state_dicts(), limit=LIMITS)
    def check(state_dict, limit):
        before = snapshot(state_dict)
        outcome = conformance.call(state_dict, max_shard_size=limit, filename_pattern=DEFAULT_PATTERN)
        require(expect_acceptance(outcome, lambda split: changes(before, state_dict)))

    check()
    conformance.conclude(PASSED)
