"""What the checked module's rules see of the project: values, parameters, origins.

- ``RuleEnv`` is the flow evaluation's env for the rules: a name another module
  defines has the project's value (or, outside the project, its documented
  value); a parameter stays symbolic (``ParamV``) so that a rule can ask for
  its value in each calling context, or joined over all of them
  (``link.JoinedEnv``, ``link.ContextEnv``).
- ``LinkOrigins`` tells provenance what a project function returns and what a
  parameter receives from every caller in the project.
"""

from __future__ import annotations

from typing import Optional

from .flow import Env, ParamV, Value
from .link import Link
from .provenance import Origin, OriginEnv


class RuleEnv(Env):
    def __init__(self, link: Link, mid: str) -> None:
        self.link = link
        self.mid = mid

    def external(self, ref: str) -> Value:
        return self.link.external(self.mid, ref)

    def param(self, fn: str, name: str) -> Value:
        return ParamV(fn, name)


class LinkOrigins(OriginEnv):
    def __init__(self, link: Link, mid: str) -> None:
        self.link = link
        self.mid = mid

    def call(self, ref: str) -> Optional[Origin]:
        sym = self.link.symbol(self.mid, ref)
        if sym is not None and sym[0] == "fn":
            return self.link.returns(sym[1])  # type: ignore[arg-type]
        return None

    def param(self, fn: str, name: str) -> Optional[Origin]:
        return self.link.param_origin((self.mid, fn), name)
