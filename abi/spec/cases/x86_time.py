"""x86 clocks: KVM_GET/SET_CLOCK, KVM_GET/SET_TSC_KHZ, KVM_KVMCLOCK_CTRL."""

from __future__ import annotations

from errno import EFAULT, EINVAL, EIO

from abi import kvm
from abi.spec.case import Case, Unreachable, need
from abi.spec.steps.base import API, call, capability
from abi.spec.steps.memory import CLOCK, KVMCLOCK_CTRL, kvmclock_enabled
from abi.spec.steps.vcpu import ready_vcpu
from abi.spec.steps.vm import VCPU0, create_vcpu
from abi.spec.steps.x86_vcpu import (
    AFTER_VCPU_CHECK,
    DOUBLE_KHZ,
    HALF_KHZ,
    HOST_KHZ,
    _host_khz,
    bad,
    clock,
    modify,
    out_check,
    tsc_khz,
)
from abi.spec.steps.x86_vm import positive


def _vm() -> list[Case]:
    return [
        Case(id="vm-tsc-khz", ioctl="KVM_GET_TSC_KHZ", condition="on the VM fd: the default guest TSC frequency",
             arch=("x86_64",), call=call("KVM_GET_TSC_KHZ", "vm"), errno=0,
             cite=f"{API} 4.56 KVM_GET_TSC_KHZ: 'Returns the tsc frequency of the "
             "guest' (vm ioctl with KVM_CAP_VM_TSC_CONTROL)", check=positive, kernels="6.0+"),
        Case(id="vcpu-tsc-khz", ioctl="KVM_GET_TSC_KHZ", condition="on the vCPU fd", arch=("x86_64",),
             call=call("KVM_GET_TSC_KHZ", "vcpu"), errno=0,
             cite=f"{API} 4.56 KVM_GET_TSC_KHZ: 'Returns the tsc frequency of the guest'", setup=(VCPU0,),
             check=positive),
    ]


def _clock() -> list[Case]:
    g, st = f"{API} 4.29 KVM_GET_CLOCK", f"{API} 4.30 KVM_SET_CLOCK"
    adjust = capability("KVM_CAP_ADJUST_CLOCK")
    return [
        Case(id="get-clock-flags", ioctl="KVM_GET_CLOCK",
             condition="flags returned are among those KVM_CAP_ADJUST_CLOCK reports", arch=("x86_64",),
             call=call("KVM_GET_CLOCK", "vm", kvm.kvm_clock_data()), errno=0,
             cite=f"{g}: 'When KVM_CAP_ADJUST_CLOCK is passed to KVM_CHECK_EXTENSION, it returns the set of bits that "
             "KVM can return in struct kvm_clock_data's flag member'",
             check=out_check("kvm_clock_data", lambda s, c: c.flags & ~adjust(s) == 0 and
                             (not c.flags & kvm.KVM_CLOCK_REALTIME or c.realtime != 0) and
                             (not c.flags & kvm.KVM_CLOCK_HOST_TSC or c.host_tsc != 0),
                             "no flag outside KVM_CHECK_EXTENSION(KVM_CAP_ADJUST_CLOCK), realtime and host_tsc "
                             "filled when their flags are set"), needs=need("KVM_CAP_ADJUST_CLOCK")),
        Case(id="set-clock-as-read", ioctl="KVM_SET_CLOCK", condition="what KVM_GET_CLOCK gave, its flags included",
             arch=("x86_64",),
             call=modify("KVM_GET_CLOCK", "KVM_SET_CLOCK", "kvm_clock_data", lambda s, c: None, "as read", on="vm"),
             errno=0, cite=f"{st}: 'Other flags returned by KVM_GET_CLOCK are accepted but ignored'",
             needs=need("KVM_CAP_ADJUST_CLOCK")),
        Case(id="set-clock-realtime", ioctl="KVM_SET_CLOCK",
             condition="KVM_CLOCK_REALTIME with realtime 0 (in the past)", arch=("x86_64",),
             call=call("KVM_SET_CLOCK", "vm", kvm.kvm_clock_data(clock=0, flags=kvm.KVM_CLOCK_REALTIME, realtime=0),
                  "clock 0, flags REALTIME, realtime 0"), errno=0, cite=f"{st}: KVM_CLOCK_REALTIME 'can be passed'",
             needs=need("KVM_CAP_ADJUST_CLOCK")),
        Case(id="set-clock-unknown-flag", ioctl="KVM_SET_CLOCK", condition="flags bit 31", arch=("x86_64",),
             call=clock(1 << 31), errno=EINVAL,
             cite="x86.c: kvm_vm_ioctl_set_clock (flags outside KVM_CLOCK_VALID_FLAGS)", basis="code",
             needs=need("KVM_CAP_ADJUST_CLOCK")),
        Case(id="get-clock-bad-pointer", ioctl="KVM_GET_CLOCK", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_CLOCK", "vm"), errno=EFAULT,
             cite="x86.c: kvm_vm_ioctl_get_clock (copy_to_user)", basis="code", needs=need("KVM_CAP_ADJUST_CLOCK")),
        Case(id="set-clock-bad-pointer", ioctl="KVM_SET_CLOCK", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_CLOCK", "vm"), errno=EFAULT,
             cite="x86.c: kvm_vm_ioctl_set_clock (copy_from_user)", basis="code", needs=need("KVM_CAP_ADJUST_CLOCK")),
    ]


