"""Positions of reported calls, without libcst's PositionProvider.

flake8 has already parsed the file with ``ast``: its Call nodes carry line and
column.  Sorted by start (outer call first on a tie), they are in the same
order as libcst's pre-order visit of its Call nodes, so the k-th libcst call is
the k-th ast call.  Each position we report is checked against the source text
(the callee's code must start there); on any mismatch we fall back to libcst's
PositionProvider for the whole module, which is correct but several times
slower, so it runs only in that rare case.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst


def _ast_calls(tree: ast.AST) -> List[Tuple[int, int, int, int]]:
    """(line, column, -end line, -end column) of every Call, sorted (twice as
    fast as ``ast.walk``: no generators, ``ctx`` fields skipped)."""
    out: List[Tuple[int, int, int, int]] = []
    todo: List[ast.AST] = [tree]
    node_type = ast.AST
    call = ast.Call
    while todo:
        node = todo.pop()
        if type(node) is call:
            end_line = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
            end_col = getattr(node, "end_col_offset", None) or 0
            out.append((node.lineno, node.col_offset, -end_line, -end_col))  # type: ignore[attr-defined]
        for name in node._fields:
            if name == "ctx":
                continue
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, node_type):
                        todo.append(item)
            elif isinstance(value, node_type):
                todo.append(value)
    out.sort()
    return out


def _squash(text: str) -> str:
    return "".join(text.split())


class Positions:
    def __init__(
        self,
        module: cst.Module,
        lines: Sequence[str],
        tree: Optional[ast.AST],
        call_count: int,
        pieces: Sequence[Tuple[cst.Module, int]] = (),
    ) -> None:
        self.module = module
        #: the modules a long file was parsed in, with their first line's index
        self.pieces = pieces
        self.lines = lines
        self._tree = tree
        self._ast: Optional[List[Tuple[int, int, int, int]]] = None
        self._call_count = call_count
        self._fallback: Optional[Dict[cst.CSTNode, Tuple[int, int]]] = None

    def of_call(self, node: cst.Call, index: int) -> Tuple[int, int]:
        """(1-based line, 0-based character column) of the call's start."""
        pos = self._from_ast(node, index)
        if pos is not None:
            return pos
        return self._from_libcst(node)

    # -- fast path ---------------------------------------------------------------
    def _from_ast(self, node: cst.Call, index: int) -> Optional[Tuple[int, int]]:
        if self._ast is None:
            tree = self._tree
            if tree is None:
                try:
                    tree = ast.parse("".join(self.lines))
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    self._ast = []
                    return None
            self._ast = _ast_calls(tree)
        if len(self._ast) != self._call_count or index >= len(self._ast):
            return None
        line, byte_col, _, _ = self._ast[index]
        if not 1 <= line <= len(self.lines):
            return None
        text = self.lines[line - 1]
        col = (
            byte_col
            if text.isascii()
            else len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))
        )
        expected = _squash(self.module.code_for_node(node.func))[:12]
        actual = _squash(text[col:] + "".join(self.lines[line : line + 3]))
        if not expected or not actual.startswith(expected):
            return None
        return line, col

    # -- slow path ------------------------------------------------------------------
    def _from_libcst(self, node: cst.Call) -> Tuple[int, int]:
        if self._fallback is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            self._fallback = {}
            for module, offset in self.pieces or [(self.module, 0)]:
                wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
                positions = wrapper.resolve(PositionProvider)
                self._fallback.update(
                    (n, (r.start.line + offset, r.start.column))
                    for n, r in positions.items()
                    if isinstance(n, cst.Call)
                )
        return self._fallback.get(node, (1, 0))


def definition_lines(
    tree: Optional[ast.AST], functions: int, classes: int
) -> Tuple[List[int], List[int]]:
    """The ``def``/``lambda`` lines and the ``class`` lines of a module, in the
    order the module model lists its functions and classes (libcst's pre-order:
    a decorated function before what its decorators hold); zeros when the
    counts do not match."""
    if tree is None:
        return [0] * functions, [0] * classes
    defs: List[Tuple[int, int, int]] = []
    kinds: List[Tuple[int, int, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            start = (node.lineno, node.col_offset)
            for deco in getattr(node, "decorator_list", ()):
                start = min(start, (deco.lineno, deco.col_offset - 1))
            entry = (start[0], start[1], node.lineno)
            (kinds if isinstance(node, ast.ClassDef) else defs).append(entry)
    defs.sort()
    kinds.sort()
    fn_lines = [line for _, _, line in defs] if len(defs) == functions else [0] * functions
    cls_lines = [line for _, _, line in kinds] if len(kinds) == classes else [0] * classes
    return fn_lines, cls_lines
