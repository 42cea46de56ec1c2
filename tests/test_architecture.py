"""The package's layers: imports go one way and there is no import cycle.

edges (cli, flake8_plugin, output) -> run -> rules / fixes / discovery -> analysis
-> settings / diagnostics. A module may import its own layer and any layer below it.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lambda_lint"

# Higher numbers may import lower ones (and their own), never the reverse.
LAYERS = {
    "diagnostics": 0,
    "settings": 0,
    "analysis": 1,
    "rules": 2,
    "fixes": 2,
    "discovery": 2,
    "run": 3,
    "output": 4,
    "cli": 5,
    "flake8_plugin": 5,
    "server": 5,
    "__main__": 6,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set:
    """Modules of the package that ``path`` imports (at any depth: lazy imports count)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("lambda_lint"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("lambda_lint"):
                target = node.module
            else:
                continue
            found.add(target)
            for alias in node.names:  # ``from . import rules`` imports a module
                candidate = f"{target}.{alias.name}"
                if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or \
                        (PACKAGE.parent / candidate.replace(".", "/") / "__init__.py").exists():
                    found.add(candidate)
    return {m for m in found if m != name}


def layer_of(module: str):
    parts = module.split(".")
    if len(parts) == 1:  # the package itself: __version__ only
        return None
    return LAYERS.get(parts[1])


def graph() -> dict:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_room_has_a_layer():
    rooms = {module_name(p).split(".")[1] for p in PACKAGE.rglob("*.py") if module_name(p) != "lambda_lint"}
    assert rooms <= set(LAYERS), f"give these a layer in LAYERS: {sorted(rooms - set(LAYERS))}"


def test_imports_go_one_way():
    wrong = []
    for module, targets in graph().items():
        own = layer_of(module)
        for target in targets:
            theirs = layer_of(target)
            if own is not None and theirs is not None and theirs > own:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles():
    edges = graph()
    # A package's __init__ importing its own submodules is how packages work, not a cycle of ours.
    edges = {m: {t for t in ts if not (t.startswith(m + ".") )} for m, ts in edges.items()}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"
