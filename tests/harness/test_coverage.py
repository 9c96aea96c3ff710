"""abi.spec.coverage: which documented (ioctl or device attribute, errno) rows a case tests, per architecture."""

from errno import E2BIG, EBUSY, EFAULT, EINVAL, EIO, ENOEXEC, ENOTTY, ENXIO

from abi.spec import apidoc, coverage
from abi.spec.case import Case, Step, Unreachable

DOC = """\
4.10 KVM_RUN
------------

:Architectures: all
:Type: vcpu ioctl

Errors:

  =======    ===========================================
  EINTR      an unmasked signal is pending
  ENOEXEC    the vcpu hasn't been initialized (arm64)
  EINVAL     first reason
  EINVAL     second reason
  =======    ===========================================

4.16 KVM_INTERRUPT
------------------

:Architectures: x86, ppc

Returns -EFAULT if the pointer is invalid.
"""


def _arch(on) -> tuple[str, ...]:
    """The architectures of the machines a test names (a guest profile is arm64)."""
    return tuple(dict.fromkeys("x86_64" if m == "x86_64" else "arm64" for m in on))


def case(ioctl, errno, on, basis="doc", row=1):
    return Case(id=f"{ioctl}-{errno}-{row}", ioctl=ioctl, condition="c", arch=_arch(on), call=Step("s", None),
                errno=errno, cite="x", basis=basis, doc_row=row)


def test_pairs_rows_and_architectures():
    pairs = coverage.documented_pairs(apidoc.parse(DOC))
    got = {(p.ioctl, p.errno, p.row, p.source, tuple(sorted(p.arches))) for p in pairs}
    assert ("KVM_RUN", "ENOEXEC", 1, "table", ("arm64",)) in got  # "(arm64)" restricts an "all" row
    assert ("KVM_RUN", "EINVAL", 2, "table", ("arm64", "riscv64", "x86_64")) in got
    assert ("KVM_INTERRUPT", "EFAULT", 1, "prose", ("x86_64",)) in got


def test_a_row_per_sentence():
    doc = """\
4.35 KVM_SET_THING
------------------

:Architectures: x86
:Returns: 0 on success, -EFAULT on a bad pointer

Errors:

  ======  ==============================
  EBUSY   the thing is in use
  ======  ==============================

Returns -EINVAL if the size is zero.  Returns -EINVAL, or
-E2BIG, if the size is too large.  A second call while a vCPU runs
returns -EBUSY.
"""
    rows = [(p.errno, p.row, p.source, p.condition) for p in coverage.documented_pairs(apidoc.parse(doc))]
    assert rows == [("EBUSY", 1, "table", "the thing is in use"),
                    ("EFAULT", 1, "prose", ":Returns: 0 on success, -EFAULT on a bad pointer"),
                    ("EINVAL", 1, "prose", "Returns -EINVAL if the size is zero."),
                    ("EINVAL", 2, "prose", "Returns -EINVAL, or -E2BIG, if the size is too large."),
                    ("E2BIG", 1, "prose", "Returns -EINVAL, or -E2BIG, if the size is too large.")]
    # (the EBUSY sentence restates the table's row)


def test_architectures_of_a_section():
    doc = """\
4.79 KVM_CREATE_DEVICE
----------------------

:Type: vm ioctl

Returns -ENODEV when the type is unknown.

4.11 KVM_GET_REGS
-----------------

:Architectures: all except arm64

Returns -EFAULT when the pointer is bad.

4.12 KVM_SET_REGS
-----------------

:Architectures: none

Returns -EFAULT when the pointer is bad.
"""
    got = {p.ioctl: sorted(p.arches) for p in coverage.documented_pairs(apidoc.parse(doc))}
    assert got == {"KVM_CREATE_DEVICE": ["arm64", "riscv64", "x86_64"], "KVM_GET_REGS": ["riscv64", "x86_64"]}