def _tsc() -> list[Case]:
    t = f"{API} 4.55 KVM_SET_TSC_KHZ"
    vcpu_path = "x86.c: kvm_arch_vcpu_ioctl, KVM_SET_TSC_KHZ -> kvm_set_tsc_khz -> set_tsc_khz"
    no_scaling = need("KVM_CAP_TSC_CONTROL", False)
    return [
        Case(id="vcpu-tsc-khz-same", ioctl="KVM_SET_TSC_KHZ", condition="the frequency the vCPU has", arch=("x86_64",),
             call=tsc_khz("vcpu", HOST_KHZ), errno=0,
             cite=f"{t}: 'Specifies the tsc frequency for the virtual machine'", setup=(VCPU0,),
             check=lambda s, got: None if s.ioctl(s.vcpus[-1], s.abi.KVM_GET_TSC_KHZ, 0).ret == _host_khz(s)
             else "KVM_GET_TSC_KHZ changed"),
        Case(id="vcpu-tsc-khz-0", ioctl="KVM_SET_TSC_KHZ", condition="0 kHz: the host's frequency is used",
             arch=("x86_64",), call=tsc_khz("vcpu", 0), errno=0, cite=f"{vcpu_path} (0 means tsc_khz)", setup=(VCPU0,),
             basis="code"),
        Case(id="vcpu-tsc-khz-lower-no-scaling", ioctl="KVM_SET_TSC_KHZ",
             condition="half the host frequency without TSC scaling "
             "(KVM_CAP_TSC_CONTROL 0)", arch=("x86_64",), call=tsc_khz("vcpu", HALF_KHZ), errno=EINVAL,
             cite=f"{vcpu_path} (no scaling: a rate below the host's is refused)", setup=(VCPU0,), basis="code",
             needs=no_scaling),
        Case(id="vcpu-tsc-khz-higher-no-scaling", ioctl="KVM_SET_TSC_KHZ",
             condition="twice the host frequency without TSC scaling: "
             "accepted (TSC catch-up)", arch=("x86_64",), call=tsc_khz("vcpu", DOUBLE_KHZ), errno=0,
             cite=f"{vcpu_path} (no scaling: a higher rate sets tsc_always_catchup)", setup=(VCPU0,), basis="code",
             needs=no_scaling),
        Case(id="vm-tsc-khz-after-vcpu", ioctl="KVM_SET_TSC_KHZ", condition="VM fd, a vCPU exists", arch=("x86_64",),
             call=tsc_khz("vm", HOST_KHZ), errno=EINVAL,
             cite=f"{t} (7.2): 'Note, the vm ioctl is only allowed prior to creating vCPUs'; x86.c: kvm_arch_vm_ioctl "
             "(created_vcpus: EINVAL)", setup=(VCPU0,), order_row=1, needs=need("KVM_CAP_VM_TSC_CONTROL"),
             kernels=AFTER_VCPU_CHECK),
        Case(id="vm-tsc-khz-before-vcpu", ioctl="KVM_SET_TSC_KHZ", condition="VM fd, no vCPU yet", arch=("x86_64",),
             call=tsc_khz("vm", HOST_KHZ), errno=0,
             cite=f"{t}: 'this can also be used as a vm ioctl to set the initial tsc frequency of subsequently created "
             "vCPUs'", needs=need("KVM_CAP_VM_TSC_CONTROL")),
        Case(id="vm-tsc-khz-after-vcpu-any", ioctl="KVM_SET_TSC_KHZ",
             condition="VM fd, a vCPU exists (whatever KVM_CAP_VM_TSC_CONTROL "
             "says)", arch=("x86_64",), call=tsc_khz("vm", HOST_KHZ), errno=EINVAL,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_TSC_KHZ (created_vcpus: "
             "EINVAL; the VM ioctl exists whatever the capability)", setup=(VCPU0,), basis="code",
             kernels=AFTER_VCPU_CHECK),
        # Twice the host's rate: a value the VM does not have already, so the read-back proves the store (without
        # TSC scaling nothing bounds it; with scaling it must stay below max_guest_tsc_khz).
        Case(id="vm-tsc-khz-before-vcpu-any", ioctl="KVM_SET_TSC_KHZ",
             condition="VM fd, no vCPU yet, twice the host's rate (whatever "
             "KVM_CAP_VM_TSC_CONTROL says)", arch=("x86_64",), call=tsc_khz("vm", DOUBLE_KHZ), errno=0,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_TSC_KHZ (stores default_tsc_khz); KVM_GET_TSC_KHZ reads it back",
             check=lambda s, got: None if s.ioctl(s.vm, s.abi.KVM_GET_TSC_KHZ, 0).ret == DOUBLE_KHZ(s)
             else "the VM's KVM_GET_TSC_KHZ does not give the value set", basis="code",
             needs=need("KVM_CAP_TSC_CONTROL", False)),
    ]


CASES: list[Case] = [
    # 4.70 KVM_KVMCLOCK_CTRL (x86).
    Case(id="kvmclock-ctrl", ioctl="KVM_KVMCLOCK_CTRL", condition="the vCPU's kvmclock is registered", arch=("x86_64",),
         call=KVMCLOCK_CTRL, errno=0,
         cite=f"{CLOCK}: 'sets a flag accessible to the guest indicating that the specified vCPU has been paused' (the "
         "flag lives in the guest's pvclock structure)", setup=(kvmclock_enabled(),)),
    Case(id="kvmclock-ctrl-no-clock", ioctl="KVM_KVMCLOCK_CTRL", condition="the guest registered no kvmclock",
         arch=("x86_64",), call=KVMCLOCK_CTRL, errno=EINVAL,
         cite="x86.c: kvm_set_guest_paused (!vcpu->arch.pv_time.active: -EINVAL)", setup=(create_vcpu(0),),
         basis="code"),
    # Ioctls of one architecture on the other.
    Case(id="kvmclock-ctrl-arm64", ioctl="KVM_KVMCLOCK_CTRL", condition="on arm64 (api.rst: 'currently x86 only')",
         arch=("arm64",), call=KVMCLOCK_CTRL, errno=EINVAL, cite="arm.c: kvm_arch_vcpu_ioctl (default: -EINVAL)",
         setup=(ready_vcpu(),), basis="code"),
    *_vm(),
    *_clock(),
    *_tsc(),
]

UNREACHABLE = [
    Unreachable("KVM_GET_TSC_KHZ", EIO, "x86.c kvm_arch_vcpu_ioctl and kvm_arch_vm_ioctl return the (virtual or "
                "default) TSC frequency unconditionally in 6.1, 6.12 and 7.2: no path returns -EIO, whatever the "
                "host TSC; an unstable host TSC cannot be induced from userspace either (see DOC_FINDINGS)",
                arch="x86_64"),
    Unreachable("KVM_KVMCLOCK_CTRL", 0, "calling it while the vCPU is not paused means calling it during the "
                "vCPU's KVM_RUN: kvm_main.c kvm_vcpu_ioctl takes the vCPU's mutex (mutex_lock_killable) for "
                "KVM_KVMCLOCK_CTRL as for every vCPU ioctl, and KVM_RUN holds it, so the call waits until KVM_RUN "
                "returns, i.e. until the vCPU is paused: no order of calls the kernel can see breaks the rule",
                arch="x86_64", order_row=1),
]
