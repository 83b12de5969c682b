"""libcst edits that keep the file's own layout: whitespace, ``|`` chains, arguments.

The pieces the flag editor assembles its changes from.  Every new token copies
the spacing of its neighbours; comments stay where they are.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Union, cast

import libcst as cst
from libcst._nodes.internal import CodegenState

from ..analysis.model import child_fields

CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: expressions that need parentheses to be an operand of ``|`` or ``&``
LOW_PRECEDENCE = (
    cst.IfExp,
    cst.Lambda,
    cst.BooleanOperation,
    cst.Comparison,
    cst.NamedExpr,
    cst.Yield,
)


# -- whitespace -------------------------------------------------------------------------


def clean(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """A copy of a separator without its comment or blank lines (for a new token)."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=ws.indent,
            last_line=ws.last_line,
        )
    return ws


def space() -> cst.SimpleWhitespace:
    return cst.SimpleWhitespace(" ")


def bitor() -> cst.BitOr:
    return cst.BitOr(whitespace_before=space(), whitespace_after=space())


def join_terms(terms: Sequence[cst.BaseExpression]) -> cst.BaseExpression:
    out = terms[0]
    for t in terms[1:]:
        out = cst.BinaryOperation(left=out, operator=bitor(), right=t)
    return out


def const_name(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def number_like(value: int, model: str) -> str:
    """``value`` written like the integer literal ``model``: hexadecimal with as many
    digits and the same case, octal, binary, or decimal."""
    text = model.replace("_", "")
    prefix = text[:2].lower()
    if prefix == "0x":
        digits = max(len(text) - 2, len(f"{value:x}"))
        hexa = f"{value:0{digits}x}"
        upper = any(c.isupper() for c in text[2:])
        return text[:2] + (hexa.upper() if upper else hexa)
    if prefix == "0o":
        return text[:2] + f"{value:o}"
    if prefix == "0b":
        return text[:2] + f"{value:b}"
    return str(value)


def is_zero(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Integer):
        return False
    try:
        return int(node.value.replace("_", ""), 0) == 0
    except ValueError:
        return False


def append_args(call: cst.Call, new: Sequence[cst.Arg]) -> cst.Call:
    """``call`` with ``new`` arguments added at the end, in the call's own layout."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=list(new))
    last = args[-1]
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        sep = clean(args[-2].comma.whitespace_after)
    elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        sep = clean(call.whitespace_before_args)
    else:
        sep = space()
    added = list(new)
    if isinstance(last.comma, cst.Comma):
        # a trailing comma: the new arguments keep it, the old last one gets a separator
        final_comma = last.comma
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=sep))
        for i, arg in enumerate(added):
            comma = final_comma if i == len(added) - 1 else cst.Comma(whitespace_after=sep)
            added[i] = arg.with_changes(comma=comma)
    else:
        tail = last.whitespace_after_arg
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=sep), whitespace_after_arg=cst.SimpleWhitespace("")
        )
        for i, arg in enumerate(added):
            if i == len(added) - 1:
                added[i] = arg.with_changes(whitespace_after_arg=tail)
            else:
                added[i] = arg.with_changes(comma=cst.Comma(whitespace_after=sep))
    return call.with_changes(args=args + added)


# -- name uses ---------------------------------------------------------------------------


def _children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The child nodes of ``node`` in text order (not tokens nor whitespace)."""
    out: List[cst.CSTNode] = []
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, (list, tuple)):
            out.extend(c for c in value if isinstance(c, cst.CSTNode))
        elif isinstance(value, cst.CSTNode):
            out.append(value)
    return out


#: node type -> (is a statement, is a compound statement, may hold statements)
_KINDS: Dict[type, Tuple[bool, bool, bool]] = {}


def _kind(tp: type) -> Tuple[bool, bool, bool]:
    found = _KINDS.get(tp)
    if found is None:
        small = issubclass(tp, cst.BaseSmallStatement)
        compound = issubclass(tp, cst.BaseCompoundStatement)
        holds = not small and not issubclass(tp, cst.BaseExpression)
        found = _KINDS[tp] = (small or compound, compound, holds)
    return found


