"""Validates GraphQL SDL files with graphql-core: build_schema (syntax and SDL rules), then
validate_schema. Usage: .tools/venv/bin/python graphql-core.py FILE...

Prints the errors of each file, then a verdict line per file (see README.md).
"""

import sys

from graphql import build_schema, validate_schema, version


def verdict(check, ok, path, summary):
    print("\t".join(["@@", check, "ok" if ok else "fail", path, " ".join(summary.split())]))


failed = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as file:
            errors = [str(e) for e in validate_schema(build_schema(file.read()))]
    except Exception as e:  # syntax errors and SDL rule violations raise
        errors = [str(e)]
    failed += bool(errors)
    print(f"{path} (graphql-core {version}): {len(errors)} error(s)")
    for e in errors:
        print("  " + e.replace("\n", "\n  "))
    summary = f"{len(errors)} error(s): {errors[0].splitlines()[0]}" if errors else f"graphql-core {version}"
    verdict("graphql-core", not errors, path, summary)
sys.exit(1 if failed else 0)
