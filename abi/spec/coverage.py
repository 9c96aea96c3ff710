"""Documentation coverage: every (ioctl, errno, condition) api.rst documents for x86_64, arm64 or riscv64, and whether a
case tests it on a machine of that architecture, or why no target here can.

A documented pair is an Errors-table row, or a sentence of the section's prose naming an errno its table does
not (two sentences naming EINVAL for two conditions are two rows). Rows of one ioctl with the same errno are
numbered (`row`, table rows first, then sentences in document order), which a case selects with
`Case.doc_row`. A case covers a pair when it asserts the documented contract (basis "doc", deviations
included: they test the contract), for an ioctl the section names, with that errno. The capability chapters
(6-8) give rows per capability, labelled KVM_ENABLE_CAP(KVM_CAP_...), that a case names with `Case.cap`; the
device documents rows per group and attribute (`device_doc`, `group`, `attr`). Ordering rules (kind
"ordering": a sentence that orders calls) are rows too, without an errno, named by `Case.order_row`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from abi.spec import apidoc

# The documents' architecture names (apidoc.ARCHITECTURES) of ours (abi.machines.ARCHES).
DOC_ARCH = {"x86_64": {"x86"}, "arm64": {"arm64"}, "riscv64": {"riscv"}}


@dataclass(frozen=True)
class Pair:
    names: tuple[str, ...]
    errno: str
    condition: str
    section: str
    row: int
    source: str  # "table" or "prose"
    arches: frozenset[str]
    document: str = "api.rst"  # or a device document: "arm-vgic-v3.rst"
    groups: tuple[str, ...] = ()  # a device document's row: the group(s) its heading names
    attributes: tuple[str, ...] = ()  # and the attribute(s), where it lists errors attribute by attribute
    caps: tuple[str, ...] = ()  # a row of api.rst's capability chapters (6-8): the capabilities its heading names
    # "errno": a documented error; "ordering": a sentence ordering calls (apidoc.ORDERING), errno "", numbered
    # among the rules of the same ioctl, capability or device group, and named by a case's order_row.
    kind: str = "errno"

    @property
    def ioctl(self) -> str:
        return self.names[0]

    @property
    def label(self) -> str:
        """What the row is about: the ioctl, KVM_ENABLE_CAP(capability), or a device document's group and
        attribute."""
        if self.caps:
            return f"{self.ioctl}({'/'.join(self.caps)})"
        if self.document == "api.rst":
            return self.ioctl
        return " ".join([self.document, "/".join(self.groups), "/".join(self.attributes)]).strip()

    def _names_it(self, c) -> bool:
        """Whether case (or Unreachable) `c` names this row's ioctl, capability or device group."""
        if self.caps:
            return not c.device_doc and c.cap in self.caps  # whatever ioctl the case calls
        if self.document == "api.rst":
            return not c.device_doc and not c.cap and c.ioctl in self.names
        return (c.device_doc == self.document and c.group in self.groups
                and (not self.attributes or c.attr in self.attributes))

    def covered_by(self, c) -> bool:
        """Whether case (or Unreachable) `c` is about this row: same ioctl, capability or device row, errno and
        row number; for an ordering rule, the rule's number (`order_row`), whatever the errno."""
        if self.kind == "ordering":
            return getattr(c, "order_row", 0) == self.row and self._names_it(c)
        return c.errno_name == self.errno and c.doc_row == self.row and self._names_it(c)

    @property
    def key(self) -> str:
        """The row as the coverage listing names it: "KVM_RUN EINVAL#2", "KVM_ARM_VCPU_INIT ordering#3"."""
        return f"{self.label} {self.errno or self.kind}" + (f"#{self.row}" if self.row > 1 else "")


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
# "On x86, this ioctl is only useful after KVM_CREATE_IRQCHIP", "Note that on s390 the ... capability needs to be
# enabled before KVM_CREATE_IRQCHIP": a sentence of a shared section about one architecture.
_ON_ARCH = re.compile(r"(?:^|^Note(?:,| that)\s+)on\s+(arm64|x86|s390|riscv|ppc|powerpc|mips|loongarch)\b", re.I)
_OURS = {name: arch for arch, names in DOC_ARCH.items() for name in names}  # a document name: ours