def test_a_case_covers_its_row_on_its_architecture_only():
    pairs = coverage.documented_pairs(apidoc.parse(DOC))
    cases = [case("KVM_RUN", EINVAL, ("gicv2",), row=2), case("KVM_RUN", ENOEXEC, ("x86_64",)),
             case("KVM_INTERRUPT", EFAULT, ("x86_64",), basis="code")]
    unreachable = [Unreachable("KVM_INTERRUPT", EFAULT, "needs a broken pointer we cannot make", arch="x86_64")]
    st = {(s.pair.ioctl, s.pair.errno, s.pair.row): s for s in coverage.statuses(pairs, cases, unreachable)}
    assert st[("KVM_RUN", "EINVAL", 2)].state("arm64") == "covered"
    assert st[("KVM_RUN", "EINVAL", 2)].state("x86_64") == "gap"
    assert st[("KVM_RUN", "EINVAL", 1)].state("arm64") == "gap"  # another row of the same errno
    assert st[("KVM_RUN", "ENOEXEC", 1)].state("arm64") == "gap"  # an x86 case does not cover an arm64 row
    assert st[("KVM_INTERRUPT", "EFAULT", 1)].state("x86_64") == "unreachable"  # a code-basis case is no cover
    # A case restricted to kernels the machine does not run covers nothing there.
    only_new = [case("KVM_RUN", EINVAL, ("gicv2",), row=2)]
    later = coverage.statuses(pairs, only_new, [], lambda c, arch: False)
    assert {(s.pair.errno, s.pair.row): s.state("arm64") for s in later}[("EINVAL", 2)] == "gap"
    figs = {f.arch: f for f in coverage.figures(list(st.values()))}
    assert (figs["arm64"].total, figs["arm64"].covered) == (4, 1)
    assert figs["x86_64"].unreachable == 1 and "KVM_RUN EINVAL#2" in figs["x86_64"].gaps


DEVICE_DOC = """\
Groups:
  KVM_DEV_ARM_VGIC_GRP_ADDR
  Attributes:
    KVM_VGIC_V2_ADDR_TYPE_DIST (rw, 64-bit)

  Errors:

    =======  =============================================================
    -E2BIG   Address outside of addressable IPA range
    -EINVAL  Incorrectly aligned address
    -EINVAL  Address not in range
    =======  =============================================================

  KVM_DEV_ARM_VGIC_GRP_DIST_REGS, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
    Returns -EBUSY if a vCPU is running, and -EFAULT on a bad pointer.

  Errors:

    ======  =====================================
    -EBUSY  One or more VCPUs are running
    ======  =====================================
"""


def device_case(errno, group, row=1, basis="doc", doc="arm-vgic-v3.rst", ioctl="KVM_SET_DEVICE_ATTR"):
    return Case(id=f"{group}-{errno}-{row}", ioctl=ioctl, condition="c", arch=("arm64",), features=("vgic-v3",),
                call=Step("s", None),
                errno=errno, cite="x", basis=basis, doc_row=row, device_doc=doc, group=group)


def test_device_rows_are_linked_by_document_group_and_row():
    pairs = coverage.device_pairs("arm-vgic-v3.rst", apidoc.parse_device_doc("arm-vgic-v3.rst", DEVICE_DOC))
    rows = {(p.groups[0], p.errno, p.row, p.source) for p in pairs}
    assert rows == {("KVM_DEV_ARM_VGIC_GRP_ADDR", "E2BIG", 1, "table"),
                    ("KVM_DEV_ARM_VGIC_GRP_ADDR", "EINVAL", 1, "table"),
                    ("KVM_DEV_ARM_VGIC_GRP_ADDR", "EINVAL", 2, "table"),
                    ("KVM_DEV_ARM_VGIC_GRP_DIST_REGS", "EBUSY", 1, "table"),
                    ("KVM_DEV_ARM_VGIC_GRP_DIST_REGS", "EFAULT", 1, "prose")}  # EBUSY's prose is its table's
    assert all(p.arches == {"arm64"} for p in pairs)
    cases = [device_case(EINVAL, "KVM_DEV_ARM_VGIC_GRP_ADDR", row=2),
             device_case(EBUSY, "KVM_DEV_ARM_VGIC_GRP_REDIST_REGS"),  # the heading names both groups
             device_case(E2BIG, "KVM_DEV_ARM_VGIC_GRP_ADDR", doc="arm-vgic.rst"),  # another document's row
             device_case(EFAULT, "KVM_DEV_ARM_VGIC_GRP_DIST_REGS", basis="code")]
    st = {(s.pair.groups[0], s.pair.errno, s.pair.row): s.state("arm64")
          for s in coverage.statuses(pairs, cases, [])}
    assert st == {("KVM_DEV_ARM_VGIC_GRP_ADDR", "E2BIG", 1): "gap", ("KVM_DEV_ARM_VGIC_GRP_ADDR", "EINVAL", 1): "gap",
                  ("KVM_DEV_ARM_VGIC_GRP_ADDR", "EINVAL", 2): "covered",
                  ("KVM_DEV_ARM_VGIC_GRP_DIST_REGS", "EBUSY", 1): "covered",
                  ("KVM_DEV_ARM_VGIC_GRP_DIST_REGS", "EFAULT", 1): "gap"}


