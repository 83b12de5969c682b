"""The three-valued flag words (``Bits``): soundness by property tests, precision by examples.

An abstract value stands for every int (of any width, two's complement) whose
known bits match it.  An operation is sound when, for any concrete ints the
operands stand for, the concrete result is one the abstract result stands for.
"""

from __future__ import annotations

from typing import Callable, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_mapi_service.analysis.apis import MASK32
from flake8_mapi_service.analysis.flags import UNKNOWN, WIDTH, ZERO, Bits

#: 32-bit words, negative numbers and values wider than 32 bits
WORD = st.one_of(
    st.integers(min_value=0, max_value=MASK32),
    st.integers(min_value=-(1 << 40), max_value=-1),
    st.integers(min_value=0, max_value=(1 << 70) - 1),
)


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
    val = draw(WORD) & ~unk
    bits = Bits(val, unk)
    return bits, val | (draw(WORD) & unk)


def consistent(concrete: int, bits: Bits) -> bool:
    """``concrete`` is one of the ints ``bits`` stands for (bits of any width)."""
    return bits.val & bits.unk == 0 and concrete & ~bits.unk == bits.val


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
@given(abstract_and_concrete(), st.integers(min_value=0, max_value=WIDTH + 8))
def test_shifts_are_sound(operand: Tuple[Bits, int], n: int) -> None:
    a, x = operand
    amount = Bits.const(n)
    assert consistent(x << n, a.shift(amount, True))
    assert consistent(x >> n, a.shift(amount, False))
    assert a.shift(UNKNOWN, True) == UNKNOWN
    assert a.shift(Bits.const(-1), False) == UNKNOWN


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


def test_constants_are_unbounded() -> None:
    everything = Bits.const(-1)
    assert everything.exact and everything.val == -1 and everything.has(MASK32)
    assert everything.dword == MASK32
    wide = Bits.const(1 << 40)
    assert wide.val == 1 << 40 and wide.lacks(MASK32) and wide.dword == 0
    # beyond WIDTH, bits are kept only as a sign extension
    assert Bits.const(-(1 << 100)).exact and not Bits.const(-(1 << 200)).exact
    huge = Bits.const(1 << 200)
    assert not huge.exact and huge.lacks(MASK32) and huge.dword == 0


# -- unbounded values: bits shifted out and back, negative numbers, INFINITE ------------------


def test_bits_shifted_out_and_back_are_kept() -> None:
    flags = Bits.const(NO_MAIL | NT_SERVICE, "MAPI_NO_MAIL")
    back = flags.shift(Bits.const(32), True).shift(Bits.const(32), False)
    assert back.exact and back.val == NO_MAIL | NT_SERVICE
    assert back.has(NO_MAIL) and back.has(NT_SERVICE)
    # an unknown bit travels as far and comes back unknown, not lost
    partial = Bits(NT_SERVICE, NO_MAIL).shift(Bits.const(64), True).shift(Bits.const(64), False)
    assert partial.has(NT_SERVICE) and not partial.determined(NO_MAIL)
    # shifted out to the right, a bit is gone for good
    gone = flags.shift(Bits.const(20), False).shift(Bits.const(20), True)
    assert gone.lacks(NO_MAIL | NT_SERVICE)


def test_invert_then_and() -> None:
    flags = Bits.const(NO_MAIL | NT_SERVICE | 0x20)
    cleared = flags & ~Bits.const(NO_MAIL)
    assert cleared.exact and cleared.val == NT_SERVICE | 0x20
    assert (~Bits.const(0)).val == -1 and (~Bits.const(0)).has(MASK32)
    # ~x of an unknown x is unknown in the same bits; & with a mask bounds it
    masked = ~UNKNOWN & Bits.const(0xFF)
    assert masked.lacks(0xFFFFFF00) and not masked.determined(0x1)
    assert (~~flags) == flags


def test_negative_numbers_are_all_their_high_bits() -> None:
    minus_one = Bits.const(1).neg()
    assert minus_one == Bits.const(-1) and minus_one.has(MASK32)
    assert (minus_one & Bits.const(NO_MAIL)).val == NO_MAIL
    assert (Bits.const(-2) | Bits.const(1)) == minus_one
    assert (Bits.const(-NO_MAIL)).has(NO_MAIL) and (Bits.const(-NO_MAIL)).lacks(NO_MAIL - 1)
    assert (minus_one + Bits.const(1)) == ZERO
    assert Bits.const(-1).shift(Bits.const(40), False) == Bits.const(-1)


def test_infinite_is_minus_one_as_a_dword() -> None:
    assert Bits.const(0xFFFFFFFF).dword == Bits.const(-1).dword == MASK32
    assert Bits(0, 1).dword is None
    assert Bits(5, -1 << 32).dword == 5  # unknown high bits do not make a DWORD unknown
    assert Bits.const(0x1_0000_0000).dword == 0


def test_summary_values_round_trip_through_json() -> None:
    import json

    from flake8_mapi_service.analysis.summary import decode_value, encode_value

    for value in (
        Bits.const(-1),
        UNKNOWN,
        Bits.const(1 << 100, "X"),
        Bits(NT_SERVICE, -1 << 40),
        Bits.const(0x18000 << 32),
    ):
        again = decode_value(json.loads(json.dumps(encode_value(value))))
        assert again == value and again.names == value.names
