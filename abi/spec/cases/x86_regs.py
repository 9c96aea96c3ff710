"""x86 register state: KVM_GET/SET_REGS, SREGS, SREGS2, FPU, DEBUGREGS, XSAVE(2), XCRS, and KVM_TRANSLATE."""

from __future__ import annotations

from errno import EFAULT, EINVAL, ENOTTY

from abi import kvm, x86
from abi.spec.case import DOCUMENT_SILENT, KERNEL_BREAKS_DOCUMENT, Case, Finding, need
from abi.spec.steps.base import API, call
from abi.spec.steps.vm import VCPU0
from abi.spec.steps.x86_vcpu import (
    CR0_PE,
    CR0_PG,
    CR4_PAE,
    EFER_LMA,
    bad,
    modify,
    out_check,
    reads_back,
    set_xsave_edited,
    xcrs,
    xsave_sized,
)


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
             call=call("KVM_GET_REGS", "vcpu", lambda s: s.abi.kvm_regs()), errno=0, cite=g, setup=(VCPU0,)),
        Case(id="set-regs-reads-back", ioctl="KVM_SET_REGS",
             condition="rax 0x1234, rip 0x100: KVM_GET_REGS reads them back", arch=("x86_64",),
             call=modify("KVM_GET_REGS", "KVM_SET_REGS", "kvm_regs", set_rax, "rax 0x1234, rip 0x100, rflags 0x2"),
             errno=0, cite=f"{st}: 'Writes the general purpose registers into the vcpu'",
             check=reads_back("KVM_GET_REGS", "kvm_regs", lambda s, r: r.rax == 0x1234 and r.rip == 0x100,
                              "rax 0x1234 and rip 0x100"), setup=(VCPU0,)),
        Case(id="set-regs-rflags-fixed-bit", ioctl="KVM_SET_REGS",
             condition="rflags 0: bit 1 (always one in RFLAGS) reads back set", arch=("x86_64",),
             call=modify("KVM_GET_REGS", "KVM_SET_REGS", "kvm_regs", clear_rflags, "rflags 0"), errno=0,
             cite="regs.c (6.12, 7.2) / x86.c (6.1): __set_regs ORs in X86_EFLAGS_FIXED",
             check=reads_back("KVM_GET_REGS", "kvm_regs", lambda s, r: r.rflags == 0x2, "rflags 0x2"), setup=(VCPU0,),
             basis="code"),
        Case(id="get-regs-bad-pointer", ioctl="KVM_GET_REGS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_REGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_GET_REGS (copy_to_user)", setup=(VCPU0,), basis="code"),
        Case(id="set-regs-bad-pointer", ioctl="KVM_SET_REGS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_REGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_REGS (memdup_user)", setup=(VCPU0,), basis="code"),
        Case(id="get-sregs", ioctl="KVM_GET_SREGS", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_SREGS", "vcpu", lambda s: s.abi.kvm_sregs()), errno=0, cite=gs, setup=(VCPU0,)),
        Case(id="set-sregs-as-read", ioctl="KVM_SET_SREGS", condition="what KVM_GET_SREGS gave", arch=("x86_64",),
             call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", lambda s, r: None, "as read"), errno=0, cite=ss,
             setup=(VCPU0,)),
        Case(id="set-sregs-pending-interrupt", ioctl="KVM_SET_SREGS",
             condition="interrupt_bitmap with vector 0x20: it reads back as "
             "the pending external interrupt", arch=("x86_64",),
             call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", bitmap,
                                                      "interrupt_bitmap bit 0x20"), errno=0,
             cite=f"{gs}: 'interrupt_bitmap is a bitmap of pending external interrupts.  At most one bit may be set.'",
             check=reads_back("KVM_GET_SREGS", "kvm_sregs", lambda s, r: r.interrupt_bitmap[0] == 1 << 0x20 and
                              not any(r.interrupt_bitmap[1:]), "interrupt_bitmap bit 0x20 only"), setup=(VCPU0,)),
        Case(id="set-sregs-lma-without-paging", ioctl="KVM_SET_SREGS", condition="EFER.LMA set while CR0.PG is clear",
             arch=("x86_64",), call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", lma_only, "efer |= LMA"),
             errno=EINVAL, cite=f"{sregs_valid} (not in 64-bit mode: LMA must be clear)", setup=(VCPU0,), basis="code"),
        Case(id="set-sregs-cs-long-in-real-mode", ioctl="KVM_SET_SREGS", condition="cs.l set outside long mode",
             arch=("x86_64",), call=modify("KVM_GET_SREGS", "KVM_SET_SREGS", "kvm_sregs", cs_long, "cs.l = 1"),
             errno=EINVAL, cite=f"{sregs_valid} (not in 64-bit mode: the code segment cannot be 64-bit)",
             setup=(VCPU0,),
             basis="code"),
        Case(id="get-sregs-bad-pointer", ioctl="KVM_GET_SREGS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_SREGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_GET_SREGS (copy_to_user)", setup=(VCPU0,), basis="code"),
        Case(id="set-sregs-bad-pointer", ioctl="KVM_SET_SREGS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_SREGS"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_SREGS (memdup_user)", setup=(VCPU0,), basis="code"),
        Case(id="get-sregs2-real-mode", ioctl="KVM_GET_SREGS2",
             condition="a fresh vCPU (real mode, no PAE paging): flags 0", arch=("x86_64",),
             call=call("KVM_GET_SREGS2", "vcpu", lambda s: s.abi.kvm_sregs2()), errno=0,
             cite=f"{gs2}: KVM_SREGS2_FLAGS_PDPTRS_VALID 'Indicates that the struct contains valid PDPTR values'; "
             "regs.c (6.12, 7.2) / x86.c (6.1): the GET_SREGS2 path sets it only with PAE paging",
             check=out_check("kvm_sregs2", lambda s, r: r.flags == 0, "flags 0"), setup=(VCPU0,),
             needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-as-read", ioctl="KVM_SET_SREGS2", condition="what KVM_GET_SREGS2 gave", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", lambda s, r: None, "as read"), errno=0,
             cite=ss2, setup=(VCPU0,), needs=need("KVM_CAP_SREGS2")),
        # Only the SET is asserted: whether the vCPU then is in PAE paging (and KVM_GET_SREGS2 reports the PDPTRs)
        # depends on the vendor's set_cr0, which the common code does not constrain (docs/research note).
        Case(id="set-sregs2-pdptrs", ioctl="KVM_SET_SREGS2",
             condition="PAE paging (CR0.PE|PG, CR4.PAE, no LMA) with PDPTRS_VALID", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", pae,
                    "CR0.PE|PG, CR4.PAE, flags PDPTRS_VALID, pdptrs 0x1000..0x4000"), errno=0,
             cite=f"{gs2}: KVM_SREGS2_FLAGS_PDPTRS_VALID 'Indicates that the struct contains valid PDPTR values'; "
                  f"{ss2}; "
             f"{s2} (accepted when the registers describe PAE paging)", setup=(VCPU0,), needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-unknown-flag", ioctl="KVM_SET_SREGS2",
             condition="flags bit 1 (only PDPTRS_VALID is defined)", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", flags(2), "flags 2"), errno=EINVAL,
             cite=f"{s2} (flags outside KVM_SREGS2_FLAGS_PDPTRS_VALID)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-pdptrs-without-pae", ioctl="KVM_SET_SREGS2",
             condition="PDPTRS_VALID in real mode (no PAE paging)", arch=("x86_64",),
             call=modify("KVM_GET_SREGS2", "KVM_SET_SREGS2", "kvm_sregs2", flags(1), "flags PDPTRS_VALID"),
             errno=EINVAL, cite=f"{s2} (valid PDPTRs need CR0.PG, CR4.PAE and no EFER.LMA)", setup=(VCPU0,),
             basis="code", needs=need("KVM_CAP_SREGS2")),
        Case(id="get-sregs2-bad-pointer", ioctl="KVM_GET_SREGS2", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_SREGS2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_SREGS2 (copy_to_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_SREGS2")),
        Case(id="set-sregs2-bad-pointer", ioctl="KVM_SET_SREGS2", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_SREGS2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_SREGS2 (memdup_user)", setup=(VCPU0,), basis="code",
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
                             "physical_address 0x12345, valid 1"), setup=(VCPU0,)),
        Case(id="translate-bad-pointer", ioctl="KVM_TRANSLATE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_TRANSLATE"), errno=EFAULT,
             cite="kvm_main.c: kvm_vcpu_ioctl, KVM_TRANSLATE (copy_from_user)", setup=(VCPU0,), basis="code"),
    ]