def _restrict(arches: frozenset[str], condition: str, region: str = "") -> frozenset[str]:
    """A row of an "all" section that names one architecture ("(arm64) register access not allowed ...", "On
    x86, ...") or stands in one architecture's part of it (`region`: apidoc.Sentence.arch) documents that
    architecture only."""
    if region:
        return frozenset({_OURS[region]} if region in _OURS else ()) & arches
    tags = {a or b for a, b in _ARCH_TAG.findall(condition.strip())}
    tags |= {m.lower() for m in _ON_ARCH.findall(condition.strip())}
    if not tags:
        return arches
    return frozenset(_OURS[t] for t in tags if t in _OURS) & arches


ENABLE_CAP = ("KVM_ENABLE_CAP",)


def _arches(sec: apidoc.Section) -> frozenset[str]:
    return frozenset(a for a, names in DOC_ARCH.items() if names & set(sec.architectures))


def _api_sections(sections: list[apidoc.Section]):
    """(section, architectures of ours, names, capabilities, title) of each section of ours (DOC_ARCH) of chapter 4
    (named by its ioctls) and of the capability chapters (named KVM_ENABLE_CAP, with the capabilities)."""
    for sec in apidoc.ioctl_sections(sections) + apidoc.capability_sections(sections):
        arches = _arches(sec)
        if not arches:
            continue
        if sec.chapter == 4:
            names, caps = tuple(sec.names), ()
        else:
            names, caps = ENABLE_CAP, tuple(n for n in sec.names if n.startswith("KVM_CAP_"))
        yield sec, arches, names, caps, f"api.rst {sec.number} {sec.title}"


def documented_pairs(sections: list[apidoc.Section]) -> list[Pair]:
    """The (ioctl, errno) rows of chapter 4 and the (KVM_ENABLE_CAP(capability), errno) rows of chapters 6-8."""
    out = []
    for sec, arches, names, caps, title in _api_sections(sections):
        seen: dict[str, int] = {}
        for e in sec.errors:
            seen[e.errno] = seen.get(e.errno, 0) + 1
            out.append(Pair(names, e.errno, e.condition, title, seen[e.errno], "table",
                            _restrict(arches, e.condition), caps=caps))
        tabled = set(seen)
        for m in sec.mentions:  # one per sentence and errno
            if m.errno in tabled:
                continue  # the prose restates (or explains) a row of the section's table
            seen[m.errno] = seen.get(m.errno, 0) + 1
            out.append(Pair(names, m.errno, m.condition, title, seen[m.errno], "prose",
                            _restrict(arches, m.condition, m.arch), caps=caps))
    return [p for p in out if p.arches]


ATTR_IOCTLS = ("KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR")


def device_pairs(document: str, errors: list[apidoc.DeviceError]) -> list[Pair]:
    """The rows of one device document (apidoc.parse_device_doc) for our architectures, numbered like api.rst's:
    per group and attribute, a repeated errno is row 2; prose rows are the sentences naming an errno the group's
    tables do not, one row each."""
    out = []
    seen: dict[tuple, int] = {}
    tabled = {(e.groups, e.attributes, e.errno) for e in errors if e.source == "table"}
    for e in errors:
        if e.source == "prose" and (e.groups, e.attributes, e.errno) in tabled:
            continue
        arches = frozenset(_OURS[a] for a in e.architectures if a in _OURS)
        if not arches or not e.groups:
            continue
        key = (e.groups, e.attributes, e.errno)
        seen[key] = seen.get(key, 0) + 1
        where = " ".join(["/".join(e.groups), "/".join(e.attributes)]).strip()
        out.append(Pair(ATTR_IOCTLS, e.errno, e.condition, f"devices/{document} {where}", seen[key], e.source,
                        arches, document, e.groups, e.attributes))
    return out


