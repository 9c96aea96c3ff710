"""KVM_RUN and KVM_SET_SIGNAL_MASK: what a first run checks (vGIC, PMU, timers, vCPU
initialisation), its exits, and how a signal ends it."""

from __future__ import annotations

import struct
from errno import EAGAIN, EBUSY, EFAULT, EINTR, EINVAL, EIO, ENOEXEC, ENOSYS, ENXIO, EPERM

from abi import kvm, riscv64
from abi.spec.case import DOCUMENT_SILENT, Case, Deviation, DocumentedError, Finding, Observed, Unreachable, need
from abi.spec.steps import guest, vcpu_attributes, vm
from abi.spec.steps.arm64 import (
    ENOEXEC_IABT,
    FINAL,
    INIT_DOC,
    INIT_SVE,
    LOAD_OUTSIDE,
    LOAD_PAIR_OUTSIDE,
    NISV,
    RUN,
    RUN_LIMIT,
    SIGMASK,
    SPIN,
    code_at_ipa0,
    finalize,
)
from abi.spec.steps.base import API, BAD_POINTER, GENERIC, call
from abi.spec.steps.capabilities import (
    BACKSTOP,
    FAULT_INFO,
    FAULT_KERNELS,
    FAULT_PATH,
    HYPERCALL,
    HYPERCALL_GUEST,
    KVM_HC_MAP_GPA_RANGE,
    RESET_PATH,
    harvest_all,
    hypercall_return,
    memory_fault_not_reported,
    memory_fault_reported,
    no_entry_after_harvested,
    rerun_guest,
    store_without_vma,
)
from abi.spec.steps.gic import G_CTRL, R3, V2_CPU, V2_DIST, V3_DIST, V3_REDIST, V3_REGION, C, D, addr_attr, ctrl
from abi.spec.steps.guest import RV_CODE_GPA
from abi.spec.steps.memory import ACQ_REL, DIRTY, RING, guest_debug, ring
from abi.spec.steps.registers import reg_reads
from abi.spec.steps.riscv64_run import (
    BREAKPOINT,
    CHAR,
    RUN_TO_DEBUG,
    RUN_TO_SBI,
    SBI_BASE,
    SBI_DBCN,
    SBI_ERR_NOT_SUPPORTED,
    SBI_EXIT,
    SBI_EXPERIMENTAL,
    SBI_VENDOR,
    answer,
    sbi_exit,
    sbi_ext,
    sbi_guest,
)
from abi.spec.steps.riscv64_run import RUN as RV_RUN
from abi.spec.steps.vcpu import (
    INIT_VCPU,
    RAN,
    RV_PC,
    SPINNING_GUEST,
    exits_with,
    kvm_run,
    ready_vcpu,
    run_to_exit,
    run_until_timer_signal,
    run_with_pending,
    signal_mask,
)
from abi.spec.steps.vcpu_attributes import (
    A_INIT,
    A_VTIMER,
    G_PMU,
    G_TIMER,
    HAS_PMU,
    PMU_VCPU,
    PTIMER,
    TIMER_RST,
    VTIMER,
    runnable,
    timer_set,
)
from abi.spec.steps.vgic_v2 import CREATE_V2, DOC
from abi.spec.steps.vgic_v3 import ADDR_DOC, CREATE_V3, CREATED, PLACED, READY, region
from abi.spec.steps.vm import IRQCHIP, create_vcpu, enable_cap, set_addr


