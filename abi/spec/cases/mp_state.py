"""KVM_GET_MP_STATE, KVM_SET_MP_STATE (x86_64, arm64, riscv64)."""

from __future__ import annotations

from errno import EINVAL

from abi import arm64, kvm
from abi.spec.case import DOCUMENT_CONTRADICTS_ITSELF, SUCCEEDS, Case, Deviation
from abi.spec.steps.arm64 import MASKED_SPI32, RUN_LIMIT, ran_with_spi32_masked
from abi.spec.steps.memory import GET_MP, GET_MP_STATE, SET_MP, mp_is, mp_state_is, set_mp
from abi.spec.steps.registers import RV_REG_A0, reg_reads
from abi.spec.steps.vcpu import arm64_init, kvm_run, one_reg, ready_vcpu
from abi.spec.steps.vm import IRQCHIP, VCPU0, create_vcpu, enable_cap

POWERED_OFF = arm64_init(1 << arm64.KVM_ARM_VCPU_POWER_OFF, shown="features[0]=KVM_ARM_VCPU_POWER_OFF")

def _riscv64() -> list[Case]:
    """vcpu.c kvm_arch_vcpu_ioctl_set_mpstate (6.12, 7.2): RUNNABLE and STOPPED; 7.2 (6.16+) also INIT_RECEIVED, a
    reset, when the VM enabled KVM_CAP_RISCV_MP_STATE_RESET; -EINVAL for anything else. A new vCPU is RUNNABLE
    (kvm_arch_vcpu_create leaves mp_state zeroed)."""
    rv_arch = ("riscv64",)
    only_two = f"{SET_MP}: 'For arm64/riscv: The only states that are valid are KVM_MP_STATE_STOPPED and " \
               "KVM_MP_STATE_RUNNABLE'"
    reset = "api.rst 7.43 KVM_CAP_RISCV_MP_STATE_RESET"
    return [
        Case(id="riscv-mp-runnable", ioctl="KVM_GET_MP_STATE", condition="a new vCPU", arch=rv_arch,
             call=GET_MP_STATE, errno=0, cite=f"{GET_MP}: RUNNABLE '[x86,arm64,riscv,loongarch]'", setup=(VCPU0,),
             check=mp_is(kvm.KVM_MP_STATE_RUNNABLE)),
        # The SET is the call judged (a refusal fails with its errno), the GET after it the check.
        Case(id="riscv-mp-set-stopped", ioctl="KVM_SET_MP_STATE", condition="STOPPED, read back", arch=rv_arch,
             call=set_mp(kvm.KVM_MP_STATE_STOPPED), errno=0, cite=only_two, setup=(VCPU0,),
             check=mp_state_is(kvm.KVM_MP_STATE_STOPPED)),
        Case(id="riscv-mp-set-runnable", ioctl="KVM_SET_MP_STATE", condition="RUNNABLE after STOPPED, read back",
             arch=rv_arch, call=set_mp(kvm.KVM_MP_STATE_RUNNABLE), errno=0, cite=only_two,
             setup=(VCPU0, set_mp(kvm.KVM_MP_STATE_STOPPED)), check=mp_state_is(kvm.KVM_MP_STATE_RUNNABLE)),
        Case(id="riscv-mp-halted", ioctl="KVM_SET_MP_STATE", condition="HALTED (an x86 state)", arch=rv_arch,
             call=set_mp(kvm.KVM_MP_STATE_HALTED), errno=EINVAL,
             cite=f"{only_two} (refused; errno from vcpu.c: kvm_arch_vcpu_ioctl_set_mpstate)", setup=(VCPU0,)),
        Case(id="riscv-mp-suspended", ioctl="KVM_SET_MP_STATE", condition="SUSPENDED (an arm64 state)", arch=rv_arch,
             call=set_mp(kvm.KVM_MP_STATE_SUSPENDED), errno=EINVAL,
             cite=f"{only_two} (refused; errno from vcpu.c: kvm_arch_vcpu_ioctl_set_mpstate)", setup=(VCPU0,)),
        Case(id="riscv-mp-unknown", ioctl="KVM_SET_MP_STATE", condition="state 0xff", arch=rv_arch,
             call=set_mp(0xFF), errno=EINVAL, cite="vcpu.c: kvm_arch_vcpu_ioctl_set_mpstate (default: -EINVAL)",
             setup=(VCPU0,), basis="code"),
        Case(id="riscv-mp-init-received", ioctl="KVM_SET_MP_STATE",
             condition="INIT_RECEIVED, KVM_CAP_RISCV_MP_STATE_RESET not enabled", arch=rv_arch,
             call=set_mp(kvm.KVM_MP_STATE_INIT_RECEIVED), errno=EINVAL,
             cite=f"{only_two}; vcpu.c kvm_arch_vcpu_ioctl_set_mpstate (6.12: default; 7.2: INIT_RECEIVED only with "
             "the VM's mp_state_reset)", setup=(VCPU0,)),
        Case(id="riscv-mp-init-received-with-reset", ioctl="KVM_SET_MP_STATE",
             condition="INIT_RECEIVED, KVM_CAP_RISCV_MP_STATE_RESET enabled", arch=rv_arch,
             call=set_mp(kvm.KVM_MP_STATE_INIT_RECEIVED), errno=EINVAL, cite=only_two, kernels="6.16+",
             setup=(enable_cap("KVM_CAP_RISCV_MP_STATE_RESET"), VCPU0),
             deviation=Deviation("4.39 allows only STOPPED and RUNNABLE on riscv, while 7.43 (7.2's api.rst) has "
                                 "KVM reset the vCPU when userspace sets INIT_RECEIVED once the capability is "
                                 "enabled, and 4.39 was not updated; vcpu.c kvm_arch_vcpu_ioctl_set_mpstate accepts "
                                 "it then", SUCCEEDS, kind=DOCUMENT_CONTRADICTS_ITSELF)),
        Case(id="riscv-mp-init-received-reset-keeps-state", ioctl="KVM_SET_MP_STATE",
             condition="INIT_RECEIVED on a STOPPED vCPU, KVM_CAP_RISCV_MP_STATE_RESET enabled: still STOPPED",
             arch=rv_arch, call=set_mp(kvm.KVM_MP_STATE_INIT_RECEIVED), errno=0,
             cite=f"{reset}: 'KVM resets the VCPU when setting MP_STATE_INIT_RECEIVED ... The original MP_STATE is "
             "preserved'", kernels="6.16+",
             setup=(enable_cap("KVM_CAP_RISCV_MP_STATE_RESET"), VCPU0, set_mp(kvm.KVM_MP_STATE_STOPPED)),
             check=mp_state_is(kvm.KVM_MP_STATE_STOPPED)),
        Case(id="riscv-mp-init-received-resets", ioctl="KVM_SET_MP_STATE",
             condition="INIT_RECEIVED after a0 was set, KVM_CAP_RISCV_MP_STATE_RESET enabled: a0 reset to 0",
             arch=rv_arch, call=set_mp(kvm.KVM_MP_STATE_INIT_RECEIVED), errno=0,
             cite=f"{reset}: 'KVM resets the VCPU' (vcpu.c kvm_riscv_vcpu_context_reset zeroes the registers)",
             kernels="6.16+",
             setup=(enable_cap("KVM_CAP_RISCV_MP_STATE_RESET"), VCPU0,
                    one_reg("KVM_SET_ONE_REG", RV_REG_A0, "a0", 0x1234)),
             check=reg_reads(RV_REG_A0, "regs.a0", 0)),
    ]


