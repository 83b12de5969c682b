"""From edits to text: one code generation of the module, new text spliced in.

libcst's transformers rebuild every node of the tree they visit, which costs as
much as a parse on a large file.  The fix changes a few expressions, so it
generates the module's code once with a code generator that notes where each
node to replace starts and ends (and the block indentation there), then
splices each new node's code, generated alone with that indentation, in place
of the old.  The result is the text the transformer would have produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate
from typing import Dict, Iterable, List, Mapping, Tuple

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
