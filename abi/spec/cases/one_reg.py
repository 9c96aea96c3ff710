"""KVM_GET_ONE_REG, KVM_SET_ONE_REG, KVM_GET_REG_LIST: register ids and sizes per architecture."""

from __future__ import annotations

import dataclasses
import struct
from errno import E2BIG, EBUSY, EFAULT, EINTR, EINVAL, ENOENT, ENOEXEC, EOPNOTSUPP, EPERM

from abi import arm64, kvm
from abi import riscv64 as rv
from abi.spec.case import (
    DOCUMENT_CONTRADICTS_ITSELF,
    DOCUMENT_NAMES_WHAT_HEADERS_LACK,
    DOCUMENT_SILENT,
    KERNEL_BREAKS_DOCUMENT,
    Case,
    DocumentedError,
    Finding,
    Unreachable,
    need,
)
from abi.spec.steps import vcpu
from abi.spec.steps.arm64 import (
    CORE_END,
    FINAL,
    ID_AA64ISAR0_EL1,
    INIT_SVE,
    PC,
    PREG0,
    PSTATE,
    STD_BMAP,
    STD_HYP_BMAP,
    SVE_CAP,
    UNKNOWN_SYSREG_ID,
    VLS,
    VLS_BYTES,
    VLS_VQ1,
    ZREG0,
    ZREG0_SLICE1,
    finalize,
    id_reg_changed,
    vls_reads,
)
from abi.spec.steps.base import API, BAD_POINTER, call, raw, scratch_reads, step
from abi.spec.steps.capabilities import IMP_ID, IMP_ID_SET, set_midr_changed
from abi.spec.steps.registers import (
    _N,
    GET_REG,
    ISA_I,
    REG_LIST,
    RV_CORE_END,
    RV_ISA,
    RV_ISA_EXT_SINGLE,
    RV_REG_A0,
    RV_SSCRATCH,
    RV_TIMER_FREQ,
    SET_REG,
    isa_ext_absent,
    isa_has,
    list_filled,
    lists,
    n_written_back,
    reg_list,
    scratch_nonzero,
)
from abi.spec.steps.riscv64_run import ISA_D, ISA_EXT_D, MVENDORID, SBI_EXT_DBCN, flipped, reads_without, unchanged
from abi.spec.steps.vcpu import INIT_VCPU, RAN, RV_PC, kvm_run, one_reg, one_reg_value, riscv64_reg
from abi.spec.steps.vm import VCPU0, create_vcpu, enable_cap
from abi.spec.steps.x86_vcpu import MSR_NONE
from abi.spec.steps.x86_vm import (
    _REG_ROWS,
    MSR_IA32_SYSENTER_CS,
    NO_ONE_REG_KERNELS,
    ONE_REG_KERNELS,
    ONEREG,
    x86_reg_id,
)
from abi.x86 import KVM_REG_GUEST_SSP, KVM_X86_REG_TYPE_KVM, KVM_X86_REG_TYPE_MSR


def _writable_imp_id_regs() -> list[Case]:
    """KVM_SET_ONE_REG of MIDR_EL1 with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (7.42 rule 2, 7.2)."""
    return [
        Case(id="writable-imp-id-after-run", ioctl="KVM_SET_ONE_REG",
             condition="MIDR_EL1 changed after the first KVM_RUN, the "
             "capability enabled", arch=("arm64",), call=set_midr_changed(), errno=EBUSY,
             cite=f"{IMP_ID}: 'KVM allows userspace to change the aforementioned registers before the first KVM_RUN' "
             f"(refused after; {IMP_ID_SET}: kvm_vm_has_ran_once: -EBUSY)",
             setup=(enable_cap("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), INIT_VCPU, RAN),
             cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS", order_row=2, basis="code", kernels="7.2+",
             needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
        Case(id="writable-imp-id-before-run", ioctl="KVM_SET_ONE_REG",
             condition="MIDR_EL1 changed before the first KVM_RUN, the "
             "capability enabled", arch=("arm64",), call=set_midr_changed(), errno=0,
             cite=f"{IMP_ID}: 'KVM allows userspace to change the aforementioned registers before the first KVM_RUN'",
             setup=(enable_cap("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), INIT_VCPU), cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS",
             kernels="7.2+", needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
    ]


def _x86_one_reg() -> list[Case]:
    msr = x86_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS)
    return [
        Case(id="get-msr", ioctl="KVM_GET_ONE_REG", condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS)", arch=("x86_64",),
             call=one_reg("KVM_GET_ONE_REG", msr, "MSR 0x174"), errno=0, cite=f"{API} 4.69 KVM_GET_ONE_REG; {ONEREG}",
             setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="set-msr", ioctl="KVM_SET_ONE_REG", condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS) = 8", arch=("x86_64",),
             call=one_reg("KVM_SET_ONE_REG", msr, "MSR 0x174", value=8), errno=0,
             cite=f"{API} 4.68 KVM_SET_ONE_REG; {ONEREG}", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="get-no-such-msr", ioctl="KVM_GET_ONE_REG", condition=f"an MSR index no one implements ({MSR_NONE:#x})",
             arch=("x86_64",),
             call=one_reg("KVM_GET_ONE_REG", x86_reg_id(KVM_X86_REG_TYPE_MSR, MSR_NONE), f"MSR {MSR_NONE:#x}"),
             errno=EINVAL,
             cite=f"{API} 4.69 KVM_GET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; {ONEREG} "
             "(do_get_msr fails)", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="set-no-such-msr", ioctl="KVM_SET_ONE_REG", condition=f"an MSR index no one implements ({MSR_NONE:#x})",
             arch=("x86_64",),
             call=one_reg("KVM_SET_ONE_REG", x86_reg_id(KVM_X86_REG_TYPE_MSR, MSR_NONE), f"MSR {MSR_NONE:#x}"),
             errno=EINVAL,
             cite=f"{API} 4.68 KVM_SET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; {ONEREG}",
             setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="get-foreign-arch", ioctl="KVM_GET_ONE_REG", condition="an arm64 register id", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", x86_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, arch=kvm.KVM_REG_ARM64),
             "KVM_REG_ARM64 id"), errno=EINVAL,
             cite=f"{API} 4.69 KVM_GET_ONE_REG Errors: EINVAL 'invalid register ID'; "
             f"{ONEREG} (arch bits)", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="set-foreign-arch", ioctl="KVM_SET_ONE_REG", condition="an arm64 register id", arch=("x86_64",),
             call=one_reg(
             "KVM_SET_ONE_REG", x86_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, arch=kvm.KVM_REG_ARM64),
             "KVM_REG_ARM64 id"), errno=EINVAL,
             cite=f"{API} 4.68 KVM_SET_ONE_REG Errors: EINVAL 'invalid register ID'; "
             f"{ONEREG} (arch bits)", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="get-msr-u32", ioctl="KVM_GET_ONE_REG", condition="an MSR id with size U32", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", x86_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, size=kvm.KVM_REG_SIZE_U32),
             "MSR 0x174, U32"), errno=EINVAL, cite=f"{ONEREG} (MSRs are U64)", basis="code", setup=(VCPU0,),
             kernels=ONE_REG_KERNELS),
        Case(id="get-reserved-bits", ioctl="KVM_GET_ONE_REG", condition="rsvd1 bits of the id set", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", x86_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, rsvd1=1), "MSR 0x174, rsvd1 1"),
             errno=EINVAL, cite=f"{ONEREG} (rsvd1/rsvd2)", basis="code", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="get-unknown-type", ioctl="KVM_GET_ONE_REG", condition="type 1 (neither MSR nor KVM)", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", x86_reg_id(1, MSR_IA32_SYSENTER_CS), "type 1"), errno=EINVAL, cite=f"{ONEREG} (type)",
             basis="code", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="get-ssp-without-shstk", ioctl="KVM_GET_ONE_REG",
             condition="KVM_X86_REG_KVM(GUEST_SSP), guest CPUID without SHSTK", arch=("x86_64",),
             call=one_reg("KVM_GET_ONE_REG", x86_reg_id(KVM_X86_REG_TYPE_KVM, KVM_REG_GUEST_SSP), "GUEST_SSP"),
             errno=EINVAL, cite="x86.c: kvm_translate_kvm_reg (SSP needs X86_FEATURE_SHSTK in guest CPUID)",
             basis="code", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="get-bad-struct-pointer", ioctl="KVM_GET_ONE_REG", condition="struct kvm_one_reg is not readable",
             arch=("x86_64",), call=call("KVM_GET_ONE_REG", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{ONEREG} (copy_from_user)", basis="code", setup=(VCPU0,), kernels=ONE_REG_KERNELS),
        Case(id="get-bad-value-pointer", ioctl="KVM_GET_ONE_REG", condition="addr points at a guard page",
             arch=("x86_64",), call=one_reg("KVM_GET_ONE_REG", msr, "MSR 0x174", pointer=BAD_POINTER),
             errno=EFAULT, cite="x86.c: kvm_get_one_msr (put_user)", basis="code", setup=(VCPU0,),
             kernels=ONE_REG_KERNELS),
        Case(id="set-bad-value-pointer", ioctl="KVM_SET_ONE_REG", condition="addr points at a guard page",
             arch=("x86_64",), call=one_reg("KVM_SET_ONE_REG", msr, "MSR 0x174", pointer=BAD_POINTER),
             errno=EFAULT, cite="x86.c: kvm_set_one_msr (get_user)", basis="code", setup=(VCPU0,),
             kernels=ONE_REG_KERNELS),
        Case(id="get-one-reg-none", ioctl="KVM_GET_ONE_REG",
             condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS): x86 has no ONE_REG "
             "register before 6.18", arch=("x86_64",), call=one_reg("KVM_GET_ONE_REG", msr, "MSR 0x174"), errno=EINVAL,
             cite=f"{API} 4.69 KVM_GET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; x86.c: "
             "kvm_arch_vcpu_ioctl (6.1, 6.12: no KVM_GET_ONE_REG case, the default's -EINVAL)", setup=(VCPU0,),
             kernels=NO_ONE_REG_KERNELS),
        Case(id="set-one-reg-none", ioctl="KVM_SET_ONE_REG",
             condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS) = 8: x86 has no ONE_REG "
             "register before 6.18", arch=("x86_64",), call=one_reg("KVM_SET_ONE_REG", msr, "MSR 0x174", value=8),
             errno=EINVAL,
             cite=f"{API} 4.68 KVM_SET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; x86.c: "
             "kvm_arch_vcpu_ioctl (6.1, 6.12: no KVM_SET_ONE_REG case, the default's -EINVAL)", setup=(VCPU0,),
             kernels=NO_ONE_REG_KERNELS),
        Case(id="reg-list-empty", ioctl="KVM_GET_REG_LIST", condition="n 0, guest CPUID without SHSTK: nothing to list",
             arch=("x86_64",), call=call("KVM_GET_REG_LIST", "vcpu", struct.pack("<Q", 0), "n 0"), errno=0,
             cite="x86.c: kvm_get_reg_list (only GUEST_SSP, with SHSTK)", basis="code", setup=(VCPU0,),
             kernels=ONE_REG_KERNELS),
    ]


