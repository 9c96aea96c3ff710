"""KVM_ARM_SET_DEVICE_ADDR, and the ioctls whose state it shares: every documented and implemented outcome.

Documentation: Documentation/virt/kvm/api.rst "KVM_ARM_SET_DEVICE_ADDR (deprecated)" (4.85 in 6.1-7.2),
4.4 KVM_CHECK_EXTENSION, 4.7 KVM_CREATE_VCPU, 4.10 KVM_RUN, 4.24 KVM_CREATE_IRQCHIP, 4.79 KVM_CREATE_DEVICE,
4.80/4.81 KVM_{SET,GET,HAS}_DEVICE_ATTR; Documentation/virt/kvm/devices/arm-vgic.rst, KVM_DEV_ARM_VGIC_GRP_ADDR.
Implementation (read in Debian 6.1.192, 6.12.117 and 7.2.13; identical for everything here): arch/arm64/kvm/
arm.c (kvm_arch_vm_ioctl, kvm_vm_ioctl_set_device_addr, kvm_vm_ioctl_check_extension, kvm_arch_vcpu_precreate,
kvm_arch_vcpu_ioctl), vgic/vgic-kvm-device.c (kvm_set_legacy_vgic_v2_addr, vgic_check_type, vgic_check_iorange,
kvm_vgic_addr), vgic/vgic-init.c (kvm_vgic_create, kvm_vgic_map_resources), vgic/vgic-v2.c
(vgic_v2_map_resources, vgic_v2_check_base), virt/kvm/kvm_main.c; arch/x86/kvm/x86.c for the x86_64 rows.
docs/research/kvm_arm_set_device_addr.md has every row with its evidence.

The struct's name in api.rst's Parameters line (`kvm_arm_device_address`, against the header's
`kvm_arm_device_addr`) is a documentation finding that needs the document, not a kernel: it is listed in
DOC_FINDINGS.
"""

from __future__ import annotations

from errno import E2BIG, EBUSY, EEXIST, EFAULT, EINTR, EINVAL, EIO, ENODEV, ENOEXEC, ENOTTY, ENXIO

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
from abi.spec.steps.base import BAD_POINTER, raw, scratch_holds
from abi.spec.steps.device import get_attr, has_attr, set_attr
from abi.spec.steps.device_addr import (
    API,
    CPU,
    D2_REASON,
    DIST,
    IORANGE,
    SET,
    VGIC_RST,
    WRAP,
    C,
    D,
    _ipa_type,
)
from abi.spec.steps.system import check_extension
from abi.spec.steps.vcpu import INIT_VCPU, RAN, kvm_run
from abi.spec.steps.vm import (
    IRQCHIP,
    create_device,
    create_vcpu,
    create_vcpus,
    ipa_end,
    set_addr,
    set_addr_at,
)

