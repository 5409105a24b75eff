# Attack 3e, the reference helpers as code to carry home: while the tests of K_Means and EM run,
# the grader binds its reference Centroid_init, Set, Update, K_Means and EM_step. The student's
# K_Means and EM keep whatever is bound, and a last cell prints everything that could rebuild
# it in a resubmission: each helper's bytecode (marshalled, base64), its disassembly, the names
# and constants it uses, its globals and closure, and the files of the folders the grader binds.
# It also calls the kept helpers after their cells (for answers on inputs of its choosing) and
# asks the grader's socket for helpers no cell binds.
# Why: full marks: the honest equivalent is the solution; the helpers are stand-ins that ask the
#   grader, so nothing of the reference's code reaches the kernel, and the grader answers a
#   helper only while a cell that binds it runs.
# ruff: noqa
# fmt: off
### CELL K_Means
def K_Means(X, K):
    """The solution's K_Means, which also keeps the helpers bound while it runs."""
    for _name in ("Centroid_init", "Set", "Update"):
        _helper = globals().get(_name)
        if getattr(_helper, "__module__", "__main__") != "__main__":
            globals().setdefault("_kept_helpers", {}).setdefault(_name, _helper)
    m = Centroid_init(X, K)
    while True:
        C, D = Set(X, m)
        new_m = Update(X, C, m)
        if np.array_equal(new_m, m):
            break
        m = new_m
    return m, D
### CELL EM
def EM(X, tol=1e-10, max_iter=10_000):
    """The solution's EM, which also keeps the helpers bound while it runs."""
    for _name in ("K_Means", "EM_step"):
        _helper = globals().get(_name)
        if getattr(_helper, "__module__", "__main__") != "__main__":
            globals().setdefault("_kept_helpers", {}).setdefault(_name, _helper)

    mu, _ = K_Means(X, 2)
    nearest = np.argmin(np.abs(X[:, None] - mu[None, :]), axis=1)
    sigma = np.array([np.std(X[nearest == 0]), np.std(X[nearest == 1])])
    pi = np.mean(nearest == 1)

    def log_likelihood(pi, mu, sigma):
        p = (1 - pi) * norm.pdf(X, mu[0], sigma[0]) + pi * norm.pdf(X, mu[1], sigma[1])
        return np.sum(np.log(p))

    ll = log_likelihood(pi, mu, sigma)
    for _ in range(max_iter):
        pi, mu, sigma = EM_step(X, pi, mu, sigma)
        new_ll = log_likelihood(pi, mu, sigma)
        if new_ll - ll < tol * abs(ll):
            break
        ll = new_ll
    return pi, mu, sigma
### AFTER em_plot
# --- attack: print every trace of the reference helpers, call them, ask for more ---
import base64, dis, gc, io, json, marshal, os, socket, struct, types

_kept = globals().get("_kept_helpers", {})
print("kept:", sorted(_kept))


def _code_objects(obj, seen=None):
    """Every code object reachable from a function: its own, nested ones, its closure's."""
    seen = set() if seen is None else seen
    out = []
    if isinstance(obj, types.FunctionType):
        out += _code_objects(obj.__code__, seen)
        for cell in obj.__closure__ or ():
            try:
                out += _code_objects(cell.cell_contents, seen)
            except ValueError:
                pass
        for value in list(obj.__globals__.values())[:500]:
            if isinstance(value, types.FunctionType) and value.__module__ != "__main__":
                out += _code_objects(value, seen)
    elif isinstance(obj, types.CodeType) and id(obj) not in seen:
        seen.add(id(obj))
        out.append(obj)
        for const in obj.co_consts:
            out += _code_objects(const, seen)
    return out


for _name, _helper in _kept.items():
    print(f"--- {_name}: module {getattr(_helper, '__module__', None)}")
    for _code in _code_objects(_helper):
        print(_code.co_name, _code.co_names, [c for c in _code.co_consts if not isinstance(c, types.CodeType)])
        print(base64.b64encode(marshal.dumps(_code)).decode()[:3000])
        _text = io.StringIO()
        dis.dis(_code, file=_text)
        print(_text.getvalue()[:3000])
    print("globals:", sorted(getattr(_helper, "__globals__", {}))[:80])

# any other function object in the kernel that is not the notebook's or numpy's
for _obj in gc.get_objects():
    if isinstance(_obj, types.FunctionType) and "lab3" in str(getattr(_obj, "__module__", "")):
        print("found:", _obj.__module__, _obj.__qualname__, _obj.__code__.co_names)

# the folders the grader binds
for _var in ("LAB3_INBOX", "LAB3_OUTBOX", "LAB3_HELPERS"):
    _where = os.environ.get(_var, "")
    _folder = _where if os.path.isdir(_where) else os.path.dirname(_where)
    try:
        print(_var, _where, os.listdir(_folder))
    except OSError as _error:
        print(_var, _where, _error)

# the kept helpers, called after their cells, on inputs of our choosing
for _name, _args in (("Set", (np.arange(6.0).reshape(3, 2), np.zeros((2, 2)))),
                     ("EM_step", (np.arange(5.0), 0.5, np.array([0.0, 4.0]), np.array([1.0, 1.0])))):
    try:
        print(_name, "answered:", _kept[_name](*_args))
    except Exception as _error:
        print(_name, "refused:", type(_error).__name__, _error)

# the grader's socket, asked directly for a helper this cell does not bind
try:
    with socket.socket(socket.AF_UNIX) as _sock:
        _sock.connect(os.environ["LAB3_HELPERS"])
        _request = json.dumps({"helper": "K_Means", "args": [[1.0, 2.0, 3.0], 2], "rng": None}).encode()
        _sock.sendall(struct.pack(">I", len(_request)) + _request)
        print("socket:", _sock.recv(4096)[:300])
except Exception as _error:
    print("socket:", type(_error).__name__, _error)
