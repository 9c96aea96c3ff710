"""KVM_ENABLE_CAP on a VM: the documented errors and ordering rules of api.rst's capability chapters (6 to 8), on
x86_64 (local) and the arm64 guests.

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1.192, 6.12.118, 7.2.13); the numbers are 7.2's, with
6.1's and 6.12's where they differ: 7.5 KVM_CAP_SPLIT_IRQCHIP, 7.7 KVM_CAP_X2APIC_API, 7.13
KVM_CAP_X86_DISABLE_EXITS, 7.22 KVM_CAP_X86_BUS_LOCK_EXIT, 7.24 KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, 7.25
KVM_CAP_SGX_ATTRIBUTE, 7.28 KVM_CAP_ARM_MTE, 7.32 KVM_CAP_MAX_VCPU_ID, 7.33 KVM_CAP_X86_NOTIFY_VMEXIT, 7.35
KVM_CAP_X86_APIC_BUS_CYCLES_NS (6.12+), 7.36 KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL (8.29 in 6.1
and 6.12), 7.37 KVM_CAP_PMU_CAPABILITY (8.35), 7.38 KVM_CAP_VM_DISABLE_NX_HUGE_PAGES (8.38), 7.39
KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE (8.40 in 6.12), 7.40 KVM_CAP_EXIT_HYPERCALL (8.34), 7.42
KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (7.2), 7.45 KVM_CAP_ARM_SEA_TO_USER (7.2), 8.44 KVM_CAP_MEMORY_FAULT_INFO (7.34
in 6.12), 8.45 KVM_CAP_X86_GUEST_MODE (7.36 in 6.12).
Implementation (Debian 6.1.192, 6.12.118, 7.2.13): virt/kvm/kvm_main.c (kvm_vm_ioctl_enable_cap_generic,
kvm_vm_ioctl_enable_dirty_log_ring, kvm_vm_ioctl_check_extension_generic, kvm_get_dirty_log_protect,
mark_page_dirty_in_slot), virt/kvm/dirty_ring.c (kvm_dirty_ring_reset), arch/x86/kvm/x86.c
(kvm_vm_ioctl_enable_cap, kvm_arch_vcpu_precreate, kvm_emulate_hypercall, complete_hypercall_exit),
arch/x86/kvm/mmu/mmu.c (kvm_handle_error_pfn, kvm_mmu_faultin_pfn), arch/x86/kvm/svm/sev.c
(sev_vm_copy_enc_context_from), arch/x86/kernel/cpu/sgx/main.c (sgx_set_attribute), arch/arm64/kvm/arm.c
(kvm_vm_ioctl_enable_cap), arch/arm64/kvm/sys_regs.c (set_imp_id_reg), arch/arm64/kvm/vgic/vgic-its.c
(vgic_its_ctrl, kvm_arch_allow_write_without_running_vcpu). docs/research/enable_cap.md has every row with its
evidence.

Organised by the ioctl each case calls: KVM_ENABLE_CAP itself (x86 capabilities, arm64 capabilities, the dirty
ring), then the calls whose answer a capability's section documents: KVM_RUN (KVM_CAP_EXIT_HYPERCALL,
KVM_CAP_MEMORY_FAULT_INFO, a write before KVM_RESET_DIRTY_RINGS), KVM_CHECK_EXTENSION, KVM_GET_DIRTY_LOG and the ITS's
table save (the ring's backup bitmap), KVM_SET_ONE_REG (KVM_CAP_ARM_WRITABLE_IMP_ID_REGS). A case names its capability
(`cap=`), whatever it calls. KVM_CAP_SPLIT_IRQCHIP's rule is x86_state.py's split-irqchip-after-vcpu; the dirty ring's
rules 2 and 5 (arm64) memory_dirty.py's ring-after-vcpu and ring-bitmap-no-ring.

What a host lacks is a capability it answers 0 for (`needs=`); the x86 expectations hold for kvm_intel and kvm_amd
alike (a vendor callback is only reached where both answer the same). Dropping CAP_SYS_BOOT acts on the process
that issues the ioctls: that step needs the local target.
"""

from __future__ import annotations

from errno import EAGAIN, EBUSY, EFAULT, EINVAL, ENOSYS, ENOTTY, ENXIO, EPERM

