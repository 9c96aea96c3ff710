"""x86 MSRs: KVM_GET/SET_MSRS, KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_X86_SET_MSR_FILTER."""

from __future__ import annotations

from errno import E2BIG, EFAULT, EINVAL

from abi import x86
from abi.spec.case import Case, DocumentedError, need
from abi.spec.steps.base import API, BAD_POINTER, call
from abi.spec.steps.vm import VCPU0
from abi.spec.steps.x86_vcpu import (
    FEATURE_MSR,
    MAX_IO_MSRS,
    MSR_IA32_MISC_ENABLE,
    MSR_IA32_TSC_ADJUST,
    MSR_NONE,
    bad,
    msr_data,
    msr_filter,
    msrs,
    msrs_header,
)
from abi.spec.steps.x86_vm import _MSR_ROWS, MSR_LIST, count_check, counted


def _msr_lists() -> list[Case]:
    out = []
    for name, short in (("KVM_GET_MSR_INDEX_LIST", "msr-index"), ("KVM_GET_MSR_FEATURE_INDEX_LIST", "msr-feature")):
        out += [
            Case(id=f"{short}-list-too-small", ioctl=name,
                 condition="nmsrs 0: smaller than the list; nmsrs is set to its size", arch=("x86_64",),
                 call=call(name, "system", counted("<I", 0, 0, 4), "nmsrs 0"), errno=E2BIG,
                 cite=f"{MSR_LIST} Errors: E2BIG; x86.c: kvm_arch_dev_ioctl writes nmsrs back before E2BIG",
                 check=count_check("the list's size (> 0)", lambda n: n > 0)),
            Case(id=f"{short}-list-fits", ioctl=name, condition="nmsrs 1024 with room for 1024 indices",
                 arch=("x86_64",), call=call(name, "system", counted("<I", 1024, 1024, 4), "nmsrs 1024"), errno=0,
                 cite=MSR_LIST, check=count_check("the number of indices returned (1..1024)", lambda n: 0 < n <= 1024)),
            Case(id=f"{short}-list-bad-pointer", ioctl=name, condition="the argument is not readable", arch=("x86_64",),
                 call=call(name, "system", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
                 cite=f"{MSR_LIST} Errors: EFAULT"),
        ]
    return out


def _msrs() -> list[Case]:
    g, st = f"{API} 4.18 KVM_GET_MSRS", f"{API} 4.19 KVM_SET_MSRS"
    io = "x86.c: msr_io"
    two = [(MSR_IA32_TSC_ADJUST, 0), (MSR_IA32_MISC_ENABLE, 0)]
    # MISC_ENABLE keeps what a host write gives it (x86.c kvm_set_msr_common); TSC_ADJUST is stored only when the
    # guest CPUID has TSC_ADJUST, so it serves where nothing is read back.
    stop = [(MSR_IA32_MISC_ENABLE, 1), (MSR_NONE, 0), (MSR_IA32_TSC_ADJUST, 0)]
    out = [
        Case(id="get-msrs-count", ioctl="KVM_GET_MSRS",
             condition="two MSRs KVM emulates (TSC_ADJUST, MISC_ENABLE): returns 2", arch=("x86_64",),
             call=msrs("KVM_GET_MSRS", two), errno=0, cite=f"{g}: ':Returns: number of msrs successfully returned'",
             ret=2, setup=(VCPU0,)),
        Case(id="get-msrs-stops-at-unknown", ioctl="KVM_GET_MSRS",
             condition="MISC_ENABLE, an MSR that does not exist, TSC_ADJUST: "
             "returns 1", arch=("x86_64",), call=msrs("KVM_GET_MSRS", stop), errno=0,
             cite=f"{g}: ':Returns: number of msrs successfully returned'; x86.c: __msr_io stops at the first failure",
             ret=1, setup=(VCPU0,)),
        Case(id="set-msrs-count", ioctl="KVM_SET_MSRS",
             condition="TSC_ADJUST 0, MISC_ENABLE 1: returns 2 and MISC_ENABLE reads back", arch=("x86_64",),
             call=msrs("KVM_SET_MSRS", [(MSR_IA32_TSC_ADJUST, 0), (MSR_IA32_MISC_ENABLE, 1)]), errno=0,
             cite=f"{st}: ':Returns: number of msrs successfully set'", ret=2, check=msr_data(MSR_IA32_MISC_ENABLE, 1),
             setup=(VCPU0,)),
        Case(id="set-msrs-stops-at-unknown", ioctl="KVM_SET_MSRS",
             condition="MISC_ENABLE 1, an MSR that does not exist, TSC_ADJUST: "
             "returns 1, the first is set", arch=("x86_64",), call=msrs("KVM_SET_MSRS", stop), errno=0,
             cite=f"{st}: 'If setting an MSR fails, e.g., due to ... the MSR isn't supported/emulated by KVM ... it "
                  "stops "
             "processing the MSR list and returns the number of MSRs that have been set successfully'", ret=1,
             check=msr_data(MSR_IA32_MISC_ENABLE, 1), setup=(VCPU0,)),
        Case(id="set-msrs-unknown-first", ioctl="KVM_SET_MSRS", condition="an MSR that does not exist first: returns 0",
             arch=("x86_64",), call=msrs("KVM_SET_MSRS", [(MSR_NONE, 0), (MSR_IA32_TSC_ADJUST, 0)]), errno=0,
             cite=f"{st}: '... stops processing the MSR list and returns the number of MSRs that have been set "
             "successfully'", ret=0, setup=(VCPU0,)),
        Case(id="get-msrs-system-feature", ioctl="KVM_GET_MSRS",
             condition="system fd, the first feature MSR: returns 1", arch=("x86_64",),
             call=msrs("KVM_GET_MSRS", [(FEATURE_MSR, 0)], on="system"), errno=0,
             cite=f"{g}: 'When used as a system ioctl: Reads the values of MSR-based features'", ret=1,
             needs=need("KVM_CAP_GET_MSR_FEATURES")),
        Case(id="get-msrs-system-not-feature", ioctl="KVM_GET_MSRS",
             condition="system fd, an MSR that is no feature: returns 0", arch=("x86_64",),
             call=msrs("KVM_GET_MSRS", [(MSR_NONE, 0)], on="system"), errno=0,
             cite=f"{g}: ':Returns: number of msrs successfully returned'; x86.c: do_get_feature_msr fails", ret=0,
             needs=need("KVM_CAP_GET_MSR_FEATURES")),
        Case(id="get-msrs-system-bad-pointer", ioctl="KVM_GET_MSRS",
             condition="system fd, the argument is not readable", arch=("x86_64",), call=bad("KVM_GET_MSRS", "system"),
             errno=EFAULT, cite=f"{io} (copy_from_user of the header)", basis="code",
             needs=need("KVM_CAP_GET_MSR_FEATURES")),
    ]
    for name in ("KVM_GET_MSRS", "KVM_SET_MSRS"):
        short = name[4:7].lower()
        out += [
            Case(id=f"{short}-msrs-nmsrs-0", ioctl=name, condition="nmsrs 0: returns 0", arch=("x86_64",),
                 call=msrs_header(name, 0), errno=0, cite=io, ret=0, setup=(VCPU0,), basis="code"),
            Case(id=f"{short}-msrs-nmsrs-255", ioctl=name,
                 condition="nmsrs 255 (MAX_IO_MSRS - 1) of TSC_ADJUST: all processed", arch=("x86_64",),
                 call=msrs_header(name, MAX_IO_MSRS - 1), errno=0, cite=f"{io} (nmsrs >= MAX_IO_MSRS refused)", ret=255,
                 setup=(VCPU0,), basis="code"),
            Case(id=f"{short}-msrs-nmsrs-256", ioctl=name, condition="nmsrs 256 (MAX_IO_MSRS)", arch=("x86_64",),
                 call=msrs_header(name, MAX_IO_MSRS), errno=E2BIG, cite=f"{io} (nmsrs >= MAX_IO_MSRS: E2BIG)",
                 setup=(VCPU0,), basis="code"),
            Case(id=f"{short}-msrs-bad-pointer", ioctl=name, condition="the argument is not readable", arch=("x86_64",),
                 call=bad(name), errno=EFAULT, cite=f"{io} (copy_from_user of the header)", setup=(VCPU0,),
                 basis="code"),
        ]
    return out


def _msr_filter() -> list[Case]:
    d = f"{API} 4.97 KVM_X86_SET_MSR_FILTER"
    fn = "x86.c: kvm_vm_ioctl_set_msr_filter"
    add = "x86.c: kvm_add_msr_filter"
    rw = x86.KVM_MSR_FILTER_READ | x86.KVM_MSR_FILTER_WRITE
    max_bits = 0x600 * 8  # KVM_MSR_FILTER_MAX_BITMAP_SIZE bytes
    deny = x86.KVM_MSR_FILTER_DEFAULT_DENY
    return [
        Case(id="filter-empty-allow", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="default allow, no range: filtering disabled", arch=("x86_64",), call=msr_filter(), errno=0,
             cite=f"{d}: 'Calling this ioctl with an empty set of ranges (all nmsrs == 0) disables MSR "
             "filtering'", needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-empty-deny", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="KVM_MSR_FILTER_DEFAULT_DENY with no range", arch=("x86_64",), call=msr_filter(deny),
             errno=EINVAL, cite=f"{d}: 'In that mode, KVM_MSR_FILTER_DEFAULT_DENY is invalid and causes an "
             f"error'; {fn} (empty and deny: EINVAL)", needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-deny-one-range", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="default deny with one read/write range of 64 MSRs", arch=("x86_64",),
             call=msr_filter(deny, [(rw, 64, 0)]), errno=0,
             cite=f"{d}: 'This ioctl allows userspace to define up to 16 bitmaps of "
             "MSR ranges'", needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-deny-before-exit-reason", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="a default-deny filter activated while "
             "KVM_CAP_X86_USER_SPACE_MSR has no KVM_MSR_EXIT_REASON_FILTER", arch=("x86_64",),
             call=msr_filter(deny, [(rw, 64, 0)]), errno=0,
             cite=f"{d}: 'KVM_MSR_EXIT_REASON_FILTER must be enabled before activating any filters ... Failure to do "
                  "so "
             f"may result in KVM injecting a #GP instead of exiting to userspace' (a rule for userspace: {fn} does "
             "not look at the VM's user_space_msr_mask)", order_row=1, basis="code",
             needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-16-ranges", ioctl="KVM_X86_SET_MSR_FILTER", condition="16 ranges (KVM_MSR_FILTER_MAX_RANGES)",
             arch=("x86_64",), call=msr_filter(0, [(rw, 8, i * 0x100) for i in range(16)], "16 ranges of 8 MSRs"),
             errno=0, cite=f"{d}: 'up to 16 bitmaps of MSR ranges'", needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-x2apic-range", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="a range covering the x2APIC MSRs 0x800-0x8ff", arch=("x86_64",),
             call=msr_filter(deny, [(rw, 0x100, 0x800)]), errno=0,
             cite=f"{d}: 'x2APIC MSR accesses cannot be filtered (KVM silently "
             "ignores filters that cover any x2APIC MSRs)' (6.12 and 7.2; 6.1's section lacks the sentence, and "
             "kvm_add_msr_filter accepts such a range in all three)", needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-unknown-flag", ioctl="KVM_X86_SET_MSR_FILTER", condition="flags bit 1", arch=("x86_64",),
             call=msr_filter(2), errno=EINVAL, cite=f"{fn} (flags outside KVM_MSR_FILTER_DEFAULT_DENY)", basis="code",
             needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-range-unknown-flag", ioctl="KVM_X86_SET_MSR_FILTER", condition="a range with flags bit 2",
             arch=("x86_64",), call=msr_filter(0, [(4, 8, 0)]), errno=EINVAL,
             cite=f"{add} (range flags outside READ|WRITE)", basis="code", needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-range-no-flags", ioctl="KVM_X86_SET_MSR_FILTER", condition="a range of 8 MSRs with flags 0",
             arch=("x86_64",), call=msr_filter(0, [(0, 8, 0)]), errno=EINVAL,
             cite=f"{add} (a non-empty range needs READ or WRITE)", basis="code", needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-range-max-bitmap", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="a range of 0x3000 MSRs (a 0x600-byte bitmap, "
             "KVM_MSR_FILTER_MAX_BITMAP_SIZE)", arch=("x86_64",), call=msr_filter(0, [(rw, max_bits, 0)]), errno=0,
             cite=f"{add} (bitmap size up to KVM_MSR_FILTER_MAX_BITMAP_SIZE)", basis="code",
             needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-range-bitmap-too-big", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="a range of 0x3001 MSRs (bitmap over 0x600 "
             "bytes)", arch=("x86_64",), call=msr_filter(0, [(rw, max_bits + 64, 0)]), errno=EINVAL,
             cite=f"{add} (BITS_TO_LONGS(nmsrs) * sizeof(long) > KVM_MSR_FILTER_MAX_BITMAP_SIZE)", basis="code",
             needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-range-empty-ignored", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="a range with nmsrs 0 and unknown flags: "
             "skipped", arch=("x86_64",), call=msr_filter(0, [(4, 0, 0)]), errno=0,
             cite=f"{add} (nmsrs 0: the range is skipped before any check)", basis="code",
             needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-range-bitmap-unreadable", ioctl="KVM_X86_SET_MSR_FILTER",
             condition="a range whose bitmap is not readable", arch=("x86_64",),
             call=msr_filter(0, [(rw, 64, 0)], "one range, bitmap = a guard page", bitmap_ptr=BAD_POINTER),
             errno=EFAULT, cite=f"{add} (memdup_user of the bitmap)", basis="code",
             needs=need("KVM_CAP_X86_MSR_FILTER")),
        Case(id="filter-bad-pointer", ioctl="KVM_X86_SET_MSR_FILTER", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_X86_SET_MSR_FILTER", "vm"), errno=EFAULT,
             cite="x86.c: kvm_arch_vm_ioctl (copy_from_user)", basis="code", needs=need("KVM_CAP_X86_MSR_FILTER")),
    ]


CASES: list[Case] = [
    *_msr_lists(),
    *_msrs(),
    *_msr_filter(),
]

DOCUMENTED = [
    *(DocumentedError(n, e, c, MSR_LIST) for n in ("KVM_GET_MSR_INDEX_LIST", "KVM_GET_MSR_FEATURE_INDEX_LIST")
      for e, c in _MSR_ROWS),
]
