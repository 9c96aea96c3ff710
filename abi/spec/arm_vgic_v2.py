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
from abi.spec.steps.base import BAD_POINTER, scratch_holds, step
from abi.spec.steps.device import set_attr
from abi.spec.steps.vcpu import INIT_VCPU, RAN, vcpu_busy
from abi.spec.steps.vm import create_device, create_vcpu, create_vcpus, ipa_end
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
        Case(id=f"{short}-has-unsupported", ioctl=HAS, condition="a register offset the device does not support",
             arch=("arm64",), features=("vgic-v2",), call=access(HAS, unsupported), errno=ENXIO,
             cite=f"{regs}, Errors: ENXIO; {HAS_REGS}", setup=ONE, group=g, device_doc=DOC),
        Case(id=f"{short}-get-unsupported", ioctl=GET, condition="GET of a register offset the device does not support",
             arch=("arm64",), features=("vgic-v2",), call=access(GET, unsupported), errno=ENXIO,
             cite=f"{regs}, Errors: ENXIO", setup=ONE, deviation=Deviation(dev, SUCCEEDS), group=g, device_doc=DOC),
        Case(id=f"{short}-get-unsupported-reads-zero", ioctl=GET,
             condition="GET of an unsupported offset: what the kernel does", arch=("arm64",), features=("vgic-v2",),
             call=access(GET, unsupported), errno=0, cite=UACCESS, setup=ONE, check=scratch_holds(0), basis="code",
             group=g, device_doc=DOC),
        Case(id=f"{short}-set-unsupported", ioctl=SET, condition="SET of a register offset the device does not support",
             arch=("arm64",), features=("vgic-v2",), call=access(SET, unsupported, value), errno=ENXIO,
             cite=f"{regs}, Errors: ENXIO", setup=ONE, deviation=Deviation(dev, SUCCEEDS), group=g, device_doc=DOC),
        Case(id=f"{short}-has-beyond-frame", ioctl=HAS, condition="offset 0x2000, past the register frame",
             arch=("arm64",), features=("vgic-v2",), call=access(HAS, 0x2000), errno=ENXIO,
             cite=f"{regs}, Errors: ENXIO; {HAS_REGS}", setup=ONE, group=g, device_doc=DOC),
        Case(id=f"{short}-has-misaligned", ioctl=HAS, condition="an offset not 4-byte aligned", arch=("arm64",),
             features=("vgic-v2",), call=access(HAS, known + 1), errno=ENXIO,
             cite=f"{HAS_REGS}: only aligned 32-bit accesses (all registers are 32-bit, {regs})", setup=ONE,
             basis="code", group=g, device_doc=DOC),
        Case(id=f"{short}-get-misaligned-reads-zero", ioctl=GET, condition="GET at an offset not 4-byte aligned",
             arch=("arm64",), features=("vgic-v2",), call=access(GET, known + 1), errno=0,
             cite=f"{UACCESS}: check_region refuses the misaligned access, so nothing is read", setup=ONE,
             check=scratch_holds(0), basis="code", group=g, device_doc=DOC),
        # EINVAL: vcpu_index
        Case(id=f"{short}-get-no-vcpu", ioctl=GET, condition="vcpu_index 0 with no vCPU created", arch=("arm64",),
             features=("vgic-v2",), call=access(GET, known), errno=EINVAL,
             cite=f"{regs}, Errors: EINVAL (invalid vcpu_index); {PARSE}", setup=(DEVICE,), group=g, device_doc=DOC),
        Case(id=f"{short}-set-no-vcpu", ioctl=SET, condition="vcpu_index 0 with no vCPU created", arch=("arm64",),
             features=("vgic-v2",), call=access(SET, known, value), errno=EINVAL,
             cite=f"{regs}, Errors: EINVAL (invalid vcpu_index); {PARSE}", setup=(DEVICE,), group=g, device_doc=DOC),
        Case(id=f"{short}-has-no-vcpu", ioctl=HAS, condition="vcpu_index 0 with no vCPU created", arch=("arm64",),
             features=("vgic-v2",), call=access(HAS, known), errno=EINVAL,
             cite=f"{regs}, Errors: EINVAL; {HAS_REGS} parses the attr first", setup=(DEVICE,), group=g,
             device_doc=DOC),
        Case(id=f"{short}-get-vcpu-index-1", ioctl=GET, condition="vcpu_index 1 with only vCPU 0", arch=("arm64",),
             features=("vgic-v2",), call=access(GET, known, vcpu=1), errno=EINVAL,
             cite=f"{regs}, Errors: EINVAL (invalid vcpu_index)", setup=ONE, group=g, device_doc=DOC),
        Case(id=f"{short}-set-vcpu-index-255", ioctl=SET, condition="vcpu_index 255 with only vCPU 0", arch=("arm64",),
             features=("vgic-v2",), call=access(SET, known, value, vcpu=255), errno=EINVAL,
             cite=f"{regs}, Errors: EINVAL (invalid vcpu_index)", setup=ONE, group=g, device_doc=DOC),
        Case(id=f"{short}-has-vcpu-index-8", ioctl=HAS, condition="vcpu_index 8 (a GICv2 has at most 8 vCPUs, ids 0-7)",
             arch=("arm64",), features=("vgic-v2",), call=access(HAS, known, vcpu=8), errno=EINVAL,
             cite=f"{regs}, Errors: EINVAL (invalid vcpu_index)", setup=ONE, group=g, device_doc=DOC),
        # EFAULT, which the document does not list for these groups
        Case(id=f"{short}-set-bad-pointer", ioctl=SET, condition="attr.addr pointing at a guard page", arch=("arm64",),
             features=("vgic-v2",), call=access(SET, known, pointer=BAD_POINTER), errno=EFAULT,
             cite=f"{ACCESS}: get_user of the u32 before any lock", setup=ONE, basis="code", group=g, device_doc=DOC),
        Case(id=f"{short}-get-bad-pointer", ioctl=GET, condition="attr.addr pointing at a guard page", arch=("arm64",),
             features=("vgic-v2",), call=access(GET, known, pointer=BAD_POINTER), errno=EFAULT,
             cite=f"{ACCESS}: put_user after the access", setup=ONE, basis="code", group=g, device_doc=DOC),
        Case(id=f"{short}-vcpu-index-before-pointer", ioctl=SET, condition="no such vcpu_index and a bad attr.addr",
             arch=("arm64",), features=("vgic-v2",), call=access(SET, known, vcpu=1, pointer=BAD_POINTER), errno=EINVAL,
             cite=f"{ACCESS}: vgic_v2_parse_attr precedes get_user", setup=ONE, basis="code", group=g, device_doc=DOC),
    ]


