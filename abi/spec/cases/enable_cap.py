"""KVM_ENABLE_CAP: the documented errors and ordering rules of api.rst's capability chapters (6 to 8), one row a
capability's section."""

from __future__ import annotations

from errno import E2BIG, EEXIST, EINVAL, ENOTTY, ENXIO, EPERM

from abi import kvm
from abi.spec.case import DOCUMENT_SILENT, SUCCEEDS, Case, Deviation, Finding, Unreachable, Val, need
from abi.spec.steps.arm64 import CAP_MTE, CAP_MTE_DOC, CAP_NO_MTE, ENABLE_MTE
from abi.spec.steps.base import GENERIC, MAIN, VM_FD, capability
from abi.spec.steps.capabilities import (
    ARM,
    BIT31,
    BUS_CYCLES,
    BUS_CYCLES_KERNELS,
    BUS_LOCK,
    COPY_ENC,
    EXITS,
    FAULT_INFO,
    GUEST_MODE,
    HAS_SYS_BOOT,
    IMP_ID,
    MAX_ID,
    NOTIFY,
    NX,
    OTHER_VM,
    PMU_CAP,
    SGX,
    SPLIT_CHUNK,
    UNOPENED_FD,
    X2APIC,
    X86,
    without_sys_boot,
)
from abi.spec.steps.memory import (
    ACQ_REL,
    CODE_RING,
    DIRTY,
    DIRTY_PAGE,
    GMEM,
    GUEST_MEMFD,
    PROTECT2,
    READ_RING,
    RING,
    RING_MAX,
    RING_WITH_BITMAP,
    WITH_BITMAP,
    gmem_region,
    log_slot,
    manual_protect,
    ring,
    ring_has,
    ring_is,
)
from abi.spec.steps.vm import IRQCHIP, SPLIT_IRQCHIP, VCPU0, create_vcpu, enable_cap
from abi.target.base import EHWPOISON


