#!/usr/bin/env python3
"""Fails when a module of src/ includes a header of a module above it.

Layers only point down (README, Layout):
  cli -> server, lambda -> query -> indexer -> store -> aws -> core,
with simulate beside query (it needs only core). A module may include its own
headers and those of any module below it. Test files (*_test.cc, test_*.h)
may also include the test support of tests/; they are checked like the rest
for includes of src/ modules.

Usage: scripts/check-layering.py [SRC_DIR]   (default: the repository's src/)
Exit 0 when every include points down, 1 when one does not, 2 on bad usage.
"""
import pathlib
import re
import sys

# Each module with the modules it may include (besides itself).
ALLOWED = {
    "core": set(),
    "aws": {"core"},
    "store": {"core", "aws"},
    "indexer": {"core", "aws", "store"},
    "query": {"core", "aws", "store", "indexer"},
    "simulate": {"core"},
    "server": {"core", "aws", "store", "indexer", "query", "simulate"},
    "lambda": {"core", "aws", "store", "indexer", "query"},
    "cli": {"core", "aws", "store", "indexer", "query", "simulate", "server", "lambda"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip(), file=sys.stderr if len(argv) > 2 else sys.stdout)
        return 2 if len(argv) > 2 else 0
    src = pathlib.Path(argv[1]) if len(argv) == 2 else pathlib.Path(__file__).resolve().parent.parent / "src"
    if not src.is_dir():
        print(f"check-layering: {src} is not a directory", file=sys.stderr)
        return 2
    problems = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cc") or not path.is_file():
            continue
        module = path.relative_to(src).parts[0]
        if module not in ALLOWED:
            problems.append(f"{path}: module '{module}' has no place in the layers (scripts/check-layering.py)")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            if target == module or target in ALLOWED[module]:
                continue
            if target not in ALLOWED:  # tests/ support (support/, server/test_*.h is in ALLOWED) or a third party
                continue
            problems.append(f"{path}:{number}: {module} includes {target}/, a module above it")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-layering: {len(problems)} include(s) point up", file=sys.stderr)
        return 1
    print("check-layering: every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
