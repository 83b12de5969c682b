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

#: Where a rule's documentation is published, as an absolute URI (SARIF's ``helpUri``).
#: This is the ONE place to change it; ``{code}`` is replaced by the rule's code, a URI
#: without it is used as it is.  The project has no public repository yet, so this is
#: the package's PyPI page (the name README tells users to install); the full rule text
#: travels in the SARIF file itself (``help``).  When the project gets a public home, set
#: e.g. ``"https://<host>/<owner>/flake8-mapi-service/blob/main/docs/rules/{code}.md"``
#: and ``[project.urls] Documentation`` in pyproject.toml (a test keeps them together).
DOCS_URL = "https://pypi.org/project/flake8-mapi-service/"

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
        return DOCS_URL.format(code=self.code)


_SERVICE_NOTE = (
    "Reported only in service code (a `ServiceFramework` subclass, a service "
    "entry point such as `servicemanager.StartServiceCtrlDispatcher`, a MAPI call "
    "that sets `MAPI_NT_SERVICE`, or `--mapi-service=always` / `--mapi-service-paths`)."
)
