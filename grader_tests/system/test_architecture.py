"""The layout's rule, where code runs decides where it lives (README, "Architecture"):

- ``lab3_kernel`` runs inside the student's kernel, in the sandbox, where no other
  package of the course can be imported: at module level it imports only the
  standard library and numpy;
- ``kmeans_em_lab`` is the grader: it never imports the developer tools (``lab3_dev``);
- each command module only reads its command line: no module of the grader imports one;
- every module of the three packages is listed in its package's index docstring;
- no import circle: no module imports, even inside a function, one that imports it back
  (through any chain; importing ``a.b.c`` runs the packages ``a`` and ``a.b`` too);
- the pipeline's folders say where code runs: ``worker`` (once per submission, on a Dask
  worker) imports nothing of ``driver`` (once per run, on the instructor's machine) or
  ``reports``; ``shared`` and ``pages`` import nothing of the other three; every module of
  the pipeline lives in one of its five folders.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lab3_kernel", "kmeans_em_lab", "lab3_dev")


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def parse(path: Path) -> ast.Module:
    """``path``'s syntax tree, asked for twice when CPython 3.11's parser raises its
    spurious "AST constructor recursion depth mismatch" (python/cpython#106905), which
    it does now and then in a process that runs threads, as the test run does."""
    try:
        return ast.parse(path.read_text())
    except SystemError:
        return ast.parse(path.read_text())


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The absolute module names ``path`` imports (relative imports resolved)."""
    tree = parse(path)
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                out.add(".".join(base + ([node.module] if node.module else [])))
            else:
                out.add(node.module)
    return out


def test_kernel_side_imports_only_the_standard_library_and_numpy():
    allowed = set(sys.stdlib_module_names) | {"numpy", "lab3_kernel", "__future__"}
    for path in modules("lab3_kernel"):
        outside = {m for m in imports(path, top_level_only=True) if m.split(".")[0] not in allowed}
        assert not outside, f"{path.relative_to(ROOT)} imports {sorted(outside)} at module level"


def test_the_grader_never_imports_the_developer_tools():
    for path in modules("kmeans_em_lab"):
        dev = {m for m in imports(path) if m.split(".")[0] == "lab3_dev"}
        assert not dev, f"{path.relative_to(ROOT)} imports {sorted(dev)}"


def test_commands_are_imported_by_nothing_but_the_command_line():
    for path in modules("kmeans_em_lab") + modules("lab3_dev"):
        if path.parent.name == "commands":
            continue
        found = {m for m in imports(path) if m.startswith("kmeans_em_lab.commands")}
        assert not found, f"{path.relative_to(ROOT)} imports {sorted(found)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_is_in_its_package_index(package):
    for init in sorted((ROOT / package).rglob("__init__.py")):
        index = ast.get_docstring(parse(init)) or ""
        for path in sorted(init.parent.iterdir()):
            name = path.stem if path.suffix == ".py" else path.name
            if name.startswith("_") or not (
                path.suffix == ".py" or (path / "__init__.py").is_file()
            ):
                continue
            assert f".{name}`" in index, f"{init.relative_to(ROOT)} does not list {name}"


# ----------------------------------------------------------------------------- circles


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of the three packages: the modules of the three packages it runs by
    importing (anywhere in its file), with the packages above them, its own excepted."""
    known = {module_name(p): p for package in PACKAGES for p in modules(package)}
    graph = {}
    for name, path in known.items():
        targets = set()
        for imported in imports(path):
            # ``from a import b`` may name a module: both count
            candidates = {imported} | {f"{imported}.{n}" for n in _imported_names(path, imported)}
            for target in candidates:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                while target:
                    if not name.startswith(target + ".") and target != name:
                        targets.add(target)
                    target = target.rpartition(".")[0]
        graph[name] = targets
    return graph


def _imported_names(path: Path, module: str) -> set[str]:
    tree = parse(path)
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and module.endswith(node.module)
        for alias in node.names
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_circles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [["a", "b", "c"]]


def test_no_import_circle():
    found = circles(import_graph())
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


# ----------------------------------------------------------------------------- sides

PIPELINE = "kmeans_em_lab.pipeline"
SIDES = ("driver", "worker", "shared", "pages", "reports")
# side -> the sides it may not import (even inside a function)
FORBIDDEN = {
    "worker": {"driver", "reports"},
    "shared": {"driver", "worker", "pages", "reports"},
    "pages": {"driver", "worker", "reports"},
    "reports": {"worker"},
    "driver": set(),
}


def side_of(module: str) -> str | None:
    parts = module.split(".")
    if module.startswith(PIPELINE + ".") and len(parts) > 2 and parts[2] in SIDES:
        return parts[2]
    return None


def side_violations(graph: dict[str, set[str]]) -> list[str]:
    """``module -> target`` for every import across a forbidden side."""
    found = []
    for module, targets in sorted(graph.items()):
        side = side_of(module)
        for target in sorted(targets):
            if side and side_of(target) in FORBIDDEN[side]:
                found.append(f"{module} -> {target}")
    return found


def test_side_violations_are_found():
    graph = {
        f"{PIPELINE}.worker.task": {f"{PIPELINE}.driver.settings", f"{PIPELINE}.shared.jobs"},
        f"{PIPELINE}.driver.run": {f"{PIPELINE}.worker.task"},
        f"{PIPELINE}.shared.jobs": {f"{PIPELINE}.pages.feedback"},
    }
    assert side_violations(graph) == [
        f"{PIPELINE}.shared.jobs -> {PIPELINE}.pages.feedback",
        f"{PIPELINE}.worker.task -> {PIPELINE}.driver.settings",
    ]


def test_the_worker_never_imports_the_driver_and_shared_code_neither_side():
    found = side_violations(import_graph())
    assert not found, "imports across sides: " + "; ".join(found)


def test_every_pipeline_module_lives_in_a_side_folder():
    loose = [
        path.name
        for path in sorted((ROOT / "kmeans_em_lab" / "pipeline").glob("*.py"))
        if path.name != "__init__.py"
    ]
    folders = sorted(
        p.name
        for p in (ROOT / "kmeans_em_lab" / "pipeline").iterdir()
        if (p / "__init__.py").is_file()
    )
    assert not loose, f"modules outside the side folders: {loose}"
    assert folders == sorted(SIDES)
