"""``python -m kmeans_em_lab data``: rebuild the data files and their copies."""

from __future__ import annotations

from kmeans_em_lab.course import datagen


def add_arguments(parser) -> None:
    parser.add_argument("--seed", type=int, default=datagen.SEED, help="generator seed")
    parser.add_argument(
        "--sync-only",
        action="store_true",
        help="only copy data/ beside the notebooks (after dropping in real data files)",
    )


def main(args) -> int:
    if not args.sync_only:
        for path in datagen.write(args.seed):
            print(f"wrote {path}")
    for path in datagen.sync_copies():
        print(f"copied to {path}")
    return 0
