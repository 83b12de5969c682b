"""The runner: one parse, one analysis, every rule, messages and positions for findings.

``analyze`` is the whole path of a file once the plugin's text check has let it
through: parse with libcst (``analysis.source``), build the module model in one
traversal and the analysis on it (``analysis.context``), hand each call site to
the rules that asked for its API key and let every rule finish, format each raw
finding's message through the catalogue, drop service-only findings outside
service code, and compute positions for the findings that remain.  The file is
analysed within its project (``analysis.workspace``) unless
``--mapi-single-file`` says otherwise.
"""

from __future__ import annotations

import ast
import gc
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from .analysis.context import Analysis
from .analysis.model import CallSite, ModuleModel, build_model
from .analysis.positions import Positions
from .analysis.source import parse_lines, with_deep_stack
from .analysis.workspace import WORKSPACE, View
from .catalogue import RULES_BY_CODE
from .results import Result
from .rules import RULE_CLASSES, Rule
from .settings import Settings


@dataclass(frozen=True)
class Finding:
    """A finding with its call site and its message, before it has a position."""

    site: CallSite
    code: str
    message: str
    service_only: bool


def analyze(
    lines: Sequence[str],
    filename: str,
    settings: Settings,
    tree: Optional[ast.AST] = None,
) -> List[Result]:
    """Findings for one file.  May raise: the plugin turns exceptions into MPS000."""
    return analyze_file(lines, filename, settings, tree)[0]


def analyze_file(
    lines: Sequence[str],
    filename: str,
    settings: Settings,
    tree: Optional[ast.AST] = None,
) -> Tuple[List[Result], bool]:
    """``analyze``, and whether the findings may be kept on disk (``results.py``):
    not when a module of the project changed while it was read or could not be
    summarised for a reason other than its syntax.

    The cyclic garbage collector is paused meanwhile: the analysis makes many
    short-lived objects beside a large syntax tree, and each collection walks
    the tree again (a quarter of the time on project runs); cycles it makes are
    collected once it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return with_deep_stack(lambda: _analyze(lines, filename, settings, tree))
    finally:
        if enabled:
            gc.enable()


def _analyze(
    lines: Sequence[str], filename: str, settings: Settings, tree: Optional[ast.AST]
) -> Tuple[List[Result], bool]:
    module, pieces = parse_lines(lines, tree)
    if module is None:
        return [], True
    model = build_model(module)
    positions = Positions(module, lines, tree, len(model.calls), pieces)
    view = WORKSPACE.view(filename, "".join(lines), settings)
    an, findings = run_rules(model, filename, settings, positions, view, tree)
    out = set()
    for f in findings:
        line, col = positions.of_call(f.site.node, f.site.index)
        out.add(Result(line, col, f.code, f.message))
    found = sorted(out, key=lambda r: (r.line, r.col, r.code, r.message))
    return found, view is None or not view.unsure


def run_rules(
    module: Union[cst.Module, ModuleModel],
    filename: str,
    settings: Settings,
    positions: Optional[Positions] = None,
    view: Optional[View] = None,
    tree: Optional[ast.AST] = None,
) -> Tuple[Analysis, List[Finding]]:
    """Every rule on a parsed module: the analysis and its findings with their
    call sites and messages (service-only findings outside service code are
    dropped), without positions.  ``fix`` uses it to know what to repair and
    where; it passes the module's project ``view`` when it has one."""
    model = module if isinstance(module, ModuleModel) else build_model(module)
    if positions is None:
        code = model.module.code
        positions = Positions(model.module, code.splitlines(keepends=True), None, len(model.calls))
    where = positions
    if tree is None:
        try:
            tree = ast.parse(model.module.code)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            tree = None
    an = Analysis(
        model, settings, filename, lambda site: where.of_call(site.node, site.index), view, tree
    )
    rules = [cls() for cls in RULE_CLASSES]
    dispatch: Dict[str, List[Rule]] = {}
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
    findings: List[Finding] = []
    for raw in an.findings:
        record = RULES_BY_CODE[raw.code]
        cases = [c for c in raw.cases if c.service or not record.service_only]
        held = [c for c in cases if c.holds]
        if not held:
            continue
        message = record.format(**dict(raw.fields))
        if len(held) == len(cases):
            findings.append(Finding(raw.site, raw.code, message, record.service_only))
            continue
        for case in held:
            text = f"{message} when called from {case.caller}" if case.caller else message
            findings.append(Finding(raw.site, raw.code, text, record.service_only))
    return an, findings
