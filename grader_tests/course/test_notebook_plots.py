"""The executed source notebook's plots are real, non-blank PNGs of the size the notebook sets.

The notebook runs with nbclient in a temporary copy, with two cells put in
front of it: one makes the inline backend save whole figures (no tight bounding
box, so a PNG is exactly figsize x dpi pixels), the other records each
displayed figure's size in inches and dpi in the output's metadata. Every
``image/png`` output, in cell order, is decoded to ``.artifacts/plots/`` and
checked: a PNG matplotlib can read, width and height equal to figsize x dpi,
and not blank.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from matplotlib import image as mpimg
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
SOURCE_NB = REPO / "source" / "lab3" / "lab3.ipynb"
PLOTS_DIR = REPO / ".artifacts" / "plots"
META_KEY = "lab3_test_figure"
# The plots the lab must show, by the id of the cell that draws them, in notebook order.
PLOTS = {
    "scatter": "the feature scatter plot",
    "plot_true_gmm": "the mixture plot",
    "em_plot": "the final fit",
}

INSTRUMENT = f"""\
%config InlineBackend.print_figure_kwargs = {{"bbox_inches": None}}
import matplotlib_inline.backend_inline as _lab3_inline

_lab3_fetch = _lab3_inline._fetch_figure_metadata


def _lab3_figure_metadata(fig):
    metadata = dict(_lab3_fetch(fig) or {{}})
    width, height = fig.get_size_inches()
    metadata["{META_KEY}"] = {{"width_in": float(width), "height_in": float(height),
                               "dpi": float(fig.dpi)}}
    return metadata


_lab3_inline._fetch_figure_metadata = _lab3_figure_metadata
"""

pytestmark = pytest.mark.slow


def execute_copy(notebook: Path, workdir: Path, timeout: int = 900) -> nbformat.NotebookNode:
    """Run a copy of ``notebook``'s folder in ``workdir``; the executed notebook."""
    shutil.copytree(notebook.parent, workdir, dirs_exist_ok=True)
    nb = nbformat.read(workdir / notebook.name, as_version=4)
    probe = nbformat.v4.new_code_cell(INSTRUMENT)
    probe.metadata["tags"] = ["lab3-test-instrumentation"]
    nb.cells.insert(0, probe)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return nb


def png_outputs(nb: nbformat.NotebookNode) -> list[tuple[str, bytes, dict]]:
    """``(cell id, PNG bytes, figure metadata)`` for every image/png output, in order."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                png = base64.b64decode(data["image/png"])
                found.append((cell.get("id", "?"), png, output.get("metadata", {})))
    return found


def check_png(path: Path, figure: dict | None) -> tuple[int, int]:
    """Assert the PNG at ``path`` is readable, of the figure's size and not blank."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and pixels.shape[2] in (3, 4), f"{path.name}: shape {pixels.shape}"
    height, width = pixels.shape[:2]
    assert figure is not None, f"{path.name}: no figure size recorded (not drawn by pyplot?)"
    expected = (
        round(figure["width_in"] * figure["dpi"]),
        round(figure["height_in"] * figure["dpi"]),
    )
    assert abs(width - expected[0]) <= 1 and abs(height - expected[1]) <= 1, (
        f"{path.name} is {width}x{height} px, expected {expected[0]}x{expected[1]} "
        f"({figure['width_in']:g}x{figure['height_in']:g} in at {figure['dpi']:g} dpi)"
    )
    rgb = pixels[..., :3]
    colours = len(np.unique((rgb * 255).round().astype(np.uint8).reshape(-1, 3), axis=0))
    spread = float(rgb.std())
    chroma = rgb.max(axis=2) - rgb.min(axis=2)
    coloured = float((chroma > 0.15).mean())
    assert colours > 8 and spread > 0.03 and coloured > 0.002, (
        f"{path.name} looks blank: {colours} distinct colours, pixel std {spread:.3f}, "
        f"{coloured:.2%} coloured pixels"
    )
    return width, height


