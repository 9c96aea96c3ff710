"""The x86 vCPU and VM state ioctls of api.rst on the local /dev/kvm: registers, special registers, MSRs, CPUID,
FPU/XSAVE/XCRs, debug registers, clock and TSC, the in-kernel irqchip/LAPIC/PIT state, NMI/SMI, the MSR filter,
nested state, and the refusals of what a kernel is built without (Xen, SMM, nested virtualization).

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1.192, 6.12.117, 7.2.13): 4.11/4.12 KVM_{GET,SET}_REGS,
4.13/4.14 KVM_{GET,SET}_SREGS, 4.15 KVM_TRANSLATE, 4.18/4.19 KVM_{GET,SET}_MSRS, 4.20 KVM_SET_CPUID (and
KVM_SET_CPUID2, which has no section of its own), 4.22/4.23 KVM_{GET,SET}_FPU, 4.26/4.27 KVM_{GET,SET}_IRQCHIP,
4.28 KVM_XEN_HVM_CONFIG, 4.29/4.30 KVM_{GET,SET}_CLOCK, 4.33/4.34 KVM_{GET,SET}_DEBUGREGS, 4.36 KVM_SET_TSS_ADDR,
4.40 KVM_SET_IDENTITY_MAP_ADDR, 4.42/4.43 KVM_{GET,SET}_XSAVE, 4.44/4.45 KVM_{GET,SET}_XCRS, 4.55
KVM_SET_TSC_KHZ, 4.57/4.58 KVM_{GET,SET}_LAPIC, 4.64 KVM_NMI, 4.71-4.73 KVM_CREATE_PIT2/KVM_{GET,SET}_PIT2, 4.96
KVM_SMI, 4.97 KVM_X86_SET_MSR_FILTER, 4.104 KVM_X86_GET_MCE_CAP_SUPPORTED, 4.110-4.112 KVM_MEMORY_ENCRYPT_*,
4.114/4.115 KVM_{GET,SET}_NESTED_STATE, 4.126-4.129 KVM_XEN_{HVM,VCPU}_{SET,GET}_ATTR, 4.131/4.132 KVM_{GET,SET}_SREGS2,
4.134 KVM_GET_XSAVE2, 4.135 KVM_XEN_HVM_EVTCHN_SEND.
Implementation (Debian 6.1.192, 6.12.117, 7.2.13): arch/x86/kvm/x86.c (kvm_arch_vm_ioctl, kvm_arch_vcpu_ioctl,
msr_io, kvm_vm_ioctl_set_msr_filter, kvm_add_msr_filter, kvm_vcpu_ioctl_x86_set_xcrs, __kvm_set_xcr,
kvm_set_tsc_khz, set_tsc_khz, kvm_vm_ioctl_set_clock), arch/x86/kvm/regs.c in 6.12 and 7.2 / x86.c in 6.1 (register,
special register and debug register ioctls), arch/x86/kvm/cpuid.c (kvm_vcpu_ioctl_set_cpuid{,2}, kvm_set_cpuid,
kvm_cpuid_check_equal, kvm_check_cpuid), arch/x86/kvm/irq.c in 7.2 / x86.c before (kvm_vm_ioctl_{get,set}_irqchip),
arch/x86/kvm/smm.h, arch/x86/kernel/fpu/core.c (fpu_copy_uabi_to_guest_fpstate), virt/kvm/kvm_main.c
(kvm_vcpu_ioctl: the REGS, SREGS, FPU and TRANSLATE copies). Nested state and memory encryption also from the vendors:
arch/x86/kvm/vmx/nested.c and svm/nested.c ({vmx,svm}_{get,set}_nested_state), svm/sev.c
(sev_mem_enc_{,un}register_region), 6.1 and 6.12 (Debian 6.1.192-3, 6.12.118), and the newest upstream x86.c,
vmx/nested.c, svm/nested.c, vmx/main.c. docs/research/x86_vcpu_state.md has the evidence.

What a kernel may be built or loaded without (Xen, CONFIG_KVM_XEN; SMM, CONFIG_KVM_SMM; nested virtualization) is
a capability it answers 0 for: the cases of the documented behaviour need it non-zero, the refusals of a kernel
without it need it 0 (`needs=`), and each kernel runs the half that applies to it, skipping the other with one line
naming the capability. Vendor callbacks (set_tss_addr, set_identity_map_addr, set_cr0, memory encryption) differ
between VMX, SVM and out-of-tree vendors: the cases stop at what x86.c checks before calling them, or at what VMX
and SVM both answer (memory encryption of a default VM, nested state with KVM_CAP_NESTED_STATE).
"""

from __future__ import annotations

import struct
from errno import E2BIG, EEXIST, EFAULT, EINVAL, ENOENT, ENOTTY, ENXIO

from abi import kvm, x86
from abi.spec.case import (
    DOCUMENT_SILENT,
    KERNEL_BREAKS_DOCUMENT,
    Case,
    Finding,
    Scene,
    Val,
    need,
)
from abi.spec.steps.base import BAD_POINTER, call, step
from abi.spec.steps.vm import IRQCHIP, X2APIC_32BIT
from abi.spec.steps.x86_vcpu import (
    AFTER_VCPU_CHECK,
    API,
    CR0_PE,
    CR0_PG,
    CR4_PAE,
    DOUBLE_KHZ,
    EFER_LMA,
    FEATURE_MSR,
    HALF_KHZ,
    HOST_KHZ,
    KVM_MAX_CPUID_ENTRIES,
    MAX_IO_MSRS,
    MSR_IA32_MISC_ENABLE,
    MSR_IA32_TSC_ADJUST,
    MSR_NONE,
    NESTED_X86,
    SPLIT,
    VCPU,
    VCPU5,
    X2APIC_MODE,
    _host_khz,
    _nested_size_written,
    apic_id,
    bad,
    cap,
    clock,
    cpuid2,
    cpuid2_current,
    cpuid_n,
    drop_last,
    entered_guest,
    identity,
    irqchip,
    lapic,
    modify,
    msr_data,
    msr_filter,
    msrs,
    msrs_header,
    nested_call,
    out_check,
    pit2,
    reads_back,
    set_lapic_id,
    set_nested_as_read,
    set_xsave_edited,
    tsc_khz,
    vaddr_bits,
    xcrs,
    xsave_sized,
)
from abi.spec.steps.x86_vm import PIT2
from abi.target.base import Result