CASES: list[Case] = [
    # === KVM_DEV_ARM_VGIC_GRP_DIST_REGS ====================================================================
    Case(id="dist-get-ctlr", ioctl=GET, condition="GICD_CTLR of vCPU 0 (disabled after creation)", arch=("arm64",),
         features=("vgic-v2",), call=dist(GET, GICD_CTLR), errno=0,
         cite=f"{D_REGS}: all distributor registers are rw, 32-bit", setup=ONE, check=scratch_holds(0),
         group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="dist-set-ctlr-reads-back", ioctl=GET, condition="GICD_CTLR.Enable written, then read", arch=("arm64",),
         features=("vgic-v2",), call=dist(GET, GICD_CTLR), errno=0,
         cite=f"{D_REGS}: setting a register has the effect of writing it on the hardware",
         setup=(*ONE, dist(SET, GICD_CTLR, 1)), check=scratch_holds(1), group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-typer-reflects-nr-irqs", ioctl=GET, condition="GICD_TYPER with NR_IRQS = 128 and two vCPUs",
         arch=("arm64",), features=("vgic-v2",), call=dist(GET, GICD_TYPER), errno=0,
         cite=f"{D_REGS} (the register as on hardware: ITLinesNumber = N/32 - 1, CPUNumber = vCPUs - 1) and {NRQ}",
         setup=(*TWO, nr_irqs(SET, 128)), check=scratch_holds((128 // 32 - 1) | (2 - 1) << 5), group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="dist-has-ctlr", ioctl=HAS, condition="GICD_CTLR of vCPU 0", arch=("arm64",), features=("vgic-v2",),
         call=dist(HAS, GICD_CTLR), errno=0, cite=f"api.rst 4.81 KVM_HAS_DEVICE_ATTR; {HAS_REGS}", setup=ONE,
         group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-has-priority-byte", ioctl=HAS, condition="GICD_IPRIORITYR0 (offset 0x400)", arch=("arm64",),
         features=("vgic-v2",), call=dist(HAS, 0x400), errno=0, cite=HAS_REGS, setup=ONE, basis="code",
         group=DIST_REGS_G, device_doc=DOC),
    # GICD_IIDR: read it, write it back, before other registers
    Case(id="dist-iidr-value", ioctl=GET, condition="GICD_IIDR", arch=("arm64",), features=("vgic-v2",),
         call=dist(GET, GICD_IIDR), errno=0,
         cite=f"{MISC} / vgic_mmio_read_v2_misc: ProductID 'K', implementer ARM, revision KVM_VGIC_IMP_REV_LATEST (3)",
         setup=ONE, check=scratch_holds(GICD_IIDR_KVM), basis="code", group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-iidr-write-back", ioctl=SET, condition="GICD_IIDR written back with the value read", arch=("arm64",),
         features=("vgic-v2",), call=iidr_written_back(), errno=0,
         cite=f"{D_REGS}: userspace should read GICD_IIDR and write back the read value", setup=ONE, group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="dist-iidr-other-product", ioctl=SET, condition="GICD_IIDR written with another ProductID", arch=("arm64",),
         features=("vgic-v2",), call=dist(SET, GICD_IIDR,
         GICD_IIDR_KVM ^ (1 << 24)), errno=EINVAL, cite=f"{MISC}: any difference outside the Revision field", setup=ONE,
         basis="code", group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-iidr-revision-1", ioctl=SET, condition="GICD_IIDR written with Revision 1", arch=("arm64",),
         features=("vgic-v2",), call=dist(SET, GICD_IIDR, (GICD_IIDR_KVM & ~IIDR_REV) | 1 << 12), errno=EINVAL,
         cite=f"{MISC}: only revisions 2 and 3 are accepted", setup=ONE, basis="code", group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="dist-iidr-revision-2", ioctl=GET, condition="GICD_IIDR after writing Revision 2 reads back Revision 2",
         arch=("arm64",), features=("vgic-v2",), call=dist(GET, GICD_IIDR), errno=0,
         cite=f"{MISC}: implementation_rev = the written revision",
         setup=(*ONE, dist(SET, GICD_IIDR, (GICD_IIDR_KVM & ~IIDR_REV) | 2 << 12)),
         check=scratch_holds((GICD_IIDR_KVM & ~IIDR_REV) | 2 << 12), basis="code", group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-igroupr-ignored-before-iidr", ioctl=GET, condition="GICD_IGROUPR1 written before GICD_IIDR was",
         arch=("arm64",), features=("vgic-v2",), call=dist(GET, GICD_IGROUPR1), errno=0,
         cite=f"{D_REGS}: unless GICD_IIDR has been set from userspace, writes to GICD_IGROUPR are ignored",
         setup=(*ONE, dist(SET, GICD_IGROUPR1, 0xFFFFFFFF)), check=scratch_holds(0), order_row=2, group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="dist-igroupr-after-iidr", ioctl=GET, condition="GICD_IGROUPR1 written after GICD_IIDR was written back",
         arch=("arm64",), features=("vgic-v2",), call=dist(GET, GICD_IGROUPR1), errno=0,
         cite=f"{D_REGS}: set GICD_IIDR first, then the group registers take writes",
         setup=(*ONE, iidr_written_back(), dist(SET, GICD_IGROUPR1, 0xFFFFFFFF)), check=scratch_holds(0xFFFFFFFF),
         order_row=1, group=DIST_REGS_G, device_doc=DOC),
    # vcpu_index: the banked registers answer per vCPU, the others do not
    Case(id="dist-banked-other-vcpu", ioctl=GET,
         condition="GICD_ISENABLER0 (banked) of vCPU 1 after enabling a PPI through vCPU 0", arch=("arm64",),
         features=("vgic-v2",), call=dist(GET, GICD_ISENABLER0, vcpu=1), errno=0,
         cite=f"{D_REGS}: the access is made from the cpu whose index is vcpu_index",
         setup=(*TWO, dist(SET, GICD_ISENABLER0, PPI_TIMER, vcpu=0)), check=reads_bits(PPI_TIMER, False),
         group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-banked-same-vcpu", ioctl=GET,
         condition="GICD_ISENABLER0 (banked) of vCPU 0 after enabling a PPI through it", arch=("arm64",),
         features=("vgic-v2",), call=dist(GET, GICD_ISENABLER0, vcpu=0), errno=0,
         cite=f"{D_REGS}: the access is made from the cpu whose index is vcpu_index",
         setup=(*TWO, dist(SET, GICD_ISENABLER0, PPI_TIMER, vcpu=0)), check=reads_bits(PPI_TIMER, True),
         group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-not-banked", ioctl=GET,
         condition="GICD_ISENABLER1 (SPIs) of vCPU 1 after enabling them through vCPU 0", arch=("arm64",),
         features=("vgic-v2",), call=dist(GET, GICD_ISENABLER1, vcpu=1), errno=0,
         cite=f"{D_REGS}: most distributor fields are not banked and read the same for any vcpu_index",
         setup=(*TWO, dist(SET, GICD_ISENABLER1, 0xFFFFFFFF, vcpu=0)), check=scratch_holds(0xFFFFFFFF),
         group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="dist-vcpu-index-is-id", ioctl=GET, condition="vcpu_index 3 when the only vCPU has id 3", arch=("arm64",),
         features=("vgic-v2",), call=dist(GET, GICD_CTLR, vcpu=3), errno=0,
         cite=f"{PARSE}: vcpu_index is matched against vCPU ids, not creation order", setup=(create_vcpu(3), DEVICE),
         basis="code", group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-vcpu-index-0-no-id-0", ioctl=GET, condition="vcpu_index 0 when the only vCPU has id 3",
         arch=("arm64",), features=("vgic-v2",), call=dist(GET, GICD_CTLR, vcpu=0), errno=EINVAL,
         cite=f"{PARSE}: no vCPU with id 0, although one vCPU exists", setup=(create_vcpu(3), DEVICE), basis="code",
         group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-reserved-bits-ignored", ioctl=GET, condition="attr bits 63:40 (reserved) set", arch=("arm64",),
         features=("vgic-v2",), call=dist(GET, GICD_CTLR, reserved=0xFFFFFF), errno=0,
         cite=f"{PARSE}: only the vcpu_index and offset fields are decoded ({D_REGS} calls 63:40 reserved, no errno)",
         setup=ONE, basis="code", group=DIST_REGS_G, device_doc=DOC),
    # the IRQs that exist: HAS checks against nr_spis, which is 0 until the vGIC is initialised
    Case(id="dist-has-spi-before-init", ioctl=HAS,
         condition="GICD_ISENABLER1 (SPIs 32-63) before the vGIC is initialised", arch=("arm64",),
         features=("vgic-v2",), call=dist(HAS, GICD_ISENABLER1), errno=ENXIO,
         cite=f"{HAS_REGS} / vgic-mmio.c check_region: the IRQ must be below nr_spis + 32, and nr_spis is 0 until "
         f"{INIT} or NR_IRQS sets it", setup=ONE, basis="code", group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-has-spi-after-init", ioctl=HAS, condition="GICD_ISENABLER1 after CTRL_INIT (256 IRQs)",
         arch=("arm64",), features=("vgic-v2",), call=dist(HAS, GICD_ISENABLER1), errno=0,
         cite=f"{HAS_REGS}: check_region with nr_spis = 224 (VGIC_NR_IRQS_LEGACY)", setup=INITIALISED, basis="code",
         group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-has-beyond-nr-irqs", ioctl=HAS, condition="GICD_ISENABLER2 (IRQs 64-95) with NR_IRQS = 64",
         arch=("arm64",), features=("vgic-v2",), call=dist(HAS, GICD_ISENABLER2), errno=ENXIO,
         cite=f"{HAS_REGS} / check_region: no such IRQ", setup=(*ONE, nr_irqs(SET, 64)), basis="code",
         group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-get-beyond-nr-irqs", ioctl=GET, condition="GICD_ISENABLER2 (IRQs 64-95) with NR_IRQS = 64",
         arch=("arm64",), features=("vgic-v2",), call=dist(GET, GICD_ISENABLER2), errno=0,
         cite=f"{UACCESS}: the same check_region, but a read without a region gives 0", setup=(*ONE, nr_irqs(SET, 64)),
         check=scratch_holds(0), basis="code", group=DIST_REGS_G, device_doc=DOC),
    # a register access initialises the vGIC
    Case(id="dist-get-initialises", ioctl="KVM_CREATE_VCPU", condition="a second vCPU after a GICD_CTLR read",
         arch=("arm64",), features=("vgic-v2",), call=create_vcpu(1), errno=EBUSY,
         cite=f"{ACCESS} calls {INIT}; arm.c kvm_arch_vcpu_precreate refuses vCPUs once the vGIC is initialised",
         setup=(*ONE, dist(GET, GICD_CTLR)), basis="code", group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-failed-copy-out-initialises", ioctl="KVM_CREATE_VCPU",
         condition="a second vCPU after a GICD_CTLR read whose copy-out failed", arch=("arm64",), features=("vgic-v2",),
         call=create_vcpu(1), errno=EBUSY, cite=f"{ACCESS}: {INIT} runs before the put_user that fails",
         setup=(*ONE, dist(GET, GICD_CTLR, pointer=BAD_POINTER, ok_errno=EFAULT)), basis="code", group=DIST_REGS_G,
         device_doc=DOC),
    *_regs_cases(DIST_REGS_G, D_REGS, dist, GICD_RESERVED, GICD_CTLR, 0),

    # === KVM_DEV_ARM_VGIC_GRP_CPU_REGS =====================================================================
    Case(id="cpu-get-ctlr", ioctl=GET, condition="GICC_CTLR of vCPU 0 (disabled after creation)", arch=("arm64",),
         features=("vgic-v2",), call=cpu(GET, GICC_CTLR), errno=0,
         cite=f"{C_REGS}: all CPU interface registers are rw, 32-bit", setup=ONE, check=scratch_holds(0),
         group=CPU_REGS_G,
         device_doc=DOC),
    Case(id="cpu-pmr-reads-back", ioctl=GET, condition="GICC_PMR written with 0x1f (VMPriMask format), then read",
         arch=("arm64",), features=("vgic-v2",), call=cpu(GET, GICC_PMR), errno=0,
         cite=f"{C_REGS}: GICC_PMR is exchanged in the lower 5 bits (GICH_VMCR.VMPriMask)",
         setup=(*ONE, cpu(SET, GICC_PMR, 0x1F)), check=scratch_holds(0x1F), group=CPU_REGS_G, device_doc=DOC),
    Case(id="cpu-pmr-upper-bits-dropped", ioctl=GET, condition="GICC_PMR written with 0xff reads back 0x1f",
         arch=("arm64",), features=("vgic-v2",), call=cpu(GET, GICC_PMR), errno=0,
         cite=f"{VCPUIF}: only the 5-bit VMPriMask field is kept", setup=(*ONE, cpu(SET, GICC_PMR, 0xFF)),
         check=scratch_holds(0x1F), basis="code", group=CPU_REGS_G, device_doc=DOC),
    Case(id="cpu-pmr-per-vcpu", ioctl=GET, condition="GICC_PMR of vCPU 1 after writing vCPU 0's", arch=("arm64",),
         features=("vgic-v2",), call=cpu(GET, GICC_PMR, vcpu=1), errno=0,
         cite=f"{C_REGS}: the register as on hardware, where each CPU has its own CPU interface",
         setup=(*TWO, cpu(SET, GICC_PMR, 0x1F, vcpu=0)), check=scratch_holds(0), group=CPU_REGS_G, device_doc=DOC),
    Case(id="cpu-iidr-value", ioctl=GET, condition="GICC_IIDR", arch=("arm64",), features=("vgic-v2",),
         call=cpu(GET, GICC_IIDR), errno=0, cite=f"{VCPUIF}: ProductID 'K', architecture version 2, implementer ARM",
         setup=ONE, check=scratch_holds(GICC_IIDR_KVM), basis="code", group=CPU_REGS_G, device_doc=DOC),
    Case(id="cpu-has-apr0", ioctl=HAS, condition="GICC_APR0", arch=("arm64",), features=("vgic-v2",),
         call=cpu(HAS, GICC_APR0), errno=0, cite=f"{C_REGS}: the interface always exposes four registers APR[0-3]",
         setup=ONE, group=CPU_REGS_G, device_doc=DOC),
    Case(id="cpu-has-apr3", ioctl=HAS, condition="GICC_APR3", arch=("arm64",), features=("vgic-v2",),
         call=cpu(HAS, GICC_APR3), errno=0, cite=f"{C_REGS}: the interface always exposes four registers APR[0-3]",
         setup=ONE, group=CPU_REGS_G, device_doc=DOC),
    Case(id="cpu-get-apr3", ioctl=GET, condition="GICC_APR3 (no active priorities)", arch=("arm64",),
         features=("vgic-v2",), call=cpu(GET, GICC_APR3), errno=0,
         cite=f"{C_REGS}: APR[0-3], bits of undefined preemption levels RAZ", setup=ONE, check=scratch_holds(0),
         group=CPU_REGS_G, device_doc=DOC),
    Case(id="cpu-has-dir", ioctl=HAS, condition="GICC_DIR (offset 0x1000) before 7.2", arch=("arm64",),
         features=("vgic-v2",), call=cpu(HAS, GICC_DIR), errno=ENXIO,
         cite="vgic-mmio-v2.c: vgic_v2_cpu_registers has no GIC_CPU_DEACTIVATE entry in 6.1 and 6.12", setup=ONE,
         basis="code", group=CPU_REGS_G, device_doc=DOC, kernels="6.1, 6.12"),
    Case(id="cpu-has-dir-7.2", ioctl=HAS, condition="GICC_DIR (offset 0x1000) from 7.2", arch=("arm64",),
         features=("vgic-v2",), call=cpu(HAS, GICC_DIR), errno=0,
         cite="vgic-mmio-v2.c: vgic_v2_cpu_registers lists GIC_CPU_DEACTIVATE (RAZ/WI for userspace) in 7.2", setup=ONE,
         basis="code", group=CPU_REGS_G, device_doc=DOC, kernels="7.2+"),
    *_regs_cases(CPU_REGS_G, C_REGS, cpu, GICC_IAR, GICC_CTLR, 0),

    # === KVM_DEV_ARM_VGIC_GRP_NR_IRQS ======================================================================
    Case(id="nr-irqs-64", ioctl=SET, condition="64 (the minimum)", arch=("arm64",), features=("vgic-v2",),
         call=nr_irqs(SET, 64), errno=0, cite=f"{NRQ}: from 64 to 1024, in increments of 32", setup=(DEVICE,),
         group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-992", ioctl=SET, condition="992", arch=("arm64",), features=("vgic-v2",), call=nr_irqs(SET, 992),
         errno=0, cite=f"{NRQ}: from 64 to 1024, in increments of 32", setup=(DEVICE,), group=NR_IRQS_G,
         device_doc=DOC),
    Case(id="nr-irqs-1024", ioctl=SET, condition="1024 (the documented maximum)", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(SET, 1024), errno=0,
         cite=f"{NRQ}: ranging from 64 to 1024, in increments of 32", setup=(DEVICE,),
         deviation=Deviation(f"{NRQ} includes 1024 in the range; {COMMON_SET} rejects val > VGIC_MAX_RESERVED "
                             "(1023) with EINVAL, so 992 is the largest value accepted", EINVAL), group=NR_IRQS_G,
         device_doc=DOC),
    *(Case(id=f"nr-irqs-{n:#x}" if n > 0xFFFF else f"nr-irqs-{n}", ioctl=SET, condition=why, arch=("arm64",),
           features=("vgic-v2",), call=nr_irqs(SET, n), errno=EINVAL,
           cite=f"{NRQ}, Errors: EINVAL (out of the expected range)", setup=(DEVICE,), group=NR_IRQS_G, device_doc=DOC)
      for n, why in ((0, "0"), (32, "32 (below 64)"), (48, "48 (below 64)"), (100, "100 (not a multiple of 32)"),
                     (1056, "1056 (above 1024)"), (0xFFFFFFE0, "0xffffffe0 (a multiple of 32, far above 1024)"))),
    Case(id="nr-irqs-u32", ioctl=SET, condition="a u64 whose low 32 bits are 128 and high bits are set",
         arch=("arm64",), features=("vgic-v2",), call=nr_irqs(SET, 1 << 32 | 128), errno=0,
         cite=f"{COMMON_SET}: get_user of a u32 at attr.addr; the next bytes are not read", setup=(DEVICE,),
         basis="code", group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-twice", ioctl=SET, condition="set twice (same value)", arch=("arm64",), features=("vgic-v2",),
         call=nr_irqs(SET, 128), errno=EBUSY, cite=f"{NRQ}, Errors: EBUSY (value has already been set)",
         setup=(DEVICE, nr_irqs(SET, 128)), group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-after-init", ioctl=SET, condition="after KVM_DEV_ARM_VGIC_CTRL_INIT", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(SET, 128), errno=EBUSY,
         cite=f"{NRQ}, Errors: EBUSY (GIC already initialized with default values)", setup=INITIALISED, group=NR_IRQS_G,
         device_doc=DOC),
    Case(id="nr-irqs-after-register-access", ioctl=SET, condition="after a GICD_CTLR read (which initialises the vGIC)",
         arch=("arm64",), features=("vgic-v2",), call=nr_irqs(SET, 128), errno=EBUSY,
         cite=f"{NRQ}, Errors: EBUSY (GIC already initialized with default values); "
         f"{ACCESS} calls {INIT}", setup=(*ONE, dist(GET, GICD_CTLR)), group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-after-run", ioctl=SET, condition="after a vCPU's first KVM_RUN", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(SET, 128), errno=EBUSY,
         cite=f"{NRQ}, Errors: EBUSY (GIC already initialized with default values)",
         setup=(INIT_VCPU, DEVICE, *BOTH_ADDRS, RAN), group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-range-before-state", ioctl=SET, condition="out of range after it was set", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(SET, 32), errno=EINVAL,
         cite=f"{COMMON_SET}: the range test precedes the already-set test", setup=(DEVICE, nr_irqs(SET, 128)),
         basis="code", group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-bad-pointer", ioctl=SET, condition="attr.addr pointing at a guard page", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(SET, pointer=BAD_POINTER), errno=EFAULT, cite=f"{COMMON_SET}: get_user",
         setup=(DEVICE,), basis="code", group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-get-unset", ioctl=GET, condition="GET before any value is set", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(GET), errno=0,
         cite=f"{COMMON_GET}: nr_spis (0) + 32 private IRQs: 32, below the settable range", setup=(DEVICE,),
         check=scratch_holds(32), basis="code", group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-get-set", ioctl=GET, condition="GET after setting 128", arch=("arm64",), features=("vgic-v2",),
         call=nr_irqs(GET), errno=0, cite=f"{COMMON_GET}: nr_spis + 32", setup=(DEVICE, nr_irqs(SET, 128)),
         check=scratch_holds(128), basis="code", group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-get-default", ioctl=GET, condition="GET after CTRL_INIT without NR_IRQS", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(GET), errno=0, cite=f"{INIT}: the default is VGIC_NR_IRQS_LEGACY (256)",
         setup=INITIALISED, check=scratch_holds(256), basis="code", group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-get-bad-pointer", ioctl=GET, condition="attr.addr pointing at a guard page", arch=("arm64",),
         features=("vgic-v2",), call=nr_irqs(GET, pointer=BAD_POINTER), errno=EFAULT, cite=f"{COMMON_GET}: put_user",
         setup=(DEVICE,), basis="code", group=NR_IRQS_G, device_doc=DOC),
    Case(id="nr-irqs-has", ioctl=HAS, condition="NR_IRQS", arch=("arm64",), features=("vgic-v2",), call=nr_irqs(HAS),
         errno=0, cite="api.rst 4.81; vgic-kvm-device.c vgic_v2_has_attr", setup=(DEVICE,), group=NR_IRQS_G,
         device_doc=DOC),

    # === KVM_DEV_ARM_VGIC_GRP_CTRL =========================================================================
    Case(id="ctrl-init", ioctl=SET, condition="CTRL_INIT with a vCPU and both addresses set", arch=("arm64",),
         features=("vgic-v2",), call=ctrl(), errno=0,
         cite=f"{CTL}: KVM_DEV_ARM_VGIC_CTRL_INIT requests the initialization of the VGIC", setup=(*ONE, *BOTH_ADDRS),
         group=CTRL_G, device_doc=DOC),
    # arm-vgic.rst's ENXIO ("not properly configured as required prior to calling this attribute") names no
    # configuration, and nothing in the document orders the addresses before CTRL_INIT (QEMU inits first, then
    # sets them): a GICv2's addresses are the first KVM_RUN's requirement, as arm_vgic_v3 reads the same row.
    Case(id="ctrl-init-addresses-unset", ioctl=SET, condition="CTRL_INIT with neither DIST nor CPU address set",
         arch=("arm64",), features=("vgic-v2",), call=ctrl(), errno=0,
         cite=f"{INIT} tests no configuration for a GICv2 (the addresses are checked at the first KVM_RUN)", setup=ONE,
         basis="code", group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-init-then-run-addresses-unset", ioctl="KVM_RUN",
         condition="first KVM_RUN after CTRL_INIT with no address set", arch=("arm64",), features=("vgic-v2",),
         call=RAN, errno=ENXIO, cite="vgic-v2.c: vgic_v2_map_resources (where a GICv2's addresses are checked)",
         setup=(INIT_VCPU, DEVICE, ctrl()), basis="code", group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-init-no-vcpu", ioctl=SET, condition="CTRL_INIT with no vCPU created", arch=("arm64",),
         features=("vgic-v2",), call=ctrl(), errno=ENODEV, cite=f"{CTL}, Errors: ENODEV (no online VCPU)",
         setup=(DEVICE, *BOTH_ADDRS),
         deviation=Deviation(f"{CTL} gives ENODEV without an online vCPU; {INIT} only compares created_vcpus with "
                             "online_vcpus (EBUSY while one is being created) and initialises a vGIC for zero vCPUs",
                             SUCCEEDS), group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-init-no-vcpu-then-vcpu", ioctl="KVM_CREATE_VCPU", condition="a vCPU after CTRL_INIT with none",
         arch=("arm64",), features=("vgic-v2",), call=create_vcpu(0), errno=EBUSY,
         cite="arm.c: kvm_arch_vcpu_precreate (vgic_initialized): the VM can never have a vCPU", setup=(DEVICE, ctrl()),
         basis="code", group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-init-twice", ioctl=SET, condition="CTRL_INIT a second time", arch=("arm64",), features=("vgic-v2",),
         call=ctrl(), errno=0, cite=f"{INIT}: an initialised vGIC returns 0", setup=INITIALISED, basis="code",
         group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-init-then-vcpu", ioctl="KVM_CREATE_VCPU", condition="a second vCPU after CTRL_INIT", arch=("arm64",),
         features=("vgic-v2",), call=create_vcpu(1), errno=EBUSY,
         cite="arm.c: kvm_arch_vcpu_precreate (vgic_initialized)", setup=INITIALISED, basis="code", group=CTRL_G,
         device_doc=DOC),
    Case(id="ctrl-init-ignores-addr", ioctl=SET, condition="CTRL_INIT with attr.addr pointing at a guard page",
         arch=("arm64",), features=("vgic-v2",), call=ctrl(pointer=BAD_POINTER), errno=0,
         cite=f"{CTL}: no additional parameter in kvm_device_attr.addr", setup=ONE, group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-has-init", ioctl=HAS, condition="CTRL_INIT", arch=("arm64",), features=("vgic-v2",), call=ctrl(HAS),
         errno=0, cite="api.rst 4.81; vgic-kvm-device.c vgic_v2_has_attr", setup=(DEVICE,), group=CTRL_G,
         device_doc=DOC),
    Case(id="ctrl-get-init", ioctl=GET, condition="GET of CTRL_INIT", arch=("arm64",), features=("vgic-v2",),
         call=ctrl(GET), errno=ENXIO,
         cite=f"{COMMON_GET}: no CTRL group for GET (api.rst 4.80: ENXIO for an unsupported attribute)",
         setup=(DEVICE,), basis="code", group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-save-pending-tables", ioctl=SET, condition="KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES (a GICv3 attribute)",
         arch=("arm64",), features=("vgic-v2",), call=ctrl(which=arm64.KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES),
         errno=ENXIO, cite=f"{COMMON_SET}: vgic_check_type(VGIC_V3) fails for a GICv2", setup=INITIALISED, basis="code",
         group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-unknown-attr", ioctl=SET, condition="CTRL attribute 0xff", arch=("arm64",), features=("vgic-v2",),
         call=ctrl(which=0xFF), errno=ENXIO,
         cite=f"{COMMON_SET}: default (api.rst 4.80: ENXIO for an unknown attribute)", setup=ONE, basis="code",
         group=CTRL_G, device_doc=DOC),
    Case(id="ctrl-has-save-pending-tables", ioctl=HAS, condition="KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES",
         arch=("arm64",), features=("vgic-v2",), call=ctrl(HAS, which=arm64.KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES),
         errno=ENXIO, cite="vgic-kvm-device.c: vgic_v2_has_attr knows CTRL_INIT only", setup=(DEVICE,), basis="code",
         group=CTRL_G, device_doc=DOC),

    # === groups of the GICv3 device ========================================================================
    *(Case(id=f"v3-group-{n}", ioctl=SET, condition=f"group {n} ({name}) on the GICv2 device", arch=("arm64",),
           features=("vgic-v2",), call=attr(SET, n, 0, 0, text="attr 0"), errno=ENXIO,
           cite=f"api.rst 4.80, Errors: ENXIO (unknown group); vgic_v2_set_attr passes it to {COMMON_SET}", setup=ONE)
      for n, name in ((arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, "REDIST_REGS"),
                      (arm64.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, "CPU_SYSREGS"),
                      (arm64.KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, "LEVEL_INFO"))),

    # === KVM_DEV_ARM_VGIC_GRP_ADDR: the CPU interface frame's size ==========================================
    Case(id="addr-cpu-4k-frame-fits", ioctl=SET,
         condition="CPU interface at 2^40 - 4 KiB in a default VM (6.1's 4 KByte frame)", arch=("arm64",),
         features=("vgic-v2",), call=set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, ipa_end(minus=0x1000)), errno=0,
         cite=f"{A} (6.1): the CPU interface region covers 4 KByte, so it ends at the 40-bit IPA limit",
         setup=(DEVICE,),
         deviation=Deviation(f"6.1's {A} says the CPU interface region covers 4 KByte; vgic-kvm-device.c "
                             "kvm_vgic_addr checks KVM_VGIC_V2_CPU_SIZE (8 KiB) and answers E2BIG (6.12's text "
                             "says 8 KByte)", E2BIG), group=ADDR, device_doc=DOC, kernels="6.1"),
    Case(id="addr-cpu-8k-frame-beyond", ioctl=SET,
         condition="CPU interface at 2^40 - 4 KiB in a default VM (an 8 KByte frame)", arch=("arm64",),
         features=("vgic-v2",), call=set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, ipa_end(minus=0x1000)), errno=E2BIG,
         cite=f"{A} (6.12+): the region covers 8 KByte; Errors: E2BIG (outside the addressable IPA range)",
         setup=(DEVICE,), group=ADDR, device_doc=DOC, kernels="6.12+"),
    Case(id="addr-cpu-8k-frame-ends-at-limit", ioctl=SET, condition="CPU interface at 2^40 - 8 KiB", arch=("arm64",),
         features=("vgic-v2",), call=set_attr(arm64.KVM_VGIC_V2_ADDR_TYPE_CPU, ipa_end(minus=0x2000)), errno=0,
         cite=f"{A}: 4K aligned, and an 8 KiB frame ending at the IPA limit is inside it", setup=(DEVICE,), group=ADDR,
         device_doc=DOC),
]