def save_and_check(nb: nbformat.NotebookNode, out_dir: Path, prefix: str) -> list[Path]:
    """Decode every PNG output into ``out_dir`` and check it; the files, in order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(f"{prefix}-*.png"):
        stale.unlink()
    paths = []
    for n, (cell_id, png, metadata) in enumerate(png_outputs(nb), start=1):
        path = out_dir / f"{prefix}-{n:02d}-{cell_id}.png"
        path.write_bytes(png)
        check_png(path, metadata.get(META_KEY))
        paths.append(path)
    return paths


@pytest.fixture
def inline_backend(monkeypatch):
    """Kernels inherit the environment: drop MPLBACKEND (make sets Agg) so plots go inline."""
    monkeypatch.delenv("MPLBACKEND", raising=False)


def toy_notebook(folder: Path, blank: bool = False) -> Path:
    """Three plots like the lab's (scatter, mixture, fit), sized three ways; or a blank one."""
    folder.mkdir(parents=True)
    cells = [
        "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
        "FIG_WIDTH, FIG_HEIGHT = 6, 4\n"
        "plt.rcParams.update({'figure.figsize': (FIG_WIDTH, FIG_HEIGHT), 'figure.dpi': 72})\n"
        "rng = np.random.default_rng(0)",
        "X = rng.normal(size=(200, 2))\n"
        "fig, ax = plt.subplots(1, 1, figsize=(FIG_WIDTH * 1.5, FIG_HEIGHT * 1.5))\n"
        "ax.scatter(X[:, 0], X[:, 1], c=X[:, 0] > 0, s=75)\nplt.show()",
        "x = np.linspace(-4, 4, 200)\nplt.plot(x, np.exp(-x**2), color='tab:orange')\n"
        "plt.plot(x, np.exp(-(x - 1)**2), color='teal')\nplt.title('mixture')",
        "fig = plt.figure(figsize=(8, 3), dpi=100)\n"
        "plt.hist(rng.normal(size=500), bins=30, color='tab:blue')\nplt.show()",
    ]
    if blank:
        # Empty axes: ticks and frame, no data.
        cells = cells[:1] + ["fig, ax = plt.subplots(figsize=(4, 3))\nplt.show()"]
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, folder / "toy.ipynb")
    return folder / "toy.ipynb"


def test_checker_on_a_toy_notebook(tmp_path, inline_backend):
    """The checker itself: three plots of three sizes pass, a blank figure does not."""
    nb = execute_copy(toy_notebook(tmp_path / "toy"), tmp_path / "run")
    paths = save_and_check(nb, tmp_path / "plots", "toy")
    sizes = [mpimg.imread(p).shape[1::-1] for p in paths]
    assert sizes == [(648, 432), (432, 288), (800, 300)], sizes

    blank = execute_copy(toy_notebook(tmp_path / "blank", blank=True), tmp_path / "run_blank")
    with pytest.raises(AssertionError, match="looks blank"):
        save_and_check(blank, tmp_path / "plots", "blank")


def test_source_notebook_plots(tmp_path, inline_backend):
    assert SOURCE_NB.exists(), f"{SOURCE_NB.relative_to(REPO)} is missing"
    nb = execute_copy(SOURCE_NB, tmp_path / "lab3")
    paths = save_and_check(nb, PLOTS_DIR, "lab3")
    assert len(paths) >= len(PLOTS), f"{len(paths)} PNG outputs: {[p.name for p in paths]}"
    drawn = [cell_id for cell_id, _, _ in png_outputs(nb)]
    missing = [
        f"{what} (cell {cell_id!r})" for cell_id, what in PLOTS.items() if cell_id not in drawn
    ]
    assert not missing, f"no PNG from {', '.join(missing)}; PNGs came from cells {drawn}"
    order = [cell_id for cell_id in drawn if cell_id in PLOTS]
    assert order[: len(PLOTS)] == list(PLOTS), f"plots in the order {order}"