def _regs() -> list[Case]:
    def set_rax(s, r):
        r.rax, r.rip, r.rflags = 0x1234, 0x100, 0x2

    def clear_rflags(s, r):
        r.rflags = 0

    set_sregs2_pdptrs = [0x1000, 0x2000, 0x3000, 0x4000]

    def pae(s, r):
        r.cr0 |= CR0_PE | CR0_PG
        r.cr4 |= CR4_PAE
        r.cr3 = 0x10000
        r.flags = x86.KVM_SREGS2_FLAGS_PDPTRS_VALID
        for i, v in enumerate(set_sregs2_pdptrs):
            r.pdptrs[i] = v

    def lma_only(s, r):
        r.efer |= EFER_LMA

    def cs_long(s, r):
        r.cs.l = 1

    def bitmap(s, r):
        r.interrupt_bitmap[0] = 1 << 0x20

    def flags(value):
        def change(s, r):
            r.flags = value
        return change

    g, st = f"{API} 4.11 KVM_GET_REGS", f"{API} 4.12 KVM_SET_REGS"
    gs, ss = f"{API} 4.13 KVM_GET_SREGS", f"{API} 4.14 KVM_SET_SREGS"
    gs2, ss2 = f"{API} 4.131 KVM_GET_SREGS2", f"{API} 4.132 KVM_SET_SREGS2"
    sregs_valid = "regs.c (6.12, 7.2) / x86.c (6.1): kvm_is_valid_sregs"
    s2 = "x86.c: __set_sregs2 (6.1) / regs.c: kvm_vcpu_ioctl_x86_set_sregs2 (6.12, 7.2)"
    return [
        Case(id="get-regs", ioctl="KVM_GET_REGS", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_REGS", "vcpu", lambda s: s.abi.kvm_regs()), errno=0, cite=g, setup=(VCPU,)),
        Case(id="set-regs-reads-back", ioctl="KVM_SET_REGS",
             condition="rax 0x1234, rip 0x100: KVM_GET_REGS reads them back", arch=("x86_64",),
             call=modify("KVM_GET_REGS", "KVM_SET_REGS", "kvm_regs", set_rax, "rax 0x1234, rip 0x100, rflags 0x2"),
             errno=0, cite=f"{st}: 'Writes the general purpose registers into the vcpu'",
             check=reads_back("KVM_GET_REGS", "kvm_regs", lambda s, r: r.rax == 0x1234 and r.rip == 0x100,
                              "rax 0x1234 and rip 0x100"), setup=(VCPU,)),
        Case(id="set-regs-rflags-fixed-bit", ioctl="KVM_SET_REGS",
             condition="rflags 0: bit 1 (always one in RFLAGS) reads back set", arch=("x86_64",),
             call=modify("KVM_GET_REGS", "KVM_SET_REGS", "kvm_regs", clear_rflags, "rflags 0"), errno=0,
             cite="regs.c (6.12, 7.2) / x86.c (6.1): __set_regs ORs in X86_EFLAGS_FIXED",
             check=reads_back("KVM_GET_REGS", "kvm_regs", lambda s, r: r.rflags == 0x2, "rflags 0x2"), setup=(VCPU,),
             basis="code"),
        Case(id="get-regs-bad-pointer", ioctl="KVM_GET_REGS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_REGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_GET_REGS (copy_to_user)", setup=(VCPU,), basis="code"),
        Case(id="set-regs-bad-pointer", ioctl="KVM_SET_REGS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_REGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_REGS (memdup_user)", setup=(VCPU,), basis="code"),
        Case(id="get-sregs", ioctl="KVM_GET_SREGS", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_SREGS", "vcpu", lambda s: s.abi.kvm_sregs()), errno=0, cite=gs, setup=(VCPU,)),
        Case(id="set-sregs-as-read", ioctl="KVM_SET_SREGS", condition="what KVM_GET_SREGS gave", arch=("x86_64",),
             call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", lambda s, r: None, "as read"), errno=0, cite=ss,
             setup=(VCPU,)),
        Case(id="set-sregs-pending-interrupt", ioctl="KVM_SET_SREGS",
             condition="interrupt_bitmap with vector 0x20: it reads back as "
             "the pending external interrupt", arch=("x86_64",),
             call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", bitmap,
                                                      "interrupt_bitmap bit 0x20"), errno=0,
             cite=f"{gs}: 'interrupt_bitmap is a bitmap of pending external interrupts.  At most one bit may be set.'",
             check=reads_back("KVM_GET_SREGS", "kvm_sregs", lambda s, r: r.interrupt_bitmap[0] == 1 << 0x20 and
                              not any(r.interrupt_bitmap[1:]), "interrupt_bitmap bit 0x20 only"), setup=(VCPU,)),
        Case(id="set-sregs-lma-without-paging", ioctl="KVM_SET_SREGS", condition="EFER.LMA set while CR0.PG is clear",
             arch=("x86_64",), call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", lma_only, "efer |= LMA"),
             errno=EINVAL, cite=f"{sregs_valid} (not in 64-bit mode: LMA must be clear)", setup=(VCPU,), basis="code"),
        Case(id="set-sregs-cs-long-in-real-mode", ioctl="KVM_SET_SREGS", condition="cs.l set outside long mode",
             arch=("x86_64",), call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", cs_long, "cs.l = 1"),
             errno=EINVAL, cite=f"{sregs_valid} (not in 64-bit mode: the code segment cannot be 64-bit)", setup=(VCPU,),
             basis="code"),
        Case(id="get-sregs-bad-pointer", ioctl="KVM_GET_SREGS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_SREGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_GET_SREGS (copy_to_user)", setup=(VCPU,), basis="code"),
        Case(id="set-sregs-bad-pointer", ioctl="KVM_SET_SREGS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_SREGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_SREGS (memdup_user)", setup=(VCPU,), basis="code"),
        Case(id="get-sregs2-real-mode", ioctl="KVM_GET_SREGS2",
             condition="a fresh vCPU (real mode, no PAE paging): flags 0", arch=("x86_64",),
             call=call("KVM_GET_SREGS2", "vcpu", lambda s: s.abi.kvm_sregs2()), errno=0,
             cite=f"{gs2}: KVM_SREGS2_FLAGS_PDPTRS_VALID 'Indicates that the struct contains valid PDPTR values'; "
             "regs.c (6.12, 7.2) / x86.c (6.1): the GET_SREGS2 path sets it only with PAE paging",
             check=out_check("kvm_sregs2", lambda s, r: r.flags == 0, "flags 0"), setup=(VCPU,),
             needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-as-read", ioctl="KVM_SET_SREGS2", condition="what KVM_GET_SREGS2 gave", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", lambda s, r: None, "as read"), errno=0,
             cite=ss2, setup=(VCPU,), needs=need("KVM_CAP_SREGS2")),
        # Only the SET is asserted: whether the vCPU then is in PAE paging (and KVM_GET_SREGS2 reports the PDPTRs)
        # depends on the vendor's set_cr0, which the common code does not constrain (docs/research note).
        Case(id="set-sregs2-pdptrs", ioctl="KVM_SET_SREGS2",
             condition="PAE paging (CR0.PE|PG, CR4.PAE, no LMA) with PDPTRS_VALID", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", pae,
                    "CR0.PE|PG, CR4.PAE, flags PDPTRS_VALID, pdptrs 0x1000..0x4000"), errno=0,
             cite=f"{gs2}: KVM_SREGS2_FLAGS_PDPTRS_VALID 'Indicates that the struct contains valid PDPTR values'; "
                  f"{ss2}; "
             f"{s2} (accepted when the registers describe PAE paging)", setup=(VCPU,), needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-unknown-flag", ioctl="KVM_SET_SREGS2",
             condition="flags bit 1 (only PDPTRS_VALID is defined)", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", flags(2), "flags 2"), errno=EINVAL,
             cite=f"{s2} (flags outside KVM_SREGS2_FLAGS_PDPTRS_VALID)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-pdptrs-without-pae", ioctl="KVM_SET_SREGS2",
             condition="PDPTRS_VALID in real mode (no PAE paging)", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", flags(1), "flags PDPTRS_VALID"),
             errno=EINVAL, cite=f"{s2} (valid PDPTRs need CR0.PG, CR4.PAE and no EFER.LMA)", setup=(VCPU,),
             basis="code", needs=need("KVM_CAP_SREGS2")),
        Case(id="get-sregs2-bad-pointer", ioctl="KVM_GET_SREGS2", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_SREGS2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_SREGS2 (copy_to_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-bad-pointer", ioctl="KVM_SET_SREGS2", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_SREGS2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_SREGS2 (memdup_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_SREGS2")),
    ]


def _translate() -> list[Case]:
    tr = f"{API} 4.15 KVM_TRANSLATE"
    return [
        Case(id="translate-real-mode", ioctl="KVM_TRANSLATE",
             condition="real mode (no paging): linear 0x12345 is physical 0x12345", arch=("x86_64",),
             call=call("KVM_TRANSLATE", "vcpu", kvm.kvm_translation(linear_address=0x12345), "linear 0x12345"), errno=0,
             cite=f"{tr}: 'Translates a virtual address according to the vcpu's current address translation mode'; "
             "x86.c: kvm_arch_vcpu_ioctl_translate (kvm_mmu_gva_to_gpa_system: no paging, identity)",
             check=out_check("kvm_translation", lambda s, t: t.physical_address == 0x12345 and t.valid == 1,
                             "physical_address 0x12345, valid 1"), setup=(VCPU,)),
        Case(id="translate-bad-pointer", ioctl="KVM_TRANSLATE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_TRANSLATE"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_TRANSLATE (copy_from_user)", setup=(VCPU,), basis="code"),
    ]


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
             ret=2, setup=(VCPU,)),
        Case(id="get-msrs-stops-at-unknown", ioctl="KVM_GET_MSRS",
             condition="MISC_ENABLE, an MSR that does not exist, TSC_ADJUST: "
             "returns 1", arch=("x86_64",), call=msrs("KVM_GET_MSRS", stop), errno=0,
             cite=f"{g}: ':Returns: number of msrs successfully returned'; x86.c: __msr_io stops at the first failure",
             ret=1, setup=(VCPU,)),
        Case(id="set-msrs-count", ioctl="KVM_SET_MSRS",
             condition="TSC_ADJUST 0, MISC_ENABLE 1: returns 2 and MISC_ENABLE reads back", arch=("x86_64",),
             call=msrs("KVM_SET_MSRS", [(MSR_IA32_TSC_ADJUST, 0), (MSR_IA32_MISC_ENABLE, 1)]), errno=0,
             cite=f"{st}: ':Returns: number of msrs successfully set'", ret=2, check=msr_data(MSR_IA32_MISC_ENABLE, 1),
             setup=(VCPU,)),
        Case(id="set-msrs-stops-at-unknown", ioctl="KVM_SET_MSRS",
             condition="MISC_ENABLE 1, an MSR that does not exist, TSC_ADJUST: "
             "returns 1, the first is set", arch=("x86_64",), call=msrs("KVM_SET_MSRS", stop), errno=0,
             cite=f"{st}: 'If setting an MSR fails, e.g., due to ... the MSR isn't supported/emulated by KVM ... it "
                  "stops "
             "processing the MSR list and returns the number of MSRs that have been set successfully'", ret=1,
             check=msr_data(MSR_IA32_MISC_ENABLE, 1), setup=(VCPU,)),
        Case(id="set-msrs-unknown-first", ioctl="KVM_SET_MSRS", condition="an MSR that does not exist first: returns 0",
             arch=("x86_64",), call=msrs("KVM_SET_MSRS", [(MSR_NONE, 0), (MSR_IA32_TSC_ADJUST, 0)]), errno=0,
             cite=f"{st}: '... stops processing the MSR list and returns the number of MSRs that have been set "
             "successfully'", ret=0, setup=(VCPU,)),
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
                 call=msrs_header(name, 0), errno=0, cite=io, ret=0, setup=(VCPU,), basis="code"),
            Case(id=f"{short}-msrs-nmsrs-255", ioctl=name,
                 condition="nmsrs 255 (MAX_IO_MSRS - 1) of TSC_ADJUST: all processed", arch=("x86_64",),
                 call=msrs_header(name, MAX_IO_MSRS - 1), errno=0, cite=f"{io} (nmsrs >= MAX_IO_MSRS refused)", ret=255,
                 setup=(VCPU,), basis="code"),
            Case(id=f"{short}-msrs-nmsrs-256", ioctl=name, condition="nmsrs 256 (MAX_IO_MSRS)", arch=("x86_64",),
                 call=msrs_header(name, MAX_IO_MSRS), errno=E2BIG, cite=f"{io} (nmsrs >= MAX_IO_MSRS: E2BIG)",
                 setup=(VCPU,), basis="code"),
            Case(id=f"{short}-msrs-bad-pointer", ioctl=name, condition="the argument is not readable", arch=("x86_64",),
                 call=bad(name), errno=EFAULT, cite=f"{io} (copy_from_user of the header)", setup=(VCPU,),
                 basis="code"),
        ]
    return out


