"""A worker's nbgrader configuration: the course's own, plus the pipeline's pieces.

The course's ``nbgrader_config.py`` stays the one place for time limits, output
limits and the gradebook URL; :func:`grading_config` adds the pipeline's pieces
on top of it (the resilient Execute, the byte limit, the kernel transport),
through nbgrader's own traits, so ``nbgrader autograde`` itself is unchanged.
The process-wide set-up every grading process shares comes first.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from traitlets.config import Config

from kmeans_em_lab.pipeline.shared.course_config import db_url


def skip_slow_optional_imports() -> None:
    """Keep ``rfc3987_syntax`` out of this process: a faster start for the parent and workers.

    jsonschema (imported by nbformat, so by nbgrader) loads it, if installed, only
    to check the "iri" string format, which notebooks do not use; building its
    grammar takes over a second, about half of nbgrader's import time. Without it
    jsonschema simply skips that format. Call before importing nbgrader; a process
    that has imported jsonschema already is left alone (nothing left to save).
    """
    if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # an import of it raises ImportError


def quiet_known_warnings() -> None:
    """Hide one harmless warning of nbgrader from the instructor's terminal.

    nbgrader 0.9 with SQLAlchemy 2 warns "Object of type <SubmittedAssignment>
    not in session, add operation ... will not proceed" whenever it adds a
    submission to a gradebook; the rows are written all the same (the gradebook
    tests read them back). Other warnings are left as they are.
    """
    import warnings

    warnings.filterwarnings(
        "ignore", message=r"Object of type <\w+> not in session", module=r"nbgrader\."
    )


def grading_config(base: Config, *, sandbox: bool, scratch: Path) -> Config:
    """``base`` plus the pipeline's preprocessors and kernel sockets, for one worker's
    private course.

    ``scratch`` is the worker's private folder: the kernel's sockets are files
    there (the ``ipc`` transport; absolute paths: nbgrader runs the kernel in
    another folder than the one it connects from), so no TCP port is used and a
    sandboxed kernel, which has no network, can still talk to the grader.
    """
    from nbgrader.converters import Autograde

    from kmeans_em_lab.pipeline.pages import feedback_page

    config = copy.deepcopy(base)  # the caller's config is left alone
    config.CourseDirectory.db_url = db_url(base)
    default = Autograde.autograde_preprocessors.default()
    config.Autograde.autograde_preprocessors = pipeline_preprocessors(
        list(base.Autograde.get("autograde_preprocessors", default))
    )
    sanitize = Autograde.sanitize_preprocessors.default()
    config.Autograde.sanitize_preprocessors = sanitize_preprocessors(
        list(base.Autograde.get("sanitize_preprocessors", sanitize))
    )
    feedback_page.configure(config)
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(Path(scratch).resolve() / "kernel")
    config.SandboxedKernelManager.sandbox = sandbox
    return config


def pipeline_preprocessors(preprocessors: list) -> list:
    """nbgrader's autograde list with Execute -> ResilientExecute + JudgeRecords,
    LimitOutputBytes and ScoreFromVerdicts added.

    ``JudgeRecords`` follows execution at once (the verdicts are in the notebook
    before anything else reads it); ``LimitOutputBytes`` goes right after
    ``LimitOutput`` (or before ``SaveAutoGrades``), so what is saved is already
    limited; ``ScoreFromVerdicts`` goes right before ``SaveAutoGrades``, so
    nothing after it can change what the scores are read from.
    """
    from nbgrader.preprocessors import Execute, LimitOutput, SaveAutoGrades

    from kmeans_em_lab.pipeline.worker.execute import ResilientExecute
    from kmeans_em_lab.pipeline.worker.judge import JudgeRecords
    from kmeans_em_lab.pipeline.worker.limit_bytes import LimitOutputBytes
    from kmeans_em_lab.pipeline.worker.score_from_verdicts import ScoreFromVerdicts

    out = []
    for pp in preprocessors:
        out += [ResilientExecute, JudgeRecords] if pp in (Execute, ResilientExecute) else [pp]
    out = [pp for pp in dict.fromkeys(out) if pp is not ScoreFromVerdicts]
    if LimitOutputBytes not in out:
        anchor = LimitOutput if LimitOutput in out else SaveAutoGrades
        at = out.index(anchor) + (1 if anchor is LimitOutput else 0) if anchor in out else len(out)
        out.insert(at, LimitOutputBytes)
    out.insert(out.index(SaveAutoGrades) if SaveAutoGrades in out else len(out), ScoreFromVerdicts)
    return out


def sanitize_preprocessors(preprocessors: list) -> list:
    """nbgrader's sanitize list with ``ForgetForgedMetadata`` first (a submission's nbgrader
    metadata made the course's), ``RestoreSolutionCells`` right before ``OverwriteCells``
    (deleted solution cells back, so that it can put deleted test cells after them) and
    ``RestoreTestOrder`` right after it (test cells put back in the course's order once
    their content is restored)."""
    from nbgrader.preprocessors import OverwriteCells

    from kmeans_em_lab.pipeline.shared.forged_metadata import ForgetForgedMetadata
    from kmeans_em_lab.pipeline.worker.missing_cells import RestoreSolutionCells
    from kmeans_em_lab.pipeline.worker.test_order import RestoreTestOrder

    ours = (ForgetForgedMetadata, RestoreSolutionCells, RestoreTestOrder)
    out = [pp for pp in preprocessors if pp not in ours]
    if OverwriteCells in out:
        at = out.index(OverwriteCells)
        out[at : at + 1] = [RestoreSolutionCells, OverwriteCells, RestoreTestOrder]
    else:
        out += [RestoreSolutionCells, RestoreTestOrder]
    return [ForgetForgedMetadata, *out]
