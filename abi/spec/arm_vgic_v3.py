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
from abi.spec.steps import BAD_POINTER, create_vcpu, init_vcpu, run_vcpu, step, vcpu_busy
from abi.target.base import Result

V3_DOC = "arm-vgic-v3.rst"
V5_DOC = "arm-vgic-v5.rst"
GICV3, GICV2, NOVGIC = ("gicv3",), ("gicv2",), ("novgic",)

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
            fd = got.struct(kvm.kvm_create_device).fd
            s.devices.append(fd)
            s._cache[("device", name)] = fd
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
        fd = s._cache.get(("device", on), -1)
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
    return Val(f"the value read before ({key})", lambda s: s._cache[("remember", key)])


def remember(key: str, getter: Step, width: int) -> Step:
    """Runs a GET and keeps what it read, for a later step or check (`remembered(key)`)."""
    def run(s: Scene) -> Result:
        got = getter(s)
        if got.ok:
            s._cache[("remember", key)] = int.from_bytes(s.target.read(s.scratch(), width), "little")
        return got

    return step(f"{getter} (kept as {key})", run)


IIDR_REV2 = Val("GICD_IIDR as read, Revision 2",
                lambda s: (s._cache[("remember", "iidr")] & ~IIDR_REVISION) | (2 << 12))


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
        s._cache["memslot"] = mem
        region_ = kvm.kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=0, memory_size=SLOT_SIZE,
                                                  userspace_addr=mem)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region_)

    shown = ", ".join(f"[{o:#x}] = {v:#x}" for o, v in entries.items()) or "zeros"
    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes: {shown})", run)


def memory_holds(entries: dict[int, int]):
    """A check: guest memory (the slot of `memslot`) holds these u64 entries."""
    def check(s: Scene, got: Result) -> str | None:
        mem = s._cache["memslot"]
        for offset, want in entries.items():
            have = struct.unpack("<Q", s.target.read(mem + offset, 8))[0]
            if have != want:
                return f"guest memory at IPA {offset:#x} holds {have:#x}, expected {want:#x}"
        return None

    return check


# --- scenes ---------------------------------------------------------------------------------------------

VCPU = init_vcpu()  # KVM_CREATE_VCPU + KVM_ARM_VCPU_INIT: its MPIDR is Aff0 = vCPU id
DEVICE = (VCPU, create())
PLACED = (*DEVICE, set_addr(DIST, D3), set_addr(REDIST, R3))
READY = (*PLACED, ctrl(INIT))


