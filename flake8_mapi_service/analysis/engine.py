"""The engine: one parse, one traversal, every rule, positions for findings only.

``analyze`` is the whole path of a file once the plugin's text check has let
it through: parse with libcst, build the module model in one traversal,
resolve every call site's API key, hand the sites to the rules that asked for
their keys, drop service-only findings outside service code, and compute
positions for the findings that remain.
"""

from __future__ import annotations

import ast
import sys
import threading
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

import libcst as cst

from ..rules import RULE_CLASSES
from ..settings import Settings
from .context import Analysis, Finding
from .model import build_model
from .positions import Positions

T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    line: int
    col: int
    code: str
    message: str


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


def analyze(
    lines: Sequence[str],
    filename: str,
    settings: Settings,
    tree: Optional[ast.AST] = None,
) -> List[Result]:
    """Findings for one file.  May raise: the plugin turns exceptions into MPS000."""
    return _with_deep_stack(lambda: _analyze(lines, filename, settings, tree))


def _analyze(
    lines: Sequence[str], filename: str, settings: Settings, tree: Optional[ast.AST]
) -> List[Result]:
    module, pieces = parse_lines(lines, tree)
    if module is None:
        return []
    an, findings = run_rules(module, filename, settings)
    if not findings:
        return []
    positions = Positions(module, lines, tree, len(an.model.calls), pieces)
    out = set()
    for f in findings:
        line, col = positions.of_call(f.site.node, f.site.index)
        out.add(Result(line, col, f.code, f.message))
    return sorted(out, key=lambda r: (r.line, r.col, r.code, r.message))


def run_rules(
    module: cst.Module, filename: str, settings: Settings
) -> Tuple[Analysis, List[Finding]]:
    """Every rule on a parsed module: the analysis and its findings with their
    call sites (service-only findings already dropped outside service code),
    without positions.  ``fix`` uses it to know what to repair and where."""
    model = build_model(module)
    an = Analysis(model, settings, filename)
    rules = [cls() for cls in RULE_CLASSES]
    dispatch: Dict[str, List] = {}
    for rule in rules:
        for key in rule.calls:
            dispatch.setdefault(key, []).append(rule)
    for key in an.keys:
        handlers = dispatch.get(key)
        if handlers:
            for site in an.sites(key):
                for rule in handlers:
                    rule.check(site, an)
    for rule in rules:
        rule.finish(an)
    findings = an.findings
    if any(f.service_only for f in findings) and not an.is_service:
        findings = [f for f in findings if not f.service_only]
    return an, findings


# -- deep inputs ---------------------------------------------------------------------

_DEEP_RECURSION_LIMIT = 60_000
_DEEP_STACK_BYTES = 512 * 1024 * 1024


def _with_deep_stack(fn: Callable[[], T]) -> T:
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
