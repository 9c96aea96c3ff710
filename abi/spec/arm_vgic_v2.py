"""The GICv2 device (KVM_DEV_TYPE_ARM_VGIC_V2): its register, NR_IRQS and CTRL groups, and the GRP_ADDR rows
arm_set_device_addr.py does not already test.

Documentation: Documentation/virt/kvm/devices/arm-vgic.rst (Debian 6.1, 6.12 and 7.2 linux-doc: identical but
for the CPU interface frame, "covers 4 KByte" in 6.1 and "8 KByte" from 6.12), groups
KVM_DEV_ARM_VGIC_GRP_DIST_REGS, _CPU_REGS, _NR_IRQS, _CTRL (and _ADDR); api.rst 4.80/4.81 for the
KVM_{SET,GET,HAS}_DEVICE_ATTR calls themselves.
Implementation (arch/arm64/kvm/vgic of Debian 6.1.192, 6.12.117 and 7.2.13): vgic-kvm-device.c
(vgic_v2_set_attr, vgic_v2_get_attr, vgic_v2_has_attr, vgic_v2_attr_regs_access, vgic_v2_parse_attr,
vgic_set_common_attr, vgic_get_common_attr, lock_all_vcpus; kvm_main.c kvm_trylock_all_vcpus in 7.2),
vgic-mmio-v2.c (the register tables, vgic_v2_has_attr_regs, vgic_mmio_uaccess_write_v2_misc,
vgic_mmio_read/write_vcpuif), vgic-mmio.c (vgic_uaccess, vgic_get_mmio_region, check_region), vgic-init.c
(vgic_init, kvm_vgic_dist_init), arm.c (kvm_arch_vcpu_precreate). docs/research/arm_vgic_v2.md has every row
with its evidence and the version differences.

The register groups' attr is (vcpu_index << 32) | offset; vcpu_index is looked up as a vCPU *id*
(kvm_get_vcpu_by_id). Any register access, a failed copy-out included, initialises the vGIC with its default
sizes (vgic_init): that is the "already initialized with default values" of the NR_IRQS row.
"""

from __future__ import annotations

import struct
from errno import E2BIG, EBUSY, EFAULT, EINVAL, ENODEV, ENOMEM, ENXIO

from abi import arm64, kvm
from abi.spec.case import DOCUMENT_SILENT, SUCCEEDS, Case, Deviation, Finding, Scene, Step, Unreachable, Val, val
from abi.spec.steps import (
    BAD_POINTER,
    create_device,
    create_vcpu,
    create_vcpus,
    init_vcpu,
    ipa_end,
    reads_back,
    run_vcpu,
    set_attr,
    step,
    vcpu_busy,
)
from abi.target.base import Result

DOC = "arm-vgic.rst"
ADDR = "KVM_DEV_ARM_VGIC_GRP_ADDR"
DIST_REGS_G = "KVM_DEV_ARM_VGIC_GRP_DIST_REGS"
CPU_REGS_G = "KVM_DEV_ARM_VGIC_GRP_CPU_REGS"
NR_IRQS_G = "KVM_DEV_ARM_VGIC_GRP_NR_IRQS"
CTRL_G = "KVM_DEV_ARM_VGIC_GRP_CTRL"
GROUP_NUMBER = {DIST_REGS_G: arm64.KVM_DEV_ARM_VGIC_GRP_DIST_REGS, CPU_REGS_G: arm64.KVM_DEV_ARM_VGIC_GRP_CPU_REGS,
                NR_IRQS_G: arm64.KVM_DEV_ARM_VGIC_GRP_NR_IRQS, CTRL_G: arm64.KVM_DEV_ARM_VGIC_GRP_CTRL}

ACCESS = "vgic-kvm-device.c: vgic_v2_attr_regs_access"
PARSE = "vgic-kvm-device.c: vgic_v2_parse_attr (kvm_get_vcpu_by_id)"
HAS_REGS = "vgic-mmio-v2.c: vgic_v2_has_attr_regs"
UACCESS = "vgic-mmio.c: vgic_uaccess_read/_write (no region: read as 0, write ignored, success)"
COMMON_SET = "vgic-kvm-device.c: vgic_set_common_attr"
COMMON_GET = "vgic-kvm-device.c: vgic_get_common_attr"
INIT = "vgic-init.c: vgic_init"
MISC = "vgic-mmio-v2.c: vgic_mmio_uaccess_write_v2_misc"
VCPUIF = "vgic-mmio-v2.c: vgic_mmio_read_vcpuif/vgic_mmio_write_vcpuif"

GICV2 = ("gicv2",)
SET, GET, HAS = "KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR"
REQUEST = {SET: kvm.KVM_SET_DEVICE_ATTR, GET: kvm.KVM_GET_DEVICE_ATTR, HAS: kvm.KVM_HAS_DEVICE_ATTR}
D, C = 0x08000000, 0x08010000  # QEMU virt's GIC layout, as in arm_set_device_addr.py

