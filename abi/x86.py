"""asm/kvm.h for x86_64: registers, segments, MSRs, CPUID, interrupt controllers, events, nested state.

In the header's order and with its names; `tests/abi` proves it against Debian's linux-libc-dev headers (6.1 and
sid's); what releases after 6.1 added is at the end, with its SINCE / UNTIL / CHANGED data (see abi/kvm.py).
"""

import ctypes
from ctypes import (
    c_char,
    c_int64,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)

ARCH = "x86_64"
# The header's `#define __KVM_HAVE_*` switches, which also decide parts of linux/kvm.h.
FEATURES = frozenset({
    "__KVM_HAVE_PIT", "__KVM_HAVE_IOAPIC", "__KVM_HAVE_IRQ_LINE", "__KVM_HAVE_MSI", "__KVM_HAVE_USER_NMI",
    "__KVM_HAVE_GUEST_DEBUG", "__KVM_HAVE_MSIX", "__KVM_HAVE_MCE", "__KVM_HAVE_PIT_STATE2",
    "__KVM_HAVE_XEN_HVM", "__KVM_HAVE_VCPU_EVENTS", "__KVM_HAVE_DEBUGREGS", "__KVM_HAVE_XSAVE",
    "__KVM_HAVE_XCRS", "__KVM_HAVE_READONLY_MEM",
})


KVM_PIO_PAGE_OFFSET = 1
KVM_COALESCED_MMIO_PAGE_OFFSET = 2
KVM_DIRTY_LOG_PAGE_OFFSET = 64
DE_VECTOR = 0
DB_VECTOR = 1
BP_VECTOR = 3
OF_VECTOR = 4
BR_VECTOR = 5
UD_VECTOR = 6
NM_VECTOR = 7
DF_VECTOR = 8
TS_VECTOR = 10
NP_VECTOR = 11
SS_VECTOR = 12
GP_VECTOR = 13
PF_VECTOR = 14
MF_VECTOR = 16
AC_VECTOR = 17
MC_VECTOR = 18
XM_VECTOR = 19
VE_VECTOR = 20
KVM_NR_INTERRUPTS = 256


class kvm_memory_alias(ctypes.Structure):
    _fields_ = [
        ('slot', c_uint32),
        ('flags', c_uint32),
        ('guest_phys_addr', c_uint64),
        ('memory_size', c_uint64),
        ('target_phys_addr', c_uint64),
    ]


class kvm_pic_state(ctypes.Structure):
    _fields_ = [
        ('last_irr', c_uint8),
        ('irr', c_uint8),
        ('imr', c_uint8),
        ('isr', c_uint8),
        ('priority_add', c_uint8),
        ('irq_base', c_uint8),
        ('read_reg_select', c_uint8),
        ('poll', c_uint8),
        ('special_mask', c_uint8),
        ('init_state', c_uint8),
        ('auto_eoi', c_uint8),
        ('rotate_on_auto_eoi', c_uint8),
        ('special_fully_nested_mode', c_uint8),
        ('init4', c_uint8),
        ('elcr', c_uint8),
        ('elcr_mask', c_uint8),
    ]


KVM_IOAPIC_NUM_PINS = 24


class _kvm_ioapic_state_redirtbl_fields(ctypes.Structure):
    _fields_ = [
        ('vector', c_uint8),
        ('delivery_mode', c_uint8, 3),
        ('dest_mode', c_uint8, 1),
        ('delivery_status', c_uint8, 1),
        ('polarity', c_uint8, 1),
        ('remote_irr', c_uint8, 1),
        ('trig_mode', c_uint8, 1),
        ('mask', c_uint8, 1),
        ('reserve', c_uint8, 7),
        ('reserved', c_uint8 * 4),
        ('dest_id', c_uint8),
    ]


class _kvm_ioapic_state_redirtbl(ctypes.Union):
    _fields_ = [
        ('bits', c_uint64),
        ('fields', _kvm_ioapic_state_redirtbl_fields),
    ]


class kvm_ioapic_state(ctypes.Structure):
    _fields_ = [
        ('base_address', c_uint64),
        ('ioregsel', c_uint32),
        ('id', c_uint32),
        ('irr', c_uint32),
        ('pad', c_uint32),
        ('redirtbl', _kvm_ioapic_state_redirtbl * 24),
    ]


