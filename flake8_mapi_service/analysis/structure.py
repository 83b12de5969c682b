"""Statement blocks, and where a statement sits in its function.

This module is the one place that knows how compound statements hold their
blocks.  A *unit* is an entry of a block: a compound statement, a
``SimpleStatementLine``, or a one-line suite (``if x: a(); b()``), whose small
statements run together.  ``blocks(stmt)`` lists the blocks of a compound
statement (an ``elif`` is the ``else`` block holding the next ``If``), and
``Layout`` indexes one scope's statements once (iteratively, so deep nesting
cannot exhaust the stack):

- ``path(stmt)``: the chain of blocks that hold a statement, outermost first,
  as frames ``(kind, compound node, part)``: ``("try", node, "body")``,
  ``("if", node, "else")``, ``("loop", node, "body")``, ``("try", node,
  "handler1")``, ``("match", node, "case0")``...;
- ``where(unit)``: its block and position, for walks that follow the code from
  one statement to the next (the MsgWaitForMultipleObjects message case).

A statement is *straight-line* when only ``try`` bodies, ``finally`` blocks and
``with`` bodies hold it: it runs whenever its function gets that far.
Nested functions and classes are units of their block; their bodies are not
entered (they are scopes of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Hashable, List, Optional, Sequence, Tuple

import libcst as cst

#: (kind, compound node, part): kind is "if", "loop", "try", "with" or "match"; part
#: is "body", "else", "finally", "handler<i>" or "case<i>"
Frame = Tuple[str, cst.CSTNode, str]
#: a block: (id of its compound statement, or 0 for the scope's body; its part)
BlockKey = Tuple[int, str]
TOP: BlockKey = (0, "top")

STRAIGHT_PARTS = frozenset({("try", "body"), ("try", "finally"), ("with", "body")})


def suite_units(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    """The units of a block: an indented block's statements, or a one-line suite."""
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    return [suite]