# Register offsets (GICv2 architecture specification; the kernel's include/linux/irqchip/arm-gic.h names them).
GICD_CTLR, GICD_TYPER, GICD_IIDR, GICD_IGROUPR1 = 0x000, 0x004, 0x008, 0x084
GICD_ISENABLER0, GICD_ISENABLER1, GICD_ISENABLER2 = 0x100, 0x104, 0x108
GICD_RESERVED = 0x010  # between GICD_IIDR and GICD_IGROUPR: no register in the table
GICC_CTLR, GICC_PMR, GICC_IAR, GICC_APR0, GICC_APR3, GICC_IIDR, GICC_DIR = 0x00, 0x04, 0x0C, 0xD0, 0xDC, 0xFC, 0x1000
REG_NAMES = {
    "DIST": {GICD_CTLR: "GICD_CTLR", GICD_TYPER: "GICD_TYPER", GICD_IIDR: "GICD_IIDR", GICD_IGROUPR1: "GICD_IGROUPR1",
             GICD_ISENABLER0: "GICD_ISENABLER0", GICD_ISENABLER1: "GICD_ISENABLER1",
             GICD_ISENABLER2: "GICD_ISENABLER2", GICD_RESERVED: "reserved offset 0x10"},
    "CPU": {GICC_CTLR: "GICC_CTLR", GICC_PMR: "GICC_PMR", GICC_IAR: "GICC_IAR", GICC_APR0: "GICC_APR0",
            GICC_APR3: "GICC_APR3", GICC_IIDR: "GICC_IIDR", GICC_DIR: "GICC_DIR"},
}
PPI_TIMER = 1 << 27  # a PPI: banked per vCPU in GICD_ISENABLER0
# GICD_IIDR as KVM builds it: ProductID 'K' (0x4b) << 24, Revision << 12, Implementer ARM (0x43b);
# KVM_VGIC_IMP_REV_LATEST is 3 in 6.1, 6.12 and 7.2 (include/kvm/arm_vgic.h).
IIDR_REV = 0xF << 12
GICD_IIDR_KVM = (0x4B << 24) | (3 << 12) | 0x43B
GICC_IIDR_KVM = (0x4B << 20) | (0x2 << 16) | 0x43B  # ProductID 'K', architecture version 2, implementer ARM


def case(id, ioctl, condition, call, errno, cite, group, **kw) -> Case:
    return Case(id=id, ioctl=ioctl, condition=condition, on=GICV2, call=call, errno=errno, cite=cite,
                device_doc=DOC, group=group, **kw)


# --- steps ----------------------------------------------------------------------------------------------

def reg(offset: int, vcpu: int = 0, reserved: int = 0) -> int:
    """The register groups' attr: reserved bits 63:40, vcpu_index 39:32, offset 31:0 (arm-vgic.rst)."""
    return (reserved << 40) | ((vcpu << arm64.KVM_DEV_ARM_VGIC_CPUID_SHIFT) & arm64.KVM_DEV_ARM_VGIC_CPUID_MASK) \
        | (offset & arm64.KVM_DEV_ARM_VGIC_OFFSET_MASK)


def attr(ioctl: str, group: str | int, which: int, value=None, pointer: Val | None = None, text: str = "",
         ok_errno: int = 0) -> Step:
    """KVM_{SET,GET,HAS}_DEVICE_ATTR on the vGIC device fd; attr.addr points at a u64 holding `value` (zero for
    GET, so a u32 the kernel writes reads back as the whole u64), or at `pointer`."""
    value = val(value) if value is not None else None
    shown = text or f"attr {which:#x}"
    shown += f", {value}" if value is not None else ""
    shown += f", addr={pointer}" if pointer is not None else ""

    def run(s: Scene) -> Result:
        where = pointer(s) if pointer is not None else s.scratch(struct.pack("<Q", value(s) if value else 0))
        arg = kvm.kvm_device_attr(flags=0, group=GROUP_NUMBER.get(group, group), attr=which, addr=where)
        return s.ioctl(s.devices[-1], REQUEST[ioctl], arg)

    name = group.removeprefix("KVM_DEV_ARM_VGIC_GRP_") if isinstance(group, str) else f"group {group}"
    return step(f"{ioctl.removeprefix('KVM_').removesuffix('_DEVICE_ATTR')}_DEVICE_ATTR({name}, {shown})", run,
                ok_errno)


def dist(ioctl: str, offset: int, value=None, vcpu: int = 0, reserved: int = 0, pointer: Val | None = None,
         ok_errno: int = 0) -> Step:
    name = REG_NAMES["DIST"].get(offset, f"offset {offset:#x}")
    text = f"{name} of vcpu {vcpu}" + (f", reserved bits {reserved:#x}" if reserved else "")
    return attr(ioctl, DIST_REGS_G, reg(offset, vcpu, reserved), value, pointer, text, ok_errno)


def cpu(ioctl: str, offset: int, value=None, vcpu: int = 0, pointer: Val | None = None) -> Step:
    name = REG_NAMES["CPU"].get(offset, f"offset {offset:#x}")
    return attr(ioctl, CPU_REGS_G, reg(offset, vcpu), value, pointer, f"{name} of vcpu {vcpu}")


def nr_irqs(ioctl: str, value=None, pointer: Val | None = None, ok_errno: int = 0) -> Step:
    return attr(ioctl, NR_IRQS_G, 0, value, pointer, "nr_irqs", ok_errno)


def ctrl(ioctl: str = SET, which: int = arm64.KVM_DEV_ARM_VGIC_CTRL_INIT, pointer: Val | None = None,
         ok_errno: int = 0) -> Step:
    name = "CTRL_INIT" if which == arm64.KVM_DEV_ARM_VGIC_CTRL_INIT else f"attr {which}"
    return attr(ioctl, CTRL_G, which, None, pointer, name, ok_errno)


def iidr_written_back() -> Step:
    """Read GICD_IIDR and write the value back: what arm-vgic.rst asks userspace to do first."""
    def run(s: Scene) -> Result:
        got = dist(GET, GICD_IIDR)(s)
        if not got.ok:
            return got
        value = struct.unpack("<I", s.target.read(s.scratch(), 4))[0]
        return dist(SET, GICD_IIDR, value)(s)

    return step("GET GICD_IIDR and SET it back", run)


def reads_bits(mask: int, set_: bool):
    """A check: the u32 a GET_DEVICE_ATTR wrote has the `mask` bits all set (or all clear)."""
    def check(s: Scene, got: Result) -> str | None:
        value = struct.unpack("<I", s.target.read(s.scratch(), 4))[0]
        ok = (value & mask) == (mask if set_ else 0)
        return None if ok else f"read {value:#010x}: bits {mask:#x} should be {'set' if set_ else 'clear'}"

    return check


