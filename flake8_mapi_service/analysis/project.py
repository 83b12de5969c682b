"""The project: its root, its Python files, their module names and imports.

The project of a file is the Python files under its root: ``--mapi-project-root``
if given, else the nearest ancestor holding ``pyproject.toml``, ``setup.cfg``,
``setup.py``, ``tox.ini``, ``.flake8`` or ``.git``, else the file's own folder.
Virtual environments and build output (``site-packages``, ``.venv``, ``venv``,
any folder holding ``pyvenv.cfg``, ``.tox``, ``build``, ``dist``), hidden folders,
folders that are project roots of their own, symbolic links to folders and what
flake8's ``exclude``/``extend-exclude`` name are not part of it.

A module is known by its path from the root (``pkg/mailer.py``): unique, and
what messages show.  Imports resolve the way Python would find the files:
``pkg.mailer`` from the root or from a ``src/`` folder, and, script style, a
module beside the importing file (``import mailer``); relative imports from
the importing file's package.

``scan`` reads every file once, cheaply (no parse, no decoding): whether its
bytes may concern MAPI (the plugin's text check) and whether they name a
service entry.  ``relevance`` says which modules are worth analysing: the
MAPI modules, and the service modules (with their direct importers: a
subclass of a project service base class) with everything they import,
transitively, since service code may reach it.  ``needed`` adds what the
MAPI modules import, transitively (constants, helpers); a file's findings
depend only on the needed modules connected to it by imports (its
component).  Imports are read with a regular expression over the text, only
for the modules these closures visit (it may see imports that are not there,
in strings, which only makes the project a little larger).  Nothing is
parsed for a file outside every component.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from ..prefilter import lowered_bytes_concern_mapi
from ..settings import Settings
from .scanmemo import Entry, ScanMemo, memo_folder, now_ns, stat_key

#: words of service code (the prefilter's, without MAPI's own)
SERVICE_WORDS = (b"servicefram", b"servicemanager", b"win32serviceutil", b"servicectrl")

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", ".flake8", ".git")
#: folders that are never the project's own code
SKIPPED_DIRS = frozenset(
    {"site-packages", "venv", "build", "dist", "__pycache__", "node_modules", "__pypackages__"}
)
PYTHON_SUFFIXES = (".py", ".pyw")
#: a project larger than this is not read as a project (each file is analysed alone)
MAX_FILES = 20_000
#: files larger than this are not read (generated code): they are not part of the project
MAX_FILE_BYTES = 4 * 1024 * 1024

_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]*(?:\\\n[^\n#;]*)*)", re.MULTILINE)
_FROM = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*(?:\\\n[^\n#;]*)*)",
    re.MULTILINE,
)
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def find_root(path: str, explicit: Optional[str] = None) -> str:
    """The project root of ``path`` (an absolute folder)."""
    if explicit:
        return os.path.abspath(explicit)
    start = os.path.dirname(os.path.abspath(path))
    current = start
    while True:
        for marker in ROOT_MARKERS:
            if os.path.exists(os.path.join(current, marker)):
                return current
        parent = os.path.dirname(current)
        if parent == current:
            return start
        current = parent


@dataclass
class FileScan:
    """What one read of a file tells (the text and its imports come on demand)."""

    mid: str
    path: str
    #: the text may concern MAPI (the plugin's text check)
    concerns_mapi: bool
    #: the text names a service entry (ServiceFramework, servicemanager...)
    service_words: bool
    #: the text could not be read or decoded
    unreadable: bool = False
    #: the text, when the project holds it (stdin, a buffer)
    text: Optional[str] = None
    imports: Optional[List[str]] = None
    digest: str = ""
    #: the memo's record of this read of the file (see ``scanmemo``)
    entry: Optional[Entry] = None


@dataclass
class ModuleIndex:
    """Module paths and how imports find them."""

    root: str
    #: module id (path from the root, "/"-separated) -> absolute path
    paths: Dict[str, str] = field(default_factory=dict)
    #: folders (relative, "/"-separated) that hold project files, "" for the root,
    #: with how many files each holds
    dirs: Dict[str, int] = field(default_factory=dict)
    #: resolve's answers by (importer's folder, reference); cleared by ``add``
    _resolved: Dict[Tuple[str, str], Optional[Tuple[str, Tuple[str, ...]]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _fingerprint: str = field(default="", repr=False, compare=False)

    def fingerprint(self) -> str:
        """A hash of every module id and path: what decides how imports resolve."""
        if not self._fingerprint:
            digest = hashlib.blake2b(digest_size=16)
            for mid, path in sorted(self.paths.items()):
                digest.update(f"{mid}\0{path}\0".encode("utf-8", "surrogatepass"))
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def add(self, mid: str, path: str) -> None:
        self._fingerprint = ""
        if mid in self.paths:
            self.paths[mid] = path
            return
        self._resolved.clear()
        self.paths[mid] = path
        parts = mid.split("/")[:-1]
        for i in range(len(parts) + 1):
            folder = "/".join(parts[:i])
            self.dirs[folder] = self.dirs.get(folder, 0) + 1

    def remove(self, mid: str) -> None:
        if self.paths.pop(mid, None) is None:
            return
        self._fingerprint = ""
        self._resolved.clear()
        parts = mid.split("/")[:-1]
        for i in range(len(parts) + 1):
            folder = "/".join(parts[:i])
            left = self.dirs.get(folder, 0) - 1
            if left > 0:
                self.dirs[folder] = left
            else:
                self.dirs.pop(folder, None)

    def _module_at(self, folder: str, parts: Sequence[str]) -> Optional[Tuple[str, int]]:
        """The longest module ``folder/parts[:k]`` (file or package), and k."""
        best: Optional[Tuple[str, int]] = None
        base = folder
        for k, part in enumerate(parts, 1):
            prefix = f"{base}/{part}" if base else part
            init = f"{prefix}/__init__.py"
            if init in self.paths:
                best = (init, k)  # a package wins over a module file of its name
            else:
                for suffix in (".py", ".pyw"):
                    if prefix + suffix in self.paths:
                        return prefix + suffix, k  # a module file: the rest are attributes
                if prefix not in self.dirs:
                    break  # (a folder without __init__.py: a namespace package)
            base = prefix
        return best

    def _has_top(self, folder: str, top: str) -> bool:
        prefix = f"{folder}/{top}" if folder else top
        return prefix in self.dirs or prefix + ".py" in self.paths or prefix + ".pyw" in self.paths

    def resolve(self, importer: str, dotted: str) -> Optional[Tuple[str, Tuple[str, ...]]]:
        """The project module a reference names from ``importer`` (a module id),
        with the attribute path that follows it; None when it is not the project's."""
        key = (importer.rpartition("/")[0], dotted)
        try:
            return self._resolved[key]
        except KeyError:
            found = self._resolved[key] = self._resolve(importer, dotted)
            return found

    def _resolve(self, importer: str, dotted: str) -> Optional[Tuple[str, Tuple[str, ...]]]:
        level = len(dotted) - len(dotted.lstrip("."))
        parts = [p for p in dotted[level:].split(".") if p]
        if level:
            folder = importer.split("/")[:-1]
            if level - 1 > len(folder):
                return None
            base = "/".join(folder[: len(folder) - (level - 1)])
            init = f"{base}/__init__.py" if base else "__init__.py"
            found = self._module_at(base, parts) if parts else None
            if found is None:
                # the package itself: ``from . import NAME`` where NAME is defined
                # in its __init__.py
                return (init, tuple(parts)) if init in self.paths else None
            return found[0], tuple(parts[found[1] :])
        if not parts:
            return None
        here = "/".join(importer.split("/")[:-1])
        answers = []
        for searched in (("", "src"), (here,)):
            for search in searched:
                if self._has_top(search, parts[0]):
                    # Python stops at the first folder holding the name
                    answers.append(self._module_at(search, parts))
                    break
        if not answers or answers[0] is None:
            return None
        if len(answers) == 2 and answers[1] != answers[0]:
            # the project's root (or src/) and the importer's own folder (a script's
            # sys.path[0]) both hold the name: which one runs depends on how the
            # program is started
            return None
        return answers[0][0], tuple(parts[answers[0][1] :])


