"""KVM_CREATE_DEVICE of devices without a module of their own (unknown types, VFIO), and KVM_{SET,GET,HAS}_DEVICE_ATTR
where no device document applies (the ioctls on fds of other kinds, unknown groups)."""

from __future__ import annotations

import errno
from errno import E2BIG, EBUSY, EEXIST, EFAULT, EINVAL, ENODEV, ENOMEM, ENXIO, EPERM

from abi import arm64, kvm, x86
from abi.spec.case import Case, Deviation, DocumentedError, Unreachable
from abi.spec.steps import vcpu_attributes
from abi.spec.steps.base import BAD_POINTER, scratch_reads, u64
from abi.spec.steps.capabilities import BITMAP_KERNELS, ITS_SAVE, ITS_WRITE, RING_BITMAP_ITS, _log_again_dirty
from abi.spec.steps.device import GET, HAS, SET, device_attr
from abi.spec.steps.device_addr import VGIC_RST
from abi.spec.steps.gic import G_CTRL, V2_DIST, D, addr_attr, vgic_attr
from abi.spec.steps.memory import ACQ_REL, RING, WITH_BITMAP
from abi.spec.steps.vcpu import INIT_VCPU
from abi.spec.steps.vcpu_attributes import SMCCC_CTRL, SMCCC_FILTER, VENDOR_HYP, smccc_filter, vcpu_attr
from abi.spec.steps.vgic_v2 import COMMON_SET, ONE
from abi.spec.steps.vgic_v3 import CREATED, PLACED, V5_DOC, V5_REASON, maint_irq
from abi.spec.steps.vm import VCPU0, create_device
from abi.spec.steps.x86_vm import _ATTR_ROWS, ATTR, CREATE_DEVICE_DOC, HAS_ATTR, VFIO


def _unreachable(doc: str, group: str, errno: int, reason: str) -> Unreachable:
    return Unreachable("KVM_SET_DEVICE_ATTR", errno, reason, arch="arm64", device_doc=doc, group=group)


def _dirty_log_and_its() -> list[Case]:
    """KVM_GET_DIRTY_LOG and the ITS's KVM_SET_DEVICE_ATTR(ITS_SAVE_TABLES) around the ring's backup bitmap (7.36
    rules 6 and 7), and 6.1's rule 4."""
    return [
        Case(id="its-save-after-collection", ioctl="KVM_SET_DEVICE_ATTR",
             condition="ITS_SAVE_TABLES after KVM_GET_DIRTY_LOG collected "
             "the ring's backup bitmap", arch=("arm64",), features=("vgic-v3",), call=ITS_SAVE, errno=0,
             cite=f"{RING}: 'Collecting the dirty bitmap should be the very last thing that the VMM does' (a rule for "
             f"userspace: the save is accepted, {ITS_WRITE}; the next KVM_GET_DIRTY_LOG has the table pages)",
             setup=RING_BITMAP_ITS, check=_log_again_dirty, order_row=6, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             kernels=BITMAP_KERNELS, needs=ACQ_REL + WITH_BITMAP),
    ]