DEVICE = create_device()
ONE = (create_vcpu(0), DEVICE)  # QEMU's order: the vCPUs, then the GIC
TWO = (create_vcpus(2), DEVICE)
BOTH_ADDRS = (set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, D), set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, C))
INITIALISED = (*ONE, ctrl())

# --- the document's text, per group, for the citations -------------------------------------------------

D_REGS = f"{DOC} {DIST_REGS_G}"
C_REGS = f"{DOC} {CPU_REGS_G}"
NRQ = f"{DOC} {NR_IRQS_G}"
CTL = f"{DOC} {CTRL_G}"
A = f"{DOC} {ADDR}"

UNSUPPORTED_DEV = ("{doc}, Errors: ENXIO when getting or setting a register that is not supported; vgic-mmio.c "
                   "vgic_uaccess_read/_write find no region for the offset and return 0 (a read gives 0, a write is "
                   f"dropped); only KVM_HAS_DEVICE_ATTR answers ENXIO ({HAS_REGS})")


def _regs_cases(g: str, regs: str, access, unsupported: int, known: int, value: int) -> list[Case]:
    """The rows DIST_REGS and CPU_REGS share: ENXIO for a register not supported, EINVAL for a vcpu_index that
    names no vCPU, the EFAULTs the document omits, and the order of those tests."""
    short = "dist" if g == DIST_REGS_G else "cpu"
    dev = UNSUPPORTED_DEV.format(doc=regs)
    return [
        # ENXIO: a register the table does not have
        case(f"{short}-has-unsupported", HAS, "a register offset the device does not support",
             access(HAS, unsupported), ENXIO, f"{regs}, Errors: ENXIO; {HAS_REGS}", g, setup=ONE),
        case(f"{short}-get-unsupported", GET, "GET of a register offset the device does not support",
             access(GET, unsupported), ENXIO, f"{regs}, Errors: ENXIO", g, setup=ONE,
             deviation=Deviation(dev, SUCCEEDS)),
        case(f"{short}-get-unsupported-reads-zero", GET, "GET of an unsupported offset: what the kernel does",
             access(GET, unsupported), 0, UACCESS, g, setup=ONE, check=reads_back(0), basis="code"),
        case(f"{short}-set-unsupported", SET, "SET of a register offset the device does not support",
             access(SET, unsupported, value), ENXIO, f"{regs}, Errors: ENXIO", g, setup=ONE,
             deviation=Deviation(dev, SUCCEEDS)),
        case(f"{short}-has-beyond-frame", HAS, "offset 0x2000, past the register frame", access(HAS, 0x2000), ENXIO,
             f"{regs}, Errors: ENXIO; {HAS_REGS}", g, setup=ONE),
        case(f"{short}-has-misaligned", HAS, "an offset not 4-byte aligned", access(HAS, known + 1), ENXIO,
             f"{HAS_REGS}: only aligned 32-bit accesses (all registers are 32-bit, {regs})", g, setup=ONE,
             basis="code"),
        case(f"{short}-get-misaligned-reads-zero", GET, "GET at an offset not 4-byte aligned", access(GET, known + 1),
             0, f"{UACCESS}: check_region refuses the misaligned access, so nothing is read",
             g, setup=ONE, check=reads_back(0), basis="code"),
        # EINVAL: vcpu_index
        case(f"{short}-get-no-vcpu", GET, "vcpu_index 0 with no vCPU created", access(GET, known), EINVAL,
             f"{regs}, Errors: EINVAL (invalid vcpu_index); {PARSE}", g, setup=(DEVICE,)),
        case(f"{short}-set-no-vcpu", SET, "vcpu_index 0 with no vCPU created", access(SET, known, value), EINVAL,
             f"{regs}, Errors: EINVAL (invalid vcpu_index); {PARSE}", g, setup=(DEVICE,)),
        case(f"{short}-has-no-vcpu", HAS, "vcpu_index 0 with no vCPU created", access(HAS, known), EINVAL,
             f"{regs}, Errors: EINVAL; {HAS_REGS} parses the attr first", g, setup=(DEVICE,)),
        case(f"{short}-get-vcpu-index-1", GET, "vcpu_index 1 with only vCPU 0", access(GET, known, vcpu=1), EINVAL,
             f"{regs}, Errors: EINVAL (invalid vcpu_index)", g, setup=ONE),
        case(f"{short}-set-vcpu-index-255", SET, "vcpu_index 255 with only vCPU 0",
             access(SET, known, value, vcpu=255), EINVAL, f"{regs}, Errors: EINVAL (invalid vcpu_index)", g,
             setup=ONE),
        case(f"{short}-has-vcpu-index-8", HAS, "vcpu_index 8 (a GICv2 has at most 8 vCPUs, ids 0-7)",
             access(HAS, known, vcpu=8), EINVAL, f"{regs}, Errors: EINVAL (invalid vcpu_index)", g, setup=ONE),
        # EFAULT, which the document does not list for these groups
        case(f"{short}-set-bad-pointer", SET, "attr.addr pointing at a guard page",
             access(SET, known, pointer=BAD_POINTER), EFAULT, f"{ACCESS}: get_user of the u32 before any lock",
             g, setup=ONE, basis="code"),
        case(f"{short}-get-bad-pointer", GET, "attr.addr pointing at a guard page",
             access(GET, known, pointer=BAD_POINTER), EFAULT, f"{ACCESS}: put_user after the access", g,
             setup=ONE, basis="code"),
        case(f"{short}-vcpu-index-before-pointer", SET, "no such vcpu_index and a bad attr.addr",
             access(SET, known, vcpu=1, pointer=BAD_POINTER), EINVAL,
             f"{ACCESS}: vgic_v2_parse_attr precedes get_user", g, setup=ONE, basis="code"),
    ]


