"""The /dev/kvm fd's ioctls: KVM_GET_API_VERSION, KVM_CREATE_VM (VM types, the arm64 IPA size),
KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE."""

from __future__ import annotations

from errno import EINVAL, EIO, ENXIO

from abi import kvm
from abi.spec.case import Case, Deviation, Observed, need
from abi.spec.steps.arm64 import CREATE_VM, ipa
from abi.spec.steps.base import API, GENERIC, MAIN, call, step
from abi.spec.steps.capabilities import BITMAP_KERNELS, WITH_BITMAP_ANSWER
from abi.spec.steps.irq import ret_at_least
from abi.spec.steps.memory import RING, mmap_size_ok
from abi.spec.steps.system import check_extension, create_vm
from abi.spec.steps.vcpu import kvm_run
from abi.spec.steps.vgic_its import ITS_ONLY, MSI_DOC, msi_devid_cap
from abi.spec.steps.vgic_v3 import CREATED
from abi.spec.steps.vm import IRQCHIP


def _check_extension() -> list[Case]:
    """KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) before any ring (7.36 rule 4, 6.12+)."""
    return [
        Case(id="ring-bitmap-asked-first-x86", ioctl="KVM_CHECK_EXTENSION",
             condition="KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP on the VM fd "
             "before any ring is enabled", arch=("x86_64",),
             call=step("KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) on the vm fd",
                                                lambda s: s.ioctl(s.vm, kvm.KVM_CHECK_EXTENSION,
                                                                  kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP)), errno=0,
             cite=f"{RING}: 'After enabling the dirty rings, the userspace needs to detect the capability of "
             f"KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP'; {WITH_BITMAP_ANSWER} answers the same before (x86 does not "
             "select NEED_KVM_DIRTY_RING_WITH_BITMAP: 0)", ret=0, order_row=4, basis="code",
             cap="KVM_CAP_DIRTY_LOG_RING", kernels=BITMAP_KERNELS),
        Case(id="ring-bitmap-asked-first-riscv64", ioctl="KVM_CHECK_EXTENSION",
             condition="KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP on the VM fd "
             "before any ring is enabled", arch=("riscv64",),
             call=step("KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) on the vm fd",
                                                lambda s: s.ioctl(s.vm, kvm.KVM_CHECK_EXTENSION,
                                                                  kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP)), errno=0,
             cite=f"{RING}: 'After enabling the dirty rings, the userspace needs to detect the capability of "
             f"KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP'; {WITH_BITMAP_ANSWER} answers the same before (riscv's Kconfig "
             "does not select NEED_KVM_DIRTY_RING_WITH_BITMAP: 0)", ret=0, order_row=4, basis="code",
             cap="KVM_CAP_DIRTY_LOG_RING", kernels=BITMAP_KERNELS),
        Case(id="ring-bitmap-asked-first-arm64", ioctl="KVM_CHECK_EXTENSION",
             condition="KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP on the VM "
             "fd before any ring is enabled", arch=("arm64",),
             call=step("KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) on the vm fd",
                  lambda s: s.ioctl(s.vm, kvm.KVM_CHECK_EXTENSION, kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP)), errno=0,
             cite=f"{RING}: 'After enabling the dirty rings, the userspace needs to detect the capability'; "
             f"{WITH_BITMAP_ANSWER} answers the same before (arm64's Kconfig selects "
             "NEED_KVM_DIRTY_RING_WITH_BITMAP: 1)", ret=1, order_row=4, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             kernels=BITMAP_KERNELS),
    ]


def _create() -> list[Case]:
    return [
        Case(id="vm-type-unsupported", ioctl="KVM_CREATE_VM", condition="machine type 31, which x86 does not define",
             arch=("x86_64",), call=create_vm(31), errno=EINVAL,
             cite="x86.c: kvm_arch_init_vm (kvm_is_vm_type_supported; 6.1: any type but 0)", basis="code",
             needs_vm=False),
    ]


