"""``python -m kmeans_em_lab bench``: its arguments and the parts it runs (the parts
themselves: the index, :mod:`lab3_dev.bench`)."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from kmeans_em_lab.course import paths
from lab3_dev.bench.report import ALL_PARTS, Goal, Section


@dataclass(frozen=True)
class Plan:
    """How much each part measures: the default run's figures (``QUICK``: a smoke run's)."""

    submissions: int = 40  # 1a: copies of the examples graded
    rounds: int = 3  # 1a, 1b, 7: rounds side by side
    correct: int = 8  # 1b: copies of the correct example graded
    repeats: int = 5  # 2: rounds of one submission
    kmeans_rounds: int = 30  # 3
    em_rounds: int = 10  # 3
    cell_passes: int = 3  # 4: passes of the reference solution
    cell_cap: float = 60.0  # 4: seconds a cell may run before it is stopped
    probe_passes: int = 5  # 4b: passes of the probes in process
    students: int = 1000  # 7: the generated class
    seeds: int = 6  # 7: seeds of the disguiser the calibration runs on


QUICK = Plan(4, 1, 8, 3, 5, 3, 1, 30.0, 2, 200, 1)


def _parts(text: str) -> tuple[str, ...]:
    """``"1,3"`` -> ("1a", "1b", "3"): a bare number is all of its lettered parts."""
    chosen = set()
    for item in text.replace(" ", "").split(","):
        pieces = [p for p in ALL_PARTS if item in (p, p.rstrip("ab"))]
        if not pieces and item != "0":
            raise argparse.ArgumentTypeError(
                f"parts are {', '.join(ALL_PARTS)} (1 = 1a,1b; 4 = 4,4b), got {text!r}"
            )
        chosen.update(pieces)
    return tuple(p for p in ALL_PARTS if p in chosen)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    add = parser.add_argument
    add("--quick", action="store_true", help="smoke run: fewer of everything")
    add("--parts", type=_parts, default=ALL_PARTS,
        help="the parts to run, e.g. 1b,3,4; 1 is 1a,1b, 4 is 4,4b (default: all)")  # fmt: skip
    add("--output", type=Path, help="results file (default: bench/results.md)")
    add("--fresh", action="store_true", help="write only this run's parts (default: the "
        "results file keeps the other parts' sections from its previous version)")  # fmt: skip


def _builders(parts: tuple[str, ...], quick: bool) -> dict[str, object]:
    """Title -> a function that measures that part: the parts chosen, in file order."""
    from lab3_dev import simulate
    from lab3_dev.bench import cells, floor, grading, probes, reference, similarity

    plan = QUICK if quick else Plan()

    def part1a() -> list[Section]:  # part 5 is measured on part 1a's runs
        found = grading.throughput(plan.submissions, plan.rounds)
        return [s for s in found if s.title.split(".")[0] in parts]

    sizes = simulate.QUICK_SIZES if quick else simulate.SIZES
    every = {
        "1a": ("1a. Autograde throughput / 5. Memory", part1a),
        "1b": (floor.TITLES["1b"], lambda: floor.run("1b", plan.correct, plan.rounds)),
        "2": (floor.TITLES["2"], lambda: floor.run("2", 1, plan.repeats)),
        "3": ("3. Reference implementations",
              lambda: reference.run(plan.kmeans_rounds, plan.em_rounds)),
        "4": ("4. Hidden tests' cost", lambda: cells.run(plan.cell_passes, cap=plan.cell_cap)),
        "4b": (probes.TITLE, lambda: probes.run(plan.probe_passes)),
        "6": ("6. The driver at class size (simulation)",
              lambda: simulate.section(simulate.measure(sizes), quick)),
        "7": (similarity.TITLE, lambda: similarity.run(plan.students, plan.rounds, plan.seeds)),
    }  # fmt: skip
    every["5"] = every["1a"]
    return dict(every[part] for part in parts)


def _measure(title: str, build) -> list[Section]:
    """The part's sections; a part that fails is reported and the others still run."""
    try:
        built = build()
    except Exception as err:  # noqa: BLE001 - reported in the results and the exit code
        traceback.print_exc()
        message = (str(err).strip().splitlines() or [""])[0]
        failed = Section(f"{title} (FAILED)", f"Failed: `{type(err).__name__}: {message}`")
        failed.goals.append(Goal(title, "failed", "-", None))
        return [failed]
    return built if isinstance(built, list) else [built]


def main(args: argparse.Namespace) -> int:
    from lab3_dev.bench import machine, scale
    from lab3_dev.bench.report import earlier_sections, render
    from lab3_dev.bench.timing import loadavg

    load_before, started = loadavg(), time.monotonic()
    command = " ".join(["python -m kmeans_em_lab bench", shlex.join(sys.argv[2:])]).strip()
    sections = [s for t, b in _builders(args.parts, args.quick).items() for s in _measure(t, b)]
    failures = [s.title for s in sections if s.title.endswith("(FAILED)")]
    for section in sections if args.quick else []:
        section.intro = f"*From a --quick run (a smoke run, see Machine).* {section.intro}"
        for goal in section.goals:
            goal.run = f"{goal.run} (--quick)"
    output = args.output or paths.course_root() / "bench" / "results.md"
    header = machine.header(load_before, loadavg(), command)
    header.notes.append(
        f"Benchmark wall time: {time.monotonic() - started:.0f} s"
        + (" (--quick: a smoke run, not the reference figures)" if args.quick else "")
    )
    if output.is_file() and not args.fresh:
        kept, earlier = earlier_sections(output.read_text(), args.parts)
        if kept:
            sections += kept
            header.notes.append(
                f"This run measured part(s) {', '.join(args.parts)}; the sections "
                f"{', '.join(s.title for s in kept)} are kept from an earlier run ({earlier})."
            )
    sections.sort(key=lambda s: s.title)
    # the model last, from the figures of every section the file now holds
    text = render(header, sections, footer=scale.section(render(header, sections)))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(text)
    print(f"written: {output}", file=sys.stderr)
    if failures:
        print(f"bench: failed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0
