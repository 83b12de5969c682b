"""The one parse of a file, and a deep stack for deeply nested inputs.

``parse_lines`` parses a file's text with libcst once; a long file is parsed
in pieces cut between top-level statements (see ``CHUNK_LINES``).
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
#: lines, cut between top-level statements: libcst's native parser holds about
#: 10 KB per line while it parses (an 18,000-line file: 180 MB at once), and
#: parses a long text more slowly per line than short ones
CHUNK_LINES = 1000


def parse_lines(
    lines: Sequence[str], tree: Optional[ast.AST] = None
) -> Tuple[Optional[cst.Module], List[Tuple[cst.Module, int]]]:
    """The libcst module of ``lines``, and the pieces it was parsed in with their
    first line's index ([] when parsed at once).  A long file with flake8's
    ``ast`` tree is parsed in pieces whose statements make one module: the same
    statements, calls and order as one parse; only the comments between pieces
    are not in it (positions come from the pieces)."""
    text = "".join(lines)
    cuts = _cuts(lines, text, tree)
    if not cuts:
        return parse(text), []
    body: List[cst.BaseStatement] = []
    pieces: List[Tuple[cst.Module, int]] = []
    for start, end in zip(cuts, cuts[1:]):
        piece = parse("".join(lines[start:end]))
        if piece is None:
            return parse(text), []
        pieces.append((piece, start))
        body.extend(piece.body)
    first, last = pieces[0][0], pieces[-1][0]
    module = first.with_changes(
        body=body, footer=last.footer, has_trailing_newline=last.has_trailing_newline
    )
    return module, pieces


def _cuts(lines: Sequence[str], text: str, tree: Optional[ast.AST]) -> List[int]:
    """Line indexes where pieces start (and the end), or [] to parse at once."""
    if len(lines) <= 2 * CHUNK_LINES or not isinstance(tree, ast.Module):
        return []
    # ast's line numbers index ``lines`` only when lines end at "\n" and nowhere else
    if text.count("\n") + (not text.endswith("\n")) != len(lines):
        return []
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return []
    cuts = [0]
    previous_end = 0
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        start = first - 1
        if (
            start - cuts[-1] >= CHUNK_LINES
            and start >= previous_end
            and len(lines) - start >= CHUNK_LINES // 2
            and lines[start][:1] not in ("", " ", "\t", "\x0c")
        ):
            cuts.append(start)
        previous_end = max(previous_end, getattr(node, "end_lineno", None) or len(lines))
    if len(cuts) == 1:
        return []
    cuts.append(len(lines))
    return cuts


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