def _devices() -> list[Case]:
    return [
        Case(id="device-type-unknown", ioctl="KVM_CREATE_DEVICE",
             condition="type KVM_DEV_TYPE_ARM_VGIC_V2 on x86 (no such device "
             "here)", arch=("x86_64",), call=create_device(kvm.KVM_DEV_TYPE_ARM_VGIC_V2),
             errno=errno.ENODEV,
             cite=f"{CREATE_DEVICE_DOC} Errors: ENODEV 'The device type is unknown or unsupported'; kvm_main.c: "
             "kvm_ioctl_create_device (no ops for the type)"),
        Case(id="device-type-out-of-range", ioctl="KVM_CREATE_DEVICE",
             condition="type 0x7fff (past kvm_device_ops_table)", arch=("x86_64", "riscv64"),
             call=create_device(0x7FFF), errno=errno.ENODEV,
             cite=f"{CREATE_DEVICE_DOC} Errors: ENODEV 'The device type is unknown or unsupported'"),
        Case(id="vfio-device", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_VFIO", arch=("x86_64",), call=VFIO,
             errno=0, cite=CREATE_DEVICE_DOC),
        Case(id="vfio-device-unsupported", ioctl="KVM_CREATE_DEVICE",
             condition="KVM_DEV_TYPE_VFIO where the architecture's KVM has no VFIO device", arch=("riscv64",),
             call=VFIO, errno=errno.ENODEV,
             cite=f"{CREATE_DEVICE_DOC} Errors: ENODEV 'The device type is unknown or unsupported'; arch/riscv/kvm/"
             "Kconfig does not select KVM_VFIO (6.12, 7.2), so kvm_vfio_ops_init never registers the type and "
             "kvm_ioctl_create_device finds no ops"),
        Case(id="vfio-device-twice", ioctl="KVM_CREATE_DEVICE", condition="a second KVM_DEV_TYPE_VFIO (one per VM)",
             arch=("x86_64",), call=VFIO, errno=errno.EEXIST,
             cite=f"{CREATE_DEVICE_DOC} Errors: EEXIST 'Device already created, and this type of device may not be "
             "instantiated multiple times'", setup=(VFIO,),
             deviation=Deviation(f"{CREATE_DEVICE_DOC} documents EEXIST for a device type that may not be instantiated "
                                 "twice; "
                                 "vfio.c kvm_vfio_create refuses a second VFIO device of a VM with EBUSY (6.1, "
                                 "6.12, 7.2)", EBUSY)),
        Case(id="vfio-attr-unknown-group", ioctl="KVM_SET_DEVICE_ATTR", condition="VFIO device, group 99",
             arch=("x86_64",), call=device_attr(SET, 99, 0), errno=ENXIO,
             cite=f"{ATTR} Errors: ENXIO 'The group or attribute is unknown/unsupported for this device'; vfio.c: "
             "kvm_vfio_set_attr", setup=(VFIO,)),
        Case(id="vfio-get-attr", ioctl="KVM_GET_DEVICE_ATTR",
             condition="VFIO device, which has no readable attribute (no get_attr)", arch=("x86_64",),
             call=device_attr(GET, 1, 1), errno=EPERM,
             cite=f"{ATTR} Errors: EPERM 'The attribute cannot (currently) be accessed this way (e.g. read-only "
             "attribute ...)'; kvm_main.c: kvm_device_ioctl_attr (no accessor: EPERM)", setup=(VFIO,)),
        Case(id="vfio-has-attr-unknown-group", ioctl="KVM_HAS_DEVICE_ATTR", condition="VFIO device, group 99",
             arch=("x86_64",), call=device_attr(HAS, 99, 0), errno=ENXIO,
             cite=f"{HAS_ATTR} Errors: ENXIO 'The group or attribute is unknown/unsupported for this device'; vfio.c: "
             "kvm_vfio_has_attr (default: -ENXIO)", setup=(VFIO,)),
        Case(id="vcpu-has-attr-unknown-group", ioctl="KVM_HAS_DEVICE_ATTR", condition="vCPU fd, group 99",
             arch=("x86_64",), call=vcpu_attributes.vcpu_attr(HAS, 99, 0, bytes(8)), errno=ENXIO,
             cite=f"{HAS_ATTR} Errors: ENXIO; x86.c: kvm_vcpu_ioctl_device_attr (group != KVM_VCPU_TSC_CTRL)",
             setup=(VCPU0,)),
        Case(id="vcpu-attr-unknown-group", ioctl="KVM_SET_DEVICE_ATTR",
             condition="vCPU fd, group 99 (x86 has KVM_VCPU_TSC_CTRL)", arch=("x86_64",),
             call=vcpu_attributes.vcpu_attr(SET, 99, 0, bytes(8)), errno=ENXIO,
             cite=f"{ATTR} Errors: ENXIO; x86.c: kvm_vcpu_ioctl_device_attr (group != KVM_VCPU_TSC_CTRL)",
             setup=(VCPU0,)),
        Case(id="vcpu-attr-unknown-attr", ioctl="KVM_GET_DEVICE_ATTR", condition="vCPU fd, KVM_VCPU_TSC_CTRL attr 99",
             arch=("x86_64",), call=vcpu_attributes.vcpu_attr(GET, x86.KVM_VCPU_TSC_CTRL, 99, bytes(8), name="attr 99"),
             errno=ENXIO,
             cite=f"{ATTR} Errors: ENXIO; x86.c: kvm_arch_tsc_get_attr (unknown attr)", setup=(VCPU0,)),
    ]