KVM_IRQCHIP_PIC_MASTER = 0
KVM_IRQCHIP_PIC_SLAVE = 1
KVM_IRQCHIP_IOAPIC = 2
KVM_NR_IRQCHIPS = 3
KVM_RUN_X86_SMM = (1 << 0)
KVM_RUN_X86_BUS_LOCK = (1 << 1)


class kvm_regs(ctypes.Structure):
    _fields_ = [
        ('rax', c_uint64),
        ('rbx', c_uint64),
        ('rcx', c_uint64),
        ('rdx', c_uint64),
        ('rsi', c_uint64),
        ('rdi', c_uint64),
        ('rsp', c_uint64),
        ('rbp', c_uint64),
        ('r8', c_uint64),
        ('r9', c_uint64),
        ('r10', c_uint64),
        ('r11', c_uint64),
        ('r12', c_uint64),
        ('r13', c_uint64),
        ('r14', c_uint64),
        ('r15', c_uint64),
        ('rip', c_uint64),
        ('rflags', c_uint64),
    ]


KVM_APIC_REG_SIZE = 0x400


class kvm_lapic_state(ctypes.Structure):
    _fields_ = [
        ('regs', c_char * 1024),
    ]


class kvm_segment(ctypes.Structure):
    _fields_ = [
        ('base', c_uint64),
        ('limit', c_uint32),
        ('selector', c_uint16),
        ('type', c_uint8),
        ('present', c_uint8),
        ('dpl', c_uint8),
        ('db', c_uint8),
        ('s', c_uint8),
        ('l', c_uint8),
        ('g', c_uint8),
        ('avl', c_uint8),
        ('unusable', c_uint8),
        ('padding', c_uint8),
    ]


class kvm_dtable(ctypes.Structure):
    _fields_ = [
        ('base', c_uint64),
        ('limit', c_uint16),
        ('padding', c_uint16 * 3),
    ]


class kvm_sregs(ctypes.Structure):
    _fields_ = [
        ('cs', kvm_segment),
        ('ds', kvm_segment),
        ('es', kvm_segment),
        ('fs', kvm_segment),
        ('gs', kvm_segment),
        ('ss', kvm_segment),
        ('tr', kvm_segment),
        ('ldt', kvm_segment),
        ('gdt', kvm_dtable),
        ('idt', kvm_dtable),
        ('cr0', c_uint64),
        ('cr2', c_uint64),
        ('cr3', c_uint64),
        ('cr4', c_uint64),
        ('cr8', c_uint64),
        ('efer', c_uint64),
        ('apic_base', c_uint64),
        ('interrupt_bitmap', c_uint64 * 4),
    ]


class kvm_sregs2(ctypes.Structure):
    _fields_ = [
        ('cs', kvm_segment),
        ('ds', kvm_segment),
        ('es', kvm_segment),
        ('fs', kvm_segment),
        ('gs', kvm_segment),
        ('ss', kvm_segment),
        ('tr', kvm_segment),
        ('ldt', kvm_segment),
        ('gdt', kvm_dtable),
        ('idt', kvm_dtable),
        ('cr0', c_uint64),
        ('cr2', c_uint64),
        ('cr3', c_uint64),
        ('cr4', c_uint64),
        ('cr8', c_uint64),
        ('efer', c_uint64),
        ('apic_base', c_uint64),
        ('flags', c_uint64),
        ('pdptrs', c_uint64 * 4),
    ]


KVM_SREGS2_FLAGS_PDPTRS_VALID = 1


class kvm_fpu(ctypes.Structure):
    _fields_ = [
        ('fpr', c_uint8 * 16 * 8),
        ('fcw', c_uint16),
        ('fsw', c_uint16),
        ('ftwx', c_uint8),
        ('pad1', c_uint8),
        ('last_opcode', c_uint16),
        ('last_ip', c_uint64),
        ('last_dp', c_uint64),
        ('xmm', c_uint8 * 16 * 16),
        ('mxcsr', c_uint32),
        ('pad2', c_uint32),
    ]


class kvm_msr_entry(ctypes.Structure):
    _fields_ = [
        ('index', c_uint32),
        ('reserved', c_uint32),
        ('data', c_uint64),
    ]



