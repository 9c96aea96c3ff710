"""KVM_ARM_SET_DEVICE_ADDR (the seed ioctl): every documented and implemented outcome of
the legacy vGIC address ioctl, on the GICv2, GICv3 and vGIC-less machines and on x86."""

from __future__ import annotations

from errno import E2BIG, EBUSY, EEXIST, EFAULT, EINVAL, EIO, ENODEV, ENOTTY, ENXIO

from abi import arm64, kvm
from abi.spec.case import (
    DOCUMENT_NAMES_WHAT_HEADERS_LACK,
    DOCUMENT_SILENT,
    SUCCEEDS,
    Case,
    Deviation,
    DocumentedError,
    Finding,
)
from abi.spec.steps.arm64 import ipa
from abi.spec.steps.base import BAD_POINTER, raw
from abi.spec.steps.device_addr import API, D2_REASON, IORANGE, SET_DEVICE_ADDR, VGIC_RST, WRAP
from abi.spec.steps.gic import V2_CPU, V2_DIST, C, D, addr_attr
from abi.spec.steps.vcpu import RAN, kvm_run
from abi.spec.steps.vm import IRQCHIP, create_device, create_vcpu, ipa_end, set_addr, set_addr_at


def _ipa_cases(n) -> list[Case]:
    """The E2BIG rule at one IPA size n: E2BIG iff addr >= 2^n or addr + size > 2^n, so a frame that ends
    exactly at 2^n is accepted and one that straddles it is not (vgic_check_iorange)."""
    t = ipa(n)
    dist, cpu = arm64.KVM_VGIC_V2_DIST_SIZE, arm64.KVM_VGIC_V2_CPU_SIZE
    return [
        Case(id=f"dist-ends-at-ipa-limit-n{n}", ioctl=SET_DEVICE_ADDR,
             condition=f"DIST frame ending exactly at 2^n (n = {n})",
             arch=("arm64",), features=("vgic-v2",), call=set_addr(V2_DIST, ipa_end(minus=dist)), errno=0,
             cite=f"{API}: inside the guest physical address space", setup=(IRQCHIP,), vm_type=t),
        Case(id=f"dist-at-ipa-limit-n{n}", ioctl=SET_DEVICE_ADDR, condition=f"DIST frame starting at 2^n (n = {n})",
             arch=("arm64",), features=("vgic-v2",), call=set_addr(V2_DIST, ipa_end()), errno=E2BIG,
             cite=f"{API}, Errors: E2BIG", setup=(IRQCHIP,), vm_type=t),
        Case(id=f"cpu-ends-at-ipa-limit-n{n}", ioctl=SET_DEVICE_ADDR,
             condition=f"CPU frame (8 KiB) ending exactly at 2^n (n = {n})", arch=("arm64",), features=("vgic-v2",),
             call=set_addr(V2_CPU, ipa_end(minus=cpu)), errno=0, cite=f"{API}: inside the guest physical address space",
             setup=(IRQCHIP,), vm_type=t),
        Case(id=f"cpu-straddles-ipa-limit-n{n}", ioctl=SET_DEVICE_ADDR, condition=f"CPU frame straddling 2^n (n = {n})",
             arch=("arm64",), features=("vgic-v2",), call=set_addr(V2_CPU, ipa_end(minus=dist)), errno=E2BIG,
             cite=f"{API}, Errors: E2BIG", setup=(IRQCHIP,), vm_type=t),
    ]


