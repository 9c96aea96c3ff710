"""What the vGIC devices share (arm-vgic.rst, arm-vgic-v3.rst, arm-vgic-its.rst): the attribute groups common to
them (addresses, CTRL, NR_IRQS) and their names, QEMU virt's GIC frames, the distributor's register offsets."""

from __future__ import annotations

from abi import arm64
from abi.spec.case import Step, Val
from abi.spec.steps.device import SET, device_attr

GRP_ADDR, GRP_NR_IRQS, GRP_CTRL = (arm64.KVM_DEV_ARM_VGIC_GRP_ADDR, arm64.KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
                                   arm64.KVM_DEV_ARM_VGIC_GRP_CTRL)

GROUP_NAMES = {GRP_ADDR: "ADDR", arm64.KVM_DEV_ARM_VGIC_GRP_DIST_REGS: "DIST_REGS",
               arm64.KVM_DEV_ARM_VGIC_GRP_CPU_REGS: "CPU_REGS", arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS: "REDIST_REGS",
               arm64.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS: "CPU_SYSREGS", GRP_NR_IRQS: "NR_IRQS", GRP_CTRL: "CTRL",
               arm64.KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO: "LEVEL_INFO", arm64.KVM_DEV_ARM_VGIC_GRP_ITS_REGS: "ITS_REGS",
               arm64.KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ: "MAINT_IRQ"}

# The groups as the documents name them (a case's `group`).
G_ADDR, G_NR_IRQS, G_CTRL = "KVM_DEV_ARM_VGIC_GRP_ADDR", "KVM_DEV_ARM_VGIC_GRP_NR_IRQS", "KVM_DEV_ARM_VGIC_GRP_CTRL"

# The address types of the ADDR group, GICv2's, GICv3's and the ITS's: each has a number of its own, and a type
# of one version given to another's device is a case, so the names say the version.
ADDR_TYPE_NAMES = {arm64.KVM_VGIC_V2_ADDR_TYPE_DIST: "V2_DIST", arm64.KVM_VGIC_V2_ADDR_TYPE_CPU: "V2_CPU",
                   arm64.KVM_VGIC_V3_ADDR_TYPE_DIST: "V3_DIST", arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST: "V3_REDIST",
                   arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION: "V3_REDIST_REGION", arm64.KVM_VGIC_ITS_ADDR_TYPE: "ITS"}

V2_DIST, V2_CPU = arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, arm64.KVM_VGIC_V2_ADDR_TYPE_CPU

V3_DIST, V3_REDIST, V3_REGION = (arm64.KVM_VGIC_V3_ADDR_TYPE_DIST, arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST,
                                 arm64.KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION)

CTRL_INIT = arm64.KVM_DEV_ARM_VGIC_CTRL_INIT

# The CTRL group's attributes, the vGIC's and the ITS's: each has a number of its own.
CTRL_NAMES = {CTRL_INIT: "CTRL_INIT", arm64.KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES: "SAVE_PENDING_TABLES",
              arm64.KVM_DEV_ARM_ITS_CTRL_RESET: "ITS_CTRL_RESET", arm64.KVM_DEV_ARM_ITS_SAVE_TABLES: "ITS_SAVE_TABLES",
              arm64.KVM_DEV_ARM_ITS_RESTORE_TABLES: "ITS_RESTORE_TABLES"}

# QEMU virt's GIC layout, in range for any IPA size: the distributor (GICv2 and GICv3 alike), GICv2's CPU interface,
# the ITS, GICv3's redistributor region.
D, C, ITS_BASE, R3 = 0x08000000, 0x08010000, 0x08080000, 0x080A0000

# Distributor register offsets, the same in GICv2 and GICv3 (the kernel's include/linux/irqchip/arm-gic.h and
# arm-gic-v3.h): the set-enable, clear-enable and set-pending banks hold one bit per interrupt.
GICD_CTLR, GICD_TYPER, GICD_IIDR, GICD_IGROUPR = 0x000, 0x004, 0x008, 0x080

GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR = 0x100, 0x180, 0x200


def vgic_attr(request: str, group: int, attr: int, value=None, **kw) -> Step:
    """A vGIC or ITS device attribute (device.device_attr), its group named as the documents name it."""
    return device_attr(request, group, attr, value, group_name=GROUP_NAMES.get(group, f"group {group}"), **kw)


def addr_attr(kind: int, value=None, request: str = SET, **kw) -> Step:
    """An address of KVM_DEV_ARM_VGIC_GRP_ADDR (the device attribute; vm.set_addr is KVM_ARM_SET_DEVICE_ADDR)."""
    return vgic_attr(request, GRP_ADDR, kind, value, name=ADDR_TYPE_NAMES.get(kind, f"type {kind:#x}"), **kw)


def ctrl(attribute: int = CTRL_INIT, request: str = SET, **kw) -> Step:
    return vgic_attr(request, GRP_CTRL, attribute, name=CTRL_NAMES.get(attribute, f"attr {attribute:#x}"), **kw)


def nr_irqs(value: Val | int | None = None, request: str = SET, **kw) -> Step:
    return vgic_attr(request, GRP_NR_IRQS, 0, value, name="nr_irqs", **kw)


VGIC_INIT = ctrl()  # KVM_DEV_ARM_VGIC_CTRL_INIT of the last device: the vGIC's, whichever version the host has