class kvm_msrs(ctypes.Structure):
    _fields_ = [
        ('nmsrs', c_uint32),
        ('pad', c_uint32),
        ('entries', kvm_msr_entry * 0),  # flexible array member
    ]



class kvm_msr_list(ctypes.Structure):
    _fields_ = [
        ('nmsrs', c_uint32),
        ('indices', c_uint32 * 0),  # flexible array member
    ]


KVM_MSR_FILTER_MAX_BITMAP_SIZE = 0x600


class kvm_msr_filter_range(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('nmsrs', c_uint32),
        ('base', c_uint32),
        ('bitmap', c_void_p),
    ]


KVM_MSR_FILTER_READ = (1 << 0)
KVM_MSR_FILTER_WRITE = (1 << 1)
KVM_MSR_FILTER_MAX_RANGES = 16


class kvm_msr_filter(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('ranges', kvm_msr_filter_range * 16),
    ]


KVM_MSR_FILTER_DEFAULT_ALLOW = (0 << 0)
KVM_MSR_FILTER_DEFAULT_DENY = (1 << 0)


class kvm_cpuid_entry(ctypes.Structure):
    _fields_ = [
        ('function', c_uint32),
        ('eax', c_uint32),
        ('ebx', c_uint32),
        ('ecx', c_uint32),
        ('edx', c_uint32),
        ('padding', c_uint32),
    ]



class kvm_cpuid(ctypes.Structure):
    _fields_ = [
        ('nent', c_uint32),
        ('padding', c_uint32),
        ('entries', kvm_cpuid_entry * 0),  # flexible array member
    ]


class kvm_cpuid_entry2(ctypes.Structure):
    _fields_ = [
        ('function', c_uint32),
        ('index', c_uint32),
        ('flags', c_uint32),
        ('eax', c_uint32),
        ('ebx', c_uint32),
        ('ecx', c_uint32),
        ('edx', c_uint32),
        ('padding', c_uint32 * 3),
    ]


KVM_CPUID_FLAG_SIGNIFCANT_INDEX = (1 << 0)
KVM_CPUID_FLAG_STATEFUL_FUNC = (1 << 1)
KVM_CPUID_FLAG_STATE_READ_NEXT = (1 << 2)



class kvm_cpuid2(ctypes.Structure):
    _fields_ = [
        ('nent', c_uint32),
        ('padding', c_uint32),
        ('entries', kvm_cpuid_entry2 * 0),  # flexible array member
    ]


class kvm_pit_channel_state(ctypes.Structure):
    _fields_ = [
        ('count', c_uint32),
        ('latched_count', c_uint16),
        ('count_latched', c_uint8),
        ('status_latched', c_uint8),
        ('status', c_uint8),
        ('read_state', c_uint8),
        ('write_state', c_uint8),
        ('write_latch', c_uint8),
        ('rw_mode', c_uint8),
        ('mode', c_uint8),
        ('bcd', c_uint8),
        ('gate', c_uint8),
        ('count_load_time', c_int64),
    ]


class kvm_debug_exit_arch(ctypes.Structure):
    _fields_ = [
        ('exception', c_uint32),
        ('pad', c_uint32),
        ('pc', c_uint64),
        ('dr6', c_uint64),
        ('dr7', c_uint64),
    ]


KVM_GUESTDBG_USE_SW_BP = 0x00010000
KVM_GUESTDBG_USE_HW_BP = 0x00020000
KVM_GUESTDBG_INJECT_DB = 0x00040000
KVM_GUESTDBG_INJECT_BP = 0x00080000
KVM_GUESTDBG_BLOCKIRQ = 0x00100000


class kvm_guest_debug_arch(ctypes.Structure):
    _fields_ = [
        ('debugreg', c_uint64 * 8),
    ]


class kvm_pit_state(ctypes.Structure):
    _fields_ = [
        ('channels', kvm_pit_channel_state * 3),
    ]


KVM_PIT_FLAGS_HPET_LEGACY = 0x00000001
KVM_PIT_FLAGS_SPEAKER_DATA_ON = 0x00000002


class kvm_pit_state2(ctypes.Structure):
    _fields_ = [
        ('channels', kvm_pit_channel_state * 3),
        ('flags', c_uint32),
        ('reserved', c_uint32 * 9),
    ]


