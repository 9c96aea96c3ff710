"""abi.spec.apidoc: api.rst as data, on the shapes the real documents use and on the documents themselves
(Debian's linux-doc of 6.1, 6.12 and the newest kernel, fetched into the cache at run time)."""

import re

import pytest

from abi.spec import apidoc
from abi.spec.docs import DocsUnavailable

EDGES = """\
4.3 KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST
-----------------------------------------------------------

:Capability: basic, KVM_CAP_GET_MSR_FEATURES for
             KVM_GET_MSR_FEATURE_INDEX_LIST
:Architectures: x86
:Type: system ioctl
:Parameters: struct kvm_msr_list (in/out)
:Returns: 0 on success; -1 on error

Errors:

  ======     ============================================================
  EFAULT     the msr index list cannot be read from or written to
  E2BIG      the msr index list is too big to fit in the array specified by
             the user.
  -EINVAL    the same errno twice
  EINVAL     with another condition
  ======     ============================================================

Calling it twice returns -EEXIST, and ENOENT is mentioned in prose.

4.80 KVM_SET_DEVICE_ATTR/KVM_GET_DEVICE_ATTR
--------------------------------------------

:Type: device ioctl, vm ioctl, vcpu ioctl

4.80 KVM_ARM_SET_DEVICE_ADDR (deprecated)
-----------------------------------------

:Type: vm ioctl

Errors:
  ENODEV  The device id is unknown
  ENXIO:  Device not supported on current system
          on this host
"""


def test_edge_cases():
    secs = apidoc.parse(EDGES)
    assert [s.number for s in secs] == ["4.3", "4.80", "4.80"]  # duplicated numbers are kept, in order
    msr, attr, addr = secs
    assert msr.names == ["KVM_GET_MSR_INDEX_LIST", "KVM_GET_MSR_FEATURE_INDEX_LIST"]
    assert msr.fields["Capability"] == "basic, KVM_CAP_GET_MSR_FEATURES for KVM_GET_MSR_FEATURE_INDEX_LIST"
    assert [(e.errno, e.condition) for e in msr.errors] == [
        ("EFAULT", "the msr index list cannot be read from or written to"),
        ("E2BIG", "the msr index list is too big to fit in the array specified by the user."),
        ("EINVAL", "the same errno twice"), ("EINVAL", "with another condition")]
    assert [m.errno for m in msr.mentions] == ["EEXIST", "ENOENT"]
    assert attr.names == ["KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR"] and attr.suffix == ""
    assert apidoc._names("KVM_(UN)REGISTER_COALESCED_MMIO")[0] == ["KVM_REGISTER_COALESCED_MMIO",
                                                                   "KVM_UNREGISTER_COALESCED_MMIO"]
    assert addr.names == ["KVM_ARM_SET_DEVICE_ADDR"] and addr.suffix == "deprecated"
    assert [(e.errno, e.condition) for e in addr.errors] == [
        ("ENODEV", "The device id is unknown"), ("ENXIO", "Device not supported on current system on this host")]


CHAPTERS = """\
4.79 KVM_CREATE_THING
---------------------

:Type: vm ioctl

Returns -ENODEV for an unknown thing.

4.80 KVM_GET_THING
------------------

:Architectures: all except arm64
:Type: vm ioctl

6. Capabilities that can be enabled on vCPUs
============================================

  Returns:
      General error numbers (EBADF, ENOMEM, EINVAL) are not detailed.

6.1 KVM_CAP_THING_ONE
---------------------

Architectures: x86 SEV enabled
Type: vm
Returns: 0 on success; ENOTTY on error

6.2 KVM_CAP_THING_TWO
---------------------

:Capability KVM_CAP_THING_TWO
:Architecture: x86, arm64
:Returns 0 on success, -EINVAL when arg[0] contains invalid bits
"""


