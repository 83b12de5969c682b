"""The module model, built in the one traversal of the one parse.

``build_model`` walks the libcst tree once and records what every later
question needs: scopes (module, classes, functions, lambdas), the bindings of
each scope, classes with their bases and ``self.x`` assignments, and every
call site with its scope and the statement that contains it.  Nothing is
resolved here: bindings and values are resolved lazily by ``bindings`` and
``flow`` once the whole module is known (a function may use a name the module
binds after it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from .structure import body_units, small_statements, suite_units

# -- binding sources ------------------------------------------------------------


@dataclass(frozen=True)
class ImportSource:
    """``import a.b as x`` / ``from a import b``: the name means ``qualname``.

    A relative import keeps its leading dots: ``from .config import X`` binds X
    to ".config.X", ``from . import mailer`` binds mailer to ".mailer"; the
    project resolves them against the importing module's package."""

    qualname: str


@dataclass(frozen=True)
class AssignSource:
    """``x = value`` (value is None for a binding whose value is not an expression)."""

    value: Optional[cst.BaseExpression]


@dataclass(frozen=True)
class DefSource:
    function: FunctionScope


@dataclass(frozen=True)
class ClassSource:
    cls: ClassInfo


@dataclass(frozen=True)
class OpaqueSource:
    """A binding the analysis does not follow (loop target, ``with ... as``, del)."""

    kind: str


Source = Union[ImportSource, AssignSource, DefSource, ClassSource, OpaqueSource]


# -- scopes ------------------------------------------------------------------------


@dataclass(eq=False)
class Scope:
    kind: str  # "module" | "class" | "function" | "lambda"
    name: str
    node: cst.CSTNode
    parent: Optional[Scope]
    bindings: Dict[str, List[Source]] = field(default_factory=dict)
    star_imports: List[str] = field(default_factory=list)
    global_names: Set[str] = field(default_factory=set)
    nonlocal_names: Set[str] = field(default_factory=set)
    #: names bound where the flow evaluation cannot follow (walrus, closures
    #: that write them through ``nonlocal``): always unknown.
    volatile: Set[str] = field(default_factory=set)
    calls: List[CallSite] = field(default_factory=list)
    #: the modules this scope's import statements name (``import a.b`` -> "a.b";
    #: ``from a import b`` -> "a" and "a.b"; relative ones keep their dots)
    imports: List[str] = field(default_factory=list)

    def bind(self, name: str, source: Source) -> None:
        self.bindings.setdefault(name, []).append(source)

    @property
    def qualname(self) -> str:
        parts: List[str] = []
        scope: Optional[Scope] = self
        while scope is not None and scope.kind != "module":
            parts.append(scope.name)
            scope = scope.parent
        return ".".join(reversed(parts))


@dataclass(eq=False)
class Param:
    name: str
    default: Optional[cst.BaseExpression]
    kind: str  # "posonly" | "pos" | "kwonly" | "star" | "starstar"


@dataclass(eq=False)
class FunctionScope(Scope):
    #: the function's identity in its module: its qualified name, with ``#2``, ``#3``...
    #: for later definitions of the same name (lambdas: ``outer.<lambda>``)
    fid: str = ""
    params: List[Param] = field(default_factory=list)
    #: the class whose body defines this function (a method), if any
    cls: Optional[ClassInfo] = None
    returns: List[Optional[cst.BaseExpression]] = field(default_factory=list)
    decorators: Sequence[cst.Decorator] = ()

    @property
    def body(self) -> Sequence[cst.CSTNode]:
        """The units of the function's body (none for a lambda)."""
        return body_units(self.node)

    @property
    def self_name(self) -> Optional[str]:
        """The name of the instance parameter of a plain method."""
        if self.cls is None or not self.params:
            return None
        for deco in self.decorators:
            d = deco.decorator
            if isinstance(d, cst.Name) and d.value in ("staticmethod", "classmethod"):
                return None
        first = self.params[0]
        return first.name if first.kind in ("posonly", "pos") else None


@dataclass(eq=False)
class ClassInfo:
    name: str
    node: cst.ClassDef
    scope: Scope  # the class body scope
    outer: Scope  # the scope that defines the class
    #: the class's identity in its module (qualified name, ``#2``... for redefinitions)
    cid: str = ""
    bases: List[cst.BaseExpression] = field(default_factory=list)
    methods: Dict[str, FunctionScope] = field(default_factory=dict)
    #: ``self.x = value`` anywhere in a method: x -> [(value or None, method)]
    self_attrs: Dict[str, List[Tuple[Optional[cst.BaseExpression], FunctionScope]]] = field(
        default_factory=dict
    )
    #: ctypes ``_fields_`` names, when the body assigns a literal list of them
    fields: Optional[List[str]] = None