# riscv64's ONE_REG error codes came with the KVM pull of the 6.6 merge window (kvm-riscv-6.6-1: "return ENOENT in
# *_one_reg() when reg is unknown", "use ENOENT ... when extension is unavailable", "do not EOPNOTSUPP in set
# KVM_REG_RISCV_TIMER_REG", "use EBUSY when !vcpu->arch.ran_atleast_once", "avoid EBUSY when writing same ISA val",
# with KVM_GET_REG_LIST); 6.1's vcpu.c answers EINVAL and EOPNOTSUPP (docs/research/riscv64-one-reg.md).
RV_6_6 = "6.6+ (the 6.6 ONE_REG error codes; 6.1 answers EINVAL or EOPNOTSUPP)"
RV_REG_LIST = "6.6+ (riscv's KVM_GET_REG_LIST came in 6.6)"
RV_6_1 = "6.1 (6.2-6.5 not read)"
RV_6_1_SRC = "vcpu.c (6.1)"


def _riscv64_6_1(case: Case, errno: int, cite: str, basis: str = "doc") -> Case:
    """`case` as 6.1 answers it: the same call, another errno, its own id."""
    return dataclasses.replace(case, id=f"{case.id}-6.1", errno=errno, cite=cite, basis=basis, kernels=RV_6_1,
                               check=None)


