"""The in-kernel vGICv3 device (KVM_DEV_TYPE_ARM_VGIC_V3): every documented error of every group, and the
implemented ones beside it; and the vGICv5 document, whose device no machine here has.

Documentation: Documentation/virt/kvm/devices/arm-vgic-v3.rst (Debian 6.1, 6.12 and 7.2 linux-doc; 7.2 adds an
EBUSY row to KVM_DEV_ARM_VGIC_GRP_ADDR and the pre-initialisation writes of GICD_IIDR.Revision and
GICD_TYPER2.nASSGIcap) and devices/arm-vgic-v5.rst (7.2 only).
Implementation (arch/arm64/kvm of Debian 6.1.192, 6.12.117 and 7.2.13): vgic/vgic-kvm-device.c (kvm_vgic_addr,
vgic_check_iorange, vgic_set_common_attr, vgic_get_common_attr, vgic_v3_parse_attr, vgic_v3_attr_regs_access,
vgic_v3_has_attr, reg_allowed_pre_init in 7.2), vgic/vgic-mmio-v3.c (vgic_v3_alloc_redist_region,
vgic_v3_set_redist_base, vgic_v3_has_attr_regs, vgic_mmio_uaccess_write_v3_misc), vgic/vgic-mmio.c
(vgic_uaccess_read/write), vgic/vgic-init.c (kvm_vgic_create, vgic_init, kvm_vgic_map_resources),
vgic/vgic-v3.c (vgic_v3_map_resources, vgic_v3_save_pending_tables), vgic-sys-reg-v3.c (set_gic_ctlr,
vgic_v3_cpu_sysregs_uaccess), sys_regs.c (kvm_sys_reg_get_user), arm.c (kvm_arch_vcpu_precreate, lock_all_vcpus
in 6.12), virt/kvm/kvm_main.c (kvm_ioctl_create_device, kvm_trylock_all_vcpus in 7.2).
docs/research/arm_vgic_v3.md has every row with its evidence and the version differences.

The machine is the "gicv3" guest (QEMU virt, gic-version=3): its kernel offers the vGICv3 and the ITS, no GICv2
emulation; "gicv2" and "novgic" answer the rows about a host without a GICv3. The ITS cases are in
arm_vgic_its.py, which uses the steps defined here.
"""

from __future__ import annotations

import struct
from errno import E2BIG, EBUSY, EEXIST, EFAULT, EINTR, EINVAL, ENODEV, ENOENT, ENOMEM, ENXIO

from abi import arm64, kvm
from abi.spec.case import (
    DOCUMENT_CONTRADICTS_ITSELF,
    SUCCEEDS,
    Case,
    Deviation,
    Finding,
    Scene,
    Step,
    Unreachable,
    Val,
    val,
)
from abi.spec.steps.base import BAD_POINTER, step
from abi.spec.steps.vcpu import INIT_VCPU, RAN, vcpu_busy
from abi.spec.steps.vm import create_vcpu
from abi.target.base import Result

V3_DOC = "arm-vgic-v3.rst"
V5_DOC = "arm-vgic-v5.rst"

V3 = kvm.KVM_DEV_TYPE_ARM_VGIC_V3
ITS = kvm.KVM_DEV_TYPE_ARM_VGIC_ITS
KVM_DEV_TYPE_ARM_VGIC_V5 = kvm.KVM_DEV_TYPE_ARM_VGIC_V5  # linux/kvm.h of 7.0+ (abi/kvm.py SINCE)

GRP_ADDR = arm64.KVM_DEV_ARM_VGIC_GRP_ADDR
GRP_DIST = arm64.KVM_DEV_ARM_VGIC_GRP_DIST_REGS
GRP_REDIST = arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
GRP_SYSREGS = arm64.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS
GRP_NR_IRQS = arm64.KVM_DEV_ARM_VGIC_GRP_NR_IRQS
GRP_CTRL = arm64.KVM_DEV_ARM_VGIC_GRP_CTRL
GRP_LEVEL = arm64.KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO
GRP_MAINT_IRQ = arm64.KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ  # 7.x headers
GROUP_NAMES = {GRP_ADDR: "ADDR", GRP_DIST: "DIST_REGS", GRP_REDIST: "REDIST_REGS", GRP_SYSREGS: "CPU_SYSREGS",
               GRP_NR_IRQS: "NR_IRQS", GRP_CTRL: "CTRL", GRP_LEVEL: "LEVEL_INFO",
               arm64.KVM_DEV_ARM_VGIC_GRP_ITS_REGS: "ITS_REGS", GRP_MAINT_IRQ: "MAINT_IRQ"}
G_ADDR, G_DIST, G_REDIST = "KVM_DEV_ARM_VGIC_GRP_ADDR", "KVM_DEV_ARM_VGIC_GRP_DIST_REGS", \
    "KVM_DEV_ARM_VGIC_GRP_REDIST_REGS"
G_SYSREGS, G_NR_IRQS, G_CTRL, G_LEVEL = "KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS", "KVM_DEV_ARM_VGIC_GRP_NR_IRQS", \
    "KVM_DEV_ARM_VGIC_GRP_CTRL", "KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO"

DIST = arm64.KVM_VGIC_V3_ADDR_TYPE_DIST
REDIST = arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST
REGION = arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION
ADDR_NAMES = {DIST: "DIST", REDIST: "REDIST", REGION: "REDIST_REGION", arm64.KVM_VGIC_ITS_ADDR_TYPE: "ITS"}
INIT = arm64.KVM_DEV_ARM_VGIC_CTRL_INIT
SAVE_PENDING = arm64.KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES

# QEMU virt's own GICv3 layout: in range for any IPA size.
D3, ITS_BASE, R3 = 0x08000000, 0x08080000, 0x080A0000
UNDEF = 0xFFFFFFFFFFFFFFFF  # VGIC_ADDR_UNDEF: an address never set reads back as all ones
IPA_DEFAULT = 1 << 40  # a VM of type 0 has a 40-bit IPA space (api.rst 4.2)

# Distributor and redistributor register offsets (GICv3 architecture), and one no register occupies.
GICD_CTLR, GICD_TYPER, GICD_IIDR, GICD_TYPER2 = 0x0, 0x4, 0x8, 0xC
GICD_RESERVED = 0xA000  # between GICD_IROUTER<n> and the ID registers: no vgic_v3_dist_registers entry
GICR_TYPER, GICR_PENDBASER = 0x8, 0x78
TYPER2_NASSGICAP = 1 << 8
IIDR_REVISION = 0xF << 12  # GICD_IIDR.Revision: KVM_VGIC_IMP_REV_2 or _3 (include/kvm/arm_vgic.h)

# 7.2's documentation of KVM_DEV_ARM_VGIC_GRP_ADDR lists EBUSY; 6.1's and 6.12's do not.
NEWER_DOC = "7.2+"


# --- encodings ------------------------------------------------------------------------------------------

def mpidr(aff0: int, aff1: int = 0) -> int:
    """The mpidr field of a register attribute (bits 63:32: Aff3.Aff2.Aff1.Aff0)."""
    return ((aff1 << 8) | aff0) << 32


def sysreg(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    """The instr field of KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS: Op0 15:14, Op1 13:11, CRn 10:7, CRm 6:3, Op2 2:0."""
    return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2


ICC_PMR_EL1 = sysreg(3, 0, 4, 6, 0)
ICC_CTLR_EL1 = sysreg(3, 0, 12, 12, 4)
ICC_SRE_EL1 = sysreg(3, 0, 12, 12, 5)
UNKNOWN_SYSREG = sysreg(3, 7, 15, 15, 7)  # IMPLEMENTATION DEFINED space: not in gic_v3_icc_reg_descs
CTLR_PRI_ID_BITS_MAX = (7 << 8) | (7 << 11)  # PRIbits = 8 bits of priority, IDbits = reserved 0b111


def region(index: int, base: int, count: int, flags: int = 0) -> int:
    """A KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION value: count 63:52, base 51:16, flags 15:12, index 11:0."""
    return (count << 52) | base | (flags << 12) | index


def level(intid: int, info: int = arm64.VGIC_LEVEL_INFO_LINE_LEVEL, aff0: int = 0) -> int:
    return mpidr(aff0) | (info << arm64.KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT) | intid


# --- steps ----------------------------------------------------------------------------------------------

def create(dev_type: int = V3, name: str = "vgic", ok_errno: int = 0) -> Step:
    """KVM_CREATE_DEVICE; the fd is the scene's `name` device (the vGIC, the ITS) for later attribute steps."""
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vm, kvm.KVM_CREATE_DEVICE, kvm.kvm_create_device(type=dev_type, flags=0))
        if got.ok:
            s.add_device(got.struct(kvm.kvm_create_device).fd, dev_type, name)
        return got

    shown = {V3: "VGIC_V3", ITS: "VGIC_ITS", kvm.KVM_DEV_TYPE_ARM_VGIC_V2: "VGIC_V2",
             KVM_DEV_TYPE_ARM_VGIC_V5: "VGIC_V5 (16)"}.get(dev_type, str(dev_type))
    return step(f"KVM_CREATE_DEVICE({shown})", run, ok_errno)


REQUESTS = {"SET": kvm.KVM_SET_DEVICE_ATTR, "GET": kvm.KVM_GET_DEVICE_ATTR, "HAS": kvm.KVM_HAS_DEVICE_ATTR}