def scan_imports(text: str) -> List[str]:
    """The modules a text's import statements name (see the module docstring).

    Only the lines that hold the word ``import`` are tried (``str.find`` runs at
    C speed; a regular expression anchored at every line start does not)."""
    out: List[str] = []
    plain_end = from_end = 0
    start = text.find("import")
    while start != -1:
        line = text.rfind("\n", 0, start) + 1
        if line >= plain_end:
            m = _IMPORT.match(text, line)
            if m is not None:
                plain_end = m.end()
                _plain_names(m.group(1), out)
        if line >= from_end:
            m = _FROM.match(text, line)
            if m is not None:
                from_end = m.end()
                _from_names(m.group(1), m.group(2), out)
        nxt = text.find("\n", start)
        if nxt == -1:
            break
        start = text.find("import", nxt)
    return out


def _plain_names(names: str, out: List[str]) -> None:
    for item in names.replace("\\\n", " ").split(","):
        words = item.split()
        if words and _NAME.fullmatch(words[0]):
            out.append(words[0])


def _from_names(module: str, names: str, out: List[str]) -> None:
    if not module:
        return
    out.append(module)
    names = names.strip("()").replace("\\\n", " ")
    sep = "" if module.endswith(".") else "."
    for item in names.split(","):
        words = item.split()
        if words and _NAME.fullmatch(words[0]):
            out.append(module + sep + words[0])


