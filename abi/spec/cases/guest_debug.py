"""KVM_SET_GUEST_DEBUG: its control flags per architecture."""

from __future__ import annotations

from errno import EFAULT, EINVAL

from abi import kvm
from abi.spec.case import Case, need
from abi.spec.steps.base import GENERIC, MAIN, step
from abi.spec.steps.memory import (
    DEBUG,
    KVM_GUESTDBG_EXIT_PENDING,
    SUPPORTED_DEBUG,
    UNSUPPORTED_ARCH_BIT,
    guest_debug,
)
from abi.spec.steps.vcpu import ready_vcpu

# 4.87 KVM_SET_GUEST_DEBUG's capability: a kernel that answers it 0 has no guest debugging to set (riscv64's 6.1:
# kvm_vm_ioctl_check_extension in arch/riscv/kvm/vm.c does not name it, and kvm_arch_vcpu_ioctl_set_guest_debug in
# arch/riscv/kvm/vcpu.c returns -EINVAL for every control; 6.12 has both).
CAP = need("KVM_CAP_SET_GUEST_DEBUG")

CASES: list[Case] = [
    # 4.87 KVM_SET_GUEST_DEBUG.
    Case(id="debug-supported-bits", ioctl="KVM_SET_GUEST_DEBUG",
         condition="control = the bits KVM_CAP_SET_GUEST_DEBUG2 names", arch=GENERIC,
         call=guest_debug(SUPPORTED_DEBUG), errno=0,
         cite=f"{DEBUG}: 'KVM_CAP_SET_GUEST_DEBUG2 capability indicates the supported "
         "KVM_GUESTDBG_* bits in the control field'", setup=(ready_vcpu(),), needs=CAP),
    Case(id="debug-singlestep", ioctl="KVM_SET_GUEST_DEBUG", condition="ENABLE | SINGLESTEP", arch=GENERIC,
         call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | kvm.KVM_GUESTDBG_SINGLESTEP), errno=0,
         cite=f"{DEBUG}: 'Common control bits are: KVM_GUESTDBG_ENABLE ... KVM_GUESTDBG_SINGLESTEP'",
         setup=(ready_vcpu(),), needs=CAP),
    Case(id="debug-disable", ioctl="KVM_SET_GUEST_DEBUG", condition="control 0 after enabling",
         arch=GENERIC, call=guest_debug(0), errno=0,
         cite=f"{DEBUG}: KVM_GUESTDBG_ENABLE 'guest debugging is enabled' (clear: disabled)",
         setup=(ready_vcpu(), guest_debug(kvm.KVM_GUESTDBG_ENABLE)), needs=CAP),
    Case(id="debug-unsupported-arch-bit", ioctl="KVM_SET_GUEST_DEBUG",
         condition="an architecture bit the capability does not name", arch=("arm64",),
         call=guest_debug(UNSUPPORTED_ARCH_BIT), errno=EINVAL,
         cite="guest.c: kvm_arch_vcpu_ioctl_set_guest_debug (control outside "
         "KVM_GUESTDBG_VALID_MASK: -EINVAL)", setup=(ready_vcpu(),), basis="code"),
    Case(id="debug-common-bit-2", ioctl="KVM_SET_GUEST_DEBUG", condition="ENABLE | bit 2 (no common flag)",
         arch=("arm64",), call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | 4), errno=EINVAL,
         cite="guest.c: kvm_arch_vcpu_ioctl_set_guest_debug (control "
         "outside KVM_GUESTDBG_VALID_MASK: -EINVAL)", setup=(ready_vcpu(),), basis="code"),
    Case(id="debug-x86-flag-on-arm64", ioctl="KVM_SET_GUEST_DEBUG",
         condition="ENABLE | KVM_GUESTDBG_INJECT_DB (an x86 flag)", arch=("arm64",),
         call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | (1 << 18)), errno=EINVAL,
         cite="guest.c: kvm_arch_vcpu_ioctl_set_guest_debug "
         f"(outside KVM_GUESTDBG_VALID_MASK: -EINVAL); {DEBUG} marks INJECT_DB '[x86]'", setup=(ready_vcpu(),),
         basis="code"),
    # x86 checks no control bit: KVM_GUESTDBG_VALID_MASK only feeds KVM_CAP_SET_GUEST_DEBUG2 there. api.rst does not
    # say an unsupported bit is refused, so this is no deviation, but the two architectures differ.
    Case(id="debug-x86-unsupported-arch-bit", ioctl="KVM_SET_GUEST_DEBUG",
         condition="an architecture bit the capability does not name", arch=("x86_64",),
         call=guest_debug(UNSUPPORTED_ARCH_BIT), errno=0,
         cite="x86.c: kvm_arch_vcpu_ioctl_set_guest_debug (no check of control "
         "against KVM_GUESTDBG_VALID_MASK)", setup=(ready_vcpu(),), basis="code"),
    Case(id="debug-x86-common-bit-2", ioctl="KVM_SET_GUEST_DEBUG", condition="ENABLE | bit 2 (no common flag)",
         arch=("x86_64",), call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | 4), errno=0,
         cite="x86.c: kvm_arch_vcpu_ioctl_set_guest_debug (no check of "
         "control)", setup=(ready_vcpu(),), basis="code"),
    Case(id="debug-s390-flag-on-x86", ioctl="KVM_SET_GUEST_DEBUG",
         condition="ENABLE | KVM_GUESTDBG_EXIT_PENDING (an s390 flag)", arch=("x86_64",),
         call=guest_debug(kvm.KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_EXIT_PENDING), errno=0, cite="x86.c: "
         f"kvm_arch_vcpu_ioctl_set_guest_debug (no check of control); {DEBUG} marks EXIT_PENDING '[s390]'",
         setup=(ready_vcpu(),), basis="code"),
    Case(id="debug-bad-pointer", ioctl="KVM_SET_GUEST_DEBUG", condition="the argument is a guard page",
         arch=GENERIC, call=step("KVM_SET_GUEST_DEBUG(arg = a guard page)",
              lambda s: s.ioctl(s.vcpus[-1], s.abi.KVM_SET_GUEST_DEBUG, s.target.bad_address())), errno=EFAULT,
         cite=f"{MAIN}: kvm_vcpu_ioctl (KVM_SET_GUEST_DEBUG: copy_from_user)", setup=(ready_vcpu(),), basis="code"),
]
