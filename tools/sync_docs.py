"""Regenerate the catalogue-derived docs: README's code table and the rule pages, in
docs/rules/*.md (the repository's) and flake8_mapi_service/catalogue/pages/*.md (the same
pages, shipped inside the package for SARIF's helpUri).

python tools/sync_docs.py          # rewrite them
python tools/sync_docs.py --check  # exit 1 if they are out of date (the tests do this)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flake8_mapi_service.catalogue import RULES, explain, table  # noqa: E402
from flake8_mapi_service.catalogue.rule import PAGES  # noqa: E402

#: the folders that hold a page per rule
PAGE_DIRS = (ROOT / "docs" / "rules", PAGES)

START = "<!-- codes:start -->"
END = "<!-- codes:end -->"


def expected_readme(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def expected_pages() -> Dict[Path, str]:
    return {folder / f"{r.code}.md": explain(r) for folder in PAGE_DIRS for r in RULES}


def main(argv: List[str]) -> int:
    check = "--check" in argv
    stale: List[Path] = []
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    want = expected_readme(text)
    if want != text:
        stale.append(readme)
        if not check:
            readme.write_text(want, encoding="utf-8")
    pages = expected_pages()
    existing = sorted(p for folder in PAGE_DIRS if folder.exists() for p in folder.glob("MPS*.md"))
    for path in existing:
        if path not in pages:
            stale.append(path)
            if not check:
                path.unlink()
    for path, content in pages.items():
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
    for path in stale:
        print(("stale: " if check else "wrote: ") + str(path.relative_to(ROOT)))
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