def _riscv64_one_reg() -> list[Case]:
    """riscv64's ONE_REG ids and KVM_GET_REG_LIST on a vCPU that never ran (riscv needs no initialisation: every
    register is reachable from KVM_CREATE_VCPU on). vcpu_onereg.c kvm_riscv_vcpu_get_reg / set_reg dispatch on the
    id's type and answer ENOENT for any other; each group's helper refuses a size other than its registers' with
    EINVAL before it looks at the index, and an index past its group with ENOENT (6.12, 7.2). The architecture
    field of the id is not looked at (docs/research/riscv64-one-reg.md)."""
    def get(reg_id, name, **kw):
        return vcpu.one_reg("KVM_GET_ONE_REG", reg_id, name, **kw)

    def put(reg_id, name, value=0, **kw):
        return vcpu.one_reg("KVM_SET_ONE_REG", reg_id, name, value, **kw)

    u32 = kvm.KVM_REG_SIZE_U32
    rv_arch = ("riscv64",)
    onereg = "vcpu_onereg.c"
    unknown_type = riscv64_reg(0xFF << rv.KVM_REG_RISCV_TYPE_SHIFT, 0)
    core_end = riscv64_reg(rv.KVM_REG_RISCV_CORE, RV_CORE_END)
    csr_past = riscv64_reg(rv.KVM_REG_RISCV_CSR, 0x100)
    zacas = riscv64_reg(RV_ISA_EXT_SINGLE, rv.KVM_RISCV_ISA_EXT_ZACAS)
    isa_h = riscv64_reg(RV_ISA_EXT_SINGLE, rv.KVM_RISCV_ISA_EXT_H)
    sstateen0 = riscv64_reg(rv.KVM_REG_RISCV_CSR, rv.KVM_REG_RISCV_CSR_SMSTATEEN_REG("sstateen0"),
                      rv.KVM_REG_RISCV_CSR_SMSTATEEN)
    # The cases about an extension the host lacks (Zacas, Smstateen) ask the vCPU's register list first.
    cases = [
        # Read-backs: the model's ids name the registers the kernel has.
        Case(id="riscv-get-pc", ioctl="KVM_GET_ONE_REG", condition="core regs.pc after setting it to 0x80200000",
             arch=rv_arch, call=get(RV_PC, "regs.pc"), errno=0, cite=f"{GET_REG}; {onereg} kvm_riscv_vcpu_get_reg_core "
             "(regs.pc is the guest's sepc)", setup=(VCPU0, put(RV_PC, "regs.pc", 0x80200000)),
             check=scratch_reads(0x80200000)),
        Case(id="riscv-get-a0", ioctl="KVM_GET_ONE_REG", condition="core regs.a0 after setting it", arch=rv_arch,
             call=get(RV_REG_A0, "regs.a0"), errno=0, cite=f"{GET_REG}; {onereg} kvm_riscv_vcpu_get_reg_core",
             setup=(VCPU0, put(RV_REG_A0, "regs.a0", 0x1234_5678_9ABC_DEF0)),
             check=scratch_reads(0x1234_5678_9ABC_DEF0)),
        Case(id="riscv-get-sscratch", ioctl="KVM_GET_ONE_REG", condition="CSR sscratch after setting it", arch=rv_arch,
             call=get(RV_SSCRATCH, "sscratch"), errno=0, cite=f"{GET_REG}; {onereg} kvm_riscv_vcpu_general_get_csr",
             setup=(VCPU0, put(RV_SSCRATCH, "sscratch", 0x5A5A)), check=scratch_reads(0x5A5A)),
        Case(id="riscv-get-isa", ioctl="KVM_GET_ONE_REG", condition="config isa: the base ISA letters, I among them",
             arch=rv_arch, call=get(RV_ISA, "config isa"), errno=0,
             cite=f"{GET_REG}; {onereg} kvm_riscv_vcpu_get_reg_config (the vCPU's single-letter extensions; every "
             "RISC-V hart has the base integer RV_ISA, I)", setup=(VCPU0,), check=scratch_reads(ISA_I, mask=ISA_I)),
        Case(id="riscv-get-timer-frequency", ioctl="KVM_GET_ONE_REG", condition="timer frequency", arch=rv_arch,
             call=get(RV_TIMER_FREQ, "timer frequency"), errno=0,
             cite=f"{GET_REG}; vcpu_timer.c kvm_riscv_vcpu_get_reg_timer (the host's timebase, never 0)",
             setup=(VCPU0,), check=scratch_nonzero),
        Case(id="riscv-set-timer-frequency-same", ioctl="KVM_SET_ONE_REG",
             condition="timer frequency written back as read", arch=rv_arch,
             call=put(RV_TIMER_FREQ, "timer frequency", lambda s: one_reg_value(s, RV_TIMER_FREQ)), errno=0,
             cite="vcpu_timer.c: kvm_riscv_vcpu_set_reg_timer accepts the host's timebase only", setup=(VCPU0,),
             basis="code", kernels=RV_6_6),
        Case(id="riscv-set-timer-frequency-other", ioctl="KVM_SET_ONE_REG",
             condition="timer frequency + 1 (the frequency is the host's)", arch=rv_arch,
             call=put(RV_TIMER_FREQ, "timer frequency", lambda s: one_reg_value(s, RV_TIMER_FREQ) + 1), errno=EINVAL,
             cite="vcpu_timer.c: kvm_riscv_vcpu_set_reg_timer (a frequency other than riscv_timebase: -EINVAL)",
             setup=(VCPU0,), basis="code", kernels=RV_6_6),
        Case(id="riscv-set-isa-same", ioctl="KVM_SET_ONE_REG", condition="config isa written back as read",
             arch=rv_arch, call=put(RV_ISA, "config isa", lambda s: one_reg_value(s, RV_ISA)), errno=0,
             cite=f"{SET_REG}: the isa config register can be written before the vCPU runs; {onereg} "
             "kvm_riscv_vcpu_set_reg_config", setup=(VCPU0,)),
        Case(id="riscv-set-isa-multi-letter-bit", ioctl="KVM_SET_ONE_REG",
             condition="config isa with bit 26 (past the single-letter extensions)", arch=rv_arch,
             call=put(RV_ISA, "config isa", lambda s: one_reg_value(s, RV_ISA) | 1 << 26), errno=EINVAL,
             cite=f"{onereg}: kvm_riscv_vcpu_set_reg_config (fls(value) >= RISCV_ISA_EXT_BASE: -EINVAL)",
             setup=(VCPU0,), basis="code"),
        Case(id="riscv-set-isa-ext-h", ioctl="KVM_SET_ONE_REG", condition="ISA_EXT H enabled (nested virtualization)",
             arch=rv_arch, call=put(isa_h, "ISA_EXT H", 1), errno=EINVAL,
             cite=f"{onereg}: riscv_vcpu_set_isa_ext_single (H may not be enabled: kvm_riscv_vcpu_isa_enable_allowed "
             "6.12, isa.c kvm_riscv_isa_enable_allowed 7.2; -EINVAL)", setup=(VCPU0,), basis="code"),
        # ENOENT: no such register.
        Case(id="riscv-get-unknown-type", ioctl="KVM_GET_ONE_REG", condition="register type 0xff", arch=rv_arch,
             call=get(unknown_type, "type 0xff"), errno=ENOENT,
             cite=f"{GET_REG} Errors: ENOENT 'no such register'; {onereg} kvm_riscv_vcpu_get_reg (default)",
             setup=(VCPU0,), kernels=RV_6_6),
        Case(id="riscv-set-unknown-type", ioctl="KVM_SET_ONE_REG", condition="register type 0xff", arch=rv_arch,
             call=put(unknown_type, "type 0xff"), errno=ENOENT,
             cite=f"{SET_REG} Errors: ENOENT 'no such register'; {onereg} kvm_riscv_vcpu_set_reg (default)",
             setup=(VCPU0,), kernels=RV_6_6),
        Case(id="riscv-get-core-beyond", ioctl="KVM_GET_ONE_REG", condition="a core index past struct kvm_riscv_core",
             arch=rv_arch, call=get(core_end, "core index 33"), errno=ENOENT,
             cite=f"{GET_REG} Errors: ENOENT; {onereg} kvm_riscv_vcpu_get_reg_core", setup=(VCPU0,), kernels=RV_6_6),
        Case(id="riscv-set-core-beyond", ioctl="KVM_SET_ONE_REG", condition="a core index past struct kvm_riscv_core",
             arch=rv_arch, call=put(core_end, "core index 33"), errno=ENOENT,
             cite=f"{SET_REG} Errors: ENOENT; {onereg} kvm_riscv_vcpu_set_reg_core", setup=(VCPU0,), kernels=RV_6_6),
        Case(id="riscv-get-csr-beyond", ioctl="KVM_GET_ONE_REG", condition="general CSR index 0x100", arch=rv_arch,
             call=get(csr_past, "CSR 0x100"), errno=ENOENT,
             cite=f"{GET_REG} Errors: ENOENT; {onereg} kvm_riscv_vcpu_general_get_csr", setup=(VCPU0,), kernels=RV_6_6),
        Case(id="riscv-get-isa-ext-beyond", ioctl="KVM_GET_ONE_REG",
             condition="ISA_EXT single id 0xffff (past KVM_RISCV_ISA_EXT_MAX)", arch=rv_arch,
             call=get(riscv64_reg(RV_ISA_EXT_SINGLE, 0xFFFF), "ISA_EXT 0xffff"), errno=ENOENT,
             cite=f"{GET_REG} Errors: ENOENT; {onereg} riscv_vcpu_get_isa_ext_single", setup=(VCPU0,), kernels=RV_6_6),
        Case(id="riscv-get-isa-ext-host-lacks", ioctl="KVM_GET_ONE_REG",
             condition="ISA_EXT ZACAS, an extension the host lacks", arch=rv_arch,
             call=get(zacas, "ISA_EXT ZACAS"), errno=ENOENT,
             cite=f"{GET_REG} Errors: ENOENT; {onereg} riscv_vcpu_get_isa_ext_single (6.12), isa.c "
             "__kvm_riscv_isa_check_host (7.2): an extension the host lacks has no register",
             setup=(VCPU0, isa_ext_absent("ZACAS")), kernels=RV_6_6),
        Case(id="riscv-set-isa-ext-host-lacks", ioctl="KVM_SET_ONE_REG",
             condition="ISA_EXT ZACAS = 1, an extension the host lacks", arch=rv_arch,
             call=put(zacas, "ISA_EXT ZACAS", 1), errno=ENOENT,
             cite=f"{SET_REG} Errors: ENOENT; {onereg} riscv_vcpu_set_isa_ext_single",
             setup=(VCPU0, isa_ext_absent("ZACAS")), kernels=RV_6_6),
        Case(id="riscv-get-isa-multi-beyond", ioctl="KVM_GET_ONE_REG",
             condition="ISA_EXT MULTI_EN word 0xff (past KVM_REG_RISCV_ISA_MULTI_REG_LAST)", arch=rv_arch,
             call=get(riscv64_reg(rv.KVM_REG_RISCV_ISA_EXT, 0xFF, rv.KVM_REG_RISCV_ISA_MULTI_EN), "ISA MULTI_EN[0xff]"),
             errno=ENOENT, cite=f"{GET_REG} Errors: ENOENT; {onereg} riscv_vcpu_get_isa_ext_multi", setup=(VCPU0,),
             kernels=RV_6_6),
        Case(id="riscv-get-csr-subtype-unknown", ioctl="KVM_GET_ONE_REG", condition="CSR subtype 0xff", arch=rv_arch,
             call=get(riscv64_reg(rv.KVM_REG_RISCV_CSR, 0, 0xFF << rv.KVM_REG_RISCV_SUBTYPE_SHIFT), "CSR subtype 0xff"),
             errno=ENOENT, cite=f"{GET_REG} Errors: ENOENT; {onereg} kvm_riscv_vcpu_get_reg_csr (default)",
             setup=(VCPU0,), kernels=RV_6_6),
        Case(id="riscv-get-config-beyond", ioctl="KVM_GET_ONE_REG", condition="config index 0xff", arch=rv_arch,
             call=get(riscv64_reg(rv.KVM_REG_RISCV_CONFIG, 0xFF), "config 0xff"), errno=ENOENT,
             cite=f"{GET_REG} Errors: ENOENT; {onereg} kvm_riscv_vcpu_get_reg_config (default)", setup=(VCPU0,),
             kernels=RV_6_6),
        # Smstateen's CSR on a host without Smstateen: 6.12 refused the subtype with EINVAL, 7.2 has no such
        # register (ENOENT); the releases between were not read.
        Case(id="riscv-get-sstateen0-host-lacks-6.12", ioctl="KVM_GET_ONE_REG",
             condition="CSR SMSTATEEN sstateen0, the host without Smstateen", arch=rv_arch,
             call=get(sstateen0, "sstateen0"), errno=EINVAL,
             cite=f"{onereg} (6.12): kvm_riscv_vcpu_get_reg_csr (SMSTATEEN subtype without host Smstateen: -EINVAL)",
             setup=(VCPU0, isa_ext_absent("SMSTATEEN")), basis="code", kernels="6.12"),
        Case(id="riscv-get-sstateen0-host-lacks", ioctl="KVM_GET_ONE_REG",
             condition="CSR SMSTATEEN sstateen0, the host without Smstateen", arch=rv_arch,
             call=get(sstateen0, "sstateen0"), errno=ENOENT,
             cite=f"{GET_REG} Errors: ENOENT; {onereg} (7.2): kvm_riscv_vcpu_smstateen_get_csr (the vCPU has no "
             "Smstateen: -ENOENT)", setup=(VCPU0, isa_ext_absent("SMSTATEEN")), kernels="7.2+"),
        # EINVAL: a size other than the register's (riscv64's groups are unsigned long, the timer's u64).
        Case(id="riscv-get-pc-u32", ioctl="KVM_GET_ONE_REG", condition="regs.pc with size U32", arch=rv_arch,
             call=get(RV_PC ^ kvm.KVM_REG_SIZE_U64 | u32, "regs.pc, U32"), errno=EINVAL,
             cite=f"{GET_REG} Errors: EINVAL 'invalid register ID'; {onereg} kvm_riscv_vcpu_get_reg_core "
             "(KVM_REG_SIZE != sizeof(unsigned long))", setup=(VCPU0,)),
        Case(id="riscv-set-pc-u32", ioctl="KVM_SET_ONE_REG", condition="regs.pc with size U32", arch=rv_arch,
             call=put(RV_PC ^ kvm.KVM_REG_SIZE_U64 | u32, "regs.pc, U32"), errno=EINVAL,
             cite=f"{SET_REG} Errors: EINVAL 'invalid register ID'; {onereg} kvm_riscv_vcpu_set_reg_core",
             setup=(VCPU0,)),
        Case(id="riscv-get-isa-u32", ioctl="KVM_GET_ONE_REG", condition="config isa with size U32", arch=rv_arch,
             call=get(RV_ISA ^ kvm.KVM_REG_SIZE_U64 | u32, "config isa, U32"), errno=EINVAL,
             cite=f"{GET_REG} Errors: EINVAL 'invalid register ID'; {onereg} kvm_riscv_vcpu_get_reg_config",
             setup=(VCPU0,)),
        Case(id="riscv-get-timer-u32", ioctl="KVM_GET_ONE_REG", condition="timer frequency with size U32",
             arch=rv_arch, call=get(RV_TIMER_FREQ ^ kvm.KVM_REG_SIZE_U64 | u32, "timer frequency, U32"),
             errno=EINVAL, cite=f"{GET_REG} Errors: EINVAL 'invalid register ID'; vcpu_timer.c "
             "kvm_riscv_vcpu_get_reg_timer (KVM_REG_SIZE != sizeof(u64))", setup=(VCPU0,)),
        Case(id="riscv-set-csr-u32", ioctl="KVM_SET_ONE_REG", condition="CSR sscratch with size U32", arch=rv_arch,
             call=put(RV_SSCRATCH ^ kvm.KVM_REG_SIZE_U64 | u32, "sscratch, U32"), errno=EINVAL,
             cite=f"{SET_REG} Errors: EINVAL 'invalid register ID'; {onereg} kvm_riscv_vcpu_set_reg_csr",
             setup=(VCPU0,)),
        Case(id="riscv-get-bad-value-pointer", ioctl="KVM_GET_ONE_REG", condition="addr points at a guard page",
             arch=rv_arch, call=get(RV_PC, "regs.pc", pointer=BAD_POINTER), errno=EFAULT,
             cite=f"{onereg}: kvm_riscv_vcpu_get_reg_core (copy_to_user)", setup=(VCPU0,), basis="code"),
        # api.rst defines no architecture field for riscv's ids (4.68: "mapped using the lower 32 bits") and calls
        # its error codes indicative: what the kernel does with another architecture's field is recorded, not
        # judged (second reading, docs/research/deviations.md).
        Case(id="riscv-get-foreign-arch", ioctl="KVM_GET_ONE_REG",
             condition="regs.pc's id with arm64's architecture field", arch=rv_arch,
             call=get(RV_PC & ~kvm.KVM_REG_ARCH_MASK | kvm.KVM_REG_ARM64, "KVM_REG_ARM64 | regs.pc"), errno=0,
             cite=f"{onereg}: kvm_riscv_vcpu_get_reg dispatches on the type bits and each group's helper masks "
             "KVM_REG_ARCH_MASK off the index (6.12, 7.2)", basis="code",
             setup=(VCPU0, put(RV_PC, "regs.pc", 0x80200000)), check=scratch_reads(0x80200000)),
        # The arm64 request KVM_ARM_SET_DEVICE_ADDR has KVM_GET_ONE_REG's number: on a riscv64 vCPU fd it reads
        # register id 0, whose type 0 riscv does not have.
        Case(id="riscv-vcpu-fd-is-get-one-reg", ioctl="KVM_GET_ONE_REG",
             condition="KVM_ARM_SET_DEVICE_ADDR's number on a riscv64 vCPU fd: register id 0", arch=rv_arch,
             call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab (= KVM_GET_ONE_REG)",
                      kvm.kvm_arm_device_addr(id=0, addr=0), on="vcpu"), errno=ENOENT,
             cite=f"linux/kvm.h: the same number; {onereg} kvm_riscv_vcpu_get_reg (type 0: default -ENOENT)",
             setup=(VCPU0,), basis="code", kernels=RV_6_6),
        # KVM_GET_REG_LIST (riscv64 since 6.6).
        Case(id="riscv-reg-list-n-zero", ioctl="KVM_GET_REG_LIST", condition="n = 0", arch=rv_arch,
             call=reg_list(_N("0", lambda c: 0)), errno=E2BIG,
             cite=f"{REG_LIST} Errors: E2BIG; the number required is written into n (vcpu.c kvm_arch_vcpu_ioctl)",
             setup=(VCPU0,), check=n_written_back, kernels=RV_REG_LIST),
        Case(id="riscv-reg-list-one-short", ioctl="KVM_GET_REG_LIST", condition="n = the register count - 1",
             arch=rv_arch, call=reg_list(_N("count - 1", lambda c: c - 1)), errno=E2BIG,
             cite=f"{REG_LIST} Errors: E2BIG", setup=(VCPU0,), check=n_written_back, kernels=RV_REG_LIST),
        Case(id="riscv-reg-list-exact", ioctl="KVM_GET_REG_LIST", condition="n = the register count: regs.pc listed",
             arch=rv_arch, call=reg_list(_N("count", lambda c: c)), errno=0, cite=REG_LIST, setup=(VCPU0,),
             check=lists(RV_PC, "regs.pc"), kernels=RV_REG_LIST),
    ]
    # 6.1: what 6.6 answers ENOENT, 6.1's vcpu.c answers EINVAL, which 6.1's api.rst 4.68/4.69 document for 'no
    # such register' as well (the ENOENT row is there too; the codes are 'indicative only').
    no_such = {
        "riscv-get-unknown-type": (GET_REG, "kvm_riscv_vcpu_get_reg (no group of that type: -EINVAL)"),
        "riscv-set-unknown-type": (SET_REG, "kvm_riscv_vcpu_set_reg (no group of that type: -EINVAL)"),
        "riscv-get-core-beyond": (GET_REG, "kvm_riscv_vcpu_get_reg_core (reg_num past kvm_riscv_core: -EINVAL)"),
        "riscv-set-core-beyond": (SET_REG, "kvm_riscv_vcpu_set_reg_core (reg_num past kvm_riscv_core: -EINVAL)"),
        "riscv-get-csr-beyond": (GET_REG, "kvm_riscv_vcpu_get_reg_csr (reg_num past kvm_riscv_csr: -EINVAL)"),
        "riscv-get-config-beyond": (GET_REG, "kvm_riscv_vcpu_get_reg_config (default: -EINVAL)"),
        "riscv-get-isa-ext-beyond": (GET_REG, "kvm_riscv_vcpu_get_reg_isa_ext (reg_num >= KVM_RISCV_ISA_EXT_MAX: "
                                              "-EINVAL)"),
        "riscv-vcpu-fd-is-get-one-reg": (GET_REG, "kvm_riscv_vcpu_get_reg (type 0: -EINVAL)"),
    }
    # 6.1's timer frequency is read-only (api.rst 6.1 4.68's timer table: 'Time base frequency (read-only)'): any
    # write is refused, with an errno its Errors table does not list.
    frequency = f"{RV_6_1_SRC}: vcpu_timer.c kvm_riscv_vcpu_set_reg_timer (frequency: -EOPNOTSUPP, whatever the value)"
    return [
        *cases,
        *(_riscv64_6_1(c, EINVAL, f"{no_such[c.id][0]} (6.1) Errors: EINVAL 'invalid register ID, or no such "
                       f"register'; {RV_6_1_SRC} {no_such[c.id][1]}") for c in cases if c.id in no_such),
        *(_riscv64_6_1(c, EOPNOTSUPP, frequency, basis="code") for c in cases
          if c.id.startswith("riscv-set-timer-frequency-")),
        Case(id="riscv-reg-list-6.1", ioctl="KVM_GET_REG_LIST", condition="n = 0, on 6.1's riscv64", arch=rv_arch,
             call=reg_list(0), errno=EINVAL,
             cite=f"{REG_LIST} (6.1: ':Architectures: arm64, mips'); {RV_6_1_SRC} kvm_arch_vcpu_ioctl has no "
             "KVM_GET_REG_LIST case (default: -EINVAL)", setup=(VCPU0,), basis="code", kernels=RV_6_1),
    ]