def _cpuid() -> list[Case]:
    c = f"{API} 4.20 KVM_SET_CPUID"
    set_c = "cpuid.c: kvm_vcpu_ioctl_set_cpuid2 / kvm_vcpu_ioctl_set_cpuid"
    after = "cpuid.c: kvm_set_cpuid (after a VM entry: kvm_cpuid_check_equal)"
    leaf0 = struct.pack("<II", 1, 0) + struct.pack("<6I", 0, 1, 0, 0, 0, 0)
    return [
        Case(id="set-cpuid-legacy", ioctl="KVM_SET_CPUID", condition="one entry (leaf 0)", arch=("x86_64",),
             call=call("KVM_SET_CPUID", "vcpu", leaf0,
             "nent 1: leaf 0"), errno=0, cite=f"{c}: 'Defines the vcpu responses to the cpuid instruction'",
             setup=(VCPU,)),
        Case(id="set-cpuid-nent-too-big", ioctl="KVM_SET_CPUID", condition="nent 257 (KVM_MAX_CPUID_ENTRIES + 1)",
             arch=("x86_64",), call=cpuid_n("KVM_SET_CPUID", KVM_MAX_CPUID_ENTRIES + 1, 24), errno=E2BIG,
             cite=f"{set_c} (nent > 256: E2BIG)", setup=(VCPU,), basis="code"),
        Case(id="set-cpuid-bad-pointer", ioctl="KVM_SET_CPUID", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_CPUID"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_CPUID (copy_from_user)", setup=(VCPU,), basis="code"),
        Case(id="set-cpuid2-supported", ioctl="KVM_SET_CPUID2", condition="the table KVM_GET_SUPPORTED_CPUID gave",
             arch=("x86_64",), call=cpuid2(), errno=0,
             cite=f"{c}: 'Applications should use the KVM_SET_CPUID2 ioctl if available'; {API} 4.46 "
             "KVM_GET_SUPPORTED_CPUID: userspace can use the information returned to construct cpuid information "
             "for KVM_SET_CPUID2", setup=(VCPU,)),
        Case(id="set-cpuid2-nent-too-big", ioctl="KVM_SET_CPUID2", condition="nent 257 (KVM_MAX_CPUID_ENTRIES + 1)",
             arch=("x86_64",), call=cpuid_n("KVM_SET_CPUID2", KVM_MAX_CPUID_ENTRIES + 1, 40), errno=E2BIG,
             cite=f"{set_c} (nent > 256: E2BIG)", setup=(VCPU,), basis="code"),
        Case(id="set-cpuid2-bad-pointer", ioctl="KVM_SET_CPUID2", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_CPUID2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_CPUID2 (copy_from_user)", setup=(VCPU,), basis="code"),
        Case(id="set-cpuid2-vaddr-bits-40", ioctl="KVM_SET_CPUID2",
             condition="leaf 0x80000008 with 40 linear-address bits", arch=("x86_64",),
             call=cpuid2(vaddr_bits(40), "supported table, 0x80000008 EAX[15:8] = 40"), errno=EINVAL,
             cite="cpuid.c: kvm_check_cpuid (linear address width must be 48, 57 or 0)", setup=(VCPU,), basis="code"),
        # The vCPU's own table, not the one passed before: a vendor's vcpu_after_set_cpuid may edit the stored
        # entries (see the research note), and 6.1 compares the raw entries with the stored ones.
        Case(id="set-cpuid2-after-run-same", ioctl="KVM_SET_CPUID2",
             condition="after the vCPU entered the guest, its current table "
             "(KVM_GET_CPUID2) again", arch=("x86_64",), call=cpuid2_current(), errno=0,
             cite=f"{c}: 'Using KVM_SET_CPUID{{,2}} after KVM_RUN ... may cause guest instability'; {after} "
             "(an equal table is accepted)", setup=(VCPU, cpuid2(), entered_guest())),
        # 4.20 only warns of guest instability (a caveat on a call it expects to succeed): the refusal is the
        # kernel's own rule, a documentation finding (DOC_FINDINGS), not a broken contract.
        Case(id="set-cpuid2-after-run-different", ioctl="KVM_SET_CPUID2",
             condition="after the vCPU entered the guest, a table with "
             "one entry fewer", arch=("x86_64",), call=cpuid2(drop_last, "the supported table without its last entry"),
             errno=EINVAL,
             cite="cpuid.c: kvm_set_cpuid refuses a table that differs from the current one once the vCPU has entered "
             "the guest (kvm_cpuid_check_equal), in 6.1, 6.12 and 7.2", setup=(VCPU, cpuid2(), entered_guest()),
             basis="code"),
        Case(id="set-cpuid-after-run-different", ioctl="KVM_SET_CPUID",
             condition="after the vCPU entered the guest, a one-entry table", arch=("x86_64",),
             call=call("KVM_SET_CPUID", "vcpu", leaf0, "nent 1: leaf 0"), errno=EINVAL,
             cite=f"{after}: KVM_SET_CPUID converts its entries and takes the same path",
             setup=(VCPU, cpuid2(), entered_guest()), order_row=1, basis="code"),
    ]


def _fpu() -> list[Case]:
    def fcw(s, f):
        f.fcw, f.mxcsr = 0x27F, 0x1F80

    return [
        Case(id="get-fpu", ioctl="KVM_GET_FPU", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_FPU", "vcpu", lambda s: s.abi.kvm_fpu()), errno=0, cite=f"{API} 4.22 KVM_GET_FPU",
             setup=(VCPU,)),
        Case(id="set-fpu-reads-back", ioctl="KVM_SET_FPU", condition="fcw 0x27f: KVM_GET_FPU reads it back",
             arch=("x86_64",), call=modify("KVM_GET_FPU", "KVM_SET_FPU", "kvm_fpu", fcw, "fcw 0x27f, mxcsr 0x1f80"),
             errno=0, cite=f"{API} 4.23 KVM_SET_FPU: 'Writes the floating point state to the vcpu'",
             check=reads_back("KVM_GET_FPU", "kvm_fpu", lambda s, f: f.fcw == 0x27F, "fcw 0x27f"), setup=(VCPU,)),
        Case(id="get-fpu-bad-pointer", ioctl="KVM_GET_FPU", condition="the argument is not writable", arch=("x86_64",),
             call=bad("KVM_GET_FPU"), errno=EFAULT, cite="kvm_main.c: kvm_vcpu_ioctl, KVM_GET_FPU (copy_to_user)",
             setup=(VCPU,), basis="code"),
        Case(id="set-fpu-bad-pointer", ioctl="KVM_SET_FPU", condition="the argument is not readable", arch=("x86_64",),
             call=bad("KVM_SET_FPU"), errno=EFAULT, cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_FPU (memdup_user)",
             setup=(VCPU,), basis="code"),
    ]


def _irqchip() -> list[Case]:
    g, st = f"{API} 4.26 KVM_GET_IRQCHIP", f"{API} 4.27 KVM_SET_IRQCHIP"
    io = "x86.c: kvm_arch_vm_ioctl"
    chip = "irq.c (7.2) / x86.c (6.1, 6.12): kvm_vm_ioctl_{get,set}_irqchip (chip_id not 0..2: EINVAL)"

    def set_as_read(chip_id):
        def run(s: Scene) -> Result:
            value = s.ioctl(s.vm, s.abi.KVM_GET_IRQCHIP, s.abi.kvm_irqchip(chip_id=chip_id))
            return s.ioctl(s.vm, s.abi.KVM_SET_IRQCHIP, value.struct(s.abi.kvm_irqchip))

        return step(f"KVM_SET_IRQCHIP(chip_id {chip_id}, as KVM_GET_IRQCHIP read it)", run)

    out = []
    for chip_id, name in ((0, "pic1"), (1, "pic2"), (2, "ioapic")):
        out += [
            Case(id=f"get-irqchip-{name}", ioctl="KVM_GET_IRQCHIP",
                 condition=f"after KVM_CREATE_IRQCHIP, chip_id {chip_id}", arch=("x86_64",),
                 call=irqchip("KVM_GET_IRQCHIP", chip_id), errno=0,
                 cite=f"{g}: 'chip_id; /* 0 = PIC1, 1 = PIC2, 2 = IOAPIC */'", setup=(IRQCHIP,)),
            Case(id=f"set-irqchip-{name}", ioctl="KVM_SET_IRQCHIP",
                 condition=f"after KVM_CREATE_IRQCHIP, chip_id {chip_id} as read", arch=("x86_64",),
                 call=set_as_read(chip_id), errno=0,
                 cite=f"{st}: 'Sets the state of a kernel interrupt controller created with "
                 "KVM_CREATE_IRQCHIP'", setup=(IRQCHIP,)),
        ]
    out += [
        Case(id="get-irqchip-chip-3", ioctl="KVM_GET_IRQCHIP", condition="chip_id 3 (no such chip)", arch=("x86_64",),
             call=irqchip("KVM_GET_IRQCHIP", 3), errno=EINVAL, cite=chip, setup=(IRQCHIP,), basis="code"),
        Case(id="set-irqchip-chip-3", ioctl="KVM_SET_IRQCHIP", condition="chip_id 3 (no such chip)", arch=("x86_64",),
             call=irqchip("KVM_SET_IRQCHIP", 3), errno=EINVAL, cite=chip, setup=(IRQCHIP,), basis="code"),
        Case(id="get-irqchip-none", ioctl="KVM_GET_IRQCHIP", condition="no in-kernel irqchip", arch=("x86_64",),
             call=irqchip("KVM_GET_IRQCHIP", 0), errno=ENXIO,
             cite=f"{io}, KVM_GET_IRQCHIP (!irqchip_kernel / !irqchip_full: ENXIO)", basis="code"),
        Case(id="set-irqchip-none", ioctl="KVM_SET_IRQCHIP", condition="no in-kernel irqchip", arch=("x86_64",),
             call=irqchip("KVM_SET_IRQCHIP", 0), errno=ENXIO, cite=f"{io}, KVM_SET_IRQCHIP (ENXIO)", basis="code"),
        Case(id="get-irqchip-split", ioctl="KVM_GET_IRQCHIP", condition="split irqchip (no in-kernel PIC or IOAPIC)",
             arch=("x86_64",), call=irqchip("KVM_GET_IRQCHIP", 0), errno=ENXIO,
             cite=f"{io}, KVM_GET_IRQCHIP (a split irqchip is not a full one)", setup=(SPLIT,), basis="code"),
        Case(id="get-irqchip-bad-pointer", ioctl="KVM_GET_IRQCHIP",
             condition="the argument is not readable (no irqchip either: the "
             "copy comes first)", arch=("x86_64",), call=bad("KVM_GET_IRQCHIP", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_GET_IRQCHIP (memdup_user)", basis="code"),
        Case(id="set-irqchip-bad-pointer", ioctl="KVM_SET_IRQCHIP", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_IRQCHIP", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_SET_IRQCHIP (memdup_user)", setup=(IRQCHIP,), basis="code"),
    ]
    return out


def _clock() -> list[Case]:
    g, st = f"{API} 4.29 KVM_GET_CLOCK", f"{API} 4.30 KVM_SET_CLOCK"
    adjust = cap("KVM_CAP_ADJUST_CLOCK")
    {"needs": need("KVM_CAP_ADJUST_CLOCK")}
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


def _debugregs() -> list[Case]:
    st = f"{API} 4.34 KVM_SET_DEBUGREGS"
    fn = "regs.c (6.12, 7.2) / x86.c (6.1): kvm_vcpu_ioctl_x86_set_debugregs"

    def field(name, value):
        def change(s, d):
            setattr(d, name, value)
        return change

    def db0(s, d):
        d.db[0] = 0x1000

    {"setup": (VCPU,), "needs": need("KVM_CAP_DEBUGREGS")}
    return [
        Case(id="get-debugregs", ioctl="KVM_GET_DEBUGREGS", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_DEBUGREGS", "vcpu",
             lambda s: s.abi.kvm_debugregs()), errno=0, cite=f"{API} 4.33 KVM_GET_DEBUGREGS", setup=(VCPU,),
             needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-reads-back", ioctl="KVM_SET_DEBUGREGS", condition="db[0] 0x1000, flags 0: it reads back",
             arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", db0, "db[0] 0x1000"), errno=0,
             cite=f"{st}: 'Writes debug registers into the vcpu'",
             check=reads_back("KVM_GET_DEBUGREGS", "kvm_debugregs", lambda s, d: d.db[0] == 0x1000,
                              "db[0] 0x1000"), setup=(VCPU,), needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-flags", ioctl="KVM_SET_DEBUGREGS", condition="flags 1", arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", field("flags", 1), "flags 1"),
             errno=EINVAL,
             cite=f"{st}: 'The flags field is unused yet and must be cleared on entry'; {fn} (flags: EINVAL)",
             setup=(VCPU,), needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-dr6-upper", ioctl="KVM_SET_DEBUGREGS", condition="dr6 with bit 32 set", arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", field("dr6", 1 << 32 | 0xFFFF0FF0),
                    "dr6 bit 32"), errno=EINVAL, cite=f"{fn} (kvm_dr6_valid: upper 32 bits must be zero)",
             setup=(VCPU,), basis="code", needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-dr7-upper", ioctl="KVM_SET_DEBUGREGS", condition="dr7 with bit 32 set", arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", field("dr7", 1 << 32 | 0x400),
                    "dr7 bit 32"), errno=EINVAL, cite=f"{fn} (kvm_dr7_valid: upper 32 bits must be zero)",
             setup=(VCPU,), basis="code", needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-on-vm-fd", ioctl="KVM_SET_DEBUGREGS",
             condition="on the VM fd (6.1's and 6.12's section says 'vm ioctl')", arch=("x86_64",),
             call=call("KVM_SET_DEBUGREGS", "vm", lambda s: s.abi.kvm_debugregs(), "zeroes"), errno=ENOTTY,
             cite="x86.c: kvm_arch_vm_ioctl has no KVM_SET_DEBUGREGS (default: ENOTTY); see DOC_FINDINGS",
             setup=(VCPU,), basis="code", needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="get-debugregs-bad-pointer", ioctl="KVM_GET_DEBUGREGS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_DEBUGREGS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_DEBUGREGS (copy_to_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-bad-pointer", ioctl="KVM_SET_DEBUGREGS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_DEBUGREGS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_DEBUGREGS (copy_from_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_DEBUGREGS")),
    ]


