"""``python -m kmeans_em_lab bench``: its arguments and the parts it runs (the parts
themselves: the index, :mod:`lab3_dev.bench`)."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback
from pathlib import Path

from kmeans_em_lab.course import paths
from lab3_dev.bench.report import ALL_PARTS, Goal, Section

# option -> (the default run's value, --quick's value, what it sets)
PLAN = {
    "submissions": (40, 4, "part 1a: submissions graded (copies of the examples)"),
    "rounds": (3, 1, "part 1a: rounds of its runs side by side"),
    "correct": (8, 8, "part 1b: copies of the correct example graded"),
    "correct_rounds": (3, 1, "part 1b: rounds"),
    "overhead_repeats": (5, 3, "part 2: repeats"),
    "cell_cap": (60.0, 30.0, "part 4: seconds a cell may run before it is stopped"),
}


def _part_key(part: str) -> tuple[int, str]:
    return int(part.rstrip("ab")), part


def _parts(text: str) -> tuple[str, ...]:
    """``"1,3"`` -> ("1a", "1b", "3"): a bare number is all of its lettered parts."""
    chosen: set[str] = set()
    for item in text.replace(" ", "").split(","):
        if not item or item == "0":
            continue
        pieces = [p for p in ALL_PARTS if p == item or p.rstrip("ab") == item]
        if not pieces:
            raise argparse.ArgumentTypeError(
                f"parts are {', '.join(ALL_PARTS)} (1 = 1a,1b; 4 = 4,4b), got {text!r}"
            )
        chosen.update(pieces)
    if not chosen and "0" not in text:
        raise argparse.ArgumentTypeError(f"no part in {text!r}")
    return tuple(sorted(chosen, key=_part_key))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 4 submissions in part 1a, one round, fewer repeats everywhere",
    )
    parser.add_argument(
        "--parts",
        type=_parts,
        default=ALL_PARTS,
        help="which parts to run, e.g. 1b,3,4; 1 is 1a,1b and 4 is 4,4b (default: all)",
    )
    for name, (full, quick, what) in PLAN.items():
        parser.add_argument(
            "--" + name.replace("_", "-"),
            type=type(full),
            default=None,
            help=f"{what} (default {full:g}, quick {quick:g})",
        )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="results file (default: bench/results.md in the course root)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="write only this run's parts (default: the results file keeps the other parts' "
        "sections from its previous version, marked as kept)",
    )
    parser.add_argument(
        "--keep-scratch",
        action="store_true",
        help="keep the scratch course copies (their path is printed)",
    )


def _builders(args: argparse.Namespace, quick: bool) -> dict[str, object]:
    """Title -> a function that measures that part: the parts chosen, in file order."""
    from lab3_dev import simulate
    from lab3_dev.bench import cells, floor, grading, probes, reference, similarity

    plan = {name: getattr(args, name) or (q if quick else f) for name, (f, q, _) in PLAN.items()}
    keep = args.keep_scratch

    def part1a() -> list[Section]:  # part 5 is measured on part 1a's runs
        found = grading.throughput(plan["submissions"], plan["rounds"], keep)
        return [s for s in found if s.title.split(".")[0] in args.parts]

    sizes = simulate.QUICK_SIZES if quick else simulate.SIZES
    every = {
        "1a": ("1a. Autograde throughput / 5. Memory", part1a),
        "1b": ("1b. The floor", lambda: floor.run(plan["correct"], plan["correct_rounds"], keep)),
        "2": ("2. Per-submission overhead",
              lambda: grading.overhead(plan["overhead_repeats"], keep)),
        "3": ("3. Reference implementations", lambda: reference.run(
            kmeans_rounds=5 if quick else 30, em_rounds=3 if quick else 10)),
        "4": ("4. Hidden tests' cost", lambda: cells.run(
            ref_passes=1 if quick else 3, cap=plan["cell_cap"])),
        "4b": (probes.TITLE,
               lambda: probes.run(passes=2 if quick else 5, rounds=1 if quick else 3)),
        "6": ("6. The driver at class size (simulation)",
              lambda: simulate.section(simulate.measure(sizes), quick)),
        "7": (similarity.TITLE, lambda: similarity.run(quick=quick, keep=keep)),
    }  # fmt: skip
    every["5"] = every["1a"]
    return dict(every[part] for part in args.parts)


def main(args: argparse.Namespace) -> int:
    from lab3_dev.bench import machine, scale
    from lab3_dev.bench.report import earlier_sections, render
    from lab3_dev.bench.timing import loadavg

    load_before = loadavg()
    started = time.monotonic()
    command = " ".join(["python -m kmeans_em_lab bench", shlex.join(sys.argv[2:])]).strip()
    sections: list[Section] = []
    failures: list[str] = []
    for title, build in _builders(args, args.quick).items():
        try:  # a part that fails is reported and the others still run
            built = build()
        except Exception as err:  # noqa: BLE001 - reported in the results and the exit code
            traceback.print_exc()
            failures.append(title)
            message = (str(err).strip().splitlines() or [""])[0]
            failed = Section(
                f"{title} (FAILED)", f"This part failed: `{type(err).__name__}: {message}`"
            )
            failed.goals.append(Goal(title, "failed", "-", None))
            built = [failed]
        sections += built if isinstance(built, list) else [built]
    if args.quick:
        for section in sections:
            section.intro = (
                "*From a --quick run (a smoke run with fewer submissions, rounds and repeats "
                f"than the default run; see the Machine section).* {section.intro}"
            )
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
        return 1
    return 0