CASES: list[Case] = [
    # === KVM_DEV_ARM_VGIC_GRP_DIST_REGS ====================================================================
    case("dist-get-ctlr", GET, "GICD_CTLR of vCPU 0 (disabled after creation)", dist(GET, GICD_CTLR), 0,
         f"{D_REGS}: all distributor registers are rw, 32-bit", DIST_REGS_G, setup=ONE, check=reads_back(0)),
    case("dist-set-ctlr-reads-back", GET, "GICD_CTLR.Enable written, then read", dist(GET, GICD_CTLR), 0,
         f"{D_REGS}: setting a register has the effect of writing it on the hardware", DIST_REGS_G,
         setup=(*ONE, dist(SET, GICD_CTLR, 1)), check=reads_back(1)),
    case("dist-typer-reflects-nr-irqs", GET, "GICD_TYPER with NR_IRQS = 128 and two vCPUs",
         dist(GET, GICD_TYPER), 0,
         f"{D_REGS} (the register as on hardware: ITLinesNumber = N/32 - 1, CPUNumber = vCPUs - 1) and {NRQ}",
         DIST_REGS_G, setup=(*TWO, nr_irqs(SET, 128)), check=reads_back((128 // 32 - 1) | (2 - 1) << 5)),
    case("dist-has-ctlr", HAS, "GICD_CTLR of vCPU 0", dist(HAS, GICD_CTLR), 0,
         f"api.rst 4.81 KVM_HAS_DEVICE_ATTR; {HAS_REGS}", DIST_REGS_G, setup=ONE),
    case("dist-has-priority-byte", HAS, "GICD_IPRIORITYR0 (offset 0x400)", dist(HAS, 0x400), 0, HAS_REGS,
         DIST_REGS_G, setup=ONE, basis="code"),
    # GICD_IIDR: read it, write it back, before other registers
    case("dist-iidr-value", GET, "GICD_IIDR", dist(GET, GICD_IIDR), 0,
         f"{MISC} / vgic_mmio_read_v2_misc: ProductID 'K', implementer ARM, revision KVM_VGIC_IMP_REV_LATEST (3)",
         DIST_REGS_G, setup=ONE, check=reads_back(GICD_IIDR_KVM), basis="code"),
    case("dist-iidr-write-back", SET, "GICD_IIDR written back with the value read", iidr_written_back(), 0,
         f"{D_REGS}: userspace should read GICD_IIDR and write back the read value", DIST_REGS_G, setup=ONE),
    case("dist-iidr-other-product", SET, "GICD_IIDR written with another ProductID", dist(SET, GICD_IIDR,
         GICD_IIDR_KVM ^ (1 << 24)), EINVAL, f"{MISC}: any difference outside the Revision field", DIST_REGS_G,
         setup=ONE, basis="code"),
    case("dist-iidr-revision-1", SET, "GICD_IIDR written with Revision 1",
         dist(SET, GICD_IIDR, (GICD_IIDR_KVM & ~IIDR_REV) | 1 << 12), EINVAL,
         f"{MISC}: only revisions 2 and 3 are accepted", DIST_REGS_G, setup=ONE, basis="code"),
    case("dist-iidr-revision-2", GET, "GICD_IIDR after writing Revision 2 reads back Revision 2",
         dist(GET, GICD_IIDR), 0, f"{MISC}: implementation_rev = the written revision", DIST_REGS_G,
         setup=(*ONE, dist(SET, GICD_IIDR, (GICD_IIDR_KVM & ~IIDR_REV) | 2 << 12)),
         check=reads_back((GICD_IIDR_KVM & ~IIDR_REV) | 2 << 12), basis="code"),
    case("dist-igroupr-ignored-before-iidr", GET, "GICD_IGROUPR1 written before GICD_IIDR was",
         dist(GET, GICD_IGROUPR1), 0,
         f"{D_REGS}: unless GICD_IIDR has been set from userspace, writes to GICD_IGROUPR are ignored",
         DIST_REGS_G, setup=(*ONE, dist(SET, GICD_IGROUPR1, 0xFFFFFFFF)), check=reads_back(0), order_row=2),
    case("dist-igroupr-after-iidr", GET, "GICD_IGROUPR1 written after GICD_IIDR was written back",
         dist(GET, GICD_IGROUPR1), 0, f"{D_REGS}: set GICD_IIDR first, then the group registers take writes",
         DIST_REGS_G, setup=(*ONE, iidr_written_back(), dist(SET, GICD_IGROUPR1, 0xFFFFFFFF)),
         check=reads_back(0xFFFFFFFF), order_row=1),
    # vcpu_index: the banked registers answer per vCPU, the others do not
    case("dist-banked-other-vcpu", GET, "GICD_ISENABLER0 (banked) of vCPU 1 after enabling a PPI through vCPU 0",
         dist(GET, GICD_ISENABLER0, vcpu=1), 0,
         f"{D_REGS}: the access is made from the cpu whose index is vcpu_index", DIST_REGS_G,
         setup=(*TWO, dist(SET, GICD_ISENABLER0, PPI_TIMER, vcpu=0)), check=reads_bits(PPI_TIMER, False)),
    case("dist-banked-same-vcpu", GET, "GICD_ISENABLER0 (banked) of vCPU 0 after enabling a PPI through it",
         dist(GET, GICD_ISENABLER0, vcpu=0), 0,
         f"{D_REGS}: the access is made from the cpu whose index is vcpu_index", DIST_REGS_G,
         setup=(*TWO, dist(SET, GICD_ISENABLER0, PPI_TIMER, vcpu=0)), check=reads_bits(PPI_TIMER, True)),
    case("dist-not-banked", GET, "GICD_ISENABLER1 (SPIs) of vCPU 1 after enabling them through vCPU 0",
         dist(GET, GICD_ISENABLER1, vcpu=1), 0,
         f"{D_REGS}: most distributor fields are not banked and read the same for any vcpu_index", DIST_REGS_G,
         setup=(*TWO, dist(SET, GICD_ISENABLER1, 0xFFFFFFFF, vcpu=0)), check=reads_back(0xFFFFFFFF)),
    case("dist-vcpu-index-is-id", GET, "vcpu_index 3 when the only vCPU has id 3", dist(GET, GICD_CTLR, vcpu=3), 0,
         f"{PARSE}: vcpu_index is matched against vCPU ids, not creation order", DIST_REGS_G,
         setup=(create_vcpu(3), DEVICE), basis="code"),
    case("dist-vcpu-index-0-no-id-0", GET, "vcpu_index 0 when the only vCPU has id 3",
         dist(GET, GICD_CTLR, vcpu=0), EINVAL, f"{PARSE}: no vCPU with id 0, although one vCPU exists",
         DIST_REGS_G, setup=(create_vcpu(3), DEVICE), basis="code"),
    case("dist-reserved-bits-ignored", GET, "attr bits 63:40 (reserved) set", dist(GET, GICD_CTLR, reserved=0xFFFFFF),
         0, f"{PARSE}: only the vcpu_index and offset fields are decoded ({D_REGS} calls 63:40 reserved, no errno)",
         DIST_REGS_G, setup=ONE, basis="code"),
    # the IRQs that exist: HAS checks against nr_spis, which is 0 until the vGIC is initialised
    case("dist-has-spi-before-init", HAS, "GICD_ISENABLER1 (SPIs 32-63) before the vGIC is initialised",
         dist(HAS, GICD_ISENABLER1), ENXIO,
         f"{HAS_REGS} / vgic-mmio.c check_region: the IRQ must be below nr_spis + 32, and nr_spis is 0 until "
         f"{INIT} or NR_IRQS sets it", DIST_REGS_G, setup=ONE, basis="code"),
    case("dist-has-spi-after-init", HAS, "GICD_ISENABLER1 after CTRL_INIT (256 IRQs)", dist(HAS, GICD_ISENABLER1),
         0, f"{HAS_REGS}: check_region with nr_spis = 224 (VGIC_NR_IRQS_LEGACY)", DIST_REGS_G, setup=INITIALISED,
         basis="code"),
    case("dist-has-beyond-nr-irqs", HAS, "GICD_ISENABLER2 (IRQs 64-95) with NR_IRQS = 64",
         dist(HAS, GICD_ISENABLER2), ENXIO, f"{HAS_REGS} / check_region: no such IRQ", DIST_REGS_G,
         setup=(*ONE, nr_irqs(SET, 64)), basis="code"),
    case("dist-get-beyond-nr-irqs", GET, "GICD_ISENABLER2 (IRQs 64-95) with NR_IRQS = 64",
         dist(GET, GICD_ISENABLER2), 0, f"{UACCESS}: the same check_region, but a read without a region gives 0",
         DIST_REGS_G, setup=(*ONE, nr_irqs(SET, 64)), check=reads_back(0), basis="code"),
    # a register access initialises the vGIC
    case("dist-get-initialises", "KVM_CREATE_VCPU", "a second vCPU after a GICD_CTLR read", create_vcpu(1), EBUSY,
         f"{ACCESS} calls {INIT}; arm.c kvm_arch_vcpu_precreate refuses vCPUs once the vGIC is initialised",
         DIST_REGS_G, setup=(*ONE, dist(GET, GICD_CTLR)), basis="code"),
    case("dist-failed-copy-out-initialises", "KVM_CREATE_VCPU",
         "a second vCPU after a GICD_CTLR read whose copy-out failed", create_vcpu(1), EBUSY,
         f"{ACCESS}: {INIT} runs before the put_user that fails", DIST_REGS_G,
         setup=(*ONE, dist(GET, GICD_CTLR, pointer=BAD_POINTER, ok_errno=EFAULT)), basis="code"),
    *_regs_cases(DIST_REGS_G, D_REGS, dist, GICD_RESERVED, GICD_CTLR, 0),

    # === KVM_DEV_ARM_VGIC_GRP_CPU_REGS =====================================================================
    case("cpu-get-ctlr", GET, "GICC_CTLR of vCPU 0 (disabled after creation)", cpu(GET, GICC_CTLR), 0,
         f"{C_REGS}: all CPU interface registers are rw, 32-bit", CPU_REGS_G, setup=ONE, check=reads_back(0)),
    case("cpu-pmr-reads-back", GET, "GICC_PMR written with 0x1f (VMPriMask format), then read",
         cpu(GET, GICC_PMR), 0, f"{C_REGS}: GICC_PMR is exchanged in the lower 5 bits (GICH_VMCR.VMPriMask)",
         CPU_REGS_G, setup=(*ONE, cpu(SET, GICC_PMR, 0x1F)), check=reads_back(0x1F)),
    case("cpu-pmr-upper-bits-dropped", GET, "GICC_PMR written with 0xff reads back 0x1f", cpu(GET, GICC_PMR), 0,
         f"{VCPUIF}: only the 5-bit VMPriMask field is kept", CPU_REGS_G, setup=(*ONE, cpu(SET, GICC_PMR, 0xFF)),
         check=reads_back(0x1F), basis="code"),
    case("cpu-pmr-per-vcpu", GET, "GICC_PMR of vCPU 1 after writing vCPU 0's", cpu(GET, GICC_PMR, vcpu=1), 0,
         f"{C_REGS}: the register as on hardware, where each CPU has its own CPU interface", CPU_REGS_G,
         setup=(*TWO, cpu(SET, GICC_PMR, 0x1F, vcpu=0)), check=reads_back(0)),
    case("cpu-iidr-value", GET, "GICC_IIDR", cpu(GET, GICC_IIDR), 0,
         f"{VCPUIF}: ProductID 'K', architecture version 2, implementer ARM", CPU_REGS_G, setup=ONE,
         check=reads_back(GICC_IIDR_KVM), basis="code"),
    case("cpu-has-apr0", HAS, "GICC_APR0", cpu(HAS, GICC_APR0), 0,
         f"{C_REGS}: the interface always exposes four registers APR[0-3]", CPU_REGS_G, setup=ONE),
    case("cpu-has-apr3", HAS, "GICC_APR3", cpu(HAS, GICC_APR3), 0,
         f"{C_REGS}: the interface always exposes four registers APR[0-3]", CPU_REGS_G, setup=ONE),
    case("cpu-get-apr3", GET, "GICC_APR3 (no active priorities)", cpu(GET, GICC_APR3), 0,
         f"{C_REGS}: APR[0-3], bits of undefined preemption levels RAZ", CPU_REGS_G, setup=ONE, check=reads_back(0)),
    case("cpu-has-dir", HAS, "GICC_DIR (offset 0x1000) before 7.2", cpu(HAS, GICC_DIR), ENXIO,
         "vgic-mmio-v2.c: vgic_v2_cpu_registers has no GIC_CPU_DEACTIVATE entry in 6.1 and 6.12", CPU_REGS_G,
         setup=ONE, basis="code", kernels="6.1, 6.12"),
    case("cpu-has-dir-7.2", HAS, "GICC_DIR (offset 0x1000) from 7.2", cpu(HAS, GICC_DIR), 0,
         "vgic-mmio-v2.c: vgic_v2_cpu_registers lists GIC_CPU_DEACTIVATE (RAZ/WI for userspace) in 7.2", CPU_REGS_G,
         setup=ONE, basis="code", kernels="7.2+"),
    *_regs_cases(CPU_REGS_G, C_REGS, cpu, GICC_IAR, GICC_CTLR, 0),

    # === KVM_DEV_ARM_VGIC_GRP_NR_IRQS ======================================================================
    case("nr-irqs-64", SET, "64 (the minimum)", nr_irqs(SET, 64), 0, f"{NRQ}: from 64 to 1024, in increments of 32",
         NR_IRQS_G, setup=(DEVICE,)),
    case("nr-irqs-992", SET, "992", nr_irqs(SET, 992), 0, f"{NRQ}: from 64 to 1024, in increments of 32",
         NR_IRQS_G, setup=(DEVICE,)),
    case("nr-irqs-1024", SET, "1024 (the documented maximum)", nr_irqs(SET, 1024), 0,
         f"{NRQ}: ranging from 64 to 1024, in increments of 32", NR_IRQS_G, setup=(DEVICE,),
         deviation=Deviation(f"{NRQ} includes 1024 in the range; {COMMON_SET} rejects val > VGIC_MAX_RESERVED "
                             "(1023) with EINVAL, so 992 is the largest value accepted", EINVAL)),
    *(case(f"nr-irqs-{n:#x}" if n > 0xFFFF else f"nr-irqs-{n}", SET, why, nr_irqs(SET, n), EINVAL,
           f"{NRQ}, Errors: EINVAL (out of the expected range)",
           NR_IRQS_G, setup=(DEVICE,))
      for n, why in ((0, "0"), (32, "32 (below 64)"), (48, "48 (below 64)"), (100, "100 (not a multiple of 32)"),
                     (1056, "1056 (above 1024)"), (0xFFFFFFE0, "0xffffffe0 (a multiple of 32, far above 1024)"))),
    case("nr-irqs-u32", SET, "a u64 whose low 32 bits are 128 and high bits are set", nr_irqs(SET, 1 << 32 | 128),
         0, f"{COMMON_SET}: get_user of a u32 at attr.addr; the next bytes are not read", NR_IRQS_G,
         setup=(DEVICE,), basis="code"),
    case("nr-irqs-twice", SET, "set twice (same value)", nr_irqs(SET, 128), EBUSY,
         f"{NRQ}, Errors: EBUSY (value has already been set)", NR_IRQS_G, setup=(DEVICE, nr_irqs(SET, 128))),
    case("nr-irqs-after-init", SET, "after KVM_DEV_ARM_VGIC_CTRL_INIT", nr_irqs(SET, 128), EBUSY,
         f"{NRQ}, Errors: EBUSY (GIC already initialized with default values)", NR_IRQS_G, setup=INITIALISED),
    case("nr-irqs-after-register-access", SET, "after a GICD_CTLR read (which initialises the vGIC)",
         nr_irqs(SET, 128), EBUSY, f"{NRQ}, Errors: EBUSY (GIC already initialized with default values); "
         f"{ACCESS} calls {INIT}", NR_IRQS_G, setup=(*ONE, dist(GET, GICD_CTLR))),
    case("nr-irqs-after-run", SET, "after a vCPU's first KVM_RUN", nr_irqs(SET, 128), EBUSY,
         f"{NRQ}, Errors: EBUSY (GIC already initialized with default values)", NR_IRQS_G,
         setup=(init_vcpu(), DEVICE, *BOTH_ADDRS, run_vcpu())),
    case("nr-irqs-range-before-state", SET, "out of range after it was set", nr_irqs(SET, 32), EINVAL,
         f"{COMMON_SET}: the range test precedes the already-set test", NR_IRQS_G,
         setup=(DEVICE, nr_irqs(SET, 128)), basis="code"),
    case("nr-irqs-bad-pointer", SET, "attr.addr pointing at a guard page", nr_irqs(SET, pointer=BAD_POINTER),
         EFAULT, f"{COMMON_SET}: get_user", NR_IRQS_G, setup=(DEVICE,), basis="code"),
    case("nr-irqs-get-unset", GET, "GET before any value is set", nr_irqs(GET), 0,
         f"{COMMON_GET}: nr_spis (0) + 32 private IRQs: 32, below the settable range", NR_IRQS_G,
         setup=(DEVICE,), check=reads_back(32), basis="code"),
    case("nr-irqs-get-set", GET, "GET after setting 128", nr_irqs(GET), 0, f"{COMMON_GET}: nr_spis + 32",
         NR_IRQS_G, setup=(DEVICE, nr_irqs(SET, 128)), check=reads_back(128), basis="code"),
    case("nr-irqs-get-default", GET, "GET after CTRL_INIT without NR_IRQS", nr_irqs(GET), 0,
         f"{INIT}: the default is VGIC_NR_IRQS_LEGACY (256)", NR_IRQS_G, setup=INITIALISED, check=reads_back(256),
         basis="code"),
    case("nr-irqs-get-bad-pointer", GET, "attr.addr pointing at a guard page", nr_irqs(GET, pointer=BAD_POINTER),
         EFAULT, f"{COMMON_GET}: put_user", NR_IRQS_G, setup=(DEVICE,), basis="code"),
    case("nr-irqs-has", HAS, "NR_IRQS", nr_irqs(HAS), 0, "api.rst 4.81; vgic-kvm-device.c vgic_v2_has_attr",
         NR_IRQS_G, setup=(DEVICE,)),

    # === KVM_DEV_ARM_VGIC_GRP_CTRL =========================================================================
    case("ctrl-init", SET, "CTRL_INIT with a vCPU and both addresses set", ctrl(), 0,
         f"{CTL}: KVM_DEV_ARM_VGIC_CTRL_INIT requests the initialization of the VGIC", CTRL_G,
         setup=(*ONE, *BOTH_ADDRS)),
    # arm-vgic.rst's ENXIO ("not properly configured as required prior to calling this attribute") names no
    # configuration, and nothing in the document orders the addresses before CTRL_INIT (QEMU inits first, then
    # sets them): a GICv2's addresses are the first KVM_RUN's requirement, as arm_vgic_v3 reads the same row.
    case("ctrl-init-addresses-unset", SET, "CTRL_INIT with neither DIST nor CPU address set", ctrl(), 0,
         f"{INIT} tests no configuration for a GICv2 (the addresses are checked at the first KVM_RUN)", CTRL_G,
         setup=ONE, basis="code"),
    case("ctrl-init-then-run-addresses-unset", "KVM_RUN", "first KVM_RUN after CTRL_INIT with no address set",
         run_vcpu(), ENXIO, "vgic-v2.c: vgic_v2_map_resources (where a GICv2's addresses are checked)", CTRL_G,
         setup=(init_vcpu(), DEVICE, ctrl()), basis="code"),
    case("ctrl-init-no-vcpu", SET, "CTRL_INIT with no vCPU created", ctrl(), ENODEV,
         f"{CTL}, Errors: ENODEV (no online VCPU)", CTRL_G, setup=(DEVICE, *BOTH_ADDRS),
         deviation=Deviation(f"{CTL} gives ENODEV without an online vCPU; {INIT} only compares created_vcpus with "
                             "online_vcpus (EBUSY while one is being created) and initialises a vGIC for zero vCPUs",
                             SUCCEEDS)),
    case("ctrl-init-no-vcpu-then-vcpu", "KVM_CREATE_VCPU", "a vCPU after CTRL_INIT with none", create_vcpu(0), EBUSY,
         "arm.c: kvm_arch_vcpu_precreate (vgic_initialized): the VM can never have a vCPU", CTRL_G,
         setup=(DEVICE, ctrl()), basis="code"),
    case("ctrl-init-twice", SET, "CTRL_INIT a second time", ctrl(), 0, f"{INIT}: an initialised vGIC returns 0",
         CTRL_G, setup=INITIALISED, basis="code"),
    case("ctrl-init-then-vcpu", "KVM_CREATE_VCPU", "a second vCPU after CTRL_INIT", create_vcpu(1), EBUSY,
         "arm.c: kvm_arch_vcpu_precreate (vgic_initialized)", CTRL_G, setup=INITIALISED, basis="code"),
    case("ctrl-init-ignores-addr", SET, "CTRL_INIT with attr.addr pointing at a guard page",
         ctrl(pointer=BAD_POINTER), 0, f"{CTL}: no additional parameter in kvm_device_attr.addr", CTRL_G,
         setup=ONE),
    case("ctrl-has-init", HAS, "CTRL_INIT", ctrl(HAS), 0, "api.rst 4.81; vgic-kvm-device.c vgic_v2_has_attr",
         CTRL_G, setup=(DEVICE,)),
    case("ctrl-get-init", GET, "GET of CTRL_INIT", ctrl(GET), ENXIO,
         f"{COMMON_GET}: no CTRL group for GET (api.rst 4.80: ENXIO for an unsupported attribute)", CTRL_G,
         setup=(DEVICE,), basis="code"),
    case("ctrl-save-pending-tables", SET, "KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES (a GICv3 attribute)",
         ctrl(which=arm64.KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES), ENXIO,
         f"{COMMON_SET}: vgic_check_type(VGIC_V3) fails for a GICv2", CTRL_G, setup=INITIALISED, basis="code"),
    case("ctrl-unknown-attr", SET, "CTRL attribute 0xff", ctrl(which=0xFF), ENXIO,
         f"{COMMON_SET}: default (api.rst 4.80: ENXIO for an unknown attribute)", CTRL_G, setup=ONE, basis="code"),
    case("ctrl-has-save-pending-tables", HAS, "KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES",
         ctrl(HAS, which=arm64.KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES), ENXIO,
         "vgic-kvm-device.c: vgic_v2_has_attr knows CTRL_INIT only", CTRL_G, setup=(DEVICE,), basis="code"),

    # === groups of the GICv3 device ========================================================================
    *(Case(id=f"v3-group-{n}", ioctl=SET, condition=f"group {n} ({name}) on the GICv2 device", on=GICV2,
           call=attr(SET, n, 0, 0, text="attr 0"), errno=ENXIO,
           cite=f"api.rst 4.80, Errors: ENXIO (unknown group); vgic_v2_set_attr passes it to {COMMON_SET}",
           setup=ONE)
      for n, name in ((arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, "REDIST_REGS"),
                      (arm64.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, "CPU_SYSREGS"),
                      (arm64.KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, "LEVEL_INFO"))),

    # === KVM_DEV_ARM_VGIC_GRP_ADDR: the CPU interface frame's size ==========================================
    case("addr-cpu-4k-frame-fits", SET, "CPU interface at 2^40 - 4 KiB in a default VM (6.1's 4 KByte frame)",
         set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, ipa_end(minus=0x1000)), 0,
         f"{A} (6.1): the CPU interface region covers 4 KByte, so it ends at the 40-bit IPA limit", ADDR,
         setup=(DEVICE,), kernels="6.1",
         deviation=Deviation(f"6.1's {A} says the CPU interface region covers 4 KByte; vgic-kvm-device.c "
                             "kvm_vgic_addr checks KVM_VGIC_V2_CPU_SIZE (8 KiB) and answers E2BIG (6.12's text "
                             "says 8 KByte)", E2BIG)),
    case("addr-cpu-8k-frame-beyond", SET, "CPU interface at 2^40 - 4 KiB in a default VM (an 8 KByte frame)",
         set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, ipa_end(minus=0x1000)), E2BIG,
         f"{A} (6.12+): the region covers 8 KByte; Errors: E2BIG (outside the addressable IPA range)", ADDR,
         setup=(DEVICE,), kernels="6.12+"),
    case("addr-cpu-8k-frame-ends-at-limit", SET, "CPU interface at 2^40 - 8 KiB",
         set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, ipa_end(minus=0x2000)), 0,
         f"{A}: 4K aligned, and an 8 KiB frame ending at the IPA limit is inside it", ADDR, setup=(DEVICE,)),
]