def test_device_rows_per_sentence():
    doc = """\
  KVM_DEV_ARM_VGIC_GRP_CTRL
    Returns -EFAULT when the pointer is bad.  A busy vCPU gives -EBUSY, and
    a second init gives -EBUSY too.  Returns -EFAULT when the address is unmapped.
"""
    pairs = coverage.device_pairs("arm-vgic-v3.rst", apidoc.parse_device_doc("arm-vgic-v3.rst", doc))
    assert [(p.errno, p.row, p.condition) for p in pairs] == [
        ("EFAULT", 1, "Returns -EFAULT when the pointer is bad."),
        ("EBUSY", 1, "A busy vCPU gives -EBUSY, and a second init gives -EBUSY too."),
        ("EFAULT", 2, "Returns -EFAULT when the address is unmapped.")]


CAPS = """\
4.37 KVM_ENABLE_CAP
-------------------

:Architectures: all

7. Capabilities that can be enabled on VMs
==========================================

7.13 KVM_CAP_X86_DISABLE_EXITS
------------------------------

:Architectures: x86
:Returns: 0 on success, -EINVAL when args[0] has an unknown bit

Enabling it after a vCPU exists fails with -EINVAL too.

7.28 KVM_CAP_ARM_MTE
--------------------

:Architectures: arm64

A shared memslot gives -EINVAL once this is enabled.

8. Other capabilities.
======================

8.29 KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL
----------------------------------------------------------

:Architectures: x86, arm64

A second enable returns -EBUSY.
"""


def test_capability_rows():
    pairs = coverage.documented_pairs(apidoc.parse(CAPS))
    rows = [(p.label, p.errno, p.row, tuple(sorted(p.arches))) for p in pairs]
    assert rows == [("KVM_ENABLE_CAP(KVM_CAP_X86_DISABLE_EXITS)", "EINVAL", 1, ("x86_64",)),
                    ("KVM_ENABLE_CAP(KVM_CAP_X86_DISABLE_EXITS)", "EINVAL", 2, ("x86_64",)),
                    ("KVM_ENABLE_CAP(KVM_CAP_ARM_MTE)", "EINVAL", 1, ("arm64",)),
                    ("KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL)", "EBUSY", 1,
                     ("arm64", "x86_64"))]
    assert all(p.names == ("KVM_ENABLE_CAP",) for p in pairs)

    def cap_case(ioctl, errno, on, cap="", row=1, basis="doc"):
        return Case(id=f"{cap}-{row}", ioctl=ioctl, condition="c", arch=_arch(on), call=Step("s", None), errno=errno,
                    cite="x", basis=basis, doc_row=row, cap=cap)

    cases = [cap_case("KVM_ENABLE_CAP", EINVAL, ("x86_64",), "KVM_CAP_X86_DISABLE_EXITS", row=2),
             cap_case("KVM_ENABLE_CAP", EINVAL, ("x86_64",)),  # names no capability: 4.37's rows, not these
             # the capability's row, whatever ioctl the case calls (MTE's EINVAL comes from the memslot ioctl)
             cap_case("KVM_SET_USER_MEMORY_REGION", EINVAL, ("mte",), "KVM_CAP_ARM_MTE"),
             cap_case("KVM_ENABLE_CAP", EBUSY, ("gicv2",), "KVM_CAP_DIRTY_LOG_RING_ACQ_REL")]
    unreachable = [Unreachable("KVM_ENABLE_CAP", EBUSY, "reason", arch="x86_64", cap="KVM_CAP_DIRTY_LOG_RING")]
    st = {(s.pair.label, s.pair.row): s for s in coverage.statuses(pairs, cases, unreachable)}
    assert st[("KVM_ENABLE_CAP(KVM_CAP_X86_DISABLE_EXITS)", 2)].state("x86_64") == "covered"
    assert st[("KVM_ENABLE_CAP(KVM_CAP_X86_DISABLE_EXITS)", 1)].state("x86_64") == "gap"
    assert st[("KVM_ENABLE_CAP(KVM_CAP_ARM_MTE)", 1)].state("arm64") == "covered"
    ring = st[("KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL)", 1)]
    assert (ring.state("arm64"), ring.state("x86_64")) == ("covered", "unreachable")
    # An errno a capability's section names is documented for cases naming it; others are findings.
    code = [cap_case("KVM_ENABLE_CAP", EINVAL, ("x86_64",), "KVM_CAP_X86_DISABLE_EXITS", basis="code"),
            cap_case("KVM_ENABLE_CAP", E2BIG, ("x86_64",), "KVM_CAP_X86_DISABLE_EXITS", basis="code"),
            cap_case("KVM_ENABLE_CAP", EBUSY, ("x86_64",), basis="code")]
    found = {(u.label, u.errno) for u in coverage.undocumented(pairs, code, {"KVM_ENABLE_CAP"})}
    assert found == {("KVM_ENABLE_CAP(KVM_CAP_X86_DISABLE_EXITS)", "E2BIG"), ("KVM_ENABLE_CAP", "EBUSY")}