def ordering_pairs(sections: list[apidoc.Section]) -> list[Pair]:
    """The ordering rules of api.rst's sections of our architectures (chapter 4 and the capability chapters): one row
    per sentence apidoc.ORDERING matches, numbered per section."""
    out = []
    for sec, arches, names, caps, title in _api_sections(sections):
        for n, st in enumerate(sec.rules, 1):
            out.append(Pair(names, "", st.text, title, n, "prose", _restrict(arches, st.text, st.arch), caps=caps,
                            kind="ordering"))
    return [p for p in out if p.arches]


def device_ordering_pairs(document: str, rules: list[apidoc.DeviceRule]) -> list[Pair]:
    """The ordering rules of one device document (apidoc.device_doc_rules) for our architectures, numbered per
    group and attribute."""
    out = []
    seen: dict[tuple, int] = {}
    for r in rules:
        arches = _restrict(frozenset(_OURS[a] for a in r.architectures if a in _OURS), r.text)
        if not arches or not r.groups:
            continue
        key = (r.groups, r.attributes)
        seen[key] = seen.get(key, 0) + 1
        where = " ".join(["/".join(r.groups), "/".join(r.attributes)]).strip()
        out.append(Pair(ATTR_IOCTLS, "", r.text, f"devices/{document} {where}", seen[key], "prose", arches,
                        document, r.groups, r.attributes, kind="ordering"))
    return out


def statuses(pairs: list[Pair], cases, unreachable, applies=None) -> list[Status]:
    """`applies(case, arch)`: whether the case runs on that architecture's machines here (its `kernels=`). An errno
    row is tested by a case asserting the documented contract; an ordering rule by any case doing the calls in the
    wrong order (most rules are addressed to userspace and promise no errno: the case records the kernel's answer)."""
    out = []
    for p in pairs:
        st = Status(p)
        for arch in p.arches:
            st.cases[arch] = [c.id for c in cases
                              if (c.basis == "doc" or p.kind == "ordering") and p.covered_by(c)
                              and arch in c.arch
                              and (applies is None or applies(c, arch))]
            for u in unreachable:
                if p.covered_by(u) and u.arch in ("", arch):
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
    devices: tuple[int, int] = (0, 0)  # of these, the device documents' rows: (tested, reachable)
    # "run": a row counts as tested only if a case for it ran in this run and held; "cases": if a case exists
    # that would run on the documented kernel (python -m abi coverage, before any run). None: not measured.
    measured: str | None = "cases"
    capabilities: tuple[int, int] = (0, 0)  # and api.rst's capability chapters' (6-8) rows: (tested, reachable)
    ordering: tuple[int, int, int] = (0, 0, 0)  # the ordering rules, apart: (tested, reachable, unreachable)
    ordering_gaps: tuple[str, ...] = ()

    @property
    def percent(self) -> float:
        reachable = self.total - self.unreachable
        return 100.0 * self.covered / reachable if reachable else 100.0

    def line(self) -> str:
        if self.measured is None:
            return (f"{self.arch}: not measured in this run (no {self.arch} machine ran a case); its "
                    f"{self.total} documented rows are neither claimed nor counted")
        gaps = ""
        if self.gaps:
            what = "not tested in this run (a case skipped, or did not hold)" if self.measured == "run" else \
                "not yet tested"
            gaps = f"; {what}: {', '.join(self.gaps[:10])}" + (
                f" and {len(self.gaps) - 10} more" if len(self.gaps) > 10 else "")
        reachable = self.total - self.unreachable
        dev_tested, dev_reachable = self.devices
        cap_tested, cap_reachable = self.capabilities
        split = (f"; api.rst {self.covered - dev_tested}/{reachable - dev_reachable} (of which capabilities "
                 f"{cap_tested}/{cap_reachable}), devices/*.rst {dev_tested}/{dev_reachable}")
        how = "are tested in this run" if self.measured == "run" else "have a case"
        tested, order_reachable, order_unreachable = self.ordering
        return (f"{self.arch}: {self.covered}/{reachable} documented (ioctl, capability or device attribute, errno) "
                f"rows reachable here {how} ({self.percent:.1f} %{split}), {self.unreachable} unreachable with a "
                f"reason; ordering rules: {tested} {'tested' if self.measured == 'run' else 'with a case'} / "
                f"{order_reachable} reachable, {order_unreachable} unreachable{gaps}")


