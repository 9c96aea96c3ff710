"""x86 machine checks: KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_X86_SETUP_MCE, KVM_X86_SET_MCE."""

from __future__ import annotations

import struct
from errno import EFAULT, EINVAL

from abi.spec.case import Case, Scene, Val, need
from abi.spec.steps.base import API, BAD_POINTER, call
from abi.spec.steps.vm import VCPU0
from abi.spec.steps.x86_vcpu import bad
from abi.spec.steps.x86_vm import MCE_BANKS, MCE_SET, MCE_SETUP, MCI_STATUS_VAL, set_mce, setup_mce


def _mce() -> list[Case]:
    banks_plus_1 = Val("KVM_CAP_MCE + 1", lambda s: MCE_BANKS(s) + 1)
    return [
        Case(id="setup-one-bank", ioctl="KVM_X86_SETUP_MCE", condition="1 bank, no capability bits", arch=("x86_64",),
             call=setup_mce(1), errno=0, cite=MCE_SETUP, setup=(VCPU0,)),
        Case(id="setup-max-banks", ioctl="KVM_X86_SETUP_MCE", condition="as many banks as KVM_CAP_MCE reports",
             arch=("x86_64",), call=setup_mce(MCE_BANKS), errno=0,
             cite=f"{MCE_SETUP}: 'The maximum supported number of error-reporting banks can be retrieved when "
             "checking for KVM_CAP_MCE'", setup=(VCPU0,)),
        Case(id="setup-zero-banks", ioctl="KVM_X86_SETUP_MCE", condition="0 banks", arch=("x86_64",), call=setup_mce(0),
             errno=EINVAL, cite=f"{MCE_SETUP}: '-EINVAL if the requested number of banks is invalid'", setup=(VCPU0,)),
        Case(id="setup-too-many-banks", ioctl="KVM_X86_SETUP_MCE", condition="KVM_CAP_MCE + 1 banks", arch=("x86_64",),
             call=setup_mce(banks_plus_1), errno=EINVAL,
             cite=f"{MCE_SETUP}: '-EINVAL if the requested number of banks is invalid'", setup=(VCPU0,)),
        Case(id="setup-unsupported-capability", ioctl="KVM_X86_SETUP_MCE",
             condition="1 bank and bit 63, no MCG_CAP capability", arch=("x86_64",), call=setup_mce(1 | 1 << 63),
             errno=EINVAL, cite=f"{MCE_SETUP}: '-EINVAL if requested MCE capability is not supported'; x86.c: "
             "kvm_vcpu_ioctl_x86_setup_mce (bits outside supported_mce_cap | 0xff | 0xff0000)", setup=(VCPU0,)),
        Case(id="setup-bad-pointer", ioctl="KVM_X86_SETUP_MCE", condition="mcg_cap is not readable", arch=("x86_64",),
             call=call("KVM_X86_SETUP_MCE", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{MCE_SETUP}: '-EFAULT if u64 mcg_cap cannot be read'", setup=(VCPU0,)),
        Case(id="set-corrected-error", ioctl="KVM_X86_SET_MCE",
             condition="bank 0, status VAL: a corrected error is stored", arch=("x86_64",),
             call=set_mce(0, MCI_STATUS_VAL), errno=0, cite=MCE_SET, setup=(VCPU0, setup_mce(1))),
        Case(id="set-bank-out-of-range", ioctl="KVM_X86_SET_MCE", condition="bank 1 of a 1-bank setup",
             arch=("x86_64",), call=set_mce(1, MCI_STATUS_VAL), errno=EINVAL,
             cite=f"{MCE_SET}: '-EINVAL if the bank number is invalid'", setup=(VCPU0, setup_mce(1))),
        Case(id="set-without-val", ioctl="KVM_X86_SET_MCE", condition="status without the VAL bit", arch=("x86_64",),
             call=set_mce(0, 1), errno=EINVAL, cite=f"{MCE_SET}: '-EINVAL if VAL bit is not set in status field'",
             setup=(VCPU0, setup_mce(1))),
        Case(id="set-bad-pointer", ioctl="KVM_X86_SET_MCE", condition="the argument is not readable", arch=("x86_64",),
             call=call("KVM_X86_SET_MCE", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{MCE_SET}: '-EFAULT if struct kvm_x86_mce cannot be read'", setup=(VCPU0, setup_mce(1))),
    ]


def _vcpu_mce() -> list[Case]:
    d = f"{API} 4.104 KVM_X86_GET_MCE_CAP_SUPPORTED"

    def supported(s: Scene) -> int:
        got = s.ioctl(s.kvm, s.abi.KVM_X86_GET_MCE_CAP_SUPPORTED, bytes(8)).value()
        del got
        return struct.unpack("<Q", s.calls[-1][3].out)[0]

    every = Val("KVM_X86_GET_MCE_CAP_SUPPORTED | 1 bank", lambda s: supported(s) & ~0xFF | 1)
    return [
        Case(id="mce-cap-supported", ioctl="KVM_X86_GET_MCE_CAP_SUPPORTED", condition="system fd", arch=("x86_64",),
             call=call("KVM_X86_GET_MCE_CAP_SUPPORTED", "system", bytes(8), "u64"), errno=0, cite=d,
             needs=need("KVM_CAP_MCE")),
        Case(id="mce-cap-supported-accepted", ioctl="KVM_X86_SETUP_MCE",
             condition="every supported capability bit, 1 bank", arch=("x86_64",),
             call=call("KVM_X86_SETUP_MCE", "vcpu", lambda s: struct.pack("<Q", every(s)), str(every)), errno=0,
             cite=f"{d}: 'Supported capabilities will have the corresponding bits set'; {API} 4.105 KVM_X86_SETUP_MCE",
             setup=(VCPU0,), needs=need("KVM_CAP_MCE")),
        Case(id="mce-cap-supported-bad-pointer", ioctl="KVM_X86_GET_MCE_CAP_SUPPORTED",
             condition="the argument is not writable", arch=("x86_64",),
             call=bad("KVM_X86_GET_MCE_CAP_SUPPORTED", "system"), errno=EFAULT,
             cite="x86.c: kvm_arch_dev_ioctl (copy_to_user)", basis="code", needs=need("KVM_CAP_MCE")),
    ]


CASES: list[Case] = [
    *_mce(),
    *_vcpu_mce(),
]