ORDER = """\
4.41 KVM_SET_WIDGET
-------------------

:Architectures: x86, arm64
:Returns: 0 on success, -EBUSY if any vCPU has already been created

This ioctl has to be called before vcpu creation.  It sets the widget.
On x86, this ioctl is only useful after KVM_CREATE_IRQCHIP.

7. Capabilities that can be enabled on VMs
==========================================

7.28 KVM_CAP_ARM_WIDGET
-----------------------

:Architectures: arm64

It must be enabled before creating any VCPUs.
"""

ORDER_DEVICE = """\
  KVM_DEV_ARM_VGIC_GRP_CTRL
    Must be called after all VCPUs have been created.
"""


def test_ordering_rules_are_rows():
    sections = apidoc.parse(ORDER)
    pairs = coverage.ordering_pairs(sections) + coverage.device_ordering_pairs(
        "arm-vgic-v3.rst", apidoc.device_doc_rules("arm-vgic-v3.rst", ORDER_DEVICE))
    assert [(p.key, tuple(sorted(p.arches))) for p in pairs] == [
        ("KVM_SET_WIDGET ordering", ("arm64", "x86_64")),  # the :Returns: field's "-EBUSY if any vCPU has ..."
        ("KVM_SET_WIDGET ordering#2", ("arm64", "x86_64")),
        ("KVM_SET_WIDGET ordering#3", ("x86_64",)),  # "On x86, ...": that architecture's rule only
        ("KVM_ENABLE_CAP(KVM_CAP_ARM_WIDGET) ordering", ("arm64",)),
        ("arm-vgic-v3.rst KVM_DEV_ARM_VGIC_GRP_CTRL ordering", ("arm64",))]
    assert all(p.kind == "ordering" and p.errno == "" for p in pairs)
    # The errno rows are apart: the EBUSY of the :Returns: field is also an errno row.
    assert [(p.key, p.kind) for p in coverage.documented_pairs(sections)] == [("KVM_SET_WIDGET EBUSY", "errno")]

    def order_case(ioctl, errno, on, order_row, **kw):
        return Case(id=f"{ioctl}-{order_row}", ioctl=ioctl, condition="c", arch=_arch(on), call=Step("s", None),
                    errno=errno, cite="x", order_row=order_row, **kw)

    cases = [order_case("KVM_SET_WIDGET", EBUSY, ("x86_64", "gicv3"), 2),  # also covers the EBUSY errno row
             order_case("KVM_ENABLE_CAP", EINVAL, ("mte",), 1, cap="KVM_CAP_ARM_WIDGET"),
             order_case("KVM_SET_DEVICE_ATTR", 0, ("gicv3",), 1, device_doc="arm-vgic-v3.rst",
                        group="KVM_DEV_ARM_VGIC_GRP_CTRL"),
             order_case("KVM_SET_WIDGET", EBUSY, ("gicv3",), 0, doc_row=2)]  # names no rule
    unreachable = [Unreachable("KVM_SET_WIDGET", 0, "needs an irqchip this host lacks", arch="x86_64", order_row=3)]
    errno_pairs = coverage.documented_pairs(sections)
    st = {(s.pair.key, a): s.state(a) for s in coverage.statuses(pairs + errno_pairs, cases, unreachable)
          for a in s.pair.arches}
    assert st == {("KVM_SET_WIDGET ordering", "x86_64"): "gap", ("KVM_SET_WIDGET ordering", "arm64"): "gap",
                  ("KVM_SET_WIDGET ordering#2", "x86_64"): "covered", ("KVM_SET_WIDGET ordering#2", "arm64"): "covered",
                  ("KVM_SET_WIDGET ordering#3", "x86_64"): "unreachable",
                  ("KVM_ENABLE_CAP(KVM_CAP_ARM_WIDGET) ordering", "arm64"): "covered",
                  ("arm-vgic-v3.rst KVM_DEV_ARM_VGIC_GRP_CTRL ordering", "arm64"): "covered",
                  ("KVM_SET_WIDGET EBUSY", "x86_64"): "covered", ("KVM_SET_WIDGET EBUSY", "arm64"): "covered"}
    figs = {f.arch: f for f in coverage.figures(coverage.statuses(pairs + errno_pairs, cases, unreachable))}
    assert (figs["x86_64"].total, figs["x86_64"].covered) == (1, 1)  # ordering rules are counted apart
    assert figs["x86_64"].ordering == (1, 2, 1) and figs["arm64"].ordering == (3, 4, 0)
    assert figs["arm64"].ordering_gaps == ("KVM_SET_WIDGET ordering",)
    assert "ordering rules: 1 with a case / 2 reachable, 1 unreachable" in figs["x86_64"].line()