def _addresses() -> list[Case]:
    tss, ident = f"{API} 4.36 KVM_SET_TSS_ADDR", f"{API} 4.40 KVM_SET_IDENTITY_MAP_ADDR"
    {"needs": need("KVM_CAP_SET_TSS_ADDR")}
    {"needs": need("KVM_CAP_SET_IDENTITY_MAP_ADDR")}
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
             "EINVAL)", setup=(VCPU,), order_row=1, needs=need("KVM_CAP_SET_IDENTITY_MAP_ADDR")),
        Case(id="identity-map-after-vcpu-bad-pointer", ioctl="KVM_SET_IDENTITY_MAP_ADDR",
             condition="a vCPU exists and the argument "
             "is not readable: the vCPU check comes first", arch=("x86_64",),
             call=bad("KVM_SET_IDENTITY_MAP_ADDR", "vm"), errno=EINVAL,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_IDENTITY_MAP_ADDR (created_vcpus before copy_from_user)",
             setup=(VCPU,), basis="code", needs=need("KVM_CAP_SET_IDENTITY_MAP_ADDR")),
        Case(id="identity-map-bad-pointer", ioctl="KVM_SET_IDENTITY_MAP_ADDR",
             condition="no vCPU, the argument is not readable", arch=("x86_64",),
             call=bad("KVM_SET_IDENTITY_MAP_ADDR", "vm"), errno=EFAULT,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_IDENTITY_MAP_ADDR (copy_from_user)", basis="code",
             needs=need("KVM_CAP_SET_IDENTITY_MAP_ADDR")),
    ]


