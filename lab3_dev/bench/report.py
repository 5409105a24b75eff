"""The benchmark's results: tables, sections, goals, rendered as Markdown.

Every part returns a :class:`Section`; :func:`render` puts them under the
machine header, the goals first. :func:`earlier_sections` keeps the sections of
the parts not run from the previous results file, marked as kept, goals included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

THIS_RUN = "this run"
EARLIER_RUN = "earlier run"
KEPT_MARK = "*Kept from an earlier run"
ALL_PARTS = ("1a", "1b", "2", "3", "4", "4b", "5", "6", "7")  # the parts, in file order


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells) -> None:
        if len(cells) != len(self.headers):
            raise ValueError(f"row of {len(cells)} cells for {len(self.headers)} columns")
        self.rows.append([_cell(c) for c in cells])

    def markdown(self) -> str:
        rows = [self.headers, ["---"] * len(self.headers), *self.rows]
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)


@dataclass
class Goal:
    name: str
    measured: str
    target: str
    met: bool | None  # None: not measured in this run
    run: str = THIS_RUN  # which run measured it (the goals table's last column)


VERDICTS = {True: "met", False: "NOT MET", None: "not measured"}


@dataclass
class Section:
    title: str
    intro: str = ""
    tables: list[tuple[str, Table]] = field(default_factory=list)  # (caption, table)
    notes: list[str] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # raw figures, for the tests

    def table(self, caption: str, headers: list[str]) -> Table:
        table = Table(headers)
        self.tables.append((caption, table))
        return table

    def markdown(self) -> str:
        parts = [f"## {self.title}", self.intro]
        parts += [text for caption, table in self.tables for text in (caption, table.markdown())]
        parts.append("\n".join(f"- {note}" for note in self.notes))
        return "\n\n".join(p for p in parts if p)


def _cell(value) -> str:
    """A table cell: text as it is, a float as seconds, None as "-", anything else as str."""
    if not isinstance(value, str):
        value = fmt_seconds(value) if value is None or isinstance(value, float) else str(value)
    return value.replace("|", "\\|").replace("\n", " ")


def fmt_seconds(seconds: float | None) -> str:
    """Seconds with three significant digits in a readable unit."""
    if seconds is None:
        return "-"
    if seconds < 0:
        return "-" + fmt_seconds(-seconds)
    if seconds >= 100:
        return f"{seconds:.0f} s"
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fmt_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def fmt_mib(nbytes: float | None) -> str:
    return "-" if nbytes is None else f"{nbytes / 2**20:.0f} MiB"


GOAL_COLUMNS = ["goal", "measured", "target", "verdict", "measured in"]


def render(header: Section, sections: list[Section], footer: Section | None = None) -> str:
    """The whole results file: title, header, goals, sections."""
    goals = Table(GOAL_COLUMNS)
    for g in (g for section in sections for g in section.goals):
        goals.add(g.name, g.measured, g.target, VERDICTS[g.met], g.run)
    parts = ["# Lab 3 benchmark results", header.markdown()]
    parts += ["## Goals\n\n" + goals.markdown()] if goals.rows else []
    parts += [s.markdown() for s in [*sections, *([footer] if footer else [])]]
    return "\n\n".join(parts) + "\n"


def parse_tables(markdown: str) -> list[list[list[str]]]:
    """Every pipe table in ``markdown`` as a list of rows (header first, rule dropped);
    ``ValueError`` when a row's width is not the header's or the rule is missing."""
    tables = []
    for block in re.findall(r"(?:^\|.*(?:\n|$))+", markdown, flags=re.MULTILINE):
        lines = block.strip().splitlines()
        rows = [_split(line) for line in lines]
        if len(rows) < 2 or not all(c and set(c) <= set("-: ") for c in rows[1]):
            raise ValueError(f"no rule line under {lines[0]!r}")
        if any(len(row) != len(rows[0]) for row in rows):
            raise ValueError(f"a row's width is not the header's in the table {lines[0]!r}")
        tables.append([rows[0], *rows[2:]])
    return tables


def _split(line: str) -> list[str]:
    """The cells of a table line (``\\|`` is a pipe inside a cell)."""
    inner = line.strip()
    if len(inner) < 2 or not inner.endswith("|"):
        raise ValueError(f"table line not enclosed in pipes: {line!r}")
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner[1:-1])]


# ----------------------------------------------------------------------------- earlier results


def part_numbers(title: str) -> set[str]:
    """The parts a section title or goal name is about: ``"1a. A / 5. B"`` -> {"1a", "5"}."""
    return set(re.findall(r"(?:^|/ )(\d+[a-z]?)\. ", title))


def split_sections(markdown: str) -> list[tuple[str, str]]:
    """(title, body) of every ``## `` section of a results file, in order."""
    chunks = re.split(r"^## (.*)$", markdown, flags=re.MULTILINE)[1:]
    return [(t.strip(), body.strip()) for t, body in zip(chunks[::2], chunks[1::2], strict=True)]


def earlier_sections(markdown: str, parts: Iterable[str]) -> tuple[list[Section], str]:
    """The sections of an earlier results file about parts the bench still has but none of
    ``parts``, each marked as kept from that run, with their goals; and that run's
    command, load and wall time ("" if none kept)."""
    found = split_sections(markdown)
    goal_tables = parse_tables(dict(found).get("Goals", ""))
    machine = dict(found).get("Machine", "")
    items = dict(re.findall(r"^\| (.+?) \| (.*) \|$", machine, flags=re.MULTILINE))
    load = [items.get(f"load average (1/5/15 min) {w}", "?") for w in ("before", "after")]
    wall = re.search(r"Benchmark wall time: ([^\n]*)", machine)
    describe = f"{items.get('command', 'command unknown')}; load average before {load[0]}, " + (
        f"after {load[1]}; wall time {wall.group(1).strip() if wall else '?'}"
    )
    from_verdict = {v: k for k, v in VERDICTS.items()}
    kept = []
    for title, body in found:
        numbers = part_numbers(title)
        if not numbers or not numbers <= set(ALL_PARTS) or numbers & set(parts):
            continue
        if not body.startswith(KEPT_MARK):
            body = f"{KEPT_MARK}: {describe}.*\n\n{body}"
        kept.append(Section(title, body))
        for name, measured, target, verdict, run in goal_tables[0][1:] if goal_tables else []:
            if min(part_numbers(name), default="") in numbers:
                run = run.replace(THIS_RUN, EARLIER_RUN, 1)
                kept[-1].goals.append(Goal(name, measured, target, from_verdict.get(verdict), run))
    return kept, describe if kept else ""
