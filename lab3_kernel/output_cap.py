"""The kernel-side cap on output bytes: a 200 MB print never leaves the kernel.

:func:`install` runs inside the student's IPython kernel, from a startup file
in the kernel's ``IPYTHONDIR`` (:func:`startup_code`), before any cell.
It wraps ``sys.stdout.write`` / ``sys.stderr.write`` with a byte budget per cell
(reset on every ``pre_execute``) and shortens oversized display data, so the
grader never receives, holds or saves the excess. The grader side has its own
limits too (``ResilientExecute``, ``LimitOutputBytes`` in the grading pipeline):
student code can undo this one.

It imports nothing but the standard library and leaves no names in the
student's namespace.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "LAB3_KERNEL_OUTPUT_BYTES"
STARTUP_FILE = "00-lab3-output-cap.py"
MARK = "... output truncated by the grader"


def _prefix(text: str, limit: int) -> tuple[str, int, bool]:
    head = text[: max(limit, 0) + 1]
    data = head.encode("utf-8", "surrogatepass")
    if len(data) <= limit and len(head) == len(text):
        return text, len(data), False
    kept = data[: max(limit, 0)].decode("utf-8", "ignore")
    return kept, len(kept.encode("utf-8", "surrogatepass")), True


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.reset()

    def reset(self, *_args, **_kwargs) -> None:
        self.left = self.limit
        self.noted = False

    def note(self) -> str:
        if self.noted:
            return ""
        self.noted = True
        return f"\n{MARK}: more than {self.limit} bytes in this cell ...\n"


def _wrap_stream(stream, budget: _Budget) -> None:
    original = stream.write

    def write(text):
        if not isinstance(text, str) or budget.left >= 4 * len(text):
            if isinstance(text, str):
                budget.left -= len(text.encode("utf-8", "surrogatepass"))
            return original(text)
        kept, size, cut = _prefix(text, budget.left)
        budget.left -= size
        if cut:
            kept += budget.note()
        if kept:
            original(kept)
        return len(text)

    stream.write = write


def _cap_data(data, limit: int):
    if not isinstance(data, dict):
        return data
    out = {}
    for mime, value in data.items():
        if isinstance(value, str) and len(value) > limit // 4:
            kept, _, cut = _prefix(value, limit)
            if cut:
                if not mime.startswith("text/"):
                    out.setdefault("text/plain", f"[{mime} output removed: over {limit} bytes]")
                    continue
                value = kept + f"\n{MARK}: more than {limit} bytes ...\n"
        out[mime] = value
    return out


def install(limit: int | None = None) -> bool:
    """Cap the current IPython kernel's output; returns whether a cap is in force."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if limit is None:
        try:
            limit = int(os.environ.get(ENV_VAR, "0") or 0)
        except ValueError:
            return False
    if shell is None or limit <= 0:
        return False
    budget = _Budget(limit)
    shell.events.register("pre_execute", budget.reset)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is not None:
            _wrap_stream(stream, budget)

    publisher = shell.display_pub
    publish = publisher.publish

    def capped_publish(data, *args, **kwargs):
        return publish(_cap_data(data, limit), *args, **kwargs)

    publisher.publish = capped_publish

    hook = shell.displayhook
    write_format_data = hook.write_format_data

    def capped_write_format_data(format_dict, *args, **kwargs):
        return write_format_data(_cap_data(format_dict, limit), *args, **kwargs)

    hook.write_format_data = capped_write_format_data
    return True


def startup_code() -> str:
    """The text of an IPython startup file that runs :func:`install` at kernel start."""
    return (
        "# Written by the Lab 3 grading pipeline: caps output bytes per cell.\n"
        f"__import__({__name__!r}, fromlist=['install']).install()\n"
    )


def write_startup_dir(ipython_dir: Path) -> Path:
    """An ``IPYTHONDIR`` whose default profile runs :func:`install` at kernel start."""
    startup = Path(ipython_dir) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    path = startup / STARTUP_FILE
    path.write_text(startup_code())
    return path
