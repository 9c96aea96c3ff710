"""The ioctl x errno matrix: for each pair, documented? implemented? tested? and the outcome per place (a target
on one kernel release, abi.report.records.Record.place)."""

from __future__ import annotations

from dataclasses import dataclass, field

from abi.report.records import Record
from abi.report.verdict import BAD
from abi.spec import registry


@dataclass
class Row:
    ioctl: str
    errno: str
    documented: str = ""  # the section that documents it, or ""
    condition: str = ""
    implemented: str = ""  # where the kernel returns it, "no" when only a deviation expects it, or ""
    cases: int = 0
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)  # place -> outcome -> count

    def total(self, outcome: str) -> int:
        return sum(c.get(outcome, 0) for c in self.outcomes.values())

    def rank(self) -> int:
        """0: a case failed here; 1: a deviation held; 2: the rest. The matrix lists them in this order."""
        if any(self.total(o) for o in BAD):
            return 0
        return 1 if self.total("xfailed") else 2


def build(records: list[Record], places: list[str], doc_pairs=()) -> list[Row]:
    """`doc_pairs`: coverage.Pair rows read from api.rst at run time; they mark what the documentation says
    besides the rows the specs keep for documents not parsed yet (devices/*.rst)."""
    rows: dict[tuple[str, str], Row] = {}

    def row(ioctl: str, errno: str) -> Row:
        key = (ioctl, errno)
        if key not in rows:
            rows[key] = Row(ioctl, errno, outcomes={p: {} for p in places})
        return rows[key]

    for d in registry.documented():
        r = row(d.ioctl, d.errno_name)
        r.documented, r.condition = d.section, d.condition
    for p in doc_pairs:
        if p.kind != "errno":
            continue  # an ordering rule names no errno: it is in the coverage table, not this matrix
        for name in p.names:
            r = row(name, p.errno)
            if not r.documented:
                r.documented, r.condition = p.section, r.condition or p.condition
    code: dict[tuple[str, str], str] = {}
    returned: set[tuple[str, str]] = set()
    for c in registry.cases():
        key = (c.ioctl, c.errno_name)
        r = row(*key)
        r.cases += 1
        r.condition = r.condition or c.condition
        if c.deviation is None:  # a case the kernel is expected to meet: it returns this errno
            returned.add(key)
            if c.basis == "code":
                code.setdefault(key, c.cite)
    for key, r in rows.items():
        # Where the kernel returns it; "no" when only a documented contract it breaks expects it.
        r.implemented = code.get(key) or ("yes" if key in returned else ("no" if r.cases else ""))
    for rec in records:
        if not rec.ioctl:
            continue
        r = row(rec.ioctl, rec.expected or "?")
        counts = r.outcomes.setdefault(rec.place, {})
        counts[rec.outcome] = counts.get(rec.outcome, 0) + 1
    return sorted(rows.values(), key=lambda r: (r.rank(), r.ioctl, r.errno != "success", r.errno))
