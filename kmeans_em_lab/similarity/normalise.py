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
  ``np.mean``, ``x ** 0.5`` as ``np.sqrt(x)``, ``X.shape[0]`` as ``len(X)``).

Code that does not parse is tokenised as it is (names and literals still
replaced), so a broken cell still compares.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import textwrap
import tokenize

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
        self.generic_visit(node)
        if (
            isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
            and node.right.value == 0
        ):  # x ** 0.5 (literals already 0): np.sqrt(x)
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


# A solution cell is a few dozen lines; longer code is compared on its first characters only,
# and independent statements are reordered in runs of at most MAX_RUN (the comparison of a run
# grows with the square of its length)
MAX_CODE_CHARS = 20_000
MAX_RUN = 50


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
    copy = ast.parse(ast.unparse(stmt)).body[0]
    return ast.unparse(_Canonical().visit(copy))


def _reorder(body: list) -> list:
    """Runs of mutually independent statements in a canonical order (by their canonical text)."""
    out, run = [], []
    for stmt in body:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _reorder(getattr(stmt, field)))
        if run and len(run) < MAX_RUN and all(_independent(other, stmt) for other in run):
            run.append(stmt)
            continue
        out += sorted(run, key=_canonical_text)
        run = [stmt]
    return out + sorted(run, key=_canonical_text)


def canonical_code(code: str) -> str | None:
    """The canonical text of ``code`` (None when it does not parse, or is longer than any
    solution cell: :data:`MAX_CODE_CHARS`)."""
    if len(code) > MAX_CODE_CHARS:
        return None
    try:
        tree = ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        tree.body = _reorder(_without_docstring(tree.body))
        return ast.unparse(_Canonical().visit(tree))
    except (RecursionError, ValueError, TypeError, AttributeError):
        return None


def tokens(code: str) -> list[str]:
    """The canonical token sequence of ``code`` (see the module docstring); of its first
    :data:`MAX_CODE_CHARS` characters only."""
    code = code[:MAX_CODE_CHARS]
    text = canonical_code(code)
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
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out
