"""Bindings: which names and attribute chains mean which API.

``Resolver.ref`` turns an expression into a *reference string*:

- ``"win32com.mapi.mapi.MAPILogonEx"``, ``"win32event.INFINITE"``,
  ``"threading.Event"``: a module attribute, with the module spelled
  canonically (``win32comext`` is ``win32com``, ``win32.lib.win32con`` is
  ``win32con``);
- ``"dll:mapi"`` / ``"dll:mapi.MAPILogonEx"``: a ctypes DLL object for
  mapi32/olmapi32 (or user32, kernel32, ole32, advapi32) and its functions;
- ``"fn:Service.SvcDoRun"`` / ``"cls:MAPIINIT_0"``: a function or class of the
  module itself (never MAPI, whatever its name).

``api_key`` turns a reference into the key rules match on: ``"mapi.MAPILogonEx"``
for both pywin32 and ctypes, ``"kernel32.WaitForSingleObject"``, ...

Resolution is flow-insensitive: a name whose bindings in its scope disagree
(``x = mapi`` here, ``x = other`` there) resolves to nothing.  ``None``
assignments are ignored (``mapi = None`` in an ``except ImportError``).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple, TypeVar

import libcst as cst

from .apis import (
    DLL_ALIASES,
    DLL_LOADER_ATTRS,
    DLL_LOADER_CALLS,
    MAPI_FUNCTIONS,
    SIMPLE_MAPI_FUNCTIONS,
    STAR_EXPORTS,
)
from .model import (
    AssignSource,
    ClassInfo,
    ClassSource,
    DefSource,
    FunctionScope,
    ImportSource,
    ModuleModel,
    Scope,
)

MAPI_MODULE = "win32com.mapi.mapi"
_UNSET = object()
_BUILTINS: FrozenSet[str] = frozenset(dir(builtins))
_MAX_DEPTH = 40


@lru_cache(maxsize=4096)
def canonical(dotted: str) -> str:
    parts = dotted.split(".")
    if parts[0] == "win32comext":
        parts[0] = "win32com"
    elif parts[0] in ("win32", "pythonwin") and len(parts) > 1:
        parts = parts[1:]
        if parts[0] == "lib" and len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts)


#: the head of a reference to a name a module's star imports may provide
#: (``STAR_REF + "FLAGS"``); only the project can say which module defines it
STAR_REF = "*."


def star_exports(module: str) -> Optional[Tuple[str, FrozenSet[str]]]:
    """(canonical module, names) that ``from module import *`` provides, for the
    modules whose star import the analysis follows; None for any other module."""
    mod = canonical(module)
    exports = STAR_EXPORTS.get("mapi" if mod == MAPI_MODULE else mod)
    return (mod, exports) if exports is not None else None


def normalize_dll(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if base.endswith(".dll"):
        base = base[:-4]
    return DLL_ALIASES.get(base, base)


def api_key(ref: Optional[str]) -> Tuple[Optional[str], str]:
    """(key, flavour) for a reference: ("mapi.MAPILogonEx", "pywin32")."""
    if ref is None:
        return None, ""
    if ref.startswith("dll:"):
        body = ref[4:]
        if "." not in body:
            return None, ""
        return body, "ctypes"
    if ref.startswith(("fn:", "cls:")):
        return None, ""
    if ref.startswith(MAPI_MODULE + "."):
        name = ref[len(MAPI_MODULE) + 1 :]
        if name in _NOT_IN_PYWIN32:
            # pywin32's mapi module has no Simple MAPI: mapi.MAPILogon raises
            # AttributeError and never reaches mapi32.dll
            return "module:" + ref, "python"
        return "mapi." + name, "pywin32"
    if ref.split(".", 1)[0] in _RESERVED_KEY_HEADS:
        # a module of the user's own named ``mapi`` or ``kernel32`` is not the API
        return "module:" + ref, "python"
    return ref, "python"


_NOT_IN_PYWIN32 = SIMPLE_MAPI_FUNCTIONS - MAPI_FUNCTIONS

#: the first segment of the keys the analysis itself gives to MAPI, MAPI
#: objects' methods and ctypes DLL functions
_RESERVED_KEY_HEADS = frozenset({"mapi", "mapiobj", *DLL_ALIASES.values()})


T = TypeVar("T")

#: one binding: its value (None when it is not an expression) and the scope it is read in
BoundValue = Tuple[Optional[cst.BaseExpression], Scope]


@dataclass(frozen=True)
class Bound:
    """Every binding of a name, or of ``self.x`` in a class (and its module bases)."""

    key: Tuple[int, str]  # (scope or class id, name): for caches and cycle guards
    values: List[BoundValue]
    volatile: bool  # rebound where the analysis cannot follow (walrus, nonlocal writes)


def agreed(
    values: Iterable[BoundValue], evaluate: Callable[[cst.BaseExpression, Scope], Optional[T]]
) -> Optional[T]:
    """The one result every binding evaluates to; ``None`` literal bindings are
    skipped (``session = None`` before the logon).  None when a binding is not an
    expression, does not evaluate, or two disagree."""
    found: Optional[T] = None
    for value, where in values:
        if value is None:
            return None
        if isinstance(value, cst.Name) and value.value == "None":
            continue
        result = evaluate(value, where)
        if result is None or (found is not None and result != found):
            return None
        found = result
    return found


def string_literal(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        if isinstance(value, str):
            return value
    return None


class Resolver:
    def __init__(self, model: ModuleModel) -> None:
        self.model = model
        self._active: Set[Tuple[int, str]] = set()
        #: a name's reference per binding scope, once resolved without a cut (a
        #: cycle or the depth bound), which a resolution in progress could cause
        self._names: Dict[Tuple[int, str], Optional[str]] = {}
        self._cuts = 0
        self._fn_by_qualname: Dict[str, FunctionScope] = {}
        self._cls_by_name: Dict[str, ClassInfo] = {}
        for fn in model.functions:
            if fn.kind == "function":
                self._fn_by_qualname.setdefault(fn.qualname, fn)
        for cls in model.classes:
            self._cls_by_name.setdefault(cls.scope.qualname, cls)

    # -- scope lookup ---------------------------------------------------------
    def binding_scope(self, name: str, scope: Scope) -> Optional[Scope]:
        """The scope whose binding of ``name`` is visible from ``scope``."""
        if name in scope.global_names:
            module = self.model.scope
            return module if name in module.bindings else None
        current: Optional[Scope] = scope
        first = True
        while current is not None:
            if (first or current.kind != "class") and name in current.bindings:
                if name not in current.nonlocal_names:
                    return current
            first = False
            current = current.parent
        return None

    def function(self, ref: Optional[str]) -> Optional[FunctionScope]:
        if ref is not None and ref.startswith("fn:"):
            return self._fn_by_qualname.get(ref[3:])
        return None

    def klass(self, ref: Optional[str]) -> Optional[ClassInfo]:
        if ref is not None and ref.startswith("cls:"):
            return self._cls_by_name.get(ref[4:])
        return None

    # -- references --------------------------------------------------------------
    def ref(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[str]:
        if depth > _MAX_DEPTH:
            self._cuts += 1
            return None
        if isinstance(node, cst.Name):
            return self._name_ref(node.value, scope, depth)
        if isinstance(node, cst.Attribute):
            return self._attr_ref(node, scope, depth)
        if isinstance(node, cst.Call):
            return self._call_ref(node, scope, depth)
        if isinstance(node, cst.IfExp):
            # ``mapi if fast else mapi``: the same either way
            body = self.ref(node.body, scope, depth + 1)
            return body if body == self.ref(node.orelse, scope, depth + 1) else None
        if isinstance(node, cst.Subscript):
            base = self.ref(node.value, scope, depth + 1)
            if base is not None and base.startswith("dll:") and "." not in base:
                if len(node.slice) == 1:
                    sl = node.slice[0].slice
                    if isinstance(sl, cst.Index):
                        name = string_literal(sl.value)
                        if name:
                            return f"{base}.{name}"
        return None

    def name_ref(self, name: str, scope: Scope) -> Optional[str]:
        return self._name_ref(name, scope, 0)

    def _name_ref(self, name: str, scope: Scope, depth: int) -> Optional[str]:
        owner = self.binding_scope(name, scope)
        if owner is None:
            return self._name_ref_uncached(name, scope, depth)
        key = (id(owner), name)
        known = self._names.get(key, _UNSET)
        if known is not _UNSET:
            return known  # type: ignore[return-value]
        cuts = self._cuts
        result = self._name_ref_uncached(name, scope, depth)
        if cuts == self._cuts:
            self._names[key] = result
        return result

    def _name_ref_uncached(self, name: str, scope: Scope, depth: int) -> Optional[str]:
        owner = self.binding_scope(name, scope)
        if owner is None:
            module = self.model.scope
            opaque = False
            for star in module.star_imports + (scope.star_imports if scope is not module else []):
                found = star_exports(star)
                if found is None:
                    opaque = True
                elif name in found[1]:
                    return f"{found[0]}.{name}"
            if name in _BUILTINS:
                return f"builtins.{name}"
            if opaque and module.star_imports:
                # a name the module never binds may come from ``from .config import *``:
                # the project (``link``) looks it up in the star-imported modules
                return STAR_REF + name
            return None
        key = (id(owner), name)
        if key in self._active:
            self._cuts += 1
            return None
        self._active.add(key)
        try:
            refs: Set[str] = set()
            sources = owner.bindings[name]
            if any(isinstance(source, AssignSource) for source in sources):
                # ``X = ...`` and a star import that provides X: either may be the
                # one in force (the flow evaluation knows their order)
                for star in owner.star_imports:
                    found = star_exports(star)
                    if found is not None and name in found[1]:
                        refs.add(f"{found[0]}.{name}")
                        break
            for source in sources:
                if isinstance(source, ImportSource):
                    refs.add(canonical(source.qualname))
                elif isinstance(source, DefSource):
                    refs.add("fn:" + source.function.qualname)
                elif isinstance(source, ClassSource):
                    refs.add("cls:" + source.cls.scope.qualname)
                elif isinstance(source, AssignSource):
                    value = source.value
                    if value is None:
                        return None
                    if isinstance(value, cst.Name) and value.value == "None":
                        continue
                    r = self.ref(value, owner, depth + 1)
                    if r is None:
                        return None
                    refs.add(r)
                else:
                    return None
                if len(refs) > 1:
                    return None
            return refs.pop() if len(refs) == 1 else None
        finally:
            self._active.discard(key)

    def _attr_ref(self, node: cst.Attribute, scope: Scope, depth: int) -> Optional[str]:
        attr = node.attr.value
        cls_attr = self.self_attr_ref(node, scope, depth)
        if cls_attr is not None:
            return cls_attr
        base = self.ref(node.value, scope, depth + 1)
        if base is None:
            return None
        if base.startswith("dll:"):
            return f"{base}.{attr}" if "." not in base else None
        if base in DLL_LOADER_ATTRS:
            if attr == "LoadLibrary":
                return f"{base}.LoadLibrary"
            return "dll:" + normalize_dll(attr)
        if base.startswith("cls:"):
            cls = self.klass(base)
            if cls is not None:
                method = cls.methods.get(attr)
                if method is not None:
                    return "fn:" + method.qualname
            return None
        if base.startswith("fn:") or base.startswith("builtins."):
            return None
        return canonical(f"{base}.{attr}")

    def _call_ref(self, node: cst.Call, scope: Scope, depth: int) -> Optional[str]:
        func = self.ref(node.func, scope, depth + 1)
        if func in DLL_LOADER_CALLS and node.args:
            first = node.args[0]
            if first.keyword is None or first.keyword.value == "name":
                text = self.string_value(first.value, scope)
                if text:
                    return "dll:" + normalize_dll(text)
        if (
            func == "builtins.getattr"
            and len(node.args) in (2, 3)
            and not any(arg.star or arg.keyword is not None for arg in node.args)
        ):
            # getattr(mapi32, "MAPISendMailW"[, None]): a DLL function looked up by name
            base = self.ref(node.args[0].value, scope, depth + 1)
            name = string_literal(node.args[1].value)
            if base is not None and base.startswith("dll:") and "." not in base and name:
                return f"{base}.{name}"
        return None

    def string_value(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        text = string_literal(node)
        if text is not None:
            return text
        if isinstance(node, cst.Call) and node.args and not node.args[-1].star:
            # os.path.join(install_dir, "olmapi32.dll"): only the file name matters
            if self.ref(node.func, scope) in ("os.path.join", "ntpath.join", "posixpath.join"):
                return string_literal(node.args[-1].value)
            return None
        if isinstance(node, cst.Name):
            owner = self.binding_scope(node.value, scope)
            if owner is None:
                return None
            sources = owner.bindings[node.value]
            if len(sources) == 1 and isinstance(sources[0], AssignSource):
                return string_literal(sources[0].value)
        return None

    # -- self attributes ------------------------------------------------------------
    def method_of(self, scope: Scope) -> Optional[FunctionScope]:
        current: Optional[Scope] = scope
        while isinstance(current, FunctionScope):
            if current.cls is not None:
                return current
            current = current.parent
        return None

    def self_class(self, node: cst.BaseExpression, scope: Scope) -> Optional[ClassInfo]:
        """The class when ``node`` is the instance parameter of a method."""
        if not isinstance(node, cst.Name):
            return None
        method = self.method_of(scope)
        if method is None or method.self_name != node.value or method.cls is None:
            return None
        # a nested function rebinding the name hides the instance
        owner = self.binding_scope(node.value, scope)
        if owner is not method:
            return None
        return method.cls

    def class_lineage(self, cls: ClassInfo) -> List[ClassInfo]:
        """The class and its same-module base classes (cycle-safe)."""
        out: List[ClassInfo] = []
        todo = [cls]
        while todo:
            c = todo.pop()
            if c in out:
                continue
            out.append(c)
            for base in c.bases:
                bref = self.ref(base, c.outer)
                bcls = self.klass(bref)
                if bcls is not None:
                    todo.append(bcls)
        return out

    def self_attr_sources(
        self, cls: ClassInfo, attr: str
    ) -> List[Tuple[Optional[cst.BaseExpression], FunctionScope]]:
        out: List[Tuple[Optional[cst.BaseExpression], FunctionScope]] = []
        for c in self.class_lineage(cls):
            out.extend(c.self_attrs.get(attr, ()))
        return out

    def bound(self, node: cst.BaseExpression, scope: Scope) -> Optional[Bound]:
        """The bindings of a name, or of ``self.x`` in a method; None for anything else."""
        if isinstance(node, cst.Name):
            owner = self.binding_scope(node.value, scope)
            if owner is None:
                return None
            values: List[BoundValue] = [
                (s.value if isinstance(s, AssignSource) else None, owner)
                for s in owner.bindings[node.value]
            ]
            return Bound((id(owner), node.value), values, node.value in owner.volatile)
        if isinstance(node, cst.Attribute):
            cls = self.self_class(node.value, scope)
            if cls is None:
                return None
            sources: List[BoundValue] = list(self.self_attr_sources(cls, node.attr.value))
            return Bound((id(cls), "self." + node.attr.value), sources, False)
        return None

    def self_attr_ref(self, node: cst.Attribute, scope: Scope, depth: int) -> Optional[str]:
        cls = self.self_class(node.value, scope)
        if cls is None:
            return None
        attr = node.attr.value
        sources = self.self_attr_sources(cls, attr)
        if not sources:
            for c in self.class_lineage(cls):
                method = c.methods.get(attr)
                if method is not None:
                    return "fn:" + method.qualname
            return None
        key = (id(cls), "self." + attr)
        if key in self._active:
            self._cuts += 1
            return None
        self._active.add(key)
        try:
            return agreed(sources, lambda value, where: self.ref(value, where, depth + 1))
        finally:
            self._active.discard(key)

    # -- classes ---------------------------------------------------------------------
    def derives_from(self, cls: ClassInfo, qualnames: FrozenSet[str]) -> bool:
        for c in self.class_lineage(cls):
            for base in c.bases:
                if self.ref(base, c.outer) in qualnames:
                    return True
        return False

    def struct_fields(self, cls: ClassInfo) -> Optional[List[str]]:
        """ctypes Structure fields of a same-module class (own or inherited)."""
        lineage = self.class_lineage(cls)
        if not self.derives_from(cls, CTYPES_STRUCTURES):
            return None
        for c in lineage:
            if c.fields is not None:
                return c.fields
        return None


CTYPES_STRUCTURES: FrozenSet[str] = frozenset(
    {
        "ctypes.Structure",
        "ctypes.LittleEndianStructure",
        "ctypes.BigEndianStructure",
    }
)
