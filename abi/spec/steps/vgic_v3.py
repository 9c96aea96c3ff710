"""The vGICv3 device fd (KVM_DEV_TYPE_ARM_VGIC_V3): addresses, redistributor regions, register and system-register
attributes, line levels, and the LPI tables its save writes."""

from __future__ import annotations

import struct

from abi import arm64, kvm
from abi.spec.case import (
    Scene,
    Step,
    Val,
    val,
)
from abi.spec.steps.base import step
from abi.spec.steps.vcpu import INIT_VCPU, vcpu_busy
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

RUNNING = (*READY, vcpu_busy())

REGS_LOCKED = LOCKED.format(fn="vgic-kvm-device.c vgic_v3_attr_regs_access")

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
