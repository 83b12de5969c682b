"""The checked file within its project: summaries of the other modules, and the link.

``Workspace`` is one per process.  For a checked file it finds the project
(``project.PROJECTS``), the modules the file's findings may depend on (its
component), their summaries — from memory, from the disk cache (keyed by
content), or by parsing the module (then cached) — and the ``Link`` joining
them with the checked file's own summary.  The checked file's text (stdin, an
unsaved buffer) wins over what is on disk for it.  A module that cannot be
read or parsed contributes nothing.  Links are kept per component and content,
so the files of one component checked in one process share one.
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from ..settings import Settings
from .bindings import Resolver
from .cache import DiskCache
from .callgraph import References, Sites
from .link import Link
from .model import build_model, walk
from .positions import Positions, definition_lines
from .project import PROJECTS, Project, content_digest, normalize_newlines
from .scanmemo import cache_folder
from .source import parse_lines, with_deep_stack
from .structure import Structure
from .summary import ModuleSummary, summarize

#: links kept per process (one per component and content)
_MAX_LINKS = 64


class View:
    """The checked file as its project sees it."""

    def __init__(
        self,
        workspace: Workspace,
        project: Project,
        mid: str,
        analysed: FrozenSet[str],
        settings: Settings,
    ) -> None:
        self.workspace = workspace
        self.project = project
        self.mid = mid
        #: the modules worth analysing
        self.analysed = analysed
        self.settings = settings
        #: the link holds a summary that may not be its module's as the project
        #: saw it (the file changed while it was read, or summarising it failed for a
        #: reason other than its syntax): right for this run, not to be kept
        self.unsure = False

    @property
    def needed(self) -> FrozenSet[str]:
        """The modules whose summaries the analysed modules may need."""
        return self.project.needed(self.settings.path_is_service)

    @property
    def in_project(self) -> bool:
        """The file is worth analysing in its project (it may concern MAPI, or
        service code may reach it)."""
        return self.mid in self.analysed

    @property
    def digest(self) -> str:
        return self.project.digest(self.mid)

    def paths(self) -> Dict[str, str]:
        """Module id -> its absolute path (what ``--mapi-service-paths`` globs match)."""
        return dict(self.project.index.paths)

    def link(self, own: Callable[[], ModuleSummary]) -> Link:
        return self.workspace.link(self, own)


class Workspace:
    def __init__(self) -> None:
        self._summaries: Dict[str, Optional[ModuleSummary]] = {}
        self._caches: Dict[Tuple[str, str], DiskCache] = {}
        self._links: Dict[Tuple[object, ...], Link] = {}
        #: digests whose summary is unsure (see ``View.unsure``)
        self._unsure: Set[str] = set()
        #: links holding such a summary (by their key)
        self._unsure_links: Set[Tuple[object, ...]] = set()

    def view(self, filename: str, text: str, settings: Settings) -> Optional[View]:
        """The checked file in its project; None with ``--mapi-single-file``, or when
        the file is outside its project root or the project is too large."""
        if settings.single_file:
            return None
        found = PROJECTS.for_settings(filename, settings)
        if found is None:
            return None
        project, _ = found
        mid = project.use_text(filename, text)
        if mid is None:
            return None
        analysed = project.relevance(settings.path_is_service)
        return View(self, project, mid, analysed, settings)

    # -- summaries -------------------------------------------------------------------------
    def cache_for(self, project: Project, settings: Settings) -> DiskCache:
        folder = cache_folder(project.root, settings.cache_dir, settings.no_cache)
        key = (project.root, folder or "")
        cache = self._caches.get(key)
        if cache is None:
            cache = self._caches[key] = DiskCache(folder)
        return cache

    def summary(self, project: Project, mid: str, cache: DiskCache) -> Optional[ModuleSummary]:
        """A module's summary from its text on disk (or the checked file's text)."""
        digest = project.digest(mid)
        if not digest:
            return None
        if digest in self._summaries:
            return self._summaries[digest]
        found = cache.get(digest)
        if found is None:
            text = project.text(mid)
            failed: List[bool] = []
            found = summary_of_text(text, failed) if text is not None else None
            if failed or text is None:
                self._unsure.add(digest)
            if found is not None and text is not None:
                # filed under the hash of the text summarised: the file may have
                # changed since the project read it
                actual = content_digest(text)
                cache.put(actual, found)
                if actual != digest:
                    self._summaries[actual] = found
                    self._unsure.add(digest)
        self._summaries[digest] = found
        return found

    def remember(self, digest: str, summary: ModuleSummary, cache: DiskCache) -> None:
        if digest and digest not in self._summaries:
            self._summaries[digest] = summary
            if cache.get(digest) is None:
                cache.put(digest, summary)

    # -- links -----------------------------------------------------------------------------
    def link(self, view: View, own: Callable[[], ModuleSummary]) -> Link:
        project = view.project
        cache = self.cache_for(project, view.settings)
        members = sorted(project.component(view.mid, view.needed))
        key: Tuple[object, ...] = (project.root, tuple((m, project.digest(m)) for m in members))
        found = self._links.get(key)
        if found is not None:
            view.unsure = key in self._unsure_links
            return found
        modules: Dict[str, ModuleSummary] = {}
        for m in members:
            if m == view.mid:
                digest = view.digest
                summary = self._summaries.get(digest) or cache.get(digest)
                if summary is None:
                    summary = own()
                self.remember(digest, summary, cache)
                modules[m] = summary
                continue
            other = self.summary(project, m, cache)
            if other is not None:
                modules[m] = other
        link = Link(modules, project.index)
        if any(project.digest(m) in self._unsure for m in members if m != view.mid):
            self._unsure_links.add(key)
            view.unsure = True
        project.save_memo()
        if len(self._links) >= _MAX_LINKS:
            self._unsure_links.discard(next(iter(self._links)))
            self._links.pop(next(iter(self._links)))
        self._links[key] = link
        return link

    def clear(self) -> None:
        """Forget everything (tests; a long-lived process whose files changed)."""
        self._summaries.clear()
        self._caches.clear()
        self._links.clear()
        self._unsure.clear()
        self._unsure_links.clear()
        PROJECTS.clear()


def summary_of_text(text: str, failed: Optional[List[bool]] = None) -> Optional[ModuleSummary]:
    """The summary of another module of the project, or None when it cannot be
    parsed (a module that cannot be read or parsed contributes nothing).  A
    failure that is not the text's syntax (memory, a bug) appends to ``failed``."""
    lines = normalize_newlines(text).splitlines(keepends=True)
    try:
        return with_deep_stack(lambda: _summary_of_lines(lines, failed))
    except Exception:  # noqa: BLE001 - another module's trouble is not this file's error
        if failed is not None:
            failed.append(True)
        return None


def _summary_of_lines(
    lines: Sequence[str], failed: Optional[List[bool]] = None
) -> Optional[ModuleSummary]:
    try:
        tree: Optional[ast.AST] = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return None
    except (MemoryError, RecursionError):
        if failed is not None:
            failed.append(True)
        return None
    module, pieces = parse_lines(lines, tree)
    if module is None:
        return None
    model = build_model(module)
    resolver = Resolver(model)
    sites = Sites(model, resolver)
    positions = Positions(module, lines, tree, len(model.calls), pieces)
    refs = References()
    walk(refs, module)
    return summarize(
        model,
        resolver,
        Structure(),
        sites.of,
        refs.escaping,
        refs.attr_calls,
        lambda site: positions.of_call(site.node, site.index),
        definition_lines(tree, len(model.functions), len(model.classes)),
        refs.written,
    )


#: this process's workspace
WORKSPACE = Workspace()


__all__ = ["View", "WORKSPACE", "Workspace", "summary_of_text"]