class kvm_reinject_control(ctypes.Structure):
    _fields_ = [
        ('pit_reinject', c_uint8),
        ('reserved', c_uint8 * 31),
    ]


KVM_VCPUEVENT_VALID_NMI_PENDING = 0x00000001
KVM_VCPUEVENT_VALID_SIPI_VECTOR = 0x00000002
KVM_VCPUEVENT_VALID_SHADOW = 0x00000004
KVM_VCPUEVENT_VALID_SMM = 0x00000008
KVM_VCPUEVENT_VALID_PAYLOAD = 0x00000010
KVM_VCPUEVENT_VALID_TRIPLE_FAULT = 0x00000020
KVM_X86_SHADOW_INT_MOV_SS = 0x01
KVM_X86_SHADOW_INT_STI = 0x02


class _kvm_vcpu_events_exception(ctypes.Structure):
    _fields_ = [
        ('injected', c_uint8),
        ('nr', c_uint8),
        ('has_error_code', c_uint8),
        ('pending', c_uint8),
        ('error_code', c_uint32),
    ]


class _kvm_vcpu_events_interrupt(ctypes.Structure):
    _fields_ = [
        ('injected', c_uint8),
        ('nr', c_uint8),
        ('soft', c_uint8),
        ('shadow', c_uint8),
    ]


class _kvm_vcpu_events_nmi(ctypes.Structure):
    _fields_ = [
        ('injected', c_uint8),
        ('pending', c_uint8),
        ('masked', c_uint8),
        ('pad', c_uint8),
    ]


class _kvm_vcpu_events_smi(ctypes.Structure):
    _fields_ = [
        ('smm', c_uint8),
        ('pending', c_uint8),
        ('smm_inside_nmi', c_uint8),
        ('latched_init', c_uint8),
    ]


class _kvm_vcpu_events_triple_fault(ctypes.Structure):
    _fields_ = [
        ('pending', c_uint8),
    ]


class kvm_vcpu_events(ctypes.Structure):
    _fields_ = [
        ('exception', _kvm_vcpu_events_exception),
        ('interrupt', _kvm_vcpu_events_interrupt),
        ('nmi', _kvm_vcpu_events_nmi),
        ('sipi_vector', c_uint32),
        ('flags', c_uint32),
        ('smi', _kvm_vcpu_events_smi),
        ('triple_fault', _kvm_vcpu_events_triple_fault),
        ('reserved', c_uint8 * 26),
        ('exception_has_payload', c_uint8),
        ('exception_payload', c_uint64),
    ]


class kvm_debugregs(ctypes.Structure):
    _fields_ = [
        ('db', c_uint64 * 4),
        ('dr6', c_uint64),
        ('dr7', c_uint64),
        ('flags', c_uint64),
        ('reserved', c_uint64 * 9),
    ]



class kvm_xsave(ctypes.Structure):
    _fields_ = [
        ('region', c_uint32 * 1024),
        ('extra', c_uint32 * 0),  # flexible array member
    ]


KVM_MAX_XCRS = 16


class kvm_xcr(ctypes.Structure):
    _fields_ = [
        ('xcr', c_uint32),
        ('reserved', c_uint32),
        ('value', c_uint64),
    ]


class kvm_xcrs(ctypes.Structure):
    _fields_ = [
        ('nr_xcrs', c_uint32),
        ('flags', c_uint32),
        ('xcrs', kvm_xcr * 16),
        ('padding', c_uint64 * 16),
    ]


KVM_SYNC_X86_REGS = (1 << 0)
KVM_SYNC_X86_SREGS = (1 << 1)
KVM_SYNC_X86_EVENTS = (1 << 2)
KVM_SYNC_X86_VALID_FIELDS = (KVM_SYNC_X86_REGS| KVM_SYNC_X86_SREGS| KVM_SYNC_X86_EVENTS)


class kvm_sync_regs(ctypes.Structure):
    _fields_ = [
        ('regs', kvm_regs),
        ('sregs', kvm_sregs),
        ('events', kvm_vcpu_events),
    ]