@dataclass(eq=False)
class CallSite:
    node: cst.Call
    scope: Scope
    #: the innermost statement containing the call: a small statement, or the
    #: compound statement whose header (test, iterator, items) contains it
    stmt: cst.CSTNode
    #: pre-order index among all calls of the module (maps to positions)
    index: int
    #: the call is the whole of an expression statement (its result is discarded)
    discarded: bool = False
    #: the call is directly the value of ``name = <call>``
    assigned_to: Optional[str] = None
    # filled in by the engine once bindings are known
    key: Optional[str] = None
    flavour: str = ""  # "pywin32" | "ctypes" | "method" | "local" | ""
    target: Optional[FunctionScope] = None  # a same-module function called
    receiver: Optional[str] = None  # provenance tag of a MAPI object's method call


@dataclass(eq=False)
class ModuleModel:
    module: cst.Module
    scope: Scope
    functions: List[FunctionScope]
    classes: List[ClassInfo]
    calls: List[CallSite]
    class_by_node: Dict[cst.ClassDef, ClassInfo]


# -- the traversal ----------------------------------------------------------------------


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


class Hidden:
    def __repr__(self) -> str:
        return "HIDDEN"


#: an argument that may be passed through ``*args`` / ``**kwargs``
HIDDEN = Hidden()


def argument(
    call: cst.Call, index: Optional[int], keyword: str = ""
) -> Union[cst.BaseExpression, None, Hidden]:
    """The argument a call passes at position ``index`` or as ``keyword``.

    None when it is omitted; ``HIDDEN`` when a ``*args`` / ``**kwargs`` before
    it (or anywhere, for a keyword) may hold it.  A keyword argument wins."""
    if keyword:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    position = 0
    for arg in call.args:
        if arg.star:
            return HIDDEN
        if arg.keyword is not None:
            continue
        if position == index:
            return arg.value
        position += 1
    return None


def argument_for_param(
    call: cst.Call, fn: FunctionScope, param: Param, bound: bool
) -> Union[cst.BaseExpression, None, Hidden]:
    """The argument a call of ``fn`` passes for ``param`` (None: omitted, so the
    default; ``HIDDEN``: maybe behind ``*args``/``**kwargs``).  ``bound``: the call
    passes the instance implicitly (``obj.method(...)``)."""
    offset = 1 if (bound and fn.cls is not None and fn.self_name is not None) else 0
    position: Optional[int] = None
    if param.kind in ("posonly", "pos"):
        position = fn.params.index(param) - offset
        if position < 0:
            return None
    elif param.kind != "kwonly":
        return HIDDEN  # *args / **kwargs collect whatever is passed
    return argument(call, position, param.name if param.kind != "posonly" else "")


def argument_expr(
    call: cst.Call, index: Optional[int], keyword: str = ""
) -> Optional[cst.BaseExpression]:
    """``argument`` for callers that treat a hidden argument as an absent one."""
    value = argument(call, index, keyword)
    return value if isinstance(value, cst.BaseExpression) else None


def _import_module_name(node: cst.ImportFrom) -> Optional[str]:
    """The module a ``from`` import names; a relative one keeps its leading dots
    (``from .config import X``: ".config"; ``from . import x``: ".")."""
    dots = "." * len(node.relative)
    if node.module is None:
        return dots or None
    name = dotted_name(node.module)
    if name is None:
        return None
    return dots + name


_STATEMENTS = (
    cst.BaseSmallStatement,
    cst.BaseCompoundStatement,
)


