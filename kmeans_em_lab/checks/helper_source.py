"""The reference helpers a check binds in the student's kernel, as source text.

A check of ``K_Means`` runs the student's ``K_Means`` with the reference
``Centroid_init``, ``Set`` and ``Update`` (one bug is not paid for twice); a
check of ``EM`` with the reference ``K_Means`` and ``EM_step``. Those helpers
run inside the kernel, so the grader sends their code in the plan of the cells
that need them, and only those: the reference of a function enters the kernel
after every check of that function has run (``grader_tests`` checks the
notebook's order), so it cannot stand in for the student's own.

The text is assembled from the reference modules themselves
(:mod:`kmeans_em_lab.reference.kmeans`, :mod:`kmeans_em_lab.reference.em`,
:mod:`kmeans_em_lab.reference.contract`): what runs in the kernel is the code the
checks compare against, and nothing else of it. It travels compiled
(:func:`code`: bytecode without docstrings, the kernel runs the same Python),
so no line of the reference's source reaches the kernel, where student code
could read it and print it into its feedback.

The text depends on the installed reference modules only, never on a course's
data or draw (a worker given a new course bundle runs the same package), so its
caches need no course key.
"""

from __future__ import annotations

import base64
import inspect
import marshal
from functools import lru_cache

from kmeans_em_lab.reference import contract, em, kmeans

# helper -> its object in :mod:`kmeans_em_lab.reference.contract` (``make_*`` take the rng)
FACTORIES = {
    "Centroid_init": "make_Centroid_init",
    "Set": "Set",
    "Update": "Update",
    "K_Means": "make_K_Means",
    "EM_step": "EM_step",
}

# what each contract object needs from the reference modules, in definition order
NEEDS = {
    "make_Centroid_init": ("kmeans.init_centroids",),
    "Set": ("kmeans._as_2d", "kmeans.squared_distances", "kmeans.assign_labels", "kmeans.assign"),
    "Update": ("kmeans.update",),
    "make_K_Means": (
        "kmeans._as_2d",
        "kmeans.squared_distances",
        "kmeans.assign_labels",
        "kmeans.update_from_labels",
        "kmeans.KMeansResult",
        "kmeans.lloyd",
        "kmeans.init_centroids",
    ),
    "EM_step": (
        "em._log_normal_pdf",
        "em._component_log_densities",
        "em._gamma",
        "em.responsibilities",
        "em.maximise",
        "em.em_step",
    ),
}

_MODULES = {"kmeans": kmeans, "em": em}
_HEADER = """\
# The Lab 3 grader's reference helpers (sent for this cell only).
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy.special import expit

_LOG_SQRT_2PI = {log_sqrt_2pi!r}
"""


@lru_cache(maxsize=32)
def source(names: tuple[str, ...]) -> str:
    """A module defining the contract objects behind the helpers ``names``."""
    factories = [FACTORIES[name] for name in names]
    needed: dict[str, None] = {}
    for factory in factories:
        needed.update(dict.fromkeys(NEEDS[factory]))
    parts = [_HEADER.format(log_sqrt_2pi=em._LOG_SQRT_2PI)]
    by_module: dict[str, list[str]] = {"kmeans": [], "em": []}
    for qualified in needed:
        module, name = qualified.split(".")
        parts.append(inspect.getsource(getattr(_MODULES[module], name)))
        by_module[module].append(name)
    for module, names_in in by_module.items():
        members = ", ".join(f"{n}={n}" for n in names_in)
        parts.append(f"{module} = SimpleNamespace({members})\n")
    parts += [inspect.getsource(getattr(contract, factory)) for factory in factories]
    return "\n\n".join(parts)


@lru_cache(maxsize=32)
def code(names: tuple[str, ...]) -> str:
    """:func:`source` compiled (docstrings dropped), marshalled and base64-encoded."""
    compiled = compile(source(names), "<lab3 reference helpers>", "exec", optimize=2)
    return base64.b64encode(marshal.dumps(compiled)).decode("ascii")
