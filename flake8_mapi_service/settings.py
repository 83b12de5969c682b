"""The user's options, parsed once from flake8's options (or the CLI)."""

from __future__ import annotations

import argparse
import configparser
import fnmatch
import os
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence, Tuple, Union

SERVICE_MODES = ("auto", "always", "never")


def parse_service_mode(value: str) -> str:
    """``--mapi-service``'s value, in lower case: the argparse ``type`` of the option.

    argparse applies it to the command line's value and, because flake8 hands the
    config files' values to its parser as defaults, to ``mapi-service = ...`` in
    ``setup.cfg``/``tox.ini``/``.flake8`` too, so both accept any case and a bad
    value in either is the same usage error (exit status 2), in argparse's words."""
    mode = value.strip().lower()
    if mode in SERVICE_MODES:
        return mode
    raise argparse.ArgumentTypeError(invalid_choice(value, SERVICE_MODES))


#: the yes/no words of a config file: configparser's, as flake8 reads its own options
FLAG_WORDS: Mapping[str, bool] = configparser.RawConfigParser.BOOLEAN_STATES


def parse_flag(value: Union[str, bool]) -> bool:
    """A yes/no option's value (``mapi-no-cache = true`` in a config file), in any case:
    the argparse ``type`` of ``--mapi-single-file`` and ``--mapi-no-cache``.  Like
    ``parse_service_mode``, a bad value in a config file becomes flake8's usage error
    in argparse's words (not configparser's traceback, as flake8's own store_true
    options give)."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower()
    if word in FLAG_WORDS:
        return FLAG_WORDS[word]
    choices = ", ".join(FLAG_WORDS)
    raise argparse.ArgumentTypeError(f"invalid value: {value!r} (choose from {choices})")


def invalid_choice(value: str, choices: Sequence[str]) -> str:
    """argparse's own message for ``value`` not in ``choices`` (its wording differs
    between Python versions): ``invalid choice: 'x' (choose from ...)``."""
    probe = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    probe.add_argument("--value", choices=choices)
    try:
        probe.parse_args([f"--value={value}"])
    except argparse.ArgumentError as exc:
        return exc.message
    return f"invalid choice: {value!r}"  # pragma: no cover - argparse accepted it


def _split(values: Iterable[str] | str | None) -> Tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    out = []
    for value in values:
        for part in value.replace("\n", ",").split(","):
            part = part.strip()
            if part:
                out.append(part)
    return tuple(out)


@dataclass(frozen=True)
class Settings:
    service_mode: str = "auto"
    service_paths: Tuple[str, ...] = ()
    server_services: Tuple[str, ...] = ("MSEMS",)
    extra_blocking_calls: Tuple[str, ...] = ()
    extra_ui_calls: Tuple[str, ...] = field(default=())
    #: off-by-default codes the user named in --select/--extend-select (MPS109)
    opt_in: Tuple[str, ...] = ()
    #: --mapi-project-root ("" to find it), --mapi-single-file
    project_root: str = ""
    single_file: bool = False
    #: --mapi-cache-dir ("" for the default), --mapi-no-cache
    cache_dir: str = ""
    no_cache: bool = False
    #: flake8's exclude and extend-exclude patterns (not part of the project)
    exclude: Tuple[str, ...] = ()

    @classmethod
    def from_values(
        cls,
        service_mode: str | None = "auto",
        service_paths: Sequence[str] | str | None = None,
        server_services: Sequence[str] | str | None = None,
        extra_blocking_calls: Sequence[str] | str | None = None,
        extra_ui_calls: Sequence[str] | str | None = None,
        opt_in: Sequence[str] = (),
        project_root: Optional[str] = None,
        single_file: Union[bool, str] = False,
        cache_dir: Optional[str] = None,
        no_cache: Union[bool, str] = False,
        exclude: Sequence[str] = (),
    ) -> Settings:
        try:
            mode = parse_service_mode(service_mode or "auto")
        except argparse.ArgumentTypeError as exc:
            raise ValueError(f"--mapi-service: {exc}") from None
        flags = {}
        for name, value in (("single-file", single_file), ("no-cache", no_cache)):
            try:
                flags[name] = parse_flag(value)
            except argparse.ArgumentTypeError as exc:
                raise ValueError(f"--mapi-{name}: {exc}") from None
        servers = tuple(s.upper() for s in _split(server_services)) or ("MSEMS",)
        return cls(
            service_mode=mode,
            service_paths=_split(service_paths),
            server_services=servers,
            extra_blocking_calls=_split(extra_blocking_calls),
            extra_ui_calls=_split(extra_ui_calls),
            opt_in=tuple(opt_in),
            project_root=(project_root or "").strip(),
            single_file=flags["single-file"],
            cache_dir=(cache_dir or "").strip(),
            no_cache=flags["no-cache"],
            exclude=tuple(exclude),
        )

    def path_is_service(self, filename: str) -> bool:
        """True when ``filename`` matches one of ``--mapi-service-paths``.

        A glob matches the path as flake8 gives it, the path relative to the
        working directory, or the absolute path, with ``/`` separators; ``*``
        crosses directories (fnmatch semantics), so ``services/*.py`` and
        ``*/services/*`` both work.
        """
        if not self.service_paths or not filename:
            return False
        candidates = {filename.replace(os.sep, "/")}
        try:
            absolute = os.path.abspath(filename)
            candidates.add(absolute.replace(os.sep, "/"))
            candidates.add(os.path.relpath(absolute).replace(os.sep, "/"))
        except ValueError:  # e.g. another drive on Windows
            pass
        stripped = {c[2:] if c.startswith("./") else c for c in candidates}
        candidates |= stripped
        for pattern in self.service_paths:
            pat = pattern.replace(os.sep, "/")
            if pat.startswith("./"):
                pat = pat[2:]
            for cand in candidates:
                if fnmatch.fnmatchcase(cand, pat):
                    return True
                if pat.endswith("/") and cand.startswith(pat):
                    return True
        return False


def named_codes(selections: Iterable[str], codes: Iterable[str]) -> Tuple[str, ...]:
    """The ``codes`` that a selection names explicitly: ``MPS109``, ``MPS10`` or
    ``MPS1`` name MPS109; the bare prefix ``MPS`` (or ``M``) does not."""
    entries = [e.strip().upper() for e in selections if e and e.strip()]
    return tuple(c for c in codes if any(len(e) > 3 and c.startswith(e) for e in entries))
