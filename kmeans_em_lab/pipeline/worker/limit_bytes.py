"""``LimitOutputBytes``: cell output limited by bytes, the way ``LimitOutput`` limits lines.

nbgrader's ``LimitOutput`` counts lines, so one 200 MB line goes into the
autograded notebook whole. This preprocessor runs after it and keeps at most
``max_bytes`` bytes of output per cell (text cut at a character boundary, with
a note; oversized non-text data such as a huge image is dropped with a note).
A cut is the grader's ``output_cut`` event (:mod:`.verdicts`), flagged.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from kmeans_em_lab.pipeline.shared import verdicts
from kmeans_em_lab.pipeline.shared.course_config import setting
from kmeans_em_lab.pipeline.shared.untrusted_text import is_text, notebook_text

TRUNCATED = "... output truncated by the grader"


def note(limit: int, where: str = "in this cell") -> str:
    """The line that marks where output was cut (for the reader; the flag is an event)."""
    return f"\n{TRUNCATED}: more than {limit} bytes {where} ...\n"


def utf8_prefix(text: str, max_bytes: int) -> tuple[str, int, bool]:
    """The longest prefix of ``text`` of at most ``max_bytes`` UTF-8 bytes.

    Returns (prefix, its size in bytes, whether anything was cut). Only the
    first ``max_bytes`` characters are ever encoded, however long ``text`` is.
    """
    max_bytes = max(0, max_bytes)
    head = text[: max_bytes + 1]
    data = head.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes and len(head) == len(text):
        return text, len(data), False
    kept = data[:max_bytes].decode("utf-8", "ignore")
    return kept, len(kept.encode("utf-8", "surrogatepass")), True


VALUE_BYTES = 64
"""What every JSON value, container and key is charged on top of its text: about what it
takes once decoded (a dict of the notebook is a few hundred bytes). Without it 1 MiB of
``{"":{"":...}}`` is charged a few kilobytes and held as a hundred megabytes, four times
over once nbgrader copies the notebook."""


def held_bytes(value) -> int:
    """About how many bytes ``value`` (decoded JSON: an output's data, a message's content
    and buffers) holds: its strings' and buffers' bytes, and :data:`VALUE_BYTES` per value,
    container and key (iterative: a deeply nested value cannot exhaust the stack)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        total += VALUE_BYTES
        if isinstance(item, str | bytes | bytearray):
            total += len(item)
        elif isinstance(item, memoryview):
            total += item.nbytes
        elif isinstance(item, dict):
            total += sum(len(str(k)) + VALUE_BYTES for k in item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return total


class LimitOutputBytes(NbGraderPreprocessor):
    """Limit the bytes of output kept per code cell (streams, results, displays, errors).

    An error output is always kept (its text shortened), a stderr stream is kept (as
    the note), and an ``execute_result`` keeps a ``text/plain`` entry.
    """

    max_bytes = setting(
        Integer, 1_048_576, "maximum bytes of output kept per code cell (-1 means no limit)"
    )

    # room always left to an error message, even past the limit
    ERROR_ROOM = 4096

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if self.max_bytes < 0 or cell.cell_type != "code":
            return cell, resources
        self._budget = self.max_bytes
        self._noted = False
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                output = self._limit_stream(output)
            elif kind in ("execute_result", "display_data"):
                output = self._limit_data(output)
            elif kind == "error":
                output = self._limit_error(output)
            if output is not None:
                outputs.append(output)
        if self._noted:
            self.log.warning("Output of cell %s cut at %d bytes", cell_index, self.max_bytes)
            if not any(e.code == verdicts.OUTPUT_CUT for e in verdicts.read_events(cell)):
                label = verdicts.cell_label(cell, cell_index)
                message = f"output cut to the byte limit in cell {label}"
                verdicts.write_events(cell, [verdicts.Event(verdicts.OUTPUT_CUT, message)])
        cell.outputs = outputs
        return cell, resources

    def _note(self) -> str:
        if self._noted:
            return ""
        self._noted = True
        return note(self.max_bytes)

    def _limit_stream(self, output: NotebookNode) -> NotebookNode | None:
        text, size, cut = utf8_prefix(notebook_text(output.text), self._budget)
        self._budget -= size
        if cut:
            text += self._note()
        if not text and output.get("name") != "stderr":
            return None  # nothing left of a stdout stream
        output.text = text or note(self.max_bytes)
        return output

    def _limit_data(self, output: NotebookNode) -> NotebookNode | None:
        data = output.get("data", {})
        for mime in list(data):
            value = data[mime]
            if is_text(value):
                text, size, cut = utf8_prefix(notebook_text(value), self._budget)
            else:  # JSON: kept whole, or removed
                text, size = "", held_bytes(value)
                cut = size > self._budget
                size = min(size, self._budget)
            self._budget -= size
            if not cut:
                continue
            if mime.startswith("text/"):
                data[mime] = (text + self._note()) or note(self.max_bytes)
            else:
                del data[mime]
                data.setdefault("text/plain", f"[{mime} output removed]" + self._note())
        if not data:
            if output.get("output_type") == "display_data":
                return None
            data["text/plain"] = note(self.max_bytes)
        return output

    def _limit_error(self, output: NotebookNode) -> NotebookNode:
        room = max(self._budget, self.ERROR_ROOM)
        evalue, size, cut = utf8_prefix(notebook_text(output.get("evalue", "")), room)
        output.evalue = evalue + (self._note() if cut else "")
        room -= size
        lines = []
        for line in output.get("traceback", []):
            kept, size, cut = utf8_prefix(line, max(room, 0))
            if cut:
                lines.append(kept + self._note())
                break
            lines.append(kept)
            room -= size
        output.traceback = lines
        self._budget = max(0, min(self._budget, room))
        return output