def attr(request: str, group: int, attribute: int, value=None, width: int = 8, on: str = "vgic",
         pointer: Val | None = None, ok_errno: int = 0, shown: str = "") -> Step:
    """KVM_{SET,GET,HAS}_DEVICE_ATTR on the scene's `on` device; attr.addr points at `width` bytes holding
    `value` (zeros for GET), or at `pointer`."""
    value_v = val(value) if value is not None else None

    def run(s: Scene) -> Result:
        fd = s.named.get(on, -1)
        if pointer is not None:
            where = pointer(s)
        else:
            v = value_v(s) if value_v is not None else 0
            where = s.scratch(v.to_bytes(width, "little") + bytes(16))
        return s.ioctl(fd, REQUESTS[request], kvm.kvm_device_attr(flags=0, group=group, attr=attribute, addr=where))

    what = shown or f"{attribute:#x}"
    extra = f" = {value_v}" if value_v is not None else ""
    extra += f", addr={pointer}" if pointer is not None else ""
    name = "ITS" if on == "its" else "vGIC"
    return step(f"{request}_DEVICE_ATTR({name}, {GROUP_NAMES.get(group, group)}, {what}{extra})", run, ok_errno)


def set_addr(kind: int, value, **kw) -> Step:
    return attr("SET", GRP_ADDR, kind, value, shown=ADDR_NAMES.get(kind, f"{kind:#x}"), **kw)


def get_addr(kind: int, value=None, **kw) -> Step:
    return attr("GET", GRP_ADDR, kind, value, shown=ADDR_NAMES.get(kind, f"{kind:#x}"), **kw)


def ctrl(attribute: int, request: str = "SET", on: str = "vgic", ok_errno: int = 0) -> Step:
    names = {INIT: "CTRL_INIT", SAVE_PENDING: "SAVE_PENDING_TABLES"} if on == "vgic" else {}
    return attr(request, GRP_CTRL, attribute, on=on, shown=names.get(attribute, f"{attribute:#x}"),
                ok_errno=ok_errno)


def dist_reg(offset: int, value=None, request: str = "GET", attr_high: int = 0, **kw) -> Step:
    return attr(request, GRP_DIST, attr_high | offset, value, width=4, shown=f"GICD+{offset:#x}", **kw)


def redist_reg(offset: int, value=None, request: str = "GET", aff0: int = 0, **kw) -> Step:
    return attr(request, GRP_REDIST, mpidr(aff0) | offset, value, width=4,
                shown=f"GICR+{offset:#x} of Aff0={aff0}", **kw)


def sys_reg(instr: int, value=None, request: str = "GET", aff0: int = 0, **kw) -> Step:
    return attr(request, GRP_SYSREGS, mpidr(aff0) | instr, value, width=8, shown=f"instr {instr:#06x} of Aff0={aff0}",
                **kw)


def nr_irqs(value=None, request: str = "SET", **kw) -> Step:
    return attr(request, GRP_NR_IRQS, 0, value, width=4, shown="NR_IRQS", **kw)


def line_level(intid: int, info: int = 0, aff0: int = 0, request: str = "GET", value=None) -> Step:
    return attr(request, GRP_LEVEL, level(intid, info, aff0), value, width=4,
                shown=f"vINTID {intid}, info {info}, Aff0={aff0}")


def maint_irq(value=None, request: str = "SET") -> Step:
    return attr(request, GRP_MAINT_IRQ, 0, value, width=4, shown="MAINT_IRQ")


def reads(expected, width: int = 8, mask: int | None = None):
    """A check: the `width` bytes a GET wrote at attr.addr (masked) equal `expected`."""
    expected = val(expected)

    def check(s: Scene, got: Result) -> str | None:
        value = int.from_bytes(s.target.read(s.scratch(), width), "little")
        if mask is not None:
            value &= mask
        want = expected(s)
        return None if value == want else f"read back {value:#x}, expected {want:#x} ({expected})"

    return check


def remembered(key: str) -> Val:
    return Val(f"the value read before ({key})", lambda s: s.remembered[key])


def remember(key: str, getter: Step, width: int) -> Step:
    """Runs a GET and keeps what it read, for a later step or check (`remembered(key)`)."""
    def run(s: Scene) -> Result:
        got = getter(s)
        if got.ok:
            s.remembered[key] = int.from_bytes(s.target.read(s.scratch(), width), "little")
        return got

    return step(f"{getter} (kept as {key})", run)


IIDR_REV2 = Val("GICD_IIDR as read, Revision 2",
                lambda s: (s.remembered["iidr"] & ~IIDR_REVISION) | (2 << 12))


def afterwards(then: Step, check):
    """A check made after a further step: `then` must succeed, and `check` judges what it left (read at attr.addr
    or in guest memory). For a call whose effect shows only in a later read ("the revision applies from then on")."""
    def run(s: Scene, got: Result) -> str | None:
        followed = then(s)
        if not followed.ok:
            return f"the step afterwards, {then}, gave {followed!r}"
        problem = check(s, followed)
        return None if problem is None else f"after {then}: {problem}"

    return run


# Guest memory: one slot at IPA 0 holding little-endian u64 entries at given offsets (ITS tables, the LPI
# configuration and pending tables, which default to IPA 0).
SLOT_SIZE = 0x40000


def memslot(entries: dict[int, int] | None = None) -> Step:
    entries = entries or {}

    def run(s: Scene) -> Result:
        mem = s.target.alloc(SLOT_SIZE)
        for offset, value in entries.items():
            s.target.write(mem + offset, struct.pack("<Q", value))
        s.memory["memslot"] = mem
        region_ = kvm.kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=0, memory_size=SLOT_SIZE,
                                                  userspace_addr=mem)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region_)

    shown = ", ".join(f"[{o:#x}] = {v:#x}" for o, v in entries.items()) or "zeros"
    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes: {shown})", run)


def memory_holds(entries: dict[int, int]):
    """A check: guest memory (the slot of `memslot`) holds these u64 entries."""
    def check(s: Scene, got: Result) -> str | None:
        mem = s.memory["memslot"]
        for offset, want in entries.items():
            have = struct.unpack("<Q", s.target.read(mem + offset, 8))[0]
            if have != want:
                return f"guest memory at IPA {offset:#x} holds {have:#x}, expected {want:#x}"
        return None

    return check


# --- scenes ---------------------------------------------------------------------------------------------

VCPU = INIT_VCPU  # KVM_CREATE_VCPU + KVM_ARM_VCPU_INIT: its MPIDR is Aff0 = vCPU id
DEVICE = (VCPU, create())
PLACED = (*DEVICE, set_addr(DIST, D3), set_addr(REDIST, R3))
READY = (*PLACED, ctrl(INIT))




SET, GET, HAS = "KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR"
DOC = "arm-vgic-v3.rst"
ADDR_DOC = f"{DOC} {G_ADDR}"
REGS_DOC = f"{DOC} {G_DIST}, {G_REDIST}"
SYSREGS_DOC = f"{DOC} {G_SYSREGS}"
NR_DOC = f"{DOC} {G_NR_IRQS}"
CTRL_DOC = f"{DOC} {G_CTRL}"
LEVEL_DOC = f"{DOC} {G_LEVEL}"
G_MAINT = "KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ"
MAINT_DOC = f"{DOC} (7.2) {G_MAINT}"
KVM_VGIC_ADDR = "vgic-kvm-device.c: kvm_vgic_addr"
ALLOC_REGION = "vgic-mmio-v3.c: vgic_v3_alloc_redist_region"
REGS_ACCESS = "vgic-kvm-device.c: vgic_v3_attr_regs_access"

# The restored ITS of arm_vgic_its.py's round trip, here for the LPI whose pending state
# KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES writes: collection table at 0x10000, device table at 0x20000, the device's
# ITT at 0x30000; LPI 8192 of device 0, event 0, collection 0 on vCPU 0. The LPI configuration and pending tables
# stay at IPA 0 (their reset value), inside the slot.
COLL_TABLE, DEV_TABLE, ITT = 0x10000, 0x20000, 0x30000
LPI = 8192
CTE = (1 << 63) | (0 << 16) | 0  # valid, RDBase = vCPU 0, ICID 0
DTE = (1 << 63) | ((ITT >> 8) << 5) | 0  # valid, last, ITT address, one EventID bit
ITE = (LPI << 16) | 0  # last, pINTID 8192, ICID 0
TABLES = {COLL_TABLE: CTE, DEV_TABLE: DTE, ITT: ITE}
GITS_CTLR, GITS_IIDR, GITS_TYPER, GITS_CBASER, GITS_CWRITER, GITS_CREADR = 0x0, 0x4, 0x8, 0x80, 0x88, 0x90
GITS_BASER0, GITS_BASER1 = 0x100, 0x108
VALID = 1 << 63
PAGE_64K = 2 << 8  # GITS_BASER.Page_Size = 64K: the only size KVM implements (vgic_sanitise_its_baser)


def its_reg(offset: int, value=None, request: str = "GET", **kw) -> Step:
    return attr(request, arm64.KVM_DEV_ARM_VGIC_GRP_ITS_REGS, offset, value, width=8, on="its",
                shown=f"GITS+{offset:#x}", **kw)


ITS_PLACED = (create(ITS, "its"), attr("SET", GRP_ADDR, arm64.KVM_VGIC_ITS_ADDR_TYPE, ITS_BASE, on="its",
                                       shown="ITS"))
