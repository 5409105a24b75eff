"""The corpora of known submissions, and the table of cases each one's README holds.

Two corpora live under ``corpus/`` (:func:`.paths.corpus_dir`): ``validity``
(what a correct, buggy or cheating submission scores, and why) and
``security`` (attacks on the grader, and the victims graded beside them). Each
holds ``cases/<name>.py`` (:func:`.submissions.load_case`) and
``expected.json``: the graded cells each case fails, never points.

A corpus's ``README.md`` shows every case with its points per function and in
total. Those points come from ``expected.json`` and the source notebook's
metadata (:func:`.points.scored`), so the table is generated: :func:`sync`
rewrites it (``make release`` does, after a points change) and :func:`stale`
names a table that is out of step (a test keeps that list empty).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kmeans_em_lab.course import paths, points, submissions

KINDS = ("validity", "security")
WHAT_COLUMN = {"validity": "what", "security": "attack"}  # the table's second column


@dataclass(frozen=True)
class Corpus:
    """One corpus folder: its cases, what each fails, what each scores."""

    kind: str
    root: Path  # the course root

    @classmethod
    def at(cls, kind: str, course_root: Path | None = None) -> Corpus:
        if kind not in KINDS:
            raise ValueError(f"no corpus {kind!r}: one of {', '.join(KINDS)}")
        root = Path(course_root) if course_root is not None else paths.course_root()
        return cls(kind, root)

    @property
    def folder(self) -> Path:
        return paths.corpus_dir(self.kind, self.root)

    @property
    def cases_dir(self) -> Path:
        return self.folder / "cases"

    @property
    def expected_file(self) -> Path:
        return self.folder / "expected.json"

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"

    @cached_property
    def notebook(self):
        """The source notebook whose metadata gives the points."""
        import nbformat

        return nbformat.read(points.source_notebook(self.root), as_version=4)

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.cases_dir.glob("*.py"))

    def cases(self) -> dict[str, submissions.Case]:
        return submissions.load_cases(self.cases_dir)

    def failing(self) -> dict[str, list[str]]:
        """case -> the graded cells it fails (grade ids, in notebook order)."""
        return json.loads(self.expected_file.read_text())

    def expected(self) -> dict[str, dict[str, float]]:
        """case -> graded cell -> points (the notebook's, 0 for the cells it fails)."""
        return {case: points.scored(cells, self.notebook) for case, cells in self.failing().items()}

    def table(self) -> str:
        """The Markdown table of the cases: what each is, its points per function and in
        total, and why it loses what it loses."""
        functions = points.functions(self.notebook)
        head = f"| case | {WHAT_COLUMN[self.kind]} | "
        head += " | ".join(f"`{f}`" for f in functions) + " | total | why |"
        rule = "|---|---|" + "---:|" * (len(functions) + 1) + "---|"
        rows = []
        expected = self.expected()
        for name, case in self.cases().items():
            scores = points.per_function(expected[name], functions)
            columns = " | ".join(f"{scores[f]:g}" for f in functions)
            what, why = (text.replace("|", "\\|") for text in (case.title, "<br>".join(case.why)))
            rows.append(f"| `{name}` | {what} | {columns} | {sum(scores.values()):g} | {why} |")
        return "\n".join([head, rule, *rows])

    def readme_with_table(self) -> str:
        """The README's text with its table of cases as :meth:`table` makes it."""
        lines = self.readme.read_text().split("\n")
        head = f"| case | {WHAT_COLUMN[self.kind]} |"
        starts = [i for i, line in enumerate(lines) if line.startswith(head)]
        if len(starts) != 1:
            raise ValueError(f"{self.readme}: not one table starting with {head!r}")
        end = starts[0]
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        lines[starts[0] : end] = self.table().split("\n")
        return "\n".join(lines)


def stale(course_root: Path | None = None) -> list[str]:
    """The corpus READMEs whose table of cases is out of step (empty: none)."""
    out = []
    for kind in KINDS:
        corpus = Corpus.at(kind, course_root)
        if corpus.readme_with_table() != corpus.readme.read_text():
            out.append(f"{corpus.readme}: the table of cases")
    return out


def sync(course_root: Path | None = None) -> list[Path]:
    """Rewrite each corpus README's table of cases; returns the files that changed."""
    changed = []
    for kind in KINDS:
        corpus = Corpus.at(kind, course_root)
        text = corpus.readme_with_table()
        if text != corpus.readme.read_text():
            corpus.readme.write_text(text)
            changed.append(corpus.readme)
    return changed
