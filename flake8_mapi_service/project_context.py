"""``flake8-mapi-service context PATH...``: how the analyzer sees each file in its project.

Per file: whether it is service code and why (its own reason, or the chain of
calls from a service entry that reaches each of its functions, each step as
``path:line``), and which of its functions run on the MAPI thread and why.
``--format=json`` gives the same as data; ``--format=mermaid`` a flowchart from
the service entries through the calls to MAPI calls and blocking waits, the
MAPI thread coloured (it renders in GitHub Markdown).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from .analysis.apis import MSGWAIT_KEYS, SLEEP_SECONDS, WIN32_WAITS
from .analysis.context import Analysis
from .analysis.link import GF, Link
from .analysis.model import build_model
from .analysis.positions import Positions
from .analysis.project import decode
from .analysis.service import Services
from .analysis.source import parse_lines, with_deep_stack
from .analysis.summary import MAIN, MODULE
from .analysis.threads import ThreadModel
from .analysis.workspace import WORKSPACE
from .fix.command import iter_python_files
from .fix.config import config_excludes, config_path, config_values
from .settings import Settings

FORMATS = ("text", "json", "mermaid")


@dataclass
class FunctionReport:
    name: str
    line: int
    service: bool
    #: how service code reaches it, from a service entry down to it (empty: its
    #: file is service code): {"caller", "how" (calls, starts a thread,
    #: imports), "at" (path:line)}
    service_chain: List[Dict[str, str]] = field(default_factory=list)
    mapi_thread: Optional[str] = None


@dataclass
class FileReport:
    path: str
    service: bool
    #: why the whole file is service code (None: not on its own)
    reason: Optional[str]
    functions: List[FunctionReport] = field(default_factory=list)
    error: Optional[str] = None


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not os.path.exists(p)]
    for p in missing:
        print(f"flake8-mapi-service context: {p}: no such file or directory", file=sys.stderr)
    if missing:
        return 2
    config = config_values(os.getcwd())
    try:
        settings = Settings.from_values(
            service_mode=args.mapi_service or config.get("mapi-service") or "auto",
            service_paths=args.mapi_service_paths
            if args.mapi_service_paths is not None
            else config.get("mapi-service-paths"),
            project_root=args.mapi_project_root or config_path(config, "mapi-project-root"),
            exclude=config_excludes(config),
            no_cache=True,
        )
    except ValueError as exc:
        print(f"flake8-mapi-service context: {exc}", file=sys.stderr)
        return 2
    reports: List[FileReport] = []
    analyses: List[Analysis] = []
    for path in iter_python_files(args.paths):
        report, an = describe_file(path, settings)
        reports.append(report)
        if an is not None:
            analyses.append(an)
    if args.format == "json":
        print(json.dumps({"files": [asdict(r) for r in reports]}, indent=2))
    elif args.format == "mermaid":
        print(mermaid(analyses))
    else:
        print(text(reports), end="")
    return 0


def describe_file(path: str, settings: Settings) -> Tuple[FileReport, Optional[Analysis]]:
    display = path.replace(os.sep, "/")
    try:
        with open(path, "rb") as handle:
            source = decode(handle.read())
    except OSError as exc:
        return FileReport(display, False, None, error=f"cannot be read ({exc.strerror})"), None
    if source is None:
        return FileReport(display, False, None, error="cannot be decoded"), None
    try:
        return with_deep_stack(lambda: _describe(display, path, source, settings))
    except Exception as exc:  # noqa: BLE001 - one file's trouble must not stop the others
        return FileReport(
            display, False, None, error=f"analysis failed ({type(exc).__name__})"
        ), None


def _describe(
    display: str, path: str, source: str, settings: Settings
) -> Tuple[FileReport, Optional[Analysis]]:
    lines = source.splitlines(keepends=True)
    try:
        tree: Optional[ast.AST] = ast.parse(source)
    except (SyntaxError, ValueError):
        return FileReport(display, False, None, error="cannot be parsed"), None
    module, pieces = parse_lines(lines, tree)
    if module is None:
        return FileReport(display, False, None, error="cannot be parsed"), None
    model = build_model(module)
    positions = Positions(module, lines, tree, len(model.calls), pieces)
    view = WORKSPACE.view(path, source, settings)
    an = Analysis(model, settings, path, lambda s: positions.of_call(s.node, s.index), view, tree)
    services = an.services
    threads = an.threads
    link = an.link
    reason = services.file_reason(an.mid)
    report = FileReport(display, reason is not None, reason)
    summary = link.modules.get(an.mid)
    if summary is None:
        return report, an
    # module-level code (and the __main__ block) is shown when it calls something
    calling = {an.function_of(site) for site in model.calls}
    for fid, fact in summary.functions.items():
        gf = (an.mid, fid)
        if fid in (MODULE, MAIN) and gf not in calling:
            continue
        service = services.in_service(gf)
        chain = [
            {"caller": caller, "how": how, "at": where}
            for caller, how, where in (services.chain(gf) if service and reason is None else [])
        ]
        why = threads.why_mapi_thread(gf)
        if not service and why is None and fid in (MODULE, MAIN):
            continue
        report.functions.append(
            FunctionReport(_name(fid, fact.qualname), fact.line, service, chain, why)
        )
    if reason is None and any(f.service for f in report.functions):
        report.service = True
    return report, an


def _name(fid: str, qualname: str) -> str:
    if fid == MODULE:
        return "module code"
    if fid == MAIN:
        return "the __main__ block"
    return qualname


def text(reports: Sequence[FileReport]) -> str:
    out: List[str] = []
    for r in reports:
        out.append(r.path)
        if r.error:
            out.append(f"  {r.error}")
            continue
        if r.reason:
            out.append(f"  service code: {r.reason}")
        elif r.service:
            out.append("  service code in part: the functions service code reaches")
        else:
            out.append(
                "  not service code: nothing makes it a service, and no service code reaches it"
            )
        reached = [f for f in r.functions if f.service and f.service_chain]
        for f in reached:
            steps = " -> ".join(f"{s['caller']} {s['how']} ({s['at']})" for s in f.service_chain)
            out.append(f"    {_where(f)}: {steps} -> {f.name}")
        on_thread = [f for f in r.functions if f.mapi_thread]
        if on_thread:
            out.append("  on the MAPI thread:")
            for f in on_thread:
                out.append(f"    {_where(f)}: {f.mapi_thread}")
        else:
            out.append("  nothing of it runs on the MAPI thread")
    return "\n".join(out) + "\n"


def _where(f: FunctionReport) -> str:
    return f"{f.name} (line {f.line})" if f.line else f.name


# -- mermaid ------------------------------------------------------------------------------

_WAITS = frozenset(WIN32_WAITS) | {SLEEP_SECONDS} | MSGWAIT_KEYS


def mermaid(analyses: Sequence[Analysis]) -> str:
    """A flowchart: service entries, the calls from them that lead to MAPI calls or
    blocking waits, and those calls; the MAPI thread's functions coloured."""
    lines = ["flowchart TD"]
    names: Dict[Tuple[str, ...], str] = {}
    mapi_nodes: Set[str] = set()
    seen_links: Set[int] = set()
    edges: Set[Tuple[str, str, str]] = set()

    def node(key: Tuple[str, ...], label: str) -> str:
        found = names.get(key)
        if found is None:
            found = names[key] = f"n{len(names) + 1}"
            lines.append(f'  {found}["{_escape(label)}"]')
        return found

    for an in analyses:
        link = an.link
        if id(link) in seen_links:
            continue
        seen_links.add(id(link))
        services: Services = an.services
        threads: ThreadModel = an.threads
        reached = [gf for gf in link.functions() if services.in_service(gf)]
        leads = _leading_to_leaves(link, reached)
        for gf in reached:
            if gf not in leads:
                continue
            source = node(("fn",) + gf, _label(link, gf))
            if threads.why_mapi_thread(gf) is not None or gf in threads.mapi_functions:
                mapi_nodes.add(source)
            for edge in link.graph.out(gf, frozenset({"call", "construct", "thread"})):
                if edge.target not in leads:
                    continue
                target = node(("fn",) + edge.target, _label(link, edge.target))
                how = "thread" if edge.kind == "thread" else f"line {edge.fact.line}"
                edges.add((source, target, how))
            for fact in link.calls(gf):
                key = fact.key
                if key is None or not (key.startswith("mapi.") or key in _WAITS):
                    continue
                leaf = node(
                    ("call", gf[0], str(fact.index)),
                    f"{key}<br/>{link.display(gf[0])}:{fact.line}",
                )
                edges.add((source, leaf, ""))
    for source, target, how in sorted(edges):
        arrow = f' -->|"{how}"| ' if how else " --> "
        lines.append(f"  {source}{arrow}{target}")
    lines.append("  classDef mapi fill:#fde2c8,stroke:#c2410c,color:#431407")
    if mapi_nodes:
        lines.append(f"  class {','.join(sorted(mapi_nodes, key=lambda n: int(n[1:])))} mapi")
    return "\n".join(lines)


def _label(link: Link, gf: GF) -> str:
    fn = link.function(gf)
    name = _name(gf[1], fn.qualname if fn is not None else gf[1])
    line = f":{fn.line}" if fn is not None and fn.line else ""
    return f"{name}<br/>{link.display(gf[0])}{line}"


def _leading_to_leaves(link: Link, reached: List[GF]) -> Set[GF]:
    """The reached functions that hold a MAPI call or wait, or call (through reached
    functions) one that does."""
    out: Set[GF] = set()
    reached_set = set(reached)
    for gf in reached:
        if any(
            f.key is not None and (f.key.startswith("mapi.") or f.key in _WAITS)
            for f in link.calls(gf)
        ):
            out.add(gf)
    changed = True
    while changed:
        changed = False
        for gf in reached:
            if gf in out:
                continue
            for edge in link.graph.out(gf, frozenset({"call", "construct", "thread"})):
                if edge.target in out and edge.target in reached_set:
                    out.add(gf)
                    changed = True
                    break
    return out


def _escape(text: str) -> str:
    return text.replace('"', "#quot;")