def case(id, ioctl, condition, call, errno, cite, group="", on=GICV3, **kw) -> Case:
    if group:
        kw.setdefault("device_doc", V3_DOC)
    return Case(id=id, ioctl=ioctl, condition=condition, on=on, call=call, errno=errno, cite=cite, group=group, **kw)


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
    case("create", "KVM_CREATE_DEVICE", "KVM_DEV_TYPE_ARM_VGIC_V3 on a GICv3 host", create(), 0,
         f"{DOC}: device types supported", setup=(VCPU,)),
    case("create-twice", "KVM_CREATE_DEVICE", "a second KVM_DEV_TYPE_ARM_VGIC_V3", create(), EEXIST,
         f"{DOC}: only one VGIC instance; api.rst 4.79 Errors: EEXIST", setup=DEVICE),
    case("create-on-gicv2-host", "KVM_CREATE_DEVICE", "KVM_DEV_TYPE_ARM_VGIC_V3 on a GICv2 host", create(), ENODEV,
         f"{DOC}: a guest GICv3 requires a host GICv3; api.rst 4.79 Errors: ENODEV (type unsupported)", on=GICV2),
    case("create-without-vgic", "KVM_CREATE_DEVICE", "KVM_DEV_TYPE_ARM_VGIC_V3 on a host without a vGIC", create(),
         ENODEV, f"{DOC}: a guest GICv3 requires a host GICv3; api.rst 4.79 Errors: ENODEV", on=NOVGIC),
    case("create-v2-beside-v3", "KVM_CREATE_DEVICE", "a VGIC_V2 device on a GICv3 host (no GICv2 emulation)",
         create(kvm.KVM_DEV_TYPE_ARM_VGIC_V2, "v2"), ENODEV,
         f"{DOC}: not possible to create both a GICv3 and a GICv2; kvm_main.c kvm_ioctl_create_device: the VGIC_V2 "
         "type is not registered on this host (vgic-v3.c vgic_v3_probe without GICv2 compatibility)",
         setup=DEVICE, basis="code"),
    case("vcpu-after-init", "KVM_CREATE_VCPU", "a vCPU after KVM_DEV_ARM_VGIC_CTRL_INIT", create_vcpu(1), EBUSY,
         f"{CTRL_DOC}: CTRL_INIT must be called after all vCPUs are created; arm.c kvm_arch_vcpu_precreate",
         setup=READY, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_ADDR ----------------------------------------------------------------------
    case("addr-dist", SET, "DIST at QEMU's address", set_addr(DIST, D3), 0, ADDR_DOC, group=G_ADDR, setup=DEVICE),
    case("addr-dist-read-back", GET, "DIST reads back", get_addr(DIST), 0, f"{ADDR_DOC}: DIST is rw",
         group=G_ADDR, setup=PLACED, check=reads(D3)),
    case("addr-dist-unset", GET, "DIST before it is set", get_addr(DIST), 0,
         "vgic-init.c kvm_vgic_create stores VGIC_ADDR_UNDEF (all ones)", group=G_ADDR, setup=DEVICE,
         check=reads(UNDEF), basis="code"),
    case("addr-redist-read-back", GET, "REDIST reads back", get_addr(REDIST), 0, f"{ADDR_DOC}: REDIST is rw",
         group=G_ADDR, setup=PLACED, check=reads(R3)),
    case("addr-redist-unset", GET, "REDIST before it is set", get_addr(REDIST), 0,
         f"{KVM_VGIC_ADDR}: no region yet reads as VGIC_ADDR_UNDEF", group=G_ADDR, setup=DEVICE,
         check=reads(UNDEF), basis="code"),
    case("addr-region-0", SET, "REDIST_REGION index 0, one redistributor", set_addr(REGION, region(0, R3, 1)), 0,
         f"{ADDR_DOC}: REDIST_REGION, registered in index order from 0", group=G_ADDR, setup=DEVICE),
    case("addr-region-read-back", GET, "REDIST_REGION index 0 read by presetting the index",
         get_addr(REGION, region(0, 0, 0)), 0, f"{ADDR_DOC}: read by presetting the index field", group=G_ADDR,
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 2))), check=reads(region(0, R3, 2))),
    case("addr-region-1-after-0", SET, "REDIST_REGION index 1 after index 0",
         set_addr(REGION, region(1, R3 + 0x100000, 1)), 0, f"{ADDR_DOC}: incremental index order", group=G_ADDR,
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 1)))),
    case("addr-has-region", HAS, "REDIST_REGION", attr("HAS", GRP_ADDR, REGION, shown="REDIST_REGION"), 0,
         "vgic-kvm-device.c: vgic_v3_has_attr", group=G_ADDR, setup=DEVICE, basis="code"),
    # E2BIG
    case("addr-dist-beyond-ipa", SET, "DIST at 2^40 in a 40-bit IPA VM", set_addr(DIST, IPA_DEFAULT), E2BIG,
         f"{ADDR_DOC}, Errors: E2BIG", group=G_ADDR, setup=DEVICE),
    case("addr-redist-straddles-ipa", SET, "REDIST (one vCPU: 128 KiB) starting 64 KiB below 2^40",
         set_addr(REDIST, IPA_DEFAULT - 0x10000), E2BIG, f"{ADDR_DOC}, Errors: E2BIG; {ALLOC_REGION} via "
         "vgic_check_iorange", group=G_ADDR, setup=DEVICE),
    case("addr-region-straddles-ipa", SET, "REDIST_REGION of 2 redistributors ending past 2^40",
         set_addr(REGION, region(0, IPA_DEFAULT - 0x20000, 2)), E2BIG, f"{ADDR_DOC}, Errors: E2BIG", group=G_ADDR,
         setup=DEVICE),
    # EINVAL
    case("addr-dist-misaligned", SET, "DIST 4 KiB aligned, not 64 KiB", set_addr(DIST, D3 + 0x1000), EINVAL,
         f"{ADDR_DOC}, Errors: EINVAL (incorrectly aligned)", group=G_ADDR, setup=DEVICE),
    case("addr-redist-misaligned", SET, "REDIST not 64 KiB aligned", set_addr(REDIST, R3 + 0x1000), EINVAL,
         f"{ADDR_DOC}, Errors: EINVAL (incorrectly aligned)", group=G_ADDR, setup=DEVICE),
    case("addr-region-count-0", SET, "REDIST_REGION with count 0", set_addr(REGION, region(0, R3, 0)), EINVAL,
         f"{ADDR_DOC}, Errors: EINVAL (bad region count); count must be greater than 0", group=G_ADDR,
         setup=DEVICE),
    case("addr-region-flags", SET, "REDIST_REGION with flags 1 (reserved, currently 0)",
         set_addr(REGION, region(0, R3, 1, flags=1)), EINVAL, f"{ADDR_DOC}: flags reserved, 0; {KVM_VGIC_ADDR}",
         group=G_ADDR, setup=DEVICE),
    case("addr-region-first-index-1", SET, "REDIST_REGION index 1 first", set_addr(REGION, region(1, R3, 1)), EINVAL,
         f"{ADDR_DOC}, Errors: EINVAL (bad region index): regions start at index 0", group=G_ADDR, setup=DEVICE),
    case("addr-region-index-skipped", SET, "REDIST_REGION index 2 after index 0",
         set_addr(REGION, region(2, R3 + 0x100000, 1)), EINVAL,
         f"{ADDR_DOC}, Errors: EINVAL (bad region index): incremental index order", group=G_ADDR,
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 1)))),
    case("addr-region-index-repeated", SET, "REDIST_REGION index 0 twice",
         set_addr(REGION, region(0, R3 + 0x100000, 1)), EINVAL,
         f"{ADDR_DOC}, Errors: EINVAL (bad region index)", group=G_ADDR,
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 1)))),
    case("addr-region-overlap", SET, "REDIST_REGION index 1 overlapping index 0",
         set_addr(REGION, region(1, R3 + 0x20000, 1)), EINVAL,
         f"{ALLOC_REGION}: vgic_v3_rdist_overlap", group=G_ADDR, setup=(*DEVICE, set_addr(REGION, region(0, R3, 2))),
         basis="code"),
    case("addr-redist-after-region", SET, "REDIST after a REDIST_REGION (mixed)", set_addr(REDIST, R3 + 0x100000),
         EINVAL, f"{ADDR_DOC}: invalid to mix REDIST and REDIST_REGION; Errors: EINVAL (mixed usage)", group=G_ADDR,
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 1)))),
    case("addr-region-after-redist", SET, "REDIST_REGION index 1 after a REDIST (mixed)",
         set_addr(REGION, region(1, R3 + 0x100000, 1)), EINVAL,
         f"{ADDR_DOC}: invalid to mix REDIST and REDIST_REGION; Errors: EINVAL (mixed usage)", group=G_ADDR,
         setup=(*DEVICE, set_addr(REDIST, R3)), deviation=Deviation(DEVIATION_MIX, SUCCEEDS)),
    case("addr-redist-overlaps-dist", SET, "REDIST over the DIST frame", set_addr(REDIST, D3), EINVAL,
         f"{ALLOC_REGION}: vgic_dist_overlap for the legacy region", group=G_ADDR,
         setup=(*DEVICE, set_addr(DIST, D3)), basis="code"),
    # EEXIST
    case("addr-dist-twice", SET, "DIST twice", set_addr(DIST, D3 + 0x100000), EEXIST,
         f"{ADDR_DOC}, Errors: EEXIST", group=G_ADDR, setup=PLACED),
    case("addr-redist-twice", SET, "REDIST twice", set_addr(REDIST, R3 + 0x100000), EEXIST,
         f"{ADDR_DOC}, Errors: EEXIST", group=G_ADDR, setup=PLACED),
    case("addr-dist-twice-misaligned", SET, "DIST again, misaligned", set_addr(DIST, D3 + 0x1000), EEXIST,
         f"{ADDR_DOC}, Errors: EEXIST; vgic_check_iorange tests it before alignment", group=G_ADDR, setup=PLACED,
         basis="code"),
    # ENOENT
    case("addr-region-read-missing", GET, "REDIST_REGION index 0 before any region",
         get_addr(REGION, region(0, 0, 0)), ENOENT, f"{ADDR_DOC}, Errors: ENOENT", group=G_ADDR, setup=DEVICE),
    case("addr-region-read-missing-1", GET, "REDIST_REGION index 1 with only index 0 set",
         get_addr(REGION, region(1, 0, 0)), ENOENT, f"{ADDR_DOC}, Errors: ENOENT", group=G_ADDR,
         setup=(*DEVICE, set_addr(REGION, region(0, R3, 1)))),
    # ENXIO
    case("addr-v2-dist-attr", SET, "KVM_VGIC_V2_ADDR_TYPE_DIST on the v3 device",
         set_addr(arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, D3), ENXIO,
         f"{ADDR_DOC}, Errors: ENXIO (attribute unsupported for this device); vgic_check_type's ENODEV becomes ENXIO "
         "in vgic_set_common_attr", group=G_ADDR, setup=DEVICE),
    case("addr-its-attr", SET, "KVM_VGIC_ITS_ADDR_TYPE on the v3 device", set_addr(arm64.KVM_VGIC_ITS_ADDR_TYPE,
                                                                                    ITS_BASE), ENXIO,
         f"{ADDR_DOC}, Errors: ENXIO (unknown attribute)", group=G_ADDR, setup=DEVICE),
    case("addr-unknown-attr-get", GET, "attribute 0xff", get_addr(0xFF), ENXIO,
         f"{ADDR_DOC}, Errors: ENXIO (unknown attribute)", group=G_ADDR, setup=DEVICE),
    case("addr-has-unknown", HAS, "attribute 0xff", attr("HAS", GRP_ADDR, 0xFF), ENXIO,
         "vgic-kvm-device.c: vgic_v3_has_attr", group=G_ADDR, setup=DEVICE, basis="code"),
    # EFAULT
    case("addr-dist-bad-pointer", SET, "attr.addr pointing at a guard page", set_addr(DIST, None, pointer=BAD_POINTER),
         EFAULT, f"{ADDR_DOC}, Errors: EFAULT", group=G_ADDR, setup=DEVICE),
    case("addr-region-get-bad-pointer", GET, "REDIST_REGION read with attr.addr at a guard page",
         get_addr(REGION, pointer=BAD_POINTER), EFAULT,
         f"{ADDR_DOC}, Errors: EFAULT (the index is read from attr.addr first)", group=G_ADDR, setup=DEVICE),
    case("addr-dist-get-bad-pointer", GET, "DIST read into a guard page", get_addr(DIST, pointer=BAD_POINTER), EFAULT,
         f"{ADDR_DOC}, Errors: EFAULT", group=G_ADDR, setup=PLACED),
    case("addr-after-init", SET, "DIST written after KVM_DEV_ARM_VGIC_CTRL_INIT", set_addr(DIST, D3), 0,
         "vgic-kvm-device.c kvm_vgic_addr never tests whether the vGIC is initialised", group=G_ADDR,
         setup=(*DEVICE, set_addr(REDIST, R3), ctrl(INIT)), basis="code"),
    case("addr-region-after-run", SET, "REDIST_REGION index 1 after the vGIC is ready (first KVM_RUN)",
         set_addr(REGION, region(1, R3 + 0x100000, 1)), 0, f"{ALLOC_REGION}: no readiness test", group=G_ADDR,
         setup=(*DEVICE, set_addr(DIST, D3), set_addr(REGION, region(0, R3, 1)), ctrl(INIT), run_vcpu()),
         basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_DIST_REGS / _REDIST_REGS ------------------------------------------------------
    case("dist-iidr", GET, "GICD_IIDR", dist_reg(GICD_IIDR), 0, f"{REGS_DOC}: all registers rw, 32-bit",
         group=G_DIST, setup=READY),
    case("dist-iidr-write-back", SET, "GICD_IIDR written back as read", dist_reg(GICD_IIDR, remembered("iidr"),
                                                                                  request="SET"), 0,
         f"{REGS_DOC}: userspace should read GICD_IIDR and write back the value read", group=G_DIST,
         setup=(*READY, remember("iidr", dist_reg(GICD_IIDR), 4))),
    case("dist-mpidr-ignored", GET, "GICD_IIDR with an mpidr no vCPU has", dist_reg(GICD_IIDR, attr_high=mpidr(5)), 0,
         f"{REGS_DOC}: the mpidr is ignored for the distributor", group=G_DIST, setup=READY),
    case("dist-typer-write-ignored", SET, "GICD_TYPER (read-only) written with all ones",
         dist_reg(GICD_TYPER, 0xFFFFFFFF, request="SET"), 0,
         f"{REGS_DOC}: writes to read-only registers are ignored", group=G_DIST, setup=READY),
    case("dist-typer-unchanged", GET, "GICD_TYPER after a write of all ones", dist_reg(GICD_TYPER), 0,
         f"{REGS_DOC}: writes to read-only registers are ignored", group=G_DIST,
         setup=(*READY, remember("typer", dist_reg(GICD_TYPER), 4),
                dist_reg(GICD_TYPER, 0xFFFFFFFF, request="SET")), check=reads(remembered("typer"), 4)),
    case("dist-typer2-write-ignored", SET, "GICD_TYPER2 (read-only) written with all ones (6.1, 6.12)",
         dist_reg(GICD_TYPER2, 0xFFFFFFFF, request="SET"), 0, f"{REGS_DOC}: writes to read-only registers are "
         "ignored", group=G_DIST, setup=READY, kernels="6.1-6.12",
         deviation=Deviation(DEVIATION_TYPER2, EINVAL)),
    case("dist-typer2-write-ignored-7.2", SET, "GICD_TYPER2 (read-only) written with all ones (7.2)",
         dist_reg(GICD_TYPER2, 0xFFFFFFFF, request="SET"), 0, f"{REGS_DOC}: writes to read-only registers are "
         "ignored", group=G_DIST, setup=READY, kernels="7.2+",
         deviation=Deviation(DEVIATION_TYPER2_72, EBUSY, kind=DOCUMENT_CONTRADICTS_ITSELF)),
    case("dist-typer2-nassgicap-after-init", SET, "GICD_TYPER2 with only nASSGIcap flipped, after initialisation",
         dist_reg(GICD_TYPER2, Val("GICD_TYPER2 ^ nASSGIcap", lambda s: s._cache[("remember", "typer2")]
                                   ^ TYPER2_NASSGICAP), request="SET"), EBUSY,
         f"{REGS_DOC} (7.2): nASSGIcap writable before initialisation only; vgic_mmio_uaccess_write_v3_misc",
         group=G_DIST, setup=(*READY, remember("typer2", dist_reg(GICD_TYPER2), 4)), basis="code", kernels="7.2+"),
    case("dist-typer2-nassgicap-before-init", SET, "GICD_TYPER2.nASSGIcap set before initialisation, no GICv4.1",
         dist_reg(GICD_TYPER2, TYPER2_NASSGICAP, request="SET"), EINVAL,
         "vgic-mmio-v3.c: vgic_mmio_uaccess_write_v3_misc (nASSGIcap needs direct SGIs, system_supports_direct_sgis)",
         group=G_DIST, setup=PLACED, basis="code", kernels="7.2+",
         order_row=3),  # written without reading the field first (7.2's "expected to read the field ... before")
    # 7.2: only GICD_IIDR.Revision and GICD_TYPER2.nASSGIcap may be written before initialisation.
    case("dist-iidr-write-before-init", SET, "GICD_IIDR written back as read, before initialisation (7.2)",
         dist_reg(GICD_IIDR, remembered("iidr"), request="SET"), 0,
         f"{REGS_DOC} (7.2): GICD_IIDR.Revision may be written prior to initialization of the VGIC", group=G_DIST,
         setup=(*PLACED, remember("iidr", dist_reg(GICD_IIDR), 4)), kernels="7.2+"),
    case("dist-ctlr-write-before-init", SET, "GICD_CTLR (not among the fields 7.2 allows) written before "
         "initialisation", dist_reg(GICD_CTLR, 0, request="SET"), EBUSY,
         f"{REGS_ACCESS}: EBUSY before initialisation for every register but the two reg_allowed_pre_init lets "
         "through (GICD_IIDR, GICD_TYPER2)", group=G_DIST, setup=PLACED, basis="code", kernels="7.2+", order_row=1),
    # "Userspace should set GICD_IIDR before setting any other registers": a rule for userspace, no errno. The
    # kernel takes a Revision whenever it comes, and it governs from then on (6.1's and 6.12's first rule of the
    # group, 7.2's second).
    *(case(f"dist-iidr-after-other-registers{suffix}", SET, f"GICD_IIDR Revision 2 after GICD_CTLR was set{shown}",
           dist_reg(GICD_IIDR, IIDR_REV2, request="SET"), 0,
           "vgic-mmio-v3.c: vgic_mmio_uaccess_write_v3_misc accepts Revision 2 or 3 whatever was written before "
           "(it keeps no record of earlier writes) and stores it in implementation_rev", group=G_DIST,
           setup=(*READY, dist_reg(GICD_CTLR, 0, request="SET"), remember("iidr", dist_reg(GICD_IIDR), 4)),
           check=afterwards(dist_reg(GICD_IIDR), reads(2 << 12, 4, mask=IIDR_REVISION)), basis="code", kernels=k,
           order_row=n)
      for suffix, shown, k, n in (("", " (6.1, 6.12)", "6.1-6.12", 1), ("-7.2", " (7.2)", "7.2+", 2))),
    case("dist-iidr-before-init", GET, "GICD_IIDR before initialisation", dist_reg(GICD_IIDR), 0,
         f"{REGS_DOC} (7.2): GICD_IIDR.Revision may be written before initialisation; vgic-kvm-device.c "
         "reg_allowed_pre_init", group=G_DIST, setup=PLACED, basis="code", kernels="7.2+"),
    case("dist-iidr-before-init-old", GET, "GICD_IIDR before initialisation (6.1, 6.12)", dist_reg(GICD_IIDR),
         EBUSY, f"{REGS_ACCESS}: the vGIC is not initialised", group=G_DIST, setup=PLACED, basis="code",
         kernels="6.1, 6.12"),
    case("dist-ctlr-before-init", GET, "GICD_CTLR before initialisation", dist_reg(GICD_CTLR), EBUSY,
         f"{REGS_ACCESS}: the vGIC is not initialised (EBUSY, the errno the document gives running vCPUs)",
         group=G_DIST, setup=PLACED, basis="code"),
    case("dist-no-vcpu", GET, "GICD_CTLR with no vCPU", dist_reg(GICD_CTLR), EINVAL,
         "vgic-kvm-device.c: vgic_v3_parse_attr (vCPU 0 stands for the distributor)", group=G_DIST,
         setup=(create(),), basis="code"),
    case("dist-unsupported-offset", GET, "an offset no distributor register occupies", dist_reg(GICD_RESERVED), ENXIO,
         f"{REGS_DOC}, Errors: ENXIO (getting or setting this register is not supported)", group=G_DIST,
         setup=READY, deviation=Deviation(DEVIATION_DIST_ENXIO, SUCCEEDS)),
    case("dist-unsupported-offset-implemented", GET, "an offset no register occupies: what the kernel does",
         dist_reg(GICD_RESERVED), 0, "vgic-mmio.c: vgic_uaccess_read reads it as zero", group=G_DIST, setup=READY,
         check=reads(0, 4), basis="code"),
    case("dist-has-unsupported-offset", HAS, "an offset no register occupies",
         attr("HAS", GRP_DIST, GICD_RESERVED, shown=f"GICD+{GICD_RESERVED:#x}"), ENXIO,
         "vgic-mmio-v3.c: vgic_v3_has_attr_regs", group=G_DIST, setup=READY, basis="code"),
    case("dist-has-unaligned", HAS, "GICD offset 0x2 (not 32-bit aligned)", attr("HAS", GRP_DIST, 0x2), ENXIO,
         "vgic-mmio-v3.c: vgic_v3_has_attr_regs (aligned 32-bit accesses only)", group=G_DIST, setup=READY,
         basis="code"),
    case("redist-unsupported-offset", GET, "an offset no redistributor register occupies",
         redist_reg(0x1000), ENXIO, f"{REGS_DOC}, Errors: ENXIO", group=G_REDIST, setup=READY,
         deviation=Deviation(DEVIATION_DIST_ENXIO, SUCCEEDS)),
    case("redist-unsupported-offset-implemented", GET, "an offset no register occupies: what the kernel does",
         redist_reg(0x1000), 0, "vgic-mmio.c: vgic_uaccess_read reads it as zero", group=G_REDIST, setup=READY,
         check=reads(0, 4), basis="code"),
    case("redist-typer", GET, "GICR_TYPER (low word) of vCPU 0", redist_reg(GICR_TYPER), 0,
         f"{REGS_DOC}: the redistributor of the vCPU the mpidr names", group=G_REDIST, setup=READY),
    case("redist-unknown-mpidr", GET, "GICR_TYPER of an mpidr no vCPU has", redist_reg(GICR_TYPER, aff0=5), EINVAL,
         "vgic-kvm-device.c: vgic_v3_parse_attr (kvm_mpidr_to_vcpu finds none)", group=G_REDIST, setup=READY,
         basis="code"),
    case("redist-before-init", GET, "GICR_TYPER before initialisation", redist_reg(GICR_TYPER), EBUSY,
         f"{REGS_ACCESS}: the vGIC is not initialised", group=G_REDIST, setup=PLACED, basis="code"),
    case("redist-bad-pointer", SET, "GICR_PENDBASER from a guard page", redist_reg(GICR_PENDBASER, request="SET",
                                                                                    pointer=BAD_POINTER), EFAULT,
         f"{REGS_ACCESS}: get_user of the u32", group=G_REDIST, setup=READY, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS -------------------------------------------------------------------
    case("sysreg-pmr", GET, "ICC_PMR_EL1 of vCPU 0", sys_reg(ICC_PMR_EL1), 0, f"{SYSREGS_DOC}: available registers",
         group=G_SYSREGS, setup=READY),
    case("sysreg-pmr-write-read", GET, "ICC_PMR_EL1 reads back what was written", sys_reg(ICC_PMR_EL1), 0,
         f"{SYSREGS_DOC}: rw, 64-bit", group=G_SYSREGS, setup=(*READY, sys_reg(ICC_PMR_EL1, 0xF0, request="SET")),
         check=reads(0xF0)),
    case("sysreg-ctlr-write-back", SET, "ICC_CTLR_EL1 written back as read",
         sys_reg(ICC_CTLR_EL1, remembered("ctlr"), request="SET"), 0, f"{SYSREGS_DOC}: rw",
         group=G_SYSREGS, setup=(*READY, remember("ctlr", sys_reg(ICC_CTLR_EL1), 8))),
    case("sysreg-unsupported", GET, "an encoding outside the CPU interface", sys_reg(UNKNOWN_SYSREG), ENXIO,
         f"{SYSREGS_DOC}, Errors: ENXIO (register not supported)", group=G_SYSREGS, setup=READY,
         deviation=Deviation(DEVIATION_SYSREG, ENOENT)),
    case("sysreg-has-unsupported", HAS, "an encoding outside the CPU interface",
         attr("HAS", GRP_SYSREGS, mpidr(0) | UNKNOWN_SYSREG), ENXIO,
         "vgic-sys-reg-v3.c: vgic_v3_has_cpu_sysregs_attr", group=G_SYSREGS, setup=READY, basis="code"),
    case("sysreg-unknown-mpidr", GET, "ICC_PMR_EL1 of an mpidr no vCPU has", sys_reg(ICC_PMR_EL1, aff0=5), EINVAL,
         f"{SYSREGS_DOC}, Errors: EINVAL (invalid mpidr)", group=G_SYSREGS, setup=READY),
    case("sysreg-ctlr-bad-value", SET, "ICC_CTLR_EL1 with PRIbits and IDbits beyond the host's",
         sys_reg(ICC_CTLR_EL1, CTLR_PRI_ID_BITS_MAX, request="SET"), EINVAL,
         f"{SYSREGS_DOC}, Errors: EINVAL (invalid register value); vgic-sys-reg-v3.c set_gic_ctlr", group=G_SYSREGS,
         setup=READY),
    case("sysreg-before-init", GET, "ICC_PMR_EL1 before initialisation", sys_reg(ICC_PMR_EL1), EBUSY,
         f"{REGS_ACCESS}: the vGIC is not initialised", group=G_SYSREGS, setup=PLACED, basis="code"),
    case("sysreg-bad-pointer", SET, "ICC_PMR_EL1 from a guard page",
         sys_reg(ICC_PMR_EL1, request="SET", pointer=BAD_POINTER), EFAULT,
         "sys_regs.c: kvm_sys_reg_set_user get_user", group=G_SYSREGS, setup=READY, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_NR_IRQS ---------------------------------------------------------------------
    case("nr-irqs-set", SET, "128 interrupts", nr_irqs(128), 0, f"{NR_DOC}: 64 to 1024 in steps of 32",
         group=G_NR_IRQS, setup=DEVICE),
    case("nr-irqs-read-back", GET, "128 interrupts read back", nr_irqs(request="GET"), 0, f"{NR_DOC}",
         group=G_NR_IRQS, setup=(*DEVICE, nr_irqs(128)), check=reads(128, 4)),
    case("nr-irqs-1024", SET, "1024 interrupts (the documented maximum)", nr_irqs(1024), 0,
         f"{NR_DOC}: ranging from 64 to 1024, in increments of 32", group=G_NR_IRQS, setup=DEVICE,
         deviation=Deviation(f"{NR_DOC} gives the range 64 to 1024; vgic-kvm-device.c vgic_set_common_attr refuses "
                             "a value above VGIC_MAX_RESERVED (1023) with EINVAL, so the largest value accepted is 992",
                             EINVAL)),
    case("nr-irqs-992", SET, "992 interrupts (the largest multiple of 32 the kernel accepts)", nr_irqs(992), 0,
         f"{NR_DOC}: 64 to 1024 in increments of 32", group=G_NR_IRQS, setup=DEVICE),
    case("nr-irqs-default", GET, "after initialisation without a value", nr_irqs(request="GET"), 0,
         "vgic-init.c vgic_init: VGIC_NR_IRQS_LEGACY (256) when none was set", group=G_NR_IRQS, setup=READY,
         check=reads(256, 4), basis="code"),
    case("nr-irqs-too-few", SET, "32 interrupts", nr_irqs(32), EINVAL, f"{NR_DOC}, Errors: EINVAL (below 64)",
         group=G_NR_IRQS, setup=DEVICE),
    case("nr-irqs-too-many", SET, "1056 interrupts", nr_irqs(1056), EINVAL, f"{NR_DOC}, Errors: EINVAL (above 1024)",
         group=G_NR_IRQS, setup=DEVICE),
    case("nr-irqs-not-multiple", SET, "100 interrupts", nr_irqs(100), EINVAL,
         f"{NR_DOC}, Errors: EINVAL (not a multiple of 32)", group=G_NR_IRQS, setup=DEVICE),
    case("nr-irqs-twice", SET, "set twice", nr_irqs(256), EBUSY, f"{NR_DOC}, Errors: EBUSY (already set)",
         group=G_NR_IRQS, setup=(*DEVICE, nr_irqs(128))),
    case("nr-irqs-after-init", SET, "after initialisation froze the default", nr_irqs(128), EBUSY,
         f"{NR_DOC}, Errors: EBUSY; vgic_init sets the default", group=G_NR_IRQS, setup=READY),
    case("nr-irqs-bad-pointer", SET, "attr.addr at a guard page", nr_irqs(pointer=BAD_POINTER), EFAULT,
         "vgic-kvm-device.c: vgic_set_common_attr get_user", group=G_NR_IRQS, setup=DEVICE, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_CTRL --------------------------------------------------------------------------
    case("ctrl-init", SET, "CTRL_INIT after the vCPUs and addresses", ctrl(INIT), 0,
         f"{CTRL_DOC}: CTRL_INIT after all vCPUs are created", group=G_CTRL, setup=PLACED, order_row=1),
    case("ctrl-init-before-addresses", SET, "CTRL_INIT before any address", ctrl(INIT), 0,
         "vgic-init.c vgic_init needs no address (they are checked at the first KVM_RUN)", group=G_CTRL,
         setup=DEVICE, basis="code"),
    case("ctrl-init-twice", SET, "CTRL_INIT twice", ctrl(INIT), 0, "vgic-init.c: vgic_init returns 0 once initialised",
         group=G_CTRL, setup=READY, basis="code"),
    case("ctrl-has-save-pending", HAS, "SAVE_PENDING_TABLES", ctrl(SAVE_PENDING, request="HAS"), 0,
         "vgic-kvm-device.c: vgic_v3_has_attr", group=G_CTRL, setup=DEVICE, basis="code"),
    case("ctrl-init-no-vcpu", SET, "CTRL_INIT with no vCPU", ctrl(INIT), ENODEV,
         f"{CTRL_DOC}, Errors: ENODEV (no online VCPU)", group=G_CTRL, setup=(create(),),
         deviation=Deviation(DEVIATION_ENODEV, SUCCEEDS)),
    case("ctrl-save-pending-before-init", SET, "SAVE_PENDING_TABLES before initialisation", ctrl(SAVE_PENDING), ENXIO,
         f"{CTRL_DOC}, Errors: ENXIO (not configured as required); vgic-v3.c vgic_v3_save_pending_tables",
         group=G_CTRL, setup=PLACED),
    case("ctrl-save-pending-no-lpi", SET, "SAVE_PENDING_TABLES with no LPI", ctrl(SAVE_PENDING), 0,
         f"{CTRL_DOC}: save all LPI pending bits", group=G_CTRL, setup=READY),
    case("ctrl-save-pending", SET, "SAVE_PENDING_TABLES with a restored LPI", ctrl(SAVE_PENDING), 0,
         f"{CTRL_DOC}: save all LPI pending bits into guest RAM", group=G_CTRL, setup=RESTORED),
    case("ctrl-save-pending-unmapped", SET, "SAVE_PENDING_TABLES with the pending table outside guest RAM",
         ctrl(SAVE_PENDING), EFAULT, f"{CTRL_DOC}, Errors: EFAULT (invalid guest RAM access); "
         "vgic-v3.c vgic_v3_save_pending_tables reads the LPI's byte of vCPU 0's GICR_PENDBASER table",
         group=G_CTRL, setup=(*RESTORED, _pending_elsewhere())),
    case("ctrl-unknown", SET, "CTRL attribute 99", ctrl(99), ENXIO, "vgic-kvm-device.c: vgic_set_common_attr",
         group=G_CTRL, setup=DEVICE, basis="code"),
    case("unknown-group", SET, "group 99", attr("SET", 99, 0), ENXIO, "vgic-kvm-device.c: vgic_set_common_attr",
         setup=DEVICE, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO --------------------------------------------------------------------
    case("level-spis", GET, "line levels of vINTIDs 32..63", line_level(32), 0,
         f"{LEVEL_DOC}: VGIC_LEVEL_INFO_LINE_LEVEL, vINTID a multiple of 32", group=G_LEVEL, setup=READY,
         check=reads(0, 4)),
    case("level-set-spis", SET, "line levels of vINTIDs 32..63 set", line_level(32, request="SET", value=0x1), 0,
         f"{LEVEL_DOC}: get/set the input level", group=G_LEVEL, setup=READY),
    case("level-intid-not-multiple", GET, "vINTID 33", line_level(33), EINVAL,
         f"{LEVEL_DOC}, Errors: EINVAL (vINTID not a multiple of 32)", group=G_LEVEL, setup=READY),
    case("level-unknown-info", GET, "info 1", line_level(32, info=1), EINVAL,
         f"{LEVEL_DOC}, Errors: EINVAL (info not VGIC_LEVEL_INFO_LINE_LEVEL)", group=G_LEVEL, setup=READY),
    case("level-has-unknown-info", HAS, "info 1", attr("HAS", GRP_LEVEL, level(32, 1)), ENXIO,
         "vgic-kvm-device.c: vgic_v3_has_attr", group=G_LEVEL, setup=READY, basis="code"),
    case("level-before-init", GET, "vINTIDs 32..63 before initialisation", line_level(32), EBUSY,
         f"{REGS_ACCESS}: the vGIC is not initialised", group=G_LEVEL, setup=PLACED, basis="code"),

    # --- KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ (7.2's document: no errors table) ------------------------------------
    case("maint-irq-set", SET, "maintenance interrupt PPI 20 before initialisation", maint_irq(20), 0,
         f"{MAINT_DOC}: the vINTID must be a PPI", group=G_MAINT, setup=PLACED, kernels="7.2+"),
    case("maint-irq-read-back", GET, "maintenance interrupt read back", maint_irq(request="GET"), 0,
         f"{MAINT_DOC}", group=G_MAINT, setup=(*PLACED, maint_irq(20)), check=reads(20, 4), kernels="7.2+"),
    case("maint-irq-not-ppi", SET, "maintenance interrupt vINTID 40 (an SPI)", maint_irq(40), EINVAL,
         f"{MAINT_DOC}: must be a PPI (no errno given); vgic-kvm-device.c vgic_v3_set_attr (irq_is_ppi)",
         group=G_MAINT, setup=PLACED, basis="code", kernels="7.2+"),
    case("maint-irq-after-init", SET, "maintenance interrupt set after initialisation", maint_irq(20), EBUSY,
         "vgic-kvm-device.c: vgic_v3_set_attr (vgic_initialized)", group=G_MAINT, setup=READY, basis="code",
         kernels="7.2+"),
    case("maint-irq-unknown-group", SET, "group 9 (KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ from 7.x) on 6.1 and 6.12",
         maint_irq(20), ENXIO, "vgic-kvm-device.c: vgic_set_common_attr (no such group before it)", setup=PLACED,
         basis="code", kernels="6.1, 6.12"),

    # --- the first KVM_RUN: the ordering the document asks for -------------------------------------------
    case("run-ready", "KVM_RUN", "first run with addresses set and CTRL_INIT done", run_vcpu(), EINTR,
         "api.rst 4.10: immediate_exit makes KVM_RUN return EINTR once the vCPU is ready", setup=READY),
    case("run-before-init", "KVM_RUN", "first run with addresses set, no CTRL_INIT", run_vcpu(), EBUSY,
         "vgic-v3.c: vgic_v3_map_resources (a GICv3 is initialised by userspace only)", setup=PLACED, basis="code"),
    case("run-dist-unset", "KVM_RUN", "first run with no DIST address", run_vcpu(), ENXIO,
         "vgic-v3.c: vgic_v3_map_resources", setup=(*DEVICE, set_addr(REDIST, R3), ctrl(INIT)), basis="code"),
    case("run-redist-unset", "KVM_RUN", "first run with no REDIST address", run_vcpu(), ENXIO,
         "vgic-v3.c: vgic_v3_map_resources", setup=(*DEVICE, set_addr(DIST, D3), ctrl(INIT)), basis="code"),
    case("run-dist-in-redist", "KVM_RUN", "first run with DIST inside the REDIST frames", run_vcpu(), EINVAL,
         "vgic-v3.c: vgic_v3_map_resources, vgic_v3_check_base", setup=(*DEVICE, set_addr(REDIST, R3),
                                                                         set_addr(DIST, R3 + 0x10000), ctrl(INIT)),
         basis="code"),

    case("run-regions-too-small", "KVM_RUN", "first run with two vCPUs and one REDIST_REGION of count 1", run_vcpu(),
         ENXIO, f"{ADDR_DOC}: the sum of the region counts must be at least the number of vCPUs (no errno given); "
         "vgic-v3.c vgic_v3_map_resources (vCPU 1 has no redistributor)",
         setup=(VCPU, VCPU, create(), set_addr(DIST, D3), set_addr(REGION, region(0, R3, 1)), ctrl(INIT)),
         basis="code"),
    case("run-two-regions", "KVM_RUN", "first run with two vCPUs in two REDIST_REGIONs of count 1", run_vcpu(), EINTR,
         f"{ADDR_DOC}: regions are filled with redistributors in index order",
         setup=(VCPU, VCPU, create(), set_addr(DIST, D3), set_addr(REGION, region(0, R3, 1)),
                set_addr(REGION, region(1, R3 + 0x100000, 1)), ctrl(INIT))),

    # --- the vGICv5 device type: no GICv5 host here --------------------------------------------------------
    case("create-v5", "KVM_CREATE_DEVICE", "KVM_DEV_TYPE_ARM_VGIC_V5 (16) on a GICv3 host",
         create(KVM_DEV_TYPE_ARM_VGIC_V5, "v5"), ENODEV,
         "kvm_main.c kvm_ioctl_create_device: no ops for the type (7.2 registers them only in vgic-v5.c "
         "vgic_v5_probe; 6.1 and 6.12 have fewer types)", on=("gicv2", "gicv3", "novgic"), basis="code"),
]

RUNNING = (*READY, vcpu_busy())
REGS_LOCKED = LOCKED.format(fn="vgic-kvm-device.c vgic_v3_attr_regs_access")

CASES += [
    case("dist-vcpu-running", GET, "GICD_CTLR while vCPU 0 is in KVM_RUN on another thread", dist_reg(GICD_CTLR),
         EBUSY, f"{REGS_DOC}, Errors: EBUSY (one or more VCPUs are running); {REGS_LOCKED}", group=G_DIST,
         setup=RUNNING),
    case("dist-set-vcpu-running", SET, "GICD_CTLR written while vCPU 0 is in KVM_RUN on another thread",
         dist_reg(GICD_CTLR, 0, request="SET"), EBUSY,
         f"{REGS_DOC}, Errors: EBUSY (one or more VCPUs are running); {REGS_LOCKED}", group=G_DIST, setup=RUNNING),
    case("redist-vcpu-running", GET, "GICR_TYPER while vCPU 0 is in KVM_RUN on another thread",
         redist_reg(GICR_TYPER), EBUSY, f"{REGS_DOC}, Errors: EBUSY (one or more VCPUs are running); {REGS_LOCKED}",
         group=G_REDIST, setup=RUNNING),
    case("sysreg-vcpu-running", GET, "ICC_PMR_EL1 while vCPU 0 is in KVM_RUN on another thread",
         sys_reg(ICC_PMR_EL1), EBUSY, f"{SYSREGS_DOC}, Errors: EBUSY (VCPU is running); {REGS_LOCKED}",
         group=G_SYSREGS, setup=RUNNING),
    case("level-vcpu-running", GET, "vINTIDs 32..63 while vCPU 0 is in KVM_RUN on another thread", line_level(32),
         EBUSY, f"{REGS_LOCKED} (LEVEL_INFO takes the same path; {LEVEL_DOC} lists no EBUSY)", group=G_LEVEL,
         setup=RUNNING, basis="code"),
    case("ctrl-save-pending-vcpu-running", SET, "SAVE_PENDING_TABLES while vCPU 0 is in KVM_RUN on another thread",
         ctrl(SAVE_PENDING), EBUSY,
         f"{CTRL_DOC}, Errors: EBUSY (one or more VCPUs are running); "
         + LOCKED.format(fn="vgic-kvm-device.c vgic_set_common_attr (SAVE_PENDING_TABLES)"), group=G_CTRL,
         setup=RUNNING),
    case("ctrl-init-vcpu-running", SET, "CTRL_INIT again while vCPU 0 is in KVM_RUN on another thread", ctrl(INIT),
         0, "vgic-kvm-device.c vgic_set_common_attr (CTRL_INIT) takes no vCPU's mutex; vgic-init.c vgic_init "
         "returns 0 for an initialised vGIC", group=G_CTRL, setup=RUNNING, basis="code"),
    case("ctrl-has-vcpu-running", HAS, "SAVE_PENDING_TABLES while vCPU 0 is in KVM_RUN on another thread",
         ctrl(SAVE_PENDING, request="HAS"), 0, "vgic-kvm-device.c vgic_v3_has_attr takes no vCPU's mutex",
         group=G_CTRL, setup=RUNNING, basis="code"),
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
