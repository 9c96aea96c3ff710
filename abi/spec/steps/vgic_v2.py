"""The vGICv2 device fd (KVM_DEV_TYPE_ARM_VGIC_V2): register attributes, NR_IRQS and CTRL, the GICv2 frames."""

from __future__ import annotations

import struct

from abi import arm64, kvm
from abi.spec.case import Scene, Step, Val
from abi.spec.steps.base import step
from abi.spec.steps.device import GET, SET
from abi.spec.steps.gic import (
    G_ADDR,
    G_CTRL,
    G_NR_IRQS,
    GICD_CTLR,
    GICD_IGROUPR,
    GICD_IIDR,
    GICD_ISENABLER,
    GICD_TYPER,
    V2_CPU,
    V2_DIST,
    VGIC_INIT,
    C,
    D,
    addr_attr,
    vgic_attr,
)
from abi.spec.steps.vcpu import vcpu_busy
from abi.spec.steps.vm import create_device, create_vcpu, create_vcpus
from abi.target.base import Result

DOC = "arm-vgic.rst"

DIST_REGS_G = "KVM_DEV_ARM_VGIC_GRP_DIST_REGS"

CPU_REGS_G = "KVM_DEV_ARM_VGIC_GRP_CPU_REGS"

ACCESS = "vgic-kvm-device.c: vgic_v2_attr_regs_access"

PARSE = "vgic-kvm-device.c: vgic_v2_parse_attr (kvm_get_vcpu_by_id)"

HAS_REGS = "vgic-mmio-v2.c: vgic_v2_has_attr_regs"

UACCESS = "vgic-mmio.c: vgic_uaccess_read/_write (no region: read as 0, write ignored, success)"

COMMON_SET = "vgic-kvm-device.c: vgic_set_common_attr"

COMMON_GET = "vgic-kvm-device.c: vgic_get_common_attr"

INIT_FN = "vgic-init.c: vgic_init"

MISC = "vgic-mmio-v2.c: vgic_mmio_uaccess_write_v2_misc"

VCPUIF = "vgic-mmio-v2.c: vgic_mmio_read_vcpuif/vgic_mmio_write_vcpuif"

# Register offsets (GICv2 architecture specification; the kernel's include/linux/irqchip/arm-gic.h names them):
# the distributor's banked registers by their index, the CPU interface's, and a distributor offset no register
# occupies.
GICD_IGROUPR1 = GICD_IGROUPR + 4

GICD_ISENABLER0, GICD_ISENABLER1, GICD_ISENABLER2 = GICD_ISENABLER, GICD_ISENABLER + 4, GICD_ISENABLER + 8

GICD_RESERVED_V2 = 0x010  # between GICD_IIDR and GICD_IGROUPR: no register in the table

GICC_CTLR, GICC_PMR, GICC_IAR, GICC_APR0, GICC_APR3, GICC_IIDR, GICC_DIR = 0x00, 0x04, 0x0C, 0xD0, 0xDC, 0xFC, 0x1000

REG_NAMES = {
    "DIST": {GICD_CTLR: "GICD_CTLR", GICD_TYPER: "GICD_TYPER", GICD_IIDR: "GICD_IIDR", GICD_IGROUPR1: "GICD_IGROUPR1",
             GICD_ISENABLER0: "GICD_ISENABLER0", GICD_ISENABLER1: "GICD_ISENABLER1",
             GICD_ISENABLER2: "GICD_ISENABLER2", GICD_RESERVED_V2: "reserved offset 0x10"},
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

def dist(ioctl: str, offset: int, value=None, vcpu: int = 0, reserved: int = 0, pointer: Val | None = None,
         ok_errno: int = 0) -> Step:
    name = REG_NAMES["DIST"].get(offset, f"offset {offset:#x}")
    text = f"{name} of vcpu {vcpu}" + (f", reserved bits {reserved:#x}" if reserved else "")
    return vgic_attr(ioctl, arm64.KVM_DEV_ARM_VGIC_GRP_DIST_REGS, reg(offset, vcpu, reserved), value, name=text,
                     pointer=pointer, ok_errno=ok_errno)

def cpu(ioctl: str, offset: int, value=None, vcpu: int = 0, pointer: Val | None = None) -> Step:
    name = REG_NAMES["CPU"].get(offset, f"offset {offset:#x}")
    return vgic_attr(ioctl, arm64.KVM_DEV_ARM_VGIC_GRP_CPU_REGS, reg(offset, vcpu), value,
                     name=f"{name} of vcpu {vcpu}", pointer=pointer)

def iidr_written_back() -> Step:
    """Read GICD_IIDR and write the value back: what arm-vgic.rst asks userspace to do first."""
    def run(s: Scene) -> Result:
        got = dist(GET, GICD_IIDR)(s)
        if not got.ok:
            return got
        value = struct.unpack("<I", s.target.read(s.scratch(), 4))[0]
        return dist(SET, GICD_IIDR, value)(s)

    return step("GET GICD_IIDR and SET it back", run)

CREATE_V2 = create_device(kvm.KVM_DEV_TYPE_ARM_VGIC_V2)

ONE = (create_vcpu(0), CREATE_V2)  # QEMU's order: the vCPUs, then the GIC

TWO = (create_vcpus(2), CREATE_V2)

BOTH_ADDRS = (addr_attr(V2_DIST, D), addr_attr(V2_CPU, C))

INITIALISED = (*ONE, VGIC_INIT)

D_REGS = f"{DOC} {DIST_REGS_G}"

C_REGS = f"{DOC} {CPU_REGS_G}"

NRQ = f"{DOC} {G_NR_IRQS}"

CTL = f"{DOC} {G_CTRL}"

A = f"{DOC} {G_ADDR}"

UNSUPPORTED_DEV = ("{doc}, Errors: ENXIO when getting or setting a register that is not supported; vgic-mmio.c "
                   "vgic_uaccess_read/_write find no region for the offset and return 0 (a read gives 0, a write is "
                   f"dropped); only KVM_HAS_DEVICE_ATTR answers ENXIO ({HAS_REGS})")

REGS_LOCKED_V2 = (f"{ACCESS} tries every vCPU's mutex with mutex_trylock after kvm->lock (vgic-kvm-device.c "
                  "lock_all_vcpus in 6.1, arm.c lock_all_vcpus in 6.12, kvm_main.c kvm_trylock_all_vcpus in 7.2); a "
                  "running vCPU holds its mutex for the whole KVM_RUN (kvm_main.c kvm_vcpu_ioctl)")

RUNNING_V2 = (*ONE, *BOTH_ADDRS, vcpu_busy())
