"""x86 VM ioctls: KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR, KVM_SET_PMU_EVENT_FILTER, KVM_HYPERV_EVENTFD,
KVM_MEMORY_ENCRYPT_OP and its region ioctls."""

from __future__ import annotations

import errno
from errno import E2BIG, EBUSY, EEXIST, EFAULT, EINVAL, ENOENT, ENOTTY

from abi import kvm
from abi.spec.case import Case, Unreachable, need
from abi.spec.steps.base import API, BAD_POINTER, call
from abi.spec.steps.vm import VCPU0, eventfd
from abi.spec.steps.x86_vcpu import bad, identity
from abi.spec.steps.x86_vm import (
    DEASSIGN,
    HAS_HV_EVENTFD,
    HV_EVENTFD,
    HV_EVENTFD_FN,
    NO_HV_EVENTFD,
    PMU_FILTER,
    hv_eventfd,
    x86_pmu_filter,
)


def _devices() -> list[Case]:
    return [
        Case(id="pmu-filter-allow-none", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="action ALLOW, no events",
             arch=("x86_64",), call=x86_pmu_filter(), errno=0, cite=PMU_FILTER),
        Case(id="pmu-filter-bad-pointer", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_SET_PMU_EVENT_FILTER", "vm", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite=f"{PMU_FILTER} Errors: EFAULT 'args[0] cannot be accessed'"),
        Case(id="pmu-filter-bad-action", ioctl="KVM_SET_PMU_EVENT_FILTER",
             condition="action 2 (neither ALLOW nor DENY)", arch=("x86_64",), call=x86_pmu_filter(action=2),
             errno=EINVAL,
             cite=f"{PMU_FILTER} Errors: EINVAL 'args[0] contains invalid data in the filter'"),
        Case(id="pmu-filter-unknown-flag", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="flags bit 31", arch=("x86_64",),
             call=x86_pmu_filter(flags=1 << 31), errno=EINVAL,
             cite=f"{PMU_FILTER} Errors: EINVAL 'args[0] contains invalid data in the filter'; pmu.c: "
             "kvm_vm_ioctl_set_pmu_event_filter (flags outside KVM_PMU_EVENT_FLAGS_VALID_MASK)"),
        Case(id="pmu-filter-too-many-events", ioctl="KVM_SET_PMU_EVENT_FILTER",
             condition="nevents 301 (KVM_PMU_EVENT_FILTER_MAX_EVENTS "
             "is 300)", arch=("x86_64",), call=x86_pmu_filter(nevents=301), errno=E2BIG,
             cite=f"{PMU_FILTER} Errors: E2BIG 'nevents is too large'; pmu.c: "
             "KVM_PMU_EVENT_FILTER_MAX_EVENTS (300 in 6.1, 6.12, 7.2)"),
        Case(id="pmu-filter-max-events", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="nevents 300 (the limit)",
             arch=("x86_64",), call=x86_pmu_filter(nevents=300), errno=0,
             cite=f"{PMU_FILTER}; pmu.c: KVM_PMU_EVENT_FILTER_MAX_EVENTS", basis="code"),
    ]


def _hyperv() -> list[Case]:
    _ev, _cpuid = {"needs": HAS_HV_EVENTFD}, "KVM_GET_SUPPORTED_HV_CPUID"
    returns = f"{HV_EVENTFD} :Returns:"
    return [
        Case(id="hv-eventfd-assign", ioctl="KVM_HYPERV_EVENTFD", condition="conn_id 1, an eventfd", arch=("x86_64",),
             call=hv_eventfd(1), errno=0, cite=f"{returns} '0 on success'; {HV_EVENTFD_FN} -> kvm_hv_eventfd_assign",
             setup=(eventfd(),), needs=HAS_HV_EVENTFD),
        Case(id="hv-eventfd-deassign", ioctl="KVM_HYPERV_EVENTFD", condition="DEASSIGN of the registered conn_id 1",
             arch=("x86_64",), call=hv_eventfd(1, DEASSIGN), errno=0,
             cite=f"{returns} '0 on success'; {HV_EVENTFD_FN} -> kvm_hv_eventfd_deassign",
             setup=(eventfd(), hv_eventfd(1)), needs=HAS_HV_EVENTFD),
        Case(id="hv-eventfd-conn-id-too-big", ioctl="KVM_HYPERV_EVENTFD",
             condition="conn_id 0x1000000 (past KVM_HYPERV_CONN_ID_MASK)", arch=("x86_64",), call=hv_eventfd(1 << 24),
             errno=EINVAL, cite=f"{returns} '-EINVAL if conn_id or flags is outside the allowed range'; "
             f"{HV_EVENTFD_FN} (conn_id & ~KVM_HYPERV_CONN_ID_MASK)", setup=(eventfd(),), needs=HAS_HV_EVENTFD),
        Case(id="hv-eventfd-unknown-flag", ioctl="KVM_HYPERV_EVENTFD",
             condition="flags bit 1 (only DEASSIGN is defined)", arch=("x86_64",), call=hv_eventfd(1, 2), errno=EINVAL,
             cite=f"{returns} '-EINVAL if conn_id or flags is outside the allowed range'; "
             f"{HV_EVENTFD_FN} (flags & ~KVM_HYPERV_EVENTFD_DEASSIGN)", setup=(eventfd(),), needs=HAS_HV_EVENTFD),
        Case(id="hv-eventfd-deassign-unregistered", ioctl="KVM_HYPERV_EVENTFD",
             condition="DEASSIGN of conn_id 1, never registered", arch=("x86_64",), call=hv_eventfd(1, DEASSIGN),
             errno=ENOENT, cite=f"{returns} '-ENOENT on deassign if the conn_id isn't registered'; "
             "hyperv.c: kvm_hv_eventfd_deassign (idr_remove finds nothing)", setup=(eventfd(),), needs=HAS_HV_EVENTFD),
        Case(id="hv-eventfd-assign-twice", ioctl="KVM_HYPERV_EVENTFD", condition="conn_id 1 registered already",
             arch=("x86_64",), call=hv_eventfd(1), errno=EEXIST,
             cite=f"{returns} '-EEXIST on assign if the conn_id is already registered'; "
             "hyperv.c: kvm_hv_eventfd_assign (idr_alloc's ENOSPC becomes EEXIST)", setup=(eventfd(), hv_eventfd(1)),
             needs=HAS_HV_EVENTFD),
        Case(id="hv-eventfd-bad-pointer", ioctl="KVM_HYPERV_EVENTFD", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_HYPERV_EVENTFD", "vm", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_HYPERV_EVENTFD (copy_from_user)", basis="code", needs=HAS_HV_EVENTFD),
        Case(id="hv-eventfd-no-hyperv", ioctl="KVM_HYPERV_EVENTFD", condition="KVM_CAP_HYPERV_EVENTFD 0 (built without "
             "CONFIG_KVM_HYPERV)", arch=("x86_64",),
             call=call("KVM_HYPERV_EVENTFD", "vm", kvm.kvm_hyperv_eventfd(conn_id=1, fd=-1),
                                        "conn_id 1, fd -1"), errno=errno.ENOTTY,
             cite="x86.c: kvm_arch_vm_ioctl (6.12, newest: KVM_HYPERV_EVENTFD exists only with CONFIG_KVM_HYPERV; "
             "default: ENOTTY)", basis="code", needs=NO_HV_EVENTFD),
    ]


def _addresses() -> list[Case]:
    tss, ident = f"{API} 4.36 KVM_SET_TSS_ADDR", f"{API} 4.40 KVM_SET_IDENTITY_MAP_ADDR"
    return [
        Case(id="tss-addr-past-4g", ioctl="KVM_SET_TSS_ADDR",
             condition="0xffffe000: the three pages would end past 4 GiB", arch=("x86_64",),
             call=call("KVM_SET_TSS_ADDR", "vm", 0xFFFFE000, "0xffffe000"), errno=EINVAL,
             cite=f"{tss}: 'The region must be within the first 4GB of the guest physical address space'; x86.c: "
             "kvm_vm_ioctl_set_tss_addr (addr > 4 GiB - 3 pages: EINVAL, before the vendor is asked)",
             needs=need("KVM_CAP_SET_TSS_ADDR")),
        Case(id="tss-addr-above-4g", ioctl="KVM_SET_TSS_ADDR", condition="0x100000000", arch=("x86_64",),
             call=call("KVM_SET_TSS_ADDR", "vm", 1 << 32,
             "0x100000000"), errno=EINVAL, cite="x86.c: kvm_vm_ioctl_set_tss_addr (addr > 4 GiB - 3 pages)",
             basis="code", needs=need("KVM_CAP_SET_TSS_ADDR")),
        Case(id="identity-map-after-vcpu", ioctl="KVM_SET_IDENTITY_MAP_ADDR", condition="a vCPU exists",
             arch=("x86_64",), call=identity(0xFFFBC000), errno=EINVAL,
             cite=f"{ident}: 'Fails if any VCPU has already been created'; x86.c: kvm_arch_vm_ioctl (created_vcpus: "
             "EINVAL)", setup=(VCPU0,), order_row=1, needs=need("KVM_CAP_SET_IDENTITY_MAP_ADDR")),
        Case(id="identity-map-after-vcpu-bad-pointer", ioctl="KVM_SET_IDENTITY_MAP_ADDR",
             condition="a vCPU exists and the argument "
             "is not readable: the vCPU check comes first", arch=("x86_64",),
             call=bad("KVM_SET_IDENTITY_MAP_ADDR", "vm"), errno=EINVAL,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_IDENTITY_MAP_ADDR (created_vcpus before copy_from_user)",
             setup=(VCPU0,), basis="code", needs=need("KVM_CAP_SET_IDENTITY_MAP_ADDR")),
        Case(id="identity-map-bad-pointer", ioctl="KVM_SET_IDENTITY_MAP_ADDR",
             condition="no vCPU, the argument is not readable", arch=("x86_64",),
             call=bad("KVM_SET_IDENTITY_MAP_ADDR", "vm"), errno=EFAULT,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_IDENTITY_MAP_ADDR (copy_from_user)", basis="code",
             needs=need("KVM_CAP_SET_IDENTITY_MAP_ADDR")),
    ]


def _refusals() -> list[Case]:
    """The refusals of a kernel built without Xen (KVM_CAP_XEN_HVM 0), and of memory encryption for a default VM."""
    enc = "x86.c: kvm_arch_vm_ioctl"
    not_sev = ("VMX has no mem_enc_{,un}register_region (x86.c: ENOTTY); svm/sev.c sev_mem_enc_{,un}register_region "
               "answer ENOTTY for a VM that is no SEV guest (6.1, 6.12)")
    region = kvm.kvm_enc_region(addr=0, size=0x1000)
    return [
        Case(id="memory-encrypt-reg-region-no-vendor", ioctl="KVM_MEMORY_ENCRYPT_REG_REGION",
             condition="a default VM (no SEV guest)", arch=("x86_64",),
             call=call("KVM_MEMORY_ENCRYPT_REG_REGION", "vm", region, "addr 0, size 0x1000"), errno=ENOTTY,
             cite=f"{enc}, KVM_MEMORY_ENCRYPT_REG_REGION (copy, then the vendor: {not_sev})", basis="code"),
        Case(id="memory-encrypt-unreg-region-no-vendor", ioctl="KVM_MEMORY_ENCRYPT_UNREG_REGION",
             condition="a default VM (no SEV "
             "guest)", arch=("x86_64",),
             call=call("KVM_MEMORY_ENCRYPT_UNREG_REGION", "vm", region, "addr 0, size 0x1000"), errno=ENOTTY,
             cite=f"{enc}, KVM_MEMORY_ENCRYPT_UNREG_REGION (copy, then the vendor: {not_sev})", basis="code"),
        Case(id="memory-encrypt-op-vcpu-6.1", ioctl="KVM_MEMORY_ENCRYPT_OP",
             condition="vCPU fd (6.1, 6.12: no vCPU memory "
             "encryption ioctl)", arch=("x86_64",), call=call("KVM_MEMORY_ENCRYPT_OP", "vcpu", 0, "NULL"), errno=EINVAL,
             cite="x86.c: kvm_arch_vcpu_ioctl default (the vCPU path, vcpu_mem_enc_ioctl, came with TDX after 6.12)",
             setup=(VCPU0,), basis="code", kernels="6.1-6.15"),
        Case(id="memory-encrypt-op-vcpu-7.2", ioctl="KVM_MEMORY_ENCRYPT_OP",
             condition="vCPU fd, the vendor has no vCPU memory "
             "encryption", arch=("x86_64",), call=call("KVM_MEMORY_ENCRYPT_OP", "vcpu", 0, "NULL"), errno=ENOTTY,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_MEMORY_ENCRYPT_OP (no vcpu_mem_enc_ioctl: ENOTTY)", setup=(VCPU0,),
             basis="code",
             kernels="6.16+ (the TDX merge brought vcpu_mem_enc_ioctl; a kvm_intel built with TDX answers EINVAL)"),
        Case(id="memory-encrypt-reg-region-bad-pointer", ioctl="KVM_MEMORY_ENCRYPT_REG_REGION",
             condition="the argument is not "
             "readable: the copy comes before the vendor check", arch=("x86_64",),
             call=bad("KVM_MEMORY_ENCRYPT_REG_REGION", "vm"), errno=EFAULT,
             cite=f"{enc}, KVM_MEMORY_ENCRYPT_REG_REGION (copy_from_user first)", basis="code"),
    ]


CASES: list[Case] = [
    *_devices(),
    *_hyperv(),
    *_addresses(),
    *_refusals(),
]

UNREACHABLE = [
    Unreachable("KVM_SET_PMU_EVENT_FILTER", EBUSY, "needs the filter's allocation to fail, which no userspace "
                "control provokes without fault injection; and pmu.c kvm_vm_ioctl_set_pmu_event_filter answers that "
                "failure with ENOMEM, not the documented EBUSY (6.1, 6.12, 7.2; see DOC_FINDINGS)", arch="x86_64"),
]