def _xsave() -> list[Case]:
    g, st, g2 = f"{API} 4.42 KVM_GET_XSAVE", f"{API} 4.43 KVM_SET_XSAVE", f"{API} 4.134 KVM_GET_XSAVE2"
    sx = "x86.c: kvm_vcpu_ioctl_x86_set_xcrs"
    {"setup": (VCPU,), "needs": need("KVM_CAP_XSAVE")}
    {"setup": (VCPU,), "needs": need("KVM_CAP_XCRS")}
    return [
        Case(id="xsave2-size", ioctl="KVM_CHECK_EXTENSION", condition="KVM_CAP_XSAVE2 on the VM fd is at least 4096",
             arch=("x86_64",), call=call("KVM_CHECK_EXTENSION", "vm", kvm.KVM_CAP_XSAVE2, "KVM_CAP_XSAVE2"), errno=0,
             cite=f"{g2}: 'The size value returned by KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) will always be "
                  "at least 4096'",
             check=lambda s, got: None if got.ret >= 4096 else f"returned {got.ret}, expected >= 4096",
             needs=need("KVM_CAP_XSAVE2")),
        Case(id="get-xsave", ioctl="KVM_GET_XSAVE", condition="a fresh vCPU (no dynamic feature enabled)",
             arch=("x86_64",), call=call("KVM_GET_XSAVE", "vcpu", bytes(4096), "4096 bytes"), errno=0, cite=g,
             setup=(VCPU,), needs=need("KVM_CAP_XSAVE")),
        Case(id="get-xsave2", ioctl="KVM_GET_XSAVE2", condition="a buffer of KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) bytes",
             arch=("x86_64",), call=xsave_sized("KVM_GET_XSAVE2"), errno=0,
             cite=f"{g2}: 'It copies as many bytes as are returned by "
             "KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2)'", setup=(VCPU,), needs=need("KVM_CAP_XSAVE2")),
        Case(id="set-xsave-as-read", ioctl="KVM_SET_XSAVE", condition="what KVM_GET_XSAVE gave", arch=("x86_64",),
             call=set_xsave_edited(0, "as read"), errno=0, cite=st, setup=(VCPU,), needs=need("KVM_CAP_XSAVE")),
        Case(id="set-xsave-unsupported-feature", ioctl="KVM_SET_XSAVE",
             condition="XSTATE_BV bit 63 (no such state component)", arch=("x86_64",),
             call=set_xsave_edited(1 << 63, "as read, XSTATE_BV bit 63"), errno=EINVAL,
             cite="fpu/core.c: fpu_copy_uabi_to_guest_fpstate (XSTATE_BV outside the supported XCR0: EINVAL)",
             setup=(VCPU,), basis="code", needs=need("KVM_CAP_XSAVE")),
        Case(id="get-xsave-bad-pointer", ioctl="KVM_GET_XSAVE", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_XSAVE"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_XSAVE (copy_to_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_XSAVE")),
        Case(id="set-xsave-bad-pointer", ioctl="KVM_SET_XSAVE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_XSAVE"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_XSAVE (memdup_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_XSAVE")),
        Case(id="get-xsave2-bad-pointer", ioctl="KVM_GET_XSAVE2", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_XSAVE2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_XSAVE2 (copy_to_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_XSAVE2")),
        Case(id="get-xcrs", ioctl="KVM_GET_XCRS", condition="a fresh vCPU: XCR0 is reported", arch=("x86_64",),
             call=call("KVM_GET_XCRS", "vcpu",
             lambda s: s.abi.kvm_xcrs()), errno=0, cite=f"{API} 4.44 KVM_GET_XCRS; x86.c: kvm_vcpu_ioctl_x86_get_xcrs "
             "(nr_xcrs 1, XCR0)", check=out_check("kvm_xcrs", lambda s, x: x.nr_xcrs == 1 and x.xcrs[0].xcr == 0 and
                                                   x.xcrs[0].value & 1, "nr_xcrs 1, xcrs[0] XCR0 with x87 set"),
             setup=(VCPU,), needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-x87", ioctl="KVM_SET_XCRS", condition="XCR0 = 1 (x87 only)", arch=("x86_64",),
             call=xcrs(1, 1), errno=0,
             cite=f"{API} 4.45 KVM_SET_XCRS: 'This ioctl would set vcpu's xcr to the value userspace specified'",
             check=reads_back("KVM_GET_XCRS", "kvm_xcrs", lambda s, x: x.xcrs[0].value == 1, "XCR0 1"), setup=(VCPU,),
             needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-xcr0-zero", ioctl="KVM_SET_XCRS", condition="XCR0 = 0 (x87 clear)", arch=("x86_64",),
             call=xcrs(1, 0), errno=EINVAL, cite=f"{sx}; x86.c: __kvm_set_xcr (XCR0 without x87 refused)",
             setup=(VCPU,), basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-unsupported-bit", ioctl="KVM_SET_XCRS",
             condition="XCR0 = x87 | bit 62 (no such state component)", arch=("x86_64",), call=xcrs(1, 1 | 1 << 62),
             errno=EINVAL, cite=f"{sx}; x86.c: __kvm_set_xcr (bits outside guest_supported_xcr0)", setup=(VCPU,),
             basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-too-many", ioctl="KVM_SET_XCRS", condition="nr_xcrs 17 (KVM_MAX_XCRS + 1)", arch=("x86_64",),
             call=xcrs(17), errno=EINVAL, cite=f"{sx} (nr_xcrs > KVM_MAX_XCRS)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-flags", ioctl="KVM_SET_XCRS", condition="flags 1", arch=("x86_64",), call=xcrs(1, 1, flags=1),
             errno=EINVAL, cite=f"{sx} (flags non-zero)", setup=(VCPU,), basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-other-xcr", ioctl="KVM_SET_XCRS", condition="one entry for XCR 1 (not XCR0): ignored",
             arch=("x86_64",), call=xcrs(1, 0, index=1), errno=0, cite=f"{sx} (only an XCR0 entry is acted on)",
             setup=(VCPU,), basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="get-xcrs-bad-pointer", ioctl="KVM_GET_XCRS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_XCRS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_XCRS (copy_to_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-bad-pointer", ioctl="KVM_SET_XCRS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_XCRS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_XCRS (memdup_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_XCRS")),
    ]


def _tsc() -> list[Case]:
    t = f"{API} 4.55 KVM_SET_TSC_KHZ"
    vcpu_path = "x86.c: kvm_arch_vcpu_ioctl, KVM_SET_TSC_KHZ -> kvm_set_tsc_khz -> set_tsc_khz"
    no_scaling = need("KVM_CAP_TSC_CONTROL", False)
    return [
        Case(id="vcpu-tsc-khz-same", ioctl="KVM_SET_TSC_KHZ", condition="the frequency the vCPU has", arch=("x86_64",),
             call=tsc_khz("vcpu", HOST_KHZ), errno=0,
             cite=f"{t}: 'Specifies the tsc frequency for the virtual machine'", setup=(VCPU,),
             check=lambda s, got: None if s.ioctl(s.vcpus[-1], s.abi.KVM_GET_TSC_KHZ, 0).ret == _host_khz(s)
             else "KVM_GET_TSC_KHZ changed"),
        Case(id="vcpu-tsc-khz-0", ioctl="KVM_SET_TSC_KHZ", condition="0 kHz: the host's frequency is used",
             arch=("x86_64",), call=tsc_khz("vcpu", 0), errno=0, cite=f"{vcpu_path} (0 means tsc_khz)", setup=(VCPU,),
             basis="code"),
        Case(id="vcpu-tsc-khz-lower-no-scaling", ioctl="KVM_SET_TSC_KHZ",
             condition="half the host frequency without TSC scaling "
             "(KVM_CAP_TSC_CONTROL 0)", arch=("x86_64",), call=tsc_khz("vcpu", HALF_KHZ), errno=EINVAL,
             cite=f"{vcpu_path} (no scaling: a rate below the host's is refused)", setup=(VCPU,), basis="code",
             needs=no_scaling),
        Case(id="vcpu-tsc-khz-higher-no-scaling", ioctl="KVM_SET_TSC_KHZ",
             condition="twice the host frequency without TSC scaling: "
             "accepted (TSC catch-up)", arch=("x86_64",), call=tsc_khz("vcpu", DOUBLE_KHZ), errno=0,
             cite=f"{vcpu_path} (no scaling: a higher rate sets tsc_always_catchup)", setup=(VCPU,), basis="code",
             needs=no_scaling),
        Case(id="vm-tsc-khz-after-vcpu", ioctl="KVM_SET_TSC_KHZ", condition="VM fd, a vCPU exists", arch=("x86_64",),
             call=tsc_khz("vm", HOST_KHZ), errno=EINVAL,
             cite=f"{t} (7.2): 'Note, the vm ioctl is only allowed prior to creating vCPUs'; x86.c: kvm_arch_vm_ioctl "
             "(created_vcpus: EINVAL)", setup=(VCPU,), order_row=1, needs=need("KVM_CAP_VM_TSC_CONTROL"),
             kernels=AFTER_VCPU_CHECK),
        Case(id="vm-tsc-khz-before-vcpu", ioctl="KVM_SET_TSC_KHZ", condition="VM fd, no vCPU yet", arch=("x86_64",),
             call=tsc_khz("vm", HOST_KHZ), errno=0,
             cite=f"{t}: 'this can also be used as a vm ioctl to set the initial tsc frequency of subsequently created "
             "vCPUs'", needs=need("KVM_CAP_VM_TSC_CONTROL")),
        Case(id="vm-tsc-khz-after-vcpu-any", ioctl="KVM_SET_TSC_KHZ",
             condition="VM fd, a vCPU exists (whatever KVM_CAP_VM_TSC_CONTROL "
             "says)", arch=("x86_64",), call=tsc_khz("vm", HOST_KHZ), errno=EINVAL,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_TSC_KHZ (created_vcpus: "
             "EINVAL; the VM ioctl exists whatever the capability)", setup=(VCPU,), basis="code",
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


def _lapic() -> list[Case]:
    g, st = f"{API} 4.57 KVM_GET_LAPIC", f"{API} 4.58 KVM_SET_LAPIC"
    io = "x86.c: kvm_arch_vcpu_ioctl"
    as_read = modify("KVM_GET_LAPIC", "KVM_SET_LAPIC", "kvm_lapic_state", lambda s, v: None, "as read")
    return [
        Case(id="get-lapic", ioctl="KVM_GET_LAPIC", condition="in-kernel irqchip", arch=("x86_64",),
             call=lapic("KVM_GET_LAPIC"), errno=0, cite=f"{g}: 'Reads the Local APIC registers'",
             setup=(IRQCHIP, VCPU)),
        Case(id="set-lapic-as-read", ioctl="KVM_SET_LAPIC", condition="in-kernel irqchip, the registers as read",
             arch=("x86_64",), call=as_read, errno=0,
             cite=f"{st}: 'Copies the input argument into the Local APIC registers'", setup=(IRQCHIP, VCPU)),
        Case(id="get-lapic-split", ioctl="KVM_GET_LAPIC", condition="split irqchip (the LAPIC is in the kernel)",
             arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0, cite=f"{g}; {io} (lapic_in_kernel)",
             setup=(SPLIT, VCPU)),
        Case(id="get-lapic-xapic-id", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 in xAPIC mode: the ID in bits 31-24 of APIC_ID", arch=("x86_64",),
             call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'xAPIC only allows an 8-bit APIC ID which is stored in bits 31-24 of "
             "the APIC register, or equivalently in byte 35'", check=apic_id(5 << 24), setup=(IRQCHIP, VCPU5)),
        Case(id="get-lapic-x2apic-xapic-format", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 in x2APIC mode without USE_32BIT_IDS: "
             "still xAPIC format", arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'If KVM_X2APIC_API_USE_32BIT_IDS feature is disabled, struct kvm_lapic_state always uses "
                  "xAPIC "
             "format'; lapic.c: kvm_apic_state_fixup", check=apic_id(5 << 24),
             setup=(IRQCHIP, VCPU5, cpuid2(), X2APIC_MODE)),
        Case(id="get-lapic-x2apic-32bit-id", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 in x2APIC mode with USE_32BIT_IDS: the 32-bit "
             "ID in bytes 32-35", arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'If KVM_X2APIC_API_USE_32BIT_IDS feature of KVM_CAP_X2APIC_API is enabled, then the format of "
             "APIC_ID register depends on the APIC mode ... x2APIC stores APIC ID in the APIC_ID register (bytes "
             "32-35)'", check=apic_id(5), setup=(IRQCHIP, X2APIC_32BIT, VCPU5, cpuid2(), X2APIC_MODE)),
        Case(id="get-lapic-32bit-ids-xapic-mode", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 with USE_32BIT_IDS but in xAPIC mode: xAPIC "
             "format", arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'the format of APIC_ID register depends on the APIC mode (reported by MSR_IA32_APICBASE)'; "
             "xAPIC: bits 31-24; 'KVM_GET_LAPIC must then be called after MSR_IA32_APICBASE has been set': here it is "
             "not", check=apic_id(5 << 24), setup=(IRQCHIP, X2APIC_32BIT, VCPU5), order_row=1),
        Case(id="set-lapic-x2apic-wrong-id", ioctl="KVM_SET_LAPIC",
             condition="x2APIC mode with USE_32BIT_IDS, APIC_ID 6 for vCPU 5", arch=("x86_64",), call=set_lapic_id(6),
             errno=EINVAL, cite="lapic.c: kvm_apic_state_fixup (32-bit IDs: an APIC_ID other than the vCPU's "
             "x2APIC ID is refused)", setup=(IRQCHIP, X2APIC_32BIT, VCPU5, cpuid2(), X2APIC_MODE), basis="code"),
        Case(id="set-lapic-x2apic-own-id", ioctl="KVM_SET_LAPIC",
             condition="x2APIC mode with USE_32BIT_IDS, the registers as read", arch=("x86_64",), call=set_lapic_id(5),
             errno=0, cite="lapic.c: kvm_apic_state_fixup (the vCPU's own x2APIC ID)",
             setup=(IRQCHIP, X2APIC_32BIT, VCPU5, cpuid2(), X2APIC_MODE), basis="code"),
        Case(id="get-lapic-no-irqchip", ioctl="KVM_GET_LAPIC", condition="no in-kernel irqchip", arch=("x86_64",),
             call=lapic("KVM_GET_LAPIC"), errno=EINVAL, cite=f"{io}, KVM_GET_LAPIC (!lapic_in_kernel: EINVAL)",
             setup=(VCPU,), basis="code"),
        Case(id="set-lapic-no-irqchip", ioctl="KVM_SET_LAPIC", condition="no in-kernel irqchip", arch=("x86_64",),
             call=lapic("KVM_SET_LAPIC"), errno=EINVAL, cite=f"{io}, KVM_SET_LAPIC (!lapic_in_kernel: EINVAL)",
             setup=(VCPU,), basis="code"),
        Case(id="set-lapic-no-irqchip-bad-pointer", ioctl="KVM_SET_LAPIC",
             condition="no in-kernel irqchip and the argument is not "
             "readable: the irqchip check comes first", arch=("x86_64",), call=bad("KVM_SET_LAPIC"), errno=EINVAL,
             cite=f"{io}, KVM_SET_LAPIC (lapic_in_kernel before memdup_user)", setup=(VCPU,), basis="code"),
        Case(id="get-lapic-bad-pointer", ioctl="KVM_GET_LAPIC", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_LAPIC"), errno=EFAULT, cite=f"{io}, KVM_GET_LAPIC (copy_to_user)",
             setup=(IRQCHIP, VCPU), basis="code"),
        Case(id="set-lapic-bad-pointer", ioctl="KVM_SET_LAPIC", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_LAPIC"), errno=EFAULT, cite=f"{io}, KVM_SET_LAPIC (memdup_user)",
             setup=(IRQCHIP, VCPU), basis="code"),
    ]


def _nmi_smi() -> list[Case]:
    n = f"{API} 4.64 KVM_NMI"
    smi = f"{API} 4.96 KVM_SMI"
    return [
        Case(id="nmi-no-irqchip", ioctl="KVM_NMI", condition="no in-kernel irqchip", arch=("x86_64",),
             call=call("KVM_NMI", "vcpu"), errno=0, cite=f"{n}: 'Queues an NMI on the thread's vcpu'", setup=(VCPU,),
             needs=need("KVM_CAP_USER_NMI")),
        Case(id="nmi-in-kernel-irqchip", ioctl="KVM_NMI", condition="after KVM_CREATE_IRQCHIP", arch=("x86_64",),
             call=call("KVM_NMI", "vcpu"), errno=0,
             cite=f"{n}: 'After KVM_CREATE_IRQCHIP has been called, this interface is completely emulated within the "
             "kernel'", setup=(IRQCHIP, VCPU), order_row=1, needs=need("KVM_CAP_USER_NMI")),
        Case(id="nmi-in-kernel-irqchip-pending", ioctl="KVM_NMI",
             condition="after KVM_CREATE_IRQCHIP: KVM_GET_VCPU_EVENTS shows the "
             "NMI pending", arch=("x86_64",), call=call("KVM_NMI", "vcpu"), errno=0,
             cite=f"{n}: 'After KVM_CREATE_IRQCHIP has been called, this interface is completely emulated within the "
             "kernel'; x86.c: kvm_vcpu_ioctl_nmi -> kvm_inject_nmi queues it whatever the irqchip, and "
             "kvm_vcpu_ioctl_x86_get_vcpu_events reports it (process_nmi)",
             check=reads_back("KVM_GET_VCPU_EVENTS", "kvm_vcpu_events", lambda s, e: e.nmi.pending == 1,
                              "nmi.pending 1"), setup=(IRQCHIP, VCPU), order_row=2, basis="code",
             needs=need("KVM_CAP_USER_NMI")),
        Case(id="smi-queued", ioctl="KVM_SMI", condition="KVM_CAP_X86_SMM is advertised", arch=("x86_64",),
             call=call("KVM_SMI", "vcpu"), errno=0, cite=f"{smi}: 'Queues an SMI on the thread's vcpu'", setup=(VCPU,),
             needs=need("KVM_CAP_X86_SMM")),
        Case(id="smi-without-smm", ioctl="KVM_SMI",
             condition="KVM_CAP_X86_SMM 0 (a kernel built without CONFIG_KVM_SMM)", arch=("x86_64",),
             call=call("KVM_SMI", "vcpu"), errno=ENOTTY,
             cite="smm.h: kvm_inject_smi (the !CONFIG_KVM_SMM stub returns ENOTTY in 6.12 and 7.2; 7.2 also when the "
             "vendor does not emulate SMBASE); 6.1 queues it unconditionally", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_X86_SMM", False), kernels="6.12+ (6.1 has no CONFIG_KVM_SMM and always succeeds)"),
        Case(id="smi-6.1", ioctl="KVM_SMI", condition="6.1: no SMM capability check at all", arch=("x86_64",),
             call=call("KVM_SMI", "vcpu"), errno=0,
             cite="x86.c: kvm_vcpu_ioctl_smi (6.1: makes the request and returns 0)", setup=(VCPU,), basis="code",
             kernels="6.1"),
    ]


def _pit() -> list[Case]:
    c, g, st = f"{API} 4.71 KVM_CREATE_PIT2", f"{API} 4.72 KVM_GET_PIT2", f"{API} 4.73 KVM_SET_PIT2"
    io = "x86.c: kvm_arch_vm_ioctl"
    speaker = call("KVM_CREATE_PIT2", "vm", kvm.kvm_pit_config(flags=1), "flags KVM_PIT_SPEAKER_DUMMY")
    {"needs": need("KVM_CAP_PIT2")}
    {"needs": need("KVM_CAP_PIT_STATE2")}
    as_read = modify("KVM_GET_PIT2", "KVM_SET_PIT2", "kvm_pit_state2", lambda s, v: None, "as read", on="vm")

    def flag(value):
        def change(s, v):
            v.flags = value
        return change

    hpet = modify("KVM_GET_PIT2", "KVM_SET_PIT2", "kvm_pit_state2", flag(1), "as read, flags HPET_LEGACY", on="vm")
    return [
        Case(id="create-pit2", ioctl="KVM_CREATE_PIT2", condition="after KVM_CREATE_IRQCHIP", arch=("x86_64",),
             call=PIT2, errno=0, cite=c, setup=(IRQCHIP,), needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-speaker-dummy", ioctl="KVM_CREATE_PIT2", condition="flags KVM_PIT_SPEAKER_DUMMY",
             arch=("x86_64",), call=speaker, errno=0, cite=f"{c}: 'Valid flags are ... KVM_PIT_SPEAKER_DUMMY'",
             setup=(IRQCHIP,), needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-twice", ioctl="KVM_CREATE_PIT2", condition="a PIT exists already", arch=("x86_64",),
             call=PIT2, errno=EEXIST, cite=f"{io}, KVM_CREATE_PIT2 (kvm->arch.vpit: EEXIST)", setup=(IRQCHIP, PIT2),
             basis="code", needs=need("KVM_CAP_PIT2")),
        # 4.71's "only valid after enabling in-kernel irqchip support" is a rule for userspace: no errno is
        # documented (DOC_FINDINGS), so both kernels' answers are the implementation's.
        Case(id="create-pit2-without-irqchip", ioctl="KVM_CREATE_PIT2", condition="no in-kernel irqchip",
             arch=("x86_64",), call=PIT2, errno=ENOENT,
             cite=f"{io}, KVM_CREATE_PIT2 (!pic_in_kernel: ENOENT, 6.12 and 7.2)", order_row=1, basis="code",
             kernels="6.12+", needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-without-irqchip-6.1", ioctl="KVM_CREATE_PIT2", condition="no in-kernel irqchip (6.1)",
             arch=("x86_64",), call=PIT2, errno=0,
             cite=f"{io}, KVM_CREATE_PIT2: 6.1 has no irqchip check and creates the PIT", order_row=1, basis="code",
             kernels="6.1", needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-bad-pointer", ioctl="KVM_CREATE_PIT2", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_CREATE_PIT2", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_CREATE_PIT2 (copy_from_user)", setup=(IRQCHIP,), basis="code",
             needs=need("KVM_CAP_PIT2")),
        Case(id="get-pit2", ioctl="KVM_GET_PIT2", condition="after KVM_CREATE_PIT2: flags among the valid ones",
             arch=("x86_64",), call=pit2("KVM_GET_PIT2"), errno=0,
             cite=f"{g}: 'Only valid after KVM_CREATE_PIT2' ... 'Valid flags are' HPET_LEGACY, SPEAKER_DATA_ON",
             check=out_check("kvm_pit_state2", lambda s, v: v.flags & ~3 == 0, "no flag but HPET_LEGACY and "
                             "SPEAKER_DATA_ON"), setup=(IRQCHIP, PIT2), needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-as-read", ioctl="KVM_SET_PIT2", condition="after KVM_CREATE_PIT2, the state as read",
             arch=("x86_64",), call=as_read, errno=0, cite=st, setup=(IRQCHIP, PIT2), needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-hpet-legacy", ioctl="KVM_SET_PIT2",
             condition="flags KVM_PIT_FLAGS_HPET_LEGACY: it reads back", arch=("x86_64",), call=hpet, errno=0,
             cite=f"{g}: 'Valid flags are ... KVM_PIT_FLAGS_HPET_LEGACY'; {st}",
             check=reads_back("KVM_GET_PIT2", "kvm_pit_state2", lambda s, v: v.flags == 1, "flags 1", on="vm"),
             setup=(IRQCHIP, PIT2), needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-unknown-flag", ioctl="KVM_SET_PIT2", condition="flags bit 31: stored as given, no check",
             arch=("x86_64",),
             call=modify("KVM_GET_PIT2", "KVM_SET_PIT2", "kvm_pit_state2", flag(1 << 31), "as read, flags bit 31",
                    on="vm"), errno=0,
             cite="i8254.c (7.2) / x86.c (6.1, 6.12): kvm_vm_ioctl_set_pit2 copies flags unchecked",
             check=reads_back("KVM_GET_PIT2", "kvm_pit_state2", lambda s, v: v.flags == 1 << 31, "flags bit 31",
                              on="vm"), setup=(IRQCHIP, PIT2), basis="code", needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="get-pit2-no-pit", ioctl="KVM_GET_PIT2", condition="no PIT (an irqchip but no KVM_CREATE_PIT2)",
             arch=("x86_64",), call=pit2("KVM_GET_PIT2"), errno=ENXIO,
             cite=f"{g}: 'Only valid after KVM_CREATE_PIT2'; {io}, KVM_GET_PIT2 (!vpit: ENXIO)", setup=(IRQCHIP,),
             order_row=1, needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-no-pit", ioctl="KVM_SET_PIT2", condition="no PIT (an irqchip but no KVM_CREATE_PIT2)",
             arch=("x86_64",), call=pit2("KVM_SET_PIT2"), errno=ENXIO,
             cite=f"{st}: 'Only valid after KVM_CREATE_PIT2'; {io}, KVM_SET_PIT2 (!vpit: ENXIO)", setup=(IRQCHIP,),
             order_row=1, needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-bad-pointer-no-pit", ioctl="KVM_SET_PIT2",
             condition="no PIT and the argument is not readable: the copy "
             "comes first", arch=("x86_64",), call=bad("KVM_SET_PIT2", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_SET_PIT2 (copy_from_user before the PIT "
             "check)", basis="code", needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="get-pit2-bad-pointer", ioctl="KVM_GET_PIT2", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_PIT2", "vm"), errno=EFAULT, cite=f"{io}, KVM_GET_PIT2 (copy_to_user)",
             setup=(IRQCHIP, PIT2), basis="code", needs=need("KVM_CAP_PIT_STATE2")),
    ]


def _msr_filter() -> list[Case]:
    d = f"{API} 4.97 KVM_X86_SET_MSR_FILTER"
    fn = "x86.c: kvm_vm_ioctl_set_msr_filter"
    add = "x86.c: kvm_add_msr_filter"
    rw = x86.KVM_MSR_FILTER_READ | x86.KVM_MSR_FILTER_WRITE
    max_bits = 0x600 * 8  # KVM_MSR_FILTER_MAX_BITMAP_SIZE bytes
    {"needs": need("KVM_CAP_X86_MSR_FILTER")}
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


def _mce() -> list[Case]:
    d = f"{API} 4.104 KVM_X86_GET_MCE_CAP_SUPPORTED"

    def supported(s: Scene) -> int:
        got = s.ioctl(s.kvm, s.abi.KVM_X86_GET_MCE_CAP_SUPPORTED, bytes(8)).value()
        del got
        return struct.unpack("<Q", s.calls[-1][3].out)[0]

    every = Val("KVM_X86_GET_MCE_CAP_SUPPORTED | 1 bank", lambda s: supported(s) & ~0xFF | 1)
    {"needs": need("KVM_CAP_MCE")}
    return [
        Case(id="mce-cap-supported", ioctl="KVM_X86_GET_MCE_CAP_SUPPORTED", condition="system fd", arch=("x86_64",),
             call=call("KVM_X86_GET_MCE_CAP_SUPPORTED", "system", bytes(8), "u64"), errno=0, cite=d,
             needs=need("KVM_CAP_MCE")),
        Case(id="mce-cap-supported-accepted", ioctl="KVM_X86_SETUP_MCE",
             condition="every supported capability bit, 1 bank", arch=("x86_64",),
             call=call("KVM_X86_SETUP_MCE", "vcpu", lambda s: struct.pack("<Q", every(s)), str(every)), errno=0,
             cite=f"{d}: 'Supported capabilities will have the corresponding bits set'; {API} 4.105 KVM_X86_SETUP_MCE",
             setup=(VCPU,), needs=need("KVM_CAP_MCE")),
        Case(id="mce-cap-supported-bad-pointer", ioctl="KVM_X86_GET_MCE_CAP_SUPPORTED",
             condition="the argument is not writable", arch=("x86_64",),
             call=bad("KVM_X86_GET_MCE_CAP_SUPPORTED", "system"), errno=EFAULT,
             cite="x86.c: kvm_arch_dev_ioctl (copy_to_user)", basis="code", needs=need("KVM_CAP_MCE")),
    ]


def _refusals() -> list[Case]:
    """The refusals of a kernel built without Xen (KVM_CAP_XEN_HVM 0), and of memory encryption for a default VM."""
    no_xen = need("KVM_CAP_XEN_HVM", False)
    xen_vm = "x86.c: kvm_arch_vm_ioctl (the Xen requests exist only with CONFIG_KVM_XEN; default: ENOTTY)"
    xen_vcpu = "x86.c: kvm_arch_vcpu_ioctl (the Xen requests exist only with CONFIG_KVM_XEN; default: EINVAL)"
    enc = "x86.c: kvm_arch_vm_ioctl"
    not_sev = ("VMX has no mem_enc_{,un}register_region (x86.c: ENOTTY); svm/sev.c sev_mem_enc_{,un}register_region "
               "answer ENOTTY for a VM that is no SEV guest (6.1, 6.12)")
    region = kvm.kvm_enc_region(addr=0, size=0x1000)
    xen = f"{API} 4.28 KVM_XEN_HVM_CONFIG"
    return [
        Case(id="xen-hvm-config-no-xen", ioctl="KVM_XEN_HVM_CONFIG",
             condition="KVM_CAP_XEN_HVM 0 (built without CONFIG_KVM_XEN)", arch=("x86_64",),
             call=call("KVM_XEN_HVM_CONFIG", "vm", kvm.kvm_xen_hvm_config(), "zeroes"), errno=ENOTTY, cite=xen_vm,
             basis="code", needs=no_xen),
        Case(id="xen-hvm-get-attr-no-xen", ioctl="KVM_XEN_HVM_GET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_HVM_GET_ATTR", "vm", lambda s: s.abi.kvm_xen_hvm_attr(type=0), "LONG_MODE"),
             errno=ENOTTY, cite=xen_vm, basis="code", needs=no_xen),
        Case(id="xen-hvm-set-attr-no-xen", ioctl="KVM_XEN_HVM_SET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_HVM_SET_ATTR", "vm", lambda s: s.abi.kvm_xen_hvm_attr(type=0), "LONG_MODE 0"),
             errno=ENOTTY, cite=xen_vm, basis="code", needs=no_xen),
        Case(id="xen-evtchn-send-no-xen", ioctl="KVM_XEN_HVM_EVTCHN_SEND", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_HVM_EVTCHN_SEND", "vm", kvm.kvm_irq_routing_xen_evtchn(port=1, vcpu=0, priority=0),
                  "port 1"), errno=ENOTTY, cite=xen_vm, basis="code", needs=no_xen),
        Case(id="xen-vcpu-get-attr-no-xen", ioctl="KVM_XEN_VCPU_GET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_VCPU_GET_ATTR", "vcpu", lambda s: s.abi.kvm_xen_vcpu_attr(type=6), "VCPU_ID"),
             errno=EINVAL, cite=xen_vcpu, setup=(VCPU,), basis="code", needs=no_xen),
        Case(id="xen-vcpu-set-attr-no-xen", ioctl="KVM_XEN_VCPU_SET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_VCPU_SET_ATTR", "vcpu", lambda s: s.abi.kvm_xen_vcpu_attr(type=6), "VCPU_ID 0"),
             errno=EINVAL, cite=xen_vcpu, setup=(VCPU,), basis="code", needs=no_xen),
        Case(id="xen-hvm-config-unknown-flag", ioctl="KVM_XEN_HVM_CONFIG",
             condition="KVM_CAP_XEN_HVM advertised, flags bit 31", arch=("x86_64",),
             call=call("KVM_XEN_HVM_CONFIG", "vm", kvm.kvm_xen_hvm_config(flags=1 << 31), "flags bit 31"), errno=EINVAL,
             cite=f"{xen}: 'No other flags are currently valid in the struct kvm_xen_hvm_config'; xen.c: "
             "kvm_xen_hvm_config (flags outside the valid set: EINVAL)", needs=need("KVM_CAP_XEN_HVM")),
        Case(id="xen-hvm-config-intercept-with-blob", ioctl="KVM_XEN_HVM_CONFIG",
             condition="INTERCEPT_HCALL with a blob size", arch=("x86_64",),
             call=call("KVM_XEN_HVM_CONFIG", "vm", kvm.kvm_xen_hvm_config(flags=kvm.KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
                                                                      blob_size_32=1), "INTERCEPT_HCALL, blob 1"),
             errno=EINVAL, cite=f"{xen}: 'In this case, all of the blob size and address fields must be zero'; xen.c: "
             "kvm_xen_hvm_config", needs=need("KVM_CAP_XEN_HVM")),
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
             setup=(VCPU,), basis="code", kernels="6.1-6.15"),
        Case(id="memory-encrypt-op-vcpu-7.2", ioctl="KVM_MEMORY_ENCRYPT_OP",
             condition="vCPU fd, the vendor has no vCPU memory "
             "encryption", arch=("x86_64",), call=call("KVM_MEMORY_ENCRYPT_OP", "vcpu", 0, "NULL"), errno=ENOTTY,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_MEMORY_ENCRYPT_OP (no vcpu_mem_enc_ioctl: ENOTTY)", setup=(VCPU,),
             basis="code",
             kernels="6.16+ (the TDX merge brought vcpu_mem_enc_ioctl; a kvm_intel built with TDX answers EINVAL)"),
        Case(id="memory-encrypt-reg-region-bad-pointer", ioctl="KVM_MEMORY_ENCRYPT_REG_REGION",
             condition="the argument is not "
             "readable: the copy comes before the vendor check", arch=("x86_64",),
             call=bad("KVM_MEMORY_ENCRYPT_REG_REGION", "vm"), errno=EFAULT,
             cite=f"{enc}, KVM_MEMORY_ENCRYPT_REG_REGION (copy_from_user first)", basis="code"),
    ]


def _nested() -> list[Case]:
    """KVM_{GET,SET}_NESTED_STATE (api.rst 4.114, 4.115). KVM_CAP_NESTED_STATE is non-zero exactly when the ioctls
    are served: 6.1 and 6.12 answer nested_ops->get_state(NULL, NULL, 0) when the vendor has get_state (VMX, SVM:
    the header plus one VMCS12 or VMCB, whether or not nested=1), and refuse the ioctls with EINVAL when it has no
    get_state / set_state; the newest x86.c answers 0 and refuses them unless kvm_nested_ops.enabled. Each kernel
    runs one half: the documented behaviour with the capability, the refusal without it."""
    g, st = f"{API} 4.114 KVM_GET_NESTED_STATE", f"{API} 4.115 KVM_SET_NESTED_STATE"
    {"setup": (VCPU,), "needs": need("KVM_CAP_NESTED_STATE")}
    {"setup": (VCPU,), "needs": need("KVM_CAP_NESTED_STATE", False)}
    header = 128  # sizeof(struct kvm_nested_state): the header the vendor copies out first (vmx/svm nested.c)
    most = cap("KVM_CAP_NESTED_STATE")
    refused = ("(6.1, 6.12: no nested_ops->get_state / set_state; newest: !kvm_nested_ops.enabled): EINVAL before "
               "anything is read")
    return [
        Case(id="get-nested-state-size-0", ioctl="KVM_GET_NESTED_STATE", condition="size 0: smaller than any state",
             arch=("x86_64",), call=nested_call("KVM_GET_NESTED_STATE", 0, room=header), errno=E2BIG,
             cite=f"{g} Errors: E2BIG 'the total state size exceeds the value of 'size' specified by the user; the "
                  "size "
             f"required will be written into size'; {NESTED_X86} (put_user of the size, then E2BIG); vmx/svm "
             "nested.c get_state returns the size before copying anything", check=_nested_size_written(header),
             setup=(VCPU,), needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="get-nested-state-max-size", ioctl="KVM_GET_NESTED_STATE", condition="a buffer of KVM_CHECK_EXTENSION("
             "KVM_CAP_NESTED_STATE) bytes: room for any state", arch=("x86_64",),
             call=nested_call("KVM_GET_NESTED_STATE", most, room=most), errno=0,
             cite=f"{g}: 'The maximum size of the state can be retrieved by passing KVM_CAP_NESTED_STATE to the "
             "KVM_CHECK_EXTENSION ioctl()'", check=_nested_size_written(header), setup=(VCPU,),
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="get-nested-state-bad-pointer", ioctl="KVM_GET_NESTED_STATE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_GET_NESTED_STATE"), errno=EFAULT,
             cite=f"{NESTED_X86}, KVM_GET_NESTED_STATE (get_user of size)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-as-read", ioctl="KVM_SET_NESTED_STATE",
             condition="what KVM_GET_NESTED_STATE gave for a vCPU that "
             "never entered VMX/SVM operation", arch=("x86_64",), call=set_nested_as_read(), errno=0,
             cite=f"{st}: 'This copies the vcpu's kvm_nested_state struct from userspace to the kernel'; vmx/nested.c "
             "vmx_set_nested_state (vmxon_pa INVALID_GPA: leave nested, 0) / svm/nested.c svm_set_nested_state (no "
             "GUEST_MODE: leave nested, set GIF, 0), 6.1, 6.12, newest", setup=(VCPU,),
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-size-too-small", ioctl="KVM_SET_NESTED_STATE",
             condition="size 127 (less than the header)", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header - 1), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (kvm_state.size < sizeof(kvm_state))", setup=(VCPU,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-unknown-flag", ioctl="KVM_SET_NESTED_STATE",
             condition="flags bit 15 (flags is a u16)", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header, flags=1 << 15), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (flags outside the KVM_STATE_NESTED_* set)", setup=(VCPU,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-run-pending-without-guest-mode", ioctl="KVM_SET_NESTED_STATE",
             condition="flags RUN_PENDING without "
             "GUEST_MODE", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header, flags=x86.KVM_STATE_NESTED_RUN_PENDING), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE ('nested_run_pending implies guest_mode')", setup=(VCPU,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-bad-pointer", ioctl="KVM_SET_NESTED_STATE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_NESTED_STATE"), errno=EFAULT,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (copy_from_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="get-nested-state-no-nested", ioctl="KVM_GET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0, a header of 128 bytes", arch=("x86_64",),
             call=nested_call("KVM_GET_NESTED_STATE", header), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_GET_NESTED_STATE {refused}", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE", False)),
        Case(id="get-nested-state-no-nested-bad-pointer", ioctl="KVM_GET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0 and the "
             "argument is not readable: the support check comes first", arch=("x86_64",),
             call=bad("KVM_GET_NESTED_STATE"), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_GET_NESTED_STATE (support checked before get_user)", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE", False)),
        Case(id="set-nested-state-no-nested", ioctl="KVM_SET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0, a well-formed header", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE {refused}", setup=(VCPU,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE", False)),
        Case(id="set-nested-state-no-nested-bad-pointer", ioctl="KVM_SET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0 and the "
             "argument is not readable: the support check comes first", arch=("x86_64",),
             call=bad("KVM_SET_NESTED_STATE"), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (support checked before copy_from_user)", setup=(VCPU,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE", False)),
    ]