RESTORED = (*READY, *ITS_PLACED, memslot(TABLES),
            its_reg(GITS_BASER0, VALID | DEV_TABLE | PAGE_64K, request="SET"),
            its_reg(GITS_BASER1, VALID | COLL_TABLE | PAGE_64K, request="SET"),
            ctrl(arm64.KVM_DEV_ARM_ITS_RESTORE_TABLES, on="its"))
UNMAPPED = 0x10000000  # outside the slot


def _pending_elsewhere() -> Step:
    return redist_reg(GICR_PENDBASER, UNMAPPED, request="SET")


LOCK_FN = "vgic-kvm-device.c lock_all_vcpus (6.1; arm.c in 6.12; kvm_main.c kvm_trylock_all_vcpus in 7.2)"
# "One or more VCPUs are running": vCPU 0 asleep in KVM_RUN (WFI) on a second thread of the agent.
LOCKED = ("{fn} tries every vCPU's mutex with mutex_trylock, via " + LOCK_FN + "; a running vCPU holds its mutex "
          "for the whole KVM_RUN (kvm_main.c kvm_vcpu_ioctl)")


DEVIATION_ENODEV = (
    f"{CTRL_DOC} lists ENODEV for 'no online VCPU'; vgic-init.c vgic_init has no such test in 6.1, 6.12 or 7.2 "
    "(it fails only while a vCPU is half created, with EBUSY): KVM_DEV_ARM_VGIC_CTRL_INIT with no vCPU succeeds, "
    "and every later KVM_CREATE_VCPU fails with EBUSY (arm.c kvm_arch_vcpu_precreate)")
DEVIATION_SYSREG = (
    f"{SYSREGS_DOC} lists ENXIO for a register the interface does not support; vgic-sys-reg-v3.c "
    "vgic_v3_cpu_sysregs_uaccess hands the access to sys_regs.c kvm_sys_reg_get_user/set_user, which answer ENOENT "
    "for an encoding outside gic_v3_icc_reg_descs (only KVM_HAS_DEVICE_ATTR says ENXIO)")
DEVIATION_DIST_ENXIO = (
    f"{REGS_DOC} lists ENXIO for a register it cannot get or set; vgic-mmio.c vgic_uaccess_read/write treat an "
    "offset no register occupies as RAZ/WI and succeed (only KVM_HAS_DEVICE_ATTR, vgic_v3_has_attr_regs, says "
    "ENXIO)")
DEVIATION_TYPER2 = (
    f"{REGS_DOC}: writes to read-only registers are ignored; vgic-mmio-v3.c vgic_mmio_uaccess_write_v3_misc "
    "refuses a GICD_TYPER2 value other than the current one with EINVAL")
DEVIATION_TYPER2_72 = (
    f"{REGS_DOC} (7.2) says writes to read-only registers are ignored, and also lists EBUSY for a write of a "
    "register read-only after initialisation (GICD_TYPER2.nASSGIcap); vgic_mmio_uaccess_write_v3_misc answers "
    "EBUSY once the vGIC is initialised")
ADDR_EBUSY_MISPLACED = (
    f"{ADDR_DOC} (7.2) lists EBUSY for 'a write of a register that is read-only after initialisation', a row "
    "about registers in the address group; it arrived with the GICD_TYPER2.nASSGIcap text, whose EBUSY "
    "(vgic-mmio-v3.c vgic_mmio_uaccess_write_v3_misc) is a KVM_DEV_ARM_VGIC_GRP_DIST_REGS outcome (case "
    "dist-typer2-write-ignored-7.2); kvm_vgic_addr has no EBUSY (case addr-after-init: an address is accepted "
    "after CTRL_INIT)")
DEVIATION_MIX = (
    f"{ADDR_DOC}: it is invalid to mix KVM_VGIC_V3_ADDR_TYPE_REDIST and _REDIST_REGION (EINVAL); "
    f"{ALLOC_REGION} refuses a legacy REDIST after a region, but accepts a region of index 1 after a legacy "
    "REDIST (index 0): the legacy region is just region 0 with count 0")


