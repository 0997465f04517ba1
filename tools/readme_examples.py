"""Run the documentation's ``$ corridor ...`` examples and write their output back in place.

Every fenced block that holds lines starting with ``$ corridor`` is an example: each such
command is run (from the repository root, with the installed ``corridor``) and the lines up
to the next command or the end of the block are replaced by what it printed. Commands that
need a folder prepared by hand (``validate broken/``) are left as they are.

    python tools/readme_examples.py            # rewrite README.md and docs/*.md
    python tools/readme_examples.py --check    # exit 1 if an example's output changed
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = ("broken/",)


def run(command: str) -> list[str]:
    words = shlex.split(command.split("  #")[0])
    done = subprocess.run(words, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "200"})
    text = done.stdout + done.stderr
    return text.rstrip("\n").split("\n")


def rewrite(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    in_block = False
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_block = not in_block
            out.append(line)
            i += 1
            continue
        if in_block and line.startswith("$ corridor") and not any(s in line for s in SKIP):
            out.append(line)
            j = i + 1
            while j < len(lines) and not lines[j].startswith(("$ ", "```")):
                j += 1
            print(f"running: {line[2:]}", file=sys.stderr)
            out.extend(run(line[2:]))
            if j < len(lines) and not lines[j].startswith("```"):
                out.append("")  # a blank line before the next command
            i = j
            continue
        out.append(line)
        i += 1
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    changed = False
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        before = page.read_text(encoding="utf-8").split("\n")
        after = rewrite(before)
        changed |= after != before
        if args.check or after == before:
            continue
        with tempfile.NamedTemporaryFile("w", dir=page.parent, delete=False,
                                         encoding="utf-8") as tmp:
            tmp.write("\n".join(after))
        os.replace(tmp.name, page)
    return int(changed) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
