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
from lab3_dev.bench.report import ALL_PARTS

# part 1: submissions, rounds (goals' runs side by side), extra worker counts, the Dask
# scheduler's workers (1a); correct submissions and rounds (1b); part 2: repeats.
# The default run, then what --quick cuts it to.
FULL = dict(
    submissions=40,
    rounds=3,
    workers_list=(1, 2, 3, 4, 8),
    scheduler_workers=3,
    correct=8,
    correct_rounds=3,
    overhead_repeats=5,
)
QUICK = dict(
    submissions=4,
    rounds=1,
    workers_list=(),
    scheduler_workers=3,
    correct=8,
    correct_rounds=1,
    overhead_repeats=3,
)


def _part_key(part: str) -> tuple[int, str]:
    return int(part.rstrip("abcdefghijklmnopqrstuvwxyz")), part


def _parts(text: str) -> tuple[str, ...]:
    """``"1,3"`` -> ("1a", "1b", "3"): a bare 1 is all of part 1's pieces."""
    chosen: set[str] = set()
    for item in text.replace(" ", "").split(","):
        if not item or item == "0":
            continue
        pieces = [p for p in ALL_PARTS if p == item or p.rstrip("abc") == item]
        if not pieces:
            raise argparse.ArgumentTypeError(
                f"parts are {', '.join(ALL_PARTS)} (1 = 1a,1b; 4 = 4,4b), got {text!r}"
            )
        chosen.update(pieces)
    if not chosen and "0" not in text:
        raise argparse.ArgumentTypeError(f"no part in {text!r}")
    return tuple(sorted(chosen, key=_part_key))