CASES: list[Case] = [
    # 4.38 KVM_GET_MP_STATE, arm64: an example (not a rule, apidoc.NOT_ORDERING) says an interrupt masked to suppress
    # a wakeup should be unmasked before the guest runs; what the kernel does when it is not.
    Case(id="order-run-with-masked-spi-after-suspend", ioctl="KVM_GET_MP_STATE",
         condition="SPI 32 pending, masked by userspace, vCPU SUSPENDED then RUNNABLE: KVM_RUN without unmasking it",
         arch=("arm64",), features=("vgic-v3",), call=kvm_run(limit=RUN_LIMIT), errno=0,
         cite="api.rst 4.38 (arm64): the interrupt should be unmasked before returning control to the guest (a "
         "recommendation, no errno); arm.c kvm_arch_vcpu_ioctl_set_mpstate stores RUNNABLE, kvm_vcpu_suspend "
         "returns at once for a vCPU no longer suspended, and nothing looks at the vGIC's enable bits: the guest "
         "runs (its load exits as KVM_EXIT_MMIO) with SPI 32 still pending and disabled (6.1, 6.12, 7.2)",
         setup=(*MASKED_SPI32, set_mp(kvm.KVM_MP_STATE_SUSPENDED), set_mp(kvm.KVM_MP_STATE_RUNNABLE)),
         check=ran_with_spi32_masked, basis="code"),
    # 4.38 / 4.39 KVM_GET_MP_STATE / KVM_SET_MP_STATE, x86.
    Case(id="x86-mp-bsp", ioctl="KVM_GET_MP_STATE", condition="vCPU 0 after KVM_CREATE_IRQCHIP", arch=("x86_64",),
         call=GET_MP_STATE, errno=0, cite=f"{GET_MP}: RUNNABLE 'the vcpu is currently running'",
         setup=(IRQCHIP, create_vcpu(0)), check=mp_is(kvm.KVM_MP_STATE_RUNNABLE)),
    Case(id="x86-mp-ap", ioctl="KVM_GET_MP_STATE", condition="vCPU 1 (an AP) after KVM_CREATE_IRQCHIP",
         arch=("x86_64",), call=GET_MP_STATE, errno=0,
         cite=f"{GET_MP}: UNINITIALIZED 'the vcpu is an application processor (AP) which has not yet received an INIT "
         "signal [x86]'", setup=(IRQCHIP,
                                 create_vcpu(0), create_vcpu(1)), check=mp_is(kvm.KVM_MP_STATE_UNINITIALIZED)),
    Case(id="x86-mp-set-halted", ioctl="KVM_SET_MP_STATE", condition="HALTED with the in-kernel irqchip, read back",
         arch=("x86_64",), call=set_mp(kvm.KVM_MP_STATE_HALTED), errno=0,
         cite=f"{SET_MP}: 'Sets the vcpu's current \"multiprocessing state\"'; HALTED is an x86 state ({GET_MP})",
         setup=(IRQCHIP, create_vcpu(0)), check=mp_state_is(kvm.KVM_MP_STATE_HALTED)),
    Case(id="x86-mp-halted-no-irqchip", ioctl="KVM_SET_MP_STATE", condition="HALTED without an in-kernel irqchip",
         arch=("x86_64",), call=set_mp(kvm.KVM_MP_STATE_HALTED), errno=EINVAL,
         cite="x86.c: kvm_arch_vcpu_ioctl_set_mpstate (!lapic_in_kernel: only "
         f"RUNNABLE; {SET_MP}: 'Without an in-kernel irqchip, the multiprocessing state must be maintained by "
         "userspace')", setup=(create_vcpu(0),), basis="code", order_row=1),
    Case(id="x86-mp-stopped", ioctl="KVM_SET_MP_STATE", condition="STOPPED (an s390/arm64/riscv state)",
         arch=("x86_64",), call=set_mp(kvm.KVM_MP_STATE_STOPPED), errno=EINVAL,
         cite=f"{GET_MP}: STOPPED is '[s390,arm64,riscv]' (refused on x86; errno from x86.c: "
         "kvm_arch_vcpu_ioctl_set_mpstate)", setup=(IRQCHIP, create_vcpu(0))),
    Case(id="x86-mp-unknown", ioctl="KVM_SET_MP_STATE", condition="state 0xff", arch=("x86_64",), call=set_mp(0xFF),
         errno=EINVAL, cite="x86.c: kvm_arch_vcpu_ioctl_set_mpstate (default: -EINVAL)",
         setup=(IRQCHIP, create_vcpu(0)), basis="code"),
    # arm64.
    Case(id="arm64-mp-runnable", ioctl="KVM_GET_MP_STATE", condition="an initialised vCPU", arch=("arm64",),
         call=GET_MP_STATE, errno=0, cite=f"{GET_MP}: RUNNABLE '[x86,arm64,riscv,loongarch]'", setup=(ready_vcpu(),),
         check=mp_is(kvm.KVM_MP_STATE_RUNNABLE)),
    Case(id="arm64-mp-power-off", ioctl="KVM_GET_MP_STATE", condition="a vCPU initialised with KVM_ARM_VCPU_POWER_OFF",
         arch=("arm64",), call=GET_MP_STATE, errno=0,
         cite=f"{GET_MP}: STOPPED 'the vcpu is stopped [s390,arm64,riscv]'; 4.82 KVM_ARM_VCPU_POWER_OFF: 'Starts the "
              "CPU "
         "in a power-off state'", setup=(POWERED_OFF,), check=mp_is(kvm.KVM_MP_STATE_STOPPED)),
    Case(id="arm64-mp-set-stopped", ioctl="KVM_SET_MP_STATE", condition="STOPPED, read back", arch=("arm64",),
         call=set_mp(kvm.KVM_MP_STATE_STOPPED), errno=0,
         cite=f"{SET_MP}: 'The only states that are valid are KVM_MP_STATE_STOPPED and KVM_MP_STATE_RUNNABLE'",
         setup=(ready_vcpu(),), check=mp_state_is(kvm.KVM_MP_STATE_STOPPED)),
    Case(id="arm64-mp-set-runnable", ioctl="KVM_SET_MP_STATE", condition="RUNNABLE after STOPPED, read back",
         arch=("arm64",), call=set_mp(kvm.KVM_MP_STATE_RUNNABLE), errno=0,
         cite=f"{SET_MP}: 'The only states that are valid are KVM_MP_STATE_STOPPED and KVM_MP_STATE_RUNNABLE'",
         setup=(ready_vcpu(), set_mp(kvm.KVM_MP_STATE_STOPPED)), check=mp_state_is(kvm.KVM_MP_STATE_RUNNABLE)),
    Case(id="arm64-mp-halted", ioctl="KVM_SET_MP_STATE", condition="HALTED (an x86 state)", arch=("arm64",),
         call=set_mp(kvm.KVM_MP_STATE_HALTED), errno=EINVAL,
         cite=f"{SET_MP}: 'For arm64/riscv: The only states that are valid are KVM_MP_STATE_STOPPED and "
         "KVM_MP_STATE_RUNNABLE' (refused; errno from arm.c: kvm_arch_vcpu_ioctl_set_mpstate)", setup=(ready_vcpu(),)),
    Case(id="arm64-mp-suspended", ioctl="KVM_SET_MP_STATE", condition="SUSPENDED", arch=("arm64",),
         call=set_mp(kvm.KVM_MP_STATE_SUSPENDED), errno=EINVAL,
         cite=f"{SET_MP}: 'For arm64/riscv: The only states that are valid are KVM_MP_STATE_STOPPED and "
         "KVM_MP_STATE_RUNNABLE'", setup=(ready_vcpu(),),
         deviation=Deviation("4.39 says only STOPPED and RUNNABLE are valid on arm64, while 4.38 documents "
                             "SUSPENDED [arm64] and asks userspace to leave it by setting RUNNABLE; arm.c "
                             "kvm_arch_vcpu_ioctl_set_mpstate accepts SUSPENDED (kvm_arm_vcpu_suspend)",
                             SUCCEEDS, kind=DOCUMENT_CONTRADICTS_ITSELF)),
    Case(id="arm64-mp-suspended-implemented", ioctl="KVM_SET_MP_STATE", condition="SUSPENDED", arch=("arm64",),
         call=set_mp(kvm.KVM_MP_STATE_SUSPENDED), errno=0,
         cite="arm.c: kvm_arch_vcpu_ioctl_set_mpstate (KVM_MP_STATE_SUSPENDED: kvm_arm_vcpu_suspend), read back",
         setup=(ready_vcpu(),), basis="code", check=mp_state_is(kvm.KVM_MP_STATE_SUSPENDED)),
    Case(id="arm64-mp-unknown", ioctl="KVM_SET_MP_STATE", condition="state 0xff", arch=("arm64",), call=set_mp(0xFF),
         errno=EINVAL, cite="arm.c: kvm_arch_vcpu_ioctl_set_mpstate (default: -EINVAL)", setup=(ready_vcpu(),),
         basis="code"),
    Case(id="x86-mp-no-irqchip", ioctl="KVM_GET_MP_STATE", condition="vCPU 0 without an in-kernel irqchip",
         arch=("x86_64",), call=GET_MP_STATE, errno=0,
         cite="x86.c: kvm_arch_vcpu_create (RUNNABLE without an in-kernel irqchip, whichever vCPU)",
         setup=(create_vcpu(0), create_vcpu(1)), basis="code", check=mp_is(kvm.KVM_MP_STATE_RUNNABLE), order_row=1),
    *_riscv64(),
]