def _x86_caps() -> list[Case]:
    """KVM_ENABLE_CAP of the x86 capabilities (7.7-7.38 [8.38], 6.12's informational 7.34 and 7.36)."""
    return [
        # 7.7 KVM_CAP_X2APIC_API
        Case(id="x2apic-api-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such feature)",
             arch=("x86_64",), call=enable_cap("KVM_CAP_X2APIC_API", BIT31), errno=EINVAL,
             cite=f"{X2APIC}: ':Returns: ... -EINVAL when args[0] contains invalid features'; {X86} (args[0] outside "
             "KVM_X2APIC_API_VALID_FLAGS)", cap="KVM_CAP_X2APIC_API"),
        Case(id="x2apic-api-suppress-eoi-both", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_ and DISABLE_SUPPRESS_EOI_BROADCAST together", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X2APIC_API", (1 << 2) | (1 << 3)), errno=EINVAL,
             cite=f"{X2APIC} (7.2): 'Setting both KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST and "
             "KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST will fail with an EINVAL error'; 6.1 and 6.12 refuse the two "
             "bits as invalid features", setup=(SPLIT_IRQCHIP,), cap="KVM_CAP_X2APIC_API", doc_row=2),
        Case(id="x2apic-api-suppress-eoi-no-split", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_SUPPRESS_EOI_BROADCAST without a split irqchip", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X2APIC_API", 1 << 2), errno=EINVAL,
             cite=f"{X2APIC} (7.2): '... as will setting KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST without a split "
             "IRCHIP'; 6.1 and 6.12 refuse the bit as an invalid feature", cap="KVM_CAP_X2APIC_API", doc_row=2),
        Case(id="x2apic-api-suppress-eoi-split", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_SUPPRESS_EOI_BROADCAST with a split irqchip", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X2APIC_API", 1 << 2), errno=0,
             cite=f"{X2APIC} (7.2): 'This flag is supported only when using a split IRQCHIP'",
             setup=(SPLIT_IRQCHIP,), cap="KVM_CAP_X2APIC_API",
             kernels="7.2+ (the flag came after 6.12; 6.1 and 6.12 refuse it as an invalid feature)"),
        # 7.13 KVM_CAP_X86_DISABLE_EXITS
        Case(id="disable-exits-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such exit)",
             arch=("x86_64",), call=enable_cap("KVM_CAP_X86_DISABLE_EXITS", BIT31), errno=EINVAL,
             cite=f"{EXITS}: ':Returns: 0 on success, -EINVAL when args[0] contains invalid exits'; {X86} (6.1, "
             "6.12: outside KVM_X86_DISABLE_VALID_EXITS; 7.2: outside kvm_get_allowed_disable_exits())",
             cap="KVM_CAP_X86_DISABLE_EXITS"),
        Case(id="disable-exits-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="PAUSE exits, after KVM_CREATE_VCPU",
             arch=("x86_64",), call=enable_cap("KVM_CAP_X86_DISABLE_EXITS", kvm.KVM_X86_DISABLE_EXITS_PAUSE),
             errno=EINVAL,
             cite=f"{EXITS} (7.2): '-EINVAL when args[0] contains invalid exits or if any vCPUs have already been "
             f"created'; {X86} (7.2: created_vcpus under kvm->lock)", setup=(VCPU0,), cap="KVM_CAP_X86_DISABLE_EXITS",
             order_row=1, kernels="7.2+ (6.1 and 6.12 accept it after vCPU creation, and document no such rule)"),
        # 7.22 KVM_CAP_X86_BUS_LOCK_EXIT
        Case(id="bus-lock-exit-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such mode)",
             arch=("x86_64",), call=enable_cap("KVM_CAP_X86_BUS_LOCK_EXIT", BIT31), errno=EINVAL,
             cite=f"{BUS_LOCK}: ':Returns: 0 on success, -EINVAL when args[0] contains invalid bits'; {X86} (outside "
             "KVM_BUS_LOCK_DETECTION_VALID_MODE)", cap="KVM_CAP_X86_BUS_LOCK_EXIT"),
        Case(id="bus-lock-exit-both-modes", ioctl="KVM_ENABLE_CAP", condition="OFF and EXIT together", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X86_BUS_LOCK_EXIT", kvm.KVM_BUS_LOCK_DETECTION_OFF
                         | kvm.KVM_BUS_LOCK_DETECTION_EXIT), errno=EINVAL,
             cite=f"{BUS_LOCK}: 'The supported modes are mutually-exclusive' (refused; errno from {X86}: OFF and EXIT "
             "both set)", cap="KVM_CAP_X86_BUS_LOCK_EXIT", doc_row=0),
        # 7.24 KVM_CAP_VM_COPY_ENC_CONTEXT_FROM
        Case(id="copy-enc-context-not-sev", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = another default VM's fd (neither is an SEV guest)", arch=("x86_64",),
             call=enable_cap("KVM_CAP_VM_COPY_ENC_CONTEXT_FROM", OTHER_VM), errno=ENOTTY,
             cite=f"{COPY_ENC}: ':Returns: 0 on success; ENOTTY on error'", cap="KVM_CAP_VM_COPY_ENC_CONTEXT_FROM",
             deviation=Deviation(
                 f"{COPY_ENC} documents ENOTTY for any error; {X86} answers EINVAL when the vendor has no "
                 "vm_copy_enc_context_from (VMX), and svm/sev.c sev_vm_copy_enc_context_from answers EINVAL when the "
                 "source is no SEV guest (EBADF for an fd that is no VM): no path returns ENOTTY (6.1, 6.12, 7.2)",
                 EINVAL)),
        # 7.25 KVM_CAP_SGX_ATTRIBUTE
        Case(id="sgx-attribute-not-attribute-file", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = the VM fd, no SGX attribute file", arch=("x86_64",),
             call=enable_cap("KVM_CAP_SGX_ATTRIBUTE", VM_FD), errno=EINVAL,
             cite=f"{SGX}: ':Returns: 0 on success, -EINVAL if the file handle is invalid ...'; sgx/main.c: "
             "sgx_set_attribute (f_op is not sgx_provision_fops: -EINVAL); without CONFIG_X86_SGX_KVM "
             f"{X86}'s default is -EINVAL too", cap="KVM_CAP_SGX_ATTRIBUTE"),
        Case(id="sgx-attribute-no-fd", ioctl="KVM_ENABLE_CAP", condition="args[0] = 0x7fffffff, no open fd",
             arch=("x86_64",), call=enable_cap(
             "KVM_CAP_SGX_ATTRIBUTE", UNOPENED_FD), errno=EINVAL,
             cite=f"{SGX}: '-EINVAL if the file handle is invalid'; sgx/main.c: sgx_set_attribute (fget fails)",
             cap="KVM_CAP_SGX_ATTRIBUTE"),
        # 7.32 KVM_CAP_MAX_VCPU_ID
        Case(id="max-vcpu-id-beyond", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) + 1", arch=("x86_64",),
             call=enable_cap("KVM_CAP_MAX_VCPU_ID", Val("KVM_CAP_MAX_VCPU_ID + 1",
                                                        lambda s: capability("KVM_CAP_MAX_VCPU_ID", on="vm")(s) + 1)),
             errno=EINVAL,
             cite=f"{MAX_ID}: '-EINVAL if args[0] is beyond KVM_MAX_VCPU_IDS supported in KVM'; {X86} "
             "(x86.c answers KVM_MAX_VCPU_IDS to KVM_CHECK_EXTENSION)", cap="KVM_CAP_MAX_VCPU_ID"),
        Case(id="max-vcpu-id-twice", ioctl="KVM_ENABLE_CAP", condition="args[0] 16 after it was set to 8",
             arch=("x86_64",), call=enable_cap("KVM_CAP_MAX_VCPU_ID", 16), errno=EINVAL,
             cite=f"{MAX_ID}: '-EINVAL if ... it has been set'; {X86} (max_vcpu_ids set and different)",
             setup=(enable_cap("KVM_CAP_MAX_VCPU_ID", 8),), cap="KVM_CAP_MAX_VCPU_ID", order_row=1),
        Case(id="max-vcpu-id-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="args[0] 16 after KVM_CREATE_VCPU",
             arch=("x86_64",), call=enable_cap("KVM_CAP_MAX_VCPU_ID", 16), errno=EINVAL,
             cite=f"{MAX_ID}: the maximum APIC ID is specified 'prior to the creation of vCPUs' (refused; "
             f"kvm_arch_vcpu_precreate sets max_vcpu_ids to KVM_MAX_VCPU_IDS at the first vCPU, so {X86} finds it "
             "set and different: -EINVAL)", setup=(VCPU0,), cap="KVM_CAP_MAX_VCPU_ID", order_row=2, basis="code"),
        Case(id="max-vcpu-id-after-vcpu-same", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) after "
             "KVM_CREATE_VCPU: no change", arch=("x86_64",),
             call=enable_cap("KVM_CAP_MAX_VCPU_ID", capability("KVM_CAP_MAX_VCPU_ID", on="vm")), errno=0,
             cite=f"{MAX_ID}: 'The value can be changed only until ... a vCPU is created'; {X86} accepts "
             "the value it already has (max_vcpu_ids == args[0]: 0)", setup=(VCPU0,), cap="KVM_CAP_MAX_VCPU_ID",
             order_row=3, basis="code"),
        Case(id="max-vcpu-id-zero-then-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 8 after args[0] 0 and KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable_cap("KVM_CAP_MAX_VCPU_ID", 8), errno=EINVAL,
             cite=f"{MAX_ID}: 'Upon creation of the first vCPU, if the value was set to zero ..., KVM uses the return "
             "value of KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID)': the value is then set (x86.c "
             f"kvm_arch_vcpu_precreate), and {X86} refuses another",
             setup=(enable_cap("KVM_CAP_MAX_VCPU_ID", 0), VCPU0),
             cap="KVM_CAP_MAX_VCPU_ID", order_row=4, basis="code"),
        # 7.33 KVM_CAP_X86_NOTIFY_VMEXIT
        Case(id="notify-vmexit-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such flag)",
             arch=("x86_64",), call=enable_cap("KVM_CAP_X86_NOTIFY_VMEXIT", BIT31), errno=EINVAL,
             cite=f"{NOTIFY}: '-EINVAL if args[0] contains invalid flags'; {X86} (flags outside "
             "KVM_X86_NOTIFY_VMEXIT_VALID_BITS, checked first)", cap="KVM_CAP_X86_NOTIFY_VMEXIT"),
        Case(id="notify-vmexit-unsupported", ioctl="KVM_ENABLE_CAP",
             condition="ENABLED where KVM_CAP_X86_NOTIFY_VMEXIT is 0", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X86_NOTIFY_VMEXIT", kvm.KVM_X86_NOTIFY_VMEXIT_ENABLED), errno=EINVAL,
             cite=f"{NOTIFY}: '-EINVAL if ... notify VM exit is unsupported'; {X86} (!has_notify_vmexit)",
             cap="KVM_CAP_X86_NOTIFY_VMEXIT", needs=need("KVM_CAP_X86_NOTIFY_VMEXIT", False)),
        # 7.35 KVM_CAP_X86_APIC_BUS_CYCLES_NS
        Case(id="apic-bus-cycles-zero", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 (no frequency), with an in-kernel irqchip", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 0), errno=EINVAL,
             cite=f"{BUS_CYCLES}: '-EINVAL if args[0] contains an invalid value for the frequency'; {X86} "
             "(!bus_cycle_ns)", setup=(IRQCHIP,), cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", kernels=BUS_CYCLES_KERNELS),
        Case(id="apic-bus-cycles-no-irqchip", ioctl="KVM_ENABLE_CAP", condition="args[0] 1, no in-kernel irqchip",
             arch=("x86_64",), call=enable_cap("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 1), errno=ENXIO,
             cite=f"{BUS_CYCLES}: '-ENXIO if a virtual local APIC has not been created using KVM_CREATE_IRQCHIP'; "
             f"{X86} (!irqchip_in_kernel)", cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", kernels=BUS_CYCLES_KERNELS),
        Case(id="apic-bus-cycles-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 1 after KVM_CREATE_IRQCHIP and KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 1), errno=EINVAL,
             cite=f"{BUS_CYCLES}: '-EINVAL if ... any vCPUs have been created'; {X86} (created_vcpus)",
             setup=(IRQCHIP, VCPU0), cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", order_row=1, kernels=BUS_CYCLES_KERNELS),
        # 7.37 KVM_CAP_PMU_CAPABILITY
        Case(id="pmu-capability-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such capability)",
             arch=("x86_64",), call=enable_cap("KVM_CAP_PMU_CAPABILITY", BIT31), errno=EINVAL,
             cite=f"{PMU_CAP}: ':Returns: 0 on success, -EINVAL when arg[0] contains invalid bits'; {X86} (outside "
             "KVM_CAP_PMU_VALID_MASK, or enable_pmu off)", cap="KVM_CAP_PMU_CAPABILITY"),
        Case(id="pmu-capability-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="KVM_PMU_CAP_DISABLE after KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable_cap("KVM_CAP_PMU_CAPABILITY", kvm.KVM_PMU_CAP_DISABLE), errno=EINVAL,
             cite=f"{PMU_CAP}: 'This can only be invoked on a VM prior to the creation of VCPUs' (refused; {X86} keeps "
             "-EINVAL when created_vcpus, and when enable_pmu is off)", setup=(VCPU0,), cap="KVM_CAP_PMU_CAPABILITY",
             order_row=1, basis="code"),
        # 7.38 KVM_CAP_VM_DISABLE_NX_HUGE_PAGES
        Case(id="nx-huge-pages-no-sys-boot", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 from a thread without CAP_SYS_BOOT", arch=("x86_64",),
             call=without_sys_boot(enable_cap("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0)), errno=EPERM,
             cite=f"{NX}: '-EPERM if the userspace process does not have CAP_SYS_BOOT'; {X86} (capable(CAP_SYS_BOOT) "
             "first)", cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES"),
        Case(id="nx-huge-pages-nonzero", ioctl="KVM_ENABLE_CAP", condition="args[0] 1, with CAP_SYS_BOOT",
             arch=("x86_64",), call=enable_cap("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 1), errno=EINVAL,
             cite=f"{NX}: '-EINVAL if args[0] is not 0'", setup=(HAS_SYS_BOOT,),
             cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES"),
        Case(id="nx-huge-pages-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 after KVM_CREATE_VCPU, with CAP_SYS_BOOT", arch=("x86_64",),
             call=enable_cap("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), errno=EINVAL,
             cite=f"{NX}: '-EINVAL if ... any vCPUs have been created'; {X86} (created_vcpus)",
             setup=(HAS_SYS_BOOT, VCPU0), cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", order_row=1),
        Case(id="nx-huge-pages-again-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 again after KVM_CREATE_VCPU (it succeeded "
             "before)", arch=("x86_64",), call=enable_cap("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), errno=EINVAL,
             cite=f"{NX}: 'This capability may only be set before any vCPUs are created'; ':Returns: ... -EINVAL if "
             "... any vCPUs have been created'",
             setup=(HAS_SYS_BOOT, enable_cap("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), VCPU0),
             cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", order_row=2),
        # 7.34 (6.12) KVM_CAP_MEMORY_FAULT_INFO, 7.36 (6.12) KVM_CAP_X86_GUEST_MODE: informational.
        Case(id="memory-fault-info-enable", ioctl="KVM_ENABLE_CAP", condition="a direct KVM_ENABLE_CAP",
             arch=("x86_64",), call=enable_cap("KVM_CAP_MEMORY_FAULT_INFO", 0), errno=EINVAL,
             cite=f"{FAULT_INFO} (6.12): ':Returns: Informational only, -EINVAL on direct KVM_ENABLE_CAP'; {X86} "
             "(default: -EINVAL; kvm_vm_ioctl_enable_cap_generic has no case for it)", cap="KVM_CAP_MEMORY_FAULT_INFO"),
        Case(id="guest-mode-enable", ioctl="KVM_ENABLE_CAP", condition="a direct KVM_ENABLE_CAP", arch=("x86_64",),
             call=enable_cap("KVM_CAP_X86_GUEST_MODE", 0), errno=EINVAL,
             cite=f"{GUEST_MODE} (6.12): ':Returns: Informational only, -EINVAL on direct "
             f"KVM_ENABLE_CAP'; {X86} (default: -EINVAL)", cap="KVM_CAP_X86_GUEST_MODE"),
    ]


def _enable_cap_arm64() -> list[Case]:
    """KVM_ENABLE_CAP of the arm64 capabilities: 7.28 (with guest_memfd, 7.2), 7.39, 7.42."""
    return [
        Case(id="mte-after-gmem-slot", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_ARM_MTE after a guest_memfd-backed memslot", arch=("arm64",), features=("mte",),
             call=enable_cap("KVM_CAP_ARM_MTE"), errno=EINVAL,
             cite=f"{CAP_MTE_DOC} (7.2): '... or attempting to enable the MTE capability after guest_memfd-backed "
                  "memslots have "
             f"been created, will result in an -EINVAL return'; {ARM} (kvm_slot_has_gmem)", setup=(gmem_region(GMEM),),
             cap="KVM_CAP_ARM_MTE", doc_row=2, order_row=2,
             kernels="6.18+ (guest_memfd for default VMs; checked against 7.2's source)",
             needs=GUEST_MEMFD + need("KVM_CAP_ARM_MTE")),
        Case(id="eager-split-after-slot", ioctl="KVM_ENABLE_CAP",
             condition="chunk size 0 (disabled, always valid) after a memslot", arch=("arm64",),
             call=enable_cap("KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", 0), errno=EINVAL,
             cite=f"{SPLIT_CHUNK}: ':Returns: 0 on success, -EINVAL if any memslot was already created'; {ARM} "
             "(6.12, 7.2: kvm_are_all_memslots_empty; 6.1 has no such capability: the default's -EINVAL; "
             "KVM_CHECK_EXTENSION answers the chunk size, 0 by default, so no case can be gated on it)",
             setup=(log_slot(flags=0),), cap="KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", order_row=1),
        Case(id="writable-imp-id-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="after KVM_CREATE_VCPU",
             arch=("arm64",), call=enable_cap("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), errno=EINVAL,
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
             "not right after KVM_CREATE_VM", arch=GENERIC, call=ring(), errno=0,
             cite=f"{RING}: 'Userspace should call KVM_ENABLE_CAP ioctl right after KVM_CREATE_VM' (a rule for "
             f"userspace; {MAIN}: kvm_vm_ioctl_enable_dirty_log_ring refuses only a second ring and vCPUs)",
             setup=(log_slot(),), order_row=1, basis="code", cap="KVM_CAP_DIRTY_LOG_RING", needs=ACQ_REL),
        Case(id="ring-bitmap-before-ring-x86", ioctl="KVM_ENABLE_CAP",
             condition="DIRTY_LOG_RING_WITH_BITMAP before the ring", arch=("x86_64",),
             call=enable_cap("KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP"), errno=EINVAL,
             cite=f"{RING}: 'KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP can't be enabled if the capability of "
             f"KVM_CAP_DIRTY_LOG_RING_ACQ_REL hasn't been enabled' (refused; {MAIN}: kvm_vm_ioctl_enable_cap_generic "
             "answers -EINVAL without CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP or dirty_ring_size; 6.1 has no such "
             "capability: the default's -EINVAL)", order_row=5, basis="code", cap="KVM_CAP_DIRTY_LOG_RING"),
    ]


def _create() -> list[Case]:
    return [
        Case(id="split-irqchip-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_SPLIT_IRQCHIP after KVM_CREATE_VCPU", arch=("x86_64",), call=SPLIT_IRQCHIP,
             errno=EEXIST, cite="x86.c: kvm_vm_ioctl_enable_cap, KVM_CAP_SPLIT_IRQCHIP (created_vcpus "
             "answers EEXIST, as an existing irqchip does)", setup=(VCPU0,), basis="code", cap="KVM_CAP_SPLIT_IRQCHIP",
             order_row=1),
        Case(id="split-irqchip-after-irqchip", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_SPLIT_IRQCHIP after KVM_CREATE_IRQCHIP", arch=("x86_64",), call=SPLIT_IRQCHIP,
             errno=EEXIST, cite="x86.c: kvm_vm_ioctl_enable_cap, KVM_CAP_SPLIT_IRQCHIP "
             "(irqchip_in_kernel)", setup=(IRQCHIP,), basis="code"),
    ]


def _riscv64() -> list[Case]:
    """7.43 KVM_CAP_RISCV_MP_STATE_RESET (6.16+; what enabling it changes: mp_state.py's riscv-mp-init-received-*).
    KVM_CHECK_EXTENSION answers 0 for it (7.2 vm.c kvm_vm_ioctl_check_extension has no case: case
    riscv-mp-state-reset-check in system.py), so the cases name the release instead of `needs=`."""
    mp_reset = "api.rst 7.43 KVM_CAP_RISCV_MP_STATE_RESET"
    return [
        Case(id="riscv-mp-state-reset-arg0", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_RISCV_MP_STATE_RESET, args[0] 1", arch=("riscv64",),
             call=enable_cap("KVM_CAP_RISCV_MP_STATE_RESET", 1), errno=EINVAL,
             cite=f"{mp_reset}: ':Returns: 0 on success, -EINVAL if arg[0] is not zero'",
             cap="KVM_CAP_RISCV_MP_STATE_RESET", kernels="6.16+",
             deviation=Deviation(f"{mp_reset} documents EINVAL for args[0] != 0; vm.c kvm_vm_ioctl_enable_cap "
                                 "(7.2) tests only the flags and never reads args[0] (the text and the code came "
                                 "in one patch)", SUCCEEDS)),
        Case(id="riscv-mp-state-reset", ioctl="KVM_ENABLE_CAP", condition="KVM_CAP_RISCV_MP_STATE_RESET, args[0] 0",
             arch=("riscv64",), call=enable_cap("KVM_CAP_RISCV_MP_STATE_RESET"), errno=0,
             cite=f"{mp_reset}: ':Returns: 0 on success'", cap="KVM_CAP_RISCV_MP_STATE_RESET", kernels="6.16+"),
        Case(id="riscv-mp-state-reset-flags", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_RISCV_MP_STATE_RESET, flags 1", arch=("riscv64",),
             call=enable_cap("KVM_CAP_RISCV_MP_STATE_RESET", flags=1), errno=EINVAL,
             cite="vm.c (7.2): kvm_vm_ioctl_enable_cap refuses any flags with -EINVAL", basis="code",
             cap="KVM_CAP_RISCV_MP_STATE_RESET", kernels="6.16+"),
    ]


CASES: list[Case] = [
    # --- KVM_CAP_ARM_MTE (api.rst 7.28) -----------------------------------------------------------------------
    Case(id="mte-enable", ioctl="KVM_ENABLE_CAP", condition="KVM_CAP_ARM_MTE before any vCPU exists", arch=("arm64",),
         features=("mte",), call=ENABLE_MTE, errno=0,
         cite=f"{CAP_MTE_DOC}: it must be enabled by the VMM before creating any VCPUs", cap="KVM_CAP_ARM_MTE",
         order_row=1, needs=(CAP_MTE,)),
    Case(id="mte-enable-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="KVM_CAP_ARM_MTE after KVM_CREATE_VCPU",
         arch=("arm64",), features=("mte",), call=ENABLE_MTE, errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: before creating any VCPUs (no errno given); arm.c kvm_vm_ioctl_enable_cap: "
         "created_vcpus -> -EINVAL", setup=(create_vcpu(0),), basis="code", needs=(CAP_MTE,)),
    Case(id="mte-enable-unsupported", ioctl="KVM_ENABLE_CAP", condition="KVM_CAP_ARM_MTE on a host without MTE",
         arch=("arm64",), lacks=("mte",), call=ENABLE_MTE, errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: the capability says KVM and the hardware support MTE; arm.c kvm_vm_ioctl_enable_cap: "
         "!system_supports_mte() -> -EINVAL", basis="code", needs=(CAP_NO_MTE,)),
    # 7.18 KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2).
    Case(id="protect2-enable", ioctl="KVM_ENABLE_CAP", condition="MANUAL_DIRTY_LOG_PROTECT2 with MANUAL_PROTECT_ENABLE",
         arch=GENERIC, call=manual_protect(), errno=0,
         cite=f"{PROTECT2}: 'Valid flags are KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE ...'"),
    Case(id="protect2-initially-set", ioctl="KVM_ENABLE_CAP", condition="MANUAL_PROTECT_ENABLE | INITIALLY_SET",
         arch=("x86_64", "arm64"),
         call=manual_protect(kvm.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | kvm.KVM_DIRTY_LOG_INITIALLY_SET), errno=0,
         cite=f"{PROTECT2}: INITIALLY_SET is 'only available on x86, arm64 and riscv'"),
    # riscv64 gained INITIALLY_SET after 6.12: its asm/kvm_host.h defines KVM_DIRTY_LOG_MANUAL_CAPS with it in 7.2,
    # not in 6.12, whose api.rst still says 'x86 and arm64'.
    Case(id="protect2-initially-set-riscv", ioctl="KVM_ENABLE_CAP", condition="MANUAL_PROTECT_ENABLE | INITIALLY_SET",
         arch=("riscv64",),
         call=manual_protect(kvm.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | kvm.KVM_DIRTY_LOG_INITIALLY_SET), errno=0,
         cite=f"{PROTECT2} (7.2): INITIALLY_SET is 'only available on x86, arm64 and riscv'", kernels="7.2+"),
    Case(id="protect2-initially-set-riscv-6.12", ioctl="KVM_ENABLE_CAP",
         condition="MANUAL_PROTECT_ENABLE | INITIALLY_SET, before riscv had it", arch=("riscv64",),
         call=manual_protect(kvm.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | kvm.KVM_DIRTY_LOG_INITIALLY_SET), errno=EINVAL,
         cite=f"{PROTECT2} (6.12): INITIALLY_SET is 'only available on x86 and arm64 for now' (refused; errno from "
         f"{MAIN}: kvm_vm_ioctl_enable_cap_generic, args[0] outside KVM_DIRTY_LOG_MANUAL_CAPS, which riscv's 6.12 "
         "kvm_host.h leaves at PROTECT_ENABLE alone)", basis="code", kernels="6.12"),
    Case(id="protect2-initially-set-alone", ioctl="KVM_ENABLE_CAP",
         condition="INITIALLY_SET without MANUAL_PROTECT_ENABLE", arch=GENERIC,
         call=manual_protect(kvm.KVM_DIRTY_LOG_INITIALLY_SET), errno=EINVAL,
         cite=f"{PROTECT2}: 'KVM_DIRTY_LOG_INITIALLY_SET depends "
         f"on KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE' (refused; errno from {MAIN}: kvm_vm_ioctl_enable_cap_generic)"),
    Case(id="protect2-unknown-bit", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 2 (no such option)",
         arch=GENERIC, call=manual_protect(0x5), errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_enable_cap_generic (args[0] outside KVM_DIRTY_LOG_MANUAL_CAPS: -EINVAL)",
         basis="code"),
    Case(id="protect2-flags", ioctl="KVM_ENABLE_CAP", condition="kvm_enable_cap.flags 1", arch=GENERIC,
         call=manual_protect(flags=1), errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_enable_cap_generic (cap->flags non-zero: -EINVAL)", basis="code"),
    Case(id="protect2-disable", ioctl="KVM_ENABLE_CAP", condition="args[0] 0 after enabling", arch=GENERIC,
         call=manual_protect(0), errno=0,
         cite=f"{PROTECT2}: ':Parameters: args[0] whether feature should be enabled or not'",
         setup=(manual_protect(),)),
    # 7.36 the dirty ring, and KVM_RESET_DIRTY_RINGS.
    Case(id="ring-enable", ioctl="KVM_ENABLE_CAP",
         condition="DIRTY_LOG_RING_ACQ_REL, 64 KiB, right after KVM_CREATE_VM", arch=GENERIC, call=ring(),
         errno=0,
         cite=f"{RING}: 'Userspace should call KVM_ENABLE_CAP ioctl right after KVM_CREATE_VM ... the size of the ring "
         "must be a power of two ... recommended that it be at least 64 KiB'", needs=ACQ_REL),
    Case(id="ring-tso-enable", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING (x86 is TSO: it exposes both)",
         arch=("x86_64",), call=ring(cap="KVM_CAP_DIRTY_LOG_RING"), errno=0,
         cite=f"{RING}: 'Architecture with TSO-like ordering (such as x86) are "
         "allowed to expose both'", needs=((kvm.KVM_CAP_DIRTY_LOG_RING, "KVM_CAP_DIRTY_LOG_RING", True),)),
    Case(id="ring-weakly-ordered", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING (not ACQ_REL) on arm64",
         arch=("arm64",), call=ring(cap="KVM_CAP_DIRTY_LOG_RING"), errno=EINVAL,
         cite=f"{RING}: 'KVM_CAP_DIRTY_LOG_RING_ACQ_REL is the only "
         f"capability that should be exposed by weakly ordered architecture' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_enable_cap_generic, the capability checks 0)"),
    Case(id="ring-not-power-of-two", ioctl="KVM_ENABLE_CAP", condition="size 0x11000", arch=GENERIC,
         call=ring(0x11000), errno=EINVAL,
         cite=f"{RING}: 'the size of the ring must be a power of two' (refused; errno from {CODE_RING})",
         needs=ACQ_REL),
    Case(id="ring-zero", ioctl="KVM_ENABLE_CAP", condition="size 0", arch=GENERIC, call=ring(0),
         errno=EINVAL, cite=f"{CODE_RING} (!size: -EINVAL)", basis="code", needs=ACQ_REL),
    Case(id="ring-too-small", ioctl="KVM_ENABLE_CAP", condition="size 2 KiB (less than a page)",
         arch=GENERIC, call=ring(0x800), errno=EINVAL,
         cite=f"{CODE_RING} (smaller than the reserved entries or a page: -EINVAL)", basis="code", needs=ACQ_REL),
    Case(id="ring-too-large", ioctl="KVM_ENABLE_CAP", condition="twice the capability's maximum",
         arch=GENERIC, call=ring(RING_MAX), errno=E2BIG,
         cite=f"{CODE_RING} (more than KVM_DIRTY_RING_MAX_ENTRIES entries: -E2BIG)", basis="code", needs=ACQ_REL),
    Case(id="ring-twice", ioctl="KVM_ENABLE_CAP", condition="the ring enabled a second time", arch=GENERIC,
         call=ring(), errno=EINVAL, cite=f"{CODE_RING} ('We only allow it to set once': -EINVAL)", setup=(ring(),),
         basis="code", needs=ACQ_REL),
    Case(id="ring-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="after KVM_CREATE_VCPU", arch=GENERIC,
         call=ring(), errno=EINVAL,
         cite=f"{RING}: 'Enabling the capability is only allowed before creating any vCPU' (refused; errno from "
         f"{CODE_RING})", setup=(create_vcpu(0),), cap="KVM_CAP_DIRTY_LOG_RING", order_row=2, needs=ACQ_REL),
    # 7.36: the ring's entries, and ring + bitmap (KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, arm64 needs it).
    Case(id="ring-entry", ioctl="KVM_ENABLE_CAP", condition="the guest stored to page 2 of a logged slot",
         arch=("x86_64", "arm64"), call=READ_RING, errno=0,
         cite=f"{RING}: 'the buffer tracks writes to all user memory regions for which the KVM_MEM_LOG_DIRTY_PAGES "
              "flag "
         "was set ... If the flags has the DIRTY bit set ... this GFN is a dirty GFN' (slot: as_id | slot_id; offset: "
         "the page in the slot)", setup=(ring(), *DIRTY), check=ring_has(DIRTY_PAGE), needs=ACQ_REL),
    # Without a bitmap an arm64 slot is not "logging" (mmu.c memslot_is_logging tests dirty_bitmap), so a fault maps
    # the page writable at once and user_mem_abort reports it dirty then: the code page, only fetched, is in the ring.
    Case(id="ring-entries-arm64", ioctl="KVM_ENABLE_CAP",
         condition="the guest fetched from page 0 and stored to page 2", arch=("arm64",), call=READ_RING, errno=0,
         cite="arm64 mmu.c: memslot_is_logging (dirty_bitmap is NULL with the ring), user_mem_abort "
         "(mark_page_dirty_in_slot for every writable mapping)", setup=(ring(), *DIRTY), check=ring_is([0, DIRTY_PAGE]),
         basis="code", needs=ACQ_REL),
    Case(id="ring-entries-x86", ioctl="KVM_ENABLE_CAP", condition="the guest fetched from page 1 and stored to page 2",
         arch=("x86_64",), call=READ_RING, errno=0,
         cite=f"{RING} (writes are tracked); x86 write-protects a slot with KVM_MEM_LOG_DIRTY_PAGES whatever the "
              "tracking, "
         "so only the stored page is dirty", setup=(ring(), *DIRTY), check=ring_is([DIRTY_PAGE]), basis="code",
         needs=ACQ_REL),
    Case(id="ring-bitmap-no-ring", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING_WITH_BITMAP before the ring",
         arch=GENERIC,
         call=RING_WITH_BITMAP, errno=EINVAL,
         cite=f"{RING}: 'KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP can't be enabled if the capability of "
         f"KVM_CAP_DIRTY_LOG_RING_ACQ_REL hasn't been enabled' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_enable_cap_generic)", cap="KVM_CAP_DIRTY_LOG_RING", order_row=5, needs=WITH_BITMAP),
    Case(id="ring-bitmap-after-slot", ioctl="KVM_ENABLE_CAP",
         condition="DIRTY_LOG_RING_WITH_BITMAP after a memslot exists", arch=("x86_64", "arm64"),
         call=RING_WITH_BITMAP, errno=EINVAL,
         cite=f"{RING}: '... or any memslot has been existing' (refused; errno from {MAIN}: "
         "kvm_vm_ioctl_enable_cap_generic)", setup=(ring(), log_slot()), needs=ACQ_REL + WITH_BITMAP),
    Case(id="ring-bitmap", ioctl="KVM_ENABLE_CAP",
         condition="DIRTY_LOG_RING_WITH_BITMAP after the ring, before any memslot", arch=GENERIC,
         call=RING_WITH_BITMAP, errno=0,
         cite=f"{RING}: 'userspace needs to detect the capability of KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP to see whether "
         "the ring structures can be backed by per-slot bitmaps'", setup=(ring(),), needs=ACQ_REL + WITH_BITMAP),
    Case(id="ring-bitmap-x86", ioctl="KVM_ENABLE_CAP", condition="DIRTY_LOG_RING_WITH_BITMAP on x86 (capability 0)",
         arch=("x86_64",), call=RING_WITH_BITMAP,
         errno=EINVAL,
         cite=f"{MAIN}: kvm_vm_ioctl_enable_cap_generic (!CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP: -EINVAL)",
         setup=(ring(),), basis="code",
         needs=ACQ_REL + ((kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP", False),),
         kernels="6.2+ (the capability came in 6.2)"),
    *_x86_caps(),
    *_enable_cap_arm64(),
    *_enable_cap_ring(),
    *_create(),
    *_riscv64(),
]

UNREACHABLE = [
    Unreachable("KVM_ENABLE_CAP", 0, "x86 has no ring-with-bitmap: it does not select "
                "CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP (6.12, 7.2), KVM_CHECK_EXTENSION("
                "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) answers 0 and enabling it fails, so there is no backup bitmap "
                "to collect", arch="x86_64", cap="KVM_CAP_DIRTY_LOG_RING", order_row=6),
    Unreachable("KVM_ENABLE_CAP", 0, "x86 has no ring-with-bitmap (see rule 6): no bitmap collection for another "
                "ioctl to follow", arch="x86_64", cap="KVM_CAP_DIRTY_LOG_RING", order_row=7),
    Unreachable("KVM_ENABLE_CAP", 0, "riscv has no ring-with-bitmap either: arch/riscv/kvm/Kconfig selects "
                "HAVE_KVM_DIRTY_RING_ACQ_REL but not NEED_KVM_DIRTY_RING_WITH_BITMAP (7.2; 6.12 has no riscv dirty "
                "ring), so there is no backup bitmap to collect", arch="riscv64", cap="KVM_CAP_DIRTY_LOG_RING",
                order_row=6),
    Unreachable("KVM_ENABLE_CAP", 0, "riscv has no ring-with-bitmap (see rule 6): no bitmap collection for another "
                "ioctl to follow", arch="riscv64", cap="KVM_CAP_DIRTY_LOG_RING", order_row=7),
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