KVM_X86_QUIRK_LINT0_REENABLED = (1 << 0)
KVM_X86_QUIRK_CD_NW_CLEARED = (1 << 1)
KVM_X86_QUIRK_LAPIC_MMIO_HOLE = (1 << 2)
KVM_X86_QUIRK_OUT_7E_INC_RIP = (1 << 3)
KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT = (1 << 4)
KVM_X86_QUIRK_FIX_HYPERCALL_INSN = (1 << 5)
KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS = (1 << 6)
KVM_STATE_NESTED_FORMAT_VMX = 0
KVM_STATE_NESTED_FORMAT_SVM = 1
KVM_STATE_NESTED_GUEST_MODE = 0x00000001
KVM_STATE_NESTED_RUN_PENDING = 0x00000002
KVM_STATE_NESTED_EVMCS = 0x00000004
KVM_STATE_NESTED_MTF_PENDING = 0x00000008
KVM_STATE_NESTED_GIF_SET = 0x00000100
KVM_STATE_NESTED_SMM_GUEST_MODE = 0x00000001
KVM_STATE_NESTED_SMM_VMXON = 0x00000002
KVM_STATE_NESTED_VMX_VMCS_SIZE = 0x1000
KVM_STATE_NESTED_SVM_VMCB_SIZE = 0x1000
KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE = 0x00000001
KVM_X86_XCOMP_GUEST_SUPP = 0


class kvm_vmx_nested_state_data(ctypes.Structure):
    _fields_ = [
        ('vmcs12', c_uint8 * 4096),
        ('shadow_vmcs12', c_uint8 * 4096),
    ]


class _kvm_vmx_nested_state_hdr_smm(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint16),
    ]


class kvm_vmx_nested_state_hdr(ctypes.Structure):
    _fields_ = [
        ('vmxon_pa', c_uint64),
        ('vmcs12_pa', c_uint64),
        ('smm', _kvm_vmx_nested_state_hdr_smm),
        ('pad', c_uint16),
        ('flags', c_uint32),
        ('preemption_timer_deadline', c_uint64),
    ]


class kvm_svm_nested_state_data(ctypes.Structure):
    _fields_ = [
        ('vmcb12', c_uint8 * 4096),
    ]


class kvm_svm_nested_state_hdr(ctypes.Structure):
    _fields_ = [
        ('vmcb_pa', c_uint64),
    ]


class _kvm_nested_state_hdr(ctypes.Union):
    _fields_ = [
        ('vmx', kvm_vmx_nested_state_hdr),
        ('svm', kvm_svm_nested_state_hdr),
        ('pad', c_uint8 * 120),
    ]


class _kvm_nested_state_data(ctypes.Union):
    _fields_ = [
        ('vmx', kvm_vmx_nested_state_data * 0),
        ('svm', kvm_svm_nested_state_data * 0),
    ]


class kvm_nested_state(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint16),
        ('format', c_uint16),
        ('size', c_uint32),
        ('hdr', _kvm_nested_state_hdr),
        ('data', _kvm_nested_state_data),
    ]



class kvm_pmu_event_filter(ctypes.Structure):
    _fields_ = [
        ('action', c_uint32),
        ('nevents', c_uint32),
        ('fixed_counter_bitmap', c_uint32),
        ('flags', c_uint32),
        ('pad', c_uint32 * 4),
        ('events', c_uint64 * 0),  # flexible array member
    ]


KVM_PMU_EVENT_ALLOW = 0
KVM_PMU_EVENT_DENY = 1
KVM_VCPU_TSC_CTRL = 0
KVM_VCPU_TSC_OFFSET = 0


# --- Added after 6.1 (see SINCE below), in the order of sid's asm/kvm.h --------------------------------------
CP_VECTOR = 21
HV_VECTOR = 28
VC_VECTOR = 29
SX_VECTOR = 30
KVM_RUN_X86_GUEST_MODE = (1 << 2)
KVM_MSR_FILTER_RANGE_VALID_MASK = (KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)
KVM_MSR_FILTER_VALID_MASK = (KVM_MSR_FILTER_DEFAULT_DENY)
KVM_X86_REG_TYPE_MSR = 2
KVM_X86_REG_TYPE_KVM = 3
KVM_REG_GUEST_SSP = 0
KVM_X86_QUIRK_SLOT_ZAP_ALL = (1 << 7)
KVM_X86_QUIRK_STUFF_FEATURE_MSRS = (1 << 8)
KVM_X86_QUIRK_IGNORE_GUEST_PAT = (1 << 9)
KVM_X86_QUIRK_VMCS12_ALLOW_FREEZE_IN_SMM = (1 << 10)
KVM_X86_QUIRK_NESTED_SVM_SHARED_PAT = (1 << 11)
KVM_X86_GRP_SYSTEM = 0
KVM_X86_GRP_SEV = 1
KVM_X86_SEV_VMSA_FEATURES = 0
KVM_X86_SNP_POLICY_BITS = 1
KVM_X86_SEV_SNP_REQ_CERTS = 2