CASES: list[Case] = [
    Case(id="attr-unknown-group", ioctl="KVM_SET_DEVICE_ATTR", condition="group 0xffff", arch=("arm64",),
         features=("vgic-v2",), call=device_attr(SET, 0xFFFF, V2_DIST, D), errno=ENXIO,
         cite="api.rst 4.80, Errors: ENXIO",
         setup=(create_device(),)),
    Case(id="attr-get-unset", ioctl="KVM_GET_DEVICE_ATTR", condition="DIST before it is set reads back as all ones",
         arch=("arm64",), features=("vgic-v2",), call=addr_attr(V2_DIST, request=GET), errno=0,
         cite="vgic-init.c: kvm_vgic_create stores VGIC_ADDR_UNDEF (-1); kvm_vgic_addr reads it",
         setup=(create_device(),), check=scratch_reads(0xFFFFFFFFFFFFFFFF), basis="code"),
    Case(id="attr-has-dist", ioctl="KVM_HAS_DEVICE_ATTR", condition="DIST", arch=("arm64",), features=("vgic-v2",),
         call=addr_attr(V2_DIST, request=HAS), errno=0, cite="api.rst 4.81", setup=(create_device(),)),
    Case(id="attr-has-unknown", ioctl="KVM_HAS_DEVICE_ATTR", condition="attr 2", arch=("arm64",), features=("vgic-v2",),
         call=addr_attr(2, request=HAS), errno=ENXIO, cite="api.rst 4.81, Errors: ENXIO", setup=(create_device(),)),
    # === groups of the GICv3 device ========================================================================
    *(Case(id=f"v3-group-{n}", ioctl=SET, condition=f"group {n} ({name}) on the GICv2 device", arch=("arm64",),
           features=("vgic-v2",), call=vgic_attr(SET, n, 0, 0), errno=ENXIO,
           cite=f"api.rst 4.80, Errors: ENXIO (unknown group); vgic_v2_set_attr passes it to {COMMON_SET}", setup=ONE)
      for n, name in ((arm64.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, "REDIST_REGS"),
                      (arm64.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, "CPU_SYSREGS"),
                      (arm64.KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, "LEVEL_INFO"))),
    Case(id="unknown-group", ioctl=SET, condition="group 99", arch=("arm64",), features=("vgic-v3",),
         call=vgic_attr(SET, 99, 0, device="vgic"), errno=ENXIO, cite="vgic-kvm-device.c: vgic_set_common_attr",
         setup=CREATED,
         basis="code"),
    Case(id="maint-irq-unknown-group", ioctl=SET,
         condition="group 9 (KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ from 7.x) on 6.1 and 6.12", arch=("arm64",),
         features=("vgic-v3",), call=maint_irq(20), errno=ENXIO,
         cite="vgic-kvm-device.c: vgic_set_common_attr (no such group before it)", setup=PLACED, basis="code",
         kernels="6.1, 6.12"),
    Case(id="vcpu-unknown-group", ioctl=SET, condition="group 0x100 on an arm64 vCPU", arch=("arm64",),
         call=vcpu_attr(SET, 0x100, 0, u64(0)), errno=ENXIO,
         cite="guest.c: kvm_arm_vcpu_arch_set_attr default (api.rst 4.80: group unknown)", setup=(INIT_VCPU,),
         basis="code"),
    Case(id="vcpu-unknown-group-get", ioctl=GET, condition="group 0x100 on an arm64 vCPU", arch=("arm64",),
         call=vcpu_attr(GET, 0x100, 0), errno=ENXIO, cite="guest.c: kvm_arm_vcpu_arch_get_attr default",
         setup=(INIT_VCPU,),
         basis="code"),
    Case(id="vcpu-unknown-group-has", ioctl=HAS, condition="group 0x100 on an arm64 vCPU", arch=("arm64",),
         call=vcpu_attr(HAS, 0x100, 0), errno=ENXIO, cite="guest.c: kvm_arm_vcpu_arch_has_attr default",
         setup=(INIT_VCPU,),
         basis="code"),
    Case(id="vcpu-attr-struct-bad-pointer", ioctl=SET, condition="the struct kvm_device_attr unreadable",
         arch=("arm64",), call=device_attr(SET, 0, 0, on="vcpu", struct_at=BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl, copy_from_user (api.rst 4.80 lists EFAULT for attr->addr only)",
         setup=(INIT_VCPU,), basis="code"),
    Case(id="vm-unknown-group", ioctl=SET, condition="group 1 on an arm64 VM fd", arch=("arm64",),
         call=device_attr(SET, 1, 0, u64(0), on="vm"), errno=ENXIO, cite="arm.c: kvm_vm_set_attr default",
         basis="code",
         kernels="6.4+"),
    Case(id="vm-attr-6.1", ioctl=SET, condition="KVM_SET_DEVICE_ATTR on a 6.1 arm64 VM fd", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=EINVAL,
         cite="arm.c (6.1): kvm_arch_vm_ioctl has no device attributes; its default is EINVAL", basis="code",
         kernels="6.1"),
    *_dirty_log_and_its(),
    *_devices(),
]

UNREACHABLE = [
    *(_unreachable(V5_DOC, G_CTRL, e, V5_REASON) for e in (ENXIO, ENODEV, ENOMEM, EFAULT, EBUSY)),
    # arm-vgic-v5.rst's KVM_DEV_ARM_VGIC_CTRL_INIT "must be called after all VCPUs have been created"
    Unreachable("KVM_SET_DEVICE_ATTR", 0, V5_REASON, arch="arm64", device_doc=V5_DOC, group=G_CTRL, order_row=1),
    Unreachable("KVM_SET_DEVICE_ATTR", EPERM,
                "(6.12+ row) no arm64 attribute handler returns EPERM in 6.12 or 7.2 (arm.c vCPU/VM attrs, "
                "guest.c, pmu-emul.c, arch_timer.c, pvtime.c, vgic/*.c): the EPERMs in arch/arm64/kvm are "
                "SVE finalization, pKVM and stage-2 paths, none behind KVM_SET_DEVICE_ATTR", arch="arm64"),
    # 6.1's 4.80 names no architectures, so its rows are riscv's too (6.12 and later name x86, arm64, s390).
    Unreachable("KVM_SET_DEVICE_ATTR", EPERM,
                "(6.1's row) no riscv attribute handler returns EPERM: aia_device.c's set_attr (the one riscv "
                "device, 6.5+) answers EINVAL, ENXIO, EBUSY or EFAULT only, riscv has no VFIO device (its Kconfig "
                "selects no KVM_VFIO) and no vCPU or VM attributes", arch="riscv64"),
]

DOCUMENTED = [
    DocumentedError("KVM_SET_DEVICE_ATTR", E2BIG, "Address outside of addressable IPA range", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", EINVAL, "Incorrectly aligned address", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", EEXIST, "Address already configured", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", ENXIO, "The group or attribute is unknown/unsupported", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", EFAULT, "Invalid user pointer for attr->addr", VGIC_RST),
    *(DocumentedError(n, e, c, ATTR) for n in ("KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR") for e, c in _ATTR_ROWS),
]
