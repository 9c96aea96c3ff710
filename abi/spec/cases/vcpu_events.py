"""KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS on x86 and arm64."""

from __future__ import annotations

from errno import EFAULT, EINVAL, ENOEXEC

from abi import x86
from abi.spec.case import SUCCEEDS, Case, Deviation, Unreachable, need
from abi.spec.steps import x86_vm
from abi.spec.steps.arm64 import (
    ESR_BITS,
    GET_EVENTS_DOC,
    SET_EVENTS_DOC,
    arm64_get_events,
    arm64_set_events,
    has_esr_matches_cap,
)
from abi.spec.steps.base import API, BAD_POINTER, call
from abi.spec.steps.vcpu import INIT_VCPU
from abi.spec.steps.vm import VCPU0, create_vcpu
from abi.spec.steps.x86_vm import _ARM64_PART


def _events() -> list[Case]:
    get = f"{API} 4.31 KVM_GET_VCPU_EVENTS"
    return [
        Case(id="get-events", ioctl="KVM_GET_VCPU_EVENTS", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_VCPU_EVENTS", "vcpu",
             x86.kvm_vcpu_events()), errno=0, cite=get, setup=(VCPU0,)),
        Case(id="get-events-bad-pointer", ioctl="KVM_GET_VCPU_EVENTS", condition="the argument is not writable",
             arch=("x86_64",), call=call("KVM_GET_VCPU_EVENTS", "vcpu", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_VCPU_EVENTS (copy_to_user)", setup=(VCPU0,),
             basis="code"),
        Case(id="set-events-as-read", ioctl="KVM_SET_VCPU_EVENTS", condition="what KVM_GET_VCPU_EVENTS gave, flags 0",
             arch=("x86_64",), call=x86_vm.x86_set_events(), errno=0, cite=f"{API} 4.32 KVM_SET_VCPU_EVENTS",
             setup=(VCPU0,)),
        Case(id="set-events-unknown-flag", ioctl="KVM_SET_VCPU_EVENTS", condition="flags bit 31", arch=("x86_64",),
             call=x86_vm.x86_set_events(1 << 31, shown="flags "
             "bit 31"), errno=EINVAL, cite=f"{x86_vm.X86_EVENTS} (flags outside the KVM_VCPUEVENT_VALID_* set)",
             setup=(VCPU0,),
             basis="code"),
        Case(id="set-events-payload-not-enabled", ioctl="KVM_SET_VCPU_EVENTS",
             condition="KVM_VCPUEVENT_VALID_PAYLOAD without "
             "KVM_CAP_EXCEPTION_PAYLOAD enabled", arch=("x86_64",),
             call=x86_vm.x86_set_events(x86.KVM_VCPUEVENT_VALID_PAYLOAD, shown="VALID_PAYLOAD"), errno=EINVAL,
             cite=f"{API} 4.32 says the flag can be set when KVM_CAP_EXCEPTION_PAYLOAD is enabled; {x86_vm.X86_EVENTS} "
             "(exception_payload_enabled false: EINVAL)", setup=(VCPU0,), basis="code"),
        Case(id="set-events-vector-32", ioctl="KVM_SET_VCPU_EVENTS", condition="an injected exception with vector 32",
             arch=("x86_64",), call=x86_vm.x86_set_events(injected=1, nr=32, shown="exception injected, nr 32"),
             errno=EINVAL,
             cite=f"{x86_vm.X86_EVENTS} (exception.nr > 31)", setup=(VCPU0,), basis="code"),
        Case(id="set-events-nmi-as-exception", ioctl="KVM_SET_VCPU_EVENTS",
             condition="an injected exception with vector 2 (NMI)", arch=("x86_64",),
             call=x86_vm.x86_set_events(injected=1, nr=2, shown="exception injected, nr 2"), errno=EINVAL,
             cite=f"{x86_vm.X86_EVENTS} (exception.nr == NMI_VECTOR)", setup=(VCPU0,), basis="code"),
        Case(id="set-events-bad-pointer", ioctl="KVM_SET_VCPU_EVENTS", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_SET_VCPU_EVENTS", "vcpu", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_VCPU_EVENTS (copy_from_user)", setup=(VCPU0,),
             basis="code"),
    ]


