# ruff: noqa: E501 - AST constructors spelled out
"""A disguiser for the calibration class: the changes a student makes to hide a copy.

:func:`disguise` rewrites a solution cell with every change the class needs
(each can be switched off): variables and helper functions renamed,
independent adjacent statements swapped, comments and blank lines replaced by
others, a list built by a loop turned into a comprehension or the reverse, an
expression moved into a helper function, numpy calls swapped for equivalents
(``np.sqrt(x)`` -> ``x ** 0.5``,
``len(X)`` -> ``X.shape[0]``, ``np.mean`` -> ``np.average``), and two more
edits (``wording``): a returned expression first given a name (``return e``
-> ``out = e; return out``) and the operands of some products swapped
(``a * b`` -> ``b * a``, the same numbers), which the similarity check's
normaliser does not undo: the disguised copies test more than the inverse of
the normaliser.
Every edit keeps the code's behaviour (a calibration test checks the copies'
answers against their originals').
"""

from __future__ import annotations

import ast
import random

from kmeans_em_lab.similarity.normalise import KEPT_NAMES

WORDS = ("alpha", "beta", "gamma_", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa",
         "lam", "nu_", "xi", "omicron", "rho", "tau", "ups", "phi", "chi", "psi", "omega",
         "foo", "bar", "baz", "qux", "tmp", "val", "acc", "res", "buf")  # fmt: skip
COMMENTS = ("# step", "# compute it", "# here we go", "# main part", "# TODO tidy", "# ok")


class _Rename(ast.NodeTransformer):
    """Every name the student chose renamed; a helper function's new name carries the name of
    the lab function of its cell, as two cells' helpers must not replace each other (all the
    cells run in one namespace)."""

    def __init__(self, rng: random.Random, tree: ast.Module):
        self.rng, self.names = rng, {}
        defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        self.owner = next((n for n in defined if n in KEPT_NAMES), "cell").lower()
        self.helpers = {n for n in defined if n not in KEPT_NAMES}

    def _new(self, name: str) -> str:
        if name in KEPT_NAMES:
            return name
        if name not in self.names:
            word = self.rng.choice(WORDS)
            self.names[name] = (
                f"{word}_{self.owner}" if name in self.helpers else f"{word}{len(self.names)}"
            )
        return self.names[name]

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node

    def visit_FunctionDef(self, node):
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node


class _Numpy(ast.NodeTransformer):
    """numpy calls swapped for equivalents."""

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np":
            if f.attr == "sqrt" and len(node.args) == 1 and not node.keywords:
                return ast.BinOp(node.args[0], ast.Pow(), ast.Constant(0.5))
            if f.attr == "mean":
                f.attr = "average"
        if isinstance(f, ast.Name) and f.id == "len" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Name) and arg.id in ("X",):
                return ast.Subscript(
                    ast.Attribute(arg, "shape", ast.Load()), ast.Constant(0), ast.Load()
                )
        return node


def _loops(body: list) -> list:
    """``x = []`` + ``for ...: x.append(e)`` <-> ``x = [e for ...]``."""
    out, i = [], 0
    while i < len(body):
        stmt = body[i]
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _loops(getattr(stmt, field)))
        nxt = body[i + 1] if i + 1 < len(body) else None
        if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.List) and not stmt.value.elts
                and isinstance(nxt, ast.For) and len(nxt.body) == 1 and not nxt.orelse
                and isinstance(nxt.body[0], ast.Expr) and isinstance(nxt.body[0].value, ast.Call)
                and isinstance(nxt.body[0].value.func, ast.Attribute)
                and nxt.body[0].value.func.attr == "append" and len(nxt.body[0].value.args) == 1):  # fmt: skip
            comp = ast.ListComp(nxt.body[0].value.args[0],
                                [ast.comprehension(nxt.target, nxt.iter, [], 0)])  # fmt: skip
            out.append(ast.Assign(stmt.targets, comp, lineno=0))
            i += 2
            continue
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.ListComp)
                and len(stmt.value.generators) == 1 and not stmt.value.generators[0].ifs):  # fmt: skip
            name, gen = stmt.targets[0].id, stmt.value.generators[0]
            out.append(
                ast.Assign([ast.Name(name, ast.Store())], ast.List([], ast.Load()), lineno=0)
            )
            append = ast.Call(ast.Attribute(ast.Name(name, ast.Load()), "append", ast.Load()),
                              [stmt.value.elt], [])  # fmt: skip
            out.append(ast.For(gen.target, gen.iter, [ast.Expr(append)], [], lineno=0))
            i += 1
            continue
        out.append(stmt)
        i += 1
    return out


