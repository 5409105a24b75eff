"""Code to a canonical token sequence: what survives renaming, reformatting and reordering.

:func:`tokens` parses a cell and rewrites it before tokenising:

- comments, docstrings, blank lines and formatting go (the code is printed
  back by :func:`ast.unparse`);
- every name the student chose (variables, parameters, helper functions) becomes
  ``v``, every number ``0`` and every string ``'s'``; the names of modules,
  builtins and the lab's functions stay, and so do attributes (``np.sum``,
  ``.shape``), which say what the code does;
- runs of consecutive statements that do not depend on each other (neither
  reads or writes a name the other writes) are put in a canonical order, so
  swapping two independent lines changes nothing;
- augmented assignments are written out (``a += b`` as ``a = a + b``);
- equivalent numpy spellings are written one way (``np.average`` as
  ``np.mean``, ``x ** 0.5`` as ``np.sqrt(x)``, ``X.shape[0]`` as ``len(X)``);
- a helper the cell defines whose body is a single ``return`` is written back
  into the places that call it (an expression moved into a helper is the same code);
- a list built by a loop (``x = []`` then ``for ...: x.append(e)``) is written
  as the comprehension ``x = [e for ...]``;
- a value named only to be returned on the next line (``x = e`` then
  ``return x``) is returned directly (``return e``).

Code that does not parse, or that any step of the rewriting fails on, is
tokenised as it is (names and literals still replaced), so a broken or odd cell
still compares and never stops the comparison of the class.
"""

from __future__ import annotations

import ast
import builtins
import copy
import io
import keyword
import textwrap
import tokenize
from collections import Counter

from kmeans_em_lab.similarity.cells import MAX_CODE_CHARS, readable

KEPT_NAMES = frozenset(dir(builtins)) | {
    "np", "numpy", "math", "norm", "scipy", "stats", "warnings", "rng", "random",
    "Centroid_init", "Set", "Update", "K_Means", "EM_step", "EM",
}  # fmt: skip
VARIABLE, NUMBER, STRING = "v", "0", "'s'"
# numpy spellings of one operation, written one way
EQUIVALENT_ATTRIBUTES = {"average": "mean", "power": "pow", "dot": "matmul", "absolute": "abs"}


class _Canonical(ast.NodeTransformer):
    def visit_Attribute(self, node: ast.Attribute):
        self.generic_visit(node)
        node.attr = EQUIVALENT_ATTRIBUTES.get(node.attr, node.attr)
        return node

    def visit_BinOp(self, node: ast.BinOp):
        root = (
            isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
            and node.right.value == 0.5  # before the literals are replaced
        )
        self.generic_visit(node)
        if root:  # x ** 0.5: np.sqrt(x)
            sqrt = ast.Attribute(ast.Name("np", ast.Load()), "sqrt", ast.Load())
            return ast.copy_location(ast.Call(sqrt, [node.left], []), node)
        return node

    def visit_Subscript(self, node: ast.Subscript):
        self.generic_visit(node)
        value = node.value
        if (
            isinstance(value, ast.Attribute)
            and value.attr == "shape"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.ctx, ast.Load)
        ):
            return ast.copy_location(ast.Call(ast.Name("len", ast.Load()), [value.value], []), node)
        return node

    def visit_Name(self, node: ast.Name):
        if node.id not in KEPT_NAMES:
            node.id = VARIABLE
        return node

    def visit_arg(self, node: ast.arg):
        node.arg, node.annotation = VARIABLE, None
        return node

    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, str):
            return ast.copy_location(ast.Constant(STRING[1:-1]), node)
        if isinstance(node.value, int | float | complex) and not isinstance(node.value, bool):
            return ast.copy_location(ast.Constant(0), node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):
        if node.name not in KEPT_NAMES:
            node.name = VARIABLE
        node.returns = None
        node.body = _without_docstring(node.body)
        self.generic_visit(node)
        return node

    def visit_AugAssign(self, node: ast.AugAssign):
        self.generic_visit(node)
        target = node.target
        load = ast.Name(VARIABLE, ast.Load()) if isinstance(target, ast.Name) else target
        value = ast.BinOp(load, node.op, node.value)
        return ast.copy_location(ast.Assign([target], value), node)

    def visit_Expr(self, node: ast.Expr):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None  # a bare string: a comment in disguise
        self.generic_visit(node)
        return node


