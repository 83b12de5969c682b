"""The three-valued flag words (``Bits``): soundness by property tests, precision by examples.

An abstract value stands for every 32-bit int whose known bits match it.  An
operation is sound when, for any concrete ints the operands stand for, the
concrete result is one the abstract result stands for.
"""

from __future__ import annotations

from typing import Callable, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_mapi_service.analysis.apis import MASK32
from flake8_mapi_service.analysis.flags import UNKNOWN, ZERO, Bits

WORD = st.integers(min_value=0, max_value=MASK32)


@st.composite
def abstract_and_concrete(draw: st.DrawFn) -> Tuple[Bits, int]:
    """An abstract value and a concrete int consistent with it."""
    kind = draw(st.sampled_from(["exact", "partial", "unknown", "sparse"]))
    if kind == "exact":
        value = draw(WORD)
        return Bits.const(value, draw(st.sampled_from([None, "MAPI_NO_MAIL"]))), value
    if kind == "unknown":
        return UNKNOWN, draw(WORD)
    unk = draw(WORD)
    if kind == "sparse":  # a few unknown bits, as after a join
        unk &= draw(WORD) & draw(WORD)
    val = draw(WORD) & ~unk & MASK32
    bits = Bits(val, unk)
    return bits, val | (draw(WORD) & unk)


def consistent(concrete: int, bits: Bits) -> bool:
    concrete &= MASK32
    return bits.val & bits.unk == 0 and concrete & ~bits.unk & MASK32 == bits.val


def names_are_definite(bits: Bits) -> bool:
    return all(v and v & ~bits.val == 0 for v in bits.names.values())


BINARY: dict[str, Tuple[Callable[[Bits, Bits], Bits], Callable[[int, int], int]]] = {
    "or": (lambda a, b: a | b, lambda x, y: x | y),
    "and": (lambda a, b: a & b, lambda x, y: x & y),
    "xor": (lambda a, b: a ^ b, lambda x, y: x ^ y),
    "add": (lambda a, b: a + b, lambda x, y: x + y),
    "sub": (lambda a, b: a - b, lambda x, y: x - y),
    "mul": (lambda a, b: a * b, lambda x, y: x * y),
}


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(BINARY)),
    abstract_and_concrete(),
    abstract_and_concrete(),
)
def test_binary_operations_are_sound(
    op: str, left: Tuple[Bits, int], right: Tuple[Bits, int]
) -> None:
    abstract_op, concrete_op = BINARY[op]
    (a, x), (b, y) = left, right
    assert consistent(x, a) and consistent(y, b)
    result = abstract_op(a, b)
    assert consistent(concrete_op(x, y), result), (op, a, b, x, y, result)
    assert names_are_definite(result)


@settings(max_examples=300)
@given(abstract_and_concrete())
def test_unary_operations_are_sound(operand: Tuple[Bits, int]) -> None:
    a, x = operand
    assert consistent(~x, ~a)
    assert consistent(-x, a.neg())
    assert names_are_definite(~a)


@settings(max_examples=300)
@given(abstract_and_concrete(), st.integers(min_value=0, max_value=40))
def test_shifts_are_sound(operand: Tuple[Bits, int], n: int) -> None:
    a, x = operand
    amount = Bits.const(n)
    assert consistent(x << n, a.shift(amount, True))
    assert consistent(x >> n, a.shift(amount, False))
    assert a.shift(UNKNOWN, True) == UNKNOWN


@settings(max_examples=300)
@given(abstract_and_concrete(), abstract_and_concrete(), st.booleans())
def test_join_covers_both_paths(
    left: Tuple[Bits, int], right: Tuple[Bits, int], take_left: bool
) -> None:
    (a, x), (b, y) = left, right
    joined = a.join(b)
    assert consistent(x if take_left else y, joined)
    assert joined.join(joined) == joined
    assert names_are_definite(joined)


@settings(max_examples=200)
@given(abstract_and_concrete(), st.integers(min_value=0, max_value=31))
def test_queries_agree_with_concrete_values(operand: Tuple[Bits, int], bit_index: int) -> None:
    a, x = operand
    bit = 1 << bit_index
    if a.has(bit):
        assert x & bit
    if a.lacks(bit):
        assert not x & bit
    assert a.determined(bit) == (a.has(bit) or a.lacks(bit))


# -- precision: what the rules rely on ---------------------------------------------------


NT_SERVICE = 0x10000
NO_MAIL = 0x8000


def test_known_constants_are_exact() -> None:
    flags = Bits.const(0x20, "MAPI_EXTENDED") | Bits.const(NO_MAIL, "MAPI_NO_MAIL")
    assert flags.exact and flags.val == 0x8020
    assert flags.has(NO_MAIL) and flags.lacks(NT_SERVICE)
    assert flags.names == {"MAPI_EXTENDED": 0x20, "MAPI_NO_MAIL": NO_MAIL}


def test_or_with_unknown_keeps_the_known_bits() -> None:
    flags = UNKNOWN | Bits.const(NT_SERVICE, "MAPI_NT_SERVICE")
    assert flags.has(NT_SERVICE)
    assert not flags.lacks(NO_MAIL) and not flags.has(NO_MAIL)
    assert flags.names == {"MAPI_NT_SERVICE": NT_SERVICE}


def test_and_not_clears_a_bit_even_of_unknown() -> None:
    flags = UNKNOWN & ~Bits.const(NO_MAIL)
    assert flags.lacks(NO_MAIL)
    assert not flags.determined(NT_SERVICE)


def test_join_makes_a_differing_bit_maybe() -> None:
    base = Bits.const(NO_MAIL, "MAPI_NO_MAIL")
    with_service = base | Bits.const(NT_SERVICE, "MAPI_NT_SERVICE")
    joined = base.join(with_service)
    assert joined.has(NO_MAIL)
    assert not joined.has(NT_SERVICE) and not joined.lacks(NT_SERVICE)
    assert joined.names == {"MAPI_NO_MAIL": NO_MAIL}


def test_add_without_carry_is_or() -> None:
    flags = Bits(0x20, 0x3) + Bits.const(NT_SERVICE)
    assert flags.has(NT_SERVICE | 0x20) and not flags.determined(0x3)
    assert (Bits(0, 0x3) + Bits.const(0x1)) == UNKNOWN


def test_masking_drops_a_name_with_its_bits() -> None:
    flags = Bits.const(NO_MAIL, "MAPI_NO_MAIL") & Bits.const(0)
    assert flags == ZERO and flags.names == {}


def test_constants_are_masked_to_32_bits() -> None:
    assert Bits.const(-1).val == MASK32
    assert Bits.const(1 << 40).val == 0