def test_fields_architectures_and_chapter_ends():
    one, two, cap1, cap2 = apidoc.parse(CHAPTERS)
    assert one.architectures == sorted(apidoc.ARCHITECTURES)  # no field: the generic ioctls, every architecture
    assert two.architectures == sorted(set(apidoc.ARCHITECTURES) - {"arm64"})
    assert [m.errno for m in cap1.mentions] == ["ENOTTY"]  # not the EBADF... of chapter 6's introduction
    assert cap1.fields == {"Architectures": "x86 SEV enabled", "Type": "vm", "Returns": "0 on success; ENOTTY on error"}
    assert cap1.architectures == ["x86"]
    assert cap2.fields["Capability"] == "KVM_CAP_THING_TWO" and cap2.architectures == ["arm64", "x86"]
    assert cap2.fields["Returns"].startswith("0 on success, -EINVAL")
    a = apidoc.architectures
    assert a("all") == a(None) == frozenset(apidoc.ARCHITECTURES) and a("none") == frozenset()
    assert a("x86 s390 arm64") == a("x86, arm64, s390") == {"x86", "arm64", "s390"}
    assert a("Any that implement pvclocks (currently x86 only)") == {"x86"}
    assert a("arm64, mips, riscv, x86 (if KVM_CAP_ONE_REG)") == {"arm64", "mips", "riscv", "x86"}
    assert a("ARM64") == a("arm") == {"arm64"} and a("powerpc") == {"ppc"}
    assert a("all except arm64, s390") == frozenset(apidoc.ARCHITECTURES) - {"arm64", "s390"}
    # A heading its author did not underline, followed by its fields, is still a section.
    secs = apidoc.parse(CHAPTERS + "\n6.3 KVM_CAP_THING_THREE\n\n:Architectures: arm64\n\nText.\n")
    assert [s.number for s in secs][-1] == "6.3" and secs[-1].architectures == ["arm64"]


PROSE = """\
4.20 KVM_DO_THING
-----------------

:Architectures: x86
:Returns: 0 on success, -EFAULT if the buffer
          cannot be read, -EINVAL if the size is zero

The call takes a size (e.g. 4096, i.e. a page).  It returns -EINVAL
for an odd size.  A second call returns
-EBUSY; so does a third.

  - a list item that names -ENOSPC
    and goes on
  - another item

Layout::

  struct thing { /* -EIO on a bad thing */
  };

.. note:: The thing returns EAGAIN when
          interrupted.
"""


def test_sentences():
    (sec,) = apidoc.parse(PROSE)
    got = [(st.line, st.end, st.text, st.errnos) for st in sec.sentences]
    assert got[:2] == [(4, 4, ":Architectures: x86", ()),
                       (5, 6, ":Returns: 0 on success, -EFAULT if the buffer cannot be read, -EINVAL if the size is "
                        "zero", (("EFAULT", 5), ("EINVAL", 6)))]
    texts = [t for _, _, t, _ in got]
    assert "The call takes a size (e.g. 4096, i.e. a page)." in texts  # no stop after an abbreviation
    assert ("It returns -EINVAL for an odd size.", (("EINVAL", 8),)) in [(t, e) for _, _, t, e in got]
    assert (9, 10, "A second call returns -EBUSY; so does a third.", (("EBUSY", 10),)) in got
    assert "- a list item that names -ENOSPC and goes on" in texts and "- another item" in texts
    assert "struct thing { /* -EIO on a bad thing */" in texts  # a literal block: a line each
    assert (21, 22, "The thing returns EAGAIN when interrupted.", (("EAGAIN", 21),)) in got
    assert [(m.errno, m.line) for m in sec.mentions] == [("EFAULT", 5), ("EINVAL", 6), ("EINVAL", 8), ("EBUSY", 10),
                                                         ("ENOSPC", 12), ("EIO", 18), ("EAGAIN", 21)]