def _xsave() -> list[Case]:
    _g, _st, g2 = f"{API} 4.42 KVM_GET_XSAVE", f"{API} 4.43 KVM_SET_XSAVE", f"{API} 4.134 KVM_GET_XSAVE2"
    return [
        Case(id="xsave2-size", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_XSAVE2 on the VM fd is at least 4096",
             arch=("x86_64",), call=call("KVM_CHECK_EXTENSION", "vm", kvm.KVM_CAP_XSAVE2, "KVM_CAP_XSAVE2"), errno=0,
             cite=f"{g2}: 'The size value returned by KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) will always be "
                  "at least 4096'",
             check=lambda s, got: None if got.ret >= 4096 else f"returned {got.ret}, expected >= 4096",
             needs=need("KVM_CAP_XSAVE2")),
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
    Case(id="riscv-mp-state-reset-check", ioctl="KVM_CHECK_EXTENSION",
         condition="KVM_CAP_RISCV_MP_STATE_RESET, which KVM_ENABLE_CAP enables", arch=("riscv64",),
         call=check_extension(kvm.KVM_CAP_RISCV_MP_STATE_RESET, "KVM_CAP_RISCV_MP_STATE_RESET"), errno=0,
         check=ret_at_least(1),
         cite="api.rst 4.37 KVM_ENABLE_CAP: 'To check if a capability can be enabled, the KVM_CHECK_EXTENSION "
         "ioctl should be used'; 4.4: 0 if unsupported; api.rst 7.43 KVM_CAP_RISCV_MP_STATE_RESET", kernels="6.16+",
         deviation=Deviation("4.37 sends userspace to KVM_CHECK_EXTENSION to learn whether a capability can be "
                             "enabled; 7.2's riscv vm.c kvm_vm_ioctl_check_extension (and kvm_main.c's generic "
                             "one) have no case for KVM_CAP_RISCV_MP_STATE_RESET, so it answers 0 although "
                             "KVM_ENABLE_CAP of it succeeds (enable_cap.py, case riscv-mp-state-reset)",
                             Observed(ret=0, text="success, 0: not offered"))),
    Case(id="check-extension-dead-vm", ioctl="KVM_CHECK_EXTENSION", condition="on the VM fd of a dead VM",
         arch=("arm64",), features=("vgic-v2",),
         call=check_extension(kvm.KVM_CAP_ARM_SET_DEVICE_ADDR, "KVM_CAP_ARM_SET_DEVICE_ADDR"), errno=EIO,
         cite="kvm_main.c: kvm_vm_ioctl refuses a dead VM",
         setup=(IRQCHIP, kvm_run(immediate_exit=True, ok_errno=ENXIO)), basis="code"),
    Case(id="gicv2-max-vcpus", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_MAX_VCPUS on a GICv2 host",
         arch=("arm64",), features=("vgic-v2",), call=check_extension(kvm.KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS"),
         errno=0, cite="arm.c: kvm_arm_default_max_vcpus (VGIC_V2_MAX_CPUS = 8)", ret=8, basis="code"),
    # --- MSIs through the ITS: KVM_SIGNAL_MSI and KVM_CAP_MSI_DEVID ----------------------------------------
    Case(id="msi-devid-cap", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_MSI_DEVID on the VM fd with an ITS",
         arch=("arm64",), features=("vgic-its",), call=msi_devid_cap(), errno=0,
         cite=f"{MSI_DOC}: the per-VM KVM_CAP_MSI_DEVID advertises that the device ID is required; arm.c "
         "kvm_vm_ioctl_check_extension (msis_require_devid, set by vgic_its_create)", setup=ITS_ONLY, ret=1),
    Case(id="msi-devid-cap-no-its", ioctl="KVM_CHECK_EXTENSION",
         condition="KVM_CAP_MSI_DEVID on the VM fd without an ITS", arch=("arm64",), features=("vgic-its",),
         call=msi_devid_cap(), errno=0, cite="arm.c: kvm_vm_ioctl_check_extension (msis_require_devid is false)",
         setup=CREATED, ret=0, basis="code"),
    Case(id="msi-devid-cap-system-fd", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_MSI_DEVID on the system fd",
         arch=("arm64",), features=("vgic-its",), call=msi_devid_cap("system"), errno=EINVAL,
         cite="arm.c: kvm_vm_ioctl_check_extension answers -EINVAL without a VM", basis="code"),
    # --- KVM_CREATE_VM: the IPA size -----------------------------------------------------------------------
    Case(id="vm-ipa-default", ioctl="KVM_CREATE_VM", condition="type 0 (40-bit IPA)", arch=("arm64",),
         call=create_vm(0), errno=0, cite=f"{CREATE_VM}: 0 is 40 bits", needs_vm=False),
    Case(id="vm-ipa-32", ioctl="KVM_CREATE_VM", condition="IPA size 32", arch=("arm64",), call=create_vm(ipa(32)),
         errno=0, cite=f"{CREATE_VM}: 32 <= N <= limit", needs_vm=False),
    Case(id="vm-ipa-limit", ioctl="KVM_CREATE_VM", condition="IPA size = KVM_CAP_ARM_VM_IPA_SIZE", arch=("arm64",),
         call=create_vm(ipa("limit")), errno=0, cite=f"{CREATE_VM}: 32 <= N <= Host_IPA_Limit", needs_vm=False),
    Case(id="vm-ipa-31", ioctl="KVM_CREATE_VM", condition="IPA size 31", arch=("arm64",), call=create_vm(ipa(31)),
         errno=EINVAL,
         cite=f"{CREATE_VM}: creation fails (no errno given); 6.1 reset.c kvm_arm_setup_stage2, 6.12+ mmu.c "
         "kvm_init_ipa_range: EINVAL", basis="code", needs_vm=False),
    Case(id="vm-ipa-1", ioctl="KVM_CREATE_VM", condition="IPA size 1", arch=("arm64",), call=create_vm(ipa(1)),
         errno=EINVAL, cite=f"{CREATE_VM}: creation fails; EINVAL as for 31", basis="code", needs_vm=False),
    Case(id="vm-ipa-above-limit", ioctl="KVM_CREATE_VM", condition="IPA size KVM_CAP_ARM_VM_IPA_SIZE + 1",
         arch=("arm64",), call=create_vm(ipa("limit+1")), errno=EINVAL,
         cite=f"{CREATE_VM}: creation fails; EINVAL (kvm_init_ipa_range)", basis="code", needs_vm=False),
    Case(id="vm-type-unknown-bit", ioctl="KVM_CREATE_VM", condition="type bit 8 set (outside the IPA field)",
         arch=("arm64",), call=create_vm(0x100), errno=EINVAL,
         cite="6.1 reset.c kvm_arm_setup_stage2, 6.12 mmu.c kvm_init_ipa_range, 7.2 arm.c kvm_arch_init_vm",
         basis="code", needs_vm=False),
    Case(id="vm-type-protected", ioctl="KVM_CREATE_VM",
         condition="KVM_VM_TYPE_ARM_PROTECTED (bit 31) without protected KVM", arch=("arm64",), call=create_vm(1 << 31),
         errno=EINVAL, cite="7.2 arm.c kvm_arch_init_vm; 6.1/6.12: a bit outside the IPA field", basis="code",
         needs_vm=False),
    # 4.1 / 4.5: system ioctls without an argument.
    Case(id="api-version", ioctl="KVM_GET_API_VERSION", condition="the system fd", arch=GENERIC,
         call=call("KVM_GET_API_VERSION", "system"), errno=0,
         cite=f"{API} 4.1 KVM_GET_API_VERSION: ':Returns: the constant KVM_API_VERSION (=12)'", ret=12, needs_vm=False),
    Case(id="api-version-arg", ioctl="KVM_GET_API_VERSION", condition="a non-zero argument", arch=GENERIC,
         call=call("KVM_GET_API_VERSION", "system", 1, "1"), errno=EINVAL,
         cite=f"{MAIN}: kvm_dev_ioctl (KVM_GET_API_VERSION: `if (arg) goto out` with r = -EINVAL)", basis="code",
         needs_vm=False),
    Case(id="mmap-size", ioctl="KVM_GET_VCPU_MMAP_SIZE", condition="the system fd", arch=GENERIC,
         call=call("KVM_GET_VCPU_MMAP_SIZE", "system"), errno=0,
         cite=f"{API} 4.5 KVM_GET_VCPU_MMAP_SIZE: the size of the shared kvm_run region; the coalesced MMIO page at "
         "KVM_COALESCED_MMIO_PAGE_OFFSET 'is included in the result'", check=mmap_size_ok),
    Case(id="mmap-size-arg", ioctl="KVM_GET_VCPU_MMAP_SIZE", condition="a non-zero argument", arch=GENERIC,
         call=call("KVM_GET_VCPU_MMAP_SIZE", "system", 1, "1"), errno=EINVAL,
         cite=f"{MAIN}: kvm_dev_ioctl (KVM_GET_VCPU_MMAP_SIZE: `if (arg) goto out` with r = -EINVAL)", basis="code",
         needs_vm=False),
    *_check_extension(),
    *_create(),
    *_xsave(),
]