class Project:
    """One project root's files, scanned once (see the module docstring)."""

    def __init__(
        self,
        root: str,
        concerns_mapi: Callable[[bytes], bool],
        excluded: Sequence[str] = (),
        memo_folder: Optional[str] = None,
    ) -> None:
        self.root = root
        self._memo = ScanMemo(memo_folder, root) if memo_folder else None
        self.index = ModuleIndex(root)
        self.files: Dict[str, FileScan] = {}
        self._concerns_mapi = concerns_mapi
        self._excluded = _patterns(excluded)
        #: too many files: the project is not used
        self.too_large = False
        self._walk()
        self._imports: Dict[str, Set[str]] = {}
        #: the checked file's text in force (``use_text``): (module id, whether it
        #: joined the index, its scan as on disk)
        self._overlay: Optional[Tuple[str, bool, Optional[FileScan]]] = None
        self._analysed: Optional[FrozenSet[str]] = None
        self._needed: Optional[FrozenSet[str]] = None
        self._mapi: Set[str] = set()
        self._components: Dict[str, FrozenSet[str]] = {}

    # -- files ------------------------------------------------------------------------
    def mid_of(self, path: str) -> Optional[str]:
        """The module id of a file inside the root (None outside it)."""
        absolute = os.path.abspath(path)
        try:
            rel = os.path.relpath(absolute, self.root)
        except ValueError:  # another drive
            return None
        if rel.startswith(".."):
            return None
        return rel.replace(os.sep, "/")

    def excluded(self, path: str) -> bool:
        """flake8's ``exclude``: a pattern matches the name or the absolute path."""
        if self._excluded is None:
            return False
        match = self._excluded.match
        return bool(match(os.path.normcase(os.path.basename(path)))) or bool(
            match(os.path.normcase(os.path.abspath(path)))
        )

    def _walk(self) -> None:
        count = 0
        for folder, dirs, names in os.walk(self.root):
            keep = []
            for d in sorted(dirs):
                if d.startswith(".") or d in SKIPPED_DIRS:
                    continue
                full = os.path.join(folder, d)
                if os.path.islink(full) or self.excluded(full):
                    continue
                if os.path.exists(os.path.join(full, "pyvenv.cfg")):
                    continue  # a virtual environment
                if any(os.path.exists(os.path.join(full, m)) for m in ROOT_MARKERS):
                    continue  # a project of its own
                keep.append(d)
            dirs[:] = keep
            for name in sorted(names):
                if not name.endswith(PYTHON_SUFFIXES):
                    continue
                full = os.path.join(folder, name)
                if self.excluded(full):
                    continue
                mid = self.mid_of(full)
                if mid is None:
                    continue
                count += 1
                if count > MAX_FILES:
                    self.too_large = True
                    return
                self.index.add(mid, full)

    def scan(self, mid: str) -> Optional[FileScan]:
        found = self.files.get(mid)
        if found is None and mid in self.index.paths:
            found = self.files[mid] = self._read(mid, self.index.paths[mid])
        return found

    def _bytes(self, path: str) -> Optional[bytes]:
        """A regular file's bytes (a FIFO or device named ``*.py`` is never read:
        it could block forever); None when it cannot be read or is too large."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        return data if len(data) <= MAX_FILE_BYTES else None

    def _read(self, mid: str, path: str) -> FileScan:
        memo = self._memo
        read_ns = 0
        if memo is not None:
            try:
                key = stat_key(os.stat(path))
            except OSError:
                return FileScan(mid, path, False, False, unreadable=True)
            entry = memo.get(mid, key)
            if entry is not None:
                scan = FileScan(mid, path, entry.concerns, entry.service, entry=entry)
                scan.imports = list(entry.imports) if entry.imports is not None else None
                scan.digest = entry.digest
                return scan
            read_ns = now_ns()
        data = self._bytes(path)
        if data is None:
            return FileScan(mid, path, False, False, unreadable=True)
        lowered = data.lower()
        concerns = self._concerns_mapi(lowered)
        scan = FileScan(mid, path, concerns, concerns and _service_words(lowered))
        text = decode(data)
        if text is not None:
            # the imports now, while the bytes are at hand (the closures need most)
            scan.imports = scan_imports(text)
            if memo is not None:
                scan.entry = Entry(key, read_ns, concerns, scan.service_words, scan.imports, "")
                memo.put(mid, scan.entry)
        return scan

    def save_memo(self) -> None:
        """Write what this process learnt about the files (see ``scanmemo``)."""
        if self._memo is not None:
            self._memo.forget(set(self.index.paths))
            self._memo.save()

    def use_text(self, path: str, text: str) -> Optional[str]:
        """Use ``text`` as the content of ``path`` (stdin, an unsaved buffer, or
        the text flake8 decoded): it wins over what is on disk, for this file
        only, until the next call, which first puts the project back as it was
        (``end_text``) — what one checked file sees never leaks into the next.
        A file the project does not hold (under ``build/``, excluded, outside the
        walk) joins it meanwhile.  Returns the file's module id."""
        mid = self.mid_of(path)
        if mid is not None and self._overlay is not None and self._overlay[0] == mid:
            current = self.files.get(mid)
            if current is not None and current.text == normalize_newlines(text):
                return mid  # the same file and text again (the plugin, then the runner)
        self.end_text()
        if mid is None:
            return None
        added, old = self._apply_text(mid, path, text)
        self._overlay = (mid, added, old)
        return mid

    def pin_text(self, path: str, text: str) -> Optional[str]:
        """Like ``use_text``, but the text stays until pinned again (``fix`` holds
        its edits of several modules at once while it verifies them)."""
        self.end_text()
        mid = self.mid_of(path)
        if mid is not None:
            self._apply_text(mid, path, text)
        return mid

    def _apply_text(self, mid: str, path: str, text: str) -> Tuple[bool, Optional[FileScan]]:
        """Make ``text`` the module's; returns whether it joined the index, and
        its scan before."""
        text = normalize_newlines(text)
        added = mid not in self.index.paths
        if added:
            self.index.add(mid, os.path.abspath(path))
            self._changed(everything=True)
        # the file as on disk first (or as the memo remembers it), so that the
        # memo records the disk's content whichever file a process checks first
        old = self.scan(mid)
        if old is not None and old.text == text:
            return added, old
        digest = content_digest(text)
        if old is not None and old.text is None and not old.unreadable:
            # the file as on disk: the same text changes nothing
            if old.digest == digest if old.digest else self.text(mid) == text:
                old.text, old.digest = text, digest
                if old.imports is None:
                    old.imports = scan_imports(text)
                self._remember_digest(old)
                return added, old
        lowered = text.lower().encode("utf-8", "surrogatepass")
        concerns = self._concerns_mapi(lowered)
        scan = FileScan(
            mid,
            os.path.abspath(path),
            concerns,
            concerns and _service_words(lowered),
            text=text,
        )
        scan.imports = scan_imports(text)
        scan.digest = digest
        self.files[mid] = scan
        if _differ(old, scan):
            self._changed(mid)
        return added, old

    def end_text(self) -> None:
        """Put the project back as on disk (see ``use_text``)."""
        if self._overlay is None:
            return
        mid, added, old = self._overlay
        self._overlay = None
        current = self.files.get(mid)
        if added:
            self.index.remove(mid)
            self.files.pop(mid, None)
            self._changed(everything=True)
        elif current is not old:
            if old is None:
                self.files.pop(mid, None)
            else:
                self.files[mid] = old
            if _differ(old, current):
                self._changed(mid)

    def _changed(self, mid: str = "", everything: bool = False) -> None:
        """Forget what depends on a file's imports and words (or on the index)."""
        if everything:
            self._imports = {}
        else:
            self._imports.pop(mid, None)
        self._analysed = None
        self._needed = None
        self._components = {}

    def text(self, mid: str) -> Optional[str]:
        """A module's text (the overriding text, or what is on disk)."""
        scan = self.scan(mid)
        if scan is None or scan.unreadable:
            return None
        if scan.text is None:
            data = self._bytes(scan.path)
            text = decode(data) if data is not None else None
            if text is None:
                scan.unreadable = True
                return None
            return text
        return scan.text

    def digest(self, mid: str) -> str:
        """The hash of a module's text: its summary's key in the cache."""
        scan = self.scan(mid)
        if scan is None or scan.unreadable:
            return ""
        if not scan.digest:
            text = self.text(mid)
            scan.digest = content_digest(text) if text is not None else ""
            self._remember_digest(scan)
        return scan.digest

    def _remember_digest(self, scan: FileScan) -> None:
        """Keep a file's digest in the memo (it is the disk's text's)."""
        if scan.entry is not None and scan.digest and not scan.entry.digest:
            scan.entry.digest = scan.digest
            if self._memo is not None:
                self._memo.dirty = True

    # -- imports and relevance ------------------------------------------------------------
    def imports_of(self, mid: str) -> Set[str]:
        """Project modules a file's import statements name (and their packages)."""
        found = self._imports.get(mid)
        if found is not None:
            return found
        scan = self.scan(mid)
        out: Set[str] = set()
        if scan is not None and not scan.unreadable:
            if scan.imports is None:
                text = self.text(mid)
                scan.imports = scan_imports(text) if text is not None else []
            for ref in scan.imports:
                resolved = self.index.resolve(mid, ref)
                if resolved is not None and resolved[0] != mid:
                    out.add(resolved[0])
                    out.update(self._packages_of(resolved[0]))
        self._imports[mid] = out
        return out

    def _packages_of(self, mid: str) -> List[str]:
        """The ``__init__`` modules of the packages that hold ``mid`` (they run first)."""
        parts = mid.split("/")[:-1]
        out = []
        for i in range(1, len(parts) + 1):
            init = "/".join(parts[:i]) + "/__init__.py"
            if init in self.index.paths and init != mid:
                out.append(init)
        return out

    def relevance(self, is_service_path: Callable[[str], bool] = lambda p: False) -> FrozenSet[str]:
        """The modules worth analysing.

        Seeds are the modules that may concern MAPI and the service modules
        (service words in the text, or ``--mapi-service-paths``) with their
        direct importers (a subclass of a project service base class).  Worth
        analysing: the MAPI modules, and the service modules with everything
        they import, transitively (service code may reach it)."""
        if self._analysed is None:
            for mid in self.index.paths:
                self.scan(mid)
            self._mapi = {m for m, s in self.files.items() if s.concerns_mapi}
            service = {
                m
                for m, s in self.files.items()
                if s.service_words or (not s.unreadable and is_service_path(s.path))
            }
            service |= self._direct_importers(service)
            self._analysed = frozenset(self._mapi | _closure(service, self.imports_of))
            self.save_memo()
        return self._analysed

    def needed(self, is_service_path: Callable[[str], bool] = lambda p: False) -> FrozenSet[str]:
        """The modules whose summaries an analysed module may need: those worth
        analysing and everything the MAPI modules import, transitively."""
        if self._needed is None:
            analysed = self.relevance(is_service_path)
            self._needed = frozenset(analysed | _closure(self._mapi, self.imports_of))
        return self._needed

    def _direct_importers(self, targets: Set[str]) -> Set[str]:
        """Modules importing one of ``targets``."""
        if not targets:
            return set()
        return {
            mid
            for mid, scan in self.files.items()
            if mid not in targets and not scan.unreadable and self.imports_of(mid) & targets
        }

    def component(self, mid: str, needed: FrozenSet[str]) -> FrozenSet[str]:
        """The needed modules connected to ``mid`` by imports (either way)."""
        if mid not in needed:
            return frozenset({mid})
        found = self._components.get(mid)
        if found is not None:
            return found
        undirected: Dict[str, Set[str]] = {}
        for a in needed:
            for b in self.imports_of(a):
                if b in needed:
                    undirected.setdefault(a, set()).add(b)
                    undirected.setdefault(b, set()).add(a)
        members = frozenset(_closure({mid}, lambda m: undirected.get(m, set())))
        for m in members:
            self._components[m] = members
        return members