# Sentences written for these tests, in the documents' manner: each ordering rule shape, and near misses.
RULES = [
    "This ioctl must be called after KVM_CREATE_THING, but before calling KVM_RUN on any vCPU.",
    "It has to be called before vcpu creation, otherwise it returns EBUSY.",
    "The flag can only be written before a guest vCPU runs.",
    "Only valid after KVM_CREATE_WIDGET.",
    "Enabling the capability is only allowed before creating any vCPU.",
    "The limit may be set prior to the creation of vCPUs.",
    "Fails if any vCPU has already been created.",
    "These registers are immutable once any of the vCPUs of the VM has run at least once.",
    "Calls fail with -EPERM unless the feature has already been finalized.",
    "If this is not called, KVM_RUN will return ENOEXEC.",
    "Setting a filter is refused if a PMU event filter is already present.",
    "-ENXIO if KVM_CREATE_WIDGET didn't succeed earlier.",
    "Calling this ioctl twice returns -EEXIST.",
    "The address may be set only once.",
    "The vcpu must already have been initialised by KVM_ARM_VCPU_INIT.",
    "All calls after the initial call must use the same features.",
    "The registers may be changed before the first KVM_RUN.",
    "Enabling it after widget-backed memslots have been created fails.",
    "Userspace should configure the number on one VCPU after creating all VCPUs.",
]
NOT_RULES = [
    "The bits are cleared before the ioctl returns, unless KVM_CAP_THING is enabled.",
    "If KVM_THING_VALID is set, the field holds an identifier.",
    "The value is read at the instant when KVM_GET_THING was called.",
    "For the intel flavour only, DR6 will not be modified prior to the emulated exit.",
    "It is only greater than 4096 if a dynamic feature has been enabled.",
    "When this capability is enabled, an emulation failure exits to userspace.",
    "The interrupt stays pending until a specific ioctl is triggered.",
    "KVM guarantees one return to userspace before running the VM.",
    "KVM pre-increments the instruction pointer before exiting to userspace.",
    "If an error occurs before any data is copied, a negative error code is returned.",
    "If this ioctl is not called, the default is widget 0.",
    "For example, if userspace hid a pending event, it should be shown again before resuming the guest.",
    "Userspace can read the counters only one time after opening the file, and then seek to read them again.",
]


def test_ordering_rules():
    assert [t for t in RULES if not apidoc.is_ordering(t)] == []
    assert [t for t in NOT_RULES if apidoc.is_ordering(t)] == []
    (sec,) = apidoc.parse("4.90 KVM_SET_WIDGET\n------------------\n\n:Architectures: x86\n\n"
                          + "  ".join(RULES[:3] + NOT_RULES[:2]) + "\n")
    assert [st.text for st in sec.rules] == RULES[:3]
    doc = ("  KVM_DEV_WIDGET_GRP_CTRL\n    " + RULES[3] + " " + NOT_RULES[0] + "\n\n"
           "  KVM_DEV_WIDGET_GRP_REGS\n    " + RULES[4] + "\n")
    rules = apidoc.device_doc_rules("arm-vgic-v3.rst", doc)
    assert [(r.groups, r.text, r.architectures) for r in rules] == [
        (("KVM_DEV_WIDGET_GRP_CTRL",), RULES[3], ("arm64",)), (("KVM_DEV_WIDGET_GRP_REGS",), RULES[4], ("arm64",))]


def test_errors_changed_names_the_rows():
    base = apidoc.parse(EDGES)
    new = apidoc.parse(EDGES.replace("ENODEV  The device id is unknown", "ENODEV  The device id is bad"))
    assert apidoc.errors_changed(base, new) == {
        "KVM_ARM_SET_DEVICE_ADDR": ({("ENODEV", "The device id is unknown")}, {("ENODEV", "The device id is bad")})}


@pytest.fixture(scope="module", params=["debian-6.1", "debian-6.12", "debian-sid"])
def api_rst(request):
    from abi.spec.docs import kvm_docs

    try:
        return request.param, (kvm_docs(request.param) / "api.rst").read_text()
    except DocsUnavailable as e:
        pytest.skip(str(e))


