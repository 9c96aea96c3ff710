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
from abi.spec import steps as S
from abi.spec.case import (
    ARM64,
    DOCUMENT_NAMES_WHAT_HEADERS_LACK,
    DOCUMENT_SILENT,
    SUCCEEDS,
    X86_64,
    Case,
    Deviation,
    DocumentedError,
    Finding,
    Val,
)
from abi.spec.steps import (
    BAD_POINTER,
    IRQCHIP,
    create_device,
    create_vcpu,
    create_vcpus,
    get_attr,
    has_attr,
    init_vcpu,
    ipa_end,
    raw,
    reads_back,
    run_vcpu,
    set_addr,
    set_addr_at,
    set_attr,
)

DIST, CPU = arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, arm64.KVM_VGIC_V2_ADDR_TYPE_CPU
D, C = 0x08000000, 0x08010000  # QEMU virt's own GIC layout: in range for any IPA size
SET = "KVM_ARM_SET_DEVICE_ADDR"
API = "api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR (deprecated)"
VGIC_RST = "arm-vgic.rst KVM_DEV_ARM_VGIC_GRP_ADDR"
# The device document's row a KVM_{SET,GET}_DEVICE_ATTR case covers (abi/spec/coverage.py)
VGIC_ROW = {"device_doc": "arm-vgic.rst", "group": "KVM_DEV_ARM_VGIC_GRP_ADDR"}
IORANGE = "vgic-kvm-device.c: vgic_check_iorange"
GICV2, GICV3, NOVGIC = ("gicv2",), ("gicv3",), ("novgic",)

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


def case(id, ioctl, condition, on, call, errno, cite, **kw) -> Case:
    return Case(id=id, ioctl=ioctl, condition=condition, on=on, call=call, errno=errno, cite=cite, **kw)


def _ipa_type(n) -> Val:
    if n == "limit":
        return Val("KVM_VM_TYPE_ARM_IPA_SIZE(KVM_CAP_ARM_VM_IPA_SIZE)", S.ipa_limit)
    return Val(f"KVM_VM_TYPE_ARM_IPA_SIZE({n})", lambda s, n=n: kvm.KVM_VM_TYPE_ARM_IPA_SIZE(n))


def _ipa_cases(n) -> list[Case]:
    """The E2BIG rule at one IPA size n: E2BIG iff addr >= 2^n or addr + size > 2^n, so a frame that ends
    exactly at 2^n is accepted and one that straddles it is not (vgic_check_iorange)."""
    t = _ipa_type(n)
    dist, cpu = arm64.KVM_VGIC_V2_DIST_SIZE, arm64.KVM_VGIC_V2_CPU_SIZE
    return [
        case(f"dist-ends-at-ipa-limit-n{n}", SET, f"DIST frame ending exactly at 2^n (n = {n})", GICV2,
             set_addr(DIST, ipa_end(minus=dist)), 0, f"{API}: inside the guest physical address space",
             setup=(IRQCHIP,), vm_type=t),
        case(f"dist-at-ipa-limit-n{n}", SET, f"DIST frame starting at 2^n (n = {n})", GICV2,
             set_addr(DIST, ipa_end()), E2BIG, f"{API}, Errors: E2BIG", setup=(IRQCHIP,), vm_type=t),
        case(f"cpu-ends-at-ipa-limit-n{n}", SET, f"CPU frame (8 KiB) ending exactly at 2^n (n = {n})", GICV2,
             set_addr(CPU, ipa_end(minus=cpu)), 0, f"{API}: inside the guest physical address space",
             setup=(IRQCHIP,), vm_type=t),
        case(f"cpu-straddles-ipa-limit-n{n}", SET, f"CPU frame straddling 2^n (n = {n})", GICV2,
             set_addr(CPU, ipa_end(minus=dist)), E2BIG, f"{API}, Errors: E2BIG", setup=(IRQCHIP,), vm_type=t),
    ]


WRAP = 0xFFFFFFFFFFFFF000  # an aligned DIST frame whose end wraps past 2^64
D2_REASON = (f"{API} and {VGIC_RST} say E2BIG for an address outside the (addressable IPA) space; "
             f"{IORANGE} tests the wrap of addr + size first and returns EINVAL")