# --- "One or more VCPUs are running": vCPU 0 asleep in KVM_RUN (WFI) on a second thread of the agent -----------

LOCKED = (f"{ACCESS} tries every vCPU's mutex with mutex_trylock after kvm->lock (vgic-kvm-device.c lock_all_vcpus "
          "in 6.1, arm.c lock_all_vcpus in 6.12, kvm_main.c kvm_trylock_all_vcpus in 7.2); a running vCPU holds its "
          "mutex for the whole KVM_RUN (kvm_main.c kvm_vcpu_ioctl)")
RUNNING = (*ONE, *BOTH_ADDRS, vcpu_busy())

CASES += [
    case("dist-get-vcpu-running", GET, "GICD_CTLR while vCPU 0 is in KVM_RUN on another thread",
         dist(GET, GICD_CTLR), EBUSY, f"{D_REGS}, Errors: EBUSY (one or more VCPUs are running); {LOCKED}",
         DIST_REGS_G, setup=RUNNING),
    case("dist-set-vcpu-running", SET, "GICD_CTLR written while vCPU 0 is in KVM_RUN on another thread",
         dist(SET, GICD_CTLR, 1), EBUSY, f"{D_REGS}, Errors: EBUSY (one or more VCPUs are running); {LOCKED}",
         DIST_REGS_G, setup=RUNNING),
    case("cpu-get-vcpu-running", GET, "GICC_CTLR while vCPU 0 is in KVM_RUN on another thread",
         cpu(GET, GICC_CTLR), EBUSY, f"{C_REGS}, Errors: EBUSY (one or more VCPUs are running); {LOCKED}",
         CPU_REGS_G, setup=RUNNING),
    case("cpu-has-vcpu-running", HAS, "GICC_CTLR while vCPU 0 is in KVM_RUN on another thread",
         cpu(HAS, GICC_CTLR), 0, f"{HAS_REGS}: HAS looks the register up without taking any vCPU's mutex",
         CPU_REGS_G, setup=RUNNING, basis="code"),
]

