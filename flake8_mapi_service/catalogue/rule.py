"""The ``Rule`` record of the catalogue and the Microsoft references it cites.

Each ``Rule`` carries what a user needs to understand a finding: the message
flake8 prints, what the rule checks, why it matters (with Microsoft's
reference), a bad example, the fix, its options and its known limits.  The
examples are real Python and are linted by the test-suite, so the docs cannot
drift from the analyzer.  This module imports nothing heavy: the console
script and the flake8 entry read it without loading libcst.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

MS_SERVICES = (
    "Microsoft, *Calling MAPI from Windows Services* (Outlook MAPI reference), "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/calling-mapi-from-windows-services"
)
MS_MAPIINIT = (
    "Microsoft, *MAPIINIT_0*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/mapiinit_0"
)
MS_INITIALIZE = (
    "Microsoft, *MAPIInitialize*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/mapiinitialize"
)
MS_LOGONEX = (
    "Microsoft, *MAPILogonEx*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/mapilogonex"
)

#: Where the rule pages are published, as an absolute URI with ``{code}`` in it (SARIF's
#: ``helpUri``), or "" while the project has no public home: ``helpUri`` is then the
#: rule's page shipped inside the installed package (``PAGES``), as a ``file:`` URI, so
#: it points at a page that exists wherever the package is installed.  This is the ONE
#: place to change it; when it is set, ``[project.urls] Documentation`` in
#: pyproject.toml must be its prefix (tests/test_docs.py checks them together).
DOCS_URL = ""

#: the rule pages inside the package (package data; ``tools/sync_docs.py`` writes them,
#: the same text as ``docs/rules/CODE.md``)
PAGES = Path(__file__).resolve().parent / "pages"


def page(code: str) -> Path:
    """The rule page of ``code`` shipped inside the package."""
    return PAGES / f"{code}.md"


#: SARIF levels a rule may have (``Rule.level``)
LEVELS = ("error", "warning", "note")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    #: the flake8 message after the code; may use ``{fields}`` a rule passes
    message: str
    #: one line that says what the rule finds, without placeholders (README's code
    #: table, ``flake8-mapi-service rules``, SARIF's ``shortDescription``)
    short: str
    summary: str
    rationale: str
    example: str
    fix: str
    service_only: bool
    references: Tuple[str, ...] = ()
    default_enabled: bool = True
    options: str = ""
    limits: str = ""
    #: SARIF level: "error" for a definite mistake (the default), "warning", or "note"
    level: str = "error"
    #: ``flake8-mapi-service fix`` repairs this code's findings (where one edit is safe)
    fixable: bool = False

    def format(self, **fields: object) -> str:
        return f"{self.code} {self.message.format(**fields)}"

    @property
    def title(self) -> str:
        """The message with its placeholders shown generically (``…``)."""
        text = self.message
        while "{" in text and "}" in text:
            start = text.index("{")
            end = text.index("}", start)
            text = text[:start] + "…" + text[end + 1 :]
        return text

    @property
    def doc_url(self) -> str:
        """The absolute URI of the rule's page (see ``DOCS_URL``)."""
        if DOCS_URL:
            return DOCS_URL.format(code=self.code)
        return page(self.code).as_uri()


_SERVICE_NOTE = (
    "Reported only in service code: a file with a `ServiceFramework` subclass (also one "
    "that derives from it through a base class in another module of the project), with "
    "a service entry point such as `servicemanager.StartServiceCtrlDispatcher`, or with a "
    "MAPI call that sets `MAPI_NT_SERVICE`; a file that `--mapi-service=always` or "
    "`--mapi-service-paths` names; and, in the project's other modules, the functions "
    "that service code calls (directly or through calls across modules) and the "
    "module-level code of a module that service code imports (not its "
    '`if __name__ == "__main__":` block). The other functions of those modules are not '
    "service code. With `--mapi-single-file` only the file's own code decides."
)

#: how a flags parameter is evaluated (the rules that judge flag words)
_CONTEXTS = (
    "A flags parameter is evaluated in each calling context: each call of its function "
    "anywhere in the project (a call from another module counts), and its default when "
    "a call omits the argument or nothing calls the function. A function that is also "
    "used as a value (a `threading.Thread` target, a callback table) adds an unknown "
    "context, which is never a finding; the `args=` a thread is started with are not "
    "followed. For a rule reported only in service code, only the calls made from "
    "service code count. A finding that holds in some contexts only is reported once "
    "per context, naming the caller (`when called from service.py:16`). With "
    "`--mapi-single-file` only the calls in the same file count."
)
