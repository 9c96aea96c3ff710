"""The x86_64 system, VM and vCPU ioctls of api.rst on the local /dev/kvm: every documented error reachable
there, the implemented errors met on the same paths, and why the rest cannot be reached.

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1.192, 6.12.117, 7.2.13): 4.2 KVM_CREATE_VM, 4.3
KVM_GET_MSR_INDEX_LIST/KVM_GET_MSR_FEATURE_INDEX_LIST, 4.7 KVM_CREATE_VCPU, 4.10 KVM_RUN, 4.16 KVM_INTERRUPT,
4.21 KVM_SET_SIGNAL_MASK, 4.24 KVM_CREATE_IRQCHIP, 4.31/4.32 KVM_{GET,SET}_VCPU_EVENTS, 4.35
KVM_SET_USER_MEMORY_REGION, 4.41 KVM_SET_BOOT_CPU_ID, 4.46 KVM_GET_SUPPORTED_CPUID, 4.56 KVM_GET_TSC_KHZ,
4.68/4.69 KVM_{SET,GET}_ONE_REG, 4.84 KVM_GET_REG_LIST, 4.88 KVM_GET_EMULATED_CPUID, 4.99 KVM_REINJECT_CONTROL,
4.105 KVM_X86_SETUP_MCE, 4.106 KVM_X86_SET_MCE, 4.113 KVM_HYPERV_EVENTFD, 4.118 KVM_GET_SUPPORTED_HV_CPUID,
4.133 KVM_GET_STATS_FD; 5 "The kvm_run structure" (immediate_exit).
Implementation (Debian 6.1.192, 6.12.117, 7.2.13): arch/x86/kvm/x86.c (kvm_arch_dev_ioctl, kvm_arch_vm_ioctl,
kvm_arch_vcpu_ioctl, kvm_vcpu_ioctl_interrupt, kvm_vcpu_ioctl_x86_setup_mce, kvm_vcpu_ioctl_x86_set_mce,
kvm_get_set_one_reg, kvm_get_reg_list, kvm_arch_vcpu_precreate, kvm_arch_init_vm,
kvm_vm_ioctl_check_extension, kvm_ioctl_get_supported_hv_cpuid), arch/x86/kvm/cpuid.c (kvm_dev_ioctl_get_cpuid,
sanity_check_entries), arch/x86/kvm/hyperv.c (kvm_vm_ioctl_hv_eventfd, kvm_get_hv_cpuid; 6.1 and 6.12 only),
virt/kvm/kvm_main.c (kvm_set_memory_region / __kvm_set_memory_region, kvm_vm_ioctl_create_vcpu,
kvm_vm_ioctl_get_stats_fd, kvm_vcpu_ioctl_get_stats_fd, kvm_vcpu_ioctl); x86.c of the newest upstream tree for the
capability-gated cases (Hyper-V, nested state). docs/research/x86_ioctls.md has every row with its evidence.

What a kernel may be built or loaded without (Hyper-V emulation, CONFIG_KVM_HYPERV; nested virtualization, see
x86_vcpu_state) is a capability it answers 0 for: the cases of the documented behaviour need it non-zero, and the
refusal of a kernel without it is a case of its own that needs it 0 (`needs=`), so each kernel runs the half that
applies to it and skips the other with one line naming the capability. No expectation depends on the host's vendor
module or build beyond what a capability says.

Signals and RLIMIT_NOFILE act on the process that issues the ioctls: those steps need the local target.
"""

from __future__ import annotations

import errno
import struct
from errno import (
    E2BIG,
    EBUSY,
    EEXIST,
    EFAULT,
    EINTR,
    EINVAL,
    EIO,
    EMFILE,
    ENOENT,
    ENOEXEC,
    ENOMEM,
    ENOSYS,
    ENXIO,
    EPERM,
)

from abi import kvm, x86
from abi.spec.case import (
    KERNEL_BREAKS_DOCUMENT,
    SUCCEEDS,
    Case,
    Deviation,
    DocumentedError,
    Finding,
    Unreachable,
    Val,
)
from abi.spec.steps.base import BAD_POINTER, call
from abi.spec.steps.irq import eventfd
from abi.spec.steps.system import create_vm, stats_fd
from abi.spec.steps.vm import IRQCHIP, create_vcpu
from abi.spec.steps.x86_vm import (
    _ARM64_PART,
    _ATTR_ROWS,
    _MSR_ROWS,
    _REG_ROWS,
    API,
    ATTR,
    BOOT,
    CPUID,
    DEASSIGN,
    DEVICE,
    ECPUID,
    ENTRY,
    EVENTS,
    HAS_ATTR,
    HAS_HV_CPUID,
    HAS_HV_EVENTFD,
    HAS_SYS_HV_CPUID,
    HV_CPUID,
    HV_EVENTFD,
    HV_EVENTFD_FN,
    INTR,
    MCE_BANKS,
    MCE_SET,
    MCE_SETUP,
    MCI_STATUS_VAL,
    MEMSLOT,
    MSR_IA32_SYSENTER_CS,
    MSR_LIST,
    MSR_NONE,
    NO_HV_CPUID,
    NO_HV_EVENTFD,
    NO_ONE_REG_KERNELS,
    NO_SYS_HV_CPUID,
    ONE_REG_KERNELS,
    ONEREG,
    PIT2,
    PMU,
    REINJECT,
    SLOT0_HOST,
    STATS,
    VCPU,
    VFIO,
    cap,
    count_check,
    counted,
    cpuid_entries,
    cpuid_entry_bit,
    create_device,
    device_attr,
    enable_split_irqchip,
    hv_eventfd,
    interrupt,
    looping_guest,
    one_reg,
    one_reg_id,
    pmu_filter,
    positive,
    region,
    region_kept,
    run_until_timer_signal,
    run_vcpu,
    run_with_pending,
    set_events,
    set_mce,
    setup_mce,
    sigmask,
    with_no_free_fd,
)
from abi.x86 import KVM_REG_GUEST_SSP, KVM_X86_REG_TYPE_KVM, KVM_X86_REG_TYPE_MSR  # asm/kvm.h since 6.18

CASES: list[Case] = []


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