def _ints(text: str) -> tuple[int, ...]:
    if text.strip().lower() == "none":
        return ()
    try:
        values = tuple(int(p) for p in text.split(",") if p)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,2,4: {text!r}") from err
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers: {text!r}")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 4 submissions (one copy of each example), "
        "one round, the default workers (with and without the sandbox) and the scheduler's "
        "workers only, fewer repeats everywhere",
    )
    parser.add_argument(
        "--parts",
        type=_parts,
        default=ALL_PARTS,
        help="which parts to run, e.g. 1b,3,4; 1 is 1a,1b and 4 is 4,4b (default: all)",
    )
    parser.add_argument(
        "--submissions",
        type=int,
        default=None,
        help=f"submissions graded in part 1 (default {FULL['submissions']}, "
        f"quick {QUICK['submissions']})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds of part 1's goals' runs side by side: nbgrader, the default workers and "
        f"the same with --no-sandbox (default {FULL['rounds']}, quick {QUICK['rounds']}); "
        "the other worker counts run once",
    )
    parser.add_argument(
        "--workers-list",
        type=_ints,
        default=None,
        help="worker counts for the scaling table, besides the default (two per core); "
        f"default {','.join(map(str, FULL['workers_list']))}, quick none ('none': no scaling)",
    )
    parser.add_argument(
        "--scheduler-workers",
        type=int,
        default=None,
        help="part 1a: dask worker processes started for the run through --scheduler "
        f"(default {FULL['scheduler_workers']}; 0: no such run)",
    )
    parser.add_argument(
        "--correct",
        type=int,
        default=None,
        help=f"part 1b: copies of the correct example graded (default {FULL['correct']})",
    )
    parser.add_argument(
        "--correct-rounds",
        type=int,
        default=None,
        help=f"part 1b: rounds (default {FULL['correct_rounds']}, quick {QUICK['correct_rounds']})",
    )
    parser.add_argument(
        "--overhead-repeats",
        type=int,
        default=None,
        help=f"repeats of part 2 (default {FULL['overhead_repeats']}, "
        f"quick {QUICK['overhead_repeats']})",
    )
    parser.add_argument(
        "--cell-cap",
        type=float,
        default=None,
        help="part 4: seconds a cell may run before it is stopped, if its limit is higher "
        "(default 60, quick 30)",
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


def main(args: argparse.Namespace) -> int:
    from lab3_dev.bench import machine, scale
    from lab3_dev.bench.report import Goal, Section, earlier_sections, render
    from lab3_dev.bench.timing import loadavg

    load_before = loadavg()
    started = time.monotonic()
    quick = args.quick
    plan = QUICK if quick else FULL
    command = " ".join(["python -m kmeans_em_lab bench", shlex.join(sys.argv[2:])]).strip()
    sections: list = []
    failures: list[str] = []

    def part(title: str, build) -> None:
        """Run one part; a part that fails is reported and the others still run."""
        try:
            built = build()
        except Exception as err:  # noqa: BLE001 - reported in the results and the exit code
            traceback.print_exc()
            failures.append(title)
            failed = Section(
                f"{title} (FAILED)",
                f"This part failed: `{type(err).__name__}: "
                f"{str(err).strip().splitlines()[0] if str(err).strip() else ''}`",
            )
            failed.goals.append(Goal(title, "failed", "-", None))
            built = [failed]
        sections.extend(built if isinstance(built, list | tuple) else [built])

    if "1a" in args.parts or "5" in args.parts:

        def part1a():
            from lab3_dev.bench import grading

            workers_list = plan["workers_list"] if args.workers_list is None else args.workers_list
            scheduler_workers = (
                plan["scheduler_workers"]
                if args.scheduler_workers is None
                else args.scheduler_workers
            )
            throughput, memory = grading.throughput(
                n_submissions=args.submissions or plan["submissions"],
                rounds=args.rounds or plan["rounds"],
                workers_list=workers_list,
                scheduler_workers=scheduler_workers,
                with_scaling="1a" in args.parts,
                keep=args.keep_scratch,
            )
            return [s for p, s in (("1a", throughput), ("5", memory)) if p in args.parts]

        part("1a. Autograde throughput / 5. Memory", part1a)
    if "1b" in args.parts:

        def part1b():
            from lab3_dev.bench import floor

            return floor.run(
                copies=args.correct or plan["correct"],
                rounds=args.correct_rounds or plan["correct_rounds"],
                keep=args.keep_scratch,
            )

        part("1b. The floor: correct submissions", part1b)
    if "2" in args.parts:

        def part2():
            from lab3_dev.bench import grading

            repeats = args.overhead_repeats or plan["overhead_repeats"]
            return grading.overhead(repeats=repeats, keep=args.keep_scratch)

        part("2. Per-submission overhead", part2)
    if "3" in args.parts:

        def part3():
            from lab3_dev.bench import reference

            return reference.run(kmeans_rounds=5 if quick else 30, em_rounds=3 if quick else 10)

        part("3. Reference implementations vs scikit-learn", part3)
    if "4" in args.parts:

        def part4():
            from lab3_dev.bench import cells

            passes = dict(ref_passes=5, orig_passes=3, kernel_ref_passes=3, kernel_orig_passes=1)
            if quick:
                passes.update(ref_passes=2, orig_passes=1, kernel_ref_passes=1)
            return cells.run(**passes, cap=args.cell_cap or (30.0 if quick else 60.0))

        part("4. Hidden tests' cost and the time limits", part4)
    if "4b" in args.parts:
        from lab3_dev.bench import probes

        part(probes.TITLE, lambda: probes.run(passes=2 if quick else 5, rounds=1 if quick else 3))
    if "6" in args.parts:

        def part6():
            from lab3_dev import simulate

            sizes = simulate.QUICK_SIZES if quick else simulate.SIZES
            return simulate.section(simulate.measure(sizes), quick)

        part("6. The driver at class size (simulation)", part6)
    if "7" in args.parts:
        from lab3_dev.bench import similarity

        part(similarity.TITLE, lambda: similarity.run(quick=quick, keep=args.keep_scratch))
    if quick:
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
        + (" (--quick: a smoke run, not the reference figures)" if quick else "")
    )
    if output.is_file() and not args.fresh:
        kept, earlier = earlier_sections(output.read_text(), args.parts)
        if kept:
            sections += kept
            header.notes.append(
                f"This run measured part(s) {', '.join(map(str, args.parts))}; the sections "
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