class NameUses:
    """Every ``Name`` node that reads or writes ``name`` (not attributes, keywords, params).

    A plain walk of the nodes' fields: libcst's visitors rebuild every node they pass,
    which costs as much as a parse when the fix looks at thousands of names."""

    def __init__(self, name: str, root: cst.CSTNode) -> None:
        self.name = name
        self.nodes: List[cst.Name] = []
        todo: List[cst.CSTNode] = [root]
        while todo:
            node = todo.pop()
            tp = type(node)
            if tp is cst.Name:
                if node.value == name:  # type: ignore[attr-defined]
                    self.nodes.append(node)  # type: ignore[arg-type]
                continue
            if tp is cst.Attribute:
                todo.append(node.value)  # type: ignore[attr-defined]
            elif tp is cst.Arg:
                todo.append(node.value)  # type: ignore[attr-defined]
            elif tp is cst.Param:
                for part in (node.default, node.annotation):  # type: ignore[attr-defined]
                    if part is not None:
                        todo.append(part)
            else:
                todo.extend(_children(node))


class Assigns:
    """The assignments of one scope (not of nested functions or classes)."""

    def __init__(self, root: cst.CSTNode) -> None:
        self.root = root
        self.by_value: Dict[cst.BaseExpression, Union[cst.Assign, cst.AnnAssign]] = {}
        self.attr_writes: List[Union[cst.Assign, cst.AugAssign]] = []
        #: pre-order number of every statement (textual order)
        self.order: Dict[cst.CSTNode, int] = {}
        #: the compound statements around every statement (outermost first)
        self.around: Dict[cst.CSTNode, Tuple[int, ...]] = {}
        todo: List[Tuple[cst.CSTNode, Tuple[int, ...]]] = [(root, ())]
        while todo:
            node, around = todo.pop()
            tp = type(node)
            statement, compound, holds = _kind(tp)
            if statement:
                self.order[node] = len(self.order)
                self.around[node] = around
            if tp is cst.Assign:
                assign = cast(cst.Assign, node)
                self.by_value[assign.value] = assign
                targets = assign.targets
                if len(targets) == 1 and isinstance(targets[0].target, cst.Attribute):
                    self.attr_writes.append(assign)
            elif tp is cst.AnnAssign:
                annotated = cast(cst.AnnAssign, node)
                if annotated.value is not None:
                    self.by_value[annotated.value] = annotated
            elif tp is cst.AugAssign:
                augmented = cast(cst.AugAssign, node)
                if isinstance(augmented.target, cst.Attribute):
                    self.attr_writes.append(augmented)
            if not holds or (node is not root and tp in (cst.FunctionDef, cst.ClassDef)):
                continue  # no statement inside: an expression, or a nested scope
            inner = around + (id(node),) if compound and node is not root else around
            todo.extend((child, inner) for child in reversed(_children(node)))

    def dominates(self, first: cst.CSTNode, then: cst.CSTNode) -> bool:
        """``first`` runs whenever ``then`` does (same block or an enclosing one)."""
        a, b = self.around.get(first), self.around.get(then)
        return a is not None and b is not None and b[: len(a)] == a


class _CallCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def visit_Call(self, node: cst.Call) -> None:
        self.count += 1


def count_calls(node: cst.CSTNode) -> int:
    counter = _CallCounter()
    node.visit(counter)
    return counter.count


Terms = List[Tuple[Optional[cst.BitOr], cst.BaseExpression]]


def spine(
    expr: cst.BaseExpression,
) -> Tuple[Terms, Sequence[cst.LeftParen], Sequence[cst.RightParen]]:
    """The terms of a ``|`` chain (its left spine, not into parenthesized parts), each
    with the operator before it, and the chain's own parentheses."""
    spine: List[cst.BinaryOperation] = []
    node: cst.BaseExpression = expr
    while (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.BitOr)
        and (node is expr or not node.lpar)
    ):
        spine.append(node)
        node = node.left
    terms: Terms = [(None, node)]
    for op_node in reversed(spine):
        terms.append((op_node.operator, op_node.right))  # type: ignore[arg-type]
    if not spine:
        return terms, [], []
    return terms, expr.lpar, expr.rpar


