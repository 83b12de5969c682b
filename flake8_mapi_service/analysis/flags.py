"""Three-valued flag words: each bit is definitely set, definitely clear, or unknown.

``Bits`` is an immutable lattice element.  ``val`` holds the bits known to be
set, ``unk`` the bits whose state is not known (``val & unk == 0``).  Both are
Python ints of any width read as two's complement: a negative number has every
bit above its width set (``-1`` is all bits, ``UNKNOWN`` is ``unk == -1``).  The
operations are those of unbounded Python ints, so bits shifted out and back are
not lost (``(0x18000 << 32) >> 32`` keeps both bits); a 32-bit word is taken only
when a value is compared with flag bits (``has``, ``lacks``, ``determined`` are
given such bits) or with a DWORD (``dword``).  Bits at and above ``WIDTH`` are
kept only while they are all alike (a sign extension); otherwise they become
unknown, which keeps the lattice finite and the ints small.  Every operation is
sound: a bit reported as definitely set (or clear) is so on every path the
analysis could see.  ``names`` records, for MPS108, which documented constant
names definitely contribute which bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Tuple

from .apis import MASK32

#: bits at and above this position are kept only as a sign extension
WIDTH = 128
_HIGH = -1 << WIDTH


def _freeze(names: Mapping[str, int]) -> Dict[str, int]:
    return {k: v for k, v in names.items() if v}


def _norm(val: int, unk: int) -> Tuple[int, int]:
    """(val, unk) with ``val & unk == 0`` and uniform bits above ``WIDTH``."""
    if (val >> WIDTH) not in (0, -1) or (unk >> WIDTH) not in (0, -1):
        unk |= _HIGH
    return val & ~unk, unk


@dataclass(frozen=True)
class Bits:
    val: int = 0
    unk: int = 0
    names: Mapping[str, int] = field(default_factory=dict, compare=False)

    # -- constructors -------------------------------------------------------
    @staticmethod
    def const(value: int, name: Optional[str] = None) -> Bits:
        v, unk = _norm(value, 0)
        if unk:
            return Bits(v, unk)
        return Bits(v, 0, {name: v} if name and v else {})

    @staticmethod
    def of(val: int, unk: int) -> Bits:
        """A value from any ``val``/``unk`` ints (normalized)."""
        v, u = _norm(val, unk)
        return Bits(v, u)

    @staticmethod
    def unknown() -> Bits:
        return UNKNOWN

    # -- queries -------------------------------------------------------------
    @property
    def definite(self) -> int:
        """Bits that are set on every path."""
        return self.val

    @property
    def maybe(self) -> int:
        """Bits that may be set on some path (includes the definite ones)."""
        return self.val | self.unk

    @property
    def exact(self) -> bool:
        return self.unk == 0

    @property
    def dword(self) -> Optional[int]:
        """The exact value as a 32-bit DWORD (``-1`` is ``0xFFFFFFFF``), or None."""
        return self.val & MASK32 if self.unk & MASK32 == 0 else None

    def has(self, bit: int) -> bool:
        """True when every bit of ``bit`` is definitely set."""
        return self.val & bit == bit

    def lacks(self, bit: int) -> bool:
        """True when no bit of ``bit`` can be set (definitely missing)."""
        return (self.val | self.unk) & bit == 0

    def determined(self, bit: int) -> bool:
        return self.unk & bit == 0

    def _keep_names(self, names: Mapping[str, int]) -> Dict[str, int]:
        # A name survives only with the bits still definitely set.
        return _freeze({k: v & self.val for k, v in names.items()})

    # -- operators -----------------------------------------------------------
    def __or__(self, other: Bits) -> Bits:
        val = self.val | other.val
        unk = (self.unk | other.unk) & ~val
        out = Bits(val, unk)
        merged = dict(self.names)
        for k, v in other.names.items():
            merged[k] = merged.get(k, 0) | v
        return Bits(val, unk, out._keep_names(merged))

    def __and__(self, other: Bits) -> Bits:
        unk = (self.unk & (other.val | other.unk)) | (other.unk & (self.val | self.unk))
        val = self.val & other.val & ~unk
        out = Bits(val, unk)
        return Bits(out.val, out.unk, out._keep_names(self.names))

    def __xor__(self, other: Bits) -> Bits:
        unk = self.unk | other.unk
        val = (self.val ^ other.val) & ~unk
        return Bits(val, unk)

    def __invert__(self) -> Bits:
        return Bits(~self.val & ~self.unk, self.unk)

    def __add__(self, other: Bits) -> Bits:
        if self.exact and other.exact:
            out = Bits.of(self.val + other.val, 0)
            if not out.exact:
                return out
            total = out.val
            if self.val & other.val == 0:
                merged = dict(self.names)
                merged.update(other.names)
                return Bits(total, 0, out._keep_names(merged))
            return out
        if self.maybe & other.maybe == 0:
            # No bit can collide, so no carry: addition is a bitwise or.
            return self | other
        return UNKNOWN

    def __sub__(self, other: Bits) -> Bits:
        if self.exact and other.exact:
            return Bits.of(self.val - other.val, 0)
        return UNKNOWN

    def __mul__(self, other: Bits) -> Bits:
        if self.exact and other.exact:
            return Bits.of(self.val * other.val, 0)
        return UNKNOWN

    def shift(self, amount: Bits, left: bool) -> Bits:
        if not amount.exact or amount.val < 0:
            return UNKNOWN  # a negative count raises ValueError
        n = amount.val
        if left:
            if n > WIDTH:
                return UNKNOWN
            return Bits.of(self.val << n, self.unk << n)
        # arithmetic: the sign extension shifts in from above
        return Bits(self.val >> n, self.unk >> n)

    def neg(self) -> Bits:
        if self.exact:
            return Bits.of(-self.val, 0)
        return UNKNOWN

    def join(self, other: Bits) -> Bits:
        """The value after two paths meet: bits that differ become unknown."""
        unk = self.unk | other.unk | (self.val ^ other.val)
        val = self.val & other.val & ~unk
        out = Bits(val, unk)
        names = {k: v & other.names.get(k, 0) for k, v in self.names.items()}
        return Bits(out.val, out.unk, out._keep_names(names))

    def definite_names(self) -> Dict[str, int]:
        return dict(self.names)


UNKNOWN = Bits(0, -1)
ZERO = Bits(0, 0)
