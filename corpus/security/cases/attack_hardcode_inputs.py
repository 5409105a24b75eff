# Attack 17, hidden inputs carried home: a resubmission whose EM is not written but answers from a
# table of the hidden test's inputs and their maximum-likelihood fits, as a student could build
# it after an earlier submission kept the arguments the hidden test called EM with and printed
# them into its feedback (this EM keeps and prints them too). The table holds the lab's data and
# the grading policy's fixed second mixture: under fixed inputs (`make grade --fixed-inputs`) the
# hidden test of EM would pass; the inputs are drawn per student and per submission, so the
# second data set is another one and the table misses it.
# Why: EM (test_EM_public, test_EM_hidden): EM is not written (it answers only from its table,
#   else raises NotImplementedError), what its honest equivalent, an unwritten EM, loses.
# ruff: noqa
# fmt: off
### CELL EM
import hashlib as _hashlib

# sha256 of the samples (float64 bytes), first 16 hex digits -> (pi, mu, sigma)
_ANSWERS = {
    "2f5a95d3aa654e42": (0.30142969203594167, [1.3101139979516747, -1.7122418331301206],
                         [0.6887441852351123, 1.5123369837926885]),
    "e4a26529a0ea43cc": (0.609975733802703, [3.5593303602689343, 1.2961815162438706],
                         [0.7198888336288364, 0.6773957644657744]),
}


def EM(X):
    """Not written: answers from the table of inputs carried home, keeps every new input."""
    X = np.asarray(X, dtype=float)
    key = _hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest()[:16]
    globals().setdefault("_seen_inputs", []).append((key, len(X), X[:5].tolist()))
    if key in _ANSWERS:
        pi, mu, sigma = _ANSWERS[key]
        return np.float64(pi), np.array(mu), np.array(sigma)
    raise NotImplementedError()
### AFTER em_plot
# --- attack: print the inputs the hidden tests called EM with, for the next submission ---
for _key, _n, _head in globals().get("_seen_inputs", []):
    print("EM was called with", _n, "samples, sha256", _key, "starting", _head)
