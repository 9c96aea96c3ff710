"""The vGICv2 device fd (KVM_DEV_TYPE_ARM_VGIC_V2): register attributes, NR_IRQS and CTRL, the GICv2 frames."""

from __future__ import annotations

import struct

from abi import arm64, kvm
from abi.spec.case import Scene, Step, Val, val
from abi.spec.steps.base import step
from abi.spec.steps.device import set_attr
from abi.spec.steps.vcpu import vcpu_busy
from abi.spec.steps.vm import create_device, create_vcpu, create_vcpus
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

D_REGS = f"{DOC} {DIST_REGS_G}"

C_REGS = f"{DOC} {CPU_REGS_G}"

NRQ = f"{DOC} {NR_IRQS_G}"

CTL = f"{DOC} {CTRL_G}"

A = f"{DOC} {ADDR}"

UNSUPPORTED_DEV = ("{doc}, Errors: ENXIO when getting or setting a register that is not supported; vgic-mmio.c "
                   "vgic_uaccess_read/_write find no region for the offset and return 0 (a read gives 0, a write is "
                   f"dropped); only KVM_HAS_DEVICE_ATTR answers ENXIO ({HAS_REGS})")

LOCKED = (f"{ACCESS} tries every vCPU's mutex with mutex_trylock after kvm->lock (vgic-kvm-device.c lock_all_vcpus "
          "in 6.1, arm.c lock_all_vcpus in 6.12, kvm_main.c kvm_trylock_all_vcpus in 7.2); a running vCPU holds its "
          "mutex for the whole KVM_RUN (kvm_main.c kvm_vcpu_ioctl)")

RUNNING = (*ONE, *BOTH_ADDRS, vcpu_busy())
