"""The catalogue of codes: the one source for messages, docs and ``explain``.

Each ``Rule`` carries what a user needs to understand a finding: the message
flake8 prints, what the rule checks, why it matters (with Microsoft's
reference), a bad example, the fix, its options and its known limits.  Each
rule family keeps its entries in a module of this package; ``RULES`` is all of
them in code order.  This package imports nothing heavy: the console script
and the flake8 entry read it without loading libcst.
"""

from __future__ import annotations

import difflib
from typing import Dict, List, Optional, Tuple

from . import core
from . import pump as pump_family
from . import ui as ui_family
from .rule import _SERVICE_NOTE, Rule

_FAMILIES = [core.RULES, ui_family.RULES, pump_family.RULES]

RULES: List[Rule] = sorted((r for family in _FAMILIES for r in family), key=lambda r: r.code)

RULES_BY_CODE: Dict[str, Rule] = {r.code: r for r in RULES}
DEFAULT_IGNORED: Tuple[str, ...] = tuple(r.code for r in RULES if not r.default_enabled)


RULES_BY_NAME: Dict[str, Rule] = {r.name: r for r in RULES}


def get(code: str) -> Optional[Rule]:
    return RULES_BY_CODE.get(code.upper())


def _key(text: str) -> str:
    return text.strip().lower().replace("_", "-")


def find(code_or_name: str) -> Optional[Rule]:
    """The rule with this code (``MPS101``) or name (``init-without-nt-service``, as
    ``flake8-mapi-service rules`` prints it), in any case, ``_`` for ``-``."""
    key = _key(code_or_name)
    return RULES_BY_CODE.get(key.upper()) or RULES_BY_NAME.get(key)


def prefixed(prefix: str) -> List[str]:
    """The codes a selection prefix (``MPS``, ``MPS1``, ``mps40``) names, in order."""
    key = _key(prefix).upper()
    return [r.code for r in RULES if key and r.code.startswith(key)]


def nearest(code_or_name: str) -> Optional[str]:
    """The code or name closest to a misspelt one (``difflib``), or None."""
    spellings = {_key(s): s for r in RULES for s in (r.code, r.name)}
    close = difflib.get_close_matches(_key(code_or_name), list(spellings), n=1)
    return spellings[close[0]] if close else None


def explain(rule: Rule) -> str:
    """The rule's documentation, as Markdown (also ``docs/rules/CODE.md``)."""
    lines = [f"# {rule.code}: {rule.name}", "", f"Message: `{rule.code} {rule.title}`", ""]
    lines += ["## What it does", "", rule.summary, ""]
    if rule.service_only:
        lines += [_SERVICE_NOTE, ""]
    if not rule.default_enabled:
        lines += ["Off by default: enable it with `--extend-select=" + rule.code + "`.", ""]
    if rule.fixable:
        lines += [
            "Fixable: `flake8-mapi-service fix` repairs it where one edit is safe "
            "(`--diff` shows the change first).",
            "",
        ]
    lines += ["## Why is this bad?", "", rule.rationale, ""]
    if rule.references:
        lines += ["References:", ""] + [f"- {ref}" for ref in rule.references] + [""]
    lines += ["## Example", "", "```python", rule.example.rstrip("\n"), "```", ""]
    lines += ["## Use instead", "", "```python", rule.fix.rstrip("\n"), "```", ""]
    lines += ["## Options", "", _options_text(rule), ""]
    lines += ["## Known limits", "", rule.limits or "None known.", ""]
    return "\n".join(lines)


#: the sections every page has, in this order (tests/test_docs.py checks every page)
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "Known limits")


def _options_text(rule: Rule) -> str:
    if rule.options:
        return rule.options
    if rule.service_only:
        return (
            "None of its own. `--mapi-service` and `--mapi-service-paths` decide which "
            "files are service code."
        )
    return "None."


def table() -> str:
    """The Markdown code table kept in README.md."""
    rows = ["| code | name | service only | default | what it finds |", "|---|---|---|---|---|"]
    for r in RULES:
        rows.append(
            f"| [{r.code}](docs/rules/{r.code}.md) | `{r.name}` | "
            f"{'yes' if r.service_only else ''} | {'on' if r.default_enabled else 'off'} | "
            f"{r.short} |"
        )
    return "\n".join(rows)