def _swap_independent(body: list, rng: random.Random) -> list:
    from kmeans_em_lab.similarity.normalise import _independent

    body = list(body)
    for stmt in body:
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _swap_independent(getattr(stmt, field), rng))
    for i in range(len(body) - 1):
        if _independent(body[i], body[i + 1]) and rng.random() < 0.8:
            body[i], body[i + 1] = body[i + 1], body[i]
    return body


def _extract_helper(tree: ast.Module) -> None:
    """The value of the first assignment inside the function, moved into a helper."""
    func = next((n for n in tree.body if isinstance(n, ast.FunctionDef)), None)
    if func is None:
        return
    for i, stmt in enumerate(func.body):
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call | ast.BinOp):
            # the names bound inside the expression (comprehension targets, lambda
            # parameters) are not the helper's parameters
            bound = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)
                     and isinstance(n.ctx, ast.Store)} | {a.arg for n in ast.walk(stmt.value)
                     if isinstance(n, ast.Lambda) for a in n.args.args}  # fmt: skip
            free = sorted({n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)
                           and isinstance(n.ctx, ast.Load) and n.id not in KEPT_NAMES} - bound)  # fmt: skip
            helper = ast.FunctionDef(
                name="_helper", args=ast.arguments([], [ast.arg(a) for a in free], None, [], [], None, []),
                body=[ast.Return(stmt.value)], decorator_list=[], returns=None, type_params=[], lineno=0,
            )  # fmt: skip
            call = ast.Call(
                ast.Name("_helper", ast.Load()), [ast.Name(a, ast.Load()) for a in free], []
            )
            func.body[i] = ast.Assign(stmt.targets, call, lineno=0)
            tree.body.insert(tree.body.index(func), helper)
            return


class _Wording(ast.NodeTransformer):
    """Edits the normaliser does not undo: products' operands swapped, a return named."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult) and self.rng.random() < 0.5:
            node.left, node.right = node.right, node.left
        return node

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        last = node.body[-1] if node.body else None
        if (
            isinstance(last, ast.Return)
            and last.value is not None
            and not isinstance(last.value, ast.Name)
        ):
            node.body[-1:] = [
                ast.Assign([ast.Name("out", ast.Store())], last.value, lineno=0),
                ast.Return(ast.Name("out", ast.Load())),
            ]
        return node


def disguise(code: str, seed: int, *, rename=True, reorder=True, loops=True, helper=True,
             numpy=True, comments=True, wording=True) -> str:  # fmt: skip
    """``code`` disguised (see the module docstring); the same seed gives the same text."""
    rng = random.Random(seed)
    tree = ast.parse(code)
    for node in ast.walk(tree):  # docstrings go
        if isinstance(node, ast.FunctionDef) and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(getattr(node.body[0], "value", None), ast.Constant):  # fmt: skip
            node.body = node.body[1:] or [ast.Pass()]
    if helper:
        _extract_helper(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            if loops:
                node.body = _loops(node.body)
            if reorder:
                node.body = _swap_independent(node.body, rng)
    if numpy:
        tree = _Numpy().visit(tree)
    if wording:
        tree = _Wording(rng).visit(tree)
    if rename:
        tree = _Rename(rng, tree).visit(tree)
    text = ast.unparse(ast.fix_missing_locations(tree))
    if not comments:
        return text
    lines = []
    for line in text.splitlines():
        if line.strip() and rng.random() < 0.25:
            lines.append(line[: len(line) - len(line.lstrip())] + rng.choice(COMMENTS))
        lines.append(line)
        if rng.random() < 0.1:
            lines.append("")
    return "\n".join(lines)
