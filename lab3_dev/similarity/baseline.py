"""The baseline: ``copydetect`` (winnowing over its filtered tokens) on the same class.

Each student's six solution cells go into one ``.py`` file, the release's
template into a boilerplate file, and copydetect compares every pair with its
defaults (noise threshold k = 25, guarantee threshold 30). A pair's score is
the larger of its two directional similarities, as copydetect's report shows
them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from copydetect import CopyDetector


def scores(
    code: dict[str, dict[str, str]], template: dict[str, str]
) -> dict[tuple[str, str], float]:
    """student -> function -> cell source; returns (a, b) -> similarity (a < b), every pair."""
    with tempfile.TemporaryDirectory(prefix="lab3-copydetect-") as tmp:
        root = Path(tmp)
        (root / "class").mkdir()
        (root / "boiler").mkdir()
        (root / "boiler" / "template.py").write_text("\n\n".join(template.values()) + "\n")
        for student, cells in code.items():
            (root / "class" / f"{student}.py").write_text("\n\n".join(cells.values()) + "\n")
        detector = CopyDetector(
            test_dirs=[str(root / "class")],
            boilerplate_dirs=[str(root / "boiler")],
            extensions=["py"],
            display_t=0.0,
            autoopen=False,
            silent=True,
            out_file=str(root / "report.html"),
        )
        detector.run()
        names = [Path(f).stem for f in detector.test_files]
        sim = detector.similarity_matrix
    out = {}
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if a < b:
                out[(a, b)] = float(
                    max(sim[i, j, 0], sim[i, j, 1], sim[j, i, 0], sim[j, i, 1], 0.0)
                )
    return out