def _fpu() -> list[Case]:
    def fcw(s, f):
        f.fcw, f.mxcsr = 0x27F, 0x1F80

    return [
        Case(id="get-fpu", ioctl="KVM_GET_FPU", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_FPU", "vcpu", lambda s: s.abi.kvm_fpu()), errno=0, cite=f"{API} 4.22 KVM_GET_FPU",
             setup=(VCPU0,)),
        Case(id="set-fpu-reads-back", ioctl="KVM_SET_FPU", condition="fcw 0x27f: KVM_GET_FPU reads it back",
             arch=("x86_64",), call=modify("KVM_GET_FPU", "KVM_SET_FPU", "kvm_fpu", fcw, "fcw 0x27f, mxcsr 0x1f80"),
             errno=0, cite=f"{API} 4.23 KVM_SET_FPU: 'Writes the floating point state to the vcpu'",
             check=reads_back("KVM_GET_FPU", "kvm_fpu", lambda s, f: f.fcw == 0x27F, "fcw 0x27f"), setup=(VCPU0,)),
        Case(id="get-fpu-bad-pointer", ioctl="KVM_GET_FPU", condition="the argument is not writable", arch=("x86_64",),
             call=bad("KVM_GET_FPU"), errno=EFAULT, cite="kvm_main.c: kvm_vcpu_ioctl, KVM_GET_FPU (copy_to_user)",
             setup=(VCPU0,), basis="code"),
        Case(id="set-fpu-bad-pointer", ioctl="KVM_SET_FPU", condition="the argument is not readable", arch=("x86_64",),
             call=bad("KVM_SET_FPU"), errno=EFAULT, cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_FPU (memdup_user)",
             setup=(VCPU0,), basis="code"),
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

    return [
        Case(id="get-debugregs", ioctl="KVM_GET_DEBUGREGS", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_DEBUGREGS", "vcpu",
             lambda s: s.abi.kvm_debugregs()), errno=0, cite=f"{API} 4.33 KVM_GET_DEBUGREGS", setup=(VCPU0,),
             needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-reads-back", ioctl="KVM_SET_DEBUGREGS", condition="db[0] 0x1000, flags 0: it reads back",
             arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", db0, "db[0] 0x1000"), errno=0,
             cite=f"{st}: 'Writes debug registers into the vcpu'",
             check=reads_back("KVM_GET_DEBUGREGS", "kvm_debugregs", lambda s, d: d.db[0] == 0x1000,
                              "db[0] 0x1000"), setup=(VCPU0,), needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-flags", ioctl="KVM_SET_DEBUGREGS", condition="flags 1", arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", field("flags", 1), "flags 1"),
             errno=EINVAL,
             cite=f"{st}: 'The flags field is unused yet and must be cleared on entry'; {fn} (flags: EINVAL)",
             setup=(VCPU0,), needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-dr6-upper", ioctl="KVM_SET_DEBUGREGS", condition="dr6 with bit 32 set", arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", field("dr6", 1 << 32 | 0xFFFF0FF0),
                    "dr6 bit 32"), errno=EINVAL, cite=f"{fn} (kvm_dr6_valid: upper 32 bits must be zero)",
             setup=(VCPU0,), basis="code", needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-dr7-upper", ioctl="KVM_SET_DEBUGREGS", condition="dr7 with bit 32 set", arch=("x86_64",),
             call=modify("KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS", "kvm_debugregs", field("dr7", 1 << 32 | 0x400),
                    "dr7 bit 32"), errno=EINVAL, cite=f"{fn} (kvm_dr7_valid: upper 32 bits must be zero)",
             setup=(VCPU0,), basis="code", needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-on-vm-fd", ioctl="KVM_SET_DEBUGREGS",
             condition="on the VM fd (6.1's and 6.12's section says 'vm ioctl')", arch=("x86_64",),
             call=call("KVM_SET_DEBUGREGS", "vm", lambda s: s.abi.kvm_debugregs(), "zeroes"), errno=ENOTTY,
             cite="x86.c: kvm_arch_vm_ioctl has no KVM_SET_DEBUGREGS (default: ENOTTY); see DOC_FINDINGS",
             setup=(VCPU0,), basis="code", needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="get-debugregs-bad-pointer", ioctl="KVM_GET_DEBUGREGS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_DEBUGREGS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_DEBUGREGS (copy_to_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_DEBUGREGS")),
        Case(id="set-debugregs-bad-pointer", ioctl="KVM_SET_DEBUGREGS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_DEBUGREGS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_DEBUGREGS (copy_from_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_DEBUGREGS")),
    ]


