"""The one parse of a file, and a deep stack for deeply nested inputs.

``parse_lines`` parses a file's text with libcst once; a long file is parsed
in pieces cut between top-level statements, and between the statements of a
long top-level class (see ``CHUNK_LINES``).
``with_deep_stack`` runs a job again in a thread with a large stack when it
overflows Python's recursion limit.
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Callable, List, Optional, Sequence, Tuple, TypeVar, Union

import libcst as cst

T = TypeVar("T")


def parse(source: Union[str, bytes]) -> Optional[cst.Module]:
    """The libcst module, or None when libcst cannot parse the text (or bytes)."""
    try:
        return cst.parse_module(source)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, UnicodeError):
        return None


#: a file of more lines than twice this is parsed in pieces of about this many
#: lines, cut between top-level statements and between the statements of a long
#: top-level class: libcst's native parser holds about 10 KB per line while it
#: parses (an 18,000-line file: 180 MB at once), and parses a long text more
#: slowly per line than short ones
CHUNK_LINES = 1000

#: a cut is (line index where a piece starts, True when it starts inside the body
#: of a top-level class)
Cut = Tuple[int, bool]


def parse_lines(
    lines: Sequence[str], tree: Optional[ast.AST] = None
) -> Tuple[Optional[cst.Module], List[Tuple[cst.Module, int]]]:
    """The libcst module of ``lines``, and the pieces it was parsed in with the
    line offset of each ([] when parsed at once).  A long file with flake8's
    ``ast`` tree is parsed in pieces whose statements make one module: the same
    statements, calls and order as one parse; only the comments between pieces
    are not in it (positions come from the pieces).

    A piece that starts inside the body of a top-level class is parsed after a
    header line of its own (``class _:``), so its offset is one less than its
    first line's index; the statements of that header's body continue the class
    the previous piece opened, whose node is rebuilt with all of them."""
    text = "".join(lines)
    cuts = _cuts(lines, text, tree)
    if not cuts:
        return parse(text), []
    merged = _parse_pieces(lines, cuts)
    if merged is None:
        return parse(text), []
    return merged


def _parse_pieces(
    lines: Sequence[str], cuts: Sequence[Cut]
) -> Optional[Tuple[cst.Module, List[Tuple[cst.Module, int]]]]:
    """The module made of the pieces between ``cuts``, or None when a piece does
    not parse or does not have the shape its cuts promise."""
    body: List[cst.BaseStatement] = []
    pieces: List[Tuple[cst.Module, int]] = []
    #: the top-level class whose body is cut, and its statements so far
    open_class: Optional[cst.ClassDef] = None
    class_body: List[cst.BaseStatement] = []
    class_footer: Sequence[cst.EmptyLine] = ()
    for (start, inside), (end, next_inside) in zip(cuts, cuts[1:]):
        chunk = "".join(lines[start:end])
        if inside:
            newline = "\r\n" if lines[start].endswith("\r\n") else "\n"
            piece = parse(f"class _:{newline}{chunk}")
            offset = start - 1
        else:
            piece = parse(chunk)
            offset = start
        if piece is None:
            return None
        pieces.append((piece, offset))
        statements = list(piece.body)
        if inside:
            head = statements.pop(0) if statements else None
            block = head.body if isinstance(head, cst.ClassDef) else None
            if open_class is None or not isinstance(block, cst.IndentedBlock):
                return None
            class_body.extend(block.body)
            class_footer = block.footer
            if statements or not next_inside:
                body.append(_rebuilt(open_class, class_body, class_footer))
                open_class = None
        if next_inside and open_class is None:
            last = statements.pop() if statements else None
            if not isinstance(last, cst.ClassDef) or not isinstance(last.body, cst.IndentedBlock):
                return None
            open_class, class_body, class_footer = last, list(last.body.body), last.body.footer
        body.extend(statements)
    if open_class is not None:
        return None
    first, last_piece = pieces[0][0], pieces[-1][0]
    module = first.with_changes(
        body=body, footer=last_piece.footer, has_trailing_newline=last_piece.has_trailing_newline
    )
    return module, pieces


def _rebuilt(
    node: cst.ClassDef, statements: Sequence[cst.BaseStatement], footer: Sequence[cst.EmptyLine]
) -> cst.ClassDef:
    block = node.body
    assert isinstance(block, cst.IndentedBlock)
    return node.with_changes(body=block.with_changes(body=statements, footer=footer))


def _cuts(lines: Sequence[str], text: str, tree: Optional[ast.AST]) -> List[Cut]:
    """Where pieces start (and the end), or [] to parse at once."""
    if len(lines) <= 2 * CHUNK_LINES or not isinstance(tree, ast.Module):
        return []
    # ast's line numbers index ``lines`` only when lines end at "\n" and nowhere else
    if text.count("\n") + (not text.endswith("\n")) != len(lines):
        return []
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return []
    cuts: List[Cut] = [(0, False)]
    previous_end = 0
    for node in tree.body:
        start = _first_line(node)
        if (
            start >= previous_end
            and _worth_a_cut(lines, cuts, start)
            and lines[start][:1] not in _NOT_A_STATEMENT
        ):
            cuts.append((start, False))
        end = getattr(node, "end_lineno", None) or len(lines)
        if isinstance(node, ast.ClassDef) and end - cuts[-1][0] > 2 * CHUNK_LINES:
            _class_cuts(lines, node, cuts)
        previous_end = max(previous_end, end)
    if len(cuts) == 1:
        return []
    cuts.append((len(lines), False))
    return cuts


#: what a line that starts a statement at a cut may not start with (after its indentation)
_NOT_A_STATEMENT = ("", " ", "\t", "\x0c", "\r", "\n", "#", "\\")


def _first_line(node: ast.stmt) -> int:
    """The index of a statement's first line (its first decorator's)."""
    decorators = getattr(node, "decorator_list", ())
    return min([node.lineno] + [d.lineno for d in decorators]) - 1


def _worth_a_cut(lines: Sequence[str], cuts: Sequence[Cut], start: int) -> bool:
    return start - cuts[-1][0] >= CHUNK_LINES and len(lines) - start >= CHUNK_LINES // 2


def _class_cuts(lines: Sequence[str], node: ast.ClassDef, cuts: List[Cut]) -> None:
    """Cuts between the statements of a long top-level class's body: each starts
    a line at the body's indentation, after the previous statement's last line."""
    first = node.body[0]
    header_end = max(
        [node.lineno] + [getattr(b, "end_lineno", 0) or 0 for b in (*node.bases, *node.keywords)]
    )
    if first.lineno <= header_end:  # ``class X: pass`` has no indented block
        return
    opening = lines[_first_line(first)]
    indent = opening[: len(opening) - len(opening.lstrip(" \t"))]
    if not indent:
        return
    previous_end = getattr(first, "end_lineno", None) or len(lines)
    for stmt in node.body[1:]:
        start = _first_line(stmt)
        line = lines[start]
        if (
            start >= previous_end
            and line.startswith(indent)
            and line[len(indent) : len(indent) + 1] not in _NOT_A_STATEMENT
            and _worth_a_cut(lines, cuts, start)
        ):
            cuts.append((start, True))
        previous_end = max(previous_end, getattr(stmt, "end_lineno", None) or len(lines))


# -- deep inputs ---------------------------------------------------------------------

_DEEP_RECURSION_LIMIT = 60_000
_DEEP_STACK_BYTES = 512 * 1024 * 1024


def with_deep_stack(fn: Callable[[], T]) -> T:
    """Run ``fn``; if it overflows Python's recursion limit (libcst's code
    generation and the bounded recursive evaluators nest as deep as the code),
    run it again in a thread with a large stack and a high recursion limit."""
    try:
        return fn()
    except RecursionError:
        pass
    result: List[T] = []
    error: List[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    old_limit = sys.getrecursionlimit()
    old_stack = threading.stack_size()
    try:
        threading.stack_size(_DEEP_STACK_BYTES)
        sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION_LIMIT))
        worker = threading.Thread(target=target, name="flake8-mapi-service-deep")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if error:
        raise error[0]
    return result[0]