def figures(st: list[Status], measured: str = "cases", arches=None) -> list[Figure]:
    """Per architecture; `arches`: those the run measured (the others get a figure that claims nothing). The
    ordering rules are counted apart from the errno rows."""
    out = []
    for arch in DOC_ARCH:
        if arches is not None and arch not in arches:
            out.append(Figure(arch, sum(1 for s in st if arch in s.pair.arches and s.pair.kind == "errno"), 0, 0,
                              (), measured=None))
            continue
        mine = [s for s in st if arch in s.pair.arches and s.pair.kind == "errno"]
        rules = [s for s in st if arch in s.pair.arches and s.pair.kind == "ordering"]
        gaps = tuple(s.pair.key for s in mine if s.state(arch) == "gap")
        dev = [s for s in mine if s.pair.document != "api.rst"]
        caps = [s for s in mine if s.pair.caps]
        out.append(Figure(arch, len(mine), sum(1 for s in mine if s.state(arch) == "covered"),
                          sum(1 for s in mine if s.state(arch) == "unreachable"), gaps,
                          (sum(1 for s in dev if s.state(arch) == "covered"),
                           sum(1 for s in dev if s.state(arch) != "unreachable")), measured,
                          (sum(1 for s in caps if s.state(arch) == "covered"),
                           sum(1 for s in caps if s.state(arch) != "unreachable")),
                          (sum(1 for s in rules if s.state(arch) == "covered"),
                           sum(1 for s in rules if s.state(arch) != "unreachable"),
                           sum(1 for s in rules if s.state(arch) == "unreachable")),
                          tuple(s.pair.key for s in rules if s.state(arch) == "gap")))
    return out


GENERAL_ERRNOS = frozenset({"EBADF", "ENOMEM", "EINVAL", "ENOTTY"})


@dataclass(frozen=True)
class Undocumented:
    """An errno the kernel returns (a basis "code" case expects it) that the documentation never names for that
    ioctl, or for that device group: a finding for the report, whatever the condition."""

    label: str  # the ioctl, or "arm-vgic-v3.rst KVM_DEV_ARM_VGIC_GRP_ADDR"
    errno: str
    cases: tuple[str, ...]
    conditions: tuple[str, ...]
    cites: tuple[str, ...]

    @property
    def general(self) -> bool:
        """api.rst's section 3 says general error numbers are not detailed, and that an ioctl a kernel does not
        provide fails with ENOTTY: such an errno missing from a section is no finding."""
        return self.errno in GENERAL_ERRNOS

    def line(self) -> str:
        return (f"{self.label} returns {self.errno} ({'; '.join(self.conditions[:3])}"
                f"{' ...' if len(self.conditions) > 3 else ''}), which the documentation does not name "
                f"[{self.cites[0]}]")