CASES = [*_regs(), *_translate(), *_msrs(), *_cpuid(), *_fpu(), *_irqchip(), *_clock(), *_debugregs(),
         *_addresses(), *_xsave(), *_tsc(), *_lapic(), *_nmi_smi(), *_pit(), *_msr_filter(), *_mce(), *_refusals(),
         *_nested()]


DOC_FINDINGS = [
    Finding(
        "api.rst 4.34 KVM_SET_DEBUGREGS (6.1, 6.12): ':Type: vm ioctl'; it is a vCPU ioctl (x86.c "
        "kvm_arch_vcpu_ioctl; on the VM fd kvm_arch_vm_ioctl answers ENOTTY). 7.2's section says 'vcpu ioctl'.",
        KERNEL_BREAKS_DOCUMENT),
    Finding(
        "api.rst 4.20 KVM_SET_CPUID: the caveat says changing the vCPU model after KVM_RUN 'may cause guest "
        "instability'; since 5.16 cpuid.c kvm_set_cpuid refuses a table that differs from the current one once the "
        "vCPU has entered the guest, with EINVAL (6.1, 6.12, 7.2). KVM_SET_CPUID2 has no section of its own.",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.71 KVM_CREATE_PIT2: 'only valid after enabling in-kernel irqchip support'; 6.1 creates the PIT "
        "without an irqchip, 6.12 and 7.2 answer ENOENT, which the section does not name.",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.55 KVM_SET_TSC_KHZ: the VM ioctl works (and is refused after vCPU creation) whatever "
        "KVM_CAP_VM_TSC_CONTROL answers; the section ties the VM ioctl to that capability.",
        DOCUMENT_SILENT),
]
