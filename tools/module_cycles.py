#!/usr/bin/env python3
"""Fails when the top-level modules of a Rust crate import each other in a cycle.

A top-level module is `src/<name>.rs` or `src/<name>/` (with everything
under it). A file of module A depends on top-level module B when its code
(comments and string literals removed) names a path into B: `crate::B…`
(also inside `use crate::{…}` groups) or a `super::` path that climbs out of
A into B. The dependencies form a graph; every strongly connected component
of more than one module is a cycle, reported with the files and lines that
make each of its edges.

Edges of cycles that exist today and are being removed can be listed in an
allow-list file (default `tools/module_cycles.allow`): one edge a line,
`from -> to`, `#` comments. Every edge inside a cycle must be listed, so a
new dependency that closes a cycle, or joins one, fails; a listed edge that
is no longer inside any cycle fails too ("remove it"), so the list only
shrinks. An empty list allows no cycle.

Usage: tools/module_cycles.py [--src DIR] [--allow FILE]
Exit status: 0 no disallowed cycle, 1 otherwise, 2 bad usage.

Why not `cargo modules` (the crate cargo-modules): version 0.28 needs rustc
1.98, newer than this project's toolchain (1.95); 0.27 builds about 280
crates, rust-analyzer's among them, from source, which on a fresh CI
machine of two cores costs far more than this check is worth; and its graph
is of every module, not of top-level ones, so its output would need the
same reduction as here. This script reads the sources directly instead.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments_and_strings(text: str) -> str:
    """Blanks out comments, string, byte-string, raw-string and char
    literals, keeping newlines so line numbers stay right."""
    out: list[str] = []
    i, n = 0, len(text)

    def blank(s: str) -> str:
        return "".join("\n" if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = '"' + m.group(1)
            j = text.find(end, m.end())
            j = n if j < 0 else j + len(end)
            out.append(blank(text[i:j]))
            i = j
        elif c == '"' or (c == "b" and text.startswith('b"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(blank(text[i:j]))
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}'), not a lifetime ('a).
            m = re.compile(r"'(?:\\(?:u\{[0-9A-Fa-f]+\}|x[0-9A-Fa-f]{2}|.)|[^\\'\n])'").match(text, i)
            if m:
                out.append(blank(m.group(0)))
                i = m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_path(src: Path, file: Path) -> list[str]:
    """The module path of a source file: src/a/b.rs and src/a/b/mod.rs are ["a", "b"]."""
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts and parts[-1] == "mod":
        parts.pop()
    return parts


def group_heads(body: str) -> list[str]:
    """The first segment of every path in a `{…}` use group (nested groups
    belong to the path before them, so only depth-0 items count)."""
    heads, depth, item = [], 0, ""
    for c in body:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if depth == 0 and c == ",":
            heads.append(item)
            item = ""
        elif depth == 0:
            item += c
    heads.append(item)
    out = []
    for h in heads:
        m = re.match(r"\s*(" + IDENT + ")", h)
        if m and m.group(1) not in ("self", "super", "crate"):
            out.append(m.group(1))
    return out


def matching_brace(text: str, open_at: int) -> int:
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(text)


def dependencies(src: Path, file: Path, text: str) -> list[tuple[str, int]]:
    """(top-level module named, line) for every crate path in the file."""
    code = strip_comments_and_strings(text)
    here = module_path(src, file)
    found: list[tuple[str, int]] = []

    def line_of(pos: int) -> int:
        return code.count("\n", 0, pos) + 1

    for m in re.finditer(r"(?<![A-Za-z0-9_$])crate\s*::\s*(" + IDENT + r"|\{)", code):
        if m.group(1) == "{":
            close = matching_brace(code, m.end() - 1)
            for head in group_heads(code[m.end() : close]):
                found.append((head, line_of(m.start())))
        else:
            found.append((m.group(1), line_of(m.start())))
    for m in re.finditer(r"(?<![A-Za-z0-9_$:])((?:super\s*::\s*)+)(" + IDENT + r"|\{)", code):
        ups = m.group(1).count("super")
        base = here[: len(here) - ups] if ups <= len(here) else None
        if base is None:
            continue
        if base:
            found.append((base[0], line_of(m.start())))
        elif m.group(2) == "{":
            close = matching_brace(code, m.end() - 1)
            for head in group_heads(code[m.end() : close]):
                found.append((head, line_of(m.start())))
        else:
            found.append((m.group(2), line_of(m.start())))
    return found


def top_level_modules(src: Path) -> set[str]:
    mods = set()
    for p in src.iterdir():
        if p.is_dir() and any(p.rglob("*.rs")):
            mods.add(p.name)
        elif p.suffix == ".rs" and p.stem not in ("lib", "main"):
            mods.add(p.stem)
    return mods


def graph(src: Path) -> dict[str, dict[str, list[str]]]:
    """module → module it depends on → evidence ("file:line")."""
    mods = top_level_modules(src)
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for file in sorted(src.rglob("*.rs")):
        here = module_path(src, file)
        if not here or here[0] not in mods:
            continue  # the crate roots (lib.rs, main.rs)
        for target, line in dependencies(src, file, file.read_text(encoding="utf-8")):
            if target in mods and target != here[0]:
                edges[here[0]][target].append(f"{file.relative_to(src.parent)}:{line}")
    return edges


def cycles(edges: dict[str, dict[str, list[str]]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    nodes = sorted(set(edges) | {t for ts in edges.values() for t in ts})

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in nodes:
        if v not in index:
            visit(v)
    return sorted(out, key=lambda c: sorted(c))


def read_allow(path: Path) -> set[tuple[str, str]]:
    """The allowed edges, `from -> to` a line."""
    if not path.exists():
        return set()
    allowed = set()
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(" + IDENT + r")\s*->\s*(" + IDENT + r")", line)
        if not m:
            raise ValueError(f"{path}:{n}: expected `from -> to`, got {raw!r}")
        allowed.add((m.group(1), m.group(2)))
    return allowed


def check(src: Path, allow: Path) -> tuple[bool, list[str]]:
    """Whether the crate passes, and what to print."""
    edges = graph(src)
    found = cycles(edges)
    allowed = read_allow(allow)
    ok, lines, in_cycles = True, [], set()
    for comp in found:
        lines.append(f"import cycle between top-level modules: {' '.join(sorted(comp))}")
        for a in sorted(comp):
            for b in sorted(edges[a]):
                if b not in comp:
                    continue
                in_cycles.add((a, b))
                where = edges[a][b]
                more = f" (+{len(where) - 3} more)" if len(where) > 3 else ""
                verdict = "allowed" if (a, b) in allowed else "NEW"
                if (a, b) not in allowed:
                    ok = False
                lines.append(f"  {a} -> {b} [{verdict}]: {', '.join(where[:3])}{more}")
    for a, b in sorted(allowed - in_cycles):
        ok = False
        lines.append(f"allowed edge {a} -> {b} is no longer in a cycle: remove it from {allow}")
    if ok:
        lines.append(
            f"no new import cycle between the top-level modules of {src} "
            f"({len(in_cycles)} allowed edge(s) in {len(found)} cycle(s))"
        )
    return ok, lines


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=here.parent / "src")
    parser.add_argument("--allow", type=Path, default=here / "module_cycles.allow")
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        print(f"{args.src} is not a directory", file=sys.stderr)
        return 2
    try:
        ok, lines = check(args.src, args.allow)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
