"""The findings of a run, once each, under a stable id a bug tracker can cite.

The id is "KVM-ABI-" and the first 6 hex digits of the SHA-1 of the finding's key. The key of a finding a case
shows (a deviation that held, a known host issue) is "IOCTL/case-id"; where other cases have that ioctl and id,
the spec module it is in ("KVM_SET_DEVICE_ATTR/nr-irqs-1024/arm_vgic_v3": the vGICv2 and v3 specs both have
one) and, where that spec has it per architecture, the architecture ("KVM_CREATE_VCPU/vcpu-id-max/arm64").
Neither the machine nor the kernel is in it, so the same finding keeps its id across machines, kernels and runs.
A finding no case shows has the key "undocumented: IOCTL/ERRNO" (an implemented errno the documents omit), or
its text (a documentation or UAPI header finding: the project's own sentence, which changes only when the
project rewords it; a header's line numbers left out). Where a finding holds is a list of places,
"TARGET@KERNEL-RELEASE".
"""

from __future__ import annotations

import functools
import hashlib
import re

from abi.report.records import Record

PREFIX = "KVM-ABI-"

# "reset.c kvm_arm_vcpu_finalize", "vgic-kvm-device.c: vgic_check_iorange": a kernel function a deviation names.
_FUNCTION = re.compile(r"\b([\w-]+\.[ch]):? (?:\([^)]*\) )?([a-z_][a-z0-9]*_[a-z0-9_]+)\b")


# "api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR", "arm-vgic-v3.rst KVM_DEV_ARM_VGIC_GRP_ADDR": a document's section.
_SECTION = re.compile(r"\b[\w-]+\.rst(?: \d+(?:\.\d+)*)?(?: \(\d+(?:\.\d+)*\))?(?: [A-Z][A-Z0-9_()]+)?")


def finding_id(key: str) -> str:
    return PREFIX + hashlib.sha1(key.encode()).hexdigest()[:6]


@functools.cache
def _cases() -> dict[tuple[str, str], list[tuple[str, object]]]:
    """(spec module, case) by (ioctl, case id): several where specs or architectures share a case id."""
    from abi.spec import registry

    out: dict[tuple[str, str], list] = {}
    for spec in registry.SPECS:
        for c in spec.CASES:
            out.setdefault((c.ioctl, c.id), []).append((spec.__name__.rsplit(".", 1)[-1], c))
    return out


def case_key(case, arch: str) -> str:
    """A spec case's finding key on an architecture it runs on: "IOCTL/case-id", and where other cases have that
    ioctl and id, the spec it is in and, if that spec has it for another architecture too, the architecture."""
    twins = _cases().get((case.ioctl, case.id), [])
    spec = next((s for s, c in twins if c is case), "")
    key = f"{case.ioctl}/{case.id}"
    if any(s != spec for s, _ in twins):
        key += f"/{spec}"
    if sum(1 for s, _ in twins if s == spec) > 1:
        key += f"/{arch}"
    return key


def record_key(r: Record) -> str:
    """The finding key of the case a record ran (its condition tells apart cases that share an id)."""
    arch = r.extra.get("arch", "")
    cases = [c for _, c in _cases().get((r.ioctl, r.case), []) if not arch or arch in c.arch]
    case = next((c for c in cases if c.condition == r.condition), cases[0] if cases else None)
    return case_key(case, arch) if case is not None else f"{r.ioctl}/{r.case}"  # a case the specs do not have


def kernel_function(text: str) -> str:
    """The first kernel function a sentence names ("reset.c kvm_arm_vcpu_finalize"), or ""."""
    m = _FUNCTION.search(text)
    return f"{m.group(1)} {m.group(2)}" if m else ""


def _finding(key: str, kind: str, text: str, *, ioctl: str = "", case: str = "", document: str = "",
             kernel: str = "", where=()) -> dict:
    return {"id": finding_id(key), "key": key, "class": kind, "text": text, "ioctl": ioctl, "case": case,
            "document": document, "kernel": kernel, "where": list(dict.fromkeys(where))}