# Longer code is compared on its first MAX_CODE_CHARS characters only (.cells), and
# independent statements are reordered in runs of at most MAX_RUN (the comparison of a run
# grows with the square of its length)
MAX_RUN = 50
MAX_INLINED_NODES = 20_000  # syntax-tree nodes helpers may add to one cell when written back
MAX_INLINE_WORK = 200_000  # syntax-tree nodes the writing back may count in one cell, in all


def _without_docstring(body: list) -> list:
    first = body[0] if body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):  # fmt: skip
        return body[1:] or [ast.Pass()]
    return body


def _names(node: ast.AST) -> tuple[set[str], set[str]]:
    """(names written, names read) by a statement."""
    written, read = set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            (written if isinstance(sub.ctx, ast.Store | ast.Del) else read).add(sub.id)
        elif isinstance(sub, ast.FunctionDef | ast.ClassDef):
            written.add(sub.name)
        elif isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):
            read.add(sub.target.id)
        elif isinstance(sub, ast.Attribute | ast.Subscript) and isinstance(sub.ctx, ast.Store):
            base = sub.value
            while isinstance(base, ast.Attribute | ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):
                written.add(base.id)
    return written, read


_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Import, ast.ImportFrom)


def _independent(a: ast.stmt, b: ast.stmt) -> bool:
    if not (isinstance(a, _SIMPLE) and isinstance(b, _SIMPLE)):
        return False
    wa, ra = _names(a)
    wb, rb = _names(b)
    return not (wa & (wb | rb) or wb & ra)


def _canonical_text(stmt: ast.stmt) -> str:
    clone = ast.parse(ast.unparse(stmt)).body[0]
    found = _Canonical().visit(clone)
    return "" if found is None else ast.unparse(found)  # a bare string is removed: ""