def undocumented(pairs: list[Pair], cases, sections: set[str] | None = None) -> list[Undocumented]:
    """The implemented errnos no documented row names: per ioctl (api.rst; for a case naming a capability, its
    section too) or per device group (devices/*.rst), from the code-basis cases that expect an error. Pass the
    cases a run passed: what a kernel was seen to do. `sections`: the ioctls api.rst has a section for (with or
    without errors); without it, those with rows. Success is not an errno: it is never listed."""
    named_ioctl = {(n, p.errno) for p in pairs if p.document == "api.rst" and not p.caps for n in p.names}
    named_cap = {(cap, p.errno) for p in pairs for cap in p.caps}
    if sections is None:
        sections = {n for p in pairs if p.document == "api.rst" and not p.caps for n in p.names}
    named_group = {(p.document, g, p.errno) for p in pairs if p.document != "api.rst" for g in p.groups}
    documents = {p.document for p in pairs}
    found: dict[tuple[str, str], list] = {}
    for c in cases:
        if c.basis != "code" or c.errno == 0 or c.deviation:
            continue
        if c.device_doc:
            if c.device_doc not in documents or (c.device_doc, c.group, c.errno_name) in named_group:
                continue  # a document this kernel does not have says nothing either way
            label = f"{c.device_doc} {c.group}"
        else:
            if (c.ioctl, c.errno_name) in named_ioctl or c.ioctl not in sections:
                continue  # an ioctl api.rst does not document at all is not this kind of finding
            if c.cap and (c.cap, c.errno_name) in named_cap:
                continue  # the capability's section names it
            label = f"{c.ioctl}({c.cap})" if c.cap else c.ioctl
        found.setdefault((label, c.errno_name), []).append(c)
    return [Undocumented(label, errno, tuple(c.id for c in cs), tuple(dict.fromkeys(c.condition for c in cs)),
                         tuple(dict.fromkeys(c.cite for c in cs)))
            for (label, errno), cs in sorted(found.items())]


def pairs_for(kernel: str = "debian-6.1") -> list[Pair]:
    """Every documented row of a Debian kernel's api.rst and devices/*.rst (fetched into the cache): the errno
    rows, then the ordering rules."""
    from abi.spec.docs import kvm_docs

    docs = kvm_docs(kernel)
    sections = apidoc.parse((docs / "api.rst").read_text())
    pairs = documented_pairs(sections)
    for f in sorted((docs / "devices").glob("*.rst")):
        pairs += device_pairs(f.name, apidoc.parse_device_doc(f.name, f.read_text()))
    pairs += ordering_pairs(sections)
    for f in sorted((docs / "devices").glob("*.rst")):
        pairs += device_ordering_pairs(f.name, apidoc.device_doc_rules(f.name, f.read_text()))
    return pairs


def documented_release(kernel: str = "debian-6.1") -> str:
    """The kernel version ("6.12") whose documentation kvm_docs fetched for a Debian kernel name."""
    from abi.spec.docs import kvm_docs

    m = re.search(r"linux-doc-(\d+\.\d+)", kvm_docs(kernel).name)
    return m.group(1) if m else ""


def sections_for(kernel: str = "debian-6.1") -> set[str]:
    """The ioctls a Debian kernel's api.rst has a section for, whether or not it names any errno."""
    from abi.spec.docs import kvm_docs

    return {n for sec in apidoc.ioctl_sections(apidoc.parse((kvm_docs(kernel) / "api.rst").read_text()))
            for n in sec.names}


def for_kernel(kernel: str = "debian-6.1", ran: set[tuple[str, str, str]] | None = None):
    """Statuses and figures against the api.rst and devices/*.rst of a Debian kernel (fetched into the cache).

    `ran`: what a run measured, as (ioctl, case id, architecture) of each case whose verdict held there (it
    passed, or failed exactly as its deviation records). A row is then tested only by such a case, and an
    architecture no case ran on is not measured. Without it, a row counts a case that would run on the
    documented kernel: what `python -m abi coverage` shows before any run."""
    from abi.spec import registry
    from abi.spec.case import kernel_applies

    pairs = pairs_for(kernel)
    if ran is None:
        release = documented_release(kernel)
        st = statuses(pairs, registry.cases(), registry.unreachable(), lambda c, arch: kernel_applies(c.kernels,
                                                                                                     release))
        return st, figures(st)
    st = statuses(pairs, registry.cases(), registry.unreachable(), lambda c, arch: (c.ioctl, c.id, arch) in ran)
    return st, figures(st, "run", {arch for _, _, arch in ran})


