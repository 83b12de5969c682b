"""From edits to text: one code generation of the module, new text spliced in.

libcst's transformers rebuild every node of the tree they visit, which costs as
much as a parse on a large file.  The fix changes a few expressions, so it
generates the module's code once with a code generator that notes where each
node to replace starts and ends (and the block indentation there), then
splices each new node's code, generated alone with that indentation, in place
of the old.  The result is the text the transformer would have produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState


@dataclass(frozen=True)
class Span:
    """Where a node's code is in the module's code: ``[start, end)``, and the block
    indentation its lines get."""

    start: int
    end: int
    indent: Tuple[str, ...]


@dataclass
class _Recorder(CodegenState):
    wanted: Mapping[cst.CSTNode, object] = field(default_factory=dict)
    starts: Dict[cst.CSTNode, Tuple[int, Tuple[str, ...]]] = field(default_factory=dict)
    ends: Dict[cst.CSTNode, int] = field(default_factory=dict)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self.starts[node] = (len(self.tokens), tuple(self.indent_tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self.ends[node] = len(self.tokens)


def code_with_spans(
    module: cst.Module, nodes: Iterable[cst.CSTNode]
) -> Tuple[str, Dict[cst.CSTNode, Span]]:
    """The module's code and the span of each of ``nodes`` in it (nodes not in the
    module have none)."""
    wanted = dict.fromkeys(nodes)
    state = _Recorder(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        wanted=wanted,
    )
    module._codegen(state)
    tokens = state.tokens
    offsets = [0, *accumulate(len(t) for t in tokens)]
    code = "".join(tokens)
    spans: Dict[cst.CSTNode, Span] = {}
    for node, (first, indent) in state.starts.items():
        last = state.ends.get(node)
        if last is None:
            continue
        end = min(offsets[min(last, len(tokens))], len(code))
        spans[node] = Span(min(offsets[first], len(code)), end, indent)
    return code, spans


def node_code(module: cst.Module, node: cst.CSTNode, indent: Tuple[str, ...]) -> str:
    """The code of ``node`` where the block indentation is ``indent``."""
    state = CodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=list(indent),
    )
    node._codegen(state)
    return "".join(state.tokens)


def splice(code: str, pieces: Iterable[Tuple[Span, str]]) -> str:
    """``code`` with each span replaced by its text (spans do not overlap)."""
    out: List[str] = []
    at = 0
    for span, text in sorted(pieces, key=lambda p: p[0].start):
        out.append(code[at : span.start])
        out.append(text)
        at = span.end
    out.append(code[at:])
    return "".join(out)


def render(module: cst.Module, replace: Mapping[cst.CSTNode, cst.CSTNode]) -> str:
    """The code of ``module`` with every node of ``replace`` replaced (no two nested)."""
    code, spans = code_with_spans(module, replace)
    pieces = []
    for old, new in replace.items():
        span = spans.get(old)
        if span is None:
            raise ValueError("a node to replace is not in the module")
        pieces.append((span, node_code(module, new, span.indent)))
    return splice(code, pieces)


# -- line length ------------------------------------------------------------------------


@dataclass
class Choice:
    """The ways to write one edit, best first: (node, keeps the comments at the end of
    its last line on that line), and how to wrap the first when its lines are too long."""

    old: cst.CSTNode
    options: List[Tuple[cst.CSTNode, bool]]
    wrap: Optional[Callable[[cst.CSTNode, str], List[cst.CSTNode]]] = None


_NOQA = re.compile(r"#.*\bnoqa\b", re.IGNORECASE)


def line_length(line: str) -> int:
    """A physical line's length as pycodestyle measures it (E501)."""
    return len(line.rstrip())


