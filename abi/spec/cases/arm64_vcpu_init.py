"""KVM_ARM_VCPU_INIT, KVM_ARM_PREFERRED_TARGET, KVM_ARM_VCPU_FINALIZE: an arm64 vCPU's target, features and
finalisation, on every arm64 machine."""

from __future__ import annotations

from errno import EFAULT, EINVAL, ENODEV, ENOENT, ENOEXEC, EPERM

from abi import arm64, kvm
from abi.spec.case import DOCUMENT_CONTRADICTS_ITSELF, SUCCEEDS, Case, Deviation, Unreachable, need
from abi.spec.steps.arm64 import (
    CAP_EL1_32BIT,
    CAP_MTE,
    CAP_MTE_DOC,
    ENABLE_MTE,
    FFR,
    FINAL,
    FINAL_NOT_ENABLED,
    INIT_32BIT,
    INIT_DOC,
    INIT_SVE,
    PREF,
    RUN,
    RUN_LIMIT,
    SPIN,
    STALE_SVE,
    STALE_SVE_6_1,
    SVE,
    SVE_CAP,
    VCPU_INIT_SAME,
    VLS,
    VLS_VQ1,
    code_at_ipa0,
    finalize,
    init_at,
    preferred_target_is_generic,
)
from abi.spec.steps.base import BAD_POINTER, raw, step
from abi.spec.steps.registers import (
    GET_REG,
    SET_REG,
    reg_list,
)
from abi.spec.steps.vcpu import INIT_VCPU, RAN, arm64_init, kvm_run, one_reg
from abi.spec.steps.vm import create_vcpu