class _kvm_svm_nested_state_hdr_7_1(ctypes.Structure):
    _fields_ = [
        ('vmcb_pa', c_uint64),
        ('gpat', c_uint64),
    ]


KVM_PMU_EVENT_FLAG_MASKED_EVENTS = (1 << 0)
KVM_PMU_EVENT_FLAGS_VALID_MASK = KVM_PMU_EVENT_FLAG_MASKED_EVENTS
KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG = (1 << 6)
KVM_XEN_HVM_CONFIG_PVCLOCK_TSC_UNSTABLE = (1 << 7)
KVM_XEN_HVM_CONFIG_SHARED_INFO_HVA = (1 << 8)
KVM_XEN_MSR_MIN_INDEX = 0x40000000
KVM_XEN_MSR_MAX_INDEX = 0x4fffffff
KVM_XEN_INVALID_GFN = 0xffffffffffffffff  # ((__u64)-1)
KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG = 0x5
KVM_XEN_ATTR_TYPE_SHARED_INFO_HVA = 0x6
KVM_XEN_INVALID_GPA = 0xffffffffffffffff  # ((__u64)-1)
KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO_HVA = 0x9
KVM_SEV_INIT2 = 22
KVM_SEV_SNP_LAUNCH_START = 100
KVM_SEV_SNP_LAUNCH_UPDATE = 101
KVM_SEV_SNP_LAUNCH_FINISH = 102
KVM_SEV_SNP_ENABLE_REQ_CERTS = 103


class kvm_sev_init(ctypes.Structure):
    _fields_ = [
        ('vmsa_features', c_uint64),
        ('flags', c_uint32),
        ('ghcb_version', c_uint16),
        ('pad1', c_uint16),
        ('pad2', c_uint32 * 8),
    ]


KVM_SEV_PAGE_TYPE_INVALID = 0x0
KVM_SEV_SNP_PAGE_TYPE_NORMAL = 0x1
KVM_SEV_SNP_PAGE_TYPE_ZERO = 0x3
KVM_SEV_SNP_PAGE_TYPE_UNMEASURED = 0x4
KVM_SEV_SNP_PAGE_TYPE_SECRETS = 0x5
KVM_SEV_SNP_PAGE_TYPE_CPUID = 0x6


class kvm_sev_snp_launch_start(ctypes.Structure):
    _fields_ = [
        ('policy', c_uint64),
        ('gosvw', c_uint8 * 16),
        ('flags', c_uint16),
        ('pad0', c_uint8 * 6),
        ('pad1', c_uint64 * 4),
    ]


class kvm_sev_snp_launch_update(ctypes.Structure):
    _fields_ = [
        ('gfn_start', c_uint64),
        ('uaddr', c_uint64),
        ('len', c_uint64),
        ('type', c_uint8),
        ('pad0', c_uint8),
        ('flags', c_uint16),
        ('pad1', c_uint32),
        ('pad2', c_uint64 * 4),
    ]


KVM_SEV_SNP_ID_BLOCK_SIZE = 96
KVM_SEV_SNP_ID_AUTH_SIZE = 4096
KVM_SEV_SNP_FINISH_DATA_SIZE = 32


class kvm_sev_snp_launch_finish(ctypes.Structure):
    _fields_ = [
        ('id_block_uaddr', c_uint64),
        ('id_auth_uaddr', c_uint64),
        ('id_block_en', c_uint8),
        ('auth_key_en', c_uint8),
        ('vcek_disabled', c_uint8),
        ('host_data', c_uint8 * KVM_SEV_SNP_FINISH_DATA_SIZE),
        ('pad0', c_uint8 * 3),
        ('flags', c_uint16),
        ('pad1', c_uint64 * 4),
    ]


KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST = (1 << 2)
KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST = (1 << 3)
KVM_PMU_MASKED_ENTRY_EVENT_SELECT = 0xff | (0xf << 32)
KVM_PMU_MASKED_ENTRY_UMASK_MASK = 0xff << 56
KVM_PMU_MASKED_ENTRY_UMASK_MATCH = 0xff << 8
KVM_PMU_MASKED_ENTRY_EXCLUDE = 1 << 55
KVM_PMU_MASKED_ENTRY_UMASK_MASK_SHIFT = 56
KVM_EXIT_HYPERCALL_LONG_MODE = (1 << 0)
KVM_X86_DEFAULT_VM = 0
KVM_X86_SW_PROTECTED_VM = 1
KVM_X86_SEV_VM = 2
KVM_X86_SEV_ES_VM = 3
KVM_X86_SNP_VM = 4
KVM_X86_TDX_VM = 5
KVM_TDX_CAPABILITIES = 0
KVM_TDX_INIT_VM = 1
KVM_TDX_INIT_VCPU = 2
KVM_TDX_INIT_MEM_REGION = 3
KVM_TDX_FINALIZE_VM = 4
KVM_TDX_GET_CPUID = 5
KVM_TDX_CMD_NR_MAX = 6


class kvm_tdx_cmd(ctypes.Structure):
    _fields_ = [
        ('id', c_uint32),
        ('flags', c_uint32),
        ('data', c_uint64),
        ('hw_error', c_uint64),
    ]


class kvm_tdx_capabilities(ctypes.Structure):
    _fields_ = [
        ('supported_attrs', c_uint64),
        ('supported_xfam', c_uint64),
        ('kernel_tdvmcallinfo_1_r11', c_uint64),
        ('user_tdvmcallinfo_1_r11', c_uint64),
        ('kernel_tdvmcallinfo_1_r12', c_uint64),
        ('user_tdvmcallinfo_1_r12', c_uint64),
        ('reserved', c_uint64 * 250),
        ('cpuid', kvm_cpuid2),
    ]


class kvm_tdx_init_vm(ctypes.Structure):
    _fields_ = [
        ('attributes', c_uint64),
        ('xfam', c_uint64),
        ('mrconfigid', c_uint64 * 6),
        ('mrowner', c_uint64 * 6),
        ('mrownerconfig', c_uint64 * 6),
        ('reserved', c_uint64 * 12),
        ('cpuid', kvm_cpuid2),
    ]


KVM_TDX_MEASURE_MEMORY_REGION = (1 << 0)


class kvm_tdx_init_mem_region(ctypes.Structure):
    _fields_ = [
        ('source_addr', c_uint64),
        ('gpa', c_uint64),
        ('nr_pages', c_uint64),
    ]


class _kvm_nested_state_hdr_7_1(ctypes.Union):
    _fields_ = [
        ('vmx', kvm_vmx_nested_state_hdr),
        ('svm', _kvm_svm_nested_state_hdr_7_1),
        ('pad', c_uint8 * 120),
    ]


class _kvm_nested_state_7_1(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint16),
        ('format', c_uint16),
        ('size', c_uint32),
        ('hdr', _kvm_nested_state_hdr_7_1),
        ('data', _kvm_nested_state_data),
    ]