CASES: list[Case] = [
    # --- the capability ---------------------------------------------------------------------------------
    case("capability-system-fd", "KVM_CHECK_EXTENSION", "KVM_CAP_ARM_SET_DEVICE_ADDR on the system fd", ARM64,
         S.check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR", on="system"), 0,
         "arm.c: kvm_vm_ioctl_check_extension returns 1 for it (the 2013 patch fell through to "
         "KVM_CAP_NR_VCPUS and returned the number of online CPUs)", ret=1, basis="code", needs_vm=False),
    case("capability-vm-fd", "KVM_CHECK_EXTENSION", "KVM_CAP_ARM_SET_DEVICE_ADDR on a VM fd", ARM64,
         S.check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR"), 0,
         "arm.c: kvm_vm_ioctl_check_extension, via kvm_main.c kvm_vm_ioctl_check_extension_generic", ret=1,
         basis="code"),
    case("capability-absent-x86-system-fd", "KVM_CHECK_EXTENSION", "KVM_CAP_ARM_SET_DEVICE_ADDR on x86_64",
         X86_64, S.check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR", on="system"),
         0, "api.rst 4.4: 0 if unsupported; x86.c: kvm_vm_ioctl_check_extension default", ret=0,
         needs_vm=False),
    case("capability-absent-x86-vm-fd", "KVM_CHECK_EXTENSION", "KVM_CAP_ARM_SET_DEVICE_ADDR on an x86_64 VM",
         X86_64, S.check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR"), 0,
         "api.rst 4.4: 0 if unsupported; x86.c: kvm_vm_ioctl_check_extension default", ret=0),

    # --- success ------------------------------------------------------------------------------------------
    # order_row 1: 4.85's rule "must be called after KVM_CREATE_IRQCHIP, but before calling KVM_RUN"
    case("set-dist", SET, "DIST after KVM_CREATE_IRQCHIP", GICV2, set_addr(DIST, D), 0, API, setup=(IRQCHIP,),
         order_row=1),
    case("set-cpu", SET, "CPU after KVM_CREATE_IRQCHIP", GICV2, set_addr(CPU, C), 0, API, setup=(IRQCHIP,),
         order_row=1),
    case("set-after-create-device", SET, "DIST after KVM_CREATE_DEVICE(VGIC_V2) instead of the irqchip", GICV2,
         set_addr(DIST, D), 0, f"{VGIC_RST}: the device and the legacy API configure the same vGIC",
         setup=(create_device(),)),

    # --- the id -------------------------------------------------------------------------------------------
    case("unknown-device-id", SET, "device id 1 (bits 31:16)", GICV2, set_addr(DIST, D, device=1), ENODEV,
         f"{API}, Errors: ENODEV", setup=(IRQCHIP,)),
    case("unknown-device-id-ffff", SET, "device id 0xffff", GICV2, set_addr(DIST, D, device=0xFFFF), ENODEV,
         f"{API}, Errors: ENODEV", setup=(IRQCHIP,)),
    case("unknown-device-id-no-vgic", SET, "device id 1 on a host without a vGIC", NOVGIC,
         set_addr(DIST, D, device=1), ENODEV,
         f"{API}, Errors: ENODEV; arm.c: kvm_vm_ioctl_set_device_addr tests the device id first"),
    case("unknown-address-type", SET, "address type 2 of the VGIC_V2 device", GICV2, set_addr(2, D), ENODEV,
         "vgic-kvm-device.c: kvm_set_legacy_vgic_v2_addr default (api.rst names ENODEV for unknown ids only)",
         setup=(IRQCHIP,), basis="code"),
    case("unknown-address-type-ffff", SET, "address type 0xffff", GICV2, set_addr(0xFFFF, D), ENODEV,
         "vgic-kvm-device.c: kvm_set_legacy_vgic_v2_addr default", setup=(IRQCHIP,), basis="code"),
    case("unknown-address-type-no-vgic", SET, "address type 2 on a host without a vGIC", NOVGIC, set_addr(2, D),
         ENXIO, "arm.c: kvm_vm_ioctl_set_device_addr tests vgic_present before the type", basis="code"),
    case("id-upper-bits-ignored", SET, "id bits 63:32 not zero: what the kernel does", GICV2,
         set_addr(CPU, C, high=0xFFFFFFFF), 0,
         "arm.c: kvm_vm_ioctl_set_device_addr, FIELD_GET(KVM_ARM_DEVICE_ID_MASK / _TYPE_MASK) drops bits 63:32",
         setup=(IRQCHIP,), basis="code"),

    # --- which host --------------------------------------------------------------------------------------
    case("no-vgic", SET, "DIST on a host without a vGIC", NOVGIC, set_addr(DIST, D), ENXIO,
         f"{API}, Errors: ENXIO"),
    case("gicv3-host", SET, "DIST on a GICv3 host without GICv2 emulation, the VM's own vGICv3 created", GICV3,
         set_addr(DIST, D), ENXIO, f"{API}, Errors: ENXIO (device not supported on current system)",
         setup=(create_device(kvm.KVM_DEV_TYPE_ARM_VGIC_V3),),
         deviation=Deviation(f"{API} gives ENXIO for a device the system does not support; with the host's own "
                             "vGICv3 in place, vgic-kvm-device.c vgic_check_type finds the VM's vgic_model is not "
                             "VGIC_V2 and returns ENODEV (arm.c gives ENXIO only without any vGIC: no-vgic)", ENODEV)),

    # --- ordering and state ------------------------------------------------------------------------------
    case("before-irqchip", SET, "DIST before KVM_CREATE_IRQCHIP", GICV2, set_addr(DIST, D), ENODEV,
         f"{API}: must be called after KVM_CREATE_IRQCHIP (no errno given); vgic_check_type: ENODEV",
         basis="code"),
    case("dist-already-set", SET, "DIST twice", GICV2, set_addr(DIST, 0x10000000), EEXIST,
         f"{API}: calling this ioctl twice for any of the base addresses will return -EEXIST",
         setup=(IRQCHIP, set_addr(DIST, D)), order_row=2),  # 4.85's second ordering rule: "twice"
    case("cpu-already-set", SET, "CPU twice", GICV2, set_addr(CPU, C), EEXIST, f"{API}: twice -> EEXIST",
         setup=(IRQCHIP, set_addr(CPU, C)), order_row=2),
    case("already-set-wins-over-misaligned", SET, "DIST again, misaligned", GICV2, set_addr(DIST, 0x1), EEXIST,
         f"{API}: twice -> EEXIST; {IORANGE} tests it before alignment", setup=(IRQCHIP, set_addr(DIST, D))),
    case("already-set-wins-over-range", SET, "DIST again, beyond the IPA space", GICV2, set_addr(DIST, 1 << 63),
         EEXIST, f"{API}: twice -> EEXIST; {IORANGE} tests it before the range",
         setup=(IRQCHIP, set_addr(DIST, D))),
    case("already-set-by-device-api", SET, "DIST set through KVM_SET_DEVICE_ATTR, then legacy", GICV2,
         set_addr(DIST, 0x10000000), EEXIST, f"{API}: EEXIST; {VGIC_RST}: one vGIC, one address each",
         setup=(create_device(), set_attr(DIST, D))),
    case("after-vcpu-ran", SET, "DIST after a vCPU ran", GICV2, set_addr(DIST, 0x10000000), EEXIST,
         f"{API}: before KVM_RUN (no errno); both addresses are set for a run to succeed, so EEXIST",
         setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, C), run_vcpu()), basis="code"),
    case("overlapping-frames", SET, "CPU frame at the DIST frame's address", GICV2, set_addr(CPU, D), EBUSY,
         f"{API}, Errors: EBUSY (address overlaps with other device range)", setup=(IRQCHIP, set_addr(DIST, D)),
         deviation=Deviation(f"{API} documents EBUSY for overlapping ranges; {IORANGE} has no overlap test, the "
                             "call succeeds and the first KVM_RUN fails with EINVAL (vgic-v2.c vgic_v2_check_base)",
                             SUCCEEDS)),
    case("dead-vm", SET, "CPU after a failed first KVM_RUN killed the VM", GICV2, set_addr(CPU, C), EIO,
         "kvm_main.c: kvm_vm_ioctl refuses a dead VM; vgic-init.c kvm_vgic_map_resources kills it on error "
         "(Debian 6.1 from 6.1.115, 6.12, 7.2)", setup=(IRQCHIP, set_addr(DIST, D), run_vcpu(ok_errno=ENXIO)),
         basis="code"),

    # --- the range and alignment --------------------------------------------------------------------------
    case("beyond-ipa-default-vm", SET, "DIST at 2^40 in a default VM", GICV2, set_addr(DIST, 1 << 40), E2BIG,
         f"{API}, Errors: E2BIG (default VM: 40-bit IPA, api.rst 4.2)", setup=(IRQCHIP,)),
    case("beyond-ipa-no-wrap", SET, "DIST at 2^64 - 0x2000 (no wrap)", GICV2, set_addr(DIST, 0xFFFFFFFFFFFFE000),
         E2BIG, f"{API}, Errors: E2BIG", setup=(IRQCHIP,)),
    *(c for n in (32, 36, 40, "limit") for c in _ipa_cases(n)),
    case("wraps-past-2-64", SET, "DIST at 2^64 - 0x1000 (its end wraps)", GICV2, set_addr(DIST, WRAP), E2BIG,
         f"{API}, Errors: E2BIG", setup=(IRQCHIP,), deviation=Deviation(D2_REASON, EINVAL)),
    case("misaligned", SET, "DIST not 4 KiB aligned", GICV2, set_addr(DIST, D + 0x800), EINVAL,
         f"{IORANGE}: IS_ALIGNED(addr, SZ_4K); {VGIC_RST}: EINVAL for an incorrectly aligned address",
         setup=(IRQCHIP,), basis="code"),
    case("all-ones-is-not-unset", SET, "DIST at all ones (the value an unset address reads back as)", GICV2,
         set_addr(DIST, 0xFFFFFFFFFFFFFFFF), EINVAL, f"{IORANGE}: misaligned, so an address cannot be unset",
         setup=(IRQCHIP,), basis="code"),

    # --- the argument and the fd -------------------------------------------------------------------------
    case("unreadable-argument", SET, "argument pointer to a guard page", ARM64, set_addr_at(BAD_POINTER), EFAULT,
         "arm.c: kvm_arch_vm_ioctl copy_from_user, before any other test (undocumented in api.rst 4.85)",
         basis="code"),
    case("system-fd", SET, "the request on the system fd", ARM64,
         raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D), on="system"), EINVAL,
         "arm.c: kvm_arch_dev_ioctl default", basis="code"),
    case("vgic-device-fd", SET, "the request on the vGIC device fd", GICV2,
         raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D), on="device"), ENOTTY,
         "kvm_main.c: kvm_device_ioctl default; the vGIC device has no .ioctl", setup=(create_device(),),
         basis="code"),
    case("vcpu-fd-is-get-one-reg-uninitialised", "KVM_GET_ONE_REG",
         "the same number on a vCPU fd before KVM_ARM_VCPU_INIT", ARM64,
         raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab (= KVM_GET_ONE_REG)", kvm.kvm_arm_device_addr(id=0, addr=0),
             on="vcpu"), ENOEXEC, "arm.c: kvm_arch_vcpu_ioctl KVM_GET_ONE_REG refuses an uninitialised vCPU",
         setup=(create_vcpu(0),), basis="code"),
    case("vcpu-fd-is-get-one-reg", "KVM_GET_ONE_REG", "the same number on a vCPU fd reads the PC register",
         ARM64, raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab {id = core reg PC}",
                    lambda s: kvm.kvm_one_reg(id=kvm.KVM_REG_ARM64 | kvm.KVM_REG_SIZE_U64 | arm64.KVM_REG_ARM_CORE
                                              | arm64.KVM_REG_ARM_CORE_REG("regs.pc"), addr=s.scratch()),
                    on="vcpu"), 0,
         "linux/kvm.h: KVM_GET_ONE_REG is _IOW(KVMIO, 0xab, struct kvm_one_reg), the same number; guest.c "
         "kvm_arm_get_reg", setup=(init_vcpu(),), basis="code"),
    case("x86-vm-fd", SET, "the request on an x86_64 VM fd", X86_64,
         raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D)), ENOTTY,
         "x86.c: kvm_arch_vm_ioctl default r = -ENOTTY", basis="code"),
    case("x86-vm-fd-bad-pointer", SET, "the request on an x86_64 VM fd with a bad pointer", X86_64,
         raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, lambda s: s.target.bad_address()), ENOTTY,
         "x86.c: kvm_arch_vm_ioctl default: refused before any copy", basis="code"),
    case("x86-system-fd", SET, "the request on the x86_64 system fd", X86_64,
         raw(kvm.KVM_ARM_SET_DEVICE_ADDR, SET, kvm.kvm_arm_device_addr(id=0, addr=D), on="system"), EINVAL,
         "x86.c: kvm_arch_dev_ioctl default", basis="code", needs_vm=False),
    case("x86-vcpu-fd", SET, "the same number on an x86_64 vCPU fd with id 0", X86_64,
         raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab", kvm.kvm_arm_device_addr(id=0, addr=0), on="vcpu"), EINVAL,
         "x86.c: kvm_arch_vcpu_ioctl default (6.1, 6.12); KVM_GET_ONE_REG with a non-x86 id (7.2)",
         setup=(create_vcpu(0),), basis="code"),

    # --- KVM_CREATE_IRQCHIP ------------------------------------------------------------------------------
    case("irqchip-gicv2", "KVM_CREATE_IRQCHIP", "on a GICv2 host", GICV2, IRQCHIP, 0,
         "api.rst 4.24: on arm64 a GICv2 is created"),
    case("irqchip-gicv3-host", "KVM_CREATE_IRQCHIP", "on a GICv3 host without GICv2 emulation", GICV3, IRQCHIP,
         ENODEV, "vgic-init.c: kvm_vgic_create (can_emulate_gicv2); api.rst 4.24 has no Errors", basis="code"),
    case("irqchip-no-vgic", "KVM_CREATE_IRQCHIP", "on a host without a vGIC", NOVGIC, IRQCHIP, ENXIO,
         "arm.c: kvm_arch_vm_ioctl (!vgic_present)", basis="code"),
    case("irqchip-twice", "KVM_CREATE_IRQCHIP", "twice", GICV2, IRQCHIP, EEXIST,
         "vgic-init.c: kvm_vgic_create (irqchip_in_kernel)", setup=(IRQCHIP,), basis="code"),
    case("irqchip-after-create-device", "KVM_CREATE_IRQCHIP", "after KVM_CREATE_DEVICE(VGIC_V2)", GICV2, IRQCHIP,
         EEXIST, f"{VGIC_RST}: only one VGIC instance; vgic-init.c kvm_vgic_create", setup=(create_device(),),
         basis="code"),
    case("irqchip-after-vcpu-ran", "KVM_CREATE_IRQCHIP", "after a vCPU ran without one", GICV2, IRQCHIP, EBUSY,
         "vgic-init.c: kvm_vgic_create (vcpu_has_run_once)", setup=(run_vcpu(),), basis="code"),

    # --- KVM_CREATE_DEVICE(VGIC_V2) ----------------------------------------------------------------------
    case("create-device", "KVM_CREATE_DEVICE", "VGIC_V2 on a GICv2 host", GICV2, create_device(), 0,
         "api.rst 4.79; arm-vgic.rst"),
    case("create-device-test", "KVM_CREATE_DEVICE", "VGIC_V2 with KVM_CREATE_DEVICE_TEST", GICV2,
         create_device(flags=kvm.KVM_CREATE_DEVICE_TEST), 0, "api.rst 4.79: test whether the device can be created"),
    case("create-device-unsupported", "KVM_CREATE_DEVICE", "VGIC_V2 on a host that cannot emulate it",
         ("gicv3", "novgic"), create_device(), ENODEV, "api.rst 4.79, Errors: ENODEV"),
    case("create-device-unknown-type", "KVM_CREATE_DEVICE", "type 0xffff", ARM64, create_device(0xFFFF), ENODEV,
         "api.rst 4.79, Errors: ENODEV"),
    case("create-device-twice", "KVM_CREATE_DEVICE", "a second VGIC_V2", GICV2, create_device(), EEXIST,
         "api.rst 4.79, Errors: EEXIST", setup=(create_device(),)),
    case("create-device-after-irqchip", "KVM_CREATE_DEVICE", "VGIC_V2 after KVM_CREATE_IRQCHIP", GICV2,
         create_device(), EEXIST, "api.rst 4.79, Errors: EEXIST", setup=(IRQCHIP,)),

    # --- KVM_SET/GET/HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR -------------------------------------------
    case("attr-set-dist", "KVM_SET_DEVICE_ATTR", "DIST", GICV2, set_attr(DIST, D), 0, VGIC_RST,
         setup=(create_device(),), **VGIC_ROW),
    case("attr-set-cpu", "KVM_SET_DEVICE_ATTR", "CPU", GICV2, set_attr(CPU, C), 0, VGIC_RST,
         setup=(create_device(),), **VGIC_ROW),
    case("attr-already-set-by-legacy", "KVM_SET_DEVICE_ATTR", "DIST set through the legacy ioctl first", GICV2,
         set_attr(DIST, 0x10000000), EEXIST, f"{VGIC_RST}, Errors: EEXIST",
         setup=(create_device(), set_addr(DIST, D)), **VGIC_ROW),
    case("attr-misaligned", "KVM_SET_DEVICE_ATTR", "DIST not 4 KiB aligned", GICV2, set_attr(DIST, D + 0x800),
         EINVAL, f"{VGIC_RST}, Errors: EINVAL", setup=(create_device(),), **VGIC_ROW),
    case("attr-beyond-ipa", "KVM_SET_DEVICE_ATTR", "DIST at 2^40 in a default VM", GICV2, set_attr(DIST, 1 << 40),
         E2BIG, f"{VGIC_RST}, Errors: E2BIG", setup=(create_device(),), **VGIC_ROW),
    case("attr-wraps-past-2-64", "KVM_SET_DEVICE_ATTR", "DIST at 2^64 - 0x1000 (its end wraps)", GICV2,
         set_attr(DIST, WRAP), E2BIG, f"{VGIC_RST}, Errors: E2BIG", setup=(create_device(),),
         deviation=Deviation(D2_REASON, EINVAL),
         **VGIC_ROW),
    case("attr-unknown-type", "KVM_SET_DEVICE_ATTR", "attr 2 (a GICv3 type) on the VGIC_V2 device", GICV2,
         set_attr(2, D), ENXIO, f"{VGIC_RST}, Errors: ENXIO", setup=(create_device(),), **VGIC_ROW),
    case("attr-upper-bits", "KVM_SET_DEVICE_ATTR", "attr DIST | 1 << 32", GICV2, set_attr(1 << 32, D), ENXIO,
         f"{VGIC_RST}, Errors: ENXIO; kvm_vgic_addr switches on the whole 64-bit attr", setup=(create_device(),),
         **VGIC_ROW),
    case("attr-unknown-group", "KVM_SET_DEVICE_ATTR", "group 0xffff", GICV2, set_attr(DIST, D, group=0xFFFF),
         ENXIO, "api.rst 4.80, Errors: ENXIO", setup=(create_device(),)),
    case("attr-bad-addr-pointer", "KVM_SET_DEVICE_ATTR", "attr.addr pointing at a guard page", GICV2,
         set_attr(DIST, pointer=BAD_POINTER), EFAULT, f"{VGIC_RST}, Errors: EFAULT", setup=(create_device(),),
         **VGIC_ROW),
    case("attr-get-unset", "KVM_GET_DEVICE_ATTR", "DIST before it is set reads back as all ones", GICV2,
         get_attr(DIST), 0, "vgic-init.c: kvm_vgic_create stores VGIC_ADDR_UNDEF (-1); kvm_vgic_addr reads it",
         setup=(create_device(),), check=reads_back(0xFFFFFFFFFFFFFFFF), basis="code"),
    case("attr-get-set-by-legacy", "KVM_GET_DEVICE_ATTR", "DIST set through the legacy ioctl reads back", GICV2,
         get_attr(DIST), 0, f"{VGIC_RST}: the address of the one vGIC", setup=(create_device(), set_addr(DIST, D)),
         check=reads_back(D), **VGIC_ROW),
    case("attr-get-unknown", "KVM_GET_DEVICE_ATTR", "attr 2", GICV2, get_attr(2), ENXIO,
         f"{VGIC_RST}, Errors: ENXIO", setup=(create_device(),), **VGIC_ROW),
    case("attr-has-dist", "KVM_HAS_DEVICE_ATTR", "DIST", GICV2, has_attr(DIST), 0, "api.rst 4.81",
         setup=(create_device(),)),
    case("attr-has-unknown", "KVM_HAS_DEVICE_ATTR", "attr 2", GICV2, has_attr(2), ENXIO,
         "api.rst 4.81, Errors: ENXIO", setup=(create_device(),)),

    # --- KVM_RUN and the addresses -----------------------------------------------------------------------
    case("run-addresses-unset", "KVM_RUN", "first run with both addresses unset", GICV2, run_vcpu(), ENXIO,
         "vgic-v2.c: vgic_v2_map_resources (api.rst 4.10 does not list it)", setup=(IRQCHIP,), basis="code"),
    case("run-cpu-unset", "KVM_RUN", "first run with only DIST set", GICV2, run_vcpu(), ENXIO,
         "vgic-v2.c: vgic_v2_map_resources", setup=(IRQCHIP, set_addr(DIST, D)), basis="code"),
    case("run-dist-unset", "KVM_RUN", "first run with only CPU set", GICV2, run_vcpu(), ENXIO,
         "vgic-v2.c: vgic_v2_map_resources", setup=(IRQCHIP, set_addr(CPU, C)), basis="code"),
    case("run-overlap-same-base", "KVM_RUN", "first run with DIST and CPU at one address", GICV2, run_vcpu(),
         EINVAL, "vgic-v2.c: vgic_v2_check_base", setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, D)),
         basis="code"),
    case("run-overlap-dist-in-cpu", "KVM_RUN", "first run with DIST in the CPU frame's second page", GICV2,
         run_vcpu(), EINVAL, "vgic-v2.c: vgic_v2_check_base (the CPU frame is 8 KiB)",
         setup=(IRQCHIP, set_addr(CPU, D), set_addr(DIST, D + 0x1000)), basis="code"),
    case("run-adjacent-frames", "KVM_RUN", "first run with CPU right after DIST", GICV2, run_vcpu(), EINTR,
         "api.rst 4.10: immediate_exit makes KVM_RUN return EINTR once the vCPU is ready",
         setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, D + 0x1000))),
    case("run-again-dead-vm", "KVM_RUN", "run again after a failed first run", GICV2, run_vcpu(), EIO,
         "kvm_main.c: kvm_vcpu_ioctl refuses a dead VM", setup=(IRQCHIP, run_vcpu(ok_errno=ENXIO)), basis="code"),
    case("check-extension-dead-vm", "KVM_CHECK_EXTENSION", "on the VM fd of a dead VM", GICV2,
         S.check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR"), EIO,
         "kvm_main.c: kvm_vm_ioctl refuses a dead VM", setup=(IRQCHIP, run_vcpu(ok_errno=ENXIO)), basis="code"),

    # --- KVM_CREATE_VCPU and the vGIC --------------------------------------------------------------------
    case("vcpu-after-vgic-init", "KVM_CREATE_VCPU", "after the vGIC was initialised by a run", GICV2,
         create_vcpu(1), EBUSY, "arm.c: kvm_arch_vcpu_precreate (vgic_initialized)",
         setup=(IRQCHIP, set_addr(DIST, D), set_addr(CPU, C), run_vcpu()), basis="code"),
    case("gicv2-ninth-vcpu", "KVM_CREATE_VCPU", "a ninth vCPU with a GICv2", GICV2, create_vcpu(8), EINVAL,
         "kvm_main.c: kvm_vm_ioctl_create_vcpu (created_vcpus >= max_vcpus, 8 on a GICv2 host: "
         "arm.c kvm_arm_default_max_vcpus); api.rst 4.7 gives no errno", setup=(IRQCHIP, create_vcpus(8)),
         basis="code"),
    case("gicv2-vcpu-id-8", "KVM_CREATE_VCPU", "vCPU id 8 with a GICv2", GICV2, create_vcpu(8), EINVAL,
         "arm.c: kvm_arch_vcpu_precreate (id >= max_vcpus)", setup=(IRQCHIP,), basis="code"),
    case("gicv2-max-vcpus", "KVM_CHECK_EXTENSION", "KVM_CAP_MAX_VCPUS on a GICv2 host", GICV2,
         S.check_extension(kvm.KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS"), 0,
         "arm.c: kvm_arm_default_max_vcpus (VGIC_V2_MAX_CPUS = 8)", ret=8, basis="code"),
]