def add_parser(sub) -> None:
    p = sub.add_parser("coverage", help="which documented errors the cases test, against a Debian kernel's docs",
                       description="Lists every documented (ioctl, capability or device group, errno) row and "
                                   "every ordering rule of api.rst and devices/*.rst for x86_64, arm64 and "
                                   "riscv64, with the cases that test it or the reason no target here can.")
    p.add_argument("--kernel", default="debian-6.1", help="whose documentation (debian-6.1, debian-6.12, debian-sid)")
    p.add_argument("--gaps", action="store_true", help="only the rows nothing tests yet")
    p.add_argument("--document", help="only this document (api.rst, arm-vgic-v3.rst, ...)")
    p.add_argument("--kind", choices=("errno", "ordering"), help="only documented errors, or only ordering rules")
    p.set_defaults(func=_main)


def _main(args) -> int:
    from abi.spec.docs import DocsUnavailable

    try:
        st, figs = for_kernel(args.kernel)
    except (DocsUnavailable, OSError) as e:
        print(f"coverage: {e}")
        return 2
    for s in st:
        if (args.document and s.pair.document != args.document) or (args.kind and s.pair.kind != args.kind):
            continue
        for arch in sorted(s.pair.arches):
            state = s.state(arch)
            if args.gaps and state != "gap":
                continue
            what = (", ".join(s.cases[arch]) if state == "covered" else
                    s.unreachable[arch] if state == "unreachable" else s.pair.condition)
            where = f" ({s.pair.section})" if s.pair.document == "api.rst" else ""
            print(f"{arch:7} {state:11} {s.pair.key}{where}: {what}")
    for f in figs:
        print(f.line())
    return 1 if any(f.gaps or f.ordering_gaps for f in figs) else 0


# --- what a run measured (the terminal summary and the report call these) ----------------------------------

def documentation_kernel(guest_kernels: list[str] | str | None) -> str:
    """Whose api.rst the coverage is measured against: the newest Debian kernel of the run, whose documentation has
    the most rows, the cases run on all of them counting (a user's own kernel is measured against Debian 6.1's)."""
    from abi import debian

    given = [guest_kernels] if isinstance(guest_kernels, str) else list(guest_kernels or ())
    if "all" in given:
        given += list(debian.KERNELS)
    named = [k for k in debian.KERNELS if k in given]  # KERNELS runs oldest to newest
    return named[-1] if named else "debian-6.1"


def held(props: list[dict]) -> set[tuple[str, str, str]]:
    """(ioctl, case id, architecture) of every spec case whose verdict held in a run: it passed, or failed exactly
    as its deviation records. `props`: the user properties of the run's call reports (or records)."""
    from abi.spec.run import HELD, RECORDED

    return {(p["ioctl"], p["case"], p["arch"]) for p in props
            if p.get("case") and p.get("arch") and p.get("verdict") in (HELD, RECORDED)}


def passed_cases(passed) -> list:
    """What the kernel was seen to do, as code-basis cases: the spec cases among (ioctl, case id, architecture[,
    observed errno name]) of tests that passed, and of deviations that held as recorded (the case then stands
    for its observation: the errno the kernel returned instead of the documented one). The architecture matters,
    as x86_64 and arm64 cases may share an id."""
    import dataclasses
    import errno as errnos

    from abi.spec import registry

    seen = {}
    for ioctl, case, arch, *observed in passed:
        seen[(ioctl, case, arch)] = observed[0] if observed else None
    out = []
    for c in registry.cases():
        hits = [seen[(c.ioctl, c.id, arch)] for arch in c.arch if (c.ioctl, c.id, arch) in seen]
        if not hits:
            continue
        if c.deviation is None:
            out.append(c)
        elif hits[0] and hasattr(errnos, hits[0]):
            out.append(dataclasses.replace(c, errno=getattr(errnos, hits[0]), basis="code", deviation=None,
                                           cite=c.deviation.why))
    return out


def undocumented_seen(kernel: str, passed) -> list:
    """Implemented errnos the kernel's documentation does not name, from the code-basis cases that passed
    ((ioctl, case id, architecture) each)."""
    return undocumented(pairs_for(kernel), passed_cases(passed), sections_for(kernel))