def _xsave() -> list[Case]:
    g, st, g2 = f"{API} 4.42 KVM_GET_XSAVE", f"{API} 4.43 KVM_SET_XSAVE", f"{API} 4.134 KVM_GET_XSAVE2"
    sx = "x86.c: kvm_vcpu_ioctl_x86_set_xcrs"
    return [
        Case(id="get-xsave", ioctl="KVM_GET_XSAVE", condition="a fresh vCPU (no dynamic feature enabled)",
             arch=("x86_64",), call=call("KVM_GET_XSAVE", "vcpu", bytes(4096), "4096 bytes"), errno=0, cite=g,
             setup=(VCPU0,), needs=need("KVM_CAP_XSAVE")),
        Case(id="get-xsave2", ioctl="KVM_GET_XSAVE2", condition="a buffer of KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) bytes",
             arch=("x86_64",), call=xsave_sized("KVM_GET_XSAVE2"), errno=0,
             cite=f"{g2}: 'It copies as many bytes as are returned by "
             "KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2)'", setup=(VCPU0,), needs=need("KVM_CAP_XSAVE2")),
        Case(id="set-xsave-as-read", ioctl="KVM_SET_XSAVE", condition="what KVM_GET_XSAVE gave", arch=("x86_64",),
             call=set_xsave_edited(0, "as read"), errno=0, cite=st, setup=(VCPU0,), needs=need("KVM_CAP_XSAVE")),
        Case(id="set-xsave-unsupported-feature", ioctl="KVM_SET_XSAVE",
             condition="XSTATE_BV bit 63 (no such state component)", arch=("x86_64",),
             call=set_xsave_edited(1 << 63, "as read, XSTATE_BV bit 63"), errno=EINVAL,
             cite="fpu/core.c: fpu_copy_uabi_to_guest_fpstate (XSTATE_BV outside the supported XCR0: EINVAL)",
             setup=(VCPU0,), basis="code", needs=need("KVM_CAP_XSAVE")),
        Case(id="get-xsave-bad-pointer", ioctl="KVM_GET_XSAVE", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_XSAVE"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_XSAVE (copy_to_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_XSAVE")),
        Case(id="set-xsave-bad-pointer", ioctl="KVM_SET_XSAVE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_XSAVE"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_XSAVE (memdup_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_XSAVE")),
        Case(id="get-xsave2-bad-pointer", ioctl="KVM_GET_XSAVE2", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_XSAVE2"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_XSAVE2 (copy_to_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_XSAVE2")),
        Case(id="get-xcrs", ioctl="KVM_GET_XCRS", condition="a fresh vCPU: XCR0 is reported", arch=("x86_64",),
             call=call("KVM_GET_XCRS", "vcpu",
             lambda s: s.abi.kvm_xcrs()), errno=0, cite=f"{API} 4.44 KVM_GET_XCRS; x86.c: kvm_vcpu_ioctl_x86_get_xcrs "
             "(nr_xcrs 1, XCR0)", check=out_check("kvm_xcrs", lambda s, x: x.nr_xcrs == 1 and x.xcrs[0].xcr == 0 and
                                                   x.xcrs[0].value & 1, "nr_xcrs 1, xcrs[0] XCR0 with x87 set"),
             setup=(VCPU0,), needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-x87", ioctl="KVM_SET_XCRS", condition="XCR0 = 1 (x87 only)", arch=("x86_64",),
             call=xcrs(1, 1), errno=0,
             cite=f"{API} 4.45 KVM_SET_XCRS: 'This ioctl would set vcpu's xcr to the value userspace specified'",
             check=reads_back("KVM_GET_XCRS", "kvm_xcrs", lambda s, x: x.xcrs[0].value == 1, "XCR0 1"), setup=(VCPU0,),
             needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-xcr0-zero", ioctl="KVM_SET_XCRS", condition="XCR0 = 0 (x87 clear)", arch=("x86_64",),
             call=xcrs(1, 0), errno=EINVAL, cite=f"{sx}; x86.c: __kvm_set_xcr (XCR0 without x87 refused)",
             setup=(VCPU0,), basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-unsupported-bit", ioctl="KVM_SET_XCRS",
             condition="XCR0 = x87 | bit 62 (no such state component)", arch=("x86_64",), call=xcrs(1, 1 | 1 << 62),
             errno=EINVAL, cite=f"{sx}; x86.c: __kvm_set_xcr (bits outside guest_supported_xcr0)", setup=(VCPU0,),
             basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-too-many", ioctl="KVM_SET_XCRS", condition="nr_xcrs 17 (KVM_MAX_XCRS + 1)", arch=("x86_64",),
             call=xcrs(17), errno=EINVAL, cite=f"{sx} (nr_xcrs > KVM_MAX_XCRS)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-flags", ioctl="KVM_SET_XCRS", condition="flags 1", arch=("x86_64",), call=xcrs(1, 1, flags=1),
             errno=EINVAL, cite=f"{sx} (flags non-zero)", setup=(VCPU0,), basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-other-xcr", ioctl="KVM_SET_XCRS", condition="one entry for XCR 1 (not XCR0): ignored",
             arch=("x86_64",), call=xcrs(1, 0, index=1), errno=0, cite=f"{sx} (only an XCR0 entry is acted on)",
             setup=(VCPU0,), basis="code", needs=need("KVM_CAP_XCRS")),
        Case(id="get-xcrs-bad-pointer", ioctl="KVM_GET_XCRS", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_XCRS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_XCRS (copy_to_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_XCRS")),
        Case(id="set-xcrs-bad-pointer", ioctl="KVM_SET_XCRS", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_XCRS"), errno=EFAULT,
             cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_XCRS (memdup_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_XCRS")),
    ]


CASES: list[Case] = [
    *_regs(),
    *_translate(),
    *_fpu(),
    *_debugregs(),
    *_xsave(),
]

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