def small_statements(unit: cst.CSTNode) -> Optional[Sequence[cst.BaseSmallStatement]]:
    """The small statements of a simple unit; None for a compound statement."""
    if isinstance(unit, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return unit.body
    return None


def body_units(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    """The units of a module's or a function's body (a lambda has none)."""
    if isinstance(node, cst.Module):
        return node.body
    if isinstance(node, cst.FunctionDef):
        return suite_units(node.body)
    return []


def blocks(stmt: cst.CSTNode) -> List[Tuple[str, str, Sequence[cst.CSTNode]]]:
    """(kind, part, units) of every block of a compound statement, in text order."""
    out: List[Tuple[str, str, Sequence[cst.CSTNode]]] = []
    if isinstance(stmt, cst.If):
        out.append(("if", "body", suite_units(stmt.body)))
        if isinstance(stmt.orelse, cst.If):
            out.append(("if", "else", [stmt.orelse]))
        elif stmt.orelse is not None:
            out.append(("if", "else", suite_units(stmt.orelse.body)))
    elif isinstance(stmt, (cst.For, cst.While)):
        out.append(("loop", "body", suite_units(stmt.body)))
        if stmt.orelse is not None:
            out.append(("loop", "else", suite_units(stmt.orelse.body)))
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        out.append(("try", "body", suite_units(stmt.body)))
        for i, handler in enumerate(stmt.handlers):
            out.append(("try", f"handler{i}", suite_units(handler.body)))  # type: ignore[attr-defined]
        if stmt.orelse is not None:
            out.append(("try", "else", suite_units(stmt.orelse.body)))
        if stmt.finalbody is not None:
            out.append(("try", "finally", suite_units(stmt.finalbody.body)))
    elif isinstance(stmt, cst.With):
        out.append(("with", "body", suite_units(stmt.body)))
    elif isinstance(stmt, cst.Match):
        for i, case in enumerate(stmt.cases):
            out.append(("match", f"case{i}", suite_units(case.body)))
    return out


def is_handler(part: str) -> bool:
    return part.startswith("handler")


@dataclass
class Block:
    units: Sequence[cst.CSTNode]
    #: the compound statement that holds the block (None: the scope's body)
    owner: Optional[cst.CSTNode]
    kind: str
    part: str


class Layout:
    """Where every statement of one scope sits (see the module docstring)."""

    def __init__(self, units: Sequence[cst.CSTNode]) -> None:
        self.blocks: Dict[BlockKey, Block] = {}
        self._where: Dict[int, Tuple[BlockKey, int]] = {}
        #: statement (unit or small statement) id -> frames, outermost first
        self._paths: Dict[int, Tuple[Frame, ...]] = {}
        #: small statement id -> its unit
        self._unit: Dict[int, cst.CSTNode] = {}
        #: unit id -> the compound statements around it (outermost first)
        self._parents: Dict[int, Tuple[cst.CSTNode, ...]] = {}
        #: unit id -> the blocks around it (outermost first, its own block last)
        self._chain: Dict[int, Tuple[BlockKey, ...]] = {}
        #: compound statement id -> its number in the scope (stable for the same text)
        self._ordinals: Dict[int, int] = {}
        todo: List[
            Tuple[BlockKey, Block, Tuple[Frame, ...], Tuple[cst.CSTNode, ...], Tuple[BlockKey, ...]]
        ] = [(TOP, Block(units, None, "", "top"), (), (), ())]
        while todo:
            key, block, path, parents, outer = todo.pop()
            self.blocks[key] = block
            chain = outer + (key,)
            for pos, unit in enumerate(block.units):
                uid = id(unit)
                self._where[uid] = (key, pos)
                self._paths[uid] = path
                self._parents[uid] = parents
                self._chain[uid] = chain
                smalls = small_statements(unit)
                if smalls is not None:
                    for small in smalls:
                        self._unit[id(small)] = unit
                        self._paths[id(small)] = path
                    continue
                inner = parents + (unit,)
                self._ordinals[uid] = len(self._ordinals)
                for kind, part, units in blocks(unit):
                    todo.append(
                        (
                            (uid, part),
                            Block(units, unit, kind, part),
                            path + ((kind, unit, part),),
                            inner,
                            chain,
                        )
                    )

    # -- where a statement sits -------------------------------------------------------
    def path(self, stmt: cst.CSTNode) -> Tuple[Frame, ...]:
        """The frames around a unit, a small statement or a compound statement."""
        return self._paths.get(id(stmt), ())

    def straight_line(self, stmt: cst.CSTNode) -> bool:
        return all((kind, part) in STRAIGHT_PARTS for kind, _, part in self.path(stmt))

    def in_loop(self, stmt: cst.CSTNode) -> bool:
        return any(kind == "loop" for kind, _, _ in self.path(stmt))

    def loops(self, stmt: cst.CSTNode) -> List[cst.CSTNode]:
        """The loops whose body holds the statement (outermost first)."""
        return [node for kind, node, part in self.path(stmt) if kind == "loop" and part == "body"]

    def in_handler_of_try_around(self, stmt: cst.CSTNode, other: cst.CSTNode) -> bool:
        """True when ``stmt`` is in an except handler of a try whose body holds ``other``."""
        body_tries = {
            id(node) for kind, node, part in self.path(other) if kind == "try" and part == "body"
        }
        return any(
            kind == "try" and is_handler(part) and id(node) in body_tries
            for kind, node, part in self.path(stmt)
        )

    # -- walking from statement to statement ------------------------------------------------
    def ordinal(self, compound: cst.CSTNode) -> int:
        """The number of a compound statement of the scope (-1 for anything else)."""
        return self._ordinals.get(id(compound), -1)

    def unit_of(self, stmt: cst.CSTNode) -> cst.CSTNode:
        """The unit a small statement belongs to (a unit is its own)."""
        return self._unit.get(id(stmt), stmt)

    def where(self, unit: cst.CSTNode) -> Optional[Tuple[BlockKey, int]]:
        return self._where.get(id(unit))

    def parents(self, unit: cst.CSTNode) -> Tuple[cst.CSTNode, ...]:
        return self._parents.get(id(unit), ())

    def chain(self, unit: cst.CSTNode) -> Tuple[BlockKey, ...]:
        return self._chain.get(id(unit), ())

    def statements(self) -> List[cst.CSTNode]:
        """Every unit of the scope, blocks of compound statements included."""
        return [unit for block in self.blocks.values() for unit in block.units]


def runs_after(
    before: Sequence[Tuple[str, Hashable, str]], after: Sequence[Tuple[str, Hashable, str]]
) -> bool:
    """Can a statement at path ``after`` run after one at path ``before`` (that
    comes first in the text) on the same pass through the function?  Frames name
    their compound statement by the node or by its ordinal in the scope."""
    parts = {node: part for _, node, part in after}
    for kind, node, part in before:
        other = parts.get(node)
        if other is None or other == part:
            continue
        if kind == "try":
            return (_try_part(part), _try_part(other)) in _TRY_AFTER
        if kind == "loop":
            return part == "body" and other == "else"
        return False  # the other arm of an if, another match case
    return True


#: try parts that run after another part of the same ``try``
_TRY_AFTER = frozenset(
    {("body", "else"), ("body", "finally"), ("handler", "finally"), ("else", "finally")}
)


def _try_part(part: str) -> str:
    return "handler" if is_handler(part) else part


class Structure:
    """The ``Layout`` of every scope of a module, built on first use."""

    def __init__(self) -> None:
        self._layouts: Dict[int, Layout] = {}

    def layout(self, scope_node: cst.CSTNode) -> Layout:
        """The layout of a module's or a function's body (by its node)."""
        layout = self._layouts.get(id(scope_node))
        if layout is None:
            layout = self._layouts[id(scope_node)] = Layout(body_units(scope_node))
        return layout