def build(
    terms: Terms, outer_lpar: Sequence[cst.LeftParen], outer_rpar: Sequence[cst.RightParen]
) -> cst.BaseExpression:
    out: cst.BaseExpression = terms[0][1]
    for maybe_op, term in terms[1:]:
        out = cst.BinaryOperation(left=out, operator=maybe_op or bitor(), right=term)
    if outer_lpar and len(terms) > 1:
        out = out.with_changes(lpar=outer_lpar, rpar=outer_rpar)
    elif outer_lpar:
        out = out.with_changes(
            lpar=list(outer_lpar) + list(out.lpar), rpar=list(out.rpar) + list(outer_rpar)
        )
    return out


def strip_terms(
    expr: cst.BaseExpression, ui_term: Callable[[cst.BaseExpression], Optional[str]]
) -> Tuple[Optional[cst.BaseExpression], Set[str]]:
    """``expr`` without the terms ``ui_term`` names, in every ``|`` chain (also inside
    parentheses); None when nothing is left.  Returns the names removed.

    Every comment survives: the comments of a removed term, and of the operators and
    line breaks removed with it, move to the whitespace that remains in their place
    (the next operator's line, or the chain's own parentheses, added when the chain
    has none), each on a line of its own unless it already ended the line before."""
    name = ui_term(expr)
    if name is not None:
        return None, {name}
    if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr)):
        return expr, set()
    terms, lpar, rpar = spine(expr)
    results: List[Optional[cst.BaseExpression]] = []
    found: Set[str] = set()
    for _, term in terms:
        new, names = strip_terms(term, ui_term)
        found |= names
        results.append(new)
    if not found:
        return expr, found
    kept_at = [i for i, new in enumerate(results) if new is not None]
    if not kept_at:
        return None, found
    lpar = list(lpar)
    rpar = list(rpar)
    kept: Terms = []
    # the removed run before the first kept term: its pieces go after the opening paren
    first = kept_at[0]
    pieces: List[_Piece] = [lpar[-1].whitespace_after] if lpar else []
    for i in range(first + 1):
        op, term = terms[i]
        if op is not None:
            pieces += [op.whitespace_before, op.whitespace_after]
        if i < first:
            pieces.append(comments_in(term))
    merged = merge_whitespace(pieces) if first > 0 else None
    if merged is not None:
        if not lpar:
            lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
        lpar[-1] = lpar[-1].with_changes(whitespace_after=merged)
    kept.append((None, results[first]))  # type: ignore[arg-type]
    # the removed runs between two kept terms: their pieces join the kept operator
    for previous, i in zip(kept_at, kept_at[1:]):
        op = terms[i][0]
        assert op is not None
        if i > previous + 1:
            run: List[_Piece] = []
            for j in range(previous + 1, i + 1):
                op_j, term_j = terms[j]
                assert op_j is not None
                run += [op_j.whitespace_before, op_j.whitespace_after]
                if j < i:
                    run.append(comments_in(term_j))
            if isinstance(op.whitespace_before, cst.ParenthesizedWhitespace):
                # operators lead their lines: everything goes before the kept one
                before = merge_whitespace(run[:-1])
                if before is not None:
                    op = op.with_changes(whitespace_before=before)
            else:
                # operators end their lines: the first removed one's spacing stays before
                after = merge_whitespace(run[1:])
                if after is not None:
                    op = op.with_changes(whitespace_before=run[0], whitespace_after=after)
        kept.append((op, results[i]))  # type: ignore[arg-type]
    # the removed run after the last kept term: its pieces go before the closing paren
    last = kept_at[-1]
    pieces = []
    for j in range(last + 1, len(terms)):
        op_j, term_j = terms[j]
        assert op_j is not None
        pieces += [op_j.whitespace_before, op_j.whitespace_after, comments_in(term_j)]
    if pieces:
        if rpar:
            pieces.append(rpar[0].whitespace_before)
        merged = merge_whitespace(pieces)
        if merged is not None:
            if not lpar:
                lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
            rpar[0] = rpar[0].with_changes(whitespace_before=merged)
    return build(kept, lpar, rpar), found


#: what a removed stretch of an expression leaves: its whitespace, or the comments of a
#: removed term
_Piece = Union[cst.BaseParenthesizableWhitespace, List[cst.Comment]]


