"""``flake8-mapi-service fix``: repair flag mistakes with libcst.

The fix is driven by the linter's own analysis (``runner.run_rules``): only
findings the linter reports are touched, and the flag evaluation decides which
bits are missing or unwanted.  The package's parts, in the order a fix runs:

- ``plans``: what to change at each call (constants to add, UI constants to
  remove), for the codes the catalogue marks ``fixable``;
- ``flag_editor``: where the flags are written and the edit there, in the
  file's own spelling of the constants;
- ``cst_edits``: the libcst pieces edits are made of (``|`` chains,
  arguments, whitespace);
- ``render``: the edits as text (one code generation, new code spliced in);
- ``verify``: one file, every candidate re-parsed, compiled and analysed
  again, the failing plans found by halving when a combined edit fails;
- ``config``: what flake8 would not report (its config files, ``# noqa``);
- ``command``: the subcommand (files, ``--diff``, atomic writes).
"""

from __future__ import annotations

from .command import iter_python_files, run
from .config import config_values, ignored_codes
from .flag_editor import Builder, CannotFix
from .plans import FIXABLE, Plan, make_plans
from .verify import Outcome, fix_bytes

__all__ = [
    "FIXABLE",
    "Builder",
    "CannotFix",
    "Outcome",
    "Plan",
    "config_values",
    "fix_bytes",
    "ignored_codes",
    "iter_python_files",
    "make_plans",
    "run",
]
