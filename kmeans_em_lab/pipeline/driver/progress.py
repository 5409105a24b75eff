"""Progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise.

Shows submissions done / total, failures so far and an ETA (elapsed time per
finished submission times those left, which already accounts for the workers
running in parallel).

Student ids, messages and flags are the submission's words: every line goes
out through :func:`.untrusted_text.for_terminal`, so none can move the
cursor, clear the screen or draw a line of its own.

Events come from the dispatching thread and from the driver's writer (a graded
submission counts once it is saved): one lock keeps lines whole.
"""

from __future__ import annotations

import sys
import threading
import time

from kmeans_em_lab.pipeline.shared.untrusted_text import for_terminal


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    def __init__(self, total: int, stream=None, tty: bool | None = None, width: int = 28):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.width = width
        self.done = 0
        self.failed = 0
        self.retries = 0
        self.running: list[str] = []
        self.start = time.monotonic()
        self._last_draw = 0.0
        self._lock = threading.RLock()

    # -- counts ---------------------------------------------------------------------

    def eta(self) -> str:
        if self.done == 0:
            return "--"
        if self.done >= self.total:
            return "0s"
        elapsed = time.monotonic() - self.start
        return duration(elapsed / self.done * (self.total - self.done))

    def status(self) -> str:
        return f"{self.done}/{self.total} done, {self.failed} failed, ETA {self.eta()}"

    # -- events from the dispatcher -----------------------------------------------

    def started(self, student: str) -> None:
        with self._lock:
            self.running.append(student)
            self._draw(force=True)

    def retrying(self, result: dict) -> None:
        with self._lock:
            self.retries += 1
            self._drop(result["student"])
            self._line(f"retrying {result['student']}: {result.get('message', '')}")

    def finished(self, result: dict) -> None:
        with self._lock:
            self._drop(result["student"])
            self.done += 1
            if result.get("status") == "failed":
                self.failed += 1
            self._line(self._describe(result))

    def tick(self) -> None:
        with self._lock:
            self._draw()

    def close(self) -> None:
        with self._lock:
            if self.tty:
                self.stream.write("\r\x1b[K")
            elapsed = duration(time.monotonic() - self.start)
            self.stream.write(
                f"graded {self.done}/{self.total} in {elapsed}, {self.failed} failed"
                + (f", {self.retries} retried" if self.retries else "")
                + "\n"
            )
            self.stream.flush()

    # -- drawing --------------------------------------------------------------------

    def _drop(self, student: str) -> None:
        if student in self.running:
            self.running.remove(student)

    def _describe(self, result: dict) -> str:
        student, status = result["student"], result.get("status")
        if status == "graded":
            text = f"{student}: {result.get('score', 0):g}/{result.get('max_score', 0):g}"
        elif status == "zero":
            text = f"{student}: 0 ({result.get('message', '')})"
        else:
            text = f"{student}: FAILED ({result.get('message', '')})"
        if result.get("seconds") is not None:
            text += f" in {result['seconds']:.1f}s"
        flags = [f for f in result.get("flags", []) if f != result.get("message")]
        if flags and status == "graded":
            text += " [" + "; ".join(flags) + "]"
        return text

    def _bar(self) -> str:
        filled = int(self.width * self.done / self.total) if self.total else self.width
        return "#" * filled + "-" * (self.width - filled)

    def _line(self, text: str) -> None:
        text = for_terminal(text)
        if self.tty:
            self.stream.write(f"\r\x1b[K  {text}\n")
            self._draw(force=True)
        else:
            self.stream.write(
                f"[{self.done:>{len(str(self.total))}}/{self.total}] {text} | "
                f"{self.failed} failed, ETA {self.eta()}\n"
            )
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < 0.5:
            return
        self._last_draw = now
        running = ", ".join(self.running[:4]) + ("..." if len(self.running) > 4 else "")
        running = for_terminal(running)
        self.stream.write(f"\r\x1b[K[{self._bar()}] {self.status()}  {running}")
        self.stream.flush()
