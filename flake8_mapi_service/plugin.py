"""The flake8 entry point.  It does no analysis itself.

flake8 calls ``Plugin(tree, lines, filename).run()`` for every file.  ``run``
applies the cheap text check, returns the findings kept for a file whose text
and project have not changed (``results.py``), imports the analysis (and
libcst) only for a file that passes the check without them, and turns any
unexpected exception into one MPS000 finding so that a bug here never aborts
the user's whole flake8 run.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from typing import Any, ClassVar, FrozenSet, Generator, List, Optional, Sequence, Tuple, Type

from . import __version__, results
from .analysis.project import PROJECTS
from .catalogue import DEFAULT_IGNORED, RULES_BY_CODE
from .prefilter import may_concern_mapi
from .results import Result
from .settings import SERVICE_MODES, Settings, named_codes, parse_flag, parse_service_mode

Report = Tuple[int, int, str, Type[Any]]


class SetFlag(argparse.Action):
    """A yes/no option: given on the command line it takes no value and means yes.
    In a config file flake8 reads it as a string (it is not ``store_true``), which
    argparse converts with the option's ``type`` (``parse_flag``): ``true``/``off``...
    in any case, and a bad word is a usage error, not a traceback."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: Optional[str] = None,
    ) -> None:
        setattr(namespace, self.dest, True)


class Plugin:
    name = "flake8-mapi-service"
    version = __version__

    settings: ClassVar[Settings] = Settings()
    #: opt-in codes the user's selection does not name (computed once per run)
    hidden: ClassVar[FrozenSet[str]] = frozenset(DEFAULT_IGNORED)

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    # -- options -------------------------------------------------------------------
    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.add_option(
            "--mapi-service",
            default="auto",
            # any case; a bad value, on the command line or in a config file, is
            # flake8's usage error (parse_service_mode raises argparse's invalid choice)
            type=parse_service_mode,
            choices=SERVICE_MODES,
            parse_from_config=True,
            help="Which files are Windows-service code: auto (detect), always, never, "
            "in any case. (Default: %(default)s)",
        )
        option_manager.add_option(
            "--mapi-service-paths",
            default="",
            comma_separated_list=True,
            parse_from_config=True,
            help="Comma-separated globs of files that are service code whatever they contain.",
        )
        option_manager.add_option(
            "--mapi-server-services",
            default="MSEMS",
            comma_separated_list=True,
            parse_from_config=True,
            help=(
                "Comma-separated server-based message services (MPS303); the list "
                "replaces the default, MSEMS."
            ),
        )
        option_manager.add_option(
            "--mapi-extra-blocking-calls",
            default="",
            comma_separated_list=True,
            parse_from_config=True,
            help="Comma-separated qualified names of your own blocking calls (for MPS401).",
        )
        option_manager.add_option(
            "--mapi-extra-ui-calls",
            default="",
            comma_separated_list=True,
            parse_from_config=True,
            help="Comma-separated qualified names of your own calls that show UI (for MPS205).",
        )
        option_manager.add_option(
            "--mapi-project-root",
            default="",
            parse_from_config=True,
            normalize_paths=True,
            help="The root of the project whose modules are read together (Default: the "
            "nearest folder above each file with pyproject.toml, setup.cfg, setup.py, "
            "tox.ini, .flake8 or .git).",
        )
        option_manager.add_option(
            "--mapi-single-file",
            action=SetFlag,
            type=parse_flag,
            default=False,
            parse_from_config=True,
            help="Analyse each file alone, not within its project.",
        )
        option_manager.add_option(
            "--mapi-cache-dir",
            default="",
            parse_from_config=True,
            normalize_paths=True,
            help="Where module summaries and findings are cached between runs "
            "(Default: .mapi_service_cache in the project root).",
        )
        option_manager.add_option(
            "--mapi-no-cache",
            action=SetFlag,
            type=parse_flag,
            default=False,
            parse_from_config=True,
            help="Do not read or write the cache (summaries, findings, scan memo).",
        )
        option_manager.extend_default_ignore(list(DEFAULT_IGNORED))

    @classmethod
    def parse_options(cls, options: Any) -> None:
        root = getattr(options, "mapi_project_root", None)
        if root and not os.path.isdir(root):
            # flake8's own way with a bad value: one line and the usage status
            print(f"flake8: error: --mapi-project-root: not a folder: {root}", file=sys.stderr)
            raise SystemExit(2)
        cls.settings = Settings.from_values(
            service_mode=getattr(options, "mapi_service", "auto"),
            service_paths=getattr(options, "mapi_service_paths", None),
            server_services=getattr(options, "mapi_server_services", None),
            extra_blocking_calls=getattr(options, "mapi_extra_blocking_calls", None),
            extra_ui_calls=getattr(options, "mapi_extra_ui_calls", None),
            project_root=getattr(options, "mapi_project_root", None),
            single_file=bool(getattr(options, "mapi_single_file", False)),
            cache_dir=getattr(options, "mapi_cache_dir", None),
            no_cache=bool(getattr(options, "mapi_no_cache", False)),
            exclude=[
                *(getattr(options, "exclude", None) or ()),
                *(getattr(options, "extend_exclude", None) or ()),
            ],
            # An opt-in code is reported only when the user names it: flake8 would
            # let a bare ``--select=MPS`` beat its default ignore.
            opt_in=named_codes(
                [
                    *(getattr(options, "select", None) or ()),
                    *(getattr(options, "extend_select", None) or ()),
                ],
                DEFAULT_IGNORED,
            ),
        )
        cls.hidden = frozenset(DEFAULT_IGNORED) - frozenset(cls.settings.opt_in)

    # -- checking ---------------------------------------------------------------------
    def run(self) -> Generator[Report, None, None]:
        settings = self.settings
        try:
            if not self._worth_analysing(settings):
                return
            # the findings of an unchanged file in an unchanged component: no parse
            kept = results.slot(self.lines, self.filename, settings)
            found: Optional[List[Result]] = results.load(kept)
            if found is None:
                # libcst is imported only for files that pass the text check
                from .runner import analyze_file

                found, keep = analyze_file(self.lines, self.filename, settings, self.tree)
                if keep:
                    results.store(kept, found)
        except Exception as exc:  # noqa: BLE001 - never abort the user's flake8 run
            message = RULES_BY_CODE["MPS000"].format(exc=type(exc).__name__)
            yield 1, 0, message, type(self)
            return
        hidden = self.hidden
        for r in found:
            if r.code not in hidden:
                yield r.line, r.col, r.message, type(self)

    def _worth_analysing(self, settings: Settings) -> bool:
        """The cheap checks before any parse: the file's own text may concern MAPI,
        the user says it is service code, or (for any other file) the project's
        modules that concern MAPI import it or are imported by it.  The project is
        only read (not parsed) for this; libcst is not imported for a file that
        fails them all."""
        if may_concern_mapi(self.lines):
            return True
        if settings.service_mode == "never":
            return False
        if settings.service_mode == "always" or settings.path_is_service(self.filename):
            return True
        if settings.single_file:
            return False
        found = PROJECTS.for_settings(self.filename, settings)
        if found is None:
            return False
        project, _ = found
        mid = project.use_text(self.filename, "".join(self.lines))
        return mid is not None and mid in project.relevance(settings.path_is_service)