DOCUMENTED = [
    DocumentedError(SET, ENODEV, "The device id is unknown", API),
    DocumentedError(SET, ENXIO, "Device not supported on current system", API),
    DocumentedError(SET, EEXIST, "Address already set", API),
    DocumentedError(SET, E2BIG, "Address outside guest physical address space", API),
    DocumentedError(SET, EBUSY, "Address overlaps with other device range", API),
    DocumentedError("KVM_SET_DEVICE_ATTR", E2BIG, "Address outside of addressable IPA range", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", EINVAL, "Incorrectly aligned address", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", EEXIST, "Address already configured", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", ENXIO, "The group or attribute is unknown/unsupported", VGIC_RST),
    DocumentedError("KVM_SET_DEVICE_ATTR", EFAULT, "Invalid user pointer for attr->addr", VGIC_RST),
    DocumentedError("KVM_CREATE_DEVICE", ENODEV, "The device type is unknown or unsupported",
                    "api.rst 4.79 KVM_CREATE_DEVICE"),
    DocumentedError("KVM_CREATE_DEVICE", EEXIST, "Device already created, and this type of device may not be "
                    "instantiated multiple times", "api.rst 4.79 KVM_CREATE_DEVICE"),
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


def _ipa_cases(n) -> list[Case]:
    """The E2BIG rule at one IPA size n: E2BIG iff addr >= 2^n or addr + size > 2^n, so a frame that ends
    exactly at 2^n is accepted and one that straddles it is not (vgic_check_iorange)."""
    t = _ipa_type(n)
    dist, cpu = arm64.KVM_VGIC_V2_DIST_SIZE, arm64.KVM_VGIC_V2_CPU_SIZE
    return [
        Case(id=f"dist-ends-at-ipa-limit-n{n}", ioctl=SET, condition=f"DIST frame ending exactly at 2^n (n = {n})",
             arch=("arm64",), features=("vgic-v2",), call=set_addr(DIST, ipa_end(minus=dist)), errno=0,
             cite=f"{API}: inside the guest physical address space", setup=(IRQCHIP,), vm_type=t),
        Case(id=f"dist-at-ipa-limit-n{n}", ioctl=SET, condition=f"DIST frame starting at 2^n (n = {n})",
             arch=("arm64",), features=("vgic-v2",), call=set_addr(DIST, ipa_end()), errno=E2BIG,
             cite=f"{API}, Errors: E2BIG", setup=(IRQCHIP,), vm_type=t),
        Case(id=f"cpu-ends-at-ipa-limit-n{n}", ioctl=SET,
             condition=f"CPU frame (8 KiB) ending exactly at 2^n (n = {n})", arch=("arm64",), features=("vgic-v2",),
             call=set_addr(CPU, ipa_end(minus=cpu)), errno=0, cite=f"{API}: inside the guest physical address space",
             setup=(IRQCHIP,), vm_type=t),
        Case(id=f"cpu-straddles-ipa-limit-n{n}", ioctl=SET, condition=f"CPU frame straddling 2^n (n = {n})",
             arch=("arm64",), features=("vgic-v2",), call=set_addr(CPU, ipa_end(minus=dist)), errno=E2BIG,
             cite=f"{API}, Errors: E2BIG", setup=(IRQCHIP,), vm_type=t),
    ]


CASES: list[Case] = [
    # --- the capability ---------------------------------------------------------------------------------
    Case(id="capability-system-fd", ioctl="KVM_CHECK_EXTENSION",
         condition="KVM_CAP_ARM_SET_DEVICE_ADDR on the system fd", arch=("arm64",),
         call=check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR", on="system"), errno=0,
         cite="arm.c: kvm_vm_ioctl_check_extension returns 1 for it (the 2013 patch fell through to "
         "KVM_CAP_NR_VCPUS and returned the number of online CPUs)", ret=1, basis="code", needs_vm=False),
    Case(id="capability-vm-fd", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_ARM_SET_DEVICE_ADDR on a VM fd",
         arch=("arm64",), call=check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR"),
         errno=0, cite="arm.c: kvm_vm_ioctl_check_extension, via kvm_main.c kvm_vm_ioctl_check_extension_generic",
         ret=1, basis="code"),
    Case(id="capability-absent-x86-system-fd", ioctl="KVM_CHECK_EXTENSION",
         condition="KVM_CAP_ARM_SET_DEVICE_ADDR on x86_64", arch=("x86_64",),
         call=check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR", on="system"), errno=0,
         cite="api.rst 4.4: 0 if unsupported; x86.c: kvm_vm_ioctl_check_extension default", ret=0, needs_vm=False),
    Case(id="capability-absent-x86-vm-fd", ioctl="KVM_CHECK_EXTENSION",
         condition="KVM_CAP_ARM_SET_DEVICE_ADDR on an x86_64 VM", arch=("x86_64",),
         call=check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR"), errno=0,
         cite="api.rst 4.4: 0 if unsupported; x86.c: kvm_vm_ioctl_check_extension default", ret=0),

    # --- success ------------------------------------------------------------------------------------------
    # order_row 1: 4.85's rule "must be called after KVM_CREATE_IRQCHIP, but before calling KVM_RUN"
    Case(id="set-dist", ioctl=SET, condition="DIST after KVM_CREATE_IRQCHIP", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(DIST, D), errno=0, cite=API, setup=(IRQCHIP,), order_row=1),
    Case(id="set-cpu", ioctl=SET, condition="CPU after KVM_CREATE_IRQCHIP", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(CPU, C), errno=0, cite=API, setup=(IRQCHIP,), order_row=1),
    Case(id="set-after-create-device", ioctl=SET,
         condition="DIST after KVM_CREATE_DEVICE(VGIC_V2) instead of the irqchip", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, D), errno=0,
         cite=f"{VGIC_RST}: the device and the legacy API configure the same vGIC", setup=(create_device(),)),

    # --- the id -------------------------------------------------------------------------------------------
    Case(id="unknown-device-id", ioctl=SET, condition="device id 1 (bits 31:16)", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, D, device=1), errno=ENODEV, cite=f"{API}, Errors: ENODEV",
         setup=(IRQCHIP,)),
    Case(id="unknown-device-id-ffff", ioctl=SET, condition="device id 0xffff", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(DIST, D, device=0xFFFF), errno=ENODEV, cite=f"{API}, Errors: ENODEV", setup=(IRQCHIP,)),
    Case(id="unknown-device-id-no-vgic", ioctl=SET, condition="device id 1 on a host without a vGIC", arch=("arm64",),
         lacks=("irqchip",), call=set_addr(DIST, D, device=1), errno=ENODEV,
         cite=f"{API}, Errors: ENODEV; arm.c: kvm_vm_ioctl_set_device_addr tests the device id first"),
    Case(id="unknown-address-type", ioctl=SET, condition="address type 2 of the VGIC_V2 device", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(2, D), errno=ENODEV,
         cite="vgic-kvm-device.c: kvm_set_legacy_vgic_v2_addr default (api.rst names ENODEV for unknown ids only)",
         setup=(IRQCHIP,), basis="code"),
    Case(id="unknown-address-type-ffff", ioctl=SET, condition="address type 0xffff", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(0xFFFF, D), errno=ENODEV,
         cite="vgic-kvm-device.c: kvm_set_legacy_vgic_v2_addr default", setup=(IRQCHIP,), basis="code"),
    Case(id="unknown-address-type-no-vgic", ioctl=SET, condition="address type 2 on a host without a vGIC",
         arch=("arm64",), lacks=("irqchip",), call=set_addr(2, D), errno=ENXIO,
         cite="arm.c: kvm_vm_ioctl_set_device_addr tests vgic_present before the type", basis="code"),
    Case(id="id-upper-bits-ignored", ioctl=SET, condition="id bits 63:32 not zero: what the kernel does",
         arch=("arm64",), features=("vgic-v2",), call=set_addr(CPU, C, high=0xFFFFFFFF), errno=0,
         cite="arm.c: kvm_vm_ioctl_set_device_addr, FIELD_GET(KVM_ARM_DEVICE_ID_MASK / _TYPE_MASK) drops bits 63:32",
         setup=(IRQCHIP,), basis="code"),

    # --- which host --------------------------------------------------------------------------------------
    Case(id="no-vgic", ioctl=SET, condition="DIST on a host without a vGIC", arch=("arm64",), lacks=("irqchip",),
         call=set_addr(DIST, D), errno=ENXIO, cite=f"{API}, Errors: ENXIO"),
    Case(id="gicv3-host", ioctl=SET,
         condition="DIST on a GICv3 host without GICv2 emulation, the VM's own vGICv3 created", arch=("arm64",),
         features=("vgic-v3",), call=set_addr(DIST, D), errno=ENXIO,
         cite=f"{API}, Errors: ENXIO (device not supported on current system)",
         setup=(create_device(kvm.KVM_DEV_TYPE_ARM_VGIC_V3),),
         deviation=Deviation(f"{API} gives ENXIO for a device the system does not support; with the host's own "
                             "vGICv3 in place, vgic-kvm-device.c vgic_check_type finds the VM's vgic_model is not "
                             "VGIC_V2 and returns ENODEV (arm.c gives ENXIO only without any vGIC: no-vgic)", ENODEV)),

    # --- ordering and state ------------------------------------------------------------------------------
    Case(id="before-irqchip", ioctl=SET, condition="DIST before KVM_CREATE_IRQCHIP", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, D), errno=ENODEV,
         cite=f"{API}: must be called after KVM_CREATE_IRQCHIP (no errno given); vgic_check_type: ENODEV",
         basis="code"),
    Case(id="dist-already-set", ioctl=SET, condition="DIST twice", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(DIST, 0x10000000), errno=EEXIST,
         cite=f"{API}: calling this ioctl twice for any of the base addresses will return -EEXIST",
         setup=(IRQCHIP, set_addr(DIST, D)), order_row=2),  # 4.85's second ordering rule: "twice"
    Case(id="cpu-already-set", ioctl=SET, condition="CPU twice", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(CPU, C), errno=EEXIST, cite=f"{API}: twice -> EEXIST", setup=(IRQCHIP, set_addr(CPU, C)),
         order_row=2),
    Case(id="already-set-wins-over-misaligned", ioctl=SET, condition="DIST again, misaligned", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, 0x1), errno=EEXIST,
         cite=f"{API}: twice -> EEXIST; {IORANGE} tests it before alignment", setup=(IRQCHIP, set_addr(DIST, D))),
    Case(id="already-set-wins-over-range", ioctl=SET, condition="DIST again, beyond the IPA space", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, 1 << 63), errno=EEXIST,
         cite=f"{API}: twice -> EEXIST; {IORANGE} tests it before the range", setup=(IRQCHIP, set_addr(DIST, D))),
    Case(id="already-set-by-device-api", ioctl=SET, condition="DIST set through KVM_SET_DEVICE_ATTR, then legacy",
         arch=("arm64",), features=("vgic-v2",), call=set_addr(DIST, 0x10000000), errno=EEXIST,
         cite=f"{API}: EEXIST; {VGIC_RST}: one vGIC, one address each", setup=(create_device(), set_attr(DIST, D))),
    Case(id="after-vcpu-ran", ioctl=SET, condition="DIST after a vCPU ran", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(DIST, 0x10000000), errno=EEXIST,
         cite=f"{API}: before KVM_RUN (no errno); both addresses are set for a run to succeed, so EEXIST",
         setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, C), RAN), basis="code"),
    Case(id="overlapping-frames", ioctl=SET, condition="CPU frame at the DIST frame's address", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(CPU, D), errno=EBUSY,
         cite=f"{API}, Errors: EBUSY (address overlaps with other device range)", setup=(IRQCHIP, set_addr(DIST, D)),
         deviation=Deviation(f"{API} documents EBUSY for overlapping ranges; {IORANGE} has no overlap test, the "
                             "call succeeds and the first KVM_RUN fails with EINVAL (vgic-v2.c vgic_v2_check_base)",
                             SUCCEEDS)),
    Case(id="dead-vm", ioctl=SET, condition="CPU after a failed first KVM_RUN killed the VM", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(CPU, C), errno=EIO,
         cite="kvm_main.c: kvm_vm_ioctl refuses a dead VM; vgic-init.c kvm_vgic_map_resources kills it on error "
         "(Debian 6.1 from 6.1.115, 6.12, 7.2)",
         setup=(IRQCHIP, set_addr(DIST, D), kvm_run(immediate_exit=True, ok_errno=ENXIO)),
         basis="code"),

    # --- the range and alignment --------------------------------------------------------------------------
    Case(id="beyond-ipa-default-vm", ioctl=SET, condition="DIST at 2^40 in a default VM", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, 1 << 40), errno=E2BIG,
         cite=f"{API}, Errors: E2BIG (default VM: 40-bit IPA, api.rst 4.2)", setup=(IRQCHIP,)),
    Case(id="beyond-ipa-no-wrap", ioctl=SET, condition="DIST at 2^64 - 0x2000 (no wrap)", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, 0xFFFFFFFFFFFFE000), errno=E2BIG, cite=f"{API}, Errors: E2BIG",
         setup=(IRQCHIP,)),
    *(c for n in (32, 36, 40, "limit") for c in _ipa_cases(n)),
    Case(id="wraps-past-2-64", ioctl=SET, condition="DIST at 2^64 - 0x1000 (its end wraps)", arch=("arm64",),
         features=("vgic-v2",), call=set_addr(DIST, WRAP), errno=E2BIG, cite=f"{API}, Errors: E2BIG", setup=(IRQCHIP,),
         deviation=Deviation(D2_REASON, EINVAL)),
    Case(id="misaligned", ioctl=SET, condition="DIST not 4 KiB aligned", arch=("arm64",), features=("vgic-v2",),
         call=set_addr(DIST, D + 0x800), errno=EINVAL,
         cite=f"{IORANGE}: IS_ALIGNED(addr, SZ_4K); {VGIC_RST}: EINVAL for an incorrectly aligned address",
         setup=(IRQCHIP,), basis="code"),
    Case(id="all-ones-is-not-unset", ioctl=SET, condition="DIST at all ones (the value an unset address reads back as)",
         arch=("arm64",), features=("vgic-v2",), call=set_addr(DIST, 0xFFFFFFFFFFFFFFFF), errno=EINVAL,
         cite=f"{IORANGE}: misaligned, so an address cannot be unset", setup=(IRQCHIP,), basis="code"),

    # --- the argument and the fd -------------------------------------------------------------------------
    Case(id="unreadable-argument", ioctl=SET, condition="argument pointer to a guard page", arch=("arm64",),
         call=set_addr_at(BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vm_ioctl copy_from_user, before any other test (undocumented in api.rst 4.85)",
         basis="code"),
    Case(id="system-fd", ioctl=SET, condition="the request on the system fd", arch=("arm64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D), on="system"), errno=EINVAL,
         cite="arm.c: kvm_arch_dev_ioctl default", basis="code"),
    Case(id="vgic-device-fd", ioctl=SET, condition="the request on the vGIC device fd", arch=("arm64",),
         features=("vgic-v2",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D), on="device"), errno=ENOTTY,
         cite="kvm_main.c: kvm_device_ioctl default; the vGIC device has no .ioctl", setup=(create_device(),),
         basis="code"),
    Case(id="vcpu-fd-is-get-one-reg-uninitialised", ioctl="KVM_GET_ONE_REG",
         condition="the same number on a vCPU fd before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab (= KVM_GET_ONE_REG)", kvm.kvm_arm_device_addr(id=0, addr=0),
             on="vcpu"), errno=ENOEXEC, cite="arm.c: kvm_arch_vcpu_ioctl KVM_GET_ONE_REG refuses an uninitialised vCPU",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="vcpu-fd-is-get-one-reg", ioctl="KVM_GET_ONE_REG",
         condition="the same number on a vCPU fd reads the PC register", arch=("arm64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab {id = core reg PC}",
                    lambda s: kvm.kvm_one_reg(id=kvm.KVM_REG_ARM64 | kvm.KVM_REG_SIZE_U64 | arm64.KVM_REG_ARM_CORE
                                              | arm64.KVM_REG_ARM_CORE_REG("regs.pc"), addr=s.scratch()),
                    on="vcpu"), errno=0,
         cite="linux/kvm.h: KVM_GET_ONE_REG is _IOW(KVMIO, 0xab, struct kvm_one_reg), the same number; guest.c "
         "kvm_arm_get_reg", setup=(INIT_VCPU,), basis="code"),
    Case(id="x86-vm-fd", ioctl=SET, condition="the request on an x86_64 VM fd", arch=("x86_64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D)), errno=ENOTTY,
         cite="x86.c: kvm_arch_vm_ioctl default r = -ENOTTY", basis="code"),
    Case(id="x86-vm-fd-bad-pointer", ioctl=SET, condition="the request on an x86_64 VM fd with a bad pointer",
         arch=("x86_64",), call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, lambda s: s.target.bad_address()), errno=ENOTTY,
         cite="x86.c: kvm_arch_vm_ioctl default: refused before any copy", basis="code"),
    Case(id="x86-system-fd", ioctl=SET, condition="the request on the x86_64 system fd", arch=("x86_64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D), on="system"), errno=EINVAL,
         cite="x86.c: kvm_arch_dev_ioctl default", basis="code", needs_vm=False),
    Case(id="x86-vcpu-fd", ioctl=SET, condition="the same number on an x86_64 vCPU fd with id 0", arch=("x86_64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab", kvm.kvm_arm_device_addr(id=0, addr=0), on="vcpu"),
         errno=EINVAL, cite="x86.c: kvm_arch_vcpu_ioctl default (6.1, 6.12); KVM_GET_ONE_REG with a non-x86 id (7.2)",
         setup=(create_vcpu(0),), basis="code"),

    # --- KVM_CREATE_IRQCHIP ------------------------------------------------------------------------------
    Case(id="irqchip-gicv2", ioctl="KVM_CREATE_IRQCHIP", condition="on a GICv2 host", arch=("arm64",),
         features=("vgic-v2",), call=IRQCHIP, errno=0, cite="api.rst 4.24: on arm64 a GICv2 is created"),
    Case(id="irqchip-gicv3-host", ioctl="KVM_CREATE_IRQCHIP", condition="on a GICv3 host without GICv2 emulation",
         arch=("arm64",), features=("vgic-v3",), call=IRQCHIP, errno=ENODEV,
         cite="vgic-init.c: kvm_vgic_create (can_emulate_gicv2); api.rst 4.24 has no Errors", basis="code"),
    Case(id="irqchip-no-vgic", ioctl="KVM_CREATE_IRQCHIP", condition="on a host without a vGIC", arch=("arm64",),
         lacks=("irqchip",), call=IRQCHIP, errno=ENXIO, cite="arm.c: kvm_arch_vm_ioctl (!vgic_present)", basis="code"),
    Case(id="irqchip-twice", ioctl="KVM_CREATE_IRQCHIP", condition="twice", arch=("arm64",), features=("vgic-v2",),
         call=IRQCHIP, errno=EEXIST, cite="vgic-init.c: kvm_vgic_create (irqchip_in_kernel)", setup=(IRQCHIP,),
         basis="code"),
    Case(id="irqchip-after-create-device", ioctl="KVM_CREATE_IRQCHIP", condition="after KVM_CREATE_DEVICE(VGIC_V2)",
         arch=("arm64",), features=("vgic-v2",), call=IRQCHIP, errno=EEXIST,
         cite=f"{VGIC_RST}: only one VGIC instance; vgic-init.c kvm_vgic_create", setup=(create_device(),),
         basis="code"),
    Case(id="irqchip-after-vcpu-ran", ioctl="KVM_CREATE_IRQCHIP", condition="after a vCPU ran without one",
         arch=("arm64",), features=("vgic-v2",), call=IRQCHIP, errno=EBUSY,
         cite="vgic-init.c: kvm_vgic_create (vcpu_has_run_once)", setup=(RAN,), basis="code"),

    # --- KVM_CREATE_DEVICE(VGIC_V2) ----------------------------------------------------------------------
    Case(id="create-device", ioctl="KVM_CREATE_DEVICE", condition="VGIC_V2 on a GICv2 host", arch=("arm64",),
         features=("vgic-v2",), call=create_device(), errno=0, cite="api.rst 4.79; arm-vgic.rst"),
    Case(id="create-device-test", ioctl="KVM_CREATE_DEVICE", condition="VGIC_V2 with KVM_CREATE_DEVICE_TEST",
         arch=("arm64",), features=("vgic-v2",), call=create_device(flags=kvm.KVM_CREATE_DEVICE_TEST), errno=0,
         cite="api.rst 4.79: test whether the device can be created"),
    Case(id="create-device-unsupported", ioctl="KVM_CREATE_DEVICE",
         condition="VGIC_V2 on a host that cannot emulate it", arch=("arm64",), lacks=("vgic-v2",),
         call=create_device(), errno=ENODEV, cite="api.rst 4.79, Errors: ENODEV"),
    Case(id="create-device-unknown-type", ioctl="KVM_CREATE_DEVICE", condition="type 0xffff", arch=("arm64",),
         call=create_device(0xFFFF), errno=ENODEV, cite="api.rst 4.79, Errors: ENODEV"),
    Case(id="create-device-twice", ioctl="KVM_CREATE_DEVICE", condition="a second VGIC_V2", arch=("arm64",),
         features=("vgic-v2",), call=create_device(), errno=EEXIST, cite="api.rst 4.79, Errors: EEXIST",
         setup=(create_device(),)),
    Case(id="create-device-after-irqchip", ioctl="KVM_CREATE_DEVICE", condition="VGIC_V2 after KVM_CREATE_IRQCHIP",
         arch=("arm64",), features=("vgic-v2",), call=create_device(), errno=EEXIST,
         cite="api.rst 4.79, Errors: EEXIST", setup=(IRQCHIP,)),

    # --- KVM_SET/GET/HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR -------------------------------------------
    Case(id="attr-set-dist", ioctl="KVM_SET_DEVICE_ATTR", condition="DIST", arch=("arm64",), features=("vgic-v2",),
         call=set_attr(DIST, D), errno=0, cite=VGIC_RST, setup=(create_device(),), device_doc="arm-vgic.rst",
         group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-set-cpu", ioctl="KVM_SET_DEVICE_ATTR", condition="CPU", arch=("arm64",), features=("vgic-v2",),
         call=set_attr(CPU, C), errno=0, cite=VGIC_RST, setup=(create_device(),), device_doc="arm-vgic.rst",
         group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-already-set-by-legacy", ioctl="KVM_SET_DEVICE_ATTR",
         condition="DIST set through the legacy ioctl first", arch=("arm64",), features=("vgic-v2",),
         call=set_attr(DIST, 0x10000000), errno=EEXIST, cite=f"{VGIC_RST}, Errors: EEXIST",
         setup=(create_device(), set_addr(DIST, D)), device_doc="arm-vgic.rst", group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-misaligned", ioctl="KVM_SET_DEVICE_ATTR", condition="DIST not 4 KiB aligned", arch=("arm64",),
         features=("vgic-v2",), call=set_attr(DIST, D + 0x800), errno=EINVAL, cite=f"{VGIC_RST}, Errors: EINVAL",
         setup=(create_device(),), device_doc="arm-vgic.rst", group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-beyond-ipa", ioctl="KVM_SET_DEVICE_ATTR", condition="DIST at 2^40 in a default VM", arch=("arm64",),
         features=("vgic-v2",), call=set_attr(DIST, 1 << 40), errno=E2BIG, cite=f"{VGIC_RST}, Errors: E2BIG",
         setup=(create_device(),), device_doc="arm-vgic.rst", group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-wraps-past-2-64", ioctl="KVM_SET_DEVICE_ATTR", condition="DIST at 2^64 - 0x1000 (its end wraps)",
         arch=("arm64",), features=("vgic-v2",), call=set_attr(DIST, WRAP), errno=E2BIG,
         cite=f"{VGIC_RST}, Errors: E2BIG", setup=(create_device(),), deviation=Deviation(D2_REASON, EINVAL),
         device_doc="arm-vgic.rst", group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-unknown-type", ioctl="KVM_SET_DEVICE_ATTR", condition="attr 2 (a GICv3 type) on the VGIC_V2 device",
         arch=("arm64",), features=("vgic-v2",), call=set_attr(2, D), errno=ENXIO, cite=f"{VGIC_RST}, Errors: ENXIO",
         setup=(create_device(),), device_doc="arm-vgic.rst", group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-upper-bits", ioctl="KVM_SET_DEVICE_ATTR", condition="attr DIST | 1 << 32", arch=("arm64",),
         features=("vgic-v2",), call=set_attr(1 << 32, D), errno=ENXIO,
         cite=f"{VGIC_RST}, Errors: ENXIO; kvm_vgic_addr switches on the whole 64-bit attr", setup=(create_device(),),
         device_doc="arm-vgic.rst", group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-unknown-group", ioctl="KVM_SET_DEVICE_ATTR", condition="group 0xffff", arch=("arm64",),
         features=("vgic-v2",), call=set_attr(DIST, D, group=0xFFFF), errno=ENXIO, cite="api.rst 4.80, Errors: ENXIO",
         setup=(create_device(),)),
    Case(id="attr-bad-addr-pointer", ioctl="KVM_SET_DEVICE_ATTR", condition="attr.addr pointing at a guard page",
         arch=("arm64",), features=("vgic-v2",), call=set_attr(DIST, pointer=BAD_POINTER), errno=EFAULT,
         cite=f"{VGIC_RST}, Errors: EFAULT", setup=(create_device(),), device_doc="arm-vgic.rst",
         group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-get-unset", ioctl="KVM_GET_DEVICE_ATTR", condition="DIST before it is set reads back as all ones",
         arch=("arm64",), features=("vgic-v2",), call=get_attr(DIST), errno=0,
         cite="vgic-init.c: kvm_vgic_create stores VGIC_ADDR_UNDEF (-1); kvm_vgic_addr reads it",
         setup=(create_device(),), check=scratch_holds(0xFFFFFFFFFFFFFFFF), basis="code"),
    Case(id="attr-get-set-by-legacy", ioctl="KVM_GET_DEVICE_ATTR",
         condition="DIST set through the legacy ioctl reads back", arch=("arm64",), features=("vgic-v2",),
         call=get_attr(DIST), errno=0, cite=f"{VGIC_RST}: the address of the one vGIC",
         setup=(create_device(), set_addr(DIST, D)), check=scratch_holds(D), device_doc="arm-vgic.rst",
         group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-get-unknown", ioctl="KVM_GET_DEVICE_ATTR", condition="attr 2", arch=("arm64",), features=("vgic-v2",),
         call=get_attr(2), errno=ENXIO, cite=f"{VGIC_RST}, Errors: ENXIO", setup=(create_device(),),
         device_doc="arm-vgic.rst", group="KVM_DEV_ARM_VGIC_GRP_ADDR"),
    Case(id="attr-has-dist", ioctl="KVM_HAS_DEVICE_ATTR", condition="DIST", arch=("arm64",), features=("vgic-v2",),
         call=has_attr(DIST), errno=0, cite="api.rst 4.81", setup=(create_device(),)),
    Case(id="attr-has-unknown", ioctl="KVM_HAS_DEVICE_ATTR", condition="attr 2", arch=("arm64",), features=("vgic-v2",),
         call=has_attr(2), errno=ENXIO, cite="api.rst 4.81, Errors: ENXIO", setup=(create_device(),)),

    # --- KVM_RUN and the addresses -----------------------------------------------------------------------
    Case(id="run-addresses-unset", ioctl="KVM_RUN", condition="first run with both addresses unset", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=ENXIO,
         cite="vgic-v2.c: vgic_v2_map_resources (api.rst 4.10 does not list it)", setup=(IRQCHIP,), basis="code"),
    Case(id="run-cpu-unset", ioctl="KVM_RUN", condition="first run with only DIST set", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=ENXIO, cite="vgic-v2.c: vgic_v2_map_resources",
         setup=(IRQCHIP, set_addr(DIST, D)), basis="code"),
    Case(id="run-dist-unset", ioctl="KVM_RUN", condition="first run with only CPU set", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=ENXIO, cite="vgic-v2.c: vgic_v2_map_resources",
         setup=(IRQCHIP, set_addr(CPU, C)), basis="code"),
    Case(id="run-overlap-same-base", ioctl="KVM_RUN", condition="first run with DIST and CPU at one address",
         arch=("arm64",), features=("vgic-v2",), call=RAN, errno=EINVAL, cite="vgic-v2.c: vgic_v2_check_base",
         setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, D)), basis="code"),
    Case(id="run-overlap-dist-in-cpu", ioctl="KVM_RUN", condition="first run with DIST in the CPU frame's second page",
         arch=("arm64",), features=("vgic-v2",), call=RAN, errno=EINVAL,
         cite="vgic-v2.c: vgic_v2_check_base (the CPU frame is 8 KiB)",
         setup=(IRQCHIP, set_addr(CPU, D), set_addr(DIST, D + 0x1000)), basis="code"),
    Case(id="run-adjacent-frames", ioctl="KVM_RUN", condition="first run with CPU right after DIST", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=EINTR,
         cite="api.rst 4.10: immediate_exit makes KVM_RUN return EINTR once the vCPU is ready",
         setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, D + 0x1000))),
    Case(id="run-again-dead-vm", ioctl="KVM_RUN", condition="run again after a failed first run", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=EIO, cite="kvm_main.c: kvm_vcpu_ioctl refuses a dead VM",
         setup=(IRQCHIP, kvm_run(immediate_exit=True, ok_errno=ENXIO)), basis="code"),
    Case(id="check-extension-dead-vm", ioctl="KVM_CHECK_EXTENSION", condition="on the VM fd of a dead VM",
         arch=("arm64",), features=("vgic-v2",),
         call=check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR"), errno=EIO,
         cite="kvm_main.c: kvm_vm_ioctl refuses a dead VM",
         setup=(IRQCHIP, kvm_run(immediate_exit=True, ok_errno=ENXIO)), basis="code"),

    # --- KVM_CREATE_VCPU and the vGIC --------------------------------------------------------------------
    Case(id="vcpu-after-vgic-init", ioctl="KVM_CREATE_VCPU", condition="after the vGIC was initialised by a run",
         arch=("arm64",), features=("vgic-v2",), call=create_vcpu(1), errno=EBUSY,
         cite="arm.c: kvm_arch_vcpu_precreate (vgic_initialized)",
         setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, C), RAN), basis="code"),
    Case(id="gicv2-ninth-vcpu", ioctl="KVM_CREATE_VCPU", condition="a ninth vCPU with a GICv2", arch=("arm64",),
         features=("vgic-v2",), call=create_vcpu(8), errno=EINVAL,
         cite="kvm_main.c: kvm_vm_ioctl_create_vcpu (created_vcpus >= max_vcpus, 8 on a GICv2 host: "
         "arm.c kvm_arm_default_max_vcpus); api.rst 4.7 gives no errno", setup=(IRQCHIP, create_vcpus(8)),
         basis="code"),
    Case(id="gicv2-vcpu-id-8", ioctl="KVM_CREATE_VCPU", condition="vCPU id 8 with a GICv2", arch=("arm64",),
         features=("vgic-v2",), call=create_vcpu(8), errno=EINVAL,
         cite="arm.c: kvm_arch_vcpu_precreate (id >= max_vcpus)", setup=(IRQCHIP,), basis="code"),
    Case(id="gicv2-max-vcpus", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_MAX_VCPUS on a GICv2 host",
         arch=("arm64",), features=("vgic-v2",), call=check_extension(kvm.KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS"),
         errno=0, cite="arm.c: kvm_arm_default_max_vcpus (VGIC_V2_MAX_CPUS = 8)", ret=8, basis="code"),
]
