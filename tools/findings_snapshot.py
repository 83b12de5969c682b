"""Every MPS finding flake8 reports on some trees, as sorted text: for before/after
comparisons of a change that must not change behaviour.

    python tools/findings_snapshot.py OUT.txt PATH...

Runs the real flake8 twice per path (``--mapi-service=auto`` and ``always``), with
MPS109 on and every other plugin off, and writes one line per finding:
``mode path:line:col: CODE message``.  Compare two outputs with ``diff``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import List


def snapshot(paths: List[str]) -> List[str]:
    lines: List[str] = []
    for mode in ("auto", "always"):
        for path in paths:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "flake8",
                    "--isolated",
                    "--select=MPS",
                    "--extend-select=MPS109",
                    f"--mapi-service={mode}",
                    "--exit-zero",
                    path,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"flake8 failed on {path}:\n{proc.stderr}")
            lines.extend(f"{mode} {line}" for line in proc.stdout.splitlines() if line)
    return sorted(lines)


def main(argv: List[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, paths = argv[0], argv[1:]
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(snapshot(paths)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