def _cpuid() -> list[Case]:
    out = []
    for name, short, cite in (("KVM_GET_SUPPORTED_CPUID", "supported", CPUID),
                              ("KVM_GET_EMULATED_CPUID", "emulated", ECPUID)):
        out += [
            Case(id=f"{short}-cpuid-nent-0", ioctl=name, condition="nent 0: too small for any entry", arch=("x86_64",),
                 call=call(name, "system", counted("<II", 0, 1, ENTRY), "nent 0"), errno=E2BIG,
                 cite=f"{cite}: 'If the number is too low ... E2BIG'; cpuid.c: kvm_dev_ioctl_get_cpuid (nent < 1)"),
            Case(id=f"{short}-cpuid-nent-1", ioctl=name, condition="nent 1: fewer than the entries to describe",
                 arch=("x86_64",), call=call(name, "system", counted("<II", 1, 1, ENTRY), "nent 1"), errno=E2BIG,
                 cite=f"{cite}: 'If the number is too low ... E2BIG'; cpuid.c: do_cpuid_func (array full)"),
            Case(id=f"{short}-cpuid-nent-256", ioctl=name,
                 condition="nent 256 (KVM_MAX_CPUID_ENTRIES): nent adjusted to the entries", arch=("x86_64",),
                 call=call(name, "system", counted("<II", 256, 256, ENTRY), "nent 256"), errno=0,
                 cite=f"{cite}: 'If the number is just right, the nent field is adjusted'", check=cpuid_entries(256)),
            Case(id=f"{short}-cpuid-nent-too-high", ioctl=name,
                 condition="nent 1000 (more than KVM_MAX_CPUID_ENTRIES), room for all", arch=("x86_64",),
                 call=call(name, "system", counted("<II", 1000, 1000, ENTRY), "nent 1000"), errno=ENOMEM,
                 cite=f"{cite}: 'If the number is too high, the nent field is adjusted and an error (ENOMEM) is "
                 "returned'",
                 deviation=Deviation(f"{cite} says a too-high nent is adjusted and answered with ENOMEM; cpuid.c "
                                     "kvm_dev_ioctl_get_cpuid clamps nent to KVM_MAX_CPUID_ENTRIES (256), fills "
                                     "the entries and succeeds (ENOMEM only when kvcalloc fails), in 6.1, 6.12 and 7.2",
                                     SUCCEEDS)),
            Case(id=f"{short}-cpuid-bad-pointer", ioctl=name, condition="the argument is not readable",
                 arch=("x86_64",), call=call(name, "system", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
                 cite="x86.c: kvm_arch_dev_ioctl (copy_from_user of struct kvm_cpuid2)", basis="code"),
        ]
    out.append(Case(id="supported-cpuid-without-guest-perm", ioctl="KVM_GET_SUPPORTED_CPUID",
                    condition="the process never requested "
                    "ARCH_REQ_XCOMP_GUEST_PERM: AMX tile data (XCR0 bit 18) is not offered", arch=("x86_64",),
                    call=call("KVM_GET_SUPPORTED_CPUID", "system", counted("<II", 256, 256, ENTRY), "nent 256"),
                    errno=0,
                    cite=f"{CPUID}: 'Dynamically-enabled feature bits need to be requested with arch_prctl() before "
                    "calling this ioctl'; cpuid.c __do_cpuid_func, leaf 0xd: EAX &= the permitted XCR0 (6.1: "
                    "supported_xcr0 & xstate_get_guest_group_perm(); 6.12, 7.2: kvm_get_filtered_xcr0), and the "
                    "guest permission of a process that asked for none has no XFEATURE_MASK_XTILE_DATA",
                    check=cpuid_entry_bit(0xD, 0, 0, 18, 0, "EAX bit 18 (XTILE_DATA)"), basis="code", order_row=1))
    out.append(Case(id="emulated-cpuid-dirty-padding", ioctl="KVM_GET_EMULATED_CPUID",
                    condition="an entry's padding is not zero", arch=("x86_64",),
                    call=call("KVM_GET_EMULATED_CPUID", "system",
                         struct.pack("<II", 256, 0) + bytes(28) + struct.pack("<I", 1) + bytes(8) + bytes(255 * ENTRY),
                         "nent 256, entries[0].padding[0] = 1"), errno=EINVAL,
                    cite="cpuid.c: sanity_check_entries (emulated only: padding must be zero)", basis="code"))
    out.append(Case(id="supported-cpuid-dirty-padding", ioctl="KVM_GET_SUPPORTED_CPUID",
                    condition="an entry's padding is not zero", arch=("x86_64",),
                    call=call("KVM_GET_SUPPORTED_CPUID", "system",
                         struct.pack("<II", 256, 0) + bytes(28) + struct.pack("<I", 1) + bytes(8) + bytes(255 * ENTRY),
                         "nent 256, entries[0].padding[0] = 1"), errno=0,
                    cite="cpuid.c: sanity_check_entries (never checked for KVM_GET_SUPPORTED_CPUID, kept for "
                    "compatibility)", basis="code", check=cpuid_entries(256)))
    return out


def _interrupt() -> list[Case]:
    return [
        Case(id="userspace-pic", ioctl="KVM_INTERRUPT", condition="no in-kernel irqchip: the vector is queued",
             arch=("x86_64",), call=interrupt(0x20), errno=0,
             cite=f"{INTR}: 'Queues a hardware interrupt vector to be injected'; x86.c: "
             "kvm_vcpu_ioctl_interrupt", setup=(VCPU,)),
        Case(id="vector-256", ioctl="KVM_INTERRUPT", condition="irq 256 (>= KVM_NR_INTERRUPTS)", arch=("x86_64",),
             call=interrupt(256), errno=EINVAL, cite=f"{INTR}: '-EINVAL the irq number is invalid'", setup=(VCPU,)),
        Case(id="vector-256-in-kernel-pic", ioctl="KVM_INTERRUPT",
             condition="irq 256 with the in-kernel PIC: the number is checked "
             "first", arch=("x86_64",), call=interrupt(256), errno=EINVAL,
             cite="x86.c: kvm_vcpu_ioctl_interrupt (irq >= KVM_NR_INTERRUPTS first)", setup=(IRQCHIP, VCPU),
             basis="code"),
        Case(id="in-kernel-pic", ioctl="KVM_INTERRUPT", condition="KVM_CREATE_IRQCHIP made the PIC in-kernel",
             arch=("x86_64",), call=interrupt(0x20), errno=ENXIO, cite=f"{INTR}: '-ENXIO if the PIC is in the kernel'",
             setup=(IRQCHIP, VCPU)),
        Case(id="split-irqchip-first", ioctl="KVM_INTERRUPT",
             condition="split irqchip (LAPIC in-kernel, PIC in userspace): "
             "an ExtINT vector is accepted", arch=("x86_64",), call=interrupt(0x20), errno=0,
             cite=f"{INTR}: 'with an in-kernel LAPIC but a userspace PIC ... ExtINT'; x86.c: kvm_vcpu_ioctl_interrupt",
             setup=(enable_split_irqchip(), VCPU)),
        Case(id="split-irqchip-already-enqueued", ioctl="KVM_INTERRUPT",
             condition="split irqchip, an ExtINT vector already pending", arch=("x86_64",), call=interrupt(0x21),
             errno=EEXIST, cite=f"{INTR}: '-EEXIST if an interrupt is already enqueued'",
             setup=(enable_split_irqchip(), VCPU, interrupt(0x20))),
        Case(id="bad-pointer", ioctl="KVM_INTERRUPT", condition="the argument is not readable", arch=("x86_64",),
             call=call("KVM_INTERRUPT", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{INTR}: '-EFAULT if the pointer is invalid'", setup=(VCPU,)),
    ]


def _mce() -> list[Case]:
    banks_plus_1 = Val("KVM_CAP_MCE + 1", lambda s: MCE_BANKS(s) + 1)
    return [
        Case(id="setup-one-bank", ioctl="KVM_X86_SETUP_MCE", condition="1 bank, no capability bits", arch=("x86_64",),
             call=setup_mce(1), errno=0, cite=MCE_SETUP, setup=(VCPU,)),
        Case(id="setup-max-banks", ioctl="KVM_X86_SETUP_MCE", condition="as many banks as KVM_CAP_MCE reports",
             arch=("x86_64",), call=setup_mce(MCE_BANKS), errno=0,
             cite=f"{MCE_SETUP}: 'The maximum supported number of error-reporting banks can be retrieved when "
             "checking for KVM_CAP_MCE'", setup=(VCPU,)),
        Case(id="setup-zero-banks", ioctl="KVM_X86_SETUP_MCE", condition="0 banks", arch=("x86_64",), call=setup_mce(0),
             errno=EINVAL, cite=f"{MCE_SETUP}: '-EINVAL if the requested number of banks is invalid'", setup=(VCPU,)),
        Case(id="setup-too-many-banks", ioctl="KVM_X86_SETUP_MCE", condition="KVM_CAP_MCE + 1 banks", arch=("x86_64",),
             call=setup_mce(banks_plus_1), errno=EINVAL,
             cite=f"{MCE_SETUP}: '-EINVAL if the requested number of banks is invalid'", setup=(VCPU,)),
        Case(id="setup-unsupported-capability", ioctl="KVM_X86_SETUP_MCE",
             condition="1 bank and bit 63, no MCG_CAP capability", arch=("x86_64",), call=setup_mce(1 | 1 << 63),
             errno=EINVAL, cite=f"{MCE_SETUP}: '-EINVAL if requested MCE capability is not supported'; x86.c: "
             "kvm_vcpu_ioctl_x86_setup_mce (bits outside supported_mce_cap | 0xff | 0xff0000)", setup=(VCPU,)),
        Case(id="setup-bad-pointer", ioctl="KVM_X86_SETUP_MCE", condition="mcg_cap is not readable", arch=("x86_64",),
             call=call("KVM_X86_SETUP_MCE", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{MCE_SETUP}: '-EFAULT if u64 mcg_cap cannot be read'", setup=(VCPU,)),
        Case(id="set-corrected-error", ioctl="KVM_X86_SET_MCE",
             condition="bank 0, status VAL: a corrected error is stored", arch=("x86_64",),
             call=set_mce(0, MCI_STATUS_VAL), errno=0, cite=MCE_SET, setup=(VCPU, setup_mce(1))),
        Case(id="set-bank-out-of-range", ioctl="KVM_X86_SET_MCE", condition="bank 1 of a 1-bank setup",
             arch=("x86_64",), call=set_mce(1, MCI_STATUS_VAL), errno=EINVAL,
             cite=f"{MCE_SET}: '-EINVAL if the bank number is invalid'", setup=(VCPU, setup_mce(1))),
        Case(id="set-without-val", ioctl="KVM_X86_SET_MCE", condition="status without the VAL bit", arch=("x86_64",),
             call=set_mce(0, 1), errno=EINVAL, cite=f"{MCE_SET}: '-EINVAL if VAL bit is not set in status field'",
             setup=(VCPU, setup_mce(1))),
        Case(id="set-bad-pointer", ioctl="KVM_X86_SET_MCE", condition="the argument is not readable", arch=("x86_64",),
             call=call("KVM_X86_SET_MCE", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{MCE_SET}: '-EFAULT if struct kvm_x86_mce cannot be read'", setup=(VCPU, setup_mce(1))),
    ]


def _vm() -> list[Case]:
    max_id = cap("KVM_CAP_MAX_VCPU_ID")
    reinject = x86.kvm_reinject_control(pit_reinject=0)
    return [
        Case(id="no-pit", ioctl="KVM_REINJECT_CONTROL", condition="no PIT created", arch=("x86_64",),
             call=call("KVM_REINJECT_CONTROL", "vm", reinject,
             "pit_reinject 0"), errno=ENXIO,
             cite=f"{REINJECT}: '-ENXIO if KVM_CREATE_PIT or KVM_CREATE_PIT2 didn't succeed "
             "earlier'", order_row=1),
        Case(id="with-pit", ioctl="KVM_REINJECT_CONTROL", condition="after KVM_CREATE_PIT2", arch=("x86_64",),
             call=call("KVM_REINJECT_CONTROL", "vm", reinject,
             "pit_reinject 0"), errno=0, cite=REINJECT, setup=(IRQCHIP, PIT2)),
        Case(id="reinject-bad-pointer", ioctl="KVM_REINJECT_CONTROL",
             condition="the argument is not readable (no PIT either: the "
             "copy comes first)", arch=("x86_64",),
             call=call("KVM_REINJECT_CONTROL", "vm", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{REINJECT}: '-EFAULT if struct kvm_reinject_control cannot be read'; x86.c: kvm_arch_vm_ioctl "
             "(copy before the PIT check)"),
        Case(id="boot-cpu-before-vcpus", ioctl="KVM_SET_BOOT_CPU_ID", condition="vcpu id 1, no vCPU yet",
             arch=("x86_64",), call=call("KVM_SET_BOOT_CPU_ID", "vm", 1, "1"), errno=0,
             cite=f"{BOOT}: 'has to be called before vcpu creation'"),
        Case(id="boot-cpu-after-vcpu", ioctl="KVM_SET_BOOT_CPU_ID", condition="after KVM_CREATE_VCPU", arch=("x86_64",),
             call=call("KVM_SET_BOOT_CPU_ID", "vm", 0, "0"), errno=EBUSY,
             cite=f"{BOOT}: 'otherwise it will return EBUSY error'", setup=(VCPU,), order_row=1),
        Case(id="boot-cpu-id-beyond-max", ioctl="KVM_SET_BOOT_CPU_ID", condition="vcpu id KVM_CAP_MAX_VCPU_ID + 1",
             arch=("x86_64",),
             call=call("KVM_SET_BOOT_CPU_ID", "vm", lambda s: max_id(s) + 1, "KVM_CAP_MAX_VCPU_ID + 1"), errno=EINVAL,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_BOOT_CPU_ID (arg > KVM_MAX_VCPU_IDS)", basis="code",
             kernels="6.12+ (6.1 stores any id: no limit check)"),
        Case(id="boot-cpu-id-equal-max", ioctl="KVM_SET_BOOT_CPU_ID",
             condition="vcpu id KVM_CAP_MAX_VCPU_ID, which no vCPU can have", arch=("x86_64",),
             call=call("KVM_SET_BOOT_CPU_ID", "vm", max_id, "KVM_CAP_MAX_VCPU_ID"), errno=0,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_BOOT_CPU_ID compares arg > KVM_MAX_VCPU_IDS, while "
             "kvm_vm_ioctl_create_vcpu refuses id >= KVM_MAX_VCPU_IDS: the limit itself is accepted", basis="code"),
        Case(id="vm-tsc-khz", ioctl="KVM_GET_TSC_KHZ", condition="on the VM fd: the default guest TSC frequency",
             arch=("x86_64",), call=call("KVM_GET_TSC_KHZ", "vm"), errno=0,
             cite=f"{API} 4.56 KVM_GET_TSC_KHZ: 'Returns the tsc frequency of the "
             "guest' (vm ioctl with KVM_CAP_VM_TSC_CONTROL)", check=positive, kernels="6.0+"),
        Case(id="vcpu-tsc-khz", ioctl="KVM_GET_TSC_KHZ", condition="on the vCPU fd", arch=("x86_64",),
             call=call("KVM_GET_TSC_KHZ", "vcpu"), errno=0,
             cite=f"{API} 4.56 KVM_GET_TSC_KHZ: 'Returns the tsc frequency of the guest'", setup=(VCPU,),
             check=positive),
    ]


def _create() -> list[Case]:
    max_id = cap("KVM_CAP_MAX_VCPU_ID")
    return [
        Case(id="vm-type-unsupported", ioctl="KVM_CREATE_VM", condition="machine type 31, which x86 does not define",
             arch=("x86_64",), call=create_vm(31), errno=EINVAL,
             cite="x86.c: kvm_arch_init_vm (kvm_is_vm_type_supported; 6.1: any type but 0)", basis="code",
             needs_vm=False),
        Case(id="vcpu-id-max", ioctl="KVM_CREATE_VCPU", condition="id KVM_CAP_MAX_VCPU_ID (ids run below it)",
             arch=("x86_64",), call=call("KVM_CREATE_VCPU", "vm", max_id, "KVM_CAP_MAX_VCPU_ID"), errno=EINVAL,
             cite=f"{API} 4.7 KVM_CREATE_VCPU: 'The maximum possible value for max_vcpu_id can be retrieved using the "
             "KVM_CAP_MAX_VCPU_ID'; kvm_main.c: kvm_vm_ioctl_create_vcpu (id >= KVM_MAX_VCPU_IDS)", basis="code"),
        Case(id="vcpu-id-duplicate", ioctl="KVM_CREATE_VCPU", condition="id 0 twice", arch=("x86_64",),
             call=create_vcpu(0), errno=EEXIST, cite="kvm_main.c: kvm_vm_ioctl_create_vcpu (kvm_get_vcpu_by_id)",
             setup=(VCPU,), basis="code"),
        Case(id="irqchip-after-vcpu", ioctl="KVM_CREATE_IRQCHIP", condition="after KVM_CREATE_VCPU", arch=("x86_64",),
             call=IRQCHIP, errno=EINVAL, cite="x86.c: kvm_arch_vm_ioctl, KVM_CREATE_IRQCHIP (created_vcpus)",
             setup=(VCPU,), basis="code"),
        Case(id="irqchip-twice", ioctl="KVM_CREATE_IRQCHIP", condition="a second time", arch=("x86_64",), call=IRQCHIP,
             errno=EEXIST, cite="x86.c: kvm_arch_vm_ioctl, KVM_CREATE_IRQCHIP (irqchip_in_kernel)", setup=(IRQCHIP,),
             basis="code"),
        Case(id="split-irqchip-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_SPLIT_IRQCHIP after KVM_CREATE_VCPU", arch=("x86_64",), call=enable_split_irqchip(),
             errno=EEXIST, cite="x86.c: kvm_vm_ioctl_enable_cap, KVM_CAP_SPLIT_IRQCHIP (created_vcpus "
             "answers EEXIST, as an existing irqchip does)", setup=(VCPU,), basis="code", cap="KVM_CAP_SPLIT_IRQCHIP",
             order_row=1),
        Case(id="split-irqchip-after-irqchip", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_SPLIT_IRQCHIP after KVM_CREATE_IRQCHIP", arch=("x86_64",), call=enable_split_irqchip(),
             errno=EEXIST, cite="x86.c: kvm_vm_ioctl_enable_cap, KVM_CAP_SPLIT_IRQCHIP "
             "(irqchip_in_kernel)", setup=(IRQCHIP,), basis="code"),
    ]


def _run_cases() -> list[Case]:
    return [
        Case(id="immediate-exit", ioctl="KVM_RUN", condition="kvm_run.immediate_exit set", arch=("x86_64",),
             call=run_vcpu(1), errno=EINTR,
             cite=f"{API} 5 The kvm_run structure, immediate_exit: 'KVM_RUN ... exits immediately, returning -EINTR'",
             setup=(looping_guest(),)),
        Case(id="signal-during-run", ioctl="KVM_RUN",
             condition="SIGALRM (unmasked, handled) arrives while the guest runs", arch=("x86_64",),
             call=run_until_timer_signal(), errno=EINTR,
             cite=f"{API} 4.10 KVM_RUN Errors: EINTR 'an unmasked signal is pending'", setup=(looping_guest(),)),
        Case(id="pending-signal-unblocked-by-mask", ioctl="KVM_SET_SIGNAL_MASK",
             condition="SIGUSR1 pending, blocked by the thread, "
             "not by the vCPU's signal mask", arch=("x86_64",), call=run_with_pending(), errno=EINTR,
             cite=f"{API} 4.21 KVM_SET_SIGNAL_MASK: 'Any unblocked signal received ... will cause KVM_RUN to return "
                  "with "
             "-EINTR'", setup=(looping_guest(), sigmask())),
        Case(id="signal-mask-bad-length", ioctl="KVM_SET_SIGNAL_MASK",
             condition="len 4 (the kernel's sigset_t is 8 bytes)", arch=("x86_64",), call=sigmask(length=4),
             errno=EINVAL, cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_SIGNAL_MASK (len != sizeof(sigset))",
             setup=(VCPU,), basis="code"),
        Case(id="signal-mask-bad-pointer", ioctl="KVM_SET_SIGNAL_MASK", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_SET_SIGNAL_MASK", "vcpu", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="kvm_main.c: kvm_vcpu_ioctl, KVM_SET_SIGNAL_MASK (copy_from_user)", setup=(VCPU,),
             basis="code"),
    ]


def _stats() -> list[Case]:
    return [
        Case(id="vm-stats-fd", ioctl="KVM_GET_STATS_FD", condition="on the VM fd", arch=("x86_64",),
             call=stats_fd("vm"), errno=0, cite=f"{STATS}: 'Returns: statistics file descriptor on success'"),
        Case(id="vcpu-stats-fd", ioctl="KVM_GET_STATS_FD", condition="on the vCPU fd", arch=("x86_64",),
             call=stats_fd("vcpu"), errno=0, cite=f"{STATS}: 'Returns: statistics file descriptor on success'",
             setup=(VCPU,)),
        Case(id="vm-stats-fd-emfile", ioctl="KVM_GET_STATS_FD",
             condition="on the VM fd, no descriptor free under RLIMIT_NOFILE", arch=("x86_64",),
             call=with_no_free_fd(stats_fd("vm")), errno=EMFILE,
             cite=f"{STATS} Errors: EMFILE 'if the number of opened files exceeds the limit'"),
        Case(id="vcpu-stats-fd-emfile", ioctl="KVM_GET_STATS_FD",
             condition="on the vCPU fd, no descriptor free under RLIMIT_NOFILE", arch=("x86_64",),
             call=with_no_free_fd(stats_fd("vcpu")), errno=EMFILE,
             cite=f"{STATS} Errors: EMFILE 'if the number of opened files exceeds the limit'", setup=(VCPU,)),
        Case(id="create-vcpu-emfile", ioctl="KVM_CREATE_VCPU", condition="no descriptor free under RLIMIT_NOFILE",
             arch=("x86_64",), call=with_no_free_fd(create_vcpu(0)), errno=EMFILE,
             cite="kvm_main.c: create_vcpu_fd (anon_inode_getfd -> get_unused_fd_flags)", basis="code"),
    ]


def _memslots() -> list[Case]:
    nr = cap("KVM_CAP_NR_MEMSLOTS")
    return [
        Case(id="slot-created", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 0, one page, page-aligned",
             arch=("x86_64",), call=region(), errno=0, cite=f"{API} 4.35 KVM_SET_USER_MEMORY_REGION"),
        Case(id="slot-readonly", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="KVM_MEM_READONLY (x86 has KVM_CAP_READONLY_MEM)", arch=("x86_64",),
             call=region(flags=kvm.KVM_MEM_READONLY), errno=0,
             cite=f"{API} 4.35: 'KVM_MEM_READONLY ... if KVM_CAP_READONLY_MEM'"),
        Case(id="size-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION", condition="memory_size 0x1800", arch=("x86_64",),
             call=region(size=0x1800), errno=EINVAL, cite=f"{MEMSLOT} (memory_size not a page multiple)", basis="code"),
        Case(id="gpa-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION", condition="guest_phys_addr 0x100800",
             arch=("x86_64",), call=region(gpa=0x100800), errno=EINVAL,
             cite=f"{MEMSLOT} (guest_phys_addr not page-aligned)", basis="code"),
        Case(id="host-unaligned", ioctl="KVM_SET_USER_MEMORY_REGION", condition="userspace_addr not page-aligned",
             arch=("x86_64",), call=region(host=Val("a page + 0x800", lambda s: s.target.alloc(0x2000) + 0x800)),
             errno=EINVAL, cite=f"{MEMSLOT} (userspace_addr not page-aligned)", basis="code"),
        Case(id="host-kernel-address", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="userspace_addr 0xffff800000000000 (not user "
             "memory)", arch=("x86_64",), call=region(host=0xFFFF800000000000), errno=EINVAL,
             cite=f"{MEMSLOT} (access_ok)", basis="code"),
        Case(id="slot-id-past-user-slots", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="slot KVM_CAP_NR_MEMSLOTS (ids run below "
             "it)", arch=("x86_64",), call=region(slot=nr), errno=EINVAL,
             cite="kvm_main.c: kvm_vm_ioctl_set_memory_region (slot >= "
             "KVM_USER_MEM_SLOTS)", basis="code"),
        Case(id="address-space-2", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="address space 2 (x86 has 0 and SMM's 1)", arch=("x86_64",), call=region(slot=2 << 16),
             errno=EINVAL, cite=f"{MEMSLOT} (as_id >= kvm_arch_nr_memslot_as_ids)", basis="code"),
        Case(id="gpa-wraps", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="guest_phys_addr + memory_size wraps past 2^64", arch=("x86_64",),
             call=region(gpa=0xFFFFFFFFFFFFF000, size=0x2000), errno=EINVAL,
             cite=f"{MEMSLOT} (guest_phys_addr + memory_size "
             "overflows)", basis="code"),
        Case(id="unknown-flag", ioctl="KVM_SET_USER_MEMORY_REGION", condition="flags bit 31", arch=("x86_64",),
             call=region(flags=1 << 31), errno=EINVAL, cite="kvm_main.c: check_memory_region_flags", basis="code"),
        Case(id="delete-missing-slot", ioctl="KVM_SET_USER_MEMORY_REGION",
             condition="memory_size 0 for a slot that does not exist", arch=("x86_64",),
             call=region(slot=5, size=0, host=0), errno=EINVAL, cite=f"{MEMSLOT} (deleting an empty slot)",
             basis="code"),
        Case(id="overlap", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 1 overlapping slot 0's guest range",
             arch=("x86_64",), call=region(slot=1, gpa=0x101000, size=0x2000), errno=EEXIST,
             cite=f"{MEMSLOT} (kvm_check_memslot_overlap)", setup=(region_kept(),), basis="code"),
        Case(id="adjacent", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 1 right after slot 0", arch=("x86_64",),
             call=region(slot=1, gpa=0x102000), errno=0, cite=f"{MEMSLOT} (ranges do not overlap)",
             setup=(region_kept(),), basis="code"),
        Case(id="resize", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 0 again with another size",
             arch=("x86_64",), call=region(size=0x1000, host=SLOT0_HOST), errno=EINVAL,
             cite=f"{MEMSLOT} (an existing slot's npages must not "
             "change)", setup=(region_kept(),), basis="code"),
        Case(id="move", ioctl="KVM_SET_USER_MEMORY_REGION", condition="slot 0 again at another guest address",
             arch=("x86_64",), call=region(gpa=0x200000, size=0x2000, host=SLOT0_HOST), errno=0,
             cite=f"{API} 4.35: 'the memory slot may be moved'; "
             f"{MEMSLOT} (KVM_MR_MOVE)", setup=(region_kept(),)),
        Case(id="delete", ioctl="KVM_SET_USER_MEMORY_REGION", condition="memory_size 0 for slot 0", arch=("x86_64",),
             call=region(size=0, host=SLOT0_HOST), errno=0,
             cite=f"{API} 4.35: 'Setting memory_size to 0 ... deletes the slot'", setup=(region_kept(),)),
        Case(id="memslot-bad-pointer", ioctl="KVM_SET_USER_MEMORY_REGION", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_SET_USER_MEMORY_REGION", "vm", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="kvm_main.c: kvm_vm_ioctl, KVM_SET_USER_MEMORY_REGION (copy_from_user)", basis="code"),
    ]


def _one_reg() -> list[Case]:
    msr = one_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS)
    return [
        Case(id="get-msr", ioctl="KVM_GET_ONE_REG", condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS)", arch=("x86_64",),
             call=one_reg("KVM_GET_ONE_REG", msr, "MSR 0x174"), errno=0, cite=f"{API} 4.69 KVM_GET_ONE_REG; {ONEREG}",
             setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="set-msr", ioctl="KVM_SET_ONE_REG", condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS) = 8", arch=("x86_64",),
             call=one_reg("KVM_SET_ONE_REG", msr, "MSR 0x174 = 8", value=8), errno=0,
             cite=f"{API} 4.68 KVM_SET_ONE_REG; {ONEREG}", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="get-no-such-msr", ioctl="KVM_GET_ONE_REG", condition=f"an MSR index no one implements ({MSR_NONE:#x})",
             arch=("x86_64",),
             call=one_reg("KVM_GET_ONE_REG", one_reg_id(KVM_X86_REG_TYPE_MSR, MSR_NONE), f"MSR {MSR_NONE:#x}"),
             errno=EINVAL,
             cite=f"{API} 4.69 KVM_GET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; {ONEREG} "
             "(do_get_msr fails)", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="set-no-such-msr", ioctl="KVM_SET_ONE_REG", condition=f"an MSR index no one implements ({MSR_NONE:#x})",
             arch=("x86_64",),
             call=one_reg("KVM_SET_ONE_REG", one_reg_id(KVM_X86_REG_TYPE_MSR, MSR_NONE), f"MSR {MSR_NONE:#x}"),
             errno=EINVAL,
             cite=f"{API} 4.68 KVM_SET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; {ONEREG}",
             setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="get-foreign-arch", ioctl="KVM_GET_ONE_REG", condition="an arm64 register id", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", one_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, arch=kvm.KVM_REG_ARM64),
             "KVM_REG_ARM64 id"), errno=EINVAL,
             cite=f"{API} 4.69 KVM_GET_ONE_REG Errors: EINVAL 'invalid register ID'; "
             f"{ONEREG} (arch bits)", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="set-foreign-arch", ioctl="KVM_SET_ONE_REG", condition="an arm64 register id", arch=("x86_64",),
             call=one_reg(
             "KVM_SET_ONE_REG", one_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, arch=kvm.KVM_REG_ARM64),
             "KVM_REG_ARM64 id"), errno=EINVAL,
             cite=f"{API} 4.68 KVM_SET_ONE_REG Errors: EINVAL 'invalid register ID'; "
             f"{ONEREG} (arch bits)", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="get-msr-u32", ioctl="KVM_GET_ONE_REG", condition="an MSR id with size U32", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", one_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, size=kvm.KVM_REG_SIZE_U32),
             "MSR 0x174, U32"), errno=EINVAL, cite=f"{ONEREG} (MSRs are U64)", basis="code", setup=(VCPU,),
             kernels=ONE_REG_KERNELS),
        Case(id="get-reserved-bits", ioctl="KVM_GET_ONE_REG", condition="rsvd1 bits of the id set", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", one_reg_id(KVM_X86_REG_TYPE_MSR, MSR_IA32_SYSENTER_CS, rsvd1=1), "MSR 0x174, rsvd1 1"),
             errno=EINVAL, cite=f"{ONEREG} (rsvd1/rsvd2)", basis="code", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="get-unknown-type", ioctl="KVM_GET_ONE_REG", condition="type 1 (neither MSR nor KVM)", arch=("x86_64",),
             call=one_reg(
             "KVM_GET_ONE_REG", one_reg_id(1, MSR_IA32_SYSENTER_CS), "type 1"), errno=EINVAL, cite=f"{ONEREG} (type)",
             basis="code", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="get-ssp-without-shstk", ioctl="KVM_GET_ONE_REG",
             condition="KVM_X86_REG_KVM(GUEST_SSP), guest CPUID without SHSTK", arch=("x86_64",),
             call=one_reg("KVM_GET_ONE_REG", one_reg_id(KVM_X86_REG_TYPE_KVM, KVM_REG_GUEST_SSP), "GUEST_SSP"),
             errno=EINVAL, cite="x86.c: kvm_translate_kvm_reg (SSP needs X86_FEATURE_SHSTK in guest CPUID)",
             basis="code", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="get-bad-struct-pointer", ioctl="KVM_GET_ONE_REG", condition="struct kvm_one_reg is not readable",
             arch=("x86_64",), call=call("KVM_GET_ONE_REG", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{ONEREG} (copy_from_user)", basis="code", setup=(VCPU,), kernels=ONE_REG_KERNELS),
        Case(id="get-bad-value-pointer", ioctl="KVM_GET_ONE_REG", condition="addr points at a guard page",
             arch=("x86_64",), call=one_reg("KVM_GET_ONE_REG", msr, "MSR 0x174, addr = a guard page", addr=BAD_POINTER),
             errno=EFAULT, cite="x86.c: kvm_get_one_msr (put_user)", basis="code", setup=(VCPU,),
             kernels=ONE_REG_KERNELS),
        Case(id="set-bad-value-pointer", ioctl="KVM_SET_ONE_REG", condition="addr points at a guard page",
             arch=("x86_64",), call=one_reg("KVM_SET_ONE_REG", msr, "MSR 0x174, addr = a guard page", addr=BAD_POINTER),
             errno=EFAULT, cite="x86.c: kvm_set_one_msr (get_user)", basis="code", setup=(VCPU,),
             kernels=ONE_REG_KERNELS),
        Case(id="get-one-reg-none", ioctl="KVM_GET_ONE_REG",
             condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS): x86 has no ONE_REG "
             "register before 6.18", arch=("x86_64",), call=one_reg("KVM_GET_ONE_REG", msr, "MSR 0x174"), errno=EINVAL,
             cite=f"{API} 4.69 KVM_GET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; x86.c: "
             "kvm_arch_vcpu_ioctl (6.1, 6.12: no KVM_GET_ONE_REG case, the default's -EINVAL)", setup=(VCPU,),
             kernels=NO_ONE_REG_KERNELS),
        Case(id="set-one-reg-none", ioctl="KVM_SET_ONE_REG",
             condition="KVM_X86_REG_MSR(IA32_SYSENTER_CS) = 8: x86 has no ONE_REG "
             "register before 6.18", arch=("x86_64",), call=one_reg("KVM_SET_ONE_REG", msr, "MSR 0x174 = 8", value=8),
             errno=EINVAL,
             cite=f"{API} 4.68 KVM_SET_ONE_REG Errors: EINVAL 'invalid register ID, or no such register'; x86.c: "
             "kvm_arch_vcpu_ioctl (6.1, 6.12: no KVM_SET_ONE_REG case, the default's -EINVAL)", setup=(VCPU,),
             kernels=NO_ONE_REG_KERNELS),
        Case(id="reg-list-empty", ioctl="KVM_GET_REG_LIST", condition="n 0, guest CPUID without SHSTK: nothing to list",
             arch=("x86_64",), call=call("KVM_GET_REG_LIST", "vcpu", struct.pack("<Q", 0), "n 0"), errno=0,
             cite="x86.c: kvm_get_reg_list (only GUEST_SSP, with SHSTK)", basis="code", setup=(VCPU,),
             kernels=ONE_REG_KERNELS),
    ]


def _devices() -> list[Case]:
    return [
        Case(id="pmu-filter-allow-none", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="action ALLOW, no events",
             arch=("x86_64",), call=pmu_filter(), errno=0, cite=PMU),
        Case(id="pmu-filter-bad-pointer", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_SET_PMU_EVENT_FILTER", "vm", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite=f"{PMU} Errors: EFAULT 'args[0] cannot be accessed'"),
        Case(id="pmu-filter-bad-action", ioctl="KVM_SET_PMU_EVENT_FILTER",
             condition="action 2 (neither ALLOW nor DENY)", arch=("x86_64",), call=pmu_filter(action=2), errno=EINVAL,
             cite=f"{PMU} Errors: EINVAL 'args[0] contains invalid data in the filter'"),
        Case(id="pmu-filter-unknown-flag", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="flags bit 31", arch=("x86_64",),
             call=pmu_filter(flags=1 << 31), errno=EINVAL,
             cite=f"{PMU} Errors: EINVAL 'args[0] contains invalid data in the filter'; pmu.c: "
             "kvm_vm_ioctl_set_pmu_event_filter (flags outside KVM_PMU_EVENT_FLAGS_VALID_MASK)"),
        Case(id="pmu-filter-too-many-events", ioctl="KVM_SET_PMU_EVENT_FILTER",
             condition="nevents 301 (KVM_PMU_EVENT_FILTER_MAX_EVENTS "
             "is 300)", arch=("x86_64",), call=pmu_filter(nevents=301), errno=E2BIG,
             cite=f"{PMU} Errors: E2BIG 'nevents is too large'; pmu.c: "
             "KVM_PMU_EVENT_FILTER_MAX_EVENTS (300 in 6.1, 6.12, 7.2)"),
        Case(id="pmu-filter-max-events", ioctl="KVM_SET_PMU_EVENT_FILTER", condition="nevents 300 (the limit)",
             arch=("x86_64",), call=pmu_filter(nevents=300), errno=0,
             cite=f"{PMU}; pmu.c: KVM_PMU_EVENT_FILTER_MAX_EVENTS", basis="code"),
        Case(id="device-type-unknown", ioctl="KVM_CREATE_DEVICE",
             condition="type KVM_DEV_TYPE_ARM_VGIC_V2 on x86 (no such device "
             "here)", arch=("x86_64",), call=create_device(kvm.KVM_DEV_TYPE_ARM_VGIC_V2, "ARM_VGIC_V2"),
             errno=errno.ENODEV,
             cite=f"{DEVICE} Errors: ENODEV 'The device type is unknown or unsupported'; kvm_main.c: "
             "kvm_ioctl_create_device (no ops for the type)"),
        Case(id="device-type-out-of-range", ioctl="KVM_CREATE_DEVICE",
             condition="type 0x7fff (past kvm_device_ops_table)", arch=("x86_64",),
             call=create_device(0x7FFF, "type 0x7fff"), errno=errno.ENODEV,
             cite=f"{DEVICE} Errors: ENODEV 'The device type is unknown or unsupported'"),
        Case(id="vfio-device", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_VFIO", arch=("x86_64",), call=VFIO,
             errno=0, cite=DEVICE),
        Case(id="vfio-device-twice", ioctl="KVM_CREATE_DEVICE", condition="a second KVM_DEV_TYPE_VFIO (one per VM)",
             arch=("x86_64",), call=VFIO, errno=errno.EEXIST,
             cite=f"{DEVICE} Errors: EEXIST 'Device already created, and this type of device may not be "
             "instantiated multiple times'", setup=(VFIO,),
             deviation=Deviation(f"{DEVICE} documents EEXIST for a device type that may not be instantiated twice; "
                                 "vfio.c kvm_vfio_create refuses a second VFIO device of a VM with EBUSY (6.1, "
                                 "6.12, 7.2)", EBUSY)),
        Case(id="vfio-attr-unknown-group", ioctl="KVM_SET_DEVICE_ATTR", condition="VFIO device, group 99",
             arch=("x86_64",), call=device_attr("KVM_SET_DEVICE_ATTR", "device", 99), errno=ENXIO,
             cite=f"{ATTR} Errors: ENXIO 'The group or attribute is unknown/unsupported for this device'; vfio.c: "
             "kvm_vfio_set_attr", setup=(VFIO,)),
        Case(id="vfio-get-attr", ioctl="KVM_GET_DEVICE_ATTR",
             condition="VFIO device, which has no readable attribute (no get_attr)", arch=("x86_64",),
             call=device_attr("KVM_GET_DEVICE_ATTR", "device", 1, 1), errno=EPERM,
             cite=f"{ATTR} Errors: EPERM 'The attribute cannot (currently) be accessed this way (e.g. read-only "
             "attribute ...)'; kvm_main.c: kvm_device_ioctl_attr (no accessor: EPERM)", setup=(VFIO,)),
        Case(id="vfio-has-attr-unknown-group", ioctl="KVM_HAS_DEVICE_ATTR", condition="VFIO device, group 99",
             arch=("x86_64",), call=device_attr("KVM_HAS_DEVICE_ATTR", "device", 99), errno=ENXIO,
             cite=f"{HAS_ATTR} Errors: ENXIO 'The group or attribute is unknown/unsupported for this device'; vfio.c: "
             "kvm_vfio_has_attr (default: -ENXIO)", setup=(VFIO,)),
        Case(id="vcpu-has-attr-unknown-group", ioctl="KVM_HAS_DEVICE_ATTR", condition="vCPU fd, group 99",
             arch=("x86_64",), call=device_attr("KVM_HAS_DEVICE_ATTR", "vcpu", 99), errno=ENXIO,
             cite=f"{HAS_ATTR} Errors: ENXIO; x86.c: kvm_vcpu_ioctl_device_attr (group != KVM_VCPU_TSC_CTRL)",
             setup=(VCPU,)),
        Case(id="vcpu-attr-unknown-group", ioctl="KVM_SET_DEVICE_ATTR",
             condition="vCPU fd, group 99 (x86 has KVM_VCPU_TSC_CTRL)", arch=("x86_64",),
             call=device_attr("KVM_SET_DEVICE_ATTR", "vcpu", 99), errno=ENXIO,
             cite=f"{ATTR} Errors: ENXIO; x86.c: kvm_vcpu_ioctl_device_attr (group != KVM_VCPU_TSC_CTRL)",
             setup=(VCPU,)),
        Case(id="vcpu-attr-unknown-attr", ioctl="KVM_GET_DEVICE_ATTR", condition="vCPU fd, KVM_VCPU_TSC_CTRL attr 99",
             arch=("x86_64",), call=device_attr("KVM_GET_DEVICE_ATTR", "vcpu", x86.KVM_VCPU_TSC_CTRL, 99), errno=ENXIO,
             cite=f"{ATTR} Errors: ENXIO; x86.c: kvm_arch_tsc_get_attr (unknown attr)", setup=(VCPU,)),
    ]


def _events() -> list[Case]:
    get = f"{API} 4.31 KVM_GET_VCPU_EVENTS"
    return [
        Case(id="get-events", ioctl="KVM_GET_VCPU_EVENTS", condition="a fresh vCPU", arch=("x86_64",),
             call=call("KVM_GET_VCPU_EVENTS", "vcpu",
             x86.kvm_vcpu_events()), errno=0, cite=get, setup=(VCPU,)),
        Case(id="get-events-bad-pointer", ioctl="KVM_GET_VCPU_EVENTS", condition="the argument is not writable",
             arch=("x86_64",), call=call("KVM_GET_VCPU_EVENTS", "vcpu", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="x86.c: kvm_arch_vcpu_ioctl, KVM_GET_VCPU_EVENTS (copy_to_user)", setup=(VCPU,),
             basis="code"),
        Case(id="set-events-as-read", ioctl="KVM_SET_VCPU_EVENTS", condition="what KVM_GET_VCPU_EVENTS gave, flags 0",
             arch=("x86_64",), call=set_events(), errno=0, cite=f"{API} 4.32 KVM_SET_VCPU_EVENTS", setup=(VCPU,)),
        Case(id="set-events-unknown-flag", ioctl="KVM_SET_VCPU_EVENTS", condition="flags bit 31", arch=("x86_64",),
             call=set_events(1 << 31, shown="flags "
             "bit 31"), errno=EINVAL, cite=f"{EVENTS} (flags outside the KVM_VCPUEVENT_VALID_* set)", setup=(VCPU,),
             basis="code"),
        Case(id="set-events-payload-not-enabled", ioctl="KVM_SET_VCPU_EVENTS",
             condition="KVM_VCPUEVENT_VALID_PAYLOAD without "
             "KVM_CAP_EXCEPTION_PAYLOAD enabled", arch=("x86_64",),
             call=set_events(x86.KVM_VCPUEVENT_VALID_PAYLOAD, shown="VALID_PAYLOAD"), errno=EINVAL,
             cite=f"{API} 4.32 says the flag can be set when KVM_CAP_EXCEPTION_PAYLOAD is enabled; {EVENTS} "
             "(exception_payload_enabled false: EINVAL)", setup=(VCPU,), basis="code"),
        Case(id="set-events-vector-32", ioctl="KVM_SET_VCPU_EVENTS", condition="an injected exception with vector 32",
             arch=("x86_64",), call=set_events(injected=1, nr=32, shown="exception injected, nr 32"), errno=EINVAL,
             cite=f"{EVENTS} (exception.nr > 31)", setup=(VCPU,), basis="code"),
        Case(id="set-events-nmi-as-exception", ioctl="KVM_SET_VCPU_EVENTS",
             condition="an injected exception with vector 2 (NMI)", arch=("x86_64",),
             call=set_events(injected=1, nr=2, shown="exception injected, nr 2"), errno=EINVAL,
             cite=f"{EVENTS} (exception.nr == NMI_VECTOR)", setup=(VCPU,), basis="code"),
        Case(id="set-events-bad-pointer", ioctl="KVM_SET_VCPU_EVENTS", condition="the argument is not readable",
             arch=("x86_64",), call=call("KVM_SET_VCPU_EVENTS", "vcpu", BAD_POINTER, "arg = a guard page"),
             errno=EFAULT, cite="x86.c: kvm_arch_vcpu_ioctl, KVM_SET_VCPU_EVENTS (copy_from_user)", setup=(VCPU,),
             basis="code"),
    ]


def _hyperv() -> list[Case]:
    _ev, cpuid = {"needs": HAS_HV_EVENTFD}, "KVM_GET_SUPPORTED_HV_CPUID"
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
        Case(id="hv-cpuid-system-nent-1", ioctl=cpuid, condition="system fd, nent 1: fewer than the Hyper-V leaves",
             arch=("x86_64",), call=call(cpuid, "system", counted("<II", 1, 1, ENTRY), "nent 1"), errno=E2BIG,
             cite=f"{HV_CPUID}: 'If the number of entries is too low to describe all Hyper-V feature leaves, an error "
             "(E2BIG) is returned'; hyperv.c: kvm_get_hv_cpuid (nent below its table's)", needs=HAS_SYS_HV_CPUID),
        Case(id="hv-cpuid-system", ioctl=cpuid, condition="system fd, nent 64: nent adjusted to the leaves returned",
             arch=("x86_64",), call=call(cpuid, "system", counted("<II", 64, 64, ENTRY), "nent 64"), errno=0,
             cite=f"{HV_CPUID}: 'If the number is more or equal to the number of Hyper-V feature leaves, the 'nent' "
             "field is adjusted to the number of valid entries'", check=cpuid_entries(64), needs=HAS_SYS_HV_CPUID),
        Case(id="hv-cpuid-system-bad-pointer", ioctl=cpuid, condition="system fd, the argument is not readable",
             arch=("x86_64",), call=call(cpuid, "system", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite="x86.c: kvm_ioctl_get_supported_hv_cpuid (copy_from_user)", basis="code", needs=HAS_SYS_HV_CPUID),
        Case(id="hv-cpuid-vcpu-nent-1", ioctl=cpuid, condition="vCPU fd, nent 1: fewer than the Hyper-V leaves",
             arch=("x86_64",), call=call(cpuid, "vcpu", counted("<II", 1, 1, ENTRY), "nent 1"), errno=E2BIG,
             cite=f"{HV_CPUID}: 'If the number of entries is too low ... an error (E2BIG) is returned'; hyperv.c: "
             "kvm_get_hv_cpuid", setup=(VCPU,), needs=HAS_HV_CPUID),
        Case(id="hv-cpuid-vcpu", ioctl=cpuid, condition="vCPU fd, nent 64: nent adjusted to the leaves returned",
             arch=("x86_64",), call=call(cpuid, "vcpu", counted("<II", 64, 64, ENTRY), "nent 64"), errno=0,
             cite=f"{HV_CPUID}: 'the 'nent' field is adjusted to the number of valid entries'", check=cpuid_entries(64),
             setup=(VCPU,), needs=HAS_HV_CPUID),
        Case(id="hv-cpuid-vcpu-no-irqchip", ioctl=cpuid,
             condition="vCPU fd without KVM_CREATE_IRQCHIP: no direct synthetic timers", arch=("x86_64",),
             call=call(cpuid, "vcpu", counted("<II", 64, 64, ENTRY), "nent 64"), errno=0,
             cite=f"{HV_CPUID}: 'HV_STIMER_DIRECT_MODE_AVAILABLE bit is only exposed with in-kernel LAPIC (presumes "
             "KVM_CREATE_IRQCHIP has already been called)'; hyperv.c: kvm_get_hv_cpuid (the bit only when !vcpu or "
             "lapic_in_kernel)", check=cpuid_entry_bit(0x40000003, 0, 3, 19, 0, "EDX bit 19 "
                                                        "(HV_STIMER_DIRECT_MODE_AVAILABLE)"), setup=(VCPU,),
             order_row=1, needs=HAS_HV_CPUID),
        Case(id="hv-cpuid-system-no-hyperv", ioctl=cpuid,
             condition="system fd, KVM_CAP_SYS_HYPERV_CPUID 0 (built without "
             "CONFIG_KVM_HYPERV)", arch=("x86_64",),
             call=call(cpuid, "system", counted("<II", 64, 64, ENTRY), "nent 64"), errno=EINVAL,
             cite="x86.c: kvm_arch_dev_ioctl (6.12, newest: the request exists only with CONFIG_KVM_HYPERV; default: "
             "EINVAL)", basis="code", needs=NO_SYS_HV_CPUID),
        Case(id="hv-cpuid-vcpu-no-hyperv", ioctl=cpuid,
             condition="vCPU fd, KVM_CAP_HYPERV_CPUID 0 (built without CONFIG_KVM_HYPERV)", arch=("x86_64",),
             call=call(cpuid, "vcpu", counted("<II", 64, 64, ENTRY), "nent 64"), errno=EINVAL,
             cite="x86.c: kvm_arch_vcpu_ioctl (6.12, newest: the request exists only with CONFIG_KVM_HYPERV; default: "
             "EINVAL)", setup=(VCPU,), basis="code", needs=NO_HV_CPUID),
    ]


CASES = [*_msr_lists(), *_cpuid(), *_interrupt(), *_mce(), *_vm(), *_create(), *_run_cases(), *_stats(),
         *_memslots(), *_one_reg(), *_devices(), *_events(), *_hyperv()]


UNREACHABLE = [
    Unreachable("KVM_GET_TSC_KHZ", EIO, "x86.c kvm_arch_vcpu_ioctl and kvm_arch_vm_ioctl return the (virtual or "
                "default) TSC frequency unconditionally in 6.1, 6.12 and 7.2: no path returns -EIO, whatever the "
                "host TSC; an unstable host TSC cannot be induced from userspace either (see DOC_FINDINGS)",
                arch="x86_64"),
    Unreachable("KVM_GET_STATS_FD", ENOMEM, "needs anon_inode_getfile to fail for lack of kernel memory; no "
                "userspace control provokes that without fault injection (failslab), which the suite does not "
                "use on a shared host", arch="x86_64"),
    # api.rst's two EINVAL sentences of the S390 part: row 1 a KVM_VM_S390_UCONTROL VM, row 2 a protected VM.
    *(Unreachable(name, EINVAL, "the documented EINVAL is for an s390 KVM_VM_S390_UCONTROL VM (row 1) and s390 "
                  "protected VMs (row 2): x86 has neither", arch="x86_64", doc_row=row)
      for name in ("KVM_SET_USER_MEMORY_REGION", "KVM_SET_USER_MEMORY_REGION2") for row in (1, 2)),
    Unreachable("KVM_SET_USER_MEMORY_REGION", EEXIST, "7.2 documents EEXIST only for an s390 KVM_VM_S390_UCONTROL "
                "VM; the implemented x86 EEXIST (overlapping slots) is tested as a code case", arch="x86_64"),
    Unreachable("KVM_SET_USER_MEMORY_REGION2", EEXIST, "documented only for an s390 KVM_VM_S390_UCONTROL VM",
                arch="x86_64"),
    Unreachable("KVM_GET_VCPU_EVENTS", EINVAL, f"serror_has_esr: {_ARM64_PART}", arch="x86_64"),
    Unreachable("KVM_GET_VCPU_EVENTS", EINVAL, f"serror_esr: {_ARM64_PART}", arch="x86_64", doc_row=2),
    Unreachable("KVM_GET_VCPU_EVENTS", ENOEXEC, f"vCPU not initialised: {_ARM64_PART}", arch="x86_64"),
    Unreachable("KVM_SET_VCPU_EVENTS", ENOEXEC, f"vCPU not initialised: {_ARM64_PART}", arch="x86_64"),
    Unreachable("KVM_RUN", ENOEXEC, "arm64 only (vCPU not initialised, device-memory execution)", arch="x86_64"),
    Unreachable("KVM_RUN", ENOSYS, "arm64 only (data abort without syndrome, KVM_CAP_ARM_NISV_TO_USER)",
                arch="x86_64"),
    Unreachable("KVM_RUN", EPERM, "arm64 only (SVE not finalized)", arch="x86_64"),
    Unreachable("KVM_GET_ONE_REG", ENOENT, "x86.c kvm_get_set_one_reg answers EINVAL for every unknown "
                "register (allowed by the EINVAL row: 'no such register'); ENOENT is arm64/riscv", arch="x86_64"),
    Unreachable("KVM_SET_ONE_REG", ENOENT, "x86.c kvm_get_set_one_reg answers EINVAL for every unknown "
                "register; the ENOENT sentences are about arm64 SVE registers", arch="x86_64"),
    Unreachable("KVM_SET_ONE_REG", EPERM, "arm64 only (register write after vCPU finalization, SVE)",
                arch="x86_64"),
    Unreachable("KVM_GET_ONE_REG", EPERM, "arm64 only (register access before vCPU finalization)", arch="x86_64"),
    Unreachable("KVM_SET_ONE_REG", EBUSY, "riscv/arm64 only (register changed after the vCPU ran)", arch="x86_64"),
    Unreachable("KVM_SET_PMU_EVENT_FILTER", EBUSY, "needs the filter's allocation to fail, which no userspace "
                "control provokes without fault injection; and pmu.c kvm_vm_ioctl_set_pmu_event_filter answers that "
                "failure with ENOMEM, not the documented EBUSY (6.1, 6.12, 7.2; see DOC_FINDINGS)", arch="x86_64"),
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
    Unreachable("KVM_KVMCLOCK_CTRL", 0, "calling it while the vCPU is not paused means calling it during the "
                "vCPU's KVM_RUN: kvm_main.c kvm_vcpu_ioctl takes the vCPU's mutex (mutex_lock_killable) for "
                "KVM_KVMCLOCK_CTRL as for every vCPU ioctl, and KVM_RUN holds it, so the call waits until KVM_RUN "
                "returns, i.e. until the vCPU is paused: no order of calls the kernel can see breaks the rule",
                arch="x86_64", order_row=1),
    Unreachable("KVM_GET_REG_LIST", E2BIG, "x86.c kvm_get_reg_list (6.1 and 6.12 have no x86 "
                "KVM_GET_REG_LIST) lists one register, GUEST_SSP, and only when the guest CPUID has SHSTK: E2BIG "
                "needs a host that offers SHSTK (KVM_GET_SUPPORTED_CPUID leaf 7 ECX bit 7), which no capability "
                "reports, so no case can be gated on it; `reg-list-empty` is the guest without SHSTK", arch="x86_64"),
]


DOCUMENTED = [
    *(DocumentedError(n, e, c, MSR_LIST) for n in ("KVM_GET_MSR_INDEX_LIST", "KVM_GET_MSR_FEATURE_INDEX_LIST")
      for e, c in _MSR_ROWS),
    DocumentedError("KVM_RUN", EINTR, "an unmasked signal is pending", f"{API} 4.10 KVM_RUN"),
    DocumentedError("KVM_GET_NESTED_STATE", E2BIG, "the total state size exceeds the value of 'size' specified by "
                    "the user; the size required will be written into size.", f"{API} 4.114 KVM_GET_NESTED_STATE"),
    DocumentedError("KVM_GET_STATS_FD", ENOMEM, "if the fd could not be created due to lack of memory", STATS),
    DocumentedError("KVM_GET_STATS_FD", EMFILE, "if the number of opened files exceeds the limit", STATS),
    *(DocumentedError(n, e, c, f"{API} {num} {n}") for n, num in (("KVM_SET_ONE_REG", "4.68"),
                                                                  ("KVM_GET_ONE_REG", "4.69"))
      for e, c in _REG_ROWS),
    *(DocumentedError(n, e, c, ATTR) for n in ("KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR") for e, c in _ATTR_ROWS),
]


DOC_FINDINGS = [
    Finding(
        "api.rst 4.120 KVM_SET_PMU_EVENT_FILTER Errors: 'EBUSY not enough memory to allocate the filter'; pmu.c "
        "kvm_vm_ioctl_set_pmu_event_filter (6.1, 6.12, 7.2) returns -ENOMEM when the allocation fails.",
        KERNEL_BREAKS_DOCUMENT),
    Finding(
        "api.rst 4.56 KVM_GET_TSC_KHZ: 'If the host has unstable tsc this ioctl returns -EIO instead as an error'; "
        "x86.c (6.1, 6.12, 7.2) has no such path: the vCPU ioctl returns vcpu->arch.virtual_tsc_khz and the VM "
        "ioctl kvm->arch.default_tsc_khz, unconditionally.",
        KERNEL_BREAKS_DOCUMENT),
]
