"""What every local grading worker imports, imported once by the cluster's fork server.

A local cluster's worker processes are forked from one server process
(``multiprocessing``'s forkserver) that has imported this module: nbgrader,
nbconvert, SQLAlchemy and the pipeline's grading code (the worker's grader, with
the checks, the judge and the feedback page it imports) are loaded once per
``make grade`` instead of once per worker, and each worker starts with them
already in memory. :func:`.config.skip_slow_optional_imports` runs first, as
in every other grading process. The Dask listeners of those workers are guarded
against other users of the machine (:mod:`..shared.guarded_ports`).
"""

from __future__ import annotations

from kmeans_em_lab.pipeline.worker.config import skip_slow_optional_imports

skip_slow_optional_imports()

import nbgrader.apps  # noqa: E402, F401

import kmeans_em_lab.pipeline.worker.grader  # noqa: E402, F401
from kmeans_em_lab.pipeline.shared import guarded_ports  # noqa: E402

# every process of the local cluster is the grader's: its workers close other users'
# connections at once (the grader's task module installed the guard of any worker), and
# their web servers every connection
guarded_ports.install(local=True)
guarded_ports.refuse_http()