CASES: list[Case] = [
    # --- success ------------------------------------------------------------------------------------------
    # order_row 1: 4.85's rule "must be called after KVM_CREATE_IRQCHIP, but before calling KVM_RUN"
    Case(id="set-dist", ioctl=SET_DEVICE_ADDR, condition="DIST after KVM_CREATE_IRQCHIP", arch=("arm64",),
         features=("vgic-v2",),
         call=set_addr(V2_DIST, D), errno=0, cite=API, setup=(IRQCHIP,), order_row=1),
    Case(id="set-cpu", ioctl=SET_DEVICE_ADDR, condition="CPU after KVM_CREATE_IRQCHIP", arch=("arm64",),
         features=("vgic-v2",),
         call=set_addr(V2_CPU, C), errno=0, cite=API, setup=(IRQCHIP,), order_row=1),
    Case(id="set-after-create-device", ioctl=SET_DEVICE_ADDR,
         condition="DIST after KVM_CREATE_DEVICE(VGIC_V2) instead of the irqchip", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, D), errno=0,
         cite=f"{VGIC_RST}: the device and the legacy API configure the same vGIC", setup=(create_device(),)),
    # --- the id -------------------------------------------------------------------------------------------
    Case(id="unknown-device-id", ioctl=SET_DEVICE_ADDR, condition="device id 1 (bits 31:16)", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, D, device=1), errno=ENODEV, cite=f"{API}, Errors: ENODEV",
         setup=(IRQCHIP,)),
    Case(id="unknown-device-id-ffff", ioctl=SET_DEVICE_ADDR, condition="device id 0xffff", arch=("arm64",),
         features=("vgic-v2",),
         call=set_addr(V2_DIST, D, device=0xFFFF), errno=ENODEV, cite=f"{API}, Errors: ENODEV", setup=(IRQCHIP,)),
    Case(id="unknown-device-id-no-vgic", ioctl=SET_DEVICE_ADDR, condition="device id 1 on a host without a vGIC",
         arch=("arm64",),
         lacks=("irqchip",), call=set_addr(V2_DIST, D, device=1), errno=ENODEV,
         cite=f"{API}, Errors: ENODEV; arm.c: kvm_vm_ioctl_set_device_addr tests the device id first"),
    Case(id="unknown-address-type", ioctl=SET_DEVICE_ADDR, condition="address type 2 of the VGIC_V2 device",
         arch=("arm64",),
         features=("vgic-v2",), call=set_addr(2, D), errno=ENODEV,
         cite="vgic-kvm-device.c: kvm_set_legacy_vgic_v2_addr default (api.rst names ENODEV for unknown ids only)",
         setup=(IRQCHIP,), basis="code"),
    Case(id="unknown-address-type-ffff", ioctl=SET_DEVICE_ADDR, condition="address type 0xffff", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(0xFFFF, D), errno=ENODEV,
         cite="vgic-kvm-device.c: kvm_set_legacy_vgic_v2_addr default", setup=(IRQCHIP,), basis="code"),
    Case(id="unknown-address-type-no-vgic", ioctl=SET_DEVICE_ADDR, condition="address type 2 on a host without a vGIC",
         arch=("arm64",), lacks=("irqchip",), call=set_addr(2, D), errno=ENXIO,
         cite="arm.c: kvm_vm_ioctl_set_device_addr tests vgic_present before the type", basis="code"),
    Case(id="id-upper-bits-ignored", ioctl=SET_DEVICE_ADDR, condition="id bits 63:32 not zero: what the kernel does",
         arch=("arm64",), features=("vgic-v2",), call=set_addr(V2_CPU, C, high=0xFFFFFFFF), errno=0,
         cite="arm.c: kvm_vm_ioctl_set_device_addr, FIELD_GET(KVM_ARM_DEVICE_ID_MASK / _TYPE_MASK) drops bits 63:32",
         setup=(IRQCHIP,), basis="code"),
    # --- which host --------------------------------------------------------------------------------------
    Case(id="no-vgic", ioctl=SET_DEVICE_ADDR, condition="DIST on a host without a vGIC", arch=("arm64",),
         lacks=("irqchip",),
         call=set_addr(V2_DIST, D), errno=ENXIO, cite=f"{API}, Errors: ENXIO"),
    Case(id="gicv3-host", ioctl=SET_DEVICE_ADDR,
         condition="DIST on a GICv3 host without GICv2 emulation, the VM's own vGICv3 created", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(V2_DIST, D), errno=ENXIO,
         cite=f"{API}, Errors: ENXIO (device not supported on current system)",
         setup=(create_device(kvm.KVM_DEV_TYPE_ARM_VGIC_V3),),
         deviation=Deviation(f"{API} gives ENXIO for a device the system does not support; with the host's own "
                             "vGICv3 in place, vgic-kvm-device.c vgic_check_type finds the VM's vgic_model is not "
                             "VGIC_V2 and returns ENODEV (arm.c gives ENXIO only without any vGIC: no-vgic)", ENODEV)),
    # --- ordering and state ------------------------------------------------------------------------------
    Case(id="before-irqchip", ioctl=SET_DEVICE_ADDR, condition="DIST before KVM_CREATE_IRQCHIP", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, D), errno=ENODEV,
         cite=f"{API}: must be called after KVM_CREATE_IRQCHIP (no errno given); vgic_check_type: ENODEV",
         basis="code"),
    Case(id="dist-already-set", ioctl=SET_DEVICE_ADDR, condition="DIST twice", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(V2_DIST, 0x10000000), errno=EEXIST,
         cite=f"{API}: calling this ioctl twice for any of the base addresses will return -EEXIST",
         setup=(IRQCHIP, set_addr(V2_DIST, D)), order_row=2),
    Case(id="cpu-already-set", ioctl=SET_DEVICE_ADDR, condition="CPU twice", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(V2_CPU, C), errno=EEXIST, cite=f"{API}: twice -> EEXIST", setup=(IRQCHIP, set_addr(V2_CPU, C)),
         order_row=2),
    Case(id="already-set-wins-over-misaligned", ioctl=SET_DEVICE_ADDR, condition="DIST again, misaligned",
         arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, 0x1), errno=EEXIST,
         cite=f"{API}: twice -> EEXIST; {IORANGE} tests it before alignment", setup=(IRQCHIP, set_addr(V2_DIST, D))),
    Case(id="already-set-wins-over-range", ioctl=SET_DEVICE_ADDR, condition="DIST again, beyond the IPA space",
         arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, 1 << 63), errno=EEXIST,
         cite=f"{API}: twice -> EEXIST; {IORANGE} tests it before the range", setup=(IRQCHIP, set_addr(V2_DIST, D))),
    Case(id="already-set-by-device-api", ioctl=SET_DEVICE_ADDR,
         condition="DIST set through KVM_SET_DEVICE_ATTR, then legacy",
         arch=("arm64",), features=("vgic-v2",), call=set_addr(V2_DIST, 0x10000000), errno=EEXIST,
         cite=f"{API}: EEXIST; {VGIC_RST}: one vGIC, one address each", setup=(create_device(), addr_attr(V2_DIST, D))),
    Case(id="after-vcpu-ran", ioctl=SET_DEVICE_ADDR, condition="DIST after a vCPU ran", arch=("arm64",),
         features=("vgic-v2",),
         call=set_addr(V2_DIST, 0x10000000), errno=EEXIST,
         cite=f"{API}: before KVM_RUN (no errno); both addresses are set for a run to succeed, so EEXIST",
         setup=(IRQCHIP, set_addr(V2_DIST, D), set_addr(V2_CPU, C), RAN), basis="code"),
    Case(id="overlapping-frames", ioctl=SET_DEVICE_ADDR, condition="CPU frame at the DIST frame's address",
         arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_CPU, D), errno=EBUSY,
         cite=f"{API}, Errors: EBUSY (address overlaps with other device range)", setup=(IRQCHIP, set_addr(V2_DIST, D)),
         deviation=Deviation(f"{API} documents EBUSY for overlapping ranges; {IORANGE} has no overlap test, the "
                             "call succeeds and the first KVM_RUN fails with EINVAL (vgic-v2.c vgic_v2_check_base)",
                             SUCCEEDS)),
    Case(id="dead-vm", ioctl=SET_DEVICE_ADDR, condition="CPU after a failed first KVM_RUN killed the VM",
         arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_CPU, C), errno=EIO,
         cite="kvm_main.c: kvm_vm_ioctl refuses a dead VM; vgic-init.c kvm_vgic_map_resources kills it on error "
         "(Debian 6.1 from 6.1.115, 6.12, 7.2)",
         setup=(IRQCHIP, set_addr(V2_DIST, D), kvm_run(immediate_exit=True, ok_errno=ENXIO)),
         basis="code"),
    # --- the range and alignment --------------------------------------------------------------------------
    Case(id="beyond-ipa-default-vm", ioctl=SET_DEVICE_ADDR, condition="DIST at 2^40 in a default VM", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, 1 << 40), errno=E2BIG,
         cite=f"{API}, Errors: E2BIG (default VM: 40-bit IPA, api.rst 4.2)", setup=(IRQCHIP,)),
    Case(id="beyond-ipa-no-wrap", ioctl=SET_DEVICE_ADDR, condition="DIST at 2^64 - 0x2000 (no wrap)", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, 0xFFFFFFFFFFFFE000), errno=E2BIG, cite=f"{API}, Errors: E2BIG",
         setup=(IRQCHIP,)),
    *(c for n in (32, 36, 40, "limit") for c in _ipa_cases(n)),
    Case(id="wraps-past-2-64", ioctl=SET_DEVICE_ADDR, condition="DIST at 2^64 - 0x1000 (its end wraps)",
         arch=("arm64",),
         features=("vgic-v2",), call=set_addr(V2_DIST, WRAP), errno=E2BIG, cite=f"{API}, Errors: E2BIG",
         setup=(IRQCHIP,),
         deviation=Deviation(D2_REASON, EINVAL)),
    Case(id="misaligned", ioctl=SET_DEVICE_ADDR, condition="DIST not 4 KiB aligned", arch=("arm64",),
         features=("vgic-v2",),
         call=set_addr(V2_DIST, D + 0x800), errno=EINVAL,
         cite=f"{IORANGE}: IS_ALIGNED(addr, SZ_4K); {VGIC_RST}: EINVAL for an incorrectly aligned address",
         setup=(IRQCHIP,), basis="code"),
    Case(id="all-ones-is-not-unset", ioctl=SET_DEVICE_ADDR,
         condition="DIST at all ones (the value an unset address reads back as)",
         arch=("arm64",), features=("vgic-v2",), call=set_addr(V2_DIST, 0xFFFFFFFFFFFFFFFF), errno=EINVAL,
         cite=f"{IORANGE}: misaligned, so an address cannot be unset", setup=(IRQCHIP,), basis="code"),
    # --- the argument and the fd -------------------------------------------------------------------------
    Case(id="unreadable-argument", ioctl=SET_DEVICE_ADDR, condition="argument pointer to a guard page", arch=("arm64",),
         call=set_addr_at(BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vm_ioctl copy_from_user, before any other test (undocumented in api.rst 4.85)",
         basis="code"),
    Case(id="system-fd", ioctl=SET_DEVICE_ADDR, condition="the request on the system fd", arch=("arm64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, kvm.kvm_arm_device_addr(id=0, addr=D), on="system"),
         errno=EINVAL,
         cite="arm.c: kvm_arch_dev_ioctl default", basis="code"),
    Case(id="vgic-device-fd", ioctl=SET_DEVICE_ADDR, condition="the request on the vGIC device fd", arch=("arm64",),
         features=("vgic-v2",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, kvm.kvm_arm_device_addr(id=0, addr=D), on="device"),
         errno=ENOTTY,
         cite="kvm_main.c: kvm_device_ioctl default; the vGIC device has no .ioctl", setup=(create_device(),),
         basis="code"),
    Case(id="x86-vm-fd", ioctl=SET_DEVICE_ADDR, condition="the request on an x86_64 VM fd", arch=("x86_64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, kvm.kvm_arm_device_addr(id=0, addr=D)), errno=ENOTTY,
         cite="x86.c: kvm_arch_vm_ioctl default r = -ENOTTY", basis="code"),
    Case(id="x86-vm-fd-bad-pointer", ioctl=SET_DEVICE_ADDR,
         condition="the request on an x86_64 VM fd with a bad pointer",
         arch=("x86_64",), call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, lambda s: s.target.bad_address()),
         errno=ENOTTY,
         cite="x86.c: kvm_arch_vm_ioctl default: refused before any copy", basis="code"),
    Case(id="x86-system-fd", ioctl=SET_DEVICE_ADDR, condition="the request on the x86_64 system fd", arch=("x86_64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, kvm.kvm_arm_device_addr(id=0, addr=D), on="system"),
         errno=EINVAL,
         cite="x86.c: kvm_arch_dev_ioctl default", basis="code", needs_vm=False),
    # riscv64 refuses what it does not know with EINVAL where x86 says ENOTTY: the generic refusal differs by
    # architecture (the vCPU fd's number is riscv64's KVM_GET_ONE_REG, a ONE_REG case for the riscv64 cases).
    Case(id="riscv-vm-fd", ioctl=SET_DEVICE_ADDR, condition="the request on a riscv64 VM fd", arch=("riscv64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, kvm.kvm_arm_device_addr(id=0, addr=D)), errno=EINVAL,
         cite="arch/riscv/kvm/vm.c: kvm_arch_vm_ioctl returns -EINVAL for every request", basis="code"),
    Case(id="riscv-vm-fd-bad-pointer", ioctl=SET_DEVICE_ADDR,
         condition="the request on a riscv64 VM fd with a bad pointer", arch=("riscv64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, lambda s: s.target.bad_address()), errno=EINVAL,
         cite="arch/riscv/kvm/vm.c: kvm_arch_vm_ioctl: refused before any copy", basis="code"),
    Case(id="riscv-system-fd", ioctl=SET_DEVICE_ADDR, condition="the request on the riscv64 system fd",
         arch=("riscv64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET_DEVICE_ADDR, kvm.kvm_arm_device_addr(id=0, addr=D), on="system"),
         errno=EINVAL, cite="arch/riscv/kvm/main.c: kvm_arch_dev_ioctl returns -EINVAL", basis="code",
         needs_vm=False),
    Case(id="x86-vcpu-fd", ioctl=SET_DEVICE_ADDR, condition="the same number on an x86_64 vCPU fd with id 0",
         arch=("x86_64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab", kvm.kvm_arm_device_addr(id=0, addr=0), on="vcpu"),
         errno=EINVAL, cite="x86.c: kvm_arch_vcpu_ioctl default (6.1, 6.12); KVM_GET_ONE_REG with a non-x86 id (7.2)",
         setup=(create_vcpu(0),), basis="code"),
]

DOCUMENTED = [
    DocumentedError(SET_DEVICE_ADDR, ENODEV, "The device id is unknown", API),
    DocumentedError(SET_DEVICE_ADDR, ENXIO, "Device not supported on current system", API),
    DocumentedError(SET_DEVICE_ADDR, EEXIST, "Address already set", API),
    DocumentedError(SET_DEVICE_ADDR, E2BIG, "Address outside guest physical address space", API),
    DocumentedError(SET_DEVICE_ADDR, EBUSY, "Address overlaps with other device range", API),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR draws bits 63:32 of the id as 0 but names no errno for an id that "
        "sets them; arm.c kvm_vm_ioctl_set_device_addr (6.1, 6.12, 7.2) never reads them and the call succeeds "
        "(case id-upper-bits-ignored).",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR: ':Parameters: struct kvm_arm_device_address' names a structure no "
        "header defines; linux/kvm.h (and the section's own code block) call it struct kvm_arm_device_addr (since "
        "the 2013 patch that added the ioctl).",
        DOCUMENT_NAMES_WHAT_HEADERS_LACK),
]
