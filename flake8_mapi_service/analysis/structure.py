"""Where a statement sits in its function: inside which branches, loops, handlers.

``Structure.of(scope)`` walks only the statement tree of one function (not its
expressions) and records, for every statement, the chain of blocks that hold
it: ``("try", node, "body")``, ``("if", node, "body")``, ``("loop", node,
"body")``... Rules use it to decide *straight-line* order: a statement is
straight-line when only ``try`` bodies, ``finally`` blocks and ``with`` bodies
hold it, so it runs whenever the function gets that far.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import libcst as cst

from .model import FunctionScope, ModuleModel, Scope

Frame = Tuple[str, cst.CSTNode, str]  # (kind, compound node, part)

STRAIGHT_PARTS = frozenset({("try", "body"), ("try", "finally"), ("with", "body")})


class Structure:
    def __init__(self, model: ModuleModel) -> None:
        self.model = model
        self._paths: Dict[int, Dict[int, Tuple[Frame, ...]]] = {}

    def path(self, scope: Scope, stmt: cst.CSTNode) -> Tuple[Frame, ...]:
        paths = self._paths.get(id(scope))
        if paths is None:
            paths = {}
            body: Sequence[cst.CSTNode]
            if scope.kind == "module":
                body = self.model.module.body
            elif isinstance(scope, FunctionScope):
                body = scope.body
            else:
                body = []
            _walk(body, (), paths)
            self._paths[id(scope)] = paths
        return paths.get(id(stmt), ())

    def straight_line(self, scope: Scope, stmt: cst.CSTNode) -> bool:
        return all((kind, part) in STRAIGHT_PARTS for kind, _, part in self.path(scope, stmt))

    def in_loop(self, scope: Scope, stmt: cst.CSTNode) -> bool:
        return any(kind == "loop" for kind, _, _ in self.path(scope, stmt))

    def in_handler_of_try_around(self, scope: Scope, stmt: cst.CSTNode, other: cst.CSTNode) -> bool:
        """True when ``stmt`` is in an except handler of a try whose body holds ``other``."""
        other_path = self.path(scope, other)
        body_tries = {
            id(node) for kind, node, part in other_path if kind == "try" and part == "body"
        }
        return any(
            kind == "try" and part == "handler" and id(node) in body_tries
            for kind, node, part in self.path(scope, stmt)
        )


def _suite_body(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return suite.body
    return []


def _walk(
    stmts: Sequence[cst.CSTNode], chain: Tuple[Frame, ...], out: Dict[int, Tuple[Frame, ...]]
) -> None:
    # an explicit stack keeps deeply nested code from exhausting recursion
    todo: List[Tuple[Sequence[cst.CSTNode], Tuple[Frame, ...]]] = [(stmts, chain)]
    while todo:
        block, ch = todo.pop()
        for stmt in block:
            out[id(stmt)] = ch
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    out[id(small)] = ch
            elif isinstance(stmt, cst.If):
                todo.append((_suite_body(stmt.body), ch + (("if", stmt, "body"),)))
                orelse = stmt.orelse
                if isinstance(orelse, cst.If):
                    todo.append(([orelse], ch + (("if", stmt, "else"),)))
                elif orelse is not None:
                    todo.append((_suite_body(orelse.body), ch + (("if", stmt, "else"),)))
            elif isinstance(stmt, (cst.For, cst.While)):
                todo.append((_suite_body(stmt.body), ch + (("loop", stmt, "body"),)))
                if stmt.orelse is not None:
                    todo.append((_suite_body(stmt.orelse.body), ch + (("loop", stmt, "else"),)))
            elif isinstance(stmt, (cst.Try, cst.TryStar)):
                todo.append((_suite_body(stmt.body), ch + (("try", stmt, "body"),)))
                for handler in stmt.handlers:
                    todo.append((_suite_body(handler.body), ch + (("try", stmt, "handler"),)))
                if stmt.orelse is not None:
                    todo.append((_suite_body(stmt.orelse.body), ch + (("try", stmt, "else"),)))
                if stmt.finalbody is not None:
                    todo.append(
                        (_suite_body(stmt.finalbody.body), ch + (("try", stmt, "finally"),))
                    )
            elif isinstance(stmt, cst.With):
                todo.append((_suite_body(stmt.body), ch + (("with", stmt, "body"),)))
            elif isinstance(stmt, cst.Match):
                for case in stmt.cases:
                    todo.append((_suite_body(case.body), ch + (("match", stmt, "case"),)))