from abi import kvm
from abi.spec.case import (
    DOCUMENT_SILENT,
    Case,
    Deviation,
    Finding,
    Observed,
    Unreachable,
    Val,
    need,
)
from abi.spec.steps.base import step
from abi.spec.steps.capabilities import (
    ARM,
    BIT31,
    BITMAP_KERNELS,
    BUS_CYCLES,
    BUS_CYCLES_KERNELS,
    BUS_LOCK,
    COPY_ENC,
    EXITS,
    FAULT_INFO,
    FAULT_KERNELS,
    FAULT_PATH,
    GUEST_MODE,
    HAS_SYS_BOOT,
    HYPERCALL,
    HYPERCALL_CODE,
    IMP_ID,
    IMP_ID_SET,
    ITS_SAVE,
    ITS_WRITE,
    KVM_HC_MAP_GPA_RANGE,
    MAIN,
    MAX_ID,
    MTE,
    NO_FD,
    NOTIFY,
    NX,
    OTHER_VM,
    PMU,
    RESET_PATH,
    RING,
    RING_BITMAP_ITS,
    SGX,
    SPLIT,
    SPLIT_CHUNK,
    VCPU,
    VM_FD,
    WITH_BITMAP_ANSWER,
    X2APIC,
    X86,
    _log_again_dirty,
    cap_value,
    enable,
    harvest_all,
    hypercall_return,
    memory_fault_not_reported,
    memory_fault_reported,
    no_entry_after_harvested,
    rerun_guest,
    run_until,
    set_midr_changed,
    store_without_vma,
    table_pages_dirty,
    without_sys_boot,
    x86_guest,
)
from abi.spec.steps.memory import (
    ACQ_REL,
    DIRTY,
    GMEM,
    GUEST_MEMFD,
    WITH_BITMAP,
    get_log,
    gmem_region,
    log_slot,
    ring,
)
from abi.spec.steps.vcpu import INIT_VCPU, RAN
from abi.spec.steps.vm import IRQCHIP, create_vcpu
from abi.target.base import EHWPOISON


