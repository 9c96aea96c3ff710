"""x86 CPUID: KVM_GET_SUPPORTED_CPUID, KVM_GET_EMULATED_CPUID, KVM_SET_CPUID(2), KVM_GET_SUPPORTED_HV_CPUID."""

from __future__ import annotations

import struct
from errno import E2BIG, EFAULT, EINVAL, ENOMEM

from abi.spec.case import KERNEL_BREAKS_DOCUMENT, SUCCEEDS, Case, Deviation, Finding
from abi.spec.steps.base import API, BAD_POINTER, call
from abi.spec.steps.vm import VCPU0
from abi.spec.steps.x86_vcpu import (
    KVM_MAX_CPUID_ENTRIES,
    bad,
    cpuid2,
    cpuid2_current,
    cpuid_n,
    drop_last,
    entered_guest,
    vaddr_bits,
)
from abi.spec.steps.x86_vm import (
    CPUID,
    ECPUID,
    ENTRY,
    HAS_HV_CPUID,
    HAS_HV_EVENTFD,
    HAS_SYS_HV_CPUID,
    HV_CPUID,
    NO_HV_CPUID,
    NO_SYS_HV_CPUID,
    counted,
    cpuid_entries,
    cpuid_entry_bit,
)


def _cpuid() -> list[Case]:
    out = []
    for name, short, cite in (("KVM_GET_SUPPORTED_CPUID", "supported", CPUID),
                              ("KVM_GET_EMULATED_CPUID", "emulated", ECPUID)):
        out += [
            Case(id=f"{short}-cpuid-nent-0", ioctl=name, condition="nent 0: too small for any entry", arch=("x86_64",),
                 call=call(name, "system", counted("<II", 0, 1, ENTRY), "nent 0"), errno=E2BIG,
                 cite=f"{cite}: 'If the number is too low ... E2BIG'; cpuid.c: kvm_dev_ioctl_get_cpuid (nent < 1)"),
            Case(id=f"{short}-cpuid-nent-1", ioctl=name, condition="nent 1: fewer than the entries to describe",
                 arch=("x86_64",), call=call(name, "system", counted("<II", 1, 1, ENTRY), "nent 1"), errno=E2BIG,
                 cite=f"{cite}: 'If the number is too low ... E2BIG'; cpuid.c: do_cpuid_func (array full)"),
            Case(id=f"{short}-cpuid-nent-256", ioctl=name,
                 condition="nent 256 (KVM_MAX_CPUID_ENTRIES): nent adjusted to the entries", arch=("x86_64",),
                 call=call(name, "system", counted("<II", 256, 256, ENTRY), "nent 256"), errno=0,
                 cite=f"{cite}: 'If the number is just right, the nent field is adjusted'", check=cpuid_entries(256)),
            Case(id=f"{short}-cpuid-nent-too-high", ioctl=name,
                 condition="nent 1000 (more than KVM_MAX_CPUID_ENTRIES), room for all", arch=("x86_64",),
                 call=call(name, "system", counted("<II", 1000, 1000, ENTRY), "nent 1000"), errno=ENOMEM,
                 cite=f"{cite}: 'If the number is too high, the nent field is adjusted and an error (ENOMEM) is "
                 "returned'",
                 deviation=Deviation(f"{cite} says a too-high nent is adjusted and answered with ENOMEM; cpuid.c "
                                     "kvm_dev_ioctl_get_cpuid clamps nent to KVM_MAX_CPUID_ENTRIES (256), fills "
                                     "the entries and succeeds (ENOMEM only when kvcalloc fails), in 6.1, 6.12 and 7.2",
                                     SUCCEEDS)),
            Case(id=f"{short}-cpuid-bad-pointer", ioctl=name, condition="the argument is not readable",
                 arch=("x86_64",), call=call(name, "system", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
                 cite="x86.c: kvm_arch_dev_ioctl (copy_from_user of struct kvm_cpuid2)", basis="code"),
        ]
    out.append(Case(id="supported-cpuid-without-guest-perm", ioctl="KVM_GET_SUPPORTED_CPUID",
                    condition="the process never requested "
                    "ARCH_REQ_XCOMP_GUEST_PERM: AMX tile data (XCR0 bit 18) is not offered", arch=("x86_64",),
                    call=call("KVM_GET_SUPPORTED_CPUID", "system", counted("<II", 256, 256, ENTRY), "nent 256"),
                    errno=0,
                    cite=f"{CPUID}: 'Dynamically-enabled feature bits need to be requested with arch_prctl() before "
                    "calling this ioctl'; cpuid.c __do_cpuid_func, leaf 0xd: EAX &= the permitted XCR0 (6.1: "
                    "supported_xcr0 & xstate_get_guest_group_perm(); 6.12, 7.2: kvm_get_filtered_xcr0), and the "
                    "guest permission of a process that asked for none has no XFEATURE_MASK_XTILE_DATA",
                    check=cpuid_entry_bit(0xD, 0, 0, 18, 0, "EAX bit 18 (XTILE_DATA)"), basis="code", order_row=1))
    out.append(Case(id="emulated-cpuid-dirty-padding", ioctl="KVM_GET_EMULATED_CPUID",
                    condition="an entry's padding is not zero", arch=("x86_64",),
                    call=call("KVM_GET_EMULATED_CPUID", "system",
                         struct.pack("<II", 256, 0) + bytes(28) + struct.pack("<I", 1) + bytes(8) + bytes(255 * ENTRY),
                         "nent 256, entries[0].padding[0] = 1"), errno=EINVAL,
                    cite="cpuid.c: sanity_check_entries (emulated only: padding must be zero)", basis="code"))
    out.append(Case(id="supported-cpuid-dirty-padding", ioctl="KVM_GET_SUPPORTED_CPUID",
                    condition="an entry's padding is not zero", arch=("x86_64",),
                    call=call("KVM_GET_SUPPORTED_CPUID", "system",
                         struct.pack("<II", 256, 0) + bytes(28) + struct.pack("<I", 1) + bytes(8) + bytes(255 * ENTRY),
                         "nent 256, entries[0].padding[0] = 1"), errno=0,
                    cite="cpuid.c: sanity_check_entries (never checked for KVM_GET_SUPPORTED_CPUID, kept for "
                    "compatibility)", basis="code", check=cpuid_entries(256)))
    return out


def _hyperv() -> list[Case]:
    _ev, cpuid = {"needs": HAS_HV_EVENTFD}, "KVM_GET_SUPPORTED_HV_CPUID"
    return [
        Case(id="hv-cpuid-system-nent-1", ioctl=cpuid, condition="system fd, nent 1: fewer than the Hyper-V leaves",
             arch=("x86_64",), call=call(cpuid, "system", counted("<II", 1, 1, ENTRY), "nent 1"), errno=E2BIG,
             cite=f"{HV_CPUID}: 'If the number of entries is too low to describe all Hyper-V feature leaves, an error "
             "(E2BIG) is returned'; hyperv.c: kvm_get_hv_cpuid (nent below its table's)", needs=HAS_SYS_HV_CPUID),
        Case(id="hv-cpuid-system", ioctl=cpuid, condition="system fd, nent 64: nent adjusted to the leaves returned",
             arch=("x86_64",), call=call(cpuid, "system", counted("<II", 64, 64, ENTRY), "nent 64"), errno=0,
             cite=f"{HV_CPUID}: 'If the number is more or equal to the number of Hyper-V feature leaves, the 'nent' "
             "field is adjusted to the number of valid entries'", check=cpuid_entries(64), needs=HAS_SYS_HV_CPUID),
        Case(id="hv-cpuid-system-bad-pointer", ioctl=cpuid, condition="system fd, the argument is not readable",
             arch=("x86_64",), call=call(cpuid, "system", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite="x86.c: kvm_ioctl_get_supported_hv_cpuid (copy_from_user)", basis="code", needs=HAS_SYS_HV_CPUID),
        Case(id="hv-cpuid-vcpu-nent-1", ioctl=cpuid, condition="vCPU fd, nent 1: fewer than the Hyper-V leaves",
             arch=("x86_64",), call=call(cpuid, "vcpu", counted("<II", 1, 1, ENTRY), "nent 1"), errno=E2BIG,
             cite=f"{HV_CPUID}: 'If the number of entries is too low ... an error (E2BIG) is returned'; hyperv.c: "
             "kvm_get_hv_cpuid", setup=(VCPU0,), needs=HAS_HV_CPUID),
        Case(id="hv-cpuid-vcpu", ioctl=cpuid, condition="vCPU fd, nent 64: nent adjusted to the leaves returned",
             arch=("x86_64",), call=call(cpuid, "vcpu", counted("<II", 64, 64, ENTRY), "nent 64"), errno=0,
             cite=f"{HV_CPUID}: 'the 'nent' field is adjusted to the number of valid entries'", check=cpuid_entries(64),
             setup=(VCPU0,), needs=HAS_HV_CPUID),
        Case(id="hv-cpuid-vcpu-no-irqchip", ioctl=cpuid,
             condition="vCPU fd without KVM_CREATE_IRQCHIP: no direct synthetic timers", arch=("x86_64",),
             call=call(cpuid, "vcpu", counted("<II", 64, 64, ENTRY), "nent 64"), errno=0,
             cite=f"{HV_CPUID}: 'HV_STIMER_DIRECT_MODE_AVAILABLE bit is only exposed with in-kernel LAPIC (presumes "
             "KVM_CREATE_IRQCHIP has already been called)'; hyperv.c: kvm_get_hv_cpuid (the bit only when !vcpu or "
             "lapic_in_kernel)", check=cpuid_entry_bit(0x40000003, 0, 3, 19, 0, "EDX bit 19 "
                                                        "(HV_STIMER_DIRECT_MODE_AVAILABLE)"), setup=(VCPU0,),
             order_row=1, needs=HAS_HV_CPUID),
        Case(id="hv-cpuid-system-no-hyperv", ioctl=cpuid,
             condition="system fd, KVM_CAP_SYS_HYPERV_CPUID 0 (built without "
             "CONFIG_KVM_HYPERV)", arch=("x86_64",),
             call=call(cpuid, "system", counted("<II", 64, 64, ENTRY), "nent 64"), errno=EINVAL,
             cite="x86.c: kvm_arch_dev_ioctl (6.12, newest: the request exists only with CONFIG_KVM_HYPERV; default: "
             "EINVAL)", basis="code", needs=NO_SYS_HV_CPUID),
        Case(id="hv-cpuid-vcpu-no-hyperv", ioctl=cpuid,
             condition="vCPU fd, KVM_CAP_HYPERV_CPUID 0 (built without CONFIG_KVM_HYPERV)", arch=("x86_64",),
             call=call(cpuid, "vcpu", counted("<II", 64, 64, ENTRY), "nent 64"), errno=EINVAL,
             cite="x86.c: kvm_arch_vcpu_ioctl (6.12, newest: the request exists only with CONFIG_KVM_HYPERV; default: "
             "EINVAL)", setup=(VCPU0,), basis="code", needs=NO_HV_CPUID),
    ]


def _vcpu_cpuid() -> list[Case]:
    c = f"{API} 4.20 KVM_SET_CPUID"
    set_c = "cpuid.c: kvm_vcpu_ioctl_set_cpuid2 / kvm_vcpu_ioctl_set_cpuid"
    after = "cpuid.c: kvm_set_cpuid (after a VM entry: kvm_cpuid_check_equal)"
    leaf0 = struct.pack("<II", 1, 0) + struct.pack("<6I", 0, 1, 0, 0, 0, 0)
    return [
        Case(id="set-cpuid-legacy", ioctl="KVM_SET_CPUID", condition="one entry (leaf 0)", arch=("x86_64",),
             call=call("KVM_SET_CPUID", "vcpu", leaf0,
             "nent 1: leaf 0"), errno=0, cite=f"{c}: 'Defines the vcpu responses to the cpuid instruction'",
             setup=(VCPU0,)),
        Case(id="set-cpuid-nent-too-big", ioctl="KVM_SET_CPUID", condition="nent 257 (KVM_MAX_CPUID_ENTRIES + 1)",
             arch=("x86_64",), call=cpuid_n("KVM_SET_CPUID", KVM_MAX_CPUID_ENTRIES + 1, 24), errno=E2BIG,
             cite=f"{set_c} (nent > 256: E2BIG)", setup=(VCPU0,), basis="code"),
        Case(id="set-cpuid-bad-pointer", ioctl="KVM_SET_CPUID", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_CPUID"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_CPUID (copy_from_user)", setup=(VCPU0,), basis="code"),
        Case(id="set-cpuid2-supported", ioctl="KVM_SET_CPUID2", condition="the table KVM_GET_SUPPORTED_CPUID gave",
             arch=("x86_64",), call=cpuid2(), errno=0,
             cite=f"{c}: 'Applications should use the KVM_SET_CPUID2 ioctl if available'; {API} 4.46 "
             "KVM_GET_SUPPORTED_CPUID: userspace can use the information returned to construct cpuid information "
             "for KVM_SET_CPUID2", setup=(VCPU0,)),
        Case(id="set-cpuid2-nent-too-big", ioctl="KVM_SET_CPUID2", condition="nent 257 (KVM_MAX_CPUID_ENTRIES + 1)",
             arch=("x86_64",), call=cpuid_n("KVM_SET_CPUID2", KVM_MAX_CPUID_ENTRIES + 1, 40), errno=E2BIG,
             cite=f"{set_c} (nent > 256: E2BIG)", setup=(VCPU0,), basis="code"),
        Case(id="set-cpuid2-bad-pointer", ioctl="KVM_SET_CPUID2", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_CPUID2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_CPUID2 (copy_from_user)", setup=(VCPU0,), basis="code"),
        Case(id="set-cpuid2-vaddr-bits-40", ioctl="KVM_SET_CPUID2",
             condition="leaf 0x80000008 with 40 linear-address bits", arch=("x86_64",),
             call=cpuid2(vaddr_bits(40), "supported table, 0x80000008 EAX[15:8] = 40"), errno=EINVAL,
             cite="cpuid.c: kvm_check_cpuid (linear address width must be 48, 57 or 0)", setup=(VCPU0,), basis="code"),
        # The vCPU's own table (KVM_GET_CPUID2), with as many entries as the set-up gave it: kvm_cpuid_check_equal
        # compares the count before the entries (steps/x86_vcpu.py cpuid2_current).
        Case(id="set-cpuid2-after-run-same", ioctl="KVM_SET_CPUID2",
             condition="after the vCPU entered the guest, its current table "
             "(KVM_GET_CPUID2) again", arch=("x86_64",), call=cpuid2_current(), errno=0,
             cite=f"{c}: 'Using KVM_SET_CPUID{{,2}} after KVM_RUN ... may cause guest instability'; {after} "
             "(an equal table is accepted)", setup=(VCPU0, cpuid2(), entered_guest())),
        # 4.20 only warns of guest instability (a caveat on a call it expects to succeed): the refusal is the
        # kernel's own rule, a documentation finding (DOC_FINDINGS), not a broken contract.
        Case(id="set-cpuid2-after-run-different", ioctl="KVM_SET_CPUID2",
             condition="after the vCPU entered the guest, a table with "
             "one entry fewer", arch=("x86_64",), call=cpuid2(drop_last, "the supported table without its last entry"),
             errno=EINVAL,
             cite="cpuid.c: kvm_set_cpuid refuses a table that differs from the current one once the vCPU has entered "
             "the guest (kvm_cpuid_check_equal), in 6.1, 6.12 and 7.2", setup=(VCPU0, cpuid2(), entered_guest()),
             basis="code"),
        Case(id="set-cpuid-after-run-different", ioctl="KVM_SET_CPUID",
             condition="after the vCPU entered the guest, a one-entry table", arch=("x86_64",),
             call=call("KVM_SET_CPUID", "vcpu", leaf0, "nent 1: leaf 0"), errno=EINVAL,
             cite=f"{after}: KVM_SET_CPUID converts its entries and takes the same path",
             setup=(VCPU0, cpuid2(), entered_guest()), order_row=1, basis="code"),
    ]


CASES: list[Case] = [
    *_cpuid(),
    *_hyperv(),
    *_vcpu_cpuid(),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 4.120 KVM_SET_PMU_EVENT_FILTER Errors: 'EBUSY not enough memory to allocate the filter'; pmu.c "
        "kvm_vm_ioctl_set_pmu_event_filter (6.1, 6.12, 7.2) returns -ENOMEM when the allocation fails.",
        KERNEL_BREAKS_DOCUMENT),
    Finding(
        "api.rst 4.56 KVM_GET_TSC_KHZ: 'If the host has unstable tsc this ioctl returns -EIO instead as an error'; "
        "x86.c (6.1, 6.12, 7.2) has no such path: the vCPU ioctl returns vcpu->arch.virtual_tsc_khz and the VM "
        "ioctl kvm->arch.default_tsc_khz, unconditionally.",
        KERNEL_BREAKS_DOCUMENT),
]
