"""Moments of one ``make grade`` run, for whoever measures it: when each phase began and
ended and how many results were saved by when (the benchmark's class-size simulation,
:mod:`lab3_dev.simulate`, reads them; ``make grade`` itself keeps them unread)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

# the phases the driver marks, in the order they happen
CLEAR = "clear"  # the students about to be graded removed from the gradebook
DISPATCH = "dispatch"  # the first submission handed to the cluster
SAVED = "saved"  # the last result saved (files, gradebook, stamp)
REPORT = "report"  # feedback check, CSV, class report, terminal table
SIMILARITY = "similarity"  # the similarity report, within the report


@dataclass
class Timeline:
    """``marks``: phase -> seconds since the run began (a phase with an end has ``"<phase>
    end"`` too); ``saves``: (seconds, results saved so far), one per saved result."""

    began: float = field(default_factory=time.monotonic)
    marks: dict[str, float] = field(default_factory=dict)
    saves: list[tuple[float, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> float:
        return time.monotonic() - self.began

    def mark(self, name: str) -> None:
        self.marks[name] = self.now()

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.mark(name)
        try:
            yield
        finally:
            self.mark(f"{name} end")

    def seconds(self, name: str) -> float | None:
        """How long phase ``name`` took (None if it did not run)."""
        if name not in self.marks or f"{name} end" not in self.marks:
            return None
        return self.marks[f"{name} end"] - self.marks[name]

    def saved(self, _outcome=None) -> None:
        """One more result saved (the writer's thread calls it)."""
        with self._lock:
            self.saves.append((self.now(), len(self.saves) + 1))