CASES: list[Case] = [
    # --- creating the device -------------------------------------------------------------------------------
    Case(id="create", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_ARM_VGIC_V3 on a GICv3 host", arch=("arm64",),
         features=("vgic-v3",), call=create(), errno=0, cite=f"{DOC}: device types supported", setup=(VCPU,)),
    Case(id="create-twice", ioctl="KVM_CREATE_DEVICE", condition="a second KVM_DEV_TYPE_ARM_VGIC_V3", arch=("arm64",),
         features=("vgic-v3",), call=create(), errno=EEXIST,
         cite=f"{DOC}: only one VGIC instance; api.rst 4.79 Errors: EEXIST", setup=DEVICE),
    Case(id="create-on-gicv2-host", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_ARM_VGIC_V3 on a GICv2 host",
         arch=("arm64",), features=("vgic-v2",), call=create(), errno=ENODEV,
         cite=f"{DOC}: a guest GICv3 requires a host GICv3; api.rst 4.79 Errors: ENODEV (type unsupported)"),
    Case(id="create-without-vgic", ioctl="KVM_CREATE_DEVICE",
         condition="KVM_DEV_TYPE_ARM_VGIC_V3 on a host without a vGIC", arch=("arm64",), lacks=("irqchip",),
         call=create(), errno=ENODEV, cite=f"{DOC}: a guest GICv3 requires a host GICv3; api.rst 4.79 Errors: ENODEV"),
    Case(id="create-v2-beside-v3", ioctl="KVM_CREATE_DEVICE",
         condition="a VGIC_V2 device on a GICv3 host (no GICv2 emulation)", arch=("arm64",), features=("vgic-v3",),
         call=create(kvm.KVM_DEV_TYPE_ARM_VGIC_V2, "v2"), errno=ENODEV,
         cite=f"{DOC}: not possible to create both a GICv3 and a GICv2; kvm_main.c kvm_ioctl_create_device: the "
              "VGIC_V2 "
         "type is not registered on this host (vgic-v3.c vgic_v3_probe without GICv2 compatibility)", setup=DEVICE,
         basis="code"),
    Case(id="vcpu-after-init", ioctl="KVM_CREATE_VCPU", condition="a vCPU after KVM_DEV_ARM_VGIC_CTRL_INIT",
         arch=("arm64",), features=("vgic-v3",), call=create_vcpu(1), errno=EBUSY,
         cite=f"{CTRL_DOC}: CTRL_INIT must be called after all vCPUs are created; arm.c kvm_arch_vcpu_precreate",
         setup=READY, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_ADDR ----------------------------------------------------------------------
    Case(id="addr-dist", ioctl=SET, condition="DIST at QEMU's address", arch=("arm64",), features=("vgic-v3",),
         call=set_addr(DIST, D3), errno=0, cite=ADDR_DOC, setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-dist-read-back", ioctl=GET, condition="DIST reads back", arch=("arm64",), features=("vgic-v3",),
         call=get_addr(DIST), errno=0, cite=f"{ADDR_DOC}: DIST is rw", setup=PLACED, check=reads(D3), device_doc=V3_DOC,
         group=G_ADDR),
    Case(id="addr-dist-unset", ioctl=GET, condition="DIST before it is set", arch=("arm64",), features=("vgic-v3",),
         call=get_addr(DIST), errno=0, cite="vgic-init.c kvm_vgic_create stores VGIC_ADDR_UNDEF (all ones)",
         setup=DEVICE, check=reads(UNDEF), basis="code", device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-redist-read-back", ioctl=GET, condition="REDIST reads back", arch=("arm64",), features=("vgic-v3",),
         call=get_addr(REDIST), errno=0, cite=f"{ADDR_DOC}: REDIST is rw", setup=PLACED, check=reads(R3),
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-redist-unset", ioctl=GET, condition="REDIST before it is set", arch=("arm64",), features=("vgic-v3",),
         call=get_addr(REDIST), errno=0, cite=f"{KVM_VGIC_ADDR}: no region yet reads as VGIC_ADDR_UNDEF", setup=DEVICE,
         check=reads(UNDEF), basis="code", device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-0", ioctl=SET, condition="REDIST_REGION index 0, one redistributor", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(0, R3, 1)), errno=0,
         cite=f"{ADDR_DOC}: REDIST_REGION, registered in index order from 0", setup=DEVICE, device_doc=V3_DOC,
         group=G_ADDR),
    Case(id="addr-region-read-back", ioctl=GET, condition="REDIST_REGION index 0 read by presetting the index",
         arch=("arm64",), features=("vgic-v3",), call=get_addr(REGION, region(0, 0, 0)), errno=0,
         cite=f"{ADDR_DOC}: read by presetting the index field", setup=(*DEVICE, set_addr(REGION, region(0, R3, 2))),
         check=reads(region(0, R3, 2)), device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-1-after-0", ioctl=SET, condition="REDIST_REGION index 1 after index 0", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(1, R3 + 0x100000, 1)), errno=0,
         cite=f"{ADDR_DOC}: incremental index order", setup=(*DEVICE, set_addr(REGION, region(0, R3, 1))),
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-has-region", ioctl=HAS, condition="REDIST_REGION", arch=("arm64",), features=("vgic-v3",),
         call=attr("HAS", GRP_ADDR, REGION, shown="REDIST_REGION"), errno=0, cite="vgic-kvm-device.c: vgic_v3_has_attr",
         setup=DEVICE, basis="code", device_doc=V3_DOC, group=G_ADDR),
    # E2BIG
    Case(id="addr-dist-beyond-ipa", ioctl=SET, condition="DIST at 2^40 in a 40-bit IPA VM", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(DIST, IPA_DEFAULT), errno=E2BIG, cite=f"{ADDR_DOC}, Errors: E2BIG",
         setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-redist-straddles-ipa", ioctl=SET, condition="REDIST (one vCPU: 128 KiB) starting 64 KiB below 2^40",
         arch=("arm64",), features=("vgic-v3",), call=set_addr(REDIST, IPA_DEFAULT - 0x10000), errno=E2BIG,
         cite=f"{ADDR_DOC}, Errors: E2BIG; {ALLOC_REGION} via "
         "vgic_check_iorange", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-straddles-ipa", ioctl=SET, condition="REDIST_REGION of 2 redistributors ending past 2^40",
         arch=("arm64",), features=("vgic-v3",), call=set_addr(REGION, region(0, IPA_DEFAULT - 0x20000, 2)),
         errno=E2BIG, cite=f"{ADDR_DOC}, Errors: E2BIG", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    # EINVAL
    Case(id="addr-dist-misaligned", ioctl=SET, condition="DIST 4 KiB aligned, not 64 KiB", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(DIST, D3 + 0x1000), errno=EINVAL,
         cite=f"{ADDR_DOC}, Errors: EINVAL (incorrectly aligned)", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-redist-misaligned", ioctl=SET, condition="REDIST not 64 KiB aligned", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REDIST, R3 + 0x1000), errno=EINVAL,
         cite=f"{ADDR_DOC}, Errors: EINVAL (incorrectly aligned)", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-count-0", ioctl=SET, condition="REDIST_REGION with count 0", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(0, R3, 0)), errno=EINVAL,
         cite=f"{ADDR_DOC}, Errors: EINVAL (bad region count); count must be greater than 0", setup=DEVICE,
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-flags", ioctl=SET, condition="REDIST_REGION with flags 1 (reserved, currently 0)",
         arch=("arm64",), features=("vgic-v3",), call=set_addr(REGION, region(0, R3, 1, flags=1)), errno=EINVAL,
         cite=f"{ADDR_DOC}: flags reserved, 0; {KVM_VGIC_ADDR}", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-first-index-1", ioctl=SET, condition="REDIST_REGION index 1 first", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(1, R3, 1)), errno=EINVAL,
         cite=f"{ADDR_DOC}, Errors: EINVAL (bad region index): regions start at index 0", setup=DEVICE,
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-index-skipped", ioctl=SET, condition="REDIST_REGION index 2 after index 0", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(2, R3 + 0x100000, 1)), errno=EINVAL,
         cite=f"{ADDR_DOC}, Errors: EINVAL (bad region index): incremental index order",
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 1))), device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-index-repeated", ioctl=SET, condition="REDIST_REGION index 0 twice", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(0, R3 + 0x100000, 1)), errno=EINVAL,
         cite=f"{ADDR_DOC}, Errors: EINVAL (bad region index)", setup=(*DEVICE, set_addr(REGION, region(0, R3, 1))),
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-overlap", ioctl=SET, condition="REDIST_REGION index 1 overlapping index 0", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(1, R3 + 0x20000, 1)), errno=EINVAL,
         cite=f"{ALLOC_REGION}: vgic_v3_rdist_overlap", setup=(*DEVICE, set_addr(REGION, region(0, R3, 2))),
         basis="code", device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-redist-after-region", ioctl=SET, condition="REDIST after a REDIST_REGION (mixed)", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REDIST, R3 + 0x100000), errno=EINVAL,
         cite=f"{ADDR_DOC}: invalid to mix REDIST and REDIST_REGION; Errors: EINVAL (mixed usage)",
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 1))), device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-after-redist", ioctl=SET, condition="REDIST_REGION index 1 after a REDIST (mixed)",
         arch=("arm64",), features=("vgic-v3",), call=set_addr(REGION, region(1, R3 + 0x100000, 1)), errno=EINVAL,
         cite=f"{ADDR_DOC}: invalid to mix REDIST and REDIST_REGION; Errors: EINVAL (mixed usage)",
         setup=(*DEVICE, set_addr(REDIST, R3)), deviation=Deviation(DEVIATION_MIX, SUCCEEDS), device_doc=V3_DOC,
         group=G_ADDR),
    Case(id="addr-redist-overlaps-dist", ioctl=SET, condition="REDIST over the DIST frame", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REDIST, D3), errno=EINVAL,
         cite=f"{ALLOC_REGION}: vgic_dist_overlap for the legacy region", setup=(*DEVICE, set_addr(DIST, D3)),
         basis="code", device_doc=V3_DOC, group=G_ADDR),
    # EEXIST
    Case(id="addr-dist-twice", ioctl=SET, condition="DIST twice", arch=("arm64",), features=("vgic-v3",),
         call=set_addr(DIST, D3 + 0x100000), errno=EEXIST, cite=f"{ADDR_DOC}, Errors: EEXIST", setup=PLACED,
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-redist-twice", ioctl=SET, condition="REDIST twice", arch=("arm64",), features=("vgic-v3",),
         call=set_addr(REDIST, R3 + 0x100000), errno=EEXIST, cite=f"{ADDR_DOC}, Errors: EEXIST", setup=PLACED,
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-dist-twice-misaligned", ioctl=SET, condition="DIST again, misaligned", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(DIST, D3 + 0x1000), errno=EEXIST,
         cite=f"{ADDR_DOC}, Errors: EEXIST; vgic_check_iorange tests it before alignment", setup=PLACED, basis="code",
         device_doc=V3_DOC, group=G_ADDR),
    # ENOENT
    Case(id="addr-region-read-missing", ioctl=GET, condition="REDIST_REGION index 0 before any region", arch=("arm64",),
         features=("vgic-v3",), call=get_addr(REGION, region(0, 0, 0)), errno=ENOENT,
         cite=f"{ADDR_DOC}, Errors: ENOENT", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-read-missing-1", ioctl=GET, condition="REDIST_REGION index 1 with only index 0 set",
         arch=("arm64",), features=("vgic-v3",), call=get_addr(REGION, region(1, 0, 0)), errno=ENOENT,
         cite=f"{ADDR_DOC}, Errors: ENOENT", setup=(*DEVICE, set_addr(REGION, region(0, R3, 1))), device_doc=V3_DOC,
         group=G_ADDR),
    # ENXIO
    Case(id="addr-v2-dist-attr", ioctl=SET, condition="KVM_VGIC_V2_ADDR_TYPE_DIST on the v3 device", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, D3), errno=ENXIO,
         cite=f"{ADDR_DOC}, Errors: ENXIO (attribute unsupported for this device); vgic_check_type's ENODEV becomes "
              "ENXIO "
         "in vgic_set_common_attr", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-its-attr", ioctl=SET, condition="KVM_VGIC_ITS_ADDR_TYPE on the v3 device", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(arm64.KVM_VGIC_ITS_ADDR_TYPE,
                                                                                    ITS_BASE), errno=ENXIO,
         cite=f"{ADDR_DOC}, Errors: ENXIO (unknown attribute)", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-unknown-attr-get", ioctl=GET, condition="attribute 0xff", arch=("arm64",), features=("vgic-v3",),
         call=get_addr(0xFF), errno=ENXIO, cite=f"{ADDR_DOC}, Errors: ENXIO (unknown attribute)", setup=DEVICE,
         device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-has-unknown", ioctl=HAS, condition="attribute 0xff", arch=("arm64",), features=("vgic-v3",),
         call=attr("HAS", GRP_ADDR, 0xFF), errno=ENXIO, cite="vgic-kvm-device.c: vgic_v3_has_attr", setup=DEVICE,
         basis="code", device_doc=V3_DOC, group=G_ADDR),
    # EFAULT
    Case(id="addr-dist-bad-pointer", ioctl=SET, condition="attr.addr pointing at a guard page", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(DIST, None, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{ADDR_DOC}, Errors: EFAULT", setup=DEVICE, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-get-bad-pointer", ioctl=GET, condition="REDIST_REGION read with attr.addr at a guard page",
         arch=("arm64",), features=("vgic-v3",), call=get_addr(REGION, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{ADDR_DOC}, Errors: EFAULT (the index is read from attr.addr first)", setup=DEVICE, device_doc=V3_DOC,
         group=G_ADDR),
    Case(id="addr-dist-get-bad-pointer", ioctl=GET, condition="DIST read into a guard page", arch=("arm64",),
         features=("vgic-v3",), call=get_addr(DIST, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{ADDR_DOC}, Errors: EFAULT", setup=PLACED, device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-after-init", ioctl=SET, condition="DIST written after KVM_DEV_ARM_VGIC_CTRL_INIT", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(DIST, D3), errno=0,
         cite="vgic-kvm-device.c kvm_vgic_addr never tests whether the vGIC is initialised",
         setup=(*DEVICE, set_addr(REDIST, R3), ctrl(INIT)), basis="code", device_doc=V3_DOC, group=G_ADDR),
    Case(id="addr-region-after-run", ioctl=SET,
         condition="REDIST_REGION index 1 after the vGIC is ready (first KVM_RUN)", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(REGION, region(1, R3 + 0x100000, 1)), errno=0,
         cite=f"{ALLOC_REGION}: no readiness test",
         setup=(*DEVICE, set_addr(DIST, D3), set_addr(REGION, region(0, R3, 1)), ctrl(INIT), RAN), basis="code",
         device_doc=V3_DOC, group=G_ADDR),

    # --- KVM_DEV_ARM_VGIC_GRP_DIST_REGS / _REDIST_REGS ------------------------------------------------------
    Case(id="dist-iidr", ioctl=GET, condition="GICD_IIDR", arch=("arm64",), features=("vgic-v3",),
         call=dist_reg(GICD_IIDR), errno=0, cite=f"{REGS_DOC}: all registers rw, 32-bit", setup=READY,
         device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-iidr-write-back", ioctl=SET, condition="GICD_IIDR written back as read", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_IIDR, remembered("iidr"),
                                                                                  request="SET"), errno=0,
         cite=f"{REGS_DOC}: userspace should read GICD_IIDR and write back the value read",
         setup=(*READY, remember("iidr", dist_reg(GICD_IIDR), 4)), device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-mpidr-ignored", ioctl=GET, condition="GICD_IIDR with an mpidr no vCPU has", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_IIDR, attr_high=mpidr(5)), errno=0,
         cite=f"{REGS_DOC}: the mpidr is ignored for the distributor", setup=READY, device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-typer-write-ignored", ioctl=SET, condition="GICD_TYPER (read-only) written with all ones",
         arch=("arm64",), features=("vgic-v3",), call=dist_reg(GICD_TYPER, 0xFFFFFFFF, request="SET"), errno=0,
         cite=f"{REGS_DOC}: writes to read-only registers are ignored", setup=READY, device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-typer-unchanged", ioctl=GET, condition="GICD_TYPER after a write of all ones", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_TYPER), errno=0,
         cite=f"{REGS_DOC}: writes to read-only registers are ignored",
         setup=(*READY, remember("typer", dist_reg(GICD_TYPER), 4),
                dist_reg(GICD_TYPER, 0xFFFFFFFF, request="SET")), check=reads(remembered("typer"), 4),
         device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-typer2-write-ignored", ioctl=SET,
         condition="GICD_TYPER2 (read-only) written with all ones (6.1, 6.12)", arch=("arm64",), features=("vgic-v3",),
         call=dist_reg(GICD_TYPER2, 0xFFFFFFFF, request="SET"), errno=0,
         cite=f"{REGS_DOC}: writes to read-only registers are "
         "ignored", setup=READY, deviation=Deviation(DEVIATION_TYPER2, EINVAL), device_doc=V3_DOC, group=G_DIST,
         kernels="6.1-6.12"),
    Case(id="dist-typer2-write-ignored-7.2", ioctl=SET, condition="GICD_TYPER2 (read-only) written with all ones (7.2)",
         arch=("arm64",), features=("vgic-v3",), call=dist_reg(GICD_TYPER2, 0xFFFFFFFF, request="SET"), errno=0,
         cite=f"{REGS_DOC}: writes to read-only registers are "
         "ignored", setup=READY, deviation=Deviation(DEVIATION_TYPER2_72, EBUSY, kind=DOCUMENT_CONTRADICTS_ITSELF),
         device_doc=V3_DOC, group=G_DIST, kernels="7.2+"),
    Case(id="dist-typer2-nassgicap-after-init", ioctl=SET,
         condition="GICD_TYPER2 with only nASSGIcap flipped, after initialisation", arch=("arm64",),
         features=("vgic-v3",),
         call=dist_reg(GICD_TYPER2, Val("GICD_TYPER2 ^ nASSGIcap", lambda s: s.remembered["typer2"]
                                   ^ TYPER2_NASSGICAP), request="SET"), errno=EBUSY,
         cite=f"{REGS_DOC} (7.2): nASSGIcap writable before initialisation only; vgic_mmio_uaccess_write_v3_misc",
         setup=(*READY, remember("typer2", dist_reg(GICD_TYPER2), 4)), basis="code", device_doc=V3_DOC, group=G_DIST,
         kernels="7.2+"),
    Case(id="dist-typer2-nassgicap-before-init", ioctl=SET,
         condition="GICD_TYPER2.nASSGIcap set before initialisation, no GICv4.1", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_TYPER2, TYPER2_NASSGICAP, request="SET"), errno=EINVAL,
         cite="vgic-mmio-v3.c: vgic_mmio_uaccess_write_v3_misc (nASSGIcap needs direct SGIs, "
              "system_supports_direct_sgis)",
         setup=PLACED, basis="code", order_row=3, device_doc=V3_DOC, group=G_DIST,
         kernels="7.2+"),  # written without reading the field first (7.2's "expected to read the field ... before")
    # 7.2: only GICD_IIDR.Revision and GICD_TYPER2.nASSGIcap may be written before initialisation.
    Case(id="dist-iidr-write-before-init", ioctl=SET,
         condition="GICD_IIDR written back as read, before initialisation (7.2)", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_IIDR, remembered("iidr"), request="SET"), errno=0,
         cite=f"{REGS_DOC} (7.2): GICD_IIDR.Revision may be written prior to initialization of the VGIC",
         setup=(*PLACED, remember("iidr", dist_reg(GICD_IIDR), 4)), device_doc=V3_DOC, group=G_DIST, kernels="7.2+"),
    Case(id="dist-ctlr-write-before-init", ioctl=SET,
         condition="GICD_CTLR (not among the fields 7.2 allows) written before "
         "initialisation", arch=("arm64",), features=("vgic-v3",), call=dist_reg(GICD_CTLR, 0, request="SET"),
         errno=EBUSY,
         cite=f"{REGS_ACCESS}: EBUSY before initialisation for every register but the two reg_allowed_pre_init lets "
         "through (GICD_IIDR, GICD_TYPER2)", setup=PLACED, basis="code", order_row=1, device_doc=V3_DOC, group=G_DIST,
         kernels="7.2+"),
    # "Userspace should set GICD_IIDR before setting any other registers": a rule for userspace, no errno. The
    # kernel takes a Revision whenever it comes, and it governs from then on (6.1's and 6.12's first rule of the
    # group, 7.2's second).
    *(Case(id=f"dist-iidr-after-other-registers{suffix}", ioctl=SET,
           condition=f"GICD_IIDR Revision 2 after GICD_CTLR was set{shown}", arch=("arm64",), features=("vgic-v3",),
           call=dist_reg(GICD_IIDR, IIDR_REV2, request="SET"), errno=0,
           cite="vgic-mmio-v3.c: vgic_mmio_uaccess_write_v3_misc accepts Revision 2 or 3 whatever was written before "
           "(it keeps no record of earlier writes) and stores it in implementation_rev",
           setup=(*READY, dist_reg(GICD_CTLR, 0, request="SET"), remember("iidr", dist_reg(GICD_IIDR), 4)),
           check=afterwards(dist_reg(GICD_IIDR), reads(2 << 12, 4, mask=IIDR_REVISION)), basis="code", order_row=n,
           device_doc=V3_DOC, group=G_DIST, kernels=k)
      for suffix, shown, k, n in (("", " (6.1, 6.12)", "6.1-6.12", 1), ("-7.2", " (7.2)", "7.2+", 2))),
    Case(id="dist-iidr-before-init", ioctl=GET, condition="GICD_IIDR before initialisation", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_IIDR), errno=0,
         cite=f"{REGS_DOC} (7.2): GICD_IIDR.Revision may be written before initialisation; vgic-kvm-device.c "
         "reg_allowed_pre_init", setup=PLACED, basis="code", device_doc=V3_DOC, group=G_DIST, kernels="7.2+"),
    Case(id="dist-iidr-before-init-old", ioctl=GET, condition="GICD_IIDR before initialisation (6.1, 6.12)",
         arch=("arm64",), features=("vgic-v3",), call=dist_reg(GICD_IIDR), errno=EBUSY,
         cite=f"{REGS_ACCESS}: the vGIC is not initialised", setup=PLACED, basis="code", device_doc=V3_DOC,
         group=G_DIST, kernels="6.1, 6.12"),
    Case(id="dist-ctlr-before-init", ioctl=GET, condition="GICD_CTLR before initialisation", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_CTLR), errno=EBUSY,
         cite=f"{REGS_ACCESS}: the vGIC is not initialised (EBUSY, the errno the document gives running vCPUs)",
         setup=PLACED, basis="code", device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-no-vcpu", ioctl=GET, condition="GICD_CTLR with no vCPU", arch=("arm64",), features=("vgic-v3",),
         call=dist_reg(GICD_CTLR), errno=EINVAL,
         cite="vgic-kvm-device.c: vgic_v3_parse_attr (vCPU 0 stands for the distributor)", setup=(create(),),
         basis="code", device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-unsupported-offset", ioctl=GET, condition="an offset no distributor register occupies",
         arch=("arm64",), features=("vgic-v3",), call=dist_reg(GICD_RESERVED), errno=ENXIO,
         cite=f"{REGS_DOC}, Errors: ENXIO (getting or setting this register is not supported)", setup=READY,
         deviation=Deviation(DEVIATION_DIST_ENXIO, SUCCEEDS), device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-unsupported-offset-implemented", ioctl=GET,
         condition="an offset no register occupies: what the kernel does", arch=("arm64",), features=("vgic-v3",),
         call=dist_reg(GICD_RESERVED), errno=0, cite="vgic-mmio.c: vgic_uaccess_read reads it as zero", setup=READY,
         check=reads(0, 4), basis="code", device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-has-unsupported-offset", ioctl=HAS, condition="an offset no register occupies", arch=("arm64",),
         features=("vgic-v3",), call=attr("HAS", GRP_DIST, GICD_RESERVED, shown=f"GICD+{GICD_RESERVED:#x}"),
         errno=ENXIO, cite="vgic-mmio-v3.c: vgic_v3_has_attr_regs", setup=READY, basis="code", device_doc=V3_DOC,
         group=G_DIST),
    Case(id="dist-has-unaligned", ioctl=HAS, condition="GICD offset 0x2 (not 32-bit aligned)", arch=("arm64",),
         features=("vgic-v3",), call=attr("HAS", GRP_DIST, 0x2), errno=ENXIO,
         cite="vgic-mmio-v3.c: vgic_v3_has_attr_regs (aligned 32-bit accesses only)", setup=READY, basis="code",
         device_doc=V3_DOC, group=G_DIST),
    Case(id="redist-unsupported-offset", ioctl=GET, condition="an offset no redistributor register occupies",
         arch=("arm64",), features=("vgic-v3",), call=redist_reg(0x1000), errno=ENXIO,
         cite=f"{REGS_DOC}, Errors: ENXIO", setup=READY, deviation=Deviation(DEVIATION_DIST_ENXIO, SUCCEEDS),
         device_doc=V3_DOC, group=G_REDIST),
    Case(id="redist-unsupported-offset-implemented", ioctl=GET,
         condition="an offset no register occupies: what the kernel does", arch=("arm64",), features=("vgic-v3",),
         call=redist_reg(0x1000), errno=0, cite="vgic-mmio.c: vgic_uaccess_read reads it as zero", setup=READY,
         check=reads(0, 4), basis="code", device_doc=V3_DOC, group=G_REDIST),
    Case(id="redist-typer", ioctl=GET, condition="GICR_TYPER (low word) of vCPU 0", arch=("arm64",),
         features=("vgic-v3",), call=redist_reg(GICR_TYPER), errno=0,
         cite=f"{REGS_DOC}: the redistributor of the vCPU the mpidr names", setup=READY, device_doc=V3_DOC,
         group=G_REDIST),
    Case(id="redist-unknown-mpidr", ioctl=GET, condition="GICR_TYPER of an mpidr no vCPU has", arch=("arm64",),
         features=("vgic-v3",), call=redist_reg(GICR_TYPER, aff0=5), errno=EINVAL,
         cite="vgic-kvm-device.c: vgic_v3_parse_attr (kvm_mpidr_to_vcpu finds none)", setup=READY, basis="code",
         device_doc=V3_DOC, group=G_REDIST),
    Case(id="redist-before-init", ioctl=GET, condition="GICR_TYPER before initialisation", arch=("arm64",),
         features=("vgic-v3",), call=redist_reg(GICR_TYPER), errno=EBUSY,
         cite=f"{REGS_ACCESS}: the vGIC is not initialised", setup=PLACED, basis="code", device_doc=V3_DOC,
         group=G_REDIST),
    Case(id="redist-bad-pointer", ioctl=SET, condition="GICR_PENDBASER from a guard page", arch=("arm64",),
         features=("vgic-v3",), call=redist_reg(GICR_PENDBASER, request="SET",
                                                                                    pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{REGS_ACCESS}: get_user of the u32", setup=READY, basis="code", device_doc=V3_DOC, group=G_REDIST),

    # --- KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS -------------------------------------------------------------------
    Case(id="sysreg-pmr", ioctl=GET, condition="ICC_PMR_EL1 of vCPU 0", arch=("arm64",), features=("vgic-v3",),
         call=sys_reg(ICC_PMR_EL1), errno=0, cite=f"{SYSREGS_DOC}: available registers", setup=READY, device_doc=V3_DOC,
         group=G_SYSREGS),
    Case(id="sysreg-pmr-write-read", ioctl=GET, condition="ICC_PMR_EL1 reads back what was written", arch=("arm64",),
         features=("vgic-v3",), call=sys_reg(ICC_PMR_EL1), errno=0, cite=f"{SYSREGS_DOC}: rw, 64-bit",
         setup=(*READY, sys_reg(ICC_PMR_EL1, 0xF0, request="SET")), check=reads(0xF0), device_doc=V3_DOC,
         group=G_SYSREGS),
    Case(id="sysreg-ctlr-write-back", ioctl=SET, condition="ICC_CTLR_EL1 written back as read", arch=("arm64",),
         features=("vgic-v3",), call=sys_reg(ICC_CTLR_EL1, remembered("ctlr"), request="SET"), errno=0,
         cite=f"{SYSREGS_DOC}: rw", setup=(*READY, remember("ctlr", sys_reg(ICC_CTLR_EL1), 8)), device_doc=V3_DOC,
         group=G_SYSREGS),
    Case(id="sysreg-unsupported", ioctl=GET, condition="an encoding outside the CPU interface", arch=("arm64",),
         features=("vgic-v3",), call=sys_reg(UNKNOWN_SYSREG), errno=ENXIO,
         cite=f"{SYSREGS_DOC}, Errors: ENXIO (register not supported)", setup=READY,
         deviation=Deviation(DEVIATION_SYSREG, ENOENT), device_doc=V3_DOC, group=G_SYSREGS),
    Case(id="sysreg-has-unsupported", ioctl=HAS, condition="an encoding outside the CPU interface", arch=("arm64",),
         features=("vgic-v3",), call=attr("HAS", GRP_SYSREGS, mpidr(0) | UNKNOWN_SYSREG), errno=ENXIO,
         cite="vgic-sys-reg-v3.c: vgic_v3_has_cpu_sysregs_attr", setup=READY, basis="code", device_doc=V3_DOC,
         group=G_SYSREGS),
    Case(id="sysreg-unknown-mpidr", ioctl=GET, condition="ICC_PMR_EL1 of an mpidr no vCPU has", arch=("arm64",),
         features=("vgic-v3",), call=sys_reg(ICC_PMR_EL1, aff0=5), errno=EINVAL,
         cite=f"{SYSREGS_DOC}, Errors: EINVAL (invalid mpidr)", setup=READY, device_doc=V3_DOC, group=G_SYSREGS),
    Case(id="sysreg-ctlr-bad-value", ioctl=SET, condition="ICC_CTLR_EL1 with PRIbits and IDbits beyond the host's",
         arch=("arm64",), features=("vgic-v3",), call=sys_reg(ICC_CTLR_EL1, CTLR_PRI_ID_BITS_MAX, request="SET"),
         errno=EINVAL, cite=f"{SYSREGS_DOC}, Errors: EINVAL (invalid register value); vgic-sys-reg-v3.c set_gic_ctlr",
         setup=READY, device_doc=V3_DOC, group=G_SYSREGS),
    Case(id="sysreg-before-init", ioctl=GET, condition="ICC_PMR_EL1 before initialisation", arch=("arm64",),
         features=("vgic-v3",), call=sys_reg(ICC_PMR_EL1), errno=EBUSY,
         cite=f"{REGS_ACCESS}: the vGIC is not initialised", setup=PLACED, basis="code", device_doc=V3_DOC,
         group=G_SYSREGS),
    Case(id="sysreg-bad-pointer", ioctl=SET, condition="ICC_PMR_EL1 from a guard page", arch=("arm64",),
         features=("vgic-v3",), call=sys_reg(ICC_PMR_EL1, request="SET", pointer=BAD_POINTER), errno=EFAULT,
         cite="sys_regs.c: kvm_sys_reg_set_user get_user", setup=READY, basis="code", device_doc=V3_DOC,
         group=G_SYSREGS),

    # --- KVM_DEV_ARM_VGIC_GRP_NR_IRQS ---------------------------------------------------------------------
    Case(id="nr-irqs-set", ioctl=SET, condition="128 interrupts", arch=("arm64",), features=("vgic-v3",),
         call=nr_irqs(128), errno=0, cite=f"{NR_DOC}: 64 to 1024 in steps of 32", setup=DEVICE, device_doc=V3_DOC,
         group=G_NR_IRQS),
    Case(id="nr-irqs-read-back", ioctl=GET, condition="128 interrupts read back", arch=("arm64",),
         features=("vgic-v3",), call=nr_irqs(request="GET"), errno=0, cite=f"{NR_DOC}", setup=(*DEVICE, nr_irqs(128)),
         check=reads(128, 4), device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-1024", ioctl=SET, condition="1024 interrupts (the documented maximum)", arch=("arm64",),
         features=("vgic-v3",), call=nr_irqs(1024), errno=0,
         cite=f"{NR_DOC}: ranging from 64 to 1024, in increments of 32", setup=DEVICE,
         deviation=Deviation(f"{NR_DOC} gives the range 64 to 1024; vgic-kvm-device.c vgic_set_common_attr refuses "
                             "a value above VGIC_MAX_RESERVED (1023) with EINVAL, so the largest value accepted is 992",
                             EINVAL), device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-992", ioctl=SET, condition="992 interrupts (the largest multiple of 32 the kernel accepts)",
         arch=("arm64",), features=("vgic-v3",), call=nr_irqs(992), errno=0,
         cite=f"{NR_DOC}: 64 to 1024 in increments of 32", setup=DEVICE, device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-default", ioctl=GET, condition="after initialisation without a value", arch=("arm64",),
         features=("vgic-v3",), call=nr_irqs(request="GET"), errno=0,
         cite="vgic-init.c vgic_init: VGIC_NR_IRQS_LEGACY (256) when none was set", setup=READY, check=reads(256, 4),
         basis="code", device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-too-few", ioctl=SET, condition="32 interrupts", arch=("arm64",), features=("vgic-v3",),
         call=nr_irqs(32), errno=EINVAL, cite=f"{NR_DOC}, Errors: EINVAL (below 64)", setup=DEVICE, device_doc=V3_DOC,
         group=G_NR_IRQS),
    Case(id="nr-irqs-too-many", ioctl=SET, condition="1056 interrupts", arch=("arm64",), features=("vgic-v3",),
         call=nr_irqs(1056), errno=EINVAL, cite=f"{NR_DOC}, Errors: EINVAL (above 1024)", setup=DEVICE,
         device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-not-multiple", ioctl=SET, condition="100 interrupts", arch=("arm64",), features=("vgic-v3",),
         call=nr_irqs(100), errno=EINVAL, cite=f"{NR_DOC}, Errors: EINVAL (not a multiple of 32)", setup=DEVICE,
         device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-twice", ioctl=SET, condition="set twice", arch=("arm64",), features=("vgic-v3",),
         call=nr_irqs(256), errno=EBUSY, cite=f"{NR_DOC}, Errors: EBUSY (already set)", setup=(*DEVICE, nr_irqs(128)),
         device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-after-init", ioctl=SET, condition="after initialisation froze the default", arch=("arm64",),
         features=("vgic-v3",), call=nr_irqs(128), errno=EBUSY,
         cite=f"{NR_DOC}, Errors: EBUSY; vgic_init sets the default", setup=READY, device_doc=V3_DOC, group=G_NR_IRQS),
    Case(id="nr-irqs-bad-pointer", ioctl=SET, condition="attr.addr at a guard page", arch=("arm64",),
         features=("vgic-v3",), call=nr_irqs(pointer=BAD_POINTER), errno=EFAULT,
         cite="vgic-kvm-device.c: vgic_set_common_attr get_user", setup=DEVICE, basis="code", device_doc=V3_DOC,
         group=G_NR_IRQS),

    # --- KVM_DEV_ARM_VGIC_GRP_CTRL --------------------------------------------------------------------------
    Case(id="ctrl-init", ioctl=SET, condition="CTRL_INIT after the vCPUs and addresses", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(INIT), errno=0, cite=f"{CTRL_DOC}: CTRL_INIT after all vCPUs are created",
         setup=PLACED, order_row=1, device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-init-before-addresses", ioctl=SET, condition="CTRL_INIT before any address", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(INIT), errno=0,
         cite="vgic-init.c vgic_init needs no address (they are checked at the first KVM_RUN)", setup=DEVICE,
         basis="code", device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-init-twice", ioctl=SET, condition="CTRL_INIT twice", arch=("arm64",), features=("vgic-v3",),
         call=ctrl(INIT), errno=0, cite="vgic-init.c: vgic_init returns 0 once initialised", setup=READY, basis="code",
         device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-has-save-pending", ioctl=HAS, condition="SAVE_PENDING_TABLES", arch=("arm64",), features=("vgic-v3",),
         call=ctrl(SAVE_PENDING, request="HAS"), errno=0, cite="vgic-kvm-device.c: vgic_v3_has_attr", setup=DEVICE,
         basis="code", device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-init-no-vcpu", ioctl=SET, condition="CTRL_INIT with no vCPU", arch=("arm64",), features=("vgic-v3",),
         call=ctrl(INIT), errno=ENODEV, cite=f"{CTRL_DOC}, Errors: ENODEV (no online VCPU)", setup=(create(),),
         deviation=Deviation(DEVIATION_ENODEV, SUCCEEDS), device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-save-pending-before-init", ioctl=SET, condition="SAVE_PENDING_TABLES before initialisation",
         arch=("arm64",), features=("vgic-v3",), call=ctrl(SAVE_PENDING), errno=ENXIO,
         cite=f"{CTRL_DOC}, Errors: ENXIO (not configured as required); vgic-v3.c vgic_v3_save_pending_tables",
         setup=PLACED, device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-save-pending-no-lpi", ioctl=SET, condition="SAVE_PENDING_TABLES with no LPI", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(SAVE_PENDING), errno=0, cite=f"{CTRL_DOC}: save all LPI pending bits",
         setup=READY, device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-save-pending", ioctl=SET, condition="SAVE_PENDING_TABLES with a restored LPI", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(SAVE_PENDING), errno=0,
         cite=f"{CTRL_DOC}: save all LPI pending bits into guest RAM", setup=RESTORED, device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-save-pending-unmapped", ioctl=SET,
         condition="SAVE_PENDING_TABLES with the pending table outside guest RAM", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(SAVE_PENDING), errno=EFAULT,
         cite=f"{CTRL_DOC}, Errors: EFAULT (invalid guest RAM access); "
         "vgic-v3.c vgic_v3_save_pending_tables reads the LPI's byte of vCPU 0's GICR_PENDBASER table",
         setup=(*RESTORED, _pending_elsewhere()), device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-unknown", ioctl=SET, condition="CTRL attribute 99", arch=("arm64",), features=("vgic-v3",),
         call=ctrl(99), errno=ENXIO, cite="vgic-kvm-device.c: vgic_set_common_attr", setup=DEVICE, basis="code",
         device_doc=V3_DOC, group=G_CTRL),
    Case(id="unknown-group", ioctl=SET, condition="group 99", arch=("arm64",), features=("vgic-v3",),
         call=attr("SET", 99, 0), errno=ENXIO, cite="vgic-kvm-device.c: vgic_set_common_attr", setup=DEVICE,
         basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO --------------------------------------------------------------------
    Case(id="level-spis", ioctl=GET, condition="line levels of vINTIDs 32..63", arch=("arm64",), features=("vgic-v3",),
         call=line_level(32), errno=0, cite=f"{LEVEL_DOC}: VGIC_LEVEL_INFO_LINE_LEVEL, vINTID a multiple of 32",
         setup=READY, check=reads(0, 4), device_doc=V3_DOC, group=G_LEVEL),
    Case(id="level-set-spis", ioctl=SET, condition="line levels of vINTIDs 32..63 set", arch=("arm64",),
         features=("vgic-v3",), call=line_level(32, request="SET", value=0x1), errno=0,
         cite=f"{LEVEL_DOC}: get/set the input level", setup=READY, device_doc=V3_DOC, group=G_LEVEL),
    Case(id="level-intid-not-multiple", ioctl=GET, condition="vINTID 33", arch=("arm64",), features=("vgic-v3",),
         call=line_level(33), errno=EINVAL, cite=f"{LEVEL_DOC}, Errors: EINVAL (vINTID not a multiple of 32)",
         setup=READY, device_doc=V3_DOC, group=G_LEVEL),
    Case(id="level-unknown-info", ioctl=GET, condition="info 1", arch=("arm64",), features=("vgic-v3",),
         call=line_level(32, info=1), errno=EINVAL,
         cite=f"{LEVEL_DOC}, Errors: EINVAL (info not VGIC_LEVEL_INFO_LINE_LEVEL)", setup=READY, device_doc=V3_DOC,
         group=G_LEVEL),
    Case(id="level-has-unknown-info", ioctl=HAS, condition="info 1", arch=("arm64",), features=("vgic-v3",),
         call=attr("HAS", GRP_LEVEL, level(32, 1)), errno=ENXIO, cite="vgic-kvm-device.c: vgic_v3_has_attr",
         setup=READY, basis="code", device_doc=V3_DOC, group=G_LEVEL),
    Case(id="level-before-init", ioctl=GET, condition="vINTIDs 32..63 before initialisation", arch=("arm64",),
         features=("vgic-v3",), call=line_level(32), errno=EBUSY, cite=f"{REGS_ACCESS}: the vGIC is not initialised",
         setup=PLACED, basis="code", device_doc=V3_DOC, group=G_LEVEL),

    # --- KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ (7.2's document: no errors table) ------------------------------------
    Case(id="maint-irq-set", ioctl=SET, condition="maintenance interrupt PPI 20 before initialisation", arch=("arm64",),
         features=("vgic-v3",), call=maint_irq(20), errno=0, cite=f"{MAINT_DOC}: the vINTID must be a PPI",
         setup=PLACED, device_doc=V3_DOC, group=G_MAINT, kernels="7.2+"),
    Case(id="maint-irq-read-back", ioctl=GET, condition="maintenance interrupt read back", arch=("arm64",),
         features=("vgic-v3",), call=maint_irq(request="GET"), errno=0, cite=f"{MAINT_DOC}",
         setup=(*PLACED, maint_irq(20)), check=reads(20, 4), device_doc=V3_DOC, group=G_MAINT, kernels="7.2+"),
    Case(id="maint-irq-not-ppi", ioctl=SET, condition="maintenance interrupt vINTID 40 (an SPI)", arch=("arm64",),
         features=("vgic-v3",), call=maint_irq(40), errno=EINVAL,
         cite=f"{MAINT_DOC}: must be a PPI (no errno given); vgic-kvm-device.c vgic_v3_set_attr (irq_is_ppi)",
         setup=PLACED, basis="code", device_doc=V3_DOC, group=G_MAINT, kernels="7.2+"),
    Case(id="maint-irq-after-init", ioctl=SET, condition="maintenance interrupt set after initialisation",
         arch=("arm64",), features=("vgic-v3",), call=maint_irq(20), errno=EBUSY,
         cite="vgic-kvm-device.c: vgic_v3_set_attr (vgic_initialized)", setup=READY, basis="code", device_doc=V3_DOC,
         group=G_MAINT, kernels="7.2+"),
    Case(id="maint-irq-unknown-group", ioctl=SET,
         condition="group 9 (KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ from 7.x) on 6.1 and 6.12", arch=("arm64",),
         features=("vgic-v3",), call=maint_irq(20), errno=ENXIO,
         cite="vgic-kvm-device.c: vgic_set_common_attr (no such group before it)", setup=PLACED, basis="code",
         kernels="6.1, 6.12"),

    # --- the first KVM_RUN: the ordering the document asks for -------------------------------------------
    Case(id="run-ready", ioctl="KVM_RUN", condition="first run with addresses set and CTRL_INIT done", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=EINTR,
         cite="api.rst 4.10: immediate_exit makes KVM_RUN return EINTR once the vCPU is ready", setup=READY),
    Case(id="run-before-init", ioctl="KVM_RUN", condition="first run with addresses set, no CTRL_INIT", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=EBUSY,
         cite="vgic-v3.c: vgic_v3_map_resources (a GICv3 is initialised by userspace only)", setup=PLACED,
         basis="code"),
    Case(id="run-dist-unset", ioctl="KVM_RUN", condition="first run with no DIST address", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=ENXIO, cite="vgic-v3.c: vgic_v3_map_resources",
         setup=(*DEVICE, set_addr(REDIST, R3), ctrl(INIT)), basis="code"),
    Case(id="run-redist-unset", ioctl="KVM_RUN", condition="first run with no REDIST address", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=ENXIO, cite="vgic-v3.c: vgic_v3_map_resources",
         setup=(*DEVICE, set_addr(DIST, D3), ctrl(INIT)), basis="code"),
    Case(id="run-dist-in-redist", ioctl="KVM_RUN", condition="first run with DIST inside the REDIST frames",
         arch=("arm64",), features=("vgic-v3",), call=RAN, errno=EINVAL,
         cite="vgic-v3.c: vgic_v3_map_resources, vgic_v3_check_base", setup=(*DEVICE, set_addr(REDIST, R3),
                                                                         set_addr(DIST, R3 + 0x10000), ctrl(INIT)),
         basis="code"),

    Case(id="run-regions-too-small", ioctl="KVM_RUN",
         condition="first run with two vCPUs and one REDIST_REGION of count 1", arch=("arm64",), features=("vgic-v3",),
         call=RAN, errno=ENXIO,
         cite=f"{ADDR_DOC}: the sum of the region counts must be at least the number of vCPUs (no errno given); "
         "vgic-v3.c vgic_v3_map_resources (vCPU 1 has no redistributor)",
         setup=(VCPU, VCPU, create(), set_addr(DIST, D3), set_addr(REGION, region(0, R3, 1)), ctrl(INIT)),
         basis="code"),
    Case(id="run-two-regions", ioctl="KVM_RUN", condition="first run with two vCPUs in two REDIST_REGIONs of count 1",
         arch=("arm64",), features=("vgic-v3",), call=RAN, errno=EINTR,
         cite=f"{ADDR_DOC}: regions are filled with redistributors in index order",
         setup=(VCPU, VCPU, create(), set_addr(DIST, D3), set_addr(REGION, region(0, R3, 1)),
                set_addr(REGION, region(1, R3 + 0x100000, 1)), ctrl(INIT))),

    # --- the vGICv5 device type: no GICv5 host here --------------------------------------------------------
    Case(id="create-v5", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_ARM_VGIC_V5 (16) on a GICv3 host",
         arch=("arm64",), call=create(KVM_DEV_TYPE_ARM_VGIC_V5, "v5"), errno=ENODEV,
         cite="kvm_main.c kvm_ioctl_create_device: no ops for the type (7.2 registers them only in vgic-v5.c "
         "vgic_v5_probe; 6.1 and 6.12 have fewer types)", basis="code"),
]

RUNNING = (*READY, vcpu_busy())
REGS_LOCKED = LOCKED.format(fn="vgic-kvm-device.c vgic_v3_attr_regs_access")

CASES += [
    Case(id="dist-vcpu-running", ioctl=GET, condition="GICD_CTLR while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-v3",), call=dist_reg(GICD_CTLR), errno=EBUSY,
         cite=f"{REGS_DOC}, Errors: EBUSY (one or more VCPUs are running); {REGS_LOCKED}", setup=RUNNING,
         device_doc=V3_DOC, group=G_DIST),
    Case(id="dist-set-vcpu-running", ioctl=SET,
         condition="GICD_CTLR written while vCPU 0 is in KVM_RUN on another thread", arch=("arm64",),
         features=("vgic-v3",), call=dist_reg(GICD_CTLR, 0, request="SET"), errno=EBUSY,
         cite=f"{REGS_DOC}, Errors: EBUSY (one or more VCPUs are running); {REGS_LOCKED}", setup=RUNNING,
         device_doc=V3_DOC, group=G_DIST),
    Case(id="redist-vcpu-running", ioctl=GET, condition="GICR_TYPER while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-v3",), call=redist_reg(GICR_TYPER), errno=EBUSY,
         cite=f"{REGS_DOC}, Errors: EBUSY (one or more VCPUs are running); {REGS_LOCKED}", setup=RUNNING,
         device_doc=V3_DOC, group=G_REDIST),
    Case(id="sysreg-vcpu-running", ioctl=GET, condition="ICC_PMR_EL1 while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-v3",), call=sys_reg(ICC_PMR_EL1), errno=EBUSY,
         cite=f"{SYSREGS_DOC}, Errors: EBUSY (VCPU is running); {REGS_LOCKED}", setup=RUNNING, device_doc=V3_DOC,
         group=G_SYSREGS),
    Case(id="level-vcpu-running", ioctl=GET, condition="vINTIDs 32..63 while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-v3",), call=line_level(32), errno=EBUSY,
         cite=f"{REGS_LOCKED} (LEVEL_INFO takes the same path; {LEVEL_DOC} lists no EBUSY)", setup=RUNNING,
         basis="code", device_doc=V3_DOC, group=G_LEVEL),
    Case(id="ctrl-save-pending-vcpu-running", ioctl=SET,
         condition="SAVE_PENDING_TABLES while vCPU 0 is in KVM_RUN on another thread", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(SAVE_PENDING), errno=EBUSY,
         cite=f"{CTRL_DOC}, Errors: EBUSY (one or more VCPUs are running); "
         + LOCKED.format(fn="vgic-kvm-device.c vgic_set_common_attr (SAVE_PENDING_TABLES)"), setup=RUNNING,
         device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-init-vcpu-running", ioctl=SET,
         condition="CTRL_INIT again while vCPU 0 is in KVM_RUN on another thread", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(INIT), errno=0,
         cite="vgic-kvm-device.c vgic_set_common_attr (CTRL_INIT) takes no vCPU's mutex; vgic-init.c vgic_init "
         "returns 0 for an initialised vGIC", setup=RUNNING, basis="code", device_doc=V3_DOC, group=G_CTRL),
    Case(id="ctrl-has-vcpu-running", ioctl=HAS,
         condition="SAVE_PENDING_TABLES while vCPU 0 is in KVM_RUN on another thread", arch=("arm64",),
         features=("vgic-v3",), call=ctrl(SAVE_PENDING, request="HAS"), errno=0,
         cite="vgic-kvm-device.c vgic_v3_has_attr takes no vCPU's mutex", setup=RUNNING, basis="code",
         device_doc=V3_DOC, group=G_CTRL),
]


