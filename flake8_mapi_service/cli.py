"""The ``flake8-mapi-service`` console script: ``rules``, ``explain CODE_OR_NAME``, ``fix``,
``context``, ``--version``.

``rules`` and ``explain`` read only the catalogue: no libcst import, so they start
instantly; ``fix`` imports the analysis when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence

from . import __version__
from .catalogue import RULES, explain, find, nearest, prefixed, table
from .settings import SERVICE_MODES, parse_service_mode


def _rules(args: argparse.Namespace) -> int:
    if args.markdown:
        print(table())
        return 0
    width = max(len(r.name) for r in RULES)
    for r in RULES:
        flags: List[str] = []
        if r.service_only:
            flags.append("service")
        if not r.default_enabled:
            flags.append("off by default")
        if r.fixable:
            flags.append("fixable")
        extra = f"  [{', '.join(flags)}]" if flags else ""
        print(f"{r.code}  {r.name:<{width}}  {r.short}{extra}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    rule = find(args.code)
    if rule is None:
        codes = prefixed(args.code)
        close = nearest(args.code)
        if codes:
            hint = f"it is the prefix of {', '.join(codes)}: explain one of them"
        elif close:
            hint = f"did you mean {close!r}?"
        else:
            hint = "see 'flake8-mapi-service rules'"
        print(
            f"flake8-mapi-service explain: unknown code or name {args.code!r}; {hint}",
            file=sys.stderr,
        )
        return 2
    print(explain(rule), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-mapi-service",
        description="flake8 checks for MAPI clients running as Windows services.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")
    p_rules = sub.add_parser("rules", help="list every code with its name and summary")
    p_rules.add_argument("--markdown", action="store_true", help="print README's Markdown table")
    p_rules.set_defaults(func=_rules)
    p_explain = sub.add_parser("explain", help="print a rule's documentation (by code or name)")
    p_explain.add_argument(
        "code",
        metavar="CODE_OR_NAME",
        help="a code or a name as 'rules' prints them, in any case: MPS101 or "
        "init-without-nt-service",
    )
    p_explain.set_defaults(func=_explain)
    p_fix = sub.add_parser(
        "fix",
        help=f"fix {', '.join(r.code for r in RULES if r.fixable)} in place "
        "(or print a diff with --diff)",
    )
    _fix_arguments(p_fix)
    p_fix.set_defaults(func=_fix)
    p_context = sub.add_parser(
        "context",
        help="how each file is seen in its project: service code or not and why, "
        "and what runs on the MAPI thread",
    )
    p_context.add_argument("paths", nargs="+", metavar="PATH", help="files and directories")
    p_context.add_argument(
        "--format",
        choices=("text", "json", "mermaid"),
        default="text",
        help="text (default), json, or a mermaid flowchart",
    )
    p_context.add_argument(
        "--mapi-service",
        choices=SERVICE_MODES,
        type=parse_service_mode,
        default=None,
        help="which files are service code, in any case (default: the flake8 config's, else auto)",
    )
    p_context.add_argument("--mapi-service-paths", default=None, metavar="GLOB,...")
    p_context.add_argument(
        "--mapi-project-root", default=None, metavar="DIR", help="the project's root folder"
    )
    p_context.set_defaults(func=_context)
    return parser


def _fix_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files and directories")
    parser.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    parser.add_argument(
        "--mapi-service",
        choices=SERVICE_MODES,
        type=parse_service_mode,
        default=None,
        help="which files are service code, in any case (default: the flake8 config's, else auto)",
    )
    parser.add_argument(
        "--mapi-service-paths",
        default=None,
        metavar="GLOB,...",
        help="globs of files that are service code whatever they contain",
    )
    parser.add_argument(
        "--max-line-length",
        type=int,
        default=None,
        metavar="N",
        help="no line within N characters is made longer (default: the flake8 config's, else 79)",
    )


def _fix(args: argparse.Namespace) -> int:
    from .fix import run  # libcst is imported only for this command

    return run(args)


def _context(args: argparse.Namespace) -> int:
    from .project_context import run  # libcst is imported only for this command

    return run(args)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args))
    except BrokenPipeError:
        # the reader went away (``| head``): not an error; keep Python quiet at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
