"""Mutants of the six solution functions: small AST edits, the same ones on every run.

Each operator looks at one node of the function's syntax tree and proposes
replacements for it (:data:`OPERATORS` lists them with what they do). A
mutant is the function's source with exactly one replacement made, rendered
back with :func:`ast.unparse`. Nodes are visited in a fixed pre-order and
the operators in a fixed order, so the numbering of mutants only changes when
a solution or an operator changes; mutants whose code is the same as an
earlier one's (or the original's) are dropped.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from kmeans_em_lab.course import submissions

FUNCTIONS = ("Centroid_init", "Set", "Update", "K_Means", "EM_step", "EM")

# operator -> what it does (the table in grader_tests/mutation.md)
OPERATORS = {
    "arithmetic": "an arithmetic operator swapped (+ -, * /, ** *, // /, @ *)",
    "comparison": "a comparison swapped (< <= > >=, == !=, is, in)",
    "boolean": "and/or swapped, a `not` removed, an `if`/`while` condition negated",
    "constant": "a number changed by +1 and -1 (0 <-> 1, axis, indices), a small float set "
    "to 0, True <-> False",
    "numpy": "a numpy function swapped: mean/median/sum/prod, argmin/argmax, min/max, "
    "std/var, any/all, array_equal/allclose, zeros/ones",
    "keyword": "a keyword argument removed (axis, dtype, size, replace, loc, ...), "
    "ddof=1 added to std/var",
    "unwrap": "a numpy (or float/abs) call replaced by its first argument (a copy, a "
    "sqrt, a reduction dropped)",
    "swap args": "two neighbouring arguments of a call swapped, or the operands of a "
    "non-commutative operator",
    "statement": "a statement deleted (replaced by `pass`)",
    "return": "the return value altered: a returned variable replaced by a related one "
    "(old instead of new), neighbouring returned values swapped",
    "variable": "a variable read replaced by a related one (mu_0 <-> mu_1, m <-> new_m, X <-> X2)",
}


def _replacements(table: str) -> dict[str, tuple[str, ...]]:
    """A table of what replaces what, ``"a>b,c d>e"``, as ``{"a": ("b", "c"), "d": ("e",)}``
    (each replacement a mutant, in that order)."""
    return {name: tuple(by.split(",")) for name, by in (item.split(">") for item in table.split())}


def _ast_replacements(table: str) -> dict[type, tuple[type, ...]]:
    """:func:`_replacements` of the names of ``ast`` node classes, as the classes."""
    return {
        getattr(ast, name): tuple(getattr(ast, other) for other in by)
        for name, by in _replacements(table).items()
    }


_ARITHMETIC = _ast_replacements(
    "Add>Sub Sub>Add Mult>Div Div>Mult FloorDiv>Div Mod>Mult Pow>Mult MatMult>Mult"
)
_NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
# a boundary moved (< for <=) and the comparison reversed; equality, identity, membership negated
_COMPARISON = _ast_replacements(
    "Lt>LtE,Gt LtE>Lt,GtE Gt>GtE,Lt GtE>Gt,LtE Eq>NotEq NotEq>Eq Is>IsNot IsNot>Is In>NotIn "
    "NotIn>In"
)
NUMPY_SWAPS = _replacements(
    "mean>median,sum median>mean sum>mean,prod prod>sum argmin>argmax argmax>argmin min>max "
    "max>min amin>amax amax>amin minimum>maximum maximum>minimum std>var var>std any>all "
    "all>any array_equal>allclose allclose>array_equal zeros>ones ones>zeros"
)
_UNWRAPPED_BUILTINS = ("float", "abs")
_NUMPY_MODULES = ("np", "numpy")


@dataclass(frozen=True)
class Mutant:
    function: str
    number: int  # 1, 2, ... in generation order, within the function
    operator: str  # a key of OPERATORS
    line: int  # line of the change in the solution cell (1 = `def ...`)
    original: str  # the code changed, one line
    replacement: str  # what replaces it ("(deleted)" for a deleted statement)
    source: str  # the whole mutated function

    @property
    def id(self) -> str:
        return f"{self.function}#{self.number}"

    @property
    def change(self) -> str:
        return f"`{self.original}` -> `{self.replacement}`"

    @property
    def signature(self) -> str:
        """What the mutant changes, independent of its number (survivor reasons use it)."""
        change = f"{self.original} -> {self.replacement}"
        return f"{self.function} L{self.line} {self.operator}: {change}"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()[:10]


# -- the operators: node -> [(operator, replacement node)] -----------------------------------------

Proposal = tuple[str, ast.AST]


def _copy_with(node: ast.AST, **fields) -> ast.AST:
    new = copy.deepcopy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


def _attribute_name(func: ast.AST) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else None


def _is_numpy(func: ast.AST) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in _NUMPY_MODULES
    )


def _root(name: str) -> str:
    """``new_m``, ``m2`` -> ``m``; ``mu_0`` -> ``mu``; ``new_ll`` -> ``ll``."""
    return re.sub(r"^new_|_new$|_?\d+$", "", name) or name


def _binop(node: ast.BinOp, _ctx) -> Iterator[Proposal]:
    for op in _ARITHMETIC.get(type(node.op), ()):
        yield "arithmetic", _copy_with(node, op=op())
    if isinstance(node.op, _NON_COMMUTATIVE):
        yield "swap args", _copy_with(node, left=copy.deepcopy(node.right),
                                      right=copy.deepcopy(node.left))  # fmt: skip


def _augassign(node: ast.AugAssign, _ctx) -> Iterator[Proposal]:
    for op in _ARITHMETIC.get(type(node.op), ()):
        yield "arithmetic", _copy_with(node, op=op())


def _compare(node: ast.Compare, _ctx) -> Iterator[Proposal]:
    for i, op in enumerate(node.ops):
        for new in _COMPARISON.get(type(op), ()):
            ops = list(node.ops)
            ops[i] = new()
            yield "comparison", _copy_with(node, ops=ops)


def _boolop(node: ast.BoolOp, _ctx) -> Iterator[Proposal]:
    yield "boolean", _copy_with(node, op=ast.Or() if isinstance(node.op, ast.And) else ast.And())


def _unaryop(node: ast.UnaryOp, _ctx) -> Iterator[Proposal]:
    if isinstance(node.op, ast.Not):
        yield "boolean", copy.deepcopy(node.operand)
    elif isinstance(node.op, ast.USub) and not isinstance(node.operand, ast.Constant):
        yield "arithmetic", copy.deepcopy(node.operand)


def _condition(node: ast.If | ast.While, _ctx) -> Iterator[Proposal]:
    test = node.test
    if isinstance(test, ast.Constant) or (
        isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    ):
        return  # `while True` is the constant operator's; `not x` is _unaryop's
    yield "boolean", _copy_with(node, test=ast.UnaryOp(op=ast.Not(), operand=copy.deepcopy(test)))


def _constant(node: ast.Constant, _ctx) -> Iterator[Proposal]:
    value = node.value
    if isinstance(value, bool):
        yield "constant", ast.Constant(value=not value)
    elif isinstance(value, int | float):
        for new in (value + 1, value - 1):
            yield "constant", ast.Constant(value=type(value)(new))
        if isinstance(value, float) and 0 < abs(value) < 1:
            yield "constant", ast.Constant(value=0.0)


def _call(node: ast.Call, ctx) -> Iterator[Proposal]:
    name = _attribute_name(node.func)
    for new in NUMPY_SWAPS.get(name, ()):
        yield "numpy", _copy_with(node, func=_copy_with(node.func, attr=new))
    for i in range(len(node.keywords)):
        if node.keywords[i].arg is not None:
            yield "keyword", _copy_with(node, keywords=node.keywords[:i] + node.keywords[i + 1 :])
    if name in ("std", "var") and not any(k.arg == "ddof" for k in node.keywords):
        ddof = ast.keyword(arg="ddof", value=ast.Constant(value=1))
        yield "keyword", _copy_with(node, keywords=[*node.keywords, ddof])
    unwrappable = _is_numpy(node.func) or (
        isinstance(node.func, ast.Name) and node.func.id in _UNWRAPPED_BUILTINS
    )
    if unwrappable and node.args and not isinstance(node.args[0], ast.Starred):
        yield "unwrap", copy.deepcopy(node.args[0])
    for i in range(len(node.args) - 1):
        args = list(node.args)
        args[i], args[i + 1] = args[i + 1], args[i]
        yield "swap args", _copy_with(node, args=copy.deepcopy(args))
    named = [k for k in node.keywords if k.arg is not None]
    for i in range(len(named) - 1):
        keywords = copy.deepcopy(node.keywords)
        a = node.keywords.index(named[i])
        b = node.keywords.index(named[i + 1])
        keywords[a].value, keywords[b].value = keywords[b].value, keywords[a].value
        yield "swap args", _copy_with(node, keywords=keywords)


def _return(node: ast.Return, _ctx) -> Iterator[Proposal]:
    value = node.value
    if isinstance(value, ast.Tuple):
        for i in range(len(value.elts) - 1):
            elts = copy.deepcopy(value.elts)
            elts[i], elts[i + 1] = elts[i + 1], elts[i]
            yield "return", _copy_with(node, value=_copy_with(value, elts=elts))


def _name(node: ast.Name, ctx) -> Iterator[Proposal]:
    if not isinstance(node.ctx, ast.Load) or node.id in ctx.called:
        return
    kind = "return" if ctx.in_return else "variable"
    for other in ctx.related(node.id):
        yield kind, ast.Name(id=other, ctx=ast.Load())


_NODE_OPERATORS: dict[type, Callable] = {
    ast.BinOp: _binop,
    ast.AugAssign: _augassign,
    ast.Compare: _compare,
    ast.BoolOp: _boolop,
    ast.UnaryOp: _unaryop,
    ast.If: _condition,
    ast.While: _condition,
    ast.Constant: _constant,
    ast.Call: _call,
    ast.Return: _return,
    ast.Name: _name,
}


# -- walking the tree ------------------------------------------------------------------------------


class _Context:
    """What the operators need to know about the function: its variables, where we are."""

    def __init__(self, func: ast.FunctionDef):
        bound: set[str] = set()
        for node in ast.walk(func):
            if isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
        self.bound = sorted(bound)
        self.called = {
            n.func.id
            for n in ast.walk(func)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        self.in_return = False

    def related(self, name: str) -> list[str]:
        if name not in self.bound:
            return []
        return [o for o in self.bound if o != name and _root(o) == _root(name)]


def _children(node: ast.AST) -> Iterator[tuple[ast.AST, str, int | None]]:
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield item, field, i
        elif isinstance(value, ast.AST):
            yield value, field, None


def _preorder(node: ast.AST, ctx: _Context | None = None, in_return: bool = False):
    """(node, parent, field, index) in a fixed order; the docstring is skipped."""
    for child, field, index in _children(node):
        if _is_docstring(node, field, index):
            continue
        yield child, node, field, index, in_return
        yield from _preorder(child, ctx, in_return or isinstance(child, ast.Return))


def _is_docstring(parent: ast.AST, field: str, index: int | None) -> bool:
    if not (isinstance(parent, ast.FunctionDef) and field == "body" and index == 0):
        return False
    first = parent.body[0]
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def _replace(parent: ast.AST, field: str, index: int | None, new: ast.AST) -> None:
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new


def _one_line(text: str, limit: int = 70) -> str:
    first = " ".join(text.split())
    return first if len(first) <= limit else first[: limit - 3] + "..."


def _proposals(node, parent, field, index, in_return, ctx: _Context) -> Iterator[Proposal]:
    if isinstance(node, ast.stmt) and not isinstance(node, ast.Pass):
        is_only_def = isinstance(node, ast.FunctionDef) and isinstance(parent, ast.Module)
        if not is_only_def:
            yield "statement", ast.Pass()
    operator = _NODE_OPERATORS.get(type(node))
    if operator is not None:
        ctx.in_return = in_return
        yield from operator(node, ctx)


def mutate(function: str, code: str) -> list[Mutant]:
    """Every mutant of ``function`` (defined in the cell ``code``), in a fixed order."""
    tree = ast.parse(code)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    ctx = _Context(func)
    original = ast.unparse(tree)
    seen = {original}
    mutants: list[Mutant] = []
    sites = list(_preorder(tree))
    for position, (node, parent, field, index, in_return) in enumerate(sites):
        for operator, new in _proposals(node, parent, field, index, in_return, ctx):
            copied = copy.deepcopy(tree)
            _, c_parent, c_field, c_index, _ = list(_preorder(copied))[position]
            _replace(c_parent, c_field, c_index, ast.fix_missing_locations(new))
            source = ast.unparse(copied)
            if source in seen:
                continue
            seen.add(source)
            segment = ast.get_source_segment(code, node) or ast.unparse(node)
            replacement = "(deleted)" if isinstance(new, ast.Pass) else ast.unparse(new)
            mutants.append(
                Mutant(
                    function=function,
                    number=len(mutants) + 1,
                    operator=operator,
                    line=getattr(node, "lineno", 0),
                    original=_one_line(segment),
                    replacement=_one_line(replacement),
                    source=source,
                )
            )
    return mutants


@lru_cache(maxsize=1)
def _all() -> tuple[Mutant, ...]:
    solutions = submissions.source_solutions()
    return tuple(m for f in FUNCTIONS for m in mutate(f, solutions[f]))


def all_mutants() -> list[Mutant]:
    """The mutants of every solution function of the source notebook."""
    return list(_all())


def by_id() -> dict[str, Mutant]:
    return {m.id: m for m in _all()}