def _unreachable(doc: str, group: str, errno: int, reason: str) -> Unreachable:
    return Unreachable("KVM_SET_DEVICE_ATTR", errno, reason, arch="arm64", device_doc=doc, group=group)


ENOMEM_REASON = (
    "a failed kernel allocation: vgic-init.c kvm_vgic_dist_init allocates nr_spis (at most 992) struct vgic_irq with "
    "kzalloc/GFP_KERNEL_ACCOUNT, which a caller can make fail only through a memory cgroup limit or fault injection; "
    "the guest agent has neither (it has no operation to place itself in a memory cgroup, and the config of "
    "Debian's 6.1 and 6.12 cloud kernels has CONFIG_FAULT_INJECTION unset)")
V5_REASON = (
    "needs a GICv5 host: KVM registers KVM_DEV_TYPE_ARM_VGIC_V5 only in vgic-v5.c vgic_v5_probe, which "
    "vgic-init.c kvm_vgic_hyp_init calls when the host GIC driver reports GIC_V5 (gic_kvm_info->type); QEMU 7.2 "
    "emulates no GICv5 (-M virt,gic-version=help: 3, 2, host, max), so KVM_CREATE_DEVICE(VGIC_V5) answers ENODEV "
    "(case create-v5) and no device of the type exists to ask")

DOC_FINDINGS = [Finding(ADDR_EBUSY_MISPLACED, DOCUMENT_CONTRADICTS_ITSELF)]

UNREACHABLE = [
    _unreachable(V3_DOC, G_CTRL, ENOMEM, ENOMEM_REASON),
    _unreachable(V3_DOC, G_ADDR, EBUSY, "the row (7.2) is about a register read-only after initialisation, which the "
                 "address group has none of; no code path of kvm_vgic_addr returns EBUSY (see DOC_FINDINGS)"),
    *(_unreachable(V5_DOC, G_CTRL, e, V5_REASON) for e in (ENXIO, ENODEV, ENOMEM, EFAULT, EBUSY)),
    # arm-vgic-v5.rst's KVM_DEV_ARM_VGIC_CTRL_INIT "must be called after all VCPUs have been created"
    Unreachable("KVM_SET_DEVICE_ATTR", 0, V5_REASON, arch="arm64", device_doc=V5_DOC, group=G_CTRL, order_row=1),
]