def _x86_caps() -> list[Case]:
    """KVM_ENABLE_CAP of the x86 capabilities (7.7-7.38 [8.38], 6.12's informational 7.34 and 7.36)."""
    return [
        # 7.7 KVM_CAP_X2APIC_API
        Case(id="x2apic-api-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such feature)",
             arch=("x86_64",), call=enable("KVM_CAP_X2APIC_API", BIT31), errno=EINVAL,
             cite=f"{X2APIC}: ':Returns: ... -EINVAL when args[0] contains invalid features'; {X86} (args[0] outside "
             "KVM_X2APIC_API_VALID_FLAGS)", cap="KVM_CAP_X2APIC_API"),
        Case(id="x2apic-api-suppress-eoi-both", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_ and DISABLE_SUPPRESS_EOI_BROADCAST together", arch=("x86_64",),
             call=enable("KVM_CAP_X2APIC_API", (1 << 2) | (1 << 3)), errno=EINVAL,
             cite=f"{X2APIC} (7.2): 'Setting both KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST and "
             "KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST will fail with an EINVAL error'; 6.1 and 6.12 refuse the two "
             "bits as invalid features", setup=(SPLIT,), cap="KVM_CAP_X2APIC_API", doc_row=2),
        Case(id="x2apic-api-suppress-eoi-no-split", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_SUPPRESS_EOI_BROADCAST without a split irqchip", arch=("x86_64",),
             call=enable("KVM_CAP_X2APIC_API", 1 << 2), errno=EINVAL,
             cite=f"{X2APIC} (7.2): '... as will setting KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST without a split "
             "IRCHIP'; 6.1 and 6.12 refuse the bit as an invalid feature", cap="KVM_CAP_X2APIC_API", doc_row=2),
        Case(id="x2apic-api-suppress-eoi-split", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_SUPPRESS_EOI_BROADCAST with a split irqchip", arch=("x86_64",),
             call=enable("KVM_CAP_X2APIC_API", 1 << 2), errno=0,
             cite=f"{X2APIC} (7.2): 'This flag is supported only when using a split IRQCHIP'", setup=(SPLIT,),
             cap="KVM_CAP_X2APIC_API",
             kernels="7.2+ (the flag came after 6.12; 6.1 and 6.12 refuse it as an invalid feature)"),
        # 7.13 KVM_CAP_X86_DISABLE_EXITS
        Case(id="disable-exits-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such exit)",
             arch=("x86_64",), call=enable("KVM_CAP_X86_DISABLE_EXITS", BIT31), errno=EINVAL,
             cite=f"{EXITS}: ':Returns: 0 on success, -EINVAL when args[0] contains invalid exits'; {X86} (6.1, "
             "6.12: outside KVM_X86_DISABLE_VALID_EXITS; 7.2: outside kvm_get_allowed_disable_exits())",
             cap="KVM_CAP_X86_DISABLE_EXITS"),
        Case(id="disable-exits-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="PAUSE exits, after KVM_CREATE_VCPU",
             arch=("x86_64",), call=enable("KVM_CAP_X86_DISABLE_EXITS", kvm.KVM_X86_DISABLE_EXITS_PAUSE), errno=EINVAL,
             cite=f"{EXITS} (7.2): '-EINVAL when args[0] contains invalid exits or if any vCPUs have already been "
             f"created'; {X86} (7.2: created_vcpus under kvm->lock)", setup=(VCPU,), cap="KVM_CAP_X86_DISABLE_EXITS",
             order_row=1, kernels="7.2+ (6.1 and 6.12 accept it after vCPU creation, and document no such rule)"),
        # 7.22 KVM_CAP_X86_BUS_LOCK_EXIT
        Case(id="bus-lock-exit-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such mode)",
             arch=("x86_64",), call=enable("KVM_CAP_X86_BUS_LOCK_EXIT", BIT31), errno=EINVAL,
             cite=f"{BUS_LOCK}: ':Returns: 0 on success, -EINVAL when args[0] contains invalid bits'; {X86} (outside "
             "KVM_BUS_LOCK_DETECTION_VALID_MODE)", cap="KVM_CAP_X86_BUS_LOCK_EXIT"),
        Case(id="bus-lock-exit-both-modes", ioctl="KVM_ENABLE_CAP", condition="OFF and EXIT together", arch=("x86_64",),
             call=enable("KVM_CAP_X86_BUS_LOCK_EXIT", kvm.KVM_BUS_LOCK_DETECTION_OFF
                         | kvm.KVM_BUS_LOCK_DETECTION_EXIT), errno=EINVAL,
             cite=f"{BUS_LOCK}: 'The supported modes are mutually-exclusive' (refused; errno from {X86}: OFF and EXIT "
             "both set)", cap="KVM_CAP_X86_BUS_LOCK_EXIT", doc_row=0),
        # 7.24 KVM_CAP_VM_COPY_ENC_CONTEXT_FROM
        Case(id="copy-enc-context-not-sev", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = another default VM's fd (neither is an SEV guest)", arch=("x86_64",),
             call=enable("KVM_CAP_VM_COPY_ENC_CONTEXT_FROM", OTHER_VM), errno=ENOTTY,
             cite=f"{COPY_ENC}: ':Returns: 0 on success; ENOTTY on error'", cap="KVM_CAP_VM_COPY_ENC_CONTEXT_FROM",
             deviation=Deviation(
                 f"{COPY_ENC} documents ENOTTY for any error; {X86} answers EINVAL when the vendor has no "
                 "vm_copy_enc_context_from (VMX), and svm/sev.c sev_vm_copy_enc_context_from answers EINVAL when the "
                 "source is no SEV guest (EBADF for an fd that is no VM): no path returns ENOTTY (6.1, 6.12, 7.2)",
                 EINVAL)),
        # 7.25 KVM_CAP_SGX_ATTRIBUTE
        Case(id="sgx-attribute-not-attribute-file", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = the VM fd, no SGX attribute file", arch=("x86_64",),
             call=enable("KVM_CAP_SGX_ATTRIBUTE", VM_FD), errno=EINVAL,
             cite=f"{SGX}: ':Returns: 0 on success, -EINVAL if the file handle is invalid ...'; sgx/main.c: "
             "sgx_set_attribute (f_op is not sgx_provision_fops: -EINVAL); without CONFIG_X86_SGX_KVM "
             f"{X86}'s default is -EINVAL too", cap="KVM_CAP_SGX_ATTRIBUTE"),
        Case(id="sgx-attribute-no-fd", ioctl="KVM_ENABLE_CAP", condition="args[0] = 0x7fffffff, no open fd",
             arch=("x86_64",), call=enable(
             "KVM_CAP_SGX_ATTRIBUTE", NO_FD), errno=EINVAL,
             cite=f"{SGX}: '-EINVAL if the file handle is invalid'; sgx/main.c: sgx_set_attribute (fget fails)",
             cap="KVM_CAP_SGX_ATTRIBUTE"),
        # 7.32 KVM_CAP_MAX_VCPU_ID
        Case(id="max-vcpu-id-beyond", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) + 1", arch=("x86_64",),
             call=enable("KVM_CAP_MAX_VCPU_ID", Val("KVM_CAP_MAX_VCPU_ID + 1",
                                                    lambda s: cap_value("KVM_CAP_MAX_VCPU_ID")(s) + 1)), errno=EINVAL,
             cite=f"{MAX_ID}: '-EINVAL if args[0] is beyond KVM_MAX_VCPU_IDS supported in KVM'; {X86} "
             "(x86.c answers KVM_MAX_VCPU_IDS to KVM_CHECK_EXTENSION)", cap="KVM_CAP_MAX_VCPU_ID"),
        Case(id="max-vcpu-id-twice", ioctl="KVM_ENABLE_CAP", condition="args[0] 16 after it was set to 8",
             arch=("x86_64",), call=enable("KVM_CAP_MAX_VCPU_ID", 16), errno=EINVAL,
             cite=f"{MAX_ID}: '-EINVAL if ... it has been set'; {X86} (max_vcpu_ids set and different)",
             setup=(enable("KVM_CAP_MAX_VCPU_ID", 8),), cap="KVM_CAP_MAX_VCPU_ID", order_row=1),
        Case(id="max-vcpu-id-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="args[0] 16 after KVM_CREATE_VCPU",
             arch=("x86_64",), call=enable("KVM_CAP_MAX_VCPU_ID", 16), errno=EINVAL,
             cite=f"{MAX_ID}: the maximum APIC ID is specified 'prior to the creation of vCPUs' (refused; "
             f"kvm_arch_vcpu_precreate sets max_vcpu_ids to KVM_MAX_VCPU_IDS at the first vCPU, so {X86} finds it "
             "set and different: -EINVAL)", setup=(VCPU,), cap="KVM_CAP_MAX_VCPU_ID", order_row=2, basis="code"),
        Case(id="max-vcpu-id-after-vcpu-same", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) after "
             "KVM_CREATE_VCPU: no change", arch=("x86_64",),
             call=enable("KVM_CAP_MAX_VCPU_ID", cap_value("KVM_CAP_MAX_VCPU_ID")), errno=0,
             cite=f"{MAX_ID}: 'The value can be changed only until ... a vCPU is created'; {X86} accepts "
             "the value it already has (max_vcpu_ids == args[0]: 0)", setup=(VCPU,), cap="KVM_CAP_MAX_VCPU_ID",
             order_row=3, basis="code"),
        Case(id="max-vcpu-id-zero-then-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 8 after args[0] 0 and KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable("KVM_CAP_MAX_VCPU_ID", 8), errno=EINVAL,
             cite=f"{MAX_ID}: 'Upon creation of the first vCPU, if the value was set to zero ..., KVM uses the return "
             "value of KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID)': the value is then set (x86.c "
             f"kvm_arch_vcpu_precreate), and {X86} refuses another", setup=(enable("KVM_CAP_MAX_VCPU_ID", 0), VCPU),
             cap="KVM_CAP_MAX_VCPU_ID", order_row=4, basis="code"),
        # 7.33 KVM_CAP_X86_NOTIFY_VMEXIT
        Case(id="notify-vmexit-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such flag)",
             arch=("x86_64",), call=enable("KVM_CAP_X86_NOTIFY_VMEXIT", BIT31), errno=EINVAL,
             cite=f"{NOTIFY}: '-EINVAL if args[0] contains invalid flags'; {X86} (flags outside "
             "KVM_X86_NOTIFY_VMEXIT_VALID_BITS, checked first)", cap="KVM_CAP_X86_NOTIFY_VMEXIT"),
        Case(id="notify-vmexit-unsupported", ioctl="KVM_ENABLE_CAP",
             condition="ENABLED where KVM_CAP_X86_NOTIFY_VMEXIT is 0", arch=("x86_64",),
             call=enable("KVM_CAP_X86_NOTIFY_VMEXIT", kvm.KVM_X86_NOTIFY_VMEXIT_ENABLED), errno=EINVAL,
             cite=f"{NOTIFY}: '-EINVAL if ... notify VM exit is unsupported'; {X86} (!has_notify_vmexit)",
             cap="KVM_CAP_X86_NOTIFY_VMEXIT", needs=need("KVM_CAP_X86_NOTIFY_VMEXIT", False)),
        # 7.35 KVM_CAP_X86_APIC_BUS_CYCLES_NS
        Case(id="apic-bus-cycles-zero", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 (no frequency), with an in-kernel irqchip", arch=("x86_64",),
             call=enable("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 0), errno=EINVAL,
             cite=f"{BUS_CYCLES}: '-EINVAL if args[0] contains an invalid value for the frequency'; {X86} "
             "(!bus_cycle_ns)", setup=(IRQCHIP,), cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", kernels=BUS_CYCLES_KERNELS),
        Case(id="apic-bus-cycles-no-irqchip", ioctl="KVM_ENABLE_CAP", condition="args[0] 1, no in-kernel irqchip",
             arch=("x86_64",), call=enable("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 1), errno=ENXIO,
             cite=f"{BUS_CYCLES}: '-ENXIO if a virtual local APIC has not been created using KVM_CREATE_IRQCHIP'; "
             f"{X86} (!irqchip_in_kernel)", cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", kernels=BUS_CYCLES_KERNELS),
        Case(id="apic-bus-cycles-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 1 after KVM_CREATE_IRQCHIP and KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 1), errno=EINVAL,
             cite=f"{BUS_CYCLES}: '-EINVAL if ... any vCPUs have been created'; {X86} (created_vcpus)",
             setup=(IRQCHIP, VCPU), cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", order_row=1, kernels=BUS_CYCLES_KERNELS),
        # 7.37 KVM_CAP_PMU_CAPABILITY
        Case(id="pmu-capability-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such capability)",
             arch=("x86_64",), call=enable("KVM_CAP_PMU_CAPABILITY", BIT31), errno=EINVAL,
             cite=f"{PMU}: ':Returns: 0 on success, -EINVAL when arg[0] contains invalid bits'; {X86} (outside "
             "KVM_CAP_PMU_VALID_MASK, or enable_pmu off)", cap="KVM_CAP_PMU_CAPABILITY"),
        Case(id="pmu-capability-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="KVM_PMU_CAP_DISABLE after KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable("KVM_CAP_PMU_CAPABILITY", kvm.KVM_PMU_CAP_DISABLE), errno=EINVAL,
             cite=f"{PMU}: 'This can only be invoked on a VM prior to the creation of VCPUs' (refused; {X86} keeps "
             "-EINVAL when created_vcpus, and when enable_pmu is off)", setup=(VCPU,), cap="KVM_CAP_PMU_CAPABILITY",
             order_row=1, basis="code"),
        # 7.38 KVM_CAP_VM_DISABLE_NX_HUGE_PAGES
        Case(id="nx-huge-pages-no-sys-boot", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 from a thread without CAP_SYS_BOOT", arch=("x86_64",),
             call=without_sys_boot(enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0)), errno=EPERM,
             cite=f"{NX}: '-EPERM if the userspace process does not have CAP_SYS_BOOT'; {X86} (capable(CAP_SYS_BOOT) "
             "first)", cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES"),
        Case(id="nx-huge-pages-nonzero", ioctl="KVM_ENABLE_CAP", condition="args[0] 1, with CAP_SYS_BOOT",
             arch=("x86_64",), call=enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 1), errno=EINVAL,
             cite=f"{NX}: '-EINVAL if args[0] is not 0'", setup=(HAS_SYS_BOOT,),
             cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES"),
        Case(id="nx-huge-pages-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 after KVM_CREATE_VCPU, with CAP_SYS_BOOT", arch=("x86_64",),
             call=enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), errno=EINVAL,
             cite=f"{NX}: '-EINVAL if ... any vCPUs have been created'; {X86} (created_vcpus)",
             setup=(HAS_SYS_BOOT, VCPU), cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", order_row=1),
        Case(id="nx-huge-pages-again-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 again after KVM_CREATE_VCPU (it succeeded "
             "before)", arch=("x86_64",), call=enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), errno=EINVAL,
             cite=f"{NX}: 'This capability may only be set before any vCPUs are created'; ':Returns: ... -EINVAL if "
             "... any vCPUs have been created'",
             setup=(HAS_SYS_BOOT, enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), VCPU),
             cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", order_row=2),
        # 7.34 (6.12) KVM_CAP_MEMORY_FAULT_INFO, 7.36 (6.12) KVM_CAP_X86_GUEST_MODE: informational.
        Case(id="memory-fault-info-enable", ioctl="KVM_ENABLE_CAP", condition="a direct KVM_ENABLE_CAP",
             arch=("x86_64",), call=enable("KVM_CAP_MEMORY_FAULT_INFO", 0), errno=EINVAL,
             cite=f"{FAULT_INFO} (6.12): ':Returns: Informational only, -EINVAL on direct KVM_ENABLE_CAP'; {X86} "
             "(default: -EINVAL; kvm_vm_ioctl_enable_cap_generic has no case for it)", cap="KVM_CAP_MEMORY_FAULT_INFO"),
        Case(id="guest-mode-enable", ioctl="KVM_ENABLE_CAP", condition="a direct KVM_ENABLE_CAP", arch=("x86_64",),
             call=enable("KVM_CAP_X86_GUEST_MODE", 0), errno=EINVAL,
             cite=f"{GUEST_MODE} (6.12): ':Returns: Informational only, -EINVAL on direct "
             f"KVM_ENABLE_CAP'; {X86} (default: -EINVAL)", cap="KVM_CAP_X86_GUEST_MODE"),
    ]


def _enable_cap_arm64() -> list[Case]:
    """KVM_ENABLE_CAP of the arm64 capabilities: 7.28 (with guest_memfd, 7.2), 7.39, 7.42."""
    return [
        Case(id="mte-after-gmem-slot", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_ARM_MTE after a guest_memfd-backed memslot", arch=("arm64",), features=("mte",),
             call=enable("KVM_CAP_ARM_MTE"), errno=EINVAL,
             cite=f"{MTE} (7.2): '... or attempting to enable the MTE capability after guest_memfd-backed memslots "
                  "have "
             f"been created, will result in an -EINVAL return'; {ARM} (kvm_slot_has_gmem)", setup=(gmem_region(GMEM),),
             cap="KVM_CAP_ARM_MTE", doc_row=2, order_row=2,
             kernels="6.18+ (guest_memfd for default VMs; checked against 7.2's source)",
             needs=GUEST_MEMFD + need("KVM_CAP_ARM_MTE")),
        Case(id="eager-split-after-slot", ioctl="KVM_ENABLE_CAP",
             condition="chunk size 0 (disabled, always valid) after a memslot", arch=("arm64",),
             call=enable("KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", 0), errno=EINVAL,
             cite=f"{SPLIT_CHUNK}: ':Returns: 0 on success, -EINVAL if any memslot was already created'; {ARM} "
             "(6.12, 7.2: kvm_are_all_memslots_empty; 6.1 has no such capability: the default's -EINVAL; "
             "KVM_CHECK_EXTENSION answers the chunk size, 0 by default, so no case can be gated on it)",
             setup=(log_slot(flags=0),), cap="KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", order_row=1),
        Case(id="writable-imp-id-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="after KVM_CREATE_VCPU",
             arch=("arm64",), call=enable("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), errno=EINVAL,
             cite=f"{IMP_ID}: ':Returns: 0 on success, -EINVAL if vCPUs have been created before enabling this "
             f"capability'; {ARM} (created_vcpus)", setup=(create_vcpu(0),), cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS",
             order_row=1, kernels="7.2+", needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
    ]


def _enable_cap_ring() -> list[Case]:
    """KVM_ENABLE_CAP of the dirty ring (7.36 [8.29]) in the wrong order: rule 1 and, on x86, rule 5 (rule 2 is
    memory_dirty.py's ring-after-vcpu, rule 5 on arm64 its ring-bitmap-no-ring)."""
    return [
        Case(id="ring-after-logged-slot", ioctl="KVM_ENABLE_CAP",
             condition="DIRTY_LOG_RING_ACQ_REL after a logged memslot exists, "
             "not right after KVM_CREATE_VM", arch=("x86_64", "arm64"), call=ring(), errno=0,
             cite=f"{RING}: 'Userspace should call KVM_ENABLE_CAP ioctl right after KVM_CREATE_VM' (a rule for "
             f"userspace; {MAIN}: kvm_vm_ioctl_enable_dirty_log_ring refuses only a second ring and vCPUs)",
             setup=(log_slot(),), order_row=1, basis="code", cap="KVM_CAP_DIRTY_LOG_RING", needs=ACQ_REL),
        Case(id="ring-bitmap-before-ring-x86", ioctl="KVM_ENABLE_CAP",
             condition="DIRTY_LOG_RING_WITH_BITMAP before the ring", arch=("x86_64",),
             call=enable("KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP"), errno=EINVAL,
             cite=f"{RING}: 'KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP can't be enabled if the capability of "
             f"KVM_CAP_DIRTY_LOG_RING_ACQ_REL hasn't been enabled' (refused; {MAIN}: kvm_vm_ioctl_enable_cap_generic "
             "answers -EINVAL without CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP or dirty_ring_size; 6.1 has no such "
             "capability: the default's -EINVAL)", order_row=5, basis="code", cap="KVM_CAP_DIRTY_LOG_RING"),
    ]


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
             setup=(x86_guest(HYPERCALL_CODE),), cap="KVM_CAP_EXIT_HYPERCALL", needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-forwarded", ioctl="KVM_RUN",
             condition="KVM_HC_MAP_GPA_RANGE enabled: the guest's hypercall exits to "
             "userspace", arch=("x86_64",), call=run_until(kvm.KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL"), errno=0,
             cite=f"{HYPERCALL}: 'will cause KVM to exit to userspace with KVM_EXIT_HYPERCALL exit reason'",
             setup=(enable("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), x86_guest(HYPERCALL_CODE)),
             cap="KVM_CAP_EXIT_HYPERCALL", needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-failed-by-userspace", ioctl="KVM_RUN",
             condition="userspace answers the forwarded hypercall with "
             "hypercall.ret = EINVAL", arch=("x86_64",), call=hypercall_return((EINVAL, "EINVAL")), errno=EINVAL,
             cite=f"{HYPERCALL} (7.2): 'Userspace may fail the hypercall by setting hypercall.ret to EINVAL'; x86.c: "
             "complete_hypercall_exit writes hypercall.ret to RAX", cap="KVM_CAP_EXIT_HYPERCALL",
             setup=(enable("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), x86_guest(HYPERCALL_CODE)),
             needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-retry-by-userspace", ioctl="KVM_RUN",
             condition="userspace answers the forwarded hypercall with "
             "hypercall.ret = EAGAIN", arch=("x86_64",), call=hypercall_return((EAGAIN, "EAGAIN")), errno=EAGAIN,
             cite=f"{HYPERCALL} (7.2): '... or may request the hypercall to be retried the next time the guest run by "
             "setting hypercall.ret to EAGAIN' (the request reaches the guest: x86.c complete_hypercall_exit writes "
             "hypercall.ret to RAX)", cap="KVM_CAP_EXIT_HYPERCALL",
             setup=(enable("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), x86_guest(HYPERCALL_CODE)),
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
             "KVM_RESET_DIRTY_RINGS: no new ring entry", arch=("x86_64", "arm64"), call=rerun_guest(), errno=0,
             cite=f"{RING}: 'the ioctl [KVM_RESET_DIRTY_RINGS] must be called *before* reading the content of the "
                  "dirty "
             f"pages'; only {RESET_PATH} write-protects a harvested page again, so until then a guest write to it "
             "is not tracked (x86 mmu.c, arm64 mmu.c user_mem_abort)", setup=(ring(), *DIRTY, harvest_all()),
             check=no_entry_after_harvested, order_row=3, basis="code", cap="KVM_CAP_DIRTY_LOG_RING", needs=ACQ_REL),
    ]


def _check_extension() -> list[Case]:
    """KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) before any ring (7.36 rule 4, 6.12+)."""
    return [
        Case(id="ring-bitmap-asked-first-x86", ioctl="KVM_CHECK_EXTENSION",
             condition="KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP on the VM fd "
             "before any ring is enabled", arch=("x86_64",),
             call=step("KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) on the vm fd",
                                                lambda s: s.ioctl(s.vm, kvm.KVM_CHECK_EXTENSION,
                                                                  kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP)), errno=0,
             cite=f"{RING}: 'After enabling the dirty rings, the userspace needs to detect the capability of "
             f"KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP'; {WITH_BITMAP_ANSWER} answers the same before (x86 does not "
             "select NEED_KVM_DIRTY_RING_WITH_BITMAP: 0)", ret=0, order_row=4, basis="code",
             cap="KVM_CAP_DIRTY_LOG_RING", kernels=BITMAP_KERNELS),
        Case(id="ring-bitmap-asked-first-arm64", ioctl="KVM_CHECK_EXTENSION",
             condition="KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP on the VM "
             "fd before any ring is enabled", arch=("arm64",),
             call=step("KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) on the vm fd",
                  lambda s: s.ioctl(s.vm, kvm.KVM_CHECK_EXTENSION, kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP)), errno=0,
             cite=f"{RING}: 'After enabling the dirty rings, the userspace needs to detect the capability'; "
             f"{WITH_BITMAP_ANSWER} answers the same before (arm64's Kconfig selects "
             "NEED_KVM_DIRTY_RING_WITH_BITMAP: 1)", ret=1, order_row=4, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             kernels=BITMAP_KERNELS),
    ]


def _dirty_log_and_its() -> list[Case]:
    """KVM_GET_DIRTY_LOG and the ITS's KVM_SET_DEVICE_ATTR(ITS_SAVE_TABLES) around the ring's backup bitmap (7.36
    rules 6 and 7), and 6.1's rule 4."""
    return [
        Case(id="ring-get-log-6.1", ioctl="KVM_GET_DIRTY_LOG", condition="after the ring was enabled",
             arch=("x86_64", "arm64"), call=get_log(), errno=ENXIO,
             cite=f"{RING} (6.1): 'After enabling KVM_CAP_DIRTY_LOG_RING ... further KVM_GET_DIRTY_LOG or "
             f"KVM_CLEAR_DIRTY_LOG ioctls will fail' ({MAIN}: kvm_get_dirty_log_protect, !kvm_use_dirty_bitmap: "
             "-ENXIO)", setup=(ring(), log_slot()), order_row=4, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             needs=ACQ_REL,
             kernels="6.1 (6.12 and 7.2 number another rule 4; the refusal itself is memory_dirty's "
                     "get-log-with-ring)"),
        Case(id="its-save-after-collection", ioctl="KVM_SET_DEVICE_ATTR",
             condition="ITS_SAVE_TABLES after KVM_GET_DIRTY_LOG collected "
             "the ring's backup bitmap", arch=("arm64",), features=("vgic-v3",), call=ITS_SAVE, errno=0,
             cite=f"{RING}: 'Collecting the dirty bitmap should be the very last thing that the VMM does' (a rule for "
             f"userspace: the save is accepted, {ITS_WRITE}; the next KVM_GET_DIRTY_LOG has the table pages)",
             setup=RING_BITMAP_ITS, check=_log_again_dirty, order_row=6, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             kernels=BITMAP_KERNELS, needs=ACQ_REL + WITH_BITMAP),
        Case(id="its-save-missed-by-collection", ioctl="KVM_GET_DIRTY_LOG",
             condition="a second collection after ITS_SAVE_TABLES: the "
             "pages the first one missed", arch=("arm64",), features=("vgic-v3",), call=get_log(), errno=0,
             cite=f"{RING}: 'avoid missing dirty pages from another ioctl ordered after the bitmap collection' "
             f"({ITS_WRITE})", setup=(*RING_BITMAP_ITS, ITS_SAVE), check=table_pages_dirty, order_row=7, basis="code",
             cap="KVM_CAP_DIRTY_LOG_RING", kernels=BITMAP_KERNELS, needs=ACQ_REL + WITH_BITMAP),
    ]


def _one_reg() -> list[Case]:
    """KVM_SET_ONE_REG of MIDR_EL1 with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (7.42 rule 2, 7.2)."""
    return [
        Case(id="writable-imp-id-after-run", ioctl="KVM_SET_ONE_REG",
             condition="MIDR_EL1 changed after the first KVM_RUN, the "
             "capability enabled", arch=("arm64",), call=set_midr_changed(), errno=EBUSY,
             cite=f"{IMP_ID}: 'KVM allows userspace to change the aforementioned registers before the first KVM_RUN' "
             f"(refused after; {IMP_ID_SET}: kvm_vm_has_ran_once: -EBUSY)",
             setup=(enable("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), INIT_VCPU, RAN),
             cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS", order_row=2, basis="code", kernels="7.2+",
             needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
        Case(id="writable-imp-id-before-run", ioctl="KVM_SET_ONE_REG",
             condition="MIDR_EL1 changed before the first KVM_RUN, the "
             "capability enabled", arch=("arm64",), call=set_midr_changed(), errno=0,
             cite=f"{IMP_ID}: 'KVM allows userspace to change the aforementioned registers before the first KVM_RUN'",
             setup=(enable("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), INIT_VCPU), cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS",
             kernels="7.2+", needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
    ]


CASES: list[Case] = [*_x86_caps(), *_enable_cap_arm64(), *_enable_cap_ring(), *_run(), *_check_extension(),
                     *_dirty_log_and_its(), *_one_reg()]


UNREACHABLE = [
    Unreachable("KVM_ENABLE_CAP", 0, "x86 has no ring-with-bitmap: it does not select "
                "CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP (6.12, 7.2), KVM_CHECK_EXTENSION("
                "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) answers 0 and enabling it fails, so there is no backup bitmap "
                "to collect", arch="x86_64", cap="KVM_CAP_DIRTY_LOG_RING", order_row=6),
    Unreachable("KVM_ENABLE_CAP", 0, "x86 has no ring-with-bitmap (see rule 6): no bitmap collection for another "
                "ioctl to follow", arch="x86_64", cap="KVM_CAP_DIRTY_LOG_RING", order_row=7),
    Unreachable("KVM_ENABLE_CAP", EHWPOISON, "needs a hardware-poisoned page: KVM_RUN answers EHWPOISON only from "
                "guest_memfd (kvm_gmem_get_pfn on a poisoned folio, 6.12 and 7.2; an anonymous memslot's poisoned "
                "page is reported by SIGBUS, mmu.c kvm_handle_error_pfn); poisoning one takes memory-failure "
                "injection (MADV_HWPOISON or hwpoison-inject, CONFIG_MEMORY_FAILURE), which retires a host page for "
                "good: the suite does not inject memory failures on a shared host", arch="x86_64",
                cap="KVM_CAP_MEMORY_FAULT_INFO"),
    Unreachable("KVM_ENABLE_CAP", EINVAL, "7.2 arm.c kvm_vm_ioctl_enable_cap enables KVM_CAP_ARM_SEA_TO_USER "
                "unconditionally (KVM_CHECK_EXTENSION answers 1): its only refusals are flags other than 0 and a "
                "protected-mode host whose kvm_pkvm_ext_allowed excludes it; pKVM needs an nVHE host booted with "
                "kvm-arm.mode=protected, and these guests run KVM in VHE mode", arch="arm64",
                cap="KVM_CAP_ARM_SEA_TO_USER"),
]


DOC_FINDINGS = [
    Finding(
        "api.rst 7.37 (8.35) KVM_CAP_PMU_CAPABILITY: 'This can only be invoked on a VM prior to the creation of VCPUs' "
        "names no errno (:Returns: names EINVAL for invalid bits only); x86.c kvm_vm_ioctl_enable_cap answers EINVAL "
        "once a vCPU exists (6.1, 6.12, 7.2).", DOCUMENT_SILENT),
    Finding(
        "api.rst 7.32 KVM_CAP_MAX_VCPU_ID: the value can be changed 'until a vCPU is created', with no errno for a "
        "change after; x86.c kvm_arch_vcpu_precreate fixes the value at the first vCPU (KVM_MAX_VCPU_IDS when unset "
        "or 0) and kvm_vm_ioctl_enable_cap then answers EINVAL for any other value and 0 for the same one "
        "(6.1, 6.12, 7.2).", DOCUMENT_SILENT),
    Finding(
        "api.rst 7.36 (8.29) KVM_CAP_DIRTY_LOG_RING: userspace 'should call KVM_ENABLE_CAP ioctl right after "
        "KVM_CREATE_VM'; kvm_main.c kvm_vm_ioctl_enable_dirty_log_ring refuses only a second ring and a VM with vCPUs: "
        "a ring enabled after dirty-logged memslots exist is accepted (6.1, 6.12, 7.2).", DOCUMENT_SILENT),
]