UNREACHABLE = [
    Unreachable(SET, ENOMEM,
                f"needs an allocation failure in {INIT}: kvm_vgic_dist_init's kcalloc of the SPIs (at most 992 "
                "struct vgic_irq, GFP_KERNEL_ACCOUNT), 6.12's per-vCPU private IRQ array, or the default routing "
                "table. Nothing the target can do through ioctls and memory makes those fail: the agent cannot "
                "put itself in a memory cgroup with a limit, and Debian's kernels have no fault injection",
                arch="arm64", device_doc=DOC, group=CTRL_G),
    Unreachable(SET, ENXIO,
                f"no configuration to leave out: for a GICv2, {INIT} and vgic-kvm-device.c vgic_set_common_attr "
                "check none before KVM_DEV_ARM_VGIC_CTRL_INIT in 6.1, 6.12 and 7.2 (its addresses are the first "
                "KVM_RUN's requirement: case ctrl-init-then-run-addresses-unset; see DOC_FINDINGS)",
                arch="arm64", device_doc=DOC, group=CTRL_G),
]

DOC_FINDINGS = [
    Finding("arm-vgic.rst KVM_DEV_ARM_VGIC_GRP_CTRL lists ENXIO for a 'VGIC not properly configured as required "
            "prior to calling this attribute' without naming the configuration; a GICv2's CTRL_INIT requires none "
            "(vgic-init.c vgic_init, 6.1, 6.12, 7.2), and QEMU initialises the vGIC before setting its addresses.",
            DOCUMENT_SILENT),
]

