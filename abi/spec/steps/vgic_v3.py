"""The vGICv3 device fd (KVM_DEV_TYPE_ARM_VGIC_V3): addresses, redistributor regions, register and system-register
attributes, line levels, and the LPI tables its save writes."""

from __future__ import annotations

import struct

from abi import arm64, kvm
from abi.spec.case import Scene, Step, Val
from abi.spec.steps.base import step
from abi.spec.steps.device import SET
from abi.spec.steps.gic import (
    G_ADDR,
    G_CTRL,
    G_NR_IRQS,
    ITS_BASE,
    R3,
    V3_DIST,
    V3_REDIST,
    D,
    addr_attr,
    ctrl,
    vgic_attr,
)
from abi.spec.steps.vcpu import INIT_VCPU, vcpu_busy
from abi.spec.steps.vm import create_device, memory_region
from abi.target.base import Result

V3_DOC = "arm-vgic-v3.rst"

V5_DOC = "arm-vgic-v5.rst"

V3 = kvm.KVM_DEV_TYPE_ARM_VGIC_V3

ITS = kvm.KVM_DEV_TYPE_ARM_VGIC_ITS

KVM_DEV_TYPE_ARM_VGIC_V5 = kvm.KVM_DEV_TYPE_ARM_VGIC_V5  # linux/kvm.h of 7.0+ (abi/kvm.py SINCE)

GRP_DIST = arm64.KVM_DEV_ARM_VGIC_GRP_DIST_REGS

GRP_REDIST = arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS

GRP_SYSREGS = arm64.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS

GRP_LEVEL = arm64.KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO

GRP_MAINT_IRQ = arm64.KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ  # 7.x headers

G_DIST, G_REDIST = "KVM_DEV_ARM_VGIC_GRP_DIST_REGS", "KVM_DEV_ARM_VGIC_GRP_REDIST_REGS"

G_SYSREGS, G_LEVEL = "KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS", "KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO"

SAVE_PENDING = arm64.KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES

UNDEF = 0xFFFFFFFFFFFFFFFF  # VGIC_ADDR_UNDEF: an address never set reads back as all ones

IPA_DEFAULT = 1 << 40  # a VM of type 0 has a 40-bit IPA space (api.rst 4.2)

# GICv3's own distributor and redistributor register offsets (GICv3 architecture; the ones GICv2 shares are in
# gic), and a distributor offset no register occupies.
GICD_TYPER2 = 0xC

GICD_RESERVED_V3 = 0xA000  # between GICD_IROUTER<n> and the ID registers: no vgic_v3_dist_registers entry

GICR_TYPER, GICR_PENDBASER = 0x8, 0x78

TYPER2_NASSGICAP = 1 << 8

IIDR_REVISION = 0xF << 12  # GICD_IIDR.Revision: KVM_VGIC_IMP_REV_2 or _3 (include/kvm/arm_vgic.h)

def mpidr(aff0: int, aff1: int = 0) -> int:
    """The mpidr field of a register attribute (bits 63:32: Aff3.Aff2.Aff1.Aff0)."""
    return ((aff1 << 8) | aff0) << 32

