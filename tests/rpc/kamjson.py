#!/usr/bin/env python3
"""kamcmd's text output (standard input) as JSON (standard output): a list of the
reply's values.  kamcmd prints a struct as "{", its members as "name: value" lines
(a nested struct or array as "name: {"), and "}"; an array's elements are values
without names.  Every scalar is kept as a string: kamcmd's text does not say which
were strings (a session id is one, and too large for a JSON number anyway)."""
import json
import sys


def parse(lines):
    top = []
    stack = [(top, None)]  # (container, is_struct)
    for raw in lines:
        line = raw.strip("\n").strip("\t")
        if not line.strip():
            continue
        container, _ = stack[-1]
        if line == "}":
            stack.pop()
            continue
        name, value = None, line
        if ": " in line or line.endswith(":"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
        if value == "{":
            new = []  # becomes a dict if its first member has a name
            add(container, name, new)
            stack.append((new, None))
            continue
        add(container, name, value)
    return fix(top)


def add(container, name, value):
    container.append((name, value))


def fix(items):
    """A list of (name, value): a struct if the values have names, else a list."""
    if isinstance(items, list) and items and all(isinstance(i, tuple) for i in items):
        if all(n is not None for n, _ in items):
            return {n: fix(v) for n, v in items}
        return [fix(v) for _, v in items]
    if isinstance(items, list):
        return [] if not items else [fix(v) for v in items]
    return items


if __name__ == "__main__":
    text = sys.stdin.read()
    if text.startswith("error:"):
        print(json.dumps({"error": text.strip()}))
    else:
        print(json.dumps(parse(text.splitlines())))