CASES: list[Case] = [
    # --- KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS ----------------------------------------------------------
    Case(id="get-events", ioctl="KVM_GET_VCPU_EVENTS", condition="a fresh vCPU", arch=("arm64",),
         call=arm64_get_events(),
         errno=0, cite=f"{GET_EVENTS_DOC}: serror_has_esr is non-zero when KVM_CAP_ARM_INJECT_SERROR_ESR is",
         setup=(INIT_VCPU,),
         check=has_esr_matches_cap),
    Case(id="get-events-uninitialised", ioctl="KVM_GET_VCPU_EVENTS", condition="before KVM_ARM_VCPU_INIT",
         arch=("arm64",), call=arm64_get_events(), errno=ENOEXEC,
         cite=f"{GET_EVENTS_DOC}: an uninitialized vCPU returns -ENOEXEC (documented from 7.x; arm.c returns it in "
              "6.1 too)",
         setup=(create_vcpu(0),)),
    Case(id="set-events-uninitialised", ioctl="KVM_SET_VCPU_EVENTS", condition="before KVM_ARM_VCPU_INIT",
         arch=("arm64",), call=arm64_set_events(), errno=ENOEXEC,
         cite=f"{SET_EVENTS_DOC}: an uninitialized vCPU returns -ENOEXEC (documented from 7.x; arm.c returns it in 6.1 "
         "too)", setup=(create_vcpu(0),)),
    Case(id="set-events-serror-esr", ioctl="KVM_SET_VCPU_EVENTS",
         condition="a pending SError with an ESR in the low 24 bits", arch=("arm64",),
         call=arm64_set_events(serror_pending=1, has_esr=1, esr=0x1), errno=0,
         cite=f"{GET_EVENTS_DOC}: the ISS goes in the lower 24 bits of serror_esr", setup=(INIT_VCPU,),
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-serror-esr-bit-24", ioctl="KVM_SET_VCPU_EVENTS", condition="serror_esr with bit 24 set",
         arch=("arm64",), call=arm64_set_events(serror_pending=1, has_esr=1, esr=1 << 24), errno=EINVAL,
         cite=f"{GET_EVENTS_DOC}: setting anything other than the lower 24 bits of serror_esr returns -EINVAL "
         "(the sentence is in 4.31 and describes KVM_SET_VCPU_EVENTS)", setup=(INIT_VCPU,),
         deviation=Deviation(ESR_BITS, SUCCEEDS), needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-serror-esr-bit-25", ioctl="KVM_SET_VCPU_EVENTS",
         condition="serror_esr with bit 25 (ESR.IL) set", arch=("arm64",),
         call=arm64_set_events(serror_pending=1, has_esr=1, esr=1 << 25), errno=EINVAL,
         cite="guest.c: __kvm_arm_vcpu_set_events, the first bit outside ESR_ELx_ISS_MASK", setup=(INIT_VCPU,),
         basis="code",
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-serror-esr-bit-63", ioctl="KVM_SET_VCPU_EVENTS", condition="serror_esr with bit 63 set",
         arch=("arm64",), call=arm64_set_events(serror_pending=1, has_esr=1, esr=1 << 63), errno=EINVAL,
         cite=f"{GET_EVENTS_DOC}: anything other than the lower 24 bits returns -EINVAL", setup=(INIT_VCPU,),
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-has-esr-unsupported", ioctl="KVM_SET_VCPU_EVENTS",
         condition="serror_has_esr on a host without KVM_CAP_ARM_INJECT_SERROR_ESR", arch=("arm64",),
         call=arm64_set_events(serror_pending=1, has_esr=1), errno=EINVAL,
         cite=f"{GET_EVENTS_DOC}: specifying exception.has_esr on a system that does not support it returns -EINVAL "
         "(the sentence is in 4.31 and describes KVM_SET_VCPU_EVENTS)", setup=(INIT_VCPU,),
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR", present=False)),
    Case(id="set-events-esr-without-pending", ioctl="KVM_SET_VCPU_EVENTS",
         condition="serror_esr bit 24 with no SError pending", arch=("arm64",),
         call=arm64_set_events(serror_pending=0, has_esr=1, esr=1 << 24), errno=0,
         cite="guest.c: __kvm_arm_vcpu_set_events looks at the ESR only for a pending SError", setup=(INIT_VCPU,),
         basis="code"),
    Case(id="set-events-reserved", ioctl="KVM_SET_VCPU_EVENTS", condition="reserved[0] not zero", arch=("arm64",),
         call=arm64_set_events(reserved0=1), errno=EINVAL,
         cite="arm.c: kvm_arm_vcpu_set_events checks reserved[] (undocumented)", setup=(INIT_VCPU,), basis="code"),
    Case(id="set-events-pad", ioctl="KVM_SET_VCPU_EVENTS", condition="exception.pad[0] not zero", arch=("arm64",),
         call=arm64_set_events(pad=1), errno=EINVAL,
         cite="arm.c: kvm_arm_vcpu_set_events checks exception.pad[] (undocumented)", setup=(INIT_VCPU,), basis="code"),
    *_events(),
]

UNREACHABLE = [
    # Rows 1 and 2: one reason for both sentences.
    *(Unreachable("KVM_GET_VCPU_EVENTS", EINVAL,
                  "4.31's two EINVAL sentences (serror_has_esr without RAS; serror_esr beyond the low bits) describe "
                  "setting the events, i.e. KVM_SET_VCPU_EVENTS, and are tested as such (set-events-serror-esr-*; "
                  "no RAS-less host here for the first); KVM_GET_VCPU_EVENTS itself cannot return EINVAL on arm64: "
                  "arm.c kvm_arm_vcpu_get_events cannot fail (see DOC_FINDINGS)", arch="arm64", doc_row=row)
      for row in (1, 2)),
    Unreachable("KVM_GET_VCPU_EVENTS", EINVAL, f"serror_has_esr: {_ARM64_PART}", arch="x86_64"),
    Unreachable("KVM_GET_VCPU_EVENTS", EINVAL, f"serror_esr: {_ARM64_PART}", arch="x86_64", doc_row=2),
    Unreachable("KVM_GET_VCPU_EVENTS", ENOEXEC, f"vCPU not initialised: {_ARM64_PART}", arch="x86_64"),
    Unreachable("KVM_SET_VCPU_EVENTS", ENOEXEC, f"vCPU not initialised: {_ARM64_PART}", arch="x86_64"),
]
