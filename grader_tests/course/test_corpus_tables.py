"""The corpora's tables of cases are generated from the expectations and the points
(kmeans_em_lab/course/corpus.py)."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from kmeans_em_lab.course import corpus, paths, points

ROOT = paths.course_root()


def test_every_corpus_table_is_current():
    assert corpus.stale(ROOT) == [], "a corpus table of cases is out of step: run `make release`"


@pytest.fixture
def scratch(tmp_path):
    """A copy of the source notebook and of both corpora's READMEs and expectations."""
    notebook = points.source_notebook(tmp_path)
    notebook.parent.mkdir(parents=True)
    shutil.copy(points.source_notebook(ROOT), notebook)
    for kind in corpus.KINDS:
        mine, theirs = corpus.Corpus.at(kind, tmp_path), corpus.Corpus.at(kind, ROOT)
        shutil.copytree(theirs.cases_dir, mine.cases_dir)
        for name in ("README.md", "expected.json"):
            shutil.copy(theirs.folder / name, mine.folder / name)
    return tmp_path


def _row(readme: str, case: str) -> list[str]:
    line = next(line for line in readme.split("\n") if line.startswith(f"| `{case}` |"))
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_a_points_change_rewrites_both_tables(scratch):
    assert corpus.sync(scratch) == []  # in step already: nothing written
    notebook = points.source_notebook(scratch)
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.id == "test_Set_hidden":
            cell.metadata["nbgrader"]["points"] = 12
    nbformat.write(nb, notebook)
    readmes = [corpus.Corpus.at(kind, scratch).readme for kind in corpus.KINDS]
    assert corpus.stale(scratch) == [f"{r}: the table of cases" for r in readmes]
    assert corpus.sync(scratch) == readmes
    assert corpus.stale(scratch) == [] and corpus.sync(scratch) == []
    validity, security = (r.read_text() for r in readmes)
    # columns: case, what, Centroid_init, Set, Update, K_Means, EM_step, EM, total, why
    assert _row(validity, "solution")[2:9] == ["5", "17", "15", "20", "20", "25", "102"]
    assert _row(validity, "bug_set_returns_labels")[3] == "0"  # fails Set: 0 whatever its points
    assert _row(security, "attack_gradebook")[3:4] + _row(security, "attack_gradebook")[8:9] == [
        "0",
        "85",
    ]


def test_a_readme_without_its_table_is_an_error(scratch):
    readme = corpus.Corpus.at("security", scratch).readme
    readme.write_text("# The security corpus\n\nNo table.\n")
    with pytest.raises(ValueError, match="not one table"):
        corpus.stale(scratch)
