"""Open Lab 3 in JupyterLab with the course's settings: ``python start_lab.py``.

Runs ``jupyter lab`` in ``lab3/`` with ``JUPYTER_CONFIG_PATH`` set to the
``jupyter/`` folder beside this file: nbgrader's Validate button on, the
instructor tools off, and Validate's time limits those of the grader
(``jupyter/nbgrader_config.py``). Extra arguments go to ``jupyter lab``.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (a student's Python may be older)
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if importlib.util.find_spec("jupyterlab") is None:
        sys.exit(
            f"JupyterLab is not installed for {sys.executable}: run the install command of "
            "README.md first, then start this file with the Python it installed into "
            "(.venv/bin/python start_lab.py, or python start_lab.py in the conda environment)"
        )
    env = dict(os.environ)
    # Only this bundle's Jupyter settings; an inherited MPLBACKEND (e.g. Agg) would hide plots.
    env["JUPYTER_CONFIG_PATH"] = str(HERE / "jupyter")
    env.pop("MPLBACKEND", None)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={HERE / 'lab3'}",
        "--LabApp.default_url=/lab/tree/lab3.ipynb",
        *sys.argv[1:],
    ]
    os.chdir(HERE)
    if os.name == "posix":
        os.execve(sys.executable, command, env)  # Ctrl+C then reaches JupyterLab itself
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
