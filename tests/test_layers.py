"""The layers DESIGN.md names, checked on the source: pages draw, council decides, adapters speak wire.
Storage knows neither runs nor model facts; pages import no storage module and no sqlite3; and no
module imports another that (directly or not) imports it back, counting imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(*folders: str) -> dict[str, Path]:
    return {module_name(p): p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """Every project module ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from package import module`` uses that module, not what the package's __init__ re-exports
            subs = [f"{node.module}.{a.name}" for a in node.names]
            names = subs if all(n in known for n in subs) else [node.module, *subs]
        else:
            continue
        found |= {n for n in names if n in known}
    return found


MODULES = sources("adapters", "council", "pages/widgets")
GRAPH = {name: imports(path, set(MODULES)) - {name} for name, path in MODULES.items()}


def test_storage_knows_neither_runs_nor_facts():
    for name, deps in GRAPH.items():
        if name.startswith("council.storage"):
            bad = {d for d in deps if d.startswith(("council.runs", "council.facts", "council.cli", "council.library"))}
            assert not bad, f"{name} imports {bad}"


def test_facts_import_nothing_from_runs():
    """Model facts sit below the runs; reaching a provider (council.reach) sits below both."""
    for name, deps in GRAPH.items():
        if name.startswith("council.facts") or name == "council.reach":
            bad = {d for d in deps if d.startswith(("council.runs", "council.cli", "council.library"))}
            assert not bad, f"{name} imports {bad}"
    assert not {d for d in GRAPH["council.reach"] if d.startswith("council.facts")}


def test_adapters_know_nothing_of_the_council():
    for name, deps in GRAPH.items():
        if name.startswith("adapters"):
            assert not {d for d in deps if d.startswith("council")}, name


def test_pages_import_no_storage_module_and_no_sqlite():
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for name in names:
                assert not name.startswith(("council.storage", "sqlite3", "httpx")), f"{path.name} imports {name}"


def test_no_import_circle():
    """Tarjan's strongly connected components over council, adapters and the pages' widgets: every one is a
    single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for dep in GRAPH[node]:
            if dep not in GRAPH:
                continue
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            # a package's __init__ re-exporting its own modules is not a circle of logic
            if len(component) > 1 and not all(c == "adapters" or c.startswith("adapters.") for c in component):
                circles.append(sorted(component))

    for name in GRAPH:
        if name not in index:
            visit(name)
    assert circles == []


def test_no_page_spells_a_widget_mirror_key():
    """Only the session helper knows how a widget's own key is made (``widget_key``); pages go through it."""
    import re

    spelled = re.compile(r"""["']w_[a-z{]|f["']w_""")
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        if path.name == "session.py":
            continue
        lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if spelled.search(line)]
        assert not lines, f"{path.name} spells a widget key on lines {lines}"