def _helpers(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """The functions of the cell (nested ones included) that only return one expression of
    their plain positional parameters."""
    out = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or node.name in KEPT_NAMES:
            continue
        body = _without_docstring(node.body)
        a = node.args
        plain = not (a.vararg or a.kwarg or a.kwonlyargs or a.defaults or a.posonlyargs)
        if plain and len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value:
            out[node.name] = node
    return out


class _Inline(ast.NodeTransformer):
    """Calls of single-expression helpers replaced by the expression (once, not recursively),
    in the statements of one function at a time: a nested function is left to its own turn.

    Two budgets, both counted in syntax-tree nodes: what the written-back helpers may add to
    the cell (:data:`MAX_INLINED_NODES`: nested calls of a helper that repeats its parameter
    would grow the tree exponentially), and what sizing the candidates may count in all
    (:data:`MAX_INLINE_WORK`: a helper that repeats its parameter thousands of times, called
    with a large argument, costs the product to size, even when it is then not written back).
    Past either, calls stay as they are.
    """

    def __init__(self, helpers: dict[str, ast.FunctionDef]):
        self.helpers, self.inlined, self.current = helpers, set(), ""
        self.budget, self.work = MAX_INLINED_NODES, MAX_INLINE_WORK

    def visit_FunctionDef(self, node: ast.FunctionDef):
        return node  # its body is written back in its own turn (:func:`_inline_helpers`)

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        f = node.func
        helper = (
            self.helpers.get(f.id) if isinstance(f, ast.Name) and f.id != self.current else None
        )
        if helper is None or node.keywords or len(node.args) != len(helper.args.args):
            return node
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            return node
        given = {p.arg: arg for p, arg in zip(helper.args.args, node.args, strict=True)}
        body = _without_docstring(helper.body)[0].value
        cost = self._cost(body, given)
        if cost is None or cost > self.budget:
            return node
        self.budget -= cost
        self.inlined.add(f.id)
        return ast.copy_location(_Substitute(given).visit(copy.deepcopy(body)), node)

    def _cost(self, body: ast.expr, given: dict[str, ast.expr]) -> int | None:
        """Nodes ``body`` has once ``given`` is written into it; None past a budget."""
        uses: Counter[str] = Counter()
        cost = 0
        for cost, n in enumerate(ast.walk(body), 1):
            if cost > min(self.budget, self.work):
                break
            if isinstance(n, ast.Name) and n.id in given:
                uses[n.id] += 1
        self.work -= cost
        for name, times in uses.items():  # each argument sized once, however often used
            if cost > self.budget or self.work <= 0:
                return None
            size = _size(given[name], min(self.budget, self.work))
            self.work -= size
            cost += times * size
        return None if cost > self.budget or self.work < 0 else cost


def _size(node: ast.AST, limit: int) -> int:
    """Nodes in ``node``'s tree, counted up to ``limit + 1``."""
    count = 0
    for count, _ in enumerate(ast.walk(node), 1):
        if count > limit:
            break
    return count


class _Substitute(ast.NodeTransformer):
    def __init__(self, given: dict[str, ast.expr]):
        self.given = given

    def visit_Name(self, node: ast.Name):
        if isinstance(node.ctx, ast.Load) and node.id in self.given:
            return copy.deepcopy(self.given[node.id])
        return node


def _inline_helpers(tree: ast.Module) -> None:
    helpers = _helpers(tree)
    if not helpers:
        return
    inline = _Inline(helpers)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            inline.current = node.name  # a helper is not written into itself
            node.body = [inline.visit(stmt) for stmt in node.body]
    still_used = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in inline.inlined
    }
    gone = inline.inlined - still_used
    for node in ast.walk(tree):
        stmts = getattr(node, "body", None)
        if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.AST):
            kept = [s for s in stmts if not (isinstance(s, ast.FunctionDef) and s.name in gone)]
            if len(kept) != len(stmts):
                node.body = kept or [ast.Pass()]


def _direct_returns(tree: ast.AST) -> None:
    """``x = e`` followed by ``return x`` written as ``return e``, in every block."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if not (isinstance(stmts, list) and len(stmts) >= 2):
                continue
            named, ret = stmts[-2], stmts[-1]
            if (
                isinstance(ret, ast.Return)
                and isinstance(ret.value, ast.Name)
                and isinstance(named, ast.Assign)
                and len(named.targets) == 1
                and isinstance(named.targets[0], ast.Name)
                and named.targets[0].id == ret.value.id
            ):
                stmts[-2:] = [ast.copy_location(ast.Return(named.value), ret)]


# what a comprehension's element or iterable may not be or hold (``[*e for ...]`` does not
# parse; a yield, an await or an assignment expression there does not compile)
_NOT_IN_COMPREHENSION = (ast.Starred, ast.Yield, ast.YieldFrom, ast.Await, ast.NamedExpr)


def _plain_element(node: ast.expr) -> bool:
    """Whether ``node`` may be a comprehension's element or iterable as it is."""
    return not any(isinstance(sub, _NOT_IN_COMPREHENSION) for sub in ast.walk(node))


def _comprehensions(body: list) -> list:
    """``x = []`` then ``for t in it: x.append(e)`` written as ``x = [e for t in it]`` (only
    when that is valid Python: not for ``x.append(*e)``, keywords, or an element or iterable
    holding a yield, an await or an assignment expression)."""
    out: list = []
    for stmt in body:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _comprehensions(getattr(stmt, field)))
        last = out[-1] if out else None
        if (
            isinstance(stmt, ast.For)
            and not stmt.orelse
            and len(stmt.body) == 1
            and isinstance(last, ast.Assign)
            and len(last.targets) == 1
            and isinstance(last.targets[0], ast.Name)
            and isinstance(last.value, ast.List)
            and not last.value.elts
        ):
            call = stmt.body[0].value if isinstance(stmt.body[0], ast.Expr) else None
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "append"
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id == last.targets[0].id
                and len(call.args) == 1
                and not call.keywords
                and _plain_element(call.args[0])
                and _plain_element(stmt.iter)
            ):
                generator = ast.comprehension(stmt.target, stmt.iter, [], 0)
                last.value = ast.ListComp(call.args[0], [generator])
                continue
        out.append(stmt)
    return out