class _Walker(cst.CSTVisitor):
    """Collects the module model.  One instance per parse."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module_scope = Scope("module", "<module>", module, None)
        self.scopes: List[Scope] = [self.module_scope]
        self.functions: List[FunctionScope] = []
        self.classes: List[ClassInfo] = []
        self.class_by_node: Dict[cst.ClassDef, ClassInfo] = {}
        self.calls: List[CallSite] = []
        self.stmts: List[cst.CSTNode] = [module]
        self.class_stack: List[ClassInfo] = []
        #: imports under ``if TYPE_CHECKING:``: they bind names but never run
        self.unrun_imports: Set[int] = set()

    # -- scope helpers --------------------------------------------------------
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def _bind_target(self, target: cst.BaseExpression, source: Source) -> None:
        scope = self.scope
        if isinstance(target, cst.Name):
            scope.bind(target.value, source)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                inner = el.value
                self._bind_target(inner, OpaqueSource("unpack"))
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, OpaqueSource("unpack"))
        elif isinstance(target, cst.Attribute):
            self._bind_self_attr(target, source)

    def _bind_self_attr(self, target: cst.Attribute, source: Source) -> None:
        scope = self.scope
        if not isinstance(scope, FunctionScope):
            return
        # the method may be nested inside helpers of the method; use the method
        method: Optional[FunctionScope] = scope
        while method is not None and method.cls is None:
            parent = method.parent
            method = parent if isinstance(parent, FunctionScope) else None
        if method is None or method.cls is None:
            return
        self_name = method.self_name
        if self_name is None:
            return
        if isinstance(target.value, cst.Name) and target.value.value == self_name:
            value = source.value if isinstance(source, AssignSource) else None
            method.cls.self_attrs.setdefault(target.attr.value, []).append((value, scope))

    # -- statements ------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _STATEMENTS):
            self.stmts.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, _STATEMENTS):
            self.stmts.pop()

    # -- definitions -------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        parent = self.scope
        cls = self.class_stack[-1] if parent.kind == "class" and self.class_stack else None
        fn = FunctionScope("function", node.name.value, node, parent, cls=cls)
        fn.decorators = node.decorators
        fn.params = _params(node.params)
        for p in fn.params:
            fn.bind(p.name, OpaqueSource("param"))
        parent.bind(node.name.value, DefSource(fn))
        if cls is not None:
            cls.methods[node.name.value] = fn
        self.functions.append(fn)
        self.scopes.append(fn)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        fn = FunctionScope("lambda", "<lambda>", node, self.scope)
        fn.params = _params(node.params)
        for p in fn.params:
            fn.bind(p.name, OpaqueSource("param"))
        fn.returns.append(node.body)
        self.functions.append(fn)
        self.scopes.append(fn)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.scope
        body_scope = Scope("class", node.name.value, node, outer)
        info = ClassInfo(node.name.value, node, body_scope, outer)
        info.bases = [a.value for a in node.bases if a.keyword is None and not a.star]
        info.fields = _ctypes_fields(node)
        outer.bind(node.name.value, ClassSource(info))
        self.classes.append(info)
        self.class_by_node[node] = info
        self.class_stack.append(info)
        self.scopes.append(body_scope)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scopes.pop()
        self.class_stack.pop()

    # -- bindings ----------------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        test = node.test
        name = test.attr.value if isinstance(test, cst.Attribute) else None
        if isinstance(test, cst.Name):
            name = test.value
        if name == "TYPE_CHECKING":
            todo: List[cst.CSTNode] = [node.body]
            while todo:
                current = todo.pop()
                if isinstance(current, (cst.Import, cst.ImportFrom)):
                    self.unrun_imports.add(id(current))
                elif not isinstance(current, cst.BaseExpression):
                    todo.extend(current.children)

    def visit_Import(self, node: cst.Import) -> None:
        runs = id(node) not in self.unrun_imports
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if runs:
                self.scope.imports.append(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, ImportSource(full))
            else:
                head = full.split(".", 1)[0]
                self.scope.bind(head, ImportSource(head))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _import_module_name(node)
        if module is not None and id(node) not in self.unrun_imports:
            self.scope.imports.append(module)
            if not isinstance(node.names, cst.ImportStar):
                sep = "" if module.endswith(".") else "."
                for alias in node.names:
                    name = dotted_name(alias.name)
                    if name is not None:
                        self.scope.imports.append(module + sep + name)
        if isinstance(node.names, cst.ImportStar):
            if module is not None:
                self.scope.star_imports.append(module)
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            bound = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
            if module is None:
                self.scope.bind(bound, OpaqueSource("import"))
            elif module.endswith("."):
                self.scope.bind(bound, ImportSource(module + name))  # from . import x: ".x"
            else:
                self.scope.bind(bound, ImportSource(f"{module}.{name}"))

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind_target(t.target, AssignSource(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, AssignSource(node.value))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # the name keeps its binding; its value changes (flow follows that)
        if isinstance(node.target, cst.Name):
            self.scope.bind(node.target.value, OpaqueSource("augassign"))
        elif isinstance(node.target, cst.Attribute):
            self._bind_self_attr(node.target, OpaqueSource("augassign"))

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, OpaqueSource("for"))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, OpaqueSource("with"))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.scope.bind(node.name.name.value, OpaqueSource("except"))

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.scope.bind(node.name.name.value, OpaqueSource("except"))

    def visit_Del(self, node: cst.Del) -> None:
        self._bind_target(node.target, OpaqueSource("del"))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            scope = self.scope
            scope.bind(node.target.value, OpaqueSource("walrus"))
            scope.volatile.add(node.target.value)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.scope.bind(node.name.value, OpaqueSource("match"))

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if isinstance(node.name, cst.Name):
            self.scope.bind(node.name.value, OpaqueSource("match"))

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.scope.bind(node.rest.value, OpaqueSource("match"))

    def visit_Global(self, node: cst.Global) -> None:
        # a module name becomes volatile only where a function assigns it (build_model)
        for item in node.names:
            self.scope.global_names.add(item.name.value)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            name = item.name.value
            self.scope.nonlocal_names.add(name)
            parent = self.scope.parent
            while parent is not None:
                if isinstance(parent, FunctionScope) and name in parent.bindings:
                    parent.volatile.add(name)
                    break
                parent = parent.parent

    def visit_Return(self, node: cst.Return) -> None:
        scope = self.scope
        if isinstance(scope, FunctionScope):
            scope.returns.append(node.value)

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        stmt = self.stmts[-1]
        site = CallSite(node, self.scope, stmt, len(self.calls))
        if isinstance(stmt, cst.Expr) and stmt.value is node:
            site.discarded = True
        elif (
            isinstance(stmt, cst.Assign)
            and stmt.value is node
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0].target, cst.Name)
        ):
            site.assigned_to = stmt.targets[0].target.value
        self.calls.append(site)
        self.scope.calls.append(site)


def _params(params: cst.Parameters) -> List[Param]:
    out: List[Param] = []
    for p in params.posonly_params:
        out.append(Param(p.name.value, p.default, "posonly"))
    for p in params.params:
        out.append(Param(p.name.value, p.default, "pos"))
    if isinstance(params.star_arg, cst.Param):
        out.append(Param(params.star_arg.name.value, None, "star"))
    for p in params.kwonly_params:
        out.append(Param(p.name.value, p.default, "kwonly"))
    if params.star_kwarg is not None:
        out.append(Param(params.star_kwarg.name.value, None, "starstar"))
    return out


def _ctypes_fields(node: cst.ClassDef) -> Optional[List[str]]:
    for unit in suite_units(node.body):
        for small in small_statements(unit) or ():
            if not isinstance(small, cst.Assign):
                continue
            if not any(
                isinstance(t.target, cst.Name) and t.target.value == "_fields_"
                for t in small.targets
            ):
                continue
            value = small.value
            if not isinstance(value, (cst.List, cst.Tuple)):
                return None
            names: List[str] = []
            for el in value.elements:
                item = el.value
                if not isinstance(item, (cst.Tuple, cst.List)) or not item.elements:
                    return None
                first = item.elements[0].value
                if not isinstance(first, cst.SimpleString):
                    return None
                names.append(
                    first.evaluated_value if isinstance(first.evaluated_value, str) else ""
                )
            return names
    return None


# -- the fast traversal ------------------------------------------------------------------
#
# libcst's own ``module.visit(visitor)`` rebuilds every node it leaves (it is a
# transformer underneath) and dispatches through several Python frames per node:
# on MAPI-dense files it cost more than the parse.  ``walk`` visits the same
# nodes in the same order (libcst's lexical order, so the k-th call is still the
# k-th call) with the same ``visit_<Type>`` / ``leave_<Type>`` hooks and the same
# statement stack as ``_Walker.on_visit`` / ``on_leave``, iteratively (no
# recursion, whatever the nesting), and skips the whitespace, punctuation and
# operator tokens no hook looks at.  tests/test_equivalence.py checks it against
# libcst's visitor and the field order below against libcst's source.

#: token-like nodes that never contain an expression or a statement
_TOKENS: Tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseUnaryOp,
    cst.BaseCompOp,
    cst.BaseAugOp,
    cst.Asynchronous,
)
#: fields that only ever hold such tokens (skipped without looking)
_TOKEN_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "comma",
        "semicolon",
        "newline",
        "trailing_whitespace",
        "leading_whitespace",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "equal",
        "colon",
        "first_colon",
        "second_colon",
        "dot",
        "operator",
        "asynchronous",
    }
)
#: node types whose dataclass field order is not their lexical (visit) order
_LEXICAL_ORDER: Dict[str, Tuple[str, ...]] = {
    "Arg": ("keyword", "value"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "IfExp": ("body", "test", "orelse"),
    "ImportFrom": ("relative", "module", "names"),
    "LazyImportFrom": ("relative", "module", "names"),
    "MatchCase": ("pattern", "guard", "body"),
    "Parameters": (
        "posonly_params",
        "posonly_ind",
        "params",
        "star_arg",
        "kwonly_params",
        "star_kwarg",
    ),
    "TypeAlias": ("name", "type_parameters", "value"),
}

_Hooks = Tuple[bool, Optional[Callable[..., Any]], Optional[Callable[..., Any]], Tuple[str, ...]]
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def child_fields(tp: type) -> Tuple[str, ...]:
    """The fields of a node type that may hold child nodes, in lexical order."""
    fields = _FIELDS.get(tp)
    if fields is None:
        # a field declared ``str`` or ``bool`` (Name.value, Module.encoding) holds no node
        declared = [f.name for f in dataclasses.fields(tp) if f.type not in (str, bool)]
        names = _LEXICAL_ORDER.get(tp.__name__, declared)
        fields = tuple(
            n
            for n in names
            if n in declared and n not in _TOKEN_FIELDS and not n.startswith("whitespace")
        )
        _FIELDS[tp] = fields
    return fields


#: value type -> whether ``walk`` enters it (a node that is not a token); the
#: ``isinstance`` tests against libcst's abstract classes are slow, so once per type
_VISITS: Dict[type, bool] = {}


def _visits(tp: type) -> bool:
    visited = issubclass(tp, cst.CSTNode) and not issubclass(tp, _TOKENS)
    _VISITS[tp] = visited
    return visited


def walk(
    walker: cst.CSTVisitor, root: cst.CSTNode, stmts: Optional[List[cst.CSTNode]] = None
) -> None:
    """Visit ``root`` like ``root.visit(walker)`` would (see above), calling only
    the walker's ``visit_<Type>`` / ``leave_<Type>`` hooks (not ``on_visit``);
    ``stmts``, if given, is kept as the stack of the statements being visited."""
    if stmts is None:
        stmts = []
    hooks_by_type: Dict[type, _Hooks] = {}
    visits = _VISITS
    sequences = (tuple, list)
    # items: a node to enter, or (leave hook or None, node, is statement) to leave
    todo: List[Any] = [root]
    while todo:
        item = todo.pop()
        if type(item) is tuple:
            leave, node, is_stmt = item
            if leave is not None:
                leave(node)
            if is_stmt:
                stmts.pop()
            continue
        node = item
        tp = type(node)
        hooks = hooks_by_type.get(tp)
        if hooks is None:
            name = tp.__name__
            hooks = (
                issubclass(tp, _STATEMENTS),
                getattr(walker, "visit_" + name, None),
                getattr(walker, "leave_" + name, None),
                child_fields(tp),
            )
            hooks_by_type[tp] = hooks
        is_stmt, visit, leave, fields = hooks
        if is_stmt:
            stmts.append(node)
        if is_stmt or leave is not None:
            todo.append((leave, node, is_stmt))
        if visit is not None and visit(node) is False:
            continue
        if not fields:
            continue
        children: List[cst.CSTNode] = []
        for f in fields:
            value = getattr(node, f)
            value_type = type(value)
            if value_type in sequences:
                for child in value:
                    visited = visits.get(type(child))
                    if visited is None:
                        visited = _visits(type(child))
                    if visited:
                        children.append(child)
            else:
                visited = visits.get(value_type)
                if visited is None:
                    visited = _visits(value_type)
                if visited:
                    children.append(value)
        children.reverse()
        todo.extend(children)


def build_model(module: cst.Module) -> ModuleModel:
    walker = _Walker(module)
    walk(walker, module, walker.stmts)
    for fn in walker.functions:
        for name in fn.global_names:
            if name in fn.bindings:  # ``global X`` then ``X = ...``: written elsewhere
                walker.module_scope.volatile.add(name)
    seen: Dict[str, int] = {}
    for fn in walker.functions:
        base = fn.qualname if fn.kind == "function" else _lambda_name(fn)
        fn.fid = _unique(base, seen)
    for cls in walker.classes:
        cls.cid = _unique(cls.scope.qualname, seen)
    return ModuleModel(
        module=module,
        scope=walker.module_scope,
        functions=walker.functions,
        classes=walker.classes,
        calls=walker.calls,
        class_by_node=walker.class_by_node,
    )


def _lambda_name(fn: FunctionScope) -> str:
    outer = fn.parent.qualname if fn.parent is not None else ""
    return f"{outer}.<lambda>" if outer else "<lambda>"


def _unique(base: str, seen: Dict[str, int]) -> str:
    count = seen.get(base, 0) + 1
    seen[base] = count
    return base if count == 1 else f"{base}#{count}"