def zero_like(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``0`` in place of ``expr`` (every term removed), in its parentheses, keeping its
    comments (in parentheses added for them when it has none)."""
    lpar, rpar = list(expr.lpar), list(expr.rpar)
    inner = expr.with_changes(lpar=[], rpar=[])
    merged = merge_whitespace([comments_in(inner)])
    if merged is None:
        return cst.Integer("0", lpar=lpar, rpar=rpar)
    if not lpar:
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
    pieces: List[_Piece] = [comments_in(inner), rpar[0].whitespace_before]
    rpar[0] = rpar[0].with_changes(whitespace_before=merge_whitespace(pieces))
    return cst.Integer("0", lpar=lpar, rpar=rpar)


#: node type -> the fields that may hold nodes (whitespace included: comments live there)
_ALL_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _all_fields(tp: type) -> Tuple[str, ...]:
    found = _ALL_FIELDS.get(tp)
    if found is None:
        found = tuple(f.name for f in dataclasses.fields(tp) if f.type not in (str, bool))
        _ALL_FIELDS[tp] = found
    return found


def comment_texts(node: cst.CSTNode) -> List[str]:
    """The text of every comment inside ``node``, in no particular order (a plain walk
    of its fields: libcst's visitors rebuild every node they pass)."""
    out: List[str] = []
    todo: List[cst.CSTNode] = [node]
    while todo:
        current = todo.pop()
        if type(current) is cst.Comment:
            out.append(current.value)  # type: ignore[attr-defined]
            continue
        for name in _all_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, (list, tuple)):
                todo.extend(c for c in value if isinstance(c, cst.CSTNode))
            elif isinstance(value, cst.CSTNode):
                todo.append(value)
    return out


@dataclasses.dataclass
class _CommentOrder(CodegenState):
    comments: List[cst.Comment] = dataclasses.field(default_factory=list)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if type(node) is cst.Comment:
            self.comments.append(node)  # type: ignore[arg-type]


def comments_in(node: cst.CSTNode) -> List[cst.Comment]:
    """The comments inside ``node``, in text order (the order its code is written)."""
    if not comment_texts(node):
        return []
    state = _CommentOrder(default_indent="    ", default_newline="\n")
    node._codegen(state)
    return state.comments


def merge_whitespace(pieces: Sequence[_Piece]) -> Optional[cst.ParenthesizedWhitespace]:
    """One whitespace holding every comment of ``pieces`` (in order), for the place
    a removed stretch of an expression leaves; None when they hold no comment (the
    caller keeps its own spacing).  A comment that ended the line before the
    stretch still ends it; every other comment gets a line of its own, indented
    like the line after the stretch."""
    if not any(
        isinstance(p, list) and p or not isinstance(p, list) and comment_texts(p) for p in pieces
    ):
        return None
    first_line: Optional[cst.TrailingWhitespace] = None
    #: (a line in text order: an original empty line, or a comment to put on one)
    lines: List[Union[cst.EmptyLine, cst.Comment]] = []
    indent = True
    last_line = cst.SimpleWhitespace("")
    seen_break = False
    for piece in pieces:
        if isinstance(piece, list):
            lines.extend(piece)
            continue
        if isinstance(piece, cst.ParenthesizedWhitespace):
            if first_line is None and not lines:
                first_line = piece.first_line
            elif piece.first_line.comment is not None:
                lines.append(piece.first_line.comment)
            lines.extend(piece.empty_lines)
            indent, last_line = piece.indent, piece.last_line
            seen_break = True
    if not seen_break:
        # only comments of removed terms: a line of their own, one level in
        last_line = cst.SimpleWhitespace("    ")
    empty: List[cst.EmptyLine] = []
    for line in lines:
        if isinstance(line, cst.Comment):
            empty.append(cst.EmptyLine(indent=indent, whitespace=last_line, comment=line))
        else:
            empty.append(line)
    return cst.ParenthesizedWhitespace(
        first_line=first_line if first_line is not None else cst.TrailingWhitespace(),
        empty_lines=empty,
        indent=indent,
        last_line=last_line if seen_break else cst.SimpleWhitespace(""),
    )


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def names_in(node: cst.CSTNode) -> Set[str]:
    visitor = _Names()
    node.visit(visitor)
    return visitor.names


def descendants(node: cst.CSTNode) -> List[cst.CSTNode]:
    """Every node below ``node`` (not tokens nor whitespace), without rebuilding the
    tree as libcst's ``children`` and visitors do."""
    out: List[cst.CSTNode] = []
    todo: List[cst.CSTNode] = [node]
    while todo:
        current = todo.pop()
        for name in child_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, (list, tuple)):
                for child in value:
                    if isinstance(child, cst.CSTNode):
                        out.append(child)
                        todo.append(child)
            elif isinstance(value, cst.CSTNode):
                out.append(value)
                todo.append(value)
    return out