# riscv64, after KVM_RUN
RV_RAN = (create_vcpu(0), RAN)  # vcpu.c kvm_arch_vcpu_ioctl_run marks the vCPU ran before it tests immediate_exit
RV_ONEREG = "vcpu_onereg.c: kvm_riscv_vcpu_set_reg_config"  # 6.12 and 7.2


def _riscv64_after_run() -> list[Case]:
    """4.68's riscv EBUSY row and its rule 6 (the isa config register is written only before the vCPU runs)."""
    rv_arch = ("riscv64",)
    cases = [
        Case(id="riscv-isa-before-run", ioctl="KVM_SET_ONE_REG",
             condition="the isa config register without D, before the vCPU ran", arch=rv_arch,
             call=vcpu.one_reg("KVM_SET_ONE_REG", RV_ISA, "config isa", flipped(RV_ISA, ISA_D)), errno=0,
             cite=f"{SET_REG}: 'The isa config register can be read anytime but can only be written before a Guest "
             f"VCPU runs' (D is one KVM lets userspace disable; {RV_ONEREG} takes the new value)",
             setup=(create_vcpu(0), isa_has("d")), check=reads_without(RV_ISA, ISA_D, "config isa"), doc_row=0,
             order_row=6),
        Case(id="riscv-isa-after-run", ioctl="KVM_SET_ONE_REG",
             condition="the isa config register changed (D inverted) after the vCPU ran", arch=rv_arch,
             call=vcpu.one_reg("KVM_SET_ONE_REG", RV_ISA, "config isa", flipped(RV_ISA, ISA_D)), errno=EBUSY,
             cite=f"{SET_REG}: EBUSY '(riscv) changing register value not allowed after the vcpu has run at least "
             f"once'; the isa config register 'can only be written before a Guest VCPU runs' ({RV_ONEREG})",
             setup=RV_RAN, order_row=6, kernels=RV_6_6),
        Case(id="riscv-isa-same-after-run", ioctl="KVM_SET_ONE_REG",
             condition="the isa config register written with the value it reads, after the vCPU ran", arch=rv_arch,
             call=vcpu.one_reg("KVM_SET_ONE_REG", RV_ISA, "config isa", unchanged(RV_ISA)), errno=0,
             cite=f"{RV_ONEREG}: the value it reads is accepted before the ran-once test (4.68 refuses a change)",
             setup=RV_RAN, basis="code", kernels=RV_6_6),
        Case(id="riscv-mvendorid-after-run", ioctl="KVM_SET_ONE_REG",
             condition="the mvendorid config register changed after the vCPU ran", arch=rv_arch,
             call=vcpu.one_reg("KVM_SET_ONE_REG", MVENDORID, "config mvendorid", flipped(MVENDORID, 1)), errno=EBUSY,
             cite=f"{SET_REG}: EBUSY '(riscv) changing register value not allowed after the vcpu has run at least "
             f"once' ({RV_ONEREG}, mvendorid)", setup=RV_RAN, kernels=RV_6_6),
        Case(id="riscv-isa-ext-after-run", ioctl="KVM_SET_ONE_REG",
             condition="the ISA_EXT register of D inverted after the vCPU ran", arch=rv_arch,
             call=vcpu.one_reg("KVM_SET_ONE_REG", ISA_EXT_D, "ISA_EXT D", flipped(ISA_EXT_D, 1)), errno=EBUSY,
             cite=f"{SET_REG}: EBUSY '(riscv) changing register value not allowed after the vcpu has run at least "
             "once' (6.12 vcpu_onereg.c, 7.2 vcpu_onereg.c: riscv_vcpu_set_isa_ext_single; a host without D "
             "answers ENOENT first)", setup=(*RV_RAN, isa_has("d")), kernels=RV_6_6),
        Case(id="riscv-sbi-ext-same-after-run", ioctl="KVM_SET_ONE_REG",
             condition="the SBI_EXT register of DBCN written with the value it reads, after the vCPU ran", arch=rv_arch,
             call=vcpu.one_reg("KVM_SET_ONE_REG", SBI_EXT_DBCN, "SBI_EXT DBCN", unchanged(SBI_EXT_DBCN)),
             errno=EBUSY,
             cite="vcpu_sbi.c (6.12, 7.2): kvm_riscv_vcpu_set_reg_sbi_ext refuses any write once the vCPU ran, before "
             "it reads the value (4.68's EBUSY row names a change only)", setup=RV_RAN, basis="code",
             kernels="6.7+ (KVM_RISCV_SBI_EXT_DBCN came in 6.7)"),
    ]
    # 6.1: any write once the vCPU ran is EOPNOTSUPP, the value written back as read too. 6.1's api.rst has no EBUSY
    # row; its 4.68 says only that the isa config register 'can only be written before a Guest VCPU runs', and no
    # Errors row names EOPNOTSUPP (docs/research/riscv64-one-reg.md, candidate findings (6.1)).
    refused = {
        "riscv-isa-after-run": "kvm_riscv_vcpu_set_reg_config (isa, ran_atleast_once: -EOPNOTSUPP)",
        "riscv-isa-same-after-run": "kvm_riscv_vcpu_set_reg_config (isa, ran_atleast_once: -EOPNOTSUPP whatever the "
                                    "value)",
        "riscv-isa-ext-after-run": "kvm_riscv_vcpu_set_reg_isa_ext (ran_atleast_once: -EOPNOTSUPP)",
    }
    return [*cases, *(_riscv64_6_1(c, EOPNOTSUPP, f"{RV_6_1_SRC}: {refused[c.id]}", basis="code") for c in cases
                      if c.id in refused)]


