"""Documentation coverage: every (ioctl, errno, condition) api.rst documents for x86_64 or arm64, and whether a
case tests it on a machine of that architecture, or why no target here can.

A documented pair is an Errors-table row, or an errno the section's prose names that its table does not. Rows
of one ioctl with the same errno are numbered (`row`), which a case selects with `Case.doc_row`. A case covers
a pair when it asserts the documented contract (basis "doc", deviations included: they test the contract),
for an ioctl the section names, with that errno.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from abi.spec import apidoc

# api.rst's architecture names, and the machines of ours that are each architecture.
DOC_ARCH = {"x86_64": {"x86", "all"}, "arm64": {"arm64", "all"}}
MACHINES = {"x86_64": {"x86_64"}, "arm64": {"gicv2", "gicv3", "novgic"}}


@dataclass(frozen=True)
class Pair:
    names: tuple[str, ...]
    errno: str
    condition: str
    section: str
    row: int
    source: str  # "table" or "prose"
    arches: frozenset[str]

    @property
    def ioctl(self) -> str:
        return self.names[0]


@dataclass
class Status:
    pair: Pair
    cases: dict[str, list[str]] = field(default_factory=dict)  # arch -> case ids covering it there
    unreachable: dict[str, str] = field(default_factory=dict)  # arch -> reason

    def state(self, arch: str) -> str:
        if self.cases.get(arch):
            return "covered"
        if arch in self.unreachable:
            return "unreachable"
        return "gap"


# "(arm64) register access ..." or "... not finalized (arm64)": the row is that architecture's only.
_ARCH_TAG = re.compile(r"^\((arm64|x86|s390|riscv|ppc|powerpc|mips|loongarch)\)|"
                       r"\((arm64|x86|s390|riscv|ppc|powerpc|mips|loongarch)\)\W*$")
_OURS = {"arm64": "arm64", "x86": "x86_64"}


def _restrict(arches: frozenset[str], condition: str) -> frozenset[str]:
    """A row of an "all" section that names one architecture ("(arm64) register access not allowed ...")
    documents that architecture only."""
    tags = {a or b for a, b in _ARCH_TAG.findall(condition.strip())}
    if not tags:
        return arches
    return frozenset(_OURS[t] for t in tags if t in _OURS) & arches


def documented_pairs(sections: list[apidoc.Section]) -> list[Pair]:
    out = []
    for sec in apidoc.ioctl_sections(sections):
        arches = frozenset(a for a, names in DOC_ARCH.items() if names & set(sec.architectures))
        if not arches:
            continue
        title = f"api.rst {sec.number} {sec.title}"
        seen: dict[str, int] = {}
        for e in sec.errors:
            seen[e.errno] = seen.get(e.errno, 0) + 1
            out.append(Pair(tuple(sec.names), e.errno, e.condition, title, seen[e.errno], "table",
                            _restrict(arches, e.condition)))
        for m in sec.mentions:
            if m.errno in seen:
                continue
            seen[m.errno] = 1
            out.append(Pair(tuple(sec.names), m.errno, m.condition, title, 1, "prose", _restrict(arches, m.condition)))
    return [p for p in out if p.arches]


def _machines(case) -> set[str]:
    return set(case.on)


def statuses(pairs: list[Pair], cases, unreachable) -> list[Status]:
    out = []
    for p in pairs:
        st = Status(p)
        for arch in p.arches:
            st.cases[arch] = [c.id for c in cases
                              if c.basis == "doc" and c.ioctl in p.names and c.errno_name == p.errno
                              and c.doc_row == p.row and _machines(c) & MACHINES[arch]]
            for u in unreachable:
                if u.ioctl in p.names and u.errno_name == p.errno and u.doc_row == p.row \
                        and u.arch in ("", arch):
                    st.unreachable[arch] = u.reason
        out.append(st)
    return out


@dataclass(frozen=True)
class Figure:
    arch: str
    total: int
    covered: int
    unreachable: int
    gaps: tuple[str, ...]

    @property
    def percent(self) -> float:
        reachable = self.total - self.unreachable
        return 100.0 * self.covered / reachable if reachable else 100.0

    def line(self) -> str:
        gaps = ""
        if self.gaps:
            gaps = f"; not yet tested: {', '.join(self.gaps[:10])}" + (
                f" and {len(self.gaps) - 10} more" if len(self.gaps) > 10 else "")
        return (f"{self.arch}: {self.covered}/{self.total - self.unreachable} documented (ioctl, errno) pairs "
                f"reachable here are tested ({self.percent:.1f} %), {self.unreachable} unreachable with a "
                f"reason{gaps}")


def figures(st: list[Status]) -> list[Figure]:
    out = []
    for arch in DOC_ARCH:
        mine = [s for s in st if arch in s.pair.arches]
        gaps = tuple(f"{s.pair.ioctl} {s.pair.errno}" + (f"#{s.pair.row}" if s.pair.row > 1 else "")
                     for s in mine if s.state(arch) == "gap")
        out.append(Figure(arch, len(mine), sum(1 for s in mine if s.state(arch) == "covered"),
                          sum(1 for s in mine if s.state(arch) == "unreachable"), gaps))
    return out


def for_kernel(kernel: str = "debian-6.1"):
    """Statuses and figures against the api.rst of a Debian kernel (fetched into the cache)."""
    from abi.spec import registry
    from abi.spec.docs import kvm_docs

    sections = apidoc.parse((kvm_docs(kernel) / "api.rst").read_text())
    st = statuses(documented_pairs(sections), registry.cases(), registry.unreachable())
    return st, figures(st)