def _differ(a: Optional[FileScan], b: Optional[FileScan]) -> bool:
    """Two scans of a file tell the project different things."""
    if a is None or b is None:
        return a is not b
    return (
        a.imports != b.imports
        or a.concerns_mapi != b.concerns_mapi
        or a.service_words != b.service_words
        or a.unreadable != b.unreadable
    )


def _service_words(lowered: bytes) -> bool:
    return b"service" in lowered and any(word in lowered for word in SERVICE_WORDS)


def _closure(seeds: Iterable[str], successors: Callable[[str], Set[str]]) -> Set[str]:
    seen = set(seeds)
    todo = list(seen)
    while todo:
        current = todo.pop()
        for nxt in successors(current):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _patterns(patterns: Sequence[str]) -> Optional[re.Pattern[str]]:
    """flake8's exclude patterns as one expression (``fnmatch`` semantics)."""
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(os.path.normcase(p)) for p in patterns))


def content_digest(text: str) -> str:
    """The key of a text's summary in the cache (with the plugin's version)."""
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def normalize_newlines(text: str) -> str:
    """Python's universal newlines (what flake8 hands the plugin)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def decode(data: bytes) -> Optional[str]:
    """A Python file's text, as Python reads it (a BOM or a coding line); None
    when it cannot be decoded."""
    encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    else:
        for line in data.split(b"\n", 2)[:2]:
            m = _CODING.match(line)
            if m:
                encoding = m.group(1).decode("ascii", "replace")
                break
    try:
        return normalize_newlines(data.decode(encoding))
    except (LookupError, UnicodeDecodeError):
        return None


class Projects:
    """The projects one process has read, by root and by the options that shape
    them (a project is scanned once per process)."""

    def __init__(self) -> None:
        self._projects: Dict[Tuple[object, ...], Project] = {}

    def for_file(
        self,
        filename: str,
        *,
        root: Optional[str],
        excluded: Sequence[str],
        concerns_mapi: Callable[[bytes], bool],
        cache_dir: str = "",
        no_cache: bool = True,
    ) -> Optional[Tuple[Project, str]]:
        """The project of a checked file and the file's module id; None when the
        file is outside its root or the project is too large to read.  With a
        cache folder, the project's scan is remembered there (``scanmemo``)."""
        top = find_root(filename, root)
        folder = memo_folder(cache_dir, no_cache)
        key = (top, tuple(excluded), folder)
        project = self._projects.get(key)
        if project is None:
            project = self._projects[key] = Project(top, concerns_mapi, excluded, folder)
        if project.too_large:
            return None
        mid = project.mid_of(filename)
        if mid is None:
            return None
        return project, mid

    def for_settings(self, filename: str, settings: Settings) -> Optional[Tuple[Project, str]]:
        """``for_file`` with the user's options (root, exclude, cache)."""
        return self.for_file(
            filename,
            root=settings.project_root or None,
            excluded=settings.exclude,
            concerns_mapi=lowered_bytes_concern_mapi,
            cache_dir=settings.cache_dir,
            no_cache=settings.no_cache,
        )

    def clear(self) -> None:
        self._projects.clear()


#: this process's projects
PROJECTS = Projects()