CASES: list[Case] = [
    Case(id="vcpu-fd-is-get-one-reg-uninitialised", ioctl="KVM_GET_ONE_REG",
         condition="the same number on a vCPU fd before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab (= KVM_GET_ONE_REG)", kvm.kvm_arm_device_addr(id=0, addr=0),
             on="vcpu"), errno=ENOEXEC, cite="arm.c: kvm_arch_vcpu_ioctl KVM_GET_ONE_REG refuses an uninitialised vCPU",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="vcpu-fd-is-get-one-reg", ioctl="KVM_GET_ONE_REG",
         condition="the same number on a vCPU fd reads the PC register", arch=("arm64",),
         call=raw(kvm.KVM_ARM_SET_DEVICE_ADDR, "0x4010aeab {id = core reg PC}",
                    lambda s: kvm.kvm_one_reg(id=kvm.KVM_REG_ARM64 | kvm.KVM_REG_SIZE_U64 | arm64.KVM_REG_ARM_CORE
                                              | arm64.KVM_REG_ARM_CORE_REG("regs.pc"), addr=s.scratch()),
                    on="vcpu"), errno=0,
         cite="linux/kvm.h: KVM_GET_ONE_REG is _IOW(KVMIO, 0xab, struct kvm_one_reg), the same number; guest.c "
         "kvm_arm_get_reg", setup=(INIT_VCPU,), basis="code"),
    # --- KVM_GET_ONE_REG / KVM_SET_ONE_REG ------------------------------------------------------------------
    Case(id="get-reg-pc", ioctl="KVM_GET_ONE_REG", condition="the PC of an initialised vCPU", arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", PC, "PC"), errno=0, cite=GET_REG, setup=(INIT_VCPU,)),
    Case(id="get-reg-uninitialised", ioctl="KVM_GET_ONE_REG", condition="before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", PC, "PC"), errno=ENOEXEC,
         cite="arm.c: kvm_arch_vcpu_ioctl refuses an uninitialised vCPU (api.rst 4.69 does not list ENOEXEC)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="set-reg-uninitialised", ioctl="KVM_SET_ONE_REG", condition="before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", PC, "PC", 0x1000), errno=ENOEXEC,
         cite="arm.c: kvm_arch_vcpu_ioctl refuses an uninitialised vCPU (api.rst 4.68 does not list ENOEXEC)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="get-reg-core-beyond", ioctl="KVM_GET_ONE_REG", condition="a core register index past struct kvm_regs",
         arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", vcpu.arm64_core_reg(CORE_END), "core index past kvm_regs"),
         errno=ENOENT,
         cite=f"{GET_REG}, Errors: ENOENT", setup=(INIT_VCPU,)),
    Case(id="set-reg-core-beyond", ioctl="KVM_SET_ONE_REG", condition="a core register index past struct kvm_regs",
         arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", vcpu.arm64_core_reg(CORE_END), "core index past kvm_regs", 0),
         errno=ENOENT,
         cite=f"{SET_REG}, Errors: ENOENT", setup=(INIT_VCPU,)),
    Case(id="get-reg-unknown-sysreg", ioctl="KVM_GET_ONE_REG", condition="a system register KVM does not have",
         arch=("arm64",), call=vcpu.one_reg("KVM_GET_ONE_REG", UNKNOWN_SYSREG_ID, "S3_7_C15_C15_7"), errno=ENOENT,
         cite=f"{GET_REG}, Errors: ENOENT; sys_regs.c "
         "kvm_sys_reg_get_user", setup=(INIT_VCPU,)),
    Case(id="set-reg-unknown-sysreg", ioctl="KVM_SET_ONE_REG", condition="a system register KVM does not have",
         arch=("arm64",), call=vcpu.one_reg("KVM_SET_ONE_REG", UNKNOWN_SYSREG_ID, "S3_7_C15_C15_7", 0), errno=ENOENT,
         cite=f"{SET_REG}, Errors: ENOENT", setup=(INIT_VCPU,)),
    Case(id="get-reg-other-arch", ioctl="KVM_GET_ONE_REG",
         condition="an id whose architecture field is not KVM_REG_ARM64", arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", kvm.KVM_REG_SIZE_U64 | 0x10, "id 0x0030000000000010"), errno=EINVAL,
         cite=f"{GET_REG}, Errors: EINVAL (invalid register ID); guest.c kvm_arm_get_reg", setup=(INIT_VCPU,)),
    Case(id="set-reg-other-arch", ioctl="KVM_SET_ONE_REG",
         condition="an id whose architecture field is not KVM_REG_ARM64", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", kvm.KVM_REG_SIZE_U64 | 0x10, "id 0x0030000000000010", 0), errno=EINVAL,
         cite=f"{SET_REG}, Errors: EINVAL (invalid register ID); guest.c kvm_arm_set_reg", setup=(INIT_VCPU,)),
    Case(id="get-reg-core-wrong-size", ioctl="KVM_GET_ONE_REG", condition="the PC with a 32-bit size in its id",
         arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", vcpu.arm64_core_reg("regs.pc", kvm.KVM_REG_SIZE_U32),
                      "PC as u32"), errno=EINVAL,
         cite=f"{GET_REG}, Errors: EINVAL (invalid register ID); guest.c core_reg_addr", setup=(INIT_VCPU,)),
    Case(id="set-reg-pstate-bad-mode", ioctl="KVM_SET_ONE_REG",
         condition="PSTATE with an undefined mode (0x1f is AArch32 SYS)", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", PSTATE, "PSTATE", 0x1F), errno=EINVAL,
         cite="guest.c: set_core_reg, an AArch32 mode on a 64-bit vCPU", setup=(INIT_VCPU,), basis="code"),
    Case(id="get-reg-bad-addr", ioctl="KVM_GET_ONE_REG", condition="addr pointing at a guard page", arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", PC, "PC", pointer=BAD_POINTER), errno=EFAULT,
         cite="guest.c: get_core_reg copy_to_user (undocumented)", setup=(INIT_VCPU,), basis="code"),
    Case(id="get-reg-sve-not-finalized", ioctl="KVM_GET_ONE_REG", condition="Z0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=vcpu.one_reg("KVM_GET_ONE_REG", ZREG0, "Z0"), errno=EPERM,
         cite=f"{GET_REG}, Errors: EPERM (before vcpu finalization)", setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-reg-sve-not-finalized", ioctl="KVM_SET_ONE_REG", condition="Z0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=vcpu.one_reg("KVM_SET_ONE_REG", ZREG0, "Z0", bytes(256)), errno=EPERM,
         cite=f"{SET_REG}, Errors: EPERM (before vcpu finalization)", setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="get-reg-sve-finalized", ioctl="KVM_GET_ONE_REG", condition="Z0 after KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=vcpu.one_reg("KVM_GET_ONE_REG", ZREG0, "Z0"), errno=0, cite=f"{FINAL}; {GET_REG}",
         setup=(INIT_SVE, finalize()),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="get-reg-sve-slice-1", ioctl="KVM_GET_ONE_REG", condition="Z0 slice 1 (beyond max_vq)", arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", ZREG0_SLICE1, "Z0[1]"), errno=ENOENT,
         cite=f"{SET_REG}, arm64 SVE registers: ids where 2048 * slice >= 128 * max_vq fail with ENOENT",
         setup=(INIT_SVE, finalize()), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-reg-sve-slice-1", ioctl="KVM_SET_ONE_REG", condition="Z0 slice 1 (beyond max_vq)", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", ZREG0_SLICE1, "Z0[1]", bytes(256)), errno=ENOENT,
         cite=f"{SET_REG}, arm64 SVE registers: 2048 * slice >= 128 * max_vq fails with ENOENT",
         setup=(INIT_SVE, finalize()), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="get-reg-sve-without-sve", ioctl="KVM_GET_ONE_REG", condition="Z0 on a vCPU without SVE", arch=("arm64",),
         call=vcpu.one_reg("KVM_GET_ONE_REG", ZREG0, "Z0"), errno=ENOENT,
         cite=f"{SET_REG}: SVE registers are only accessible on vcpus with SVE enabled; guest.c sve_reg_to_region",
         setup=(INIT_VCPU,)),
    Case(id="set-vls-no-lengths", ioctl="KVM_SET_ONE_REG", condition="KVM_REG_ARM64_SVE_VLS with no vector length",
         arch=("arm64",), call=vcpu.one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS", bytes(64)), errno=EINVAL,
         cite=f"{SET_REG}: an invalid set of vector lengths fails with EINVAL", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-vls-unchanged", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS written back as read, before finalize", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS",
                      lambda s: (vcpu.one_reg("KVM_GET_ONE_REG", VLS, "SVE_VLS")(s).value(),
                                            s.target.read(s.scratch(), 64))[1]), errno=0,
         cite=f"{SET_REG}: userspace may modify it until the SVE configuration is finalized", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-vls-after-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS after KVM_ARM_VCPU_FINALIZE", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS",
                      lambda s: (vcpu.one_reg("KVM_GET_ONE_REG", VLS, "SVE_VLS")(s).value(),
                                            s.target.read(s.scratch(), 64))[1]), errno=EPERM,
         cite=f"{SET_REG}: after finalization, writes of this register fail with EPERM", setup=(INIT_SVE, finalize()),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-fw-bitmap-before-run", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_HYP_BMAP cleared before any vCPU ran", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", STD_HYP_BMAP, "STD_HYP_BMAP", 0), errno=0,
         cite=f"{SET_REG}: bitmap firmware registers are writable", setup=(INIT_VCPU,)),
    Case(id="set-fw-bitmap-after-run", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_HYP_BMAP changed after a vCPU ran", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", STD_HYP_BMAP, "STD_HYP_BMAP", 0), errno=EBUSY,
         cite=f"{SET_REG}: bitmap firmware registers are immutable once a vCPU ran: -EBUSY; hypercalls.c "
         "kvm_arm_set_fw_reg_bmap", setup=(INIT_VCPU, RAN)),
    Case(id="set-fw-bitmap-after-run-same", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_HYP_BMAP rewritten unchanged after a run", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", STD_HYP_BMAP, "STD_HYP_BMAP", lambda s: one_reg_value(s, STD_HYP_BMAP)),
         errno=0,
         cite="hypercalls.c: kvm_arm_set_fw_reg_bmap refuses only a different value", setup=(INIT_VCPU, RAN),
         basis="code"),
    Case(id="set-id-reg-changed-after-run-6.1", ioctl="KVM_SET_ONE_REG",
         condition="ID_AA64ISAR0_EL1 changed after a vCPU ran (6.1)", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", ID_AA64ISAR0_EL1, "ID_AA64ISAR0_EL1", id_reg_changed), errno=EINVAL,
         cite="sys_regs.c (6.1): set_id_reg accepts only the value it reads (invariant)", setup=(INIT_VCPU, RAN),
         basis="code", kernels="6.1"),
    Case(id="set-id-reg-changed-after-run", ioctl="KVM_SET_ONE_REG",
         condition="ID_AA64ISAR0_EL1 changed after a vCPU ran", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", ID_AA64ISAR0_EL1, "ID_AA64ISAR0_EL1", id_reg_changed), errno=EBUSY,
         cite="sys_regs.c (6.12, 7.2): set_id_reg, ID registers are immutable once the VM ran: -EBUSY",
         setup=(INIT_VCPU, RAN), basis="code", kernels="6.12+"),
    # --- KVM_GET_REG_LIST -----------------------------------------------------------------------------------
    Case(id="reg-list-n-zero", ioctl="KVM_GET_REG_LIST", condition="n = 0", arch=("arm64",),
         call=reg_list(_N("count", lambda c: 0)), errno=E2BIG,
         cite=f"{REG_LIST}, Errors: E2BIG; the number required is written into n", setup=(INIT_VCPU,),
         check=n_written_back),
    Case(id="reg-list-one-short", ioctl="KVM_GET_REG_LIST", condition="n = the register count - 1", arch=("arm64",),
         call=reg_list(_N("count - 1", lambda c: c - 1)), errno=E2BIG, cite=f"{REG_LIST}, Errors: E2BIG",
         setup=(INIT_VCPU,),
         check=n_written_back),
    Case(id="reg-list-exact", ioctl="KVM_GET_REG_LIST", condition="n = the register count", arch=("arm64",),
         call=reg_list(_N("count", lambda c: c)), errno=0, cite=REG_LIST, setup=(INIT_VCPU,), check=list_filled),
    Case(id="reg-list-uninitialised", ioctl="KVM_GET_REG_LIST", condition="before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=reg_list(0), errno=ENOEXEC, cite="arm.c: kvm_arch_vcpu_ioctl (undocumented for this ioctl)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="reg-list-sve-not-finalized", ioctl="KVM_GET_REG_LIST", condition="SVE enabled, not finalized",
         arch=("arm64",), call=reg_list(0), errno=EPERM,
         cite=f"{FINAL}: KVM_GET_REG_LIST fails with EPERM until the feature is finalized", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="reg-list-bad-pointer", ioctl="KVM_GET_REG_LIST", condition="argument pointer to a guard page",
         arch=("arm64",), call=step("KVM_GET_REG_LIST(arg=a guard page)",
              lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_GET_REG_LIST, s.target.bad_address())), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl copy_from_user (undocumented)", setup=(INIT_VCPU,), basis="code"),
    # 4.68 KVM_SET_ONE_REG (arm64 SVE and firmware bitmap registers). Rule 6 is RISC-V's isa register: not arm64.
    Case(id="order-set-preg-before-finalize", ioctl="KVM_SET_ONE_REG", condition="P0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=vcpu.one_reg("KVM_SET_ONE_REG", PREG0, "P0", bytes(32)), errno=EPERM,
         cite=f"{SET_REG}: except for KVM_REG_ARM64_SVE_VLS, the SVE registers are not accessible until the SVE "
         "configuration is finalized; Errors: EPERM (arm64, before vcpu finalization)", setup=(INIT_SVE,), order_row=1,
         needs=(SVE_CAP,)),
    Case(id="order-set-vls-before-init", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS", VLS_VQ1), errno=ENOEXEC,
         cite=f"{SET_REG}: SVE_VLS is only accessible after KVM_ARM_VCPU_INIT (no errno given); arm.c "
         "kvm_arch_vcpu_ioctl refuses ONE_REG on an uninitialised vCPU with -ENOEXEC (6.1, 6.12, 7.2)",
         setup=(create_vcpu(0),), basis="code", order_row=2),
    Case(id="order-set-vls-reduced-after-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS reduced to 128-bit vectors after KVM_ARM_VCPU_FINALIZE", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS", VLS_VQ1), errno=EPERM,
         cite=f"{SET_REG}: userspace may modify it until the SVE configuration is finalized; after that, writes fail "
         "with EPERM", setup=(INIT_SVE, finalize()), order_row=3, needs=(SVE_CAP,)),
    Case(id="set-vls-reduced-before-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS reduced to 128-bit vectors before KVM_ARM_VCPU_FINALIZE, read back",
         arch=("arm64",), call=vcpu.one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS", VLS_VQ1), errno=0,
         cite=f"{SET_REG}: userspace may modify it until finalized (the right order; removing all lengths above "
         "some value is always possible)", setup=(INIT_SVE,), check=vls_reads(VLS_VQ1), needs=(SVE_CAP,)),
    Case(id="order-set-vls-empty-after-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS with no vector length after KVM_ARM_VCPU_FINALIZE", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS", bytes(VLS_BYTES)),
         errno=EPERM,
         cite=f"{SET_REG}: after finalization further attempts to write this register fail with EPERM (any value: "
         "guest.c set_sve_vls tests finalization before it validates the set, which alone gives EINVAL)",
         setup=(INIT_SVE, finalize()), order_row=4, needs=(SVE_CAP,)),
    Case(id="order-set-fw-bitmap-other-vcpu-after-run", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_BMAP cleared on vCPU 1, which never ran, after vCPU 0 ran", arch=("arm64",),
         call=vcpu.one_reg("KVM_SET_ONE_REG", STD_BMAP, "STD_BMAP", 0), errno=EBUSY,
         cite=f"{SET_REG}: the bitmap firmware registers are immutable once any of the vCPUs of the VM has run "
         "at least once: -EBUSY (hypercalls.c kvm_arm_set_fw_reg_bmap tests the VM's ran-once flag)",
         setup=(INIT_VCPU, INIT_VCPU, kvm_run(immediate_exit=True, vcpu=0, ok_errno=EINTR)), order_row=5),
    *_writable_imp_id_regs(),
    *_x86_one_reg(),
    # riscv64
    *_riscv64_one_reg(),
    *_riscv64_after_run(),
]