def is_constant_stmt(stmt: cst.CSTNode) -> Optional[str]:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    if not isinstance(target, cst.Name) or not CONSTANT_NAME.match(target.value):
        return None
    if not isinstance(small.value, (cst.Integer, cst.BinaryOperation, cst.UnaryOperation)):
        return None
    return target.value


def constant_anchor(body: Sequence[cst.CSTNode], prefix: str = "MAPI_") -> Optional[int]:
    """The index of the module's last constant named ``prefix...``, else its last MAPI
    constant, else its last integer constant."""
    same_last: Optional[int] = None
    mapi_last: Optional[int] = None
    any_last: Optional[int] = None
    for i, stmt in enumerate(body):
        name = is_constant_stmt(stmt)
        if name is None:
            continue
        any_last = i
        if name.startswith(prefix):
            same_last = i
        if name.startswith("MAPI_"):
            mapi_last = i
    for found in (same_last, mapi_last, any_last):
        if found is not None:
            return found
    return None


def import_anchor(body: Sequence[cst.CSTNode]) -> Tuple[Optional[int], bool]:
    """(index of the last top-level import, True), or the docstring, or nothing."""
    last: Optional[int] = None
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            last = i
    if last is not None:
        return last, True
    if body and isinstance(body[0], cst.SimpleStatementLine):
        first = body[0].body
        if (
            first
            and isinstance(first[0], cst.Expr)
            and isinstance(first[0].value, (cst.SimpleString, cst.ConcatenatedString))
        ):
            return 0, True
    return None, False


# -- wrapping ----------------------------------------------------------------------------


def line_break(indent: str) -> cst.ParenthesizedWhitespace:
    """A line break inside brackets, the next line indented by ``indent`` exactly."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[],
        indent=False,
        last_line=cst.SimpleWhitespace(indent),
    )


def deeper(indent: str) -> str:
    """The continuation indentation one step in from ``indent`` (tabs stay tabs)."""
    return indent + ("\t" if indent.startswith("\t") else "    ")


def wrapped(node: cst.BaseExpression, indent: str) -> List[cst.BaseExpression]:
    """``node`` broken over lines, for a line it made too long, the ways to try in
    order: a call's arguments on a line of their own; any other expression in
    parentheses (its own, or new ones) with its code on a line of its own, then one
    ``|`` operand (or tuple element) a line; the continuation lines one step in from
    ``indent`` (the indentation of the line the node starts on), the closing bracket
    back at ``indent``.  Nothing for a node holding a comment (its layout stays)."""
    if comment_texts(node):
        return []
    inner = deeper(indent)
    if isinstance(node, cst.Call):
        if not node.args or node.lpar:
            return []
        args = list(node.args)
        args[-1] = args[-1].with_changes(whitespace_after_arg=line_break(indent))
        return [node.with_changes(whitespace_before_args=line_break(inner), args=args)]
    lpar, rpar = list(node.lpar), list(node.rpar)
    if not lpar:
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]

    def framed(expr: cst.BaseExpression) -> cst.BaseExpression:
        return expr.with_changes(
            lpar=lpar[:-1] + [lpar[-1].with_changes(whitespace_after=line_break(inner))],
            rpar=[rpar[0].with_changes(whitespace_before=line_break(indent))] + rpar[1:],
        )

    out = [framed(node)]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        terms, _, _ = spine(node)
        broken: Terms = [(None, terms[0][1])]
        for _, term in terms[1:]:
            broken.append(
                (cst.BitOr(whitespace_before=line_break(inner), whitespace_after=space()), term)
            )
        out.append(framed(build(broken, [], [])))
    elif isinstance(node, cst.Tuple) and len(node.elements) > 1:
        elements = list(node.elements)
        for i in range(len(elements) - 1):
            elements[i] = elements[i].with_changes(
                comma=cst.Comma(whitespace_after=line_break(inner))
            )
        out.append(framed(node.with_changes(elements=elements)))
    return out
