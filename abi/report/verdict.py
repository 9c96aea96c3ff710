"""The verdict a report opens on: one row per place (machine and kernel: a target on one kernel release), with
what passed, failed, held as a recorded deviation and did not apply, and the run's verdict over all of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from abi.report.records import Record

BAD = ("failed", "error", "xpassed")  # each fails the run (xpassed: a recorded deviation no longer holds)
NO_TARGET = "(no target)"  # tests that ran on no machine (the harness's own), counted so that the rows add up


@dataclass
class Place:
    target: str
    kernel_release: str
    passed: int = 0
    failed: int = 0  # failed, error and xpassed
    deviations: int = 0  # xfailed: a finding held as recorded
    not_applicable: int = 0  # skipped, saying why
    verdict: str = ""

    @property
    def name(self) -> str:
        return f"{self.target}@{self.kernel_release}" if self.kernel_release else self.target

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.deviations + self.not_applicable

    def as_dict(self) -> dict:
        return {"place": self.name, **asdict(self)}


def _verdict(p: Place, interrupted: bool) -> str:
    if p.failed:
        return "FAIL"
    if interrupted:
        return "INTERRUPTED"  # what ran held, but the place may have tests that never ran
    return "PASS" if p.passed + p.deviations else "NOTHING RAN"


def places(records: list[Record], interrupted: bool = False, order=()) -> list[Place]:
    """One Place per (target, kernel release) the records ran on, in `order` of target names, then by name."""
    out: dict[tuple[str, str], Place] = {}
    for r in records:
        p = out.setdefault((r.target or NO_TARGET, r.kernel_release), Place(r.target or NO_TARGET, r.kernel_release))
        if r.outcome in BAD:
            p.failed += 1
        elif r.outcome == "xfailed":
            p.deviations += 1
        elif r.outcome == "skipped":
            p.not_applicable += 1
        else:
            p.passed += 1
    rank = {name: i for i, name in enumerate(order)}
    rows = sorted(out.values(), key=lambda p: (p.target == NO_TARGET, rank.get(p.target, len(rank)), p.target,
                                               p.kernel_release))
    for p in rows:
        p.verdict = _verdict(p, interrupted)
    return rows


def overall(rows: list[Place], interrupted: bool = False) -> str:
    if any(p.failed for p in rows):
        return "FAIL"
    if interrupted:
        return "INTERRUPTED"
    return "PASS" if any(p.verdict == "PASS" for p in rows) else "NOTHING RAN"


def failures(records: list[Record]) -> list[Record]:
    return [r for r in records if r.outcome in BAD]
