"""Part 0: the machine and software the figures were measured on."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

import psutil

from kmeans_em_lab.pipeline.driver.settings import usable_cores
from lab3_dev.bench.report import Section, fmt_mib
from lab3_dev.bench.timing import fmt_load, loadavg

PACKAGES = ("numpy", "scipy", "scikit-learn", "nbgrader", "nbclient", "ipykernel", "jupyter_client")


def _cpu_model() -> str:
    with open("/proc/cpuinfo") as fh:
        found = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
    return found[0] if found else platform.machine()


def _blas() -> str:
    import numpy  # noqa: F401 (loads its BLAS so threadpoolctl sees it)
    from threadpoolctl import threadpool_info

    return ", ".join(sorted({
        f"{p.get('internal_api')} {p.get('version') or ''} ({p.get('num_threads')} threads)"
        for p in threadpool_info() if p.get("user_api") == "blas"
    })) or "unknown"  # fmt: skip


def header(load_before, load_after=None, command: str = "") -> Section:
    """The Machine section: the hardware, the packages, the load before and after the run."""
    section = Section("Machine")
    table = section.table("", ["item", "value"])
    table.add("CPU", _cpu_model())
    table.add("cores", f"{os.cpu_count()} ({usable_cores()} usable by this process)")
    table.add("memory", fmt_mib(psutil.virtual_memory().total))
    table.add("OS", f"{platform.system()} {platform.release()}")
    table.add("Python", sys.version.split()[0])
    for name in PACKAGES:
        try:
            table.add(name, metadata.version(name))
        except metadata.PackageNotFoundError:
            table.add(name, "not installed")
    table.add("BLAS", _blas())
    table.add("load average (1/5/15 min) before", fmt_load(load_before))
    table.add("load average (1/5/15 min) after", fmt_load(load_after or loadavg()))
    if command:
        table.add("command", f"`{command}`")
    section.notes.append(
        "Each figure is a median of rounds and each ratio the median of per-round ratios "
        "against a baseline run in alternation, so other programs' load mostly cancels."
    )
    return section