# --- "One or more VCPUs are running": vCPU 0 asleep in KVM_RUN (WFI) on a second thread of the agent -----------

LOCKED = (f"{ACCESS} tries every vCPU's mutex with mutex_trylock after kvm->lock (vgic-kvm-device.c lock_all_vcpus "
          "in 6.1, arm.c lock_all_vcpus in 6.12, kvm_main.c kvm_trylock_all_vcpus in 7.2); a running vCPU holds its "
          "mutex for the whole KVM_RUN (kvm_main.c kvm_vcpu_ioctl)")
RUNNING = (*ONE, *BOTH_ADDRS, vcpu_busy())

CASES += [
    Case(id="dist-get-vcpu-running", ioctl=GET, condition="GICD_CTLR while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-v2",), call=dist(GET, GICD_CTLR), errno=EBUSY,
         cite=f"{D_REGS}, Errors: EBUSY (one or more VCPUs are running); {LOCKED}", setup=RUNNING, group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="dist-set-vcpu-running", ioctl=SET,
         condition="GICD_CTLR written while vCPU 0 is in KVM_RUN on another thread", arch=("arm64",),
         features=("vgic-v2",), call=dist(SET, GICD_CTLR, 1), errno=EBUSY,
         cite=f"{D_REGS}, Errors: EBUSY (one or more VCPUs are running); {LOCKED}", setup=RUNNING, group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="cpu-get-vcpu-running", ioctl=GET, condition="GICC_CTLR while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-v2",), call=cpu(GET, GICC_CTLR), errno=EBUSY,
         cite=f"{C_REGS}, Errors: EBUSY (one or more VCPUs are running); {LOCKED}", setup=RUNNING, group=CPU_REGS_G,
         device_doc=DOC),
    Case(id="cpu-has-vcpu-running", ioctl=HAS, condition="GICC_CTLR while vCPU 0 is in KVM_RUN on another thread",
         arch=("arm64",), features=("vgic-v2",), call=cpu(HAS, GICC_CTLR), errno=0,
         cite=f"{HAS_REGS}: HAS looks the register up without taking any vCPU's mutex", setup=RUNNING, basis="code",
         group=CPU_REGS_G, device_doc=DOC),
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

