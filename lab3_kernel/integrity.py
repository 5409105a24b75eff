"""Rules a submission must keep, checked inside the kernel before its calls are recorded.

- :func:`tampered_functions`: numpy, scipy and this package must be what they
  were installed as. A student cell that replaces ``np.allclose`` or the
  recorder's own functions is refused from then on.
- :func:`forbidden_references`: a graded function (and the notebook functions
  it calls) must not refer to another package's clustering or mixture code, nor
  to the grader's code. Read statically from the code objects; :mod:`.capture`
  also watches the calls at run time.

Both run in the student's kernel, so a determined student can defeat them: they
can only take points away (the grader refuses what they report), never give
any. What a function earns is decided outside the kernel, from its recorded
results.
"""

from __future__ import annotations

import importlib
import math
import os
import pickle
import sys
import sysconfig
import types
from collections.abc import Iterable, Mapping

from .capture import _forbidden_module

# Modules whose functions the checks rely on (by name, so this file imports nothing extra).
WATCHED_MODULES = (
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "scipy.stats",
    "scipy.special",
    "pickle",
    "math",
    "builtins",
)


def _trusted_roots() -> tuple[str, ...]:
    """Folders installed code comes from: the standard library, site-packages, this package."""
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    roots.add(os.path.dirname(os.path.abspath(__file__)))  # this package
    return tuple(os.path.realpath(r) + os.sep for r in roots)


def _is_foreign_function(obj, roots: tuple[str, ...]) -> bool:
    """A Python function whose code was not loaded from installed files (e.g. a notebook cell)."""
    if not isinstance(obj, types.FunctionType):
        return False
    filename = os.path.realpath(obj.__code__.co_filename)
    return not filename.startswith(roots)


def tampered_functions(extra_modules: Iterable[str] = ()) -> list[str]:
    """Names like ``numpy.allclose`` that were replaced by code from elsewhere."""
    found = []
    roots = _trusted_roots()
    names = [m for m in WATCHED_MODULES if m != "builtins"] + list(extra_modules)
    for module_name in names:
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
        for attr, obj in list(vars(module).items()):
            if _is_foreign_function(obj, roots):
                found.append(f"{module_name}.{attr}")
            elif (
                isinstance(obj, types.FunctionType)
                and obj.__module__ == module_name
                and obj.__name__ != attr
                and not attr.startswith("_")
                and module_name.startswith(__package__)
            ):
                found.append(f"{module_name}.{attr}")
    builtins = sys.modules["builtins"]
    for attr in (
        "isinstance", "len", "abs", "float", "sum", "min", "max", "sorted", "callable",
        "compile", "exec", "open", "getattr",
    ):  # fmt: skip
        if isinstance(getattr(builtins, attr, None), types.FunctionType):
            found.append(f"builtins.{attr}")
    for module, attr in ((pickle, "load"), (math, "isclose")):
        if isinstance(getattr(module, attr, None), types.FunctionType):
            found.append(f"{module.__name__}.{attr}")
    return sorted(set(found))


def _code_objects(code: types.CodeType) -> Iterable[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _notebook_functions(obj) -> list[types.FunctionType]:
    """Functions of a notebook-defined function or class (to follow helper calls)."""
    if isinstance(obj, types.FunctionType):
        return [obj]
    if isinstance(obj, type):
        return [v for v in vars(obj).values() if isinstance(v, types.FunctionType)]
    return []


def _forbidden_object(obj) -> str | None:
    if isinstance(obj, types.ModuleType):
        return _forbidden_module(obj.__name__)
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and _forbidden_module(module):
        return _forbidden_module(module)
    return _forbidden_module(getattr(type(obj), "__module__", None))


def forbidden_references(func, namespace: Mapping, notebook_module: str = "__main__") -> list[str]:
    """What ``func`` (and the notebook functions it calls) refers to that it must not."""
    found: set[str] = set()
    seen: set[int] = set()
    todo = _notebook_functions(func)
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        closure = [c.cell_contents for c in (current.__closure__ or ()) if _has_contents(c)]
        for code in _code_objects(current.__code__):
            for name in code.co_names:
                if _forbidden_module(name):
                    found.add(f"imports {name}")
                if name in namespace:
                    found.update(_classify(namespace[name], name, todo, notebook_module))
        for value in closure:
            found.update(_classify(value, "a closure variable", todo, notebook_module))
    return sorted(found)


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (empty cells raise)
    except ValueError:
        return False
    return True


def _classify(obj, name: str, todo: list, notebook_module: str) -> set[str]:
    hit = _forbidden_object(obj)
    if hit:
        return {f"uses {name} from {hit}"}
    if getattr(obj, "__module__", None) == notebook_module:
        todo.extend(_notebook_functions(obj))
    return set()