def render_within(
    module: cst.Module, choices: Sequence[Choice], max_length: Optional[int]
) -> Tuple[str, List[cst.CSTNode]]:
    """The code of ``module`` with every edit made, each written the first way that
    keeps every line it touches within ``max_length`` when those lines were within it
    (wrapping the new code when no way given does), and that leaves a comment ending
    its last line on that line when some way does.  Returns the code and the old nodes
    of the edits no way fits (their text is left as it was)."""
    code, spans = code_with_spans(module, [c.old for c in choices])
    placed: List[Tuple[Span, Choice]] = []
    for choice in choices:
        span = spans.get(choice.old)
        if span is None:
            raise ValueError("a node to replace is not in the module")
        placed.append((span, choice))
    placed.sort(key=lambda p: p[0].start)
    texts: List[Optional[str]] = [None] * len(placed)
    failed: List[cst.CSTNode] = []
    # edits whose lines touch one another are written together
    for group in _line_groups(code, [span for span, _ in placed]):
        start = code.rfind("\n", 0, placed[group[0]][0].start) + 1
        end = _line_end(code, max(placed[i][0].end for i in group))
        # the lines were within the limit: they must stay within it
        within = max_length is not None and all(
            line_length(line) <= max_length for line in code[start:end].split("\n")
        )
        first = [node_code(module, placed[i][1].options[0][0], placed[i][0].indent) for i in group]
        for k, i in enumerate(group):
            texts[i] = first[k]
        for k, i in enumerate(group):
            span, choice = placed[i]
            suffix = code[span.end : _line_end(code, span.end)]
            old_text = code[span.start : span.end]
            line_start = code.rfind("\n", 0, span.start) + 1
            leading = code[line_start : span.start]
            indent = leading[: len(leading) - len(leading.lstrip(" \t"))]
            best: Optional[str] = None
            fallback: Optional[str] = None
            # a noqa comment silences the line a finding is reported on (the call's
            # first): it never moves to another line
            noqa = _NOQA.search(suffix) is not None
            for text, keeps in _candidates(module, choice, span, indent, first[k]):
                texts[i] = text
                fits = not within or _fits(code, start, end, placed, texts, group, max_length)
                if not fits:
                    continue
                moves = text.count("\n") > old_text.count("\n") and "#" in suffix
                if moves and noqa and not keeps:
                    continue
                if not moves or keeps:
                    best = text
                    break
                if fallback is None:
                    fallback = text
            chosen = best if best is not None else fallback
            if chosen is None:
                failed.append(choice.old)
                texts[i] = old_text
            else:
                texts[i] = chosen
    pieces = [(span, text) for (span, _), text in zip(placed, texts) if text is not None]
    return splice(code, pieces), failed


def _candidates(
    module: cst.Module, choice: Choice, span: Span, indent: str, first: str
) -> Iterator[Tuple[str, bool]]:
    """The texts to try for an edit (``first``: its first way's, already made)."""
    for k, (node, keeps) in enumerate(choice.options):
        yield (first if k == 0 else node_code(module, node, span.indent)), keeps
    if choice.wrap is not None:
        for node in choice.wrap(choice.options[0][0], indent):
            yield node_code(module, node, span.indent), False


def _fits(
    code: str,
    start: int,
    end: int,
    placed: Sequence[Tuple[Span, Choice]],
    texts: Sequence[Optional[str]],
    group: Sequence[int],
    max_length: Optional[int],
) -> bool:
    assert max_length is not None
    out: List[str] = []
    at = start
    for i in group:
        span = placed[i][0]
        out.append(code[at : span.start])
        out.append(texts[i] or "")
        at = span.end
    out.append(code[at:end])
    return all(line_length(line) <= max_length for line in "".join(out).split("\n"))


def _line_end(code: str, at: int) -> int:
    found = code.find("\n", at)
    return len(code) if found < 0 else found


def _line_groups(code: str, spans: Sequence[Span]) -> List[List[int]]:
    """Indices of ``spans`` (sorted by start) grouped where their lines meet."""
    groups: List[List[int]] = []
    last_end = -1
    for i, span in enumerate(spans):
        start = code.rfind("\n", 0, span.start) + 1
        if groups and start <= last_end:
            groups[-1].append(i)
        else:
            groups.append([i])
        end = _line_end(code, span.end)
        last_end = end if groups[-1] == [i] else max(last_end, end)
    return groups
