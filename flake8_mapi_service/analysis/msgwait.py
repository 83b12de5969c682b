"""MsgWaitForMultipleObjects(Ex): its handle count, wake mask, and message case.

``MsgWaits.analyse(site)`` reads the call (handle count, wake mask, timeout)
and follows the *message case* (the result ``WAIT_OBJECT_0 + nCount``)
through the statements after the call, with a small work list over the
function's blocks (``structure.Layout``): ``if``/``elif``/``else`` chains on the
result, fall-through, ``continue`` and the next loop iteration (up to the wait
itself), ``break``, ``return``.  Anything it cannot follow is *unknown*, and
unknown is never a finding.  A discarded result is a message case that falls
through: the code after the wait (or the next turn of the loop) may still pump.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from .apis import MAX_WAIT_OBJECTS, MSGWAIT_LAYOUTS, NEUTRAL_CALLS, MsgWaitLayout
from .arguments import Arguments
from .bindings import Resolver
from .flags import Bits
from .model import CallSite, Scope, argument_expr
from .structure import BlockKey, Layout, Structure, blocks, small_statements
from .waits import UNKNOWN_WAIT, Waits, is_len, neutral_call


class MsgWaits:
    """The MsgWaitForMultipleObjects(Ex) calls of one module, analysed on demand."""

    def __init__(
        self, waits: Waits, arguments: Arguments, resolver: Resolver, structure: Structure
    ) -> None:
        self.waits = waits
        self.arguments = arguments
        self.resolver = resolver
        self.structure = structure
        self._sites: Dict[int, Dict[int, List[CallSite]]] = {}

    def analyse(self, site: CallSite) -> MsgWait:
        layout = MSGWAIT_LAYOUTS[site.key or ""]
        info = MsgWait(site)
        info.mask = self._arg_bits(site, layout.mask)
        info.timeout = self.waits.milliseconds(site, layout.timeout)
        info.handles, info.ident = self._handle_count(site, layout)
        info.discarded = site.discarded
        _MessageCase(self, site, info).run()
        return info

    def sites_by_stmt(self, scope: Scope) -> Dict[int, List[CallSite]]:
        """Statement id -> the calls whose ``stmt`` it is, in one scope."""
        found = self._sites.get(id(scope))
        if found is None:
            found = self._sites[id(scope)] = {}
            for s in scope.calls:
                found.setdefault(id(s.stmt), []).append(s)
        return found

    def _arg_bits(self, site: CallSite, index: int) -> Optional[Bits]:
        expr = argument_expr(site.node, index)
        if expr is None:
            return None
        return self.arguments.bits(site, expr)

    def _handle_count(
        self, site: CallSite, layout: MsgWaitLayout
    ) -> Tuple[Optional[int], Optional[Tuple[object, ...]]]:
        waits = self.waits
        handles = argument_expr(site.node, layout.handles)
        ident = waits.list_ident(handles, site.scope) if handles is not None else None
        if layout.count is not None:
            expr = argument_expr(site.node, layout.count)
            if expr is None:
                return None, ident
            if is_len(expr, self.resolver, site.scope):
                inner = expr.args[0].value  # type: ignore[attr-defined]
                inner_ident = waits.list_ident(inner, site.scope)
                return waits.list_length(inner, site.scope), inner_ident
            bits = self.arguments.bits(site, expr)
            return bits.dword, ident
        if handles is None:
            return None, None
        return waits.list_length(handles, site.scope), ident


@dataclass(eq=False)
class MsgWait:
    site: CallSite
    discarded: bool = False
    mask: Optional[Bits] = None
    #: the timeout, classified like a blocking wait's (ZERO_WAIT: a poll)
    timeout: str = UNKNOWN_WAIT
    #: the number of handles, when known
    handles: Optional[int] = None
    #: identity of the handle list variable (for ``len(x)`` of the same list)
    ident: Optional[Tuple[object, ...]] = None
    #: True: the message case may reach a pump; False: it reaches none; None: unknown
    reaches_pump: Optional[bool] = None
    #: comparisons in branches that pump, against WAIT_OBJECT_0 + k with the wrong k:
    #: (k as text, k - nCount when known: >0 above the message case, <0 a handle)
    wrong: List[Tuple[str, int]] = field(default_factory=list)

    @property
    def message_case(self) -> str:
        if self.handles is not None:
            return f"WAIT_OBJECT_0 + {self.handles}"
        if self.ident is not None:
            prefix = "self." if self.ident[0] == "self" else ""
            return f"WAIT_OBJECT_0 + len({prefix}{self.ident[2]})"
        return "WAIT_OBJECT_0 + nCount"


#: an affine value: (symbol or None, offset); symbol is a handle-list identity
Affine = Tuple[Optional[Tuple[object, ...]], int]

MATCH, NOMATCH, MAYBE = "match", "nomatch", "maybe"


def _mentions(node: cst.CSTNode, name: Optional[str], call: Optional[cst.Call]) -> bool:
    todo: List[cst.CSTNode] = [node]
    while todo:
        current = todo.pop()
        if call is not None and current is call:
            return True
        if name is not None and isinstance(current, cst.Name) and current.value == name:
            return True
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
            continue
        todo.extend(current.children)
    return False


class _MessageCase:
    """Follows the message case from a MsgWaitForMultipleObjects call."""

    _STEPS = 20_000

    def __init__(self, owner: MsgWaits, site: CallSite, info: MsgWait) -> None:
        self.waits = owner.waits
        self.arguments = owner.arguments
        self.resolver = owner.resolver
        self.site = site
        self.info = info
        self.layout: Layout = owner.structure.layout(site.scope.node)
        self.by_stmt = owner.sites_by_stmt(site.scope)
        self.name: Optional[str] = site.assigned_to
        self.call: Optional[cst.Call] = None
        self.found = False
        self.unknown = False
        self.seen: Set[Tuple[BlockKey, int]] = set()
        self._pumping_blocks: Optional[Set[BlockKey]] = None
        self.todo: List[Tuple[BlockKey, int]] = []
        start = self.layout.unit_of(site.stmt)
        self.start = start
        self.ancestors: Set[int] = {id(p) for p in self.layout.parents(start)}
        self.ancestors.add(id(start))
        # the message value: exact when the count is known, else len(<list>)
        if info.handles is not None:
            self.message: Optional[Affine] = (None, info.handles)
        elif info.ident is not None:
            self.message = (info.ident, 0)
        else:
            self.message = None

    # -- driver ------------------------------------------------------------------------------
    def run(self) -> None:
        info = self.info
        start = self.start
        where = self.layout.where(start)
        if where is None:
            info.reaches_pump = None
            return
        key, pos = where
        if (self.name is not None or info.discarded) and small_statements(start) is not None:
            # rc = MsgWaitForMultipleObjects(...): the rest of the line, then onwards
            for other in self._sites_in_unit(start):
                if other.index > self.site.index and self.waits.is_pump(other):
                    info.reaches_pump = True
                    return
            self.todo.append((key, pos + 1))
        elif isinstance(start, cst.If) and self._compared_in_test(start):
            self.call = self.site.node
            self._if_chain(start, key, pos)
        else:
            info.reaches_pump = None  # the result goes somewhere the walk does not follow
            return
        steps = 0
        while self.todo and not self.found:
            steps += 1
            if steps > self._STEPS:
                self.unknown = True
                break
            block, position = self.todo.pop()
            if (block, position) in self.seen:
                continue
            self.seen.add((block, position))
            self._scan(block, position)
        if self.found:
            info.reaches_pump = True
        elif self.unknown:
            info.reaches_pump = None
        else:
            info.reaches_pump = False

    def _sites_in_unit(self, unit: cst.CSTNode) -> List[CallSite]:
        """Calls of a simple unit (its small statements), or of a compound header."""
        smalls = small_statements(unit)
        if smalls is None:
            return list(self.by_stmt.get(id(unit), ()))
        out: List[CallSite] = []
        for small in smalls:
            out.extend(self.by_stmt.get(id(small), ()))
        return out

    def _compared_in_test(self, stmt: cst.If) -> bool:
        test = stmt.test
        node = self.site.node
        if test is node:
            return True
        if isinstance(test, cst.Comparison) and (
            test.left is node or any(c.comparator is node for c in test.comparisons)
        ):
            return True
        return False

    # -- statements ------------------------------------------------------------------------------
    def _scan(self, block: BlockKey, position: int) -> None:
        seq = self.layout.blocks[block].units
        if position >= len(seq):
            self._end_of_block(block)
            return
        stmt = seq[position]
        if id(stmt) in self.ancestors:
            # the next iteration reaches the wait again: only what precedes it runs
            for site in self._sites_within(stmt):
                if site.index < self.site.index and self._pumps(site):
                    return
            return
        smalls = small_statements(stmt)
        if smalls is not None:
            self._simple(stmt, smalls, block, position)
            return
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            self.todo.append((block, position + 1))
            return
        for site in self.by_stmt.get(id(stmt), ()):
            if site is not self.site and self._pumps(site):
                return
        if isinstance(stmt, cst.If):
            self._if_chain(stmt, block, position)
            return
        if self._header_mentions(stmt):
            self.unknown = True
            return
        if isinstance(stmt, (cst.For, cst.While)):
            self.todo.append(((id(stmt), "body"), 0))
            self.todo.append(self._after_loop(stmt, block, position))
            return
        if isinstance(stmt, (cst.Try, cst.TryStar, cst.With)):
            self.todo.append(((id(stmt), "body"), 0))
            return
        if isinstance(stmt, cst.Match):
            for _, part, _ in blocks(stmt):
                self.todo.append(((id(stmt), part), 0))
            self.todo.append((block, position + 1))
            return
        self.todo.append((block, position + 1))

    def _simple(
        self,
        stmt: cst.CSTNode,
        smalls: Sequence[cst.BaseSmallStatement],
        block: BlockKey,
        position: int,
    ) -> None:
        for small in smalls:
            for site in self.by_stmt.get(id(small), ()):
                if self._pumps(site):
                    return
            if self._small_mentions(small):
                return
            if isinstance(small, (cst.Return, cst.Raise)):
                return  # the path ends without a pump
            if isinstance(small, cst.Break):
                loop = self._loop_of(block)
                if loop is not None:
                    self.todo.append(self._exit_of(loop))
                return
            if isinstance(small, cst.Continue):
                loop = self._loop_of(block)
                if loop is not None:
                    self._next_iteration(loop)
                return
        self.todo.append((block, position + 1))

    def _small_mentions(self, small: cst.BaseSmallStatement) -> bool:
        """True (and the walk gives up) when a statement rebinds the result or
        hands it to a call that might handle the message case."""
        name = self.name
        if name is None:
            return False
        if isinstance(small, cst.Return) and small.value is not None:
            if _mentions(small.value, name, None):
                self.unknown = True  # the caller gets the result
                return True
        if isinstance(small, cst.Expr) and _mentions(small.value, name, None):
            if isinstance(small.value, (cst.Yield, cst.Await)):
                self.unknown = True
                return True
        if isinstance(small, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            targets: List[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            else:
                targets = [small.target]
            if any(_mentions(t, name, None) for t in targets):
                self.unknown = True
                return True
        for site in self.by_stmt.get(id(small), ()):
            if self._passes_result(site):
                self.unknown = True
                return True
        return False

    def _passes_result(self, site: CallSite) -> bool:
        """A call (other than a logging one) is given the wait result."""
        if site.key in NEUTRAL_CALLS:
            return False
        name = self.name
        if name is None:
            return any(_mentions(a.value, None, self.site.node) for a in site.node.args)
        return any(_mentions(a.value, name, None) for a in site.node.args)

    def _header_mentions(self, stmt: cst.CSTNode) -> bool:
        name = self.name
        if name is None:
            return False
        headers: List[cst.CSTNode] = []
        if isinstance(stmt, cst.While):
            headers = [stmt.test]
        elif isinstance(stmt, cst.For):
            headers = [stmt.iter, stmt.target]
        elif isinstance(stmt, cst.With):
            headers = [item for item in stmt.items]
        elif isinstance(stmt, cst.Match):
            headers = [stmt.subject]
        return any(_mentions(h, name, None) for h in headers)

    def _sites_within(self, stmt: cst.CSTNode) -> List[CallSite]:
        out: List[CallSite] = []
        for site in self.site.scope.calls:
            unit = self.layout.unit_of(site.stmt)
            if unit is stmt or any(p is stmt for p in self.layout.parents(unit)):
                out.append(site)
        return out

    # -- control flow ------------------------------------------------------------------------------
    def _end_of_block(self, block: BlockKey) -> None:
        owner = self.layout.blocks[block].owner
        if owner is None:
            return  # the end of the function: no pump on this path
        where = self.layout.where(owner)
        if where is None:
            return
        okey, opos = where
        part = block[1]
        if isinstance(owner, (cst.For, cst.While)) and part == "body":
            self._next_iteration(owner)
            return
        if isinstance(owner, (cst.Try, cst.TryStar)) and part != "finally":
            if part == "body" and owner.orelse is not None:
                self.todo.append(((id(owner), "else"), 0))
                return
            if owner.finalbody is not None:
                self.todo.append(((id(owner), "finally"), 0))
                return
        self.todo.append((okey, opos + 1))

    def _loop_of(self, block: BlockKey) -> Optional[cst.CSTNode]:
        """The innermost loop whose body holds the block."""
        current = block
        for _ in range(10_000):
            owner = self.layout.blocks[current].owner
            if owner is None:
                return None
            if isinstance(owner, (cst.For, cst.While)) and current[1] == "body":
                return owner
            where = self.layout.where(owner)
            if where is None:
                return None
            current = where[0]
        return None

    def _exit_of(self, loop: cst.CSTNode) -> Tuple[BlockKey, int]:
        where = self.layout.where(loop)
        assert where is not None
        okey, opos = where
        return okey, opos + 1

    def _after_loop(
        self, loop: cst.CSTNode, block: BlockKey, position: int
    ) -> Tuple[BlockKey, int]:
        if isinstance(loop, (cst.For, cst.While)) and loop.orelse is not None:
            return (id(loop), "else"), 0
        return block, position + 1

    def _next_iteration(self, loop: cst.CSTNode) -> None:
        for site in self.by_stmt.get(id(loop), ()):
            if isinstance(loop, cst.While) and self._pumps(site):
                return
        self.todo.append(((id(loop), "body"), 0))
        if isinstance(loop, cst.While) and _always_true(loop.test):
            return
        where = self.layout.where(loop)
        assert where is not None
        okey, opos = where
        self.todo.append(self._after_loop(loop, okey, opos))

    # -- if/elif/else on the result -------------------------------------------------------------------
    def _if_chain(self, stmt: cst.If, block: BlockKey, position: int) -> None:
        current: cst.If = stmt
        for _ in range(100_000):
            for site in self.by_stmt.get(id(current), ()):
                if site is self.site:
                    continue
                if self._pumps(site):
                    return
                if self._passes_result(site):
                    self.unknown = True
                    return
            result = self.classify(current.test)
            if result != MAYBE:
                self._check_wrong(current)
            if result in (MATCH, MAYBE):
                self.todo.append(((id(current), "body"), 0))
                if result == MATCH:
                    return
            orelse = current.orelse
            if isinstance(orelse, cst.If):
                current = orelse
                continue
            if orelse is not None:
                self.todo.append(((id(current), "else"), 0))
            else:
                self.todo.append((block, position + 1))
            return

    def _pumps(self, site: CallSite) -> bool:
        """A call on the message case's path: a pump ends the walk (True); a call
        the analysis cannot see may pump (a method inherited from another module),
        so the answer becomes unknown unless a pump is found."""
        if self.waits.is_pump(site):
            self.found = True
            return True
        if not self.waits.resolved(site) and not neutral_call(site):
            self.unknown = True
        return False

    def _check_wrong(self, stmt: cst.If) -> None:
        """MPS403: the branch pumps, and compares the result with WAIT_OBJECT_0 + k
        where k is not nCount."""
        if not self._block_pumps(stmt):
            return
        values = self._equalities(stmt.test)
        if not values:
            return
        wrong: List[Tuple[str, int]] = []
        for value, text in values:
            delta = self._delta(value)
            if delta is None or delta == 0:
                return  # one of them is (or may be) the message case
            wrong.append((text, delta))
        self.info.wrong.extend(wrong)

    def _delta(self, value: Optional[Affine]) -> Optional[int]:
        message = self.message
        if value is None or message is None:
            return None
        if value[0] is None and message[0] is None:
            k = value[1]
            if not 0 <= k <= MAX_WAIT_OBJECTS:
                return None
            return k - message[1]
        if value[0] is not None and value[0] == message[0]:
            return value[1] - message[1]
        return None

    def _block_pumps(self, stmt: cst.If) -> bool:
        if self._pumping_blocks is None:
            found: Set[BlockKey] = set()
            for site in self.site.scope.calls:
                if self.waits.is_pump(site):
                    found.update(self.layout.chain(self.layout.unit_of(site.stmt)))
            self._pumping_blocks = found
        return (id(stmt), "body") in self._pumping_blocks

    def _equalities(self, test: cst.BaseExpression) -> List[Tuple[Optional[Affine], str]]:
        """Values the result is compared equal with (``==`` and ``in``) in a test."""
        out: List[Tuple[Optional[Affine], str]] = []
        todo: List[cst.BaseExpression] = [test]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.BooleanOperation):
                todo.extend([node.left, node.right])
            elif isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
                comp = node.comparisons[0]
                left, right = node.left, comp.comparator
                if isinstance(comp.operator, cst.Equal):
                    if self._is_result(left):
                        out.append((self.affine(right), _code(right)))
                    elif self._is_result(right):
                        out.append((self.affine(left), _code(left)))
                elif isinstance(comp.operator, cst.In) and self._is_result(left):
                    if isinstance(right, (cst.Tuple, cst.List, cst.Set)):
                        for el in right.elements:
                            out.append((self.affine(el.value), _code(el.value)))
        return out

    def _is_result(self, node: cst.BaseExpression) -> bool:
        if self.call is not None:
            return node is self.call
        return isinstance(node, cst.Name) and node.value == self.name

    def classify(self, test: cst.BaseExpression, depth: int = 0) -> str:
        """Is the test true for the message case?"""
        if depth > 100:
            return MAYBE
        if self._is_result(test):
            return _truth(self._compare(cst.NotEqual(), (None, 0)))
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.classify(test.expression, depth + 1)
            return {MATCH: NOMATCH, NOMATCH: MATCH}.get(inner, MAYBE)
        if isinstance(test, cst.BooleanOperation):
            left = self.classify(test.left, depth + 1)
            right = self.classify(test.right, depth + 1)
            if isinstance(test.operator, cst.And):
                if NOMATCH in (left, right):
                    return NOMATCH
                return MATCH if left == right == MATCH else MAYBE
            if MATCH in (left, right):
                return MATCH
            return NOMATCH if left == right == NOMATCH else MAYBE
        if isinstance(test, cst.Comparison):
            results: List[str] = []
            lhs: cst.BaseExpression = test.left
            for comp in test.comparisons:
                results.append(self._pair(lhs, comp.operator, comp.comparator))
                lhs = comp.comparator
            if NOMATCH in results:
                return NOMATCH
            return MATCH if all(r == MATCH for r in results) else MAYBE
        return MAYBE

    def _pair(self, left: cst.BaseExpression, op: cst.BaseCompOp, right: cst.BaseExpression) -> str:
        if self._is_result(left):
            other = right
        elif self._is_result(right):
            other = left
            op = _flip(op)
        else:
            return MAYBE
        if isinstance(op, (cst.In, cst.NotIn)):
            if not isinstance(other, (cst.Tuple, cst.List, cst.Set)) or other is left:
                return MAYBE
            found = [self._compare(cst.Equal(), self.affine(el.value)) for el in other.elements]
            if True in found:
                result = MATCH
            elif all(f is False for f in found):
                result = NOMATCH
            else:
                result = MAYBE
            if isinstance(op, cst.NotIn):
                return {MATCH: NOMATCH, NOMATCH: MATCH}.get(result, MAYBE)
            return result
        return _truth(self._compare(op, self.affine(other)))

    def _compare(self, op: cst.BaseCompOp, value: Optional[Affine]) -> Optional[bool]:
        """``message <op> value``, or None when it cannot be told."""
        message = self.message
        if value is None or message is None:
            return None
        if value[0] != message[0]:
            return None
        a, b = message[1], value[1]
        if isinstance(op, cst.Equal):
            return a == b
        if isinstance(op, cst.NotEqual):
            return a != b
        if isinstance(op, cst.LessThan):
            return a < b
        if isinstance(op, cst.LessThanEqual):
            return a <= b
        if isinstance(op, cst.GreaterThan):
            return a > b
        if isinstance(op, cst.GreaterThanEqual):
            return a >= b
        return None

    def affine(self, node: cst.BaseExpression, depth: int = 0) -> Optional[Affine]:
        """The value of a compared expression: exact, or ``len(<handle list>) + c``."""
        if depth > 50:
            return None
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, (cst.Add, cst.Subtract)
        ):
            left = self.affine(node.left, depth + 1)
            right = self.affine(node.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.operator, cst.Add):
                if left[0] is not None and right[0] is not None:
                    return None
                return (left[0] or right[0], left[1] + right[1])
            if right[0] is not None:
                return None
            return (left[0], left[1] - right[1])
        if is_len(node, self.resolver, self.site.scope):
            inner = node.args[0].value  # type: ignore[attr-defined]
            length = self.waits.list_length(inner, self.site.scope)
            if length is not None:
                return (None, length)
            ident = self.waits.list_ident(inner, self.site.scope)
            if ident is not None and ident == self.info.ident:
                if self.info.handles is not None:
                    return (None, self.info.handles)
                return (ident, 0)
            return None
        v = self.arguments.bits(self.site, node).dword
        if v is not None:
            return (None, v - (1 << 32) if v >= 1 << 31 else v)
        return None


def _truth(value: Optional[bool]) -> str:
    if value is True:
        return MATCH
    if value is False:
        return NOMATCH
    return MAYBE


def _flip(op: cst.BaseCompOp) -> cst.BaseCompOp:
    if isinstance(op, cst.LessThan):
        return cst.GreaterThan()
    if isinstance(op, cst.GreaterThan):
        return cst.LessThan()
    if isinstance(op, cst.LessThanEqual):
        return cst.GreaterThanEqual()
    if isinstance(op, cst.GreaterThanEqual):
        return cst.LessThanEqual()
    if isinstance(op, (cst.In, cst.NotIn)):
        return cst.Is()  # "x in rc" is not understood
    return op


def _always_true(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name) and test.value == "True":
        return True
    if isinstance(test, cst.Integer):
        try:
            return int(test.value.replace("_", ""), 0) != 0
        except ValueError:
            return False
    return False


def _code(node: cst.CSTNode) -> str:
    text = cst.Module([]).code_for_node(node)
    return " ".join(text.split())[:60]


__all__ = ["MsgWaits", "MsgWait"]