UNREACHABLE = [
    Unreachable("KVM_GET_ONE_REG", ENOENT, "x86.c kvm_get_set_one_reg answers EINVAL for every unknown "
                "register (allowed by the EINVAL row: 'no such register'); ENOENT is arm64/riscv", arch="x86_64"),
    Unreachable("KVM_SET_ONE_REG", ENOENT, "x86.c kvm_get_set_one_reg answers EINVAL for every unknown "
                "register; the ENOENT sentences are about arm64 SVE registers", arch="x86_64"),
    Unreachable("KVM_SET_ONE_REG", EPERM, "arm64 only (register write after vCPU finalization, SVE)",
                arch="x86_64"),
    Unreachable("KVM_GET_ONE_REG", EPERM, "arm64 only (register access before vCPU finalization)", arch="x86_64"),
    Unreachable("KVM_SET_ONE_REG", EBUSY, "riscv/arm64 only (register changed after the vCPU ran)", arch="x86_64"),
    # 4.68's ordering rules are about other architectures' registers: SVE (rules 1-4) and the firmware pseudo-registers
    # (rule 5) of arm64, riscv's isa config register (rule 6). x86 has none of them.
    *(Unreachable("KVM_SET_ONE_REG", 0, f"the rule is about {regs}: x86 has no such register (x86.c "
                  "kvm_get_set_one_reg knows MSRs and KVM_REG_GUEST_SSP only; before 6.18 no ONE_REG at all)",
                  arch="x86_64", order_row=row)
      for row, regs in ((1, "arm64's SVE registers (KVM_REG_ARM64_SVE_*) before KVM_ARM_VCPU_FINALIZE"),
                        (2, "arm64's KVM_REG_ARM64_SVE_VLS and KVM_ARM_VCPU_INIT"),
                        (3, "arm64's KVM_REG_ARM64_SVE_VLS until KVM_ARM_VCPU_FINALIZE"),
                        (4, "arm64's KVM_REG_ARM64_SVE_VLS after KVM_ARM_VCPU_FINALIZE"),
                        (5, "arm64's firmware pseudo-registers (KVM_REG_ARM_FW_FEAT_BMAP_*)"),
                        (6, "riscv's isa config register"))),
    Unreachable("KVM_GET_REG_LIST", E2BIG, "x86.c kvm_get_reg_list (6.1 and 6.12 have no x86 "
                "KVM_GET_REG_LIST) lists one register, GUEST_SSP, and only when the guest CPUID has SHSTK: E2BIG "
                "needs a host that offers SHSTK (KVM_GET_SUPPORTED_CPUID leaf 7 ECX bit 7), which no capability "
                "reports, so no case can be gated on it; `reg-list-empty` is the guest without SHSTK", arch="x86_64"),
]