def sysreg(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    """The instr field of KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS: Op0 15:14, Op1 13:11, CRn 10:7, CRm 6:3, Op2 2:0."""
    return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2

ICC_PMR_EL1 = sysreg(3, 0, 4, 6, 0)

ICC_CTLR_EL1 = sysreg(3, 0, 12, 12, 4)

# A system register in the IMPLEMENTATION DEFINED space (op0, op1, CRn, CRm, op2): no KVM table has it, neither
# gic_v3_icc_reg_descs (here) nor sys_regs.c's (as a ONE_REG id, arm64.UNKNOWN_SYSREG_ID).
UNKNOWN_SYSREG_OP = (3, 7, 15, 15, 7)

UNKNOWN_SYSREG = sysreg(*UNKNOWN_SYSREG_OP)

CTLR_PRI_ID_BITS_MAX = (7 << 8) | (7 << 11)  # PRIbits = 8 bits of priority, IDbits = reserved 0b111

def region(index: int, base: int, count: int, flags: int = 0) -> int:
    """A KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION value: count 63:52, base 51:16, flags 15:12, index 11:0."""
    return (count << 52) | base | (flags << 12) | index

def level(intid: int, info: int = arm64.VGIC_LEVEL_INFO_LINE_LEVEL, aff0: int = 0) -> int:
    return mpidr(aff0) | (info << arm64.KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT) | intid

# The scene's vGIC and ITS, known to the steps below by these names (an ITS is created after the vGIC).
CREATE_V3 = create_device(V3, name="vgic")

CREATE_ITS = create_device(ITS, name="its")

def dist_reg(offset: int, value=None, request: str = "GET", attr_high: int = 0, **kw) -> Step:
    return vgic_attr(request, GRP_DIST, attr_high | offset, value, width=4, device="vgic", name=f"GICD+{offset:#x}",
                     **kw)

def redist_reg(offset: int, value=None, request: str = "GET", aff0: int = 0, **kw) -> Step:
    return vgic_attr(request, GRP_REDIST, mpidr(aff0) | offset, value, width=4, device="vgic",
                     name=f"GICR+{offset:#x} of Aff0={aff0}", **kw)

def sys_reg(instr: int, value=None, request: str = "GET", aff0: int = 0, **kw) -> Step:
    return vgic_attr(request, GRP_SYSREGS, mpidr(aff0) | instr, value, device="vgic",
                     name=f"instr {instr:#06x} of Aff0={aff0}", **kw)

def line_level(intid: int, info: int = 0, aff0: int = 0, request: str = "GET", value=None) -> Step:
    return vgic_attr(request, GRP_LEVEL, level(intid, info, aff0), value, width=4, device="vgic",
                     name=f"vINTID {intid}, info {info}, Aff0={aff0}")

def maint_irq(value=None, request: str = SET) -> Step:
    return vgic_attr(request, GRP_MAINT_IRQ, 0, value, width=4, device="vgic", name="MAINT_IRQ")

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
TABLES_SIZE = 0x40000

def guest_tables(entries: dict[int, int], flags: int = 0) -> Step:
    """Slot 0 at IPA 0 (`flags`: KVM_MEM_LOG_DIRTY_PAGES for a logged one) holding these u64 entries at their offsets:
    the ITS tables the cases save and restore."""
    region = memory_region(0, 0, TABLES_SIZE, flags, name="tables")

    def run(s: Scene) -> Result:
        got = region(s)
        for offset, value in entries.items():
            s.target.write(s.memory["tables"] + offset, struct.pack("<Q", value))
        return got

    shown = ", ".join(f"[{o:#x}] = {v:#x}" for o, v in entries.items())
    return step(f"{region}: {shown}", run)

def memory_holds(entries: dict[int, int]):
    """A check: guest memory (the slot of `guest_tables`) holds these u64 entries."""
    def check(s: Scene, got: Result) -> str | None:
        mem = s.memory["tables"]
        for offset, want in entries.items():
            have = struct.unpack("<Q", s.target.read(mem + offset, 8))[0]
            if have != want:
                return f"guest memory at IPA {offset:#x} holds {have:#x}, expected {want:#x}"
        return None

    return check

CREATED = (INIT_VCPU, CREATE_V3)  # the vCPU's MPIDR is Aff0 = vCPU id

PLACED = (*CREATED, addr_attr(V3_DIST, D, device="vgic"), addr_attr(V3_REDIST, R3, device="vgic"))

READY = (*PLACED, ctrl(device="vgic"))

ADDR_DOC = f"{V3_DOC} {G_ADDR}"

REGS_DOC = f"{V3_DOC} {G_DIST}, {G_REDIST}"

SYSREGS_DOC = f"{V3_DOC} {G_SYSREGS}"

NR_DOC = f"{V3_DOC} {G_NR_IRQS}"

CTRL_DOC = f"{V3_DOC} {G_CTRL}"

LEVEL_DOC = f"{V3_DOC} {G_LEVEL}"

G_MAINT = "KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ"

MAINT_DOC = f"{V3_DOC} (7.2) {G_MAINT}"

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
    return vgic_attr(request, arm64.KVM_DEV_ARM_VGIC_GRP_ITS_REGS, offset, value, device="its",
                     name=f"GITS+{offset:#x}", **kw)

ITS_PLACED = (CREATE_ITS, addr_attr(arm64.KVM_VGIC_ITS_ADDR_TYPE, ITS_BASE, device="its"))

RESTORED = (*READY, *ITS_PLACED, guest_tables(TABLES),
            its_reg(GITS_BASER0, VALID | DEV_TABLE | PAGE_64K, request=SET),
            its_reg(GITS_BASER1, VALID | COLL_TABLE | PAGE_64K, request=SET),
            ctrl(arm64.KVM_DEV_ARM_ITS_RESTORE_TABLES, device="its"))

UNMAPPED = 0x10000000  # outside the slot

def _pending_elsewhere() -> Step:
    return redist_reg(GICR_PENDBASER, UNMAPPED, request=SET)

LOCK_FN = "vgic-kvm-device.c lock_all_vcpus (6.1; arm.c in 6.12; kvm_main.c kvm_trylock_all_vcpus in 7.2)"

# "One or more VCPUs are running": vCPU 0 asleep in KVM_RUN (WFI) on a second thread of the agent. A cite, with
# the function that locks as {fn}.
LOCKED_BY = ("{fn} tries every vCPU's mutex with mutex_trylock, via " + LOCK_FN + "; a running vCPU holds its mutex "
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

RUNNING_V3 = (*READY, vcpu_busy())

REGS_LOCKED = LOCKED_BY.format(fn="vgic-kvm-device.c vgic_v3_attr_regs_access")

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