# --- Versions (as in abi/kvm.py: the plain definitions are 6.1's) --------------------------------------------
SINCE = {
    "6.2": ("KVM_MSR_FILTER_RANGE_VALID_MASK", "KVM_MSR_FILTER_VALID_MASK", "KVM_PMU_EVENT_FLAGS_VALID_MASK"),
    "6.3": ("KVM_PMU_EVENT_FLAG_MASKED_EVENTS", "KVM_PMU_MASKED_ENTRY_EVENT_SELECT", "KVM_PMU_MASKED_ENTRY_UMASK_MASK",
            "KVM_PMU_MASKED_ENTRY_UMASK_MATCH", "KVM_PMU_MASKED_ENTRY_EXCLUDE", "KVM_PMU_MASKED_ENTRY_UMASK_MASK_SHIFT",
            "KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG", "KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG"),
    "6.5": ("KVM_XEN_HVM_CONFIG_PVCLOCK_TSC_UNSTABLE",),
    "6.8": ("KVM_X86_DEFAULT_VM", "KVM_X86_SW_PROTECTED_VM"),
    "6.9": ("KVM_XEN_HVM_CONFIG_SHARED_INFO_HVA", "KVM_XEN_INVALID_GFN", "KVM_XEN_ATTR_TYPE_SHARED_INFO_HVA",
            "KVM_XEN_INVALID_GPA", "KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO_HVA"),
    "6.10": ("KVM_X86_GRP_SYSTEM", "KVM_X86_GRP_SEV", "KVM_X86_SEV_VMSA_FEATURES", "KVM_SEV_INIT2", "kvm_sev_init",
             "KVM_X86_SEV_VM", "KVM_X86_SEV_ES_VM"),
    "6.11": ("KVM_RUN_X86_GUEST_MODE", "KVM_SEV_SNP_LAUNCH_START", "KVM_SEV_SNP_LAUNCH_UPDATE",
             "KVM_SEV_SNP_LAUNCH_FINISH", "KVM_SEV_SNP_PAGE_TYPE_NORMAL", "KVM_SEV_SNP_PAGE_TYPE_ZERO",
             "KVM_SEV_SNP_PAGE_TYPE_UNMEASURED", "KVM_SEV_SNP_PAGE_TYPE_SECRETS", "KVM_SEV_SNP_PAGE_TYPE_CPUID",
             "kvm_sev_snp_launch_start", "kvm_sev_snp_launch_update", "kvm_sev_snp_launch_finish",
             "KVM_SEV_SNP_ID_BLOCK_SIZE", "KVM_SEV_SNP_ID_AUTH_SIZE", "KVM_SEV_SNP_FINISH_DATA_SIZE",
             "KVM_X86_SNP_VM"),
    # In Debian's 6.12.y headers (some by stable backport); the first 6.12 carrying them was not checked.
    "6.12": ("KVM_X86_QUIRK_SLOT_ZAP_ALL", "KVM_X86_QUIRK_STUFF_FEATURE_MSRS", "KVM_X86_QUIRK_IGNORE_GUEST_PAT",
             "KVM_X86_QUIRK_VMCS12_ALLOW_FREEZE_IN_SMM", "KVM_EXIT_HYPERCALL_LONG_MODE"),
    "6.14": ("KVM_XEN_MSR_MIN_INDEX", "KVM_XEN_MSR_MAX_INDEX"),
    "6.16": ("KVM_X86_TDX_VM", "KVM_TDX_MEASURE_MEMORY_REGION", "KVM_TDX_CAPABILITIES", "KVM_TDX_INIT_VM",
             "KVM_TDX_INIT_VCPU", "KVM_TDX_INIT_MEM_REGION", "KVM_TDX_FINALIZE_VM", "KVM_TDX_GET_CPUID",
             "KVM_TDX_CMD_NR_MAX", "kvm_tdx_cmd", "kvm_tdx_capabilities", "kvm_tdx_init_vm",
             "kvm_tdx_init_mem_region"),
    "6.17": ("KVM_X86_SNP_POLICY_BITS",),
    "6.18": ("KVM_X86_REG_TYPE_MSR", "KVM_X86_REG_TYPE_KVM", "KVM_REG_GUEST_SSP", "CP_VECTOR", "HV_VECTOR",
             "VC_VECTOR", "SX_VECTOR"),
    "7.1": ("KVM_X86_QUIRK_NESTED_SVM_SHARED_PAT", "KVM_X86_SEV_SNP_REQ_CERTS", "KVM_SEV_SNP_ENABLE_REQ_CERTS",
            "KVM_SEV_PAGE_TYPE_INVALID", "KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST",
            "KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST"),
}
# Memory aliases had been a no-op for years; the read-only memslot switch became KVM_CAP_READONLY_MEM alone.
UNTIL = {"6.8": ("__KVM_HAVE_READONLY_MEM",), "6.9": ("KVM_SET_MEMORY_ALIAS", "kvm_memory_alias")}
CHANGED = {
    # enum sev_cmd_id's end marker moves with each new command
    "6.10": {"KVM_SEV_NR_MAX": 23},
    "6.11": {"KVM_SEV_NR_MAX": 103},
    "7.1": {"KVM_SEV_NR_MAX": 104, "kvm_svm_nested_state_hdr": _kvm_svm_nested_state_hdr_7_1,
            "kvm_nested_state": _kvm_nested_state_7_1},
}