def _reorder(body: list) -> list:
    """Runs of simple statements in a canonical order: of the orders that keep every statement
    after those it depends on, the one that puts the smallest canonical text first at each
    step (so swapping two independent lines changes nothing)."""
    out, run = [], []
    for stmt in body:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _reorder(getattr(stmt, field)))
        if isinstance(stmt, _SIMPLE) and len(run) < MAX_RUN:
            run.append(stmt)
            continue
        out += _canonical_order(run)
        run = [stmt] if isinstance(stmt, _SIMPLE) else []
        if not run:
            out.append(stmt)
    return out + _canonical_order(run)


def _canonical_order(run: list) -> list:
    if len(run) < 2:
        return run
    keys = [_canonical_text(stmt) for stmt in run]
    names = [_names(stmt) for stmt in run]  # (written, read)

    def depends(i: int, j: int) -> bool:
        (wi, ri), (wj, rj) = names[i], names[j]
        return bool(wi & (wj | rj) or wj & ri)

    after = [{i for i in range(j) if depends(i, j)} for j in range(len(run))]
    # j must come after every i in after[j] (the statements of a run are all simple)
    done: set[int] = set()
    out = []
    while len(out) < len(run):
        ready = [j for j in range(len(run)) if j not in done and after[j] <= done]
        j = min(ready, key=lambda i: (keys[i], i))
        done.add(j)
        out.append(run[j])
    return out


def canonical_code(code: str) -> str | None:
    """The canonical text of ``code``; None when it does not parse, is longer than any
    solution cell (:data:`MAX_CODE_CHARS`), or any step of the rewriting fails on it (a
    student's cell is untrusted: whatever it holds, this never raises)."""
    if len(code) > MAX_CODE_CHARS:
        return None
    try:
        tree = ast.parse(textwrap.dedent(code))
        tree.body = _comprehensions(_without_docstring(tree.body))
        _direct_returns(tree)
        _inline_helpers(tree)
        tree.body = _reorder(tree.body)
        return ast.unparse(_Canonical().visit(tree))
    except Exception:  # noqa: BLE001 - SyntaxError, RecursionError, MemoryError, a rewrite's bug
        return None


def tokens(code: str) -> list[str]:
    """The canonical token sequence of ``code`` (see the module docstring); of its first
    :data:`MAX_CODE_CHARS` characters only, each line cut (:func:`.cells.readable`). A cell
    the rewriting fails on is tokenised as it is (names and literals still replaced)."""
    code = readable(code)
    try:
        text = canonical_code(code)
    except Exception:  # noqa: BLE001 - canonical_code does not raise; a cell must never stop the class
        text = None
    if text is None:
        return _raw_tokens(code)
    return _raw_tokens(text)


def _raw_tokens(text: str) -> list[str]:
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if tok.type == tokenize.NAME:
                kept = keyword.iskeyword(tok.string) or tok.string in KEPT_NAMES
                out.append(tok.string if kept else VARIABLE)
            elif tok.type == tokenize.NUMBER:
                out.append(NUMBER)
            elif tok.type == tokenize.STRING:
                out.append(STRING)
            elif tok.type == tokenize.NEWLINE:
                out.append(";")
            elif tok.type == tokenize.INDENT:
                out.append("{")
            elif tok.type == tokenize.DEDENT:
                out.append("}")
            else:
                out.append(tok.string)
    except Exception:  # noqa: BLE001 - TokenError, IndentationError, ...: the tokens so far
        pass
    return out
