"""Run flake8 with or without this plugin, in this process: one side of a benchmark.

    python benchmarks/flake8_side.py --with-plugin    [flake8 arguments...]
    python benchmarks/flake8_side.py --without-plugin [flake8 arguments...]

Both sides are the same flake8 from the same environment; ``--without-plugin``
drops flake8-mapi-service from flake8's plugin discovery (flake8's own
``plugins.finder``), so the plugin is neither imported nor run.  Everything
else (pyflakes, pycodestyle, any other installed plugin) runs on both sides.
"""

from __future__ import annotations

import sys
from typing import Any, Iterator, List

PACKAGE = "flake8-mapi-service"


def _without_plugin() -> None:
    from flake8.plugins import finder

    original = finder._find_importlib_plugins

    def filtered() -> Iterator[Any]:
        for plugin in original():
            if plugin.package != PACKAGE:
                yield plugin

    finder._find_importlib_plugins = filtered  # type: ignore[assignment]


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in ("--with-plugin", "--without-plugin"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "--without-plugin":
        _without_plugin()
    from flake8.main.cli import main as flake8_main

    return flake8_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