def test_every_section_is_accounted_for(api_rst):
    kernel, text = api_rst
    lines = text.splitlines()
    headings = sum(1 for a, b in zip(lines, lines[1:], strict=False)
                   if re.match(r"^\d+\.\d+\s+\S", a) and re.match(r"^-{3,}\s*$", b))
    unlined = sum(1 for a, b, c in zip(lines, lines[1:], lines[2:], strict=False)
                  if re.match(r"^\d+\.\d+\s+KVM_\w+$", a) and not b.strip() and c.startswith(":"))
    secs = apidoc.parse(text)
    assert len(secs) == headings + unlined
    assert unlined == (1 if kernel == "debian-6.1" else 0)  # 6.1's 7.18 KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2
    ioctls = apidoc.ioctl_sections(secs)
    assert len(ioctls) > 120
    assert all(s.fields.get("Type") for s in ioctls if s.suffix != "deprecated" or s.fields)
    blocks = len(re.findall(r"^\s*Errors(?: include)?:\s*$", text, re.M))
    assert sum(1 for s in secs if s.errors) == blocks, "every Errors block yields rows"
    assert all(e.errno in apidoc.ERRNO_NAMES for s in secs for e in s.errors)
    # Every errno a section names is read: a row of its Errors table, or a sentence (one row per errno there).
    for sec in secs:
        body = sec.body.splitlines()
        for k, line in enumerate(body):
            n = sec.line + k
            for m in apidoc._PROSE_ERRNO.finditer(line):
                e = m.group(1)
                if e in apidoc.ERRNO_NAMES and not any(r.errno == e and r.line == n for r in sec.errors):
                    assert any((e, n) in st.errnos or (e in dict(st.errnos) and st.line <= n <= st.end)
                               for st in sec.sentences), f"{sec.number} line {n}: {e} read nowhere"


def test_the_seed_ioctl_section(api_rst):
    _, text = api_rst
    (sec,) = apidoc.by_name(apidoc.ioctl_sections(apidoc.parse(text)))["KVM_ARM_SET_DEVICE_ADDR"]
    assert sec.suffix == "deprecated" and sec.fields["Type"] == "vm ioctl"
    assert [e.errno for e in sec.errors] == ["ENODEV", "ENXIO", "EEXIST", "E2BIG", "EBUSY"]
    assert "EEXIST" in {m.errno for m in sec.mentions}