def _run() -> list[Case]:
    """KVM_RUN: what the guest sees of 7.40 KVM_CAP_EXIT_HYPERCALL, 8.44 KVM_CAP_MEMORY_FAULT_INFO, and a write to a
    harvested page before KVM_RESET_DIRTY_RINGS (7.36 rule 3)."""
    return [
        Case(id="hypercall-not-forwarded", ioctl="KVM_RUN",
             condition="the guest calls KVM_HC_MAP_GPA_RANGE, not enabled in "
             "KVM_CAP_EXIT_HYPERCALL", arch=("x86_64",), call=hypercall_return(), errno=ENOSYS,
             cite=f"{HYPERCALL}: 'KVM will forward to userspace the hypercalls whose corresponding bit is in the "
             "argument, and return ENOSYS for the others'; x86.c: kvm_emulate_hypercall (MAP_GPA_RANGE without its "
             "bit: -KVM_ENOSYS in RAX, 32 bits for a hypercall outside 64-bit mode)",
             setup=(HYPERCALL_GUEST,), cap="KVM_CAP_EXIT_HYPERCALL", needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-forwarded", ioctl="KVM_RUN",
             condition="KVM_HC_MAP_GPA_RANGE enabled: the guest's hypercall exits to "
             "userspace", arch=("x86_64",), call=run_to_exit(kvm.KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL", BACKSTOP),
             errno=0,
             cite=f"{HYPERCALL}: 'will cause KVM to exit to userspace with KVM_EXIT_HYPERCALL exit reason'",
             setup=(vm.enable_cap("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), HYPERCALL_GUEST),
             cap="KVM_CAP_EXIT_HYPERCALL", needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-failed-by-userspace", ioctl="KVM_RUN",
             condition="userspace answers the forwarded hypercall with "
             "hypercall.ret = EINVAL", arch=("x86_64",), call=hypercall_return((EINVAL, "EINVAL")), errno=EINVAL,
             cite=f"{HYPERCALL} (7.2): 'Userspace may fail the hypercall by setting hypercall.ret to EINVAL'; x86.c: "
             "complete_hypercall_exit writes hypercall.ret to RAX", cap="KVM_CAP_EXIT_HYPERCALL",
             setup=(vm.enable_cap("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), HYPERCALL_GUEST),
             needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-retry-by-userspace", ioctl="KVM_RUN",
             condition="userspace answers the forwarded hypercall with "
             "hypercall.ret = EAGAIN", arch=("x86_64",), call=hypercall_return((EAGAIN, "EAGAIN")), errno=EAGAIN,
             cite=f"{HYPERCALL} (7.2): '... or may request the hypercall to be retried the next time the guest run by "
             "setting hypercall.ret to EAGAIN' (the request reaches the guest: x86.c complete_hypercall_exit writes "
             "hypercall.ret to RAX)", cap="KVM_CAP_EXIT_HYPERCALL",
             setup=(vm.enable_cap("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), HYPERCALL_GUEST),
             needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="memory-fault-no-vma", ioctl="KVM_RUN",
             condition="the guest stores to a memslot whose host memory has no VMA", arch=("x86_64",),
             call=store_without_vma(), errno=EFAULT,
             cite=f"{FAULT_INFO}: 'KVM_RUN will fill kvm_run.memory_fault if KVM cannot resolve a guest page fault "
             "VM-Exit, e.g. if there is a valid memslot but no backing VMA'; 'valid if and only if KVM_RUN returns an "
             "error with errno=EFAULT ... *and* kvm_run.exit_reason is set to KVM_EXIT_MEMORY_FAULT'",
             check=memory_fault_reported, cap="KVM_CAP_MEMORY_FAULT_INFO", deviation=Deviation(
                 f"{FAULT_INFO} says KVM_RUN fills kvm_run.memory_fault when a valid memslot has no backing VMA; "
                 f"{FAULT_PATH} (6.12, 7.2) turns the error pfn (hva_to_pfn: no VMA) into -EFAULT without "
                 "kvm_mmu_prepare_memory_fault_exit: only private/guest_memfd faults are annotated, so exit_reason is "
                 "not KVM_EXIT_MEMORY_FAULT",
                 Observed(errno=EFAULT, check=memory_fault_not_reported,
                          text="EFAULT with kvm_run.exit_reason not KVM_EXIT_MEMORY_FAULT")), kernels=FAULT_KERNELS,
             needs=need("KVM_CAP_MEMORY_FAULT_INFO")),
        Case(id="ring-written-before-reset", ioctl="KVM_RUN",
             condition="the guest stores again to a harvested page before "
             "KVM_RESET_DIRTY_RINGS: no new ring entry", arch=GENERIC, call=rerun_guest(), errno=0,
             cite=f"{RING}: 'the ioctl [KVM_RESET_DIRTY_RINGS] must be called *before* reading the content of the "
                  "dirty "
             f"pages'; only {RESET_PATH} write-protects a harvested page again, so until then a guest write to it "
             "is not tracked (x86 mmu.c, arm64 mmu.c user_mem_abort, riscv mmu.c: "
             "kvm_arch_mmu_enable_log_dirty_pt_masked)", setup=(ring(), *DIRTY, harvest_all()),
             check=no_entry_after_harvested, order_row=3, basis="code", cap="KVM_CAP_DIRTY_LOG_RING", needs=ACQ_REL),
    ]


# The machines guest.SPINNING has code for; arm64's cases of the same rows came first, with ids of their own
# (run-immediate-exit, run-signal, signal-mask-unblocked-signal).
SPINS = tuple(guest.SPINNING)


def _run_cases() -> list[Case]:
    return [
        Case(id="immediate-exit", ioctl="KVM_RUN", condition="kvm_run.immediate_exit set", arch=SPINS,
             call=kvm_run(immediate_exit=True), errno=EINTR,
             cite=f"{API} 5 The kvm_run structure, immediate_exit: 'KVM_RUN ... exits immediately, returning -EINTR'",
             setup=(SPINNING_GUEST,)),
        Case(id="signal-during-run", ioctl="KVM_RUN",
             condition="SIGALRM (unmasked, handled) arrives while the guest runs", arch=SPINS,
             call=run_until_timer_signal(), errno=EINTR,
             cite=f"{API} 4.10 KVM_RUN Errors: EINTR 'an unmasked signal is pending'", setup=(SPINNING_GUEST,)),
        Case(id="pending-signal-unblocked-by-mask", ioctl="KVM_SET_SIGNAL_MASK",
             condition="SIGUSR1 pending, blocked by the thread, "
             "not by the vCPU's signal mask", arch=SPINS, call=run_with_pending(), errno=EINTR,
             cite=f"{API} 4.21 KVM_SET_SIGNAL_MASK: 'Any unblocked signal received ... will cause KVM_RUN to return "
                  "with "
             "-EINTR'", setup=(SPINNING_GUEST, signal_mask())),
        Case(id="signal-mask-bad-pointer", ioctl="KVM_SET_SIGNAL_MASK", condition="the argument is not readable",
             arch=GENERIC, call=call("KVM_SET_SIGNAL_MASK", "vcpu", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_SIGNAL_MASK (copy_from_user)",
             setup=(create_vcpu(0),),
             basis="code"),
    ]


SBI_C = "vcpu_sbi.c: kvm_riscv_vcpu_sbi_ecall"  # 6.12 and 7.2: an SBI call no enabled extension takes: a0 = -2


def _riscv_sbi() -> list[Case]:
    """KVM_EXIT_RISCV_SBI (api.rst 5): which SBI calls of a riscv64 guest KVM forwards to userspace, and how userspace
    answers one. A call KVM takes itself is seen through a forwarded vendor call after it, which passes the a0 and
    a1 the guest got back (sbi_program's a0 None)."""
    rv = ("riscv64",)
    return [
        Case(id="sbi-experimental-forwarded", ioctl="KVM_RUN",
             condition="the guest calls EID 0x08000000 (the SBI experimental range)", arch=rv, call=RV_RUN, errno=0,
             cite=f"{SBI_EXIT}: an SBI call not handled by KVM; its details in riscv_sbi (6.12 vcpu_sbi_base.c, 7.2 "
             "vcpu_sbi_forward.c: vcpu_sbi_ext_experimental forwards the whole range unconditionally)",
             setup=(sbi_guest((SBI_EXPERIMENTAL, 7, CHAR)),), check=sbi_exit(SBI_EXPERIMENTAL, 7, a0=CHAR),
             basis="code"),
        Case(id="sbi-vendor-forwarded", ioctl="KVM_RUN",
             condition="the guest calls EID 0x09ffffff (the last of the SBI vendor range)", arch=rv, call=RV_RUN,
             errno=0,
             cite=f"{SBI_EXIT} (6.12 vcpu_sbi_base.c, 7.2 vcpu_sbi_forward.c: vcpu_sbi_ext_vendor forwards the whole "
             "range unconditionally)", setup=(sbi_guest((SBI_VENDOR + 0xFFFFFF, 1, CHAR)),),
             check=sbi_exit(SBI_VENDOR + 0xFFFFFF, 1, a0=CHAR), basis="code"),
        Case(id="sbi-return-values", ioctl="KVM_RUN",
             condition="userspace answers a forwarded call with ret {-3, 0x5678}; the guest passes its a0, a1 on",
             arch=rv, call=RV_RUN, errno=0,
             cite=f"{SBI_EXIT}: 'The userspace should update the return values of SBI call before resuming the VCPU' "
             "(vcpu_sbi.c kvm_riscv_vcpu_sbi_return: a0, a1 = ret[0], ret[1], and on past the ecall)",
             setup=(sbi_guest((SBI_EXPERIMENTAL, 0, CHAR), (SBI_VENDOR, 0, None)), RUN_TO_SBI, answer(-3, 0x5678)),
             check=sbi_exit(SBI_VENDOR, 0, a0=-3, a1=0x5678)),
        Case(id="sbi-base-in-kernel", ioctl="KVM_RUN",
             condition="the guest calls sbi_get_spec_version (base extension), then a vendor EID", arch=rv,
             call=RV_RUN, errno=0,
             cite=f"{SBI_EXIT}: only calls KVM does not handle exit; vcpu_sbi_base.c kvm_sbi_ext_base_handler "
             "answers the base extension in the kernel (a0 = 0, SBI_SUCCESS; a1 = its SBI version, never 0), so "
             "the first exit is the vendor call, showing that answer (the guest's a0 was not 0)",
             setup=(sbi_guest((SBI_BASE, 0, CHAR), (SBI_VENDOR, 0, None)),),
             check=sbi_exit(SBI_VENDOR, 0, a0=0, nonzero=("a1",)), basis="code"),
        Case(id="sbi-dbcn-disabled", ioctl="KVM_RUN",
             condition="the guest writes a byte through DBCN, which KVM disables by default; then a vendor EID",
             arch=rv, call=RV_RUN, errno=0,
             cite=f"vcpu_sbi.c (6.12, 7.2): vcpu_sbi_ext_dbcn is default_disabled, so {SBI_C} answers "
             "SBI_ERR_NOT_SUPPORTED (a0 -2) in the kernel (6.1 has no DBCN: no extension takes the EID, the same "
             "answer); a1 is not asserted: neither api.rst nor the SBI specification gives it a value on error",
             setup=(sbi_guest((SBI_DBCN, 2, CHAR), (SBI_VENDOR, 0, None)),),
             check=sbi_exit(SBI_VENDOR, 0, a0=SBI_ERR_NOT_SUPPORTED), basis="code"),
        Case(id="sbi-dbcn-enabled", ioctl="KVM_RUN",
             condition="DBCN enabled through ONE_REG (KVM_RISCV_SBI_EXT_DBCN = 1): the guest's write is forwarded",
             arch=rv, call=RV_RUN, errno=0,
             cite=f"{SBI_EXIT}; 6.12 vcpu_sbi_replace.c kvm_sbi_ext_dbcn_handler, 7.2 vcpu_sbi_forward.c "
             "vcpu_sbi_ext_dbcn: DBCN calls are forwarded to userspace once enabled",
             setup=(sbi_guest((SBI_DBCN, 2, CHAR)), sbi_ext(riscv64.KVM_RISCV_SBI_EXT_DBCN, "DBCN", 1)),
             check=sbi_exit(SBI_DBCN, 2, a0=CHAR), basis="code",
             kernels="6.7+ (KVM_RISCV_SBI_EXT_DBCN came in 6.7)"),
        Case(id="riscv-ebreak-debug-exit", ioctl="KVM_RUN",
             condition="KVM_SET_GUEST_DEBUG(ENABLE), the guest executes ebreak: KVM_EXIT_DEBUG at the ebreak",
             arch=rv, call=RUN_TO_DEBUG, errno=0,
             cite=f"{API} 4.87 KVM_SET_GUEST_DEBUG: 'When debug events exit the main run loop with the reason "
             "KVM_EXIT_DEBUG'; riscv traps the breakpoint with ENABLE alone (4.87's USE_SW_BP is x86's and "
             "arm64's): 6.12 vcpu.c kvm_arch_vcpu_ioctl_set_guest_debug / 7.2 vcpu_config.c clear EXC_BREAKPOINT "
             "in hedeleg, vcpu_exit.c turns it into KVM_EXIT_DEBUG with the PC left at the ebreak",
             setup=(BREAKPOINT, guest_debug(kvm.KVM_GUESTDBG_ENABLE)), check=reg_reads(RV_PC, "regs.pc", RV_CODE_GPA),
             basis="code", needs=need("KVM_CAP_SET_GUEST_DEBUG")),
    ]


CASES: list[Case] = [
    # --- KVM_RUN and the addresses -----------------------------------------------------------------------
    Case(id="run-addresses-unset", ioctl="KVM_RUN", condition="first run with both addresses unset", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=ENXIO,
         cite="vgic-v2.c: vgic_v2_map_resources (api.rst 4.10 does not list it)", setup=(IRQCHIP,), basis="code"),
    Case(id="run-cpu-unset", ioctl="KVM_RUN", condition="first run with only DIST set", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=ENXIO, cite="vgic-v2.c: vgic_v2_map_resources",
         setup=(IRQCHIP, set_addr(V2_DIST, D)), basis="code"),
    Case(id="run-v2-dist-unset", ioctl="KVM_RUN", condition="first run with only CPU set", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=ENXIO, cite="vgic-v2.c: vgic_v2_map_resources",
         setup=(IRQCHIP, set_addr(V2_CPU, C)), basis="code"),
    Case(id="run-overlap-same-base", ioctl="KVM_RUN", condition="first run with DIST and CPU at one address",
         arch=("arm64",), features=("vgic-v2",), call=RAN, errno=EINVAL, cite="vgic-v2.c: vgic_v2_check_base",
         setup=(IRQCHIP, set_addr(V2_DIST, D), set_addr(V2_CPU, D)), basis="code"),
    Case(id="run-overlap-dist-in-cpu", ioctl="KVM_RUN", condition="first run with DIST in the CPU frame's second page",
         arch=("arm64",), features=("vgic-v2",), call=RAN, errno=EINVAL,
         cite="vgic-v2.c: vgic_v2_check_base (the CPU frame is 8 KiB)",
         setup=(IRQCHIP, set_addr(V2_CPU, D), set_addr(V2_DIST, D + 0x1000)), basis="code"),
    Case(id="run-adjacent-frames", ioctl="KVM_RUN", condition="first run with CPU right after DIST", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=EINTR,
         cite="api.rst 4.10: immediate_exit makes KVM_RUN return EINTR once the vCPU is ready",
         setup=(IRQCHIP, set_addr(V2_DIST, D), set_addr(V2_CPU, D + 0x1000))),
    Case(id="run-again-dead-vm", ioctl="KVM_RUN", condition="run again after a failed first run", arch=("arm64",),
         features=("vgic-v2",), call=RAN, errno=EIO, cite="kvm_main.c: kvm_vcpu_ioctl refuses a dead VM",
         setup=(IRQCHIP, kvm_run(immediate_exit=True, ok_errno=ENXIO)), basis="code"),
    Case(id="ctrl-init-then-run-addresses-unset", ioctl="KVM_RUN",
         condition="first KVM_RUN after CTRL_INIT with no address set", arch=("arm64",), features=("vgic-v2",),
         call=RAN, errno=ENXIO, cite="vgic-v2.c: vgic_v2_map_resources (where a GICv2's addresses are checked)",
         setup=(INIT_VCPU, CREATE_V2, ctrl()), basis="code", group=G_CTRL, device_doc=DOC),
    # --- the first KVM_RUN: the ordering the document asks for -------------------------------------------
    Case(id="run-ready", ioctl="KVM_RUN", condition="first run with addresses set and CTRL_INIT done", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=EINTR,
         cite="api.rst 4.10: immediate_exit makes KVM_RUN return EINTR once the vCPU is ready", setup=READY),
    Case(id="run-before-init", ioctl="KVM_RUN", condition="first run with addresses set, no CTRL_INIT", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=EBUSY,
         cite="vgic-v3.c: vgic_v3_map_resources (a GICv3 is initialised by userspace only)", setup=PLACED,
         basis="code"),
    Case(id="run-dist-unset", ioctl="KVM_RUN", condition="first run with no DIST address", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=ENXIO, cite="vgic-v3.c: vgic_v3_map_resources",
         setup=(*CREATED, addr_attr(V3_REDIST, R3, device="vgic"), ctrl(device="vgic")), basis="code"),
    Case(id="run-redist-unset", ioctl="KVM_RUN", condition="first run with no REDIST address", arch=("arm64",),
         features=("vgic-v3",), call=RAN, errno=ENXIO, cite="vgic-v3.c: vgic_v3_map_resources",
         setup=(*CREATED, addr_attr(V3_DIST, D, device="vgic"), ctrl(device="vgic")), basis="code"),
    Case(id="run-dist-in-redist", ioctl="KVM_RUN", condition="first run with DIST inside the REDIST frames",
         arch=("arm64",), features=("vgic-v3",), call=RAN, errno=EINVAL,
         cite="vgic-v3.c: vgic_v3_map_resources, vgic_v3_check_base",
         setup=(*CREATED, addr_attr(V3_REDIST, R3, device="vgic"), addr_attr(V3_DIST, R3 + 0x10000, device="vgic"),
                ctrl(device="vgic")),
         basis="code"),
    Case(id="run-regions-too-small", ioctl="KVM_RUN",
         condition="first run with two vCPUs and one REDIST_REGION of count 1", arch=("arm64",), features=("vgic-v3",),
         call=RAN, errno=ENXIO,
         cite=f"{ADDR_DOC}: the sum of the region counts must be at least the number of vCPUs (no errno given); "
         "vgic-v3.c vgic_v3_map_resources (vCPU 1 has no redistributor)",
         setup=(INIT_VCPU, INIT_VCPU, CREATE_V3, addr_attr(V3_DIST, D, device="vgic"),
                addr_attr(V3_REGION, region(0, R3, 1), device="vgic"),
                ctrl(device="vgic")),
         basis="code"),
    Case(id="run-two-regions", ioctl="KVM_RUN", condition="first run with two vCPUs in two REDIST_REGIONs of count 1",
         arch=("arm64",), features=("vgic-v3",), call=RAN, errno=EINTR,
         cite=f"{ADDR_DOC}: regions are filled with redistributors in index order",
         setup=(INIT_VCPU, INIT_VCPU, CREATE_V3, addr_attr(V3_DIST, D, device="vgic"),
                addr_attr(V3_REGION, region(0, R3, 1), device="vgic"),
                addr_attr(V3_REGION, region(1, R3 + 0x100000, 1), device="vgic"), ctrl(device="vgic"))),
    Case(id="pmu-run-before-init", ioctl="KVM_RUN", condition="a PMU vCPU before KVM_ARM_VCPU_PMU_V3_INIT",
         arch=("arm64",), features=("irqchip",), call=kvm_run(immediate_exit=True, vcpu=0, ok_errno=EINTR),
         errno=EINVAL,
         cite="pmu-emul.c: kvm_arm_pmu_v3_enable (!pmu.created); the first run claims the timer PPIs before it "
        "(arm.c kvm_arch_vcpu_run_pid_change), which pmu-init-irq-owned uses", basis="code",
         setup=(*runnable(PMU_VCPU),), device_doc=vcpu_attributes.DOC, group=G_PMU, attr=A_INIT, needs=HAS_PMU),
    Case(id="timer-same-ppi-run", ioctl="KVM_RUN", condition="VTIMER and PTIMER on the same PPI", arch=("arm64",),
         features=("irqchip",), call=kvm_run(immediate_exit=True, vcpu=0, ok_errno=EINTR), errno=EINVAL,
         cite=f"{TIMER_RST} 2.1: the same PPI for different timers prevents the VCPUs from running; arch_timer.c "
          "kvm_timer_enable (timer_irqs_are_valid) returns EINVAL", basis="code",
         setup=(*runnable(INIT_VCPU), timer_set(VTIMER, 27), timer_set(PTIMER, 27)), device_doc=vcpu_attributes.DOC,
         group=G_TIMER,
         attr=A_VTIMER),
    # --- KVM_RUN ------------------------------------------------------------------------------------------
    Case(id="run-uninitialised", ioctl="KVM_RUN", condition="vCPU never given KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=kvm_run(), errno=ENOEXEC,
         cite=f"{RUN}, Errors: ENOEXEC (the vcpu hasn't been initialized); {INIT_DOC}: KVM_RUN returns ENOEXEC",
         setup=(create_vcpu(0),)),
    Case(id="run-immediate-exit", ioctl="KVM_RUN", condition="immediate_exit set", arch=("arm64",),
         call=kvm_run(immediate_exit=True), errno=EINTR,
         cite=f"{RUN}, struct kvm_run: immediate_exit makes KVM_RUN return EINTR at once", setup=(INIT_VCPU,)),
    Case(id="run-signal", ioctl="KVM_RUN", condition="a signal arrives while the guest spins", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=EINTR, cite=f"{RUN}, Errors: EINTR (an unmasked signal is pending)",
         setup=(code_at_ipa0(SPIN), INIT_VCPU), check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    Case(id="run-fetch-outside-memslots", ioctl="KVM_RUN",
         condition="the guest executes at an IPA outside every memslot", arch=("arm64",), call=kvm_run(limit=RUN_LIMIT),
         errno=ENOEXEC, cite=f"{RUN}, Errors: ENOEXEC (the guest tried to execute instructions from device memory)",
         setup=(INIT_VCPU,), deviation=Deviation(ENOEXEC_IABT, Observed(errno=EINTR, timed_out=True))),
    Case(id="run-fetch-outside-memslots-implemented", ioctl="KVM_RUN",
         condition="the guest executes outside every memslot: what the kernel does", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=EINTR,
         cite="mmu.c: kvm_handle_guest_abort injects a prefetch abort; the call runs until a signal",
         setup=(INIT_VCPU,),
         basis="code", check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    Case(id="run-load-pair-outside-memslots", ioctl="KVM_RUN",
         condition="the guest's load pair hits an IPA outside every memslot", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=ENOSYS,
         cite=f"{RUN}, Errors: ENOSYS (data abort outside memslots with no syndrome info, "
         "KVM_CAP_ARM_NISV_TO_USER not enabled); mmio.c io_mem_abort",
         setup=(code_at_ipa0(LOAD_PAIR_OUTSIDE), INIT_VCPU)),
    Case(id="run-load-pair-nisv-to-user", ioctl="KVM_RUN",
         condition="the same load pair with KVM_CAP_ARM_NISV_TO_USER enabled", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=0, cite=f"{NISV}: the exit is KVM_EXIT_ARM_NISV instead of ENOSYS",
         setup=(enable_cap("KVM_CAP_ARM_NISV_TO_USER"), code_at_ipa0(LOAD_PAIR_OUTSIDE),
                INIT_VCPU), check=exits_with(kvm.KVM_EXIT_ARM_NISV, "KVM_EXIT_ARM_NISV")),
    Case(id="run-load-outside-memslots", ioctl="KVM_RUN",
         condition="a single load outside every memslot is MMIO, not ENOSYS", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=0,
         cite=f"{RUN}, KVM_EXIT_MMIO: the syndrome is valid, userspace emulates it",
         setup=(code_at_ipa0(LOAD_OUTSIDE), INIT_VCPU), check=exits_with(kvm.KVM_EXIT_MMIO, "KVM_EXIT_MMIO")),
    Case(id="run-sve-not-finalized", ioctl="KVM_RUN", condition="SVE enabled at init, never finalized", arch=("arm64",),
         call=kvm_run(immediate_exit=True), errno=EPERM,
         cite=f"{RUN}, Errors: EPERM (SVE feature set but not finalized); {FINAL}", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="run-sve-finalized", ioctl="KVM_RUN", condition="SVE enabled and finalized", arch=("arm64",),
         call=kvm_run(immediate_exit=True), errno=EINTR,
         cite=f"{FINAL}: a mandatory step before the vcpu is usable; then immediate_exit gives EINTR",
         setup=(INIT_SVE, finalize()), needs=need("KVM_CAP_ARM_SVE")),
    # --- KVM_SET_SIGNAL_MASK and KVM_RUN -------------------------------------------------------------------
    Case(id="signal-mask-unblocked-signal", ioctl="KVM_SET_SIGNAL_MASK",
         condition="an empty mask set; a signal arrives while the guest spins: KVM_RUN", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=EINTR,
         cite=f"{SIGMASK}: signals not blocked by the mask make KVM_RUN return with -EINTR",
         setup=(code_at_ipa0(SPIN), INIT_VCPU, signal_mask()), check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    Case(id="signal-mask-bad-length", ioctl="KVM_SET_SIGNAL_MASK", condition="len 4 (the kernel's sigset is 8 bytes)",
         arch=GENERIC, call=call("KVM_SET_SIGNAL_MASK", "vcpu", struct.pack("<IQ", 4, 0), "len 4"),
         errno=EINVAL, cite="kvm_main.c: kvm_vcpu_ioctl KVM_SET_SIGNAL_MASK (len != sizeof(sigset_t))",
         setup=(ready_vcpu(),), basis="code"),
    *_run(),
    *_run_cases(),
    *_riscv_sbi(),
]

UNREACHABLE = [
    Unreachable("KVM_RUN", ENOEXEC, "arm64 only (vCPU not initialised, device-memory execution)", arch="x86_64"),
    Unreachable("KVM_RUN", ENOSYS, "arm64 only (data abort without syndrome, KVM_CAP_ARM_NISV_TO_USER)",
                arch="x86_64"),
    Unreachable("KVM_RUN", EPERM, "arm64 only (SVE not finalized)", arch="x86_64"),
]

DOCUMENTED = [
    DocumentedError("KVM_RUN", EINTR, "an unmasked signal is pending", f"{API} 4.10 KVM_RUN"),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 5 (The kvm_run structure), 6.12 and 7.2: no entry for KVM_EXIT_RISCV_CSR, which linux/kvm.h defines "
        "(exit 36, kvm_run.riscv_csr) and riscv's vcpu_insn.c csr_insn / kvm_riscv_vcpu_csr_return produce and "
        "complete; KVM_EXIT_RISCV_SBI is documented beside where it would be.",
        DOCUMENT_SILENT),
]
