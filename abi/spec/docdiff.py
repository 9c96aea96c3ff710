"""What a patch changed in the documented errors (api.rst), and which cases cover the sections it touched.

`changes(base_text, new_text)` compares two api.rst documents (abi.spec.apidoc) section by section: a
section whose Errors rows differ is listed with the rows removed and added, the suite's cases for its ioctls
by errno, and the documented errors no case tests yet. `python -m abi validate` prints it next to the
behavioural comparison, so a patch that changes the documentation shows what it asks of the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from abi.spec import apidoc, registry


@dataclass
class SectionChange:
    number: str
    title: str
    names: list[str]
    removed: list[tuple[str, str]] = field(default_factory=list)  # (errno, condition) only in the base
    added: list[tuple[str, str]] = field(default_factory=list)    # only in the new document
    cases: dict[str, list[str]] = field(default_factory=dict)     # errno -> ids of the cases testing it
    uncovered: list[tuple[str, str]] = field(default_factory=list)  # documented now, tested by no case

    def lines(self) -> list[str]:
        out = [f"{self.number} {self.title}"]
        out += [f"  - {e:8} {c}" for e, c in self.removed]
        out += [f"  + {e:8} {c}" for e, c in self.added]
        touched = list(dict.fromkeys(e for e, _ in self.removed + self.added))
        for e in touched:
            ids = self.cases.get(e, [])
            out.append(f"  cases for {e}: " + (", ".join(ids) if ids else "none"))
        others = [f"{e} ({len(ids)})" for e, ids in sorted(self.cases.items()) if e not in touched]
        if others:
            out.append(f"  cases for its other outcomes: {', '.join(others)}")
        out += [f"  no case tests: {e} {c}" for e, c in self.uncovered]
        return out


def _cases_by_errno(names: list[str], cases) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case in cases:
        if case.ioctl in names:
            ids = out.setdefault(case.errno_name, [])
            if case.id not in ids:
                ids.append(case.id)
    return out


def changes(base_text: str, new_text: str, cases=None) -> list[SectionChange]:
    """The sections whose documented errors changed, by ioctl name (a section gone from the new document is
    shown as the base had it)."""
    cases = registry.cases() if cases is None else cases
    base, new = apidoc.parse(base_text), apidoc.parse(new_text)
    changed = apidoc.errors_changed(base, new)
    if not changed:
        return []
    out: list[SectionChange] = []
    seen: set[int] = set()
    new_by, base_by = apidoc.by_name(apidoc.ioctl_sections(new)), apidoc.by_name(apidoc.ioctl_sections(base))
    in_new = {id(s) for s in new}
    for name in changed:
        for sec in new_by.get(name) or base_by.get(name, []):
            if id(sec) in seen:
                continue
            seen.add(id(sec))
            ch = SectionChange(sec.number, sec.title, sec.names)
            for n in sec.names:
                gone, came = changed.get(n, (set(), set()))
                ch.removed += sorted(r for r in gone if r not in ch.removed)
                ch.added += sorted(r for r in came if r not in ch.added)
            ch.cases = _cases_by_errno(sec.names, cases)
            if id(sec) in in_new:
                ch.uncovered = [(e.errno, e.condition) for e in sec.errors if e.errno not in ch.cases]
            out.append(ch)
    return out


def report(changes_: list[SectionChange]) -> list[str]:
    out = []
    for ch in changes_:
        out += ch.lines()
    return out