CASES: list[Case] = [
    # --- KVM_ARM_VCPU_INIT ----------------------------------------------------------------------------------
    Case(id="init", ioctl="KVM_ARM_VCPU_INIT", condition="the preferred target, no features", arch=("arm64",),
         call=INIT_VCPU, errno=0, cite=INIT_DOC),
    Case(id="init-unknown-target", ioctl="KVM_ARM_VCPU_INIT", condition="target KVM_ARM_NUM_TARGETS (unknown)",
         arch=("arm64",), call=arm64_init(target=arm64.KVM_ARM_NUM_TARGETS), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL (the target is unknown)"),
    Case(id="init-other-cpu-target", ioctl="KVM_ARM_VCPU_INIT", condition="target Cortex-A57 on a host that is not one",
         arch=("arm64",), call=arm64_init(target=arm64.KVM_ARM_TARGET_CORTEX_A57), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL; arm.c kvm_vcpu_set_target accepts the host's target (and GENERIC_V8 "
              "from 6.12)", basis="code"),
    Case(id="init-unknown-feature", ioctl="KVM_ARM_VCPU_INIT", condition="features[0] bit 31", arch=("arm64",),
         call=arm64_init(1 << 31), errno=ENOENT,
         cite=f"{INIT_DOC}, Errors: ENOENT (a features bit specified is unknown)"),
    Case(id="init-unknown-feature-word-1", ioctl="KVM_ARM_VCPU_INIT", condition="features[1] bit 0", arch=("arm64",),
         call=arm64_init(features1=1), errno=ENOENT,
         cite=f"{INIT_DOC}, Errors: ENOENT (a features bit specified is unknown)"),
    Case(id="init-ptrauth-address-only", ioctl="KVM_ARM_VCPU_INIT",
         condition="PTRAUTH_ADDRESS without PTRAUTH_GENERIC (no pointer auth here)", arch=("arm64",),
         call=arm64_init(1 << arm64.KVM_ARM_VCPU_PTRAUTH_ADDRESS), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL (the combination of features is invalid; both must be requested together)"),
    Case(id="init-mixed-register-width", ioctl="KVM_ARM_VCPU_INIT",
         condition="vCPU 1 AArch32 (EL1_32BIT) beside an AArch64 vCPU 0", arch=("arm64",),
         call=arm64_init(1 << arm64.KVM_ARM_VCPU_EL1_32BIT), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL (invalid combination); 6.1 reset.c kvm_set_vm_width, 6.12+ arm.c "
         "__kvm_vcpu_set_target (features are per VM)", setup=(INIT_VCPU,)),
    Case(id="init-again-same", ioctl="KVM_ARM_VCPU_INIT", condition="a second init with the same target and features",
         arch=("arm64",), call=arm64_init(new=False), errno=0,
         cite=f"{INIT_DOC}: userspace can call this function multiple times", setup=(INIT_VCPU,)),
    Case(id="init-again-after-run", ioctl="KVM_ARM_VCPU_INIT", condition="a second init after the vCPU ran",
         arch=("arm64",), call=arm64_init(new=False), errno=0,
         cite=f"{INIT_DOC}: including after the vcpu has been run",
         setup=(INIT_VCPU, RAN), order_row=3),
    Case(id="init-again-other-features", ioctl="KVM_ARM_VCPU_INIT", condition="a second init with other features",
         arch=("arm64",), call=arm64_init(1 << arm64.KVM_ARM_VCPU_PSCI_0_2, new=False), errno=EINVAL,
         cite=f"{INIT_DOC}: later calls must use the same target and feature flags, otherwise EINVAL",
         setup=(INIT_VCPU,)),
    Case(id="init-not-called", ioctl="KVM_ARM_VCPU_INIT", condition="never called: the vCPU's KVM_RUN", arch=("arm64",),
         call=kvm_run(), errno=ENOEXEC,
         cite=f"{INIT_DOC}: if this is not called, KVM_RUN will return ENOEXEC for that vcpu", setup=(create_vcpu(0),)),
    Case(id="init-bad-pointer", ioctl="KVM_ARM_VCPU_INIT", condition="argument pointer to a guard page",
         arch=("arm64",), call=init_at(BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl copy_from_user (undocumented)", setup=(create_vcpu(0),), basis="code"),
    # --- KVM_ARM_PREFERRED_TARGET ---------------------------------------------------------------------------
    Case(id="preferred-target", ioctl="KVM_ARM_PREFERRED_TARGET", condition="on a VM fd", arch=("arm64",),
         call=step("KVM_ARM_PREFERRED_TARGET", lambda s: s.ioctl(s.vm, s.abi.KVM_ARM_PREFERRED_TARGET,
                                                            s.abi.kvm_vcpu_init())), errno=0,
         cite=f"{PREF}: a known target and no features", check=preferred_target_is_generic),
    Case(id="preferred-target-bad-pointer", ioctl="KVM_ARM_PREFERRED_TARGET",
         condition="argument pointer to a guard page", arch=("arm64",),
         call=step("KVM_ARM_PREFERRED_TARGET(arg=a guard page)",
              lambda s: s.ioctl(s.vm, s.abi.KVM_ARM_PREFERRED_TARGET, s.target.bad_address())), errno=EFAULT,
         cite="arm.c: kvm_arch_vm_ioctl copy_to_user (undocumented)", basis="code"),
    # --- KVM_ARM_VCPU_FINALIZE ------------------------------------------------------------------------------
    Case(id="finalize-sve", ioctl="KVM_ARM_VCPU_FINALIZE", condition="SVE after init with SVE", arch=("arm64",),
         call=finalize(), errno=0, cite=FINAL, setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="finalize-sve-twice", ioctl="KVM_ARM_VCPU_FINALIZE", condition="SVE already finalized", arch=("arm64",),
         call=finalize(), errno=EPERM, cite=f"{FINAL}, Errors: EPERM (already finalized)", setup=(INIT_SVE, finalize()),
         needs=need("KVM_CAP_ARM_SVE")),
    # Only a host with SVE makes "not enabled" the question: without it the feature is not present (EINVAL).
    Case(id="finalize-sve-not-enabled", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE on a vCPU initialised without it, on a host "
         "with SVE", arch=("arm64",), call=finalize(), errno=EPERM,
         cite=f"{FINAL}, Errors: EPERM (feature not enabled)", setup=(INIT_VCPU,),
         deviation=Deviation(FINAL_NOT_ENABLED, EINVAL, kind=DOCUMENT_CONTRADICTS_ITSELF),
         needs=((kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", True),)),
    Case(id="finalize-sve-not-present", ioctl="KVM_ARM_VCPU_FINALIZE", condition="SVE on a host without SVE",
         arch=("arm64",), call=finalize(), errno=EINVAL, cite=f"{FINAL}, Errors: EINVAL (feature not present)",
         setup=(INIT_VCPU,), needs=((kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", False),)),
    Case(id="finalize-unknown-feature", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="feature 0 (POWER_OFF: not finalizable)", arch=("arm64",),
         call=finalize(arm64.KVM_ARM_VCPU_POWER_OFF), errno=EINVAL, cite=f"{FINAL}, Errors: EINVAL (feature unknown)",
         setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="finalize-unknown-feature-ffff", ioctl="KVM_ARM_VCPU_FINALIZE", condition="feature 0xffff", arch=("arm64",),
         call=finalize(0xFFFF), errno=EINVAL, cite=f"{FINAL}, Errors: EINVAL (feature unknown)", setup=(INIT_VCPU,)),
    Case(id="finalize-uninitialised", ioctl="KVM_ARM_VCPU_FINALIZE", condition="before KVM_ARM_VCPU_INIT",
         arch=("arm64",), call=finalize(), errno=ENOEXEC,
         cite="arm.c: kvm_arch_vcpu_ioctl (undocumented; 4.119 says the vcpu must be initialised)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="finalize-bad-pointer", ioctl="KVM_ARM_VCPU_FINALIZE", condition="argument pointer to a guard page",
         arch=("arm64",), call=step("KVM_ARM_VCPU_FINALIZE(arg=a guard page)",
              lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_ARM_VCPU_FINALIZE, s.target.bad_address())), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl get_user (undocumented)", setup=(INIT_SVE,), basis="code",
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="mte-aarch32-vcpu", ioctl="KVM_ARM_VCPU_INIT",
         condition="an AArch32 (EL1_32BIT) vCPU on a VM with MTE enabled", arch=("arm64",), features=("mte",),
         call=INIT_32BIT, errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: enabling it makes attempts to create AArch32 VCPUs fail (no errno given); 6.1 reset.c "
         "kvm_set_vm_width, 6.12+ arm.c kvm_vcpu_init_check_features: -EINVAL", setup=(ENABLE_MTE,), basis="code",
         needs=(CAP_MTE, CAP_EL1_32BIT)),
    Case(id="mte-aarch32-vcpu-without-mte", ioctl="KVM_ARM_VCPU_INIT",
         condition="an AArch32 vCPU on the same host, MTE not enabled", arch=("arm64",), features=("mte",),
         call=INIT_32BIT, errno=0,
         cite="the contrast: the EINVAL above comes from MTE, not from AArch32 (KVM_CAP_ARM_EL1_32BIT)", basis="code",
         needs=(CAP_MTE, CAP_EL1_32BIT)),
    # 4.82 KVM_ARM_VCPU_INIT (rule 3, a second call after a run, is init-again-after-run).
    Case(id="order-run-other-vcpu-not-initialised", ioctl="KVM_ARM_VCPU_INIT",
         condition="never called for vCPU 1 while vCPU 0 was initialised and ran: vCPU 1's KVM_RUN", arch=("arm64",),
         call=kvm_run(), errno=ENOEXEC,
         cite=f"{INIT_DOC}: if this is not called, KVM_RUN will return ENOEXEC for that vcpu; {RUN}, Errors: ENOEXEC",
         setup=(INIT_VCPU, RAN, create_vcpu(1)), order_row=1),
    Case(id="order-create-vcpu-after-init", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_CREATE_VCPU(1) after vCPU 0's KVM_ARM_VCPU_INIT", arch=("arm64",), call=create_vcpu(1), errno=0,
         cite=f"{INIT_DOC}: all vcpus should be created before this ioctl is invoked (no errno given); arm.c "
         "kvm_arch_vcpu_precreate refuses a new vCPU only once an in-kernel vGIC is initialised (EBUSY), and the "
         "MPIDR comes from the vCPU id (sys_regs.c reset_mpidr), so the creation succeeds (6.1, 6.12, 7.2)",
         setup=(INIT_VCPU,), basis="code", doc_row=0, order_row=2),
    Case(id="order-init-again-power-off-added-6.1", ioctl="KVM_ARM_VCPU_INIT",
         condition="a second init adding KVM_ARM_VCPU_POWER_OFF (6.1)", arch=("arm64",),
         call=arm64_init(1 << arm64.KVM_ARM_VCPU_POWER_OFF, new=False), errno=EINVAL,
         cite=f"{INIT_DOC}: later calls must use the same set of feature flags, otherwise EINVAL; 6.1 arm.c "
         "kvm_vcpu_set_target compares every bit", setup=(INIT_VCPU,), order_row=4, kernels="6.1"),
    Case(id="order-init-again-power-off-added", ioctl="KVM_ARM_VCPU_INIT",
         condition="a second init adding KVM_ARM_VCPU_POWER_OFF", arch=("arm64",),
         call=arm64_init(1 << arm64.KVM_ARM_VCPU_POWER_OFF, new=False), errno=EINVAL,
         cite=f"{INIT_DOC}: later calls must use the same set of feature flags, otherwise EINVAL", setup=(INIT_VCPU,),
         order_row=4, deviation=Deviation(VCPU_INIT_SAME, SUCCEEDS), kernels="6.12+"),
    Case(id="order-get-vls-before-init", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_GET_ONE_REG(SVE_VLS) before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=one_reg("KVM_GET_ONE_REG", VLS, "SVE_VLS"),
         errno=ENOEXEC,
         cite=f"{INIT_DOC}, KVM_ARM_VCPU_SVE: after KVM_ARM_VCPU_INIT, SVE_VLS may be read (before it, no errno "
              "given); "
         "arm.c kvm_arch_vcpu_ioctl: -ENOEXEC for an uninitialised vCPU (6.1, 6.12, 7.2)", setup=(create_vcpu(0),),
         basis="code", order_row=5),
    Case(id="order-get-ffr-before-finalize", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_GET_ONE_REG(FFR) before KVM_ARM_VCPU_FINALIZE(SVE)", arch=("arm64",),
         call=one_reg("KVM_GET_ONE_REG", FFR, "FFR"),
         errno=EPERM,
         cite=f"{INIT_DOC}, KVM_ARM_VCPU_SVE: before KVM_ARM_VCPU_FINALIZE, ONE_REG cannot access the SVE registers "
         f"(KVM_REG_ARM64_SVE_FFR among them); {GET_REG}, Errors: EPERM (arm64, before vcpu finalization)",
         setup=(INIT_SVE,), doc_row=0, order_row=6, needs=(SVE_CAP,)),
    Case(id="order-set-vls-after-finalize-and-reinit", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_REG_ARM64_SVE_VLS reduced after FINALIZE(SVE) and a second KVM_ARM_VCPU_INIT (a reset)",
         arch=("arm64",), call=one_reg("KVM_SET_ONE_REG", VLS, "SVE_VLS", VLS_VQ1), errno=EPERM,
         cite=f"{INIT_DOC}, KVM_ARM_VCPU_SVE: after KVM_ARM_VCPU_FINALIZE the SVE_VLS pseudo-register is immutable; "
         f"{SET_REG}: further writes fail with EPERM (a reset keeps the finalized configuration: reset.c "
         "kvm_reset_vcpu)", setup=(INIT_SVE, finalize(), arm64_init(1 << SVE, new=False)), doc_row=0, order_row=7,
         needs=(SVE_CAP,)),
    # 4.119 KVM_ARM_VCPU_FINALIZE.
    Case(id="order-finalize-after-failed-init", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE after a KVM_ARM_VCPU_INIT(SVE | bit 31) that failed with ENOENT", arch=("arm64",),
         call=finalize(), errno=ENOEXEC,
         cite=f"{FINAL}: the vcpu must have been initialised by a successful KVM_ARM_VCPU_INIT (no errno given for an "
         "uninitialised one); arm.c kvm_arch_vcpu_ioctl: -ENOEXEC (6.1: arch.target stays -1; 6.12+: "
         "kvm_vcpu_init_check_features fails before VCPU_INITIALIZED is set)",
         setup=(arm64_init(1 << SVE | 1 << 31, ok_errno=ENOENT),), basis="code", order_row=1),
    Case(id="finalize-sve-after-failed-sve-init-6.1", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE after INIT(SVE | bit 31) failed and INIT(no features) succeeded (6.1)", arch=("arm64",),
         call=finalize(), errno=EPERM,
         cite=f"{FINAL}: the feature must be enabled by a successful KVM_ARM_VCPU_INIT; Errors: EPERM (feature not "
         "enabled)", setup=(arm64_init(1 << SVE | 1 << 31, ok_errno=ENOENT), arm64_init(new=False)), order_row=1,
         deviation=Deviation(STALE_SVE_6_1, SUCCEEDS), needs=(SVE_CAP,), kernels="6.1"),
    Case(id="finalize-sve-after-failed-sve-init", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE after INIT(SVE | bit 31) failed and INIT(no features) succeeded", arch=("arm64",),
         call=finalize(), errno=EPERM,
         cite=f"{FINAL}: the feature must be enabled by a successful KVM_ARM_VCPU_INIT; Errors: EPERM (feature not "
         "enabled)", setup=(arm64_init(1 << SVE | 1 << 31, ok_errno=ENOENT), arm64_init(new=False)), order_row=1,
         deviation=Deviation(STALE_SVE, EINVAL, follows="finalize-sve-not-enabled"), needs=(SVE_CAP,), kernels="6.12+"),
    Case(id="order-run-other-vcpu-not-finalized", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="KVM_RUN of vCPU 1 (SVE, not finalized) while vCPU 0 is finalized, the guest code ready",
         arch=("arm64",), call=kvm_run(limit=RUN_LIMIT), errno=EPERM,
         cite=f"{FINAL}: a mandatory step, per vcpu, before the vcpu is fully usable; {RUN}, Errors: EPERM (SVE "
         "feature set but not finalized)", setup=(code_at_ipa0(SPIN), INIT_SVE, finalize(), INIT_SVE), doc_row=0,
         order_row=2, needs=(SVE_CAP,)),
    Case(id="order-reg-list-before-finalize", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="KVM_GET_REG_LIST with room for 4096 ids before KVM_ARM_VCPU_FINALIZE(SVE)", arch=("arm64",),
         call=reg_list(4096), errno=EPERM,
         cite=f"{FINAL}: KVM_RUN, KVM_GET_REG_LIST, KVM_GET_ONE_REG and KVM_SET_ONE_REG fail with -EPERM until the "
         "feature is finalized", setup=(INIT_SVE,), doc_row=0, order_row=3, needs=(SVE_CAP,)),
    # A foreign architecture's vCPU request on riscv64: kvm_main.c kvm_vcpu_ioctl passes what it does not know to
    # riscv's vcpu.c kvm_arch_vcpu_ioctl, whose default is -EINVAL (not x86's or the generic ENOTTY).
    Case(id="riscv-vcpu-fd", ioctl="KVM_ARM_VCPU_INIT", condition="the arm64 request on a riscv64 vCPU fd",
         arch=("riscv64",),
         call=raw(kvm.KVM_ARM_VCPU_INIT.resolve(vars(arm64)), "KVM_ARM_VCPU_INIT", arm64.kvm_vcpu_init(), on="vcpu"),
         errno=EINVAL,
         cite="vcpu.c: kvm_arch_vcpu_ioctl (riscv, 6.12 and 7.2: default r = -EINVAL)", setup=(create_vcpu(0),),
         basis="code"),
]

UNREACHABLE = [
    Unreachable("KVM_ARM_PREFERRED_TARGET", ENODEV,
                "no code path returns it in 6.1, 6.12 or 7.2: arm.c kvm_arch_vm_ioctl can only fail the copy "
                "out (EFAULT); the target comes from kvm_target_cpu(), which falls back to "
                "KVM_ARM_TARGET_GENERIC_V8 for any CPU (6.1), or is GENERIC_V8 outright (6.12, 7.2)", arch="arm64"),
]
