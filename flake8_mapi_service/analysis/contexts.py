"""Calling contexts: what a function's parameters are worth.

``LocalParams`` gives a parameter the join of its values over every call of
its function in the module (and its default), as the flow evaluation of one
module sees them.  A function whose callers are not all known (a lambda, a
function used as a value, a method also called on untyped objects) has
unknown parameters.
"""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

import libcst as cst

from .callgraph import CallGraph
from .flow import TOP, Env, Flow, Value, join_values
from .model import HIDDEN, FunctionScope, ModuleModel, argument_for_param

_MAX_PARAM_DEPTH = 12


class LocalParams(Env):
    def __init__(self, model: ModuleModel, graph: CallGraph) -> None:
        self.graph = graph
        self.flow: Flow  # set by the owner once the flow exists (it takes this env)
        self._functions: Dict[str, FunctionScope] = {fn.fid: fn for fn in model.functions}
        self._values: Dict[Tuple[str, str], Value] = {}
        self._active: Set[Tuple[str, str]] = set()
        self._depth = 0

    def param(self, fn: str, name: str) -> Value:
        key = (fn, name)
        if key in self._values:
            return self._values[key]
        if key in self._active or self._depth > _MAX_PARAM_DEPTH:
            return TOP
        function = self._functions.get(fn)
        if function is None:
            return TOP
        param = next((p for p in function.params if p.name == name), None)
        if param is None:
            return TOP
        self._active.add(key)
        self._depth += 1
        try:
            result = self._compute(function, param)
        finally:
            self._depth -= 1
            self._active.discard(key)
        self._values[key] = result
        return result

    def _compute(self, fn: FunctionScope, param: object) -> Value:
        graph = self.graph
        if not graph.all_callers_known(fn):
            return TOP
        assert param in fn.params
        p = fn.params[fn.params.index(param)]  # type: ignore[arg-type]
        values: List[Value] = []
        if p.default is not None:
            values.append(self.flow.default_value(fn, p))
        for edge in graph.calls_of(fn):
            arg = argument_for_param(edge.site.node, fn, p, edge.bound)
            if arg is HIDDEN:
                return TOP
            if not isinstance(arg, cst.BaseExpression):
                continue  # omitted: the default, already counted (or a call that would fail)
            values.append(self.flow.value_at(arg, edge.site.scope, edge.site.stmt))
        if not values:
            return TOP
        out = values[0]
        for v in values[1:]:
            out = join_values(out, v)
        return out