DOCUMENTED = [
    *(DocumentedError(n, e, c, f"{API} {num} {n}") for n, num in (("KVM_SET_ONE_REG", "4.68"),
                                                                  ("KVM_GET_ONE_REG", "4.69"))
      for e, c in _REG_ROWS),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 4.68 KVM_SET_ONE_REG (6.1): 'The isa config register can be read anytime but can only be written "
        "before a Guest VCPU runs' names no errno, and its Errors table has none for it: 6.1's vcpu.c "
        "kvm_riscv_vcpu_set_reg_config and kvm_riscv_vcpu_set_reg_isa_ext answer EOPNOTSUPP (cases "
        "riscv-isa-after-run-6.1, riscv-isa-ext-after-run-6.1); 6.6 added the EBUSY row and the kernel's EBUSY.",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.68 (6.1): the RISC-V timer register 'frequency' is listed read-only and no errno is given for a "
        "write: 6.1's vcpu_timer.c kvm_riscv_vcpu_set_reg_timer answers EOPNOTSUPP to every write (cases "
        "riscv-set-timer-frequency-same-6.1, -other-6.1).",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.68 (6.12, 7.2): 'frequency' is still listed read-only with no errno for a write, while 6.6+ "
        "vcpu_timer.c kvm_riscv_vcpu_set_reg_timer accepts a write of the value it reads (0, nothing stored) and "
        "refuses another with EINVAL, an errno 4.68's EINVAL row (a bad register id) does not describe (cases "
        "riscv-set-timer-frequency-same, -other).",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.68 KVM_SET_ONE_REG: riscv's register ids are 'mapped using the lower 32 bits' and their patterns "
        "start 0x80..., but the document never says whether the architecture byte is checked: riscv's "
        "vcpu_onereg.c ignores it (an id with arm64's byte reads regs.pc, case riscv-get-foreign-arch), where x86 "
        "and arm64 refuse another architecture's id with EINVAL.",
        DOCUMENT_SILENT),
    Finding(
        "api.rst 4.138 KVM_ARM_SET_COUNTER_OFFSET (6.12, 7.2): the text calls the ioctl KVM_ARM_SET_CNT_OFFSET, a "
        "name no header defines.",
        DOCUMENT_NAMES_WHAT_HEADERS_LACK),
    Finding(
        "api.rst 4.31 KVM_GET_VCPU_EVENTS (ARM64): the two -EINVAL sentences (serror_has_esr on a system without "
        "KVM_CAP_ARM_INJECT_SERROR_ESR; serror_esr bits beyond the low 24) describe KVM_SET_VCPU_EVENTS, yet sit "
        "in the GET section; 4.32 KVM_SET_VCPU_EVENTS (ARM64) names no EINVAL.",
        DOCUMENT_CONTRADICTS_ITSELF),
    Finding(
        "api.rst 4.31: 'the lower 24 bits of exception.serror_esr' - the ISS field the kernel accepts is 25 bits "
        "(ESR_ELx_ISS_MASK, bits 24:0); see case set-events-serror-esr-bit-24.",
        KERNEL_BREAKS_DOCUMENT),
]