def test_undocumented_errnos_are_those_no_row_names():
    pairs = coverage.documented_pairs(apidoc.parse(DOC)) + coverage.device_pairs(
        "arm-vgic-v3.rst", apidoc.parse_device_doc("arm-vgic-v3.rst", DEVICE_DOC))
    cases = [case("KVM_RUN", EINVAL, ("gicv2",), basis="code"),  # documented: no finding
             case("KVM_RUN", EIO, ("gicv2",), basis="code"),  # a specific errno api.rst does not name
             case("KVM_RUN", ENOTTY, ("gicv2",), basis="code"),  # general: api.rst section 3
             case("KVM_RUN", EIO, ("gicv2",), basis="doc"),  # doc-basis cases state the documentation
             case("KVM_NOT_DOCUMENTED", EIO, ("gicv2",), basis="code"),  # no section: not this kind of finding
             device_case(ENXIO, "KVM_DEV_ARM_VGIC_GRP_ADDR", basis="code"),
             device_case(EBUSY, "KVM_DEV_ARM_VGIC_GRP_ADDR", basis="code", doc="arm-vgic-its.rst")]  # no such doc
    found = {(u.label, u.errno, u.general) for u in coverage.undocumented(pairs, cases)}
    assert found == {("KVM_RUN", "EIO", False), ("KVM_RUN", "ENOTTY", True),
                     ("arm-vgic-v3.rst KVM_DEV_ARM_VGIC_GRP_ADDR", "ENXIO", False)}
    # A section without any errno: everything its ioctl returns is undocumented.
    cases.append(case("KVM_GET_REGS", EFAULT, ("x86_64",), basis="code"))
    found = {(u.label, u.errno) for u in coverage.undocumented(pairs, cases, {"KVM_RUN", "KVM_GET_REGS"})}
    assert ("KVM_GET_REGS", "EFAULT") in found and ("KVM_NOT_DOCUMENTED", "EIO") not in found