def test_device_documents(api_rst):
    """devices/*.rst: every errno named is read, once per table row or sentence, under the group it stands in."""
    from abi.spec.docs import kvm_docs

    kernel, _ = api_rst
    docs = kvm_docs(kernel) / "devices"
    for f in sorted(docs.glob("*.rst")):
        text = f.read_text()
        errs = apidoc.parse_device_doc(f.name, text)
        lines = text.expandtabs(8).splitlines()
        named = {(n, m.group(1)) for n, line in enumerate(lines, 1) for m in apidoc._PROSE_ERRNO.finditer(line)
                 if m.group(1) in apidoc.ERRNO_NAMES}
        assert {(e.line, e.errno) for e in errs} <= named, f.name
        missed = [(n, e) for n, e in named if not any(r.errno == e and r.line <= n <= r.end for r in errs)]
        assert not missed, f"{f.name}: errnos named outside any row: {missed}"
        assert len({(e.line, e.errno, e.condition) for e in errs}) == len(errs), f"{f.name}: a row read twice"
        assert all(e.groups for e in errs if e.source == "table"), f"{f.name}: a table row outside any group"
    vgic = apidoc.parse_device_doc("arm-vgic.rst", (docs / "arm-vgic.rst").read_text())
    addr = [e for e in vgic if e.group == "KVM_DEV_ARM_VGIC_GRP_ADDR"]
    assert [e.errno for e in addr] == ["E2BIG", "EINVAL", "EEXIST", "ENXIO", "EFAULT"]
    pmu = [e for e in apidoc.parse_device_doc("vcpu.rst", (docs / "vcpu.rst").read_text())
           if e.attribute == "KVM_ARM_VCPU_PMU_V3_IRQ" and e.errno == "ENXIO"]
    assert pmu and pmu[0].condition.endswith("when attempting to get it")
    # Each of the three shapes of group heading, and every errors table read as a table.
    groups = {(e.document, e.group) for f in docs.glob("arm-vgic*.rst")
              for e in apidoc.parse_device_doc(f.name, f.read_text())}
    assert {("arm-vgic.rst", "KVM_DEV_ARM_VGIC_GRP_CTRL"), ("arm-vgic-v3.rst", "KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS"),
            ("arm-vgic-its.rst", "KVM_DEV_ARM_VGIC_GRP_ITS_REGS"),
            ("arm-vgic-its.rst", "KVM_DEV_ARM_VGIC_GRP_ADDR")} <= groups
    v3 = apidoc.parse_device_doc("arm-vgic-v3.rst", (docs / "arm-vgic-v3.rst").read_text())
    assert {e.groups for e in v3 if e.errno == "EBUSY" and "running" in e.condition} >= {
        ("KVM_DEV_ARM_VGIC_GRP_DIST_REGS", "KVM_DEV_ARM_VGIC_GRP_REDIST_REGS")}
    vcpu = apidoc.parse_device_doc("vcpu.rst", (docs / "vcpu.rst").read_text())
    timer = [e for e in vcpu if e.group == "KVM_ARM_VCPU_TIMER_CTRL"]
    assert [e.errno for e in timer] == ["EINVAL", "EBUSY"]
    assert {"KVM_ARM_VCPU_TIMER_IRQ_VTIMER", "KVM_ARM_VCPU_TIMER_IRQ_PTIMER"} <= set(timer[0].attributes)
    tsc = [(e.errno, e.source, e.architectures) for e in vcpu if e.group == "KVM_VCPU_TSC_CTRL"]
    assert tsc == [("EFAULT", "table", ("x86",)), ("ENXIO", "table", ("x86",))]  # a tab-indented table
    assert all(e.architectures == ("arm64",) for e in vcpu if e.group.startswith("KVM_ARM_VCPU"))


# A shared section in the document's manner, written for this test: a subheading per architecture, and register
# families introduced by "<ARCH> registers are mapped".
SHARED = """4.91 KVM_SET_GADGET
-------------------

:Architectures: all
:Returns: 0 on success, -EINVAL on a bad gadget

Every architecture takes the gadget. Calling it twice returns -EEXIST.

X86:
^^^^

The x86 gadget must be set before KVM_RUN, or the call returns -EBUSY.

ARM64:
^^^^^^

The arm64 gadget returns -ENOENT for an unknown id.

RISC-V registers are mapped using the lower 32 bits.

The isa gadget can only be written before a guest vCPU runs.
"""


def test_a_sentence_in_one_architectures_part_of_a_shared_section_is_that_architectures():
    from abi.spec import coverage

    (sec,) = apidoc.parse(SHARED)
    assert [(m.errno, m.arch) for m in sec.mentions] == [("EINVAL", ""), ("EEXIST", ""), ("EBUSY", "x86"),
                                                         ("ENOENT", "arm64")]
    assert [(st.arch, st.text[:10]) for st in sec.rules] == [("", "Calling it"), ("x86", "The x86 ga"),
                                                             ("riscv", "The isa ga")]
    pairs = {p.errno or p.condition[:10]: p.arches for p in
             coverage.documented_pairs([sec]) + coverage.ordering_pairs([sec])}
    assert pairs["EEXIST"] == {"x86_64", "arm64", "riscv64"}  # the shared part is every architecture's
    assert pairs["EBUSY"] == {"x86_64"} and pairs["ENOENT"] == {"arm64"} and pairs["The isa ga"] == {"riscv64"}