def _gives(by_observed: dict[str, list[str]]) -> str:
    """"EINVAL", or "EINVAL (gicv3@6.1...), success (gicv3@6.12...)" where kernels differ."""
    if len(by_observed) == 1:
        return next(iter(by_observed))
    return ", ".join(f"{o} ({', '.join(p)})" for o, p in by_observed.items())


def from_records(records: list[Record]) -> list[dict]:
    """The deviations that held as recorded and the known host issues, each once, with the places it held on; a
    deviation that follows from another case's finding is told with that finding, not again."""
    held: dict[str, list[Record]] = {}
    for r in records:
        if r.outcome == "xfailed" and r.deviation:
            held.setdefault(record_key(r), []).append(r)
    primaries = {recs[0].case for recs in held.values()}
    consequences: dict[str, list[str]] = {}
    for recs in held.values():
        r = recs[0]
        if r.follows in primaries:
            consequences.setdefault(r.follows, []).append(f"{r.ioctl}, {r.condition}")
    out = []
    for key, recs in held.items():
        r = recs[0]
        if r.follows in primaries:
            continue
        observed: dict[str, list[str]] = {}
        for x in recs:
            observed.setdefault(x.observed, []).append(x.place)
        also = "".join(f"; a consequence: {c}" for c in dict.fromkeys(consequences.get(r.case, [])))
        text = (f"{r.ioctl}, {r.condition}: documented {r.expected}, the kernel gives {_gives(observed)}: "
                f"{r.deviation}{also}")
        doc, kernel = (r.cite, kernel_function(r.deviation)) if r.basis != "code" else ("", r.cite)
        out.append(_finding(key, r.finding_class, text, ioctl=r.ioctl, case=r.case, document=doc, kernel=kernel,
                            where=[x.place for x in recs]))
    from abi.spec.case import KERNEL_BREAKS_DOCUMENT

    issues: dict[str, list[Record]] = {}
    for r in records:
        if r.outcome == "xfailed" and r.message.startswith("known host issue"):
            issues.setdefault(record_key(r), []).append(r)
    for key, recs in issues.items():
        r = recs[0]
        out.append(_finding(key, KERNEL_BREAKS_DOCUMENT, f"known host issue: {r.ioctl}, {r.condition}: "
                                                         f"{r.message.split(': ', 1)[-1]}",
                            ioctl=r.ioctl, case=r.case, document=r.cite if r.basis != "code" else "",
                            kernel=r.cite if r.basis == "code" else "", where=[x.place for x in recs]))
    return out


def documentation(kind: str, text: str) -> dict:
    """A finding of the documents or the headers themselves: no machine shows it. Its document section and kernel
    function are the first its text names."""
    section = _SECTION.search(text)
    key = re.sub(r"(\.h):\d+", r"\1", text)  # a header's line numbers move from release to release
    return _finding(key, kind, text, document=section.group(0) if section else "", kernel=kernel_function(text))


def undocumented(u, records: list[Record]) -> dict:
    """An implemented errno the documentation omits (abi.spec.coverage.Undocumented), where its cases ran."""
    from abi.spec.case import DOCUMENT_SILENT

    where = [r.place for r in records if r.case in u.cases and r.outcome in ("passed", "xfailed")
             and (u.label.split("(")[0] == r.ioctl or ".rst" in u.label)]
    return _finding(f"undocumented: {u.label}/{u.errno}", DOCUMENT_SILENT, f"undocumented: {u.line()}",
                    ioctl=u.label, kernel=u.cites[0] if u.cites else "", where=where)


def merge(findings: list[dict]) -> list[dict]:
    """Once each: a finding whose id came twice keeps the first, with the places of both."""
    out: dict[str, dict] = {}
    for f in findings:
        if f["id"] in out:
            out[f["id"]]["where"] = list(dict.fromkeys(out[f["id"]]["where"] + f["where"]))
        else:
            out[f["id"]] = f
    return list(out.values())
