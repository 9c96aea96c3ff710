"""linux/kvm.h: the architecture-independent KVM userspace ABI.

Written in the header's order, with its names, so a reader can hold the two side by side. Constants and
structures are what the header defines for every architecture; requests whose size is an architecture's
structure (`KVM_GET_REGS` takes asm/kvm.h's `struct kvm_regs`) name that structure as a string and get
their number from `abi.model.for_arch(arch)`, as do the structures that embed one (kvm_run,
kvm_guest_debug, kvm_irqchip, in ARCH_STRUCTS at the end). `tests/abi` proves every value and layout
here against real UAPI headers; see abi/headers.py.

The plain definitions are those of Debian 12's linux-libc-dev (6.1). What later releases added, dropped, moved
to an architecture's asm/kvm.h or changed is at the end, after "Added after 6.1", as data: SINCE, UNTIL, MOVED
and CHANGED, which abi.model.for_arch(arch, version) reads. The header check judges each header set by the
model of its own release (Debian 12's and Debian sid's by default).
"""

import ctypes
from ctypes import (
    c_char,
    c_int,
    c_int16,
    c_int32,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_ulong,
    c_void_p,
)

from abi import versions
from abi.ioctl import _IO, _IOR, _IOW, _IOWR
from abi.macro import macro

KVM_API_VERSION = 12


KVM_TRC_SHIFT = 16
KVM_TRC_ENTRYEXIT = (1 << KVM_TRC_SHIFT)
KVM_TRC_HANDLER = (1 << (KVM_TRC_SHIFT + 1))
KVM_TRC_VMENTRY = (KVM_TRC_ENTRYEXIT + 0x01)
KVM_TRC_VMEXIT = (KVM_TRC_ENTRYEXIT + 0x02)
KVM_TRC_PAGE_FAULT = (KVM_TRC_HANDLER + 0x01)
KVM_TRC_HEAD_SIZE = 12
KVM_TRC_CYCLE_SIZE = 8
KVM_TRC_EXTRA_MAX = 7
KVM_TRC_INJ_VIRQ = (KVM_TRC_HANDLER + 0x02)
KVM_TRC_REDELIVER_EVT = (KVM_TRC_HANDLER + 0x03)
KVM_TRC_PEND_INTR = (KVM_TRC_HANDLER + 0x04)
KVM_TRC_IO_READ = (KVM_TRC_HANDLER + 0x05)
KVM_TRC_IO_WRITE = (KVM_TRC_HANDLER + 0x06)
KVM_TRC_CR_READ = (KVM_TRC_HANDLER + 0x07)
KVM_TRC_CR_WRITE = (KVM_TRC_HANDLER + 0x08)
KVM_TRC_DR_READ = (KVM_TRC_HANDLER + 0x09)
KVM_TRC_DR_WRITE = (KVM_TRC_HANDLER + 0x0A)
KVM_TRC_MSR_READ = (KVM_TRC_HANDLER + 0x0B)
KVM_TRC_MSR_WRITE = (KVM_TRC_HANDLER + 0x0C)
KVM_TRC_CPUID = (KVM_TRC_HANDLER + 0x0D)
KVM_TRC_INTR = (KVM_TRC_HANDLER + 0x0E)
KVM_TRC_NMI = (KVM_TRC_HANDLER + 0x0F)
KVM_TRC_VMMCALL = (KVM_TRC_HANDLER + 0x10)
KVM_TRC_HLT = (KVM_TRC_HANDLER + 0x11)
KVM_TRC_CLTS = (KVM_TRC_HANDLER + 0x12)
KVM_TRC_LMSW = (KVM_TRC_HANDLER + 0x13)
KVM_TRC_APIC_ACCESS = (KVM_TRC_HANDLER + 0x14)
KVM_TRC_TDP_FAULT = (KVM_TRC_HANDLER + 0x15)
KVM_TRC_GTLB_WRITE = (KVM_TRC_HANDLER + 0x16)
KVM_TRC_STLB_WRITE = (KVM_TRC_HANDLER + 0x17)
KVM_TRC_STLB_INVAL = (KVM_TRC_HANDLER + 0x18)
KVM_TRC_PPC_INSTR = (KVM_TRC_HANDLER + 0x19)


class kvm_user_trace_setup(ctypes.Structure):
    _fields_ = [
        ('buf_size', c_uint32),
        ('buf_nr', c_uint32),
    ]


class kvm_breakpoint(ctypes.Structure):
    _fields_ = [
        ('enabled', c_uint32),
        ('padding', c_uint32),
        ('address', c_uint64),
    ]


class kvm_debug_guest(ctypes.Structure):
    _fields_ = [
        ('enabled', c_uint32),
        ('pad', c_uint32),
        ('breakpoints', kvm_breakpoint * 4),
        ('singlestep', c_uint32),
    ]


class kvm_memory_region(ctypes.Structure):
    _fields_ = [
        ('slot', c_uint32),
        ('flags', c_uint32),
        ('guest_phys_addr', c_uint64),
        ('memory_size', c_uint64),
    ]


class kvm_userspace_memory_region(ctypes.Structure):
    _fields_ = [
        ('slot', c_uint32),
        ('flags', c_uint32),
        ('guest_phys_addr', c_uint64),
        ('memory_size', c_uint64),
        ('userspace_addr', c_uint64),
    ]


KVM_MEM_LOG_DIRTY_PAGES = (1 << 0)
KVM_MEM_READONLY = (1 << 1)


class _kvm_irq_level_u0(ctypes.Union):
    _fields_ = [
        ('irq', c_uint32),
        ('status', c_int32),
    ]


class kvm_irq_level(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('_u0', _kvm_irq_level_u0),
        ('level', c_uint32),
    ]


class kvm_pit_config(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('pad', c_uint32 * 15),
    ]


KVM_PIT_SPEAKER_DUMMY = 1


class kvm_s390_skeys(ctypes.Structure):
    _fields_ = [
        ('start_gfn', c_uint64),
        ('count', c_uint64),
        ('skeydata_addr', c_uint64),
        ('flags', c_uint32),
        ('reserved', c_uint32 * 9),
    ]


KVM_S390_CMMA_PEEK = (1 << 0)


class _kvm_s390_cmma_log_u0(ctypes.Union):
    _fields_ = [
        ('remaining', c_uint64),
        ('mask', c_uint64),
    ]


class kvm_s390_cmma_log(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('start_gfn', c_uint64),
        ('count', c_uint32),
        ('flags', c_uint32),
        ('_u0', _kvm_s390_cmma_log_u0),
        ('values', c_uint64),
    ]


class _kvm_hyperv_exit_u_synic(ctypes.Structure):
    _fields_ = [
        ('msr', c_uint32),
        ('pad2', c_uint32),
        ('control', c_uint64),
        ('evt_page', c_uint64),
        ('msg_page', c_uint64),
    ]


class _kvm_hyperv_exit_u_hcall(ctypes.Structure):
    _fields_ = [
        ('input', c_uint64),
        ('result', c_uint64),
        ('params', c_uint64 * 2),
    ]


class _kvm_hyperv_exit_u_syndbg(ctypes.Structure):
    _fields_ = [
        ('msr', c_uint32),
        ('pad2', c_uint32),
        ('control', c_uint64),
        ('status', c_uint64),
        ('send_page', c_uint64),
        ('recv_page', c_uint64),
        ('pending_page', c_uint64),
    ]


class _kvm_hyperv_exit_u(ctypes.Union):
    _fields_ = [
        ('synic', _kvm_hyperv_exit_u_synic),
        ('hcall', _kvm_hyperv_exit_u_hcall),
        ('syndbg', _kvm_hyperv_exit_u_syndbg),
    ]


class kvm_hyperv_exit(ctypes.Structure):
    _fields_ = [
        ('type', c_uint32),
        ('pad1', c_uint32),
        ('u', _kvm_hyperv_exit_u),
    ]


KVM_EXIT_HYPERV_SYNIC = 1
KVM_EXIT_HYPERV_HCALL = 2
KVM_EXIT_HYPERV_SYNDBG = 3


class _kvm_xen_exit_u_hcall(ctypes.Structure):
    _fields_ = [
        ('longmode', c_uint32),
        ('cpl', c_uint32),
        ('input', c_uint64),
        ('result', c_uint64),
        ('params', c_uint64 * 6),
    ]


class _kvm_xen_exit_u(ctypes.Union):
    _fields_ = [
        ('hcall', _kvm_xen_exit_u_hcall),
    ]


class kvm_xen_exit(ctypes.Structure):
    _fields_ = [
        ('type', c_uint32),
        ('u', _kvm_xen_exit_u),
    ]


KVM_EXIT_XEN_HCALL = 1
KVM_S390_GET_SKEYS_NONE = 1
KVM_S390_SKEYS_MAX = 1048576
KVM_EXIT_UNKNOWN = 0
KVM_EXIT_EXCEPTION = 1
KVM_EXIT_IO = 2
KVM_EXIT_HYPERCALL = 3
KVM_EXIT_DEBUG = 4
KVM_EXIT_HLT = 5
KVM_EXIT_MMIO = 6
KVM_EXIT_IRQ_WINDOW_OPEN = 7
KVM_EXIT_SHUTDOWN = 8
KVM_EXIT_FAIL_ENTRY = 9
KVM_EXIT_INTR = 10
KVM_EXIT_SET_TPR = 11
KVM_EXIT_TPR_ACCESS = 12
KVM_EXIT_S390_SIEIC = 13
KVM_EXIT_S390_RESET = 14
KVM_EXIT_DCR = 15
KVM_EXIT_NMI = 16
KVM_EXIT_INTERNAL_ERROR = 17
KVM_EXIT_OSI = 18
KVM_EXIT_PAPR_HCALL = 19
KVM_EXIT_S390_UCONTROL = 20
KVM_EXIT_WATCHDOG = 21
KVM_EXIT_S390_TSCH = 22
KVM_EXIT_EPR = 23
KVM_EXIT_SYSTEM_EVENT = 24
KVM_EXIT_S390_STSI = 25
KVM_EXIT_IOAPIC_EOI = 26
KVM_EXIT_HYPERV = 27
KVM_EXIT_ARM_NISV = 28
KVM_EXIT_X86_RDMSR = 29
KVM_EXIT_X86_WRMSR = 30
KVM_EXIT_DIRTY_RING_FULL = 31
KVM_EXIT_AP_RESET_HOLD = 32
KVM_EXIT_X86_BUS_LOCK = 33
KVM_EXIT_XEN = 34
KVM_EXIT_RISCV_SBI = 35
KVM_EXIT_RISCV_CSR = 36
KVM_EXIT_NOTIFY = 37
KVM_INTERNAL_ERROR_EMULATION = 1
KVM_INTERNAL_ERROR_SIMUL_EX = 2
KVM_INTERNAL_ERROR_DELIVERY_EV = 3
KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4
KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES = (1 << 0)


class _kvm_run_u0_hw(ctypes.Structure):
    _fields_ = [
        ('hardware_exit_reason', c_uint64),
    ]


class _kvm_run_u0_fail_entry(ctypes.Structure):
    _fields_ = [
        ('hardware_entry_failure_reason', c_uint64),
        ('cpu', c_uint32),
    ]


class _kvm_run_u0_ex(ctypes.Structure):
    _fields_ = [
        ('exception', c_uint32),
        ('error_code', c_uint32),
    ]


class _kvm_run_u0_io(ctypes.Structure):
    _fields_ = [
        ('direction', c_uint8),
        ('size', c_uint8),
        ('port', c_uint16),
        ('count', c_uint32),
        ('data_offset', c_uint64),
    ]


class _kvm_run_u0_mmio(ctypes.Structure):
    _fields_ = [
        ('phys_addr', c_uint64),
        ('data', c_uint8 * 8),
        ('len', c_uint32),
        ('is_write', c_uint8),
    ]


class _kvm_run_u0_hypercall(ctypes.Structure):
    _fields_ = [
        ('nr', c_uint64),
        ('args', c_uint64 * 6),
        ('ret', c_uint64),
        ('longmode', c_uint32),
        ('pad', c_uint32),
    ]


class _kvm_run_u0_hypercall_u0(ctypes.Union):
    _fields_ = [
        ('longmode', c_uint32),
        ('flags', c_uint64),
    ]


class _kvm_run_u0_hypercall_6_6(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('nr', c_uint64),
        ('args', c_uint64 * 6),
        ('ret', c_uint64),
        ('_u0', _kvm_run_u0_hypercall_u0),
    ]


class _kvm_run_u0_tpr_access(ctypes.Structure):
    _fields_ = [
        ('rip', c_uint64),
        ('is_write', c_uint32),
        ('pad', c_uint32),
    ]


class _kvm_run_u0_s390_sieic(ctypes.Structure):
    _fields_ = [
        ('icptcode', c_uint8),
        ('ipa', c_uint16),
        ('ipb', c_uint32),
    ]


class _kvm_run_u0_s390_ucontrol(ctypes.Structure):
    _fields_ = [
        ('trans_exc_code', c_uint64),
        ('pgm_code', c_uint32),
    ]


class _kvm_run_u0_dcr(ctypes.Structure):
    _fields_ = [
        ('dcrn', c_uint32),
        ('data', c_uint32),
        ('is_write', c_uint8),
    ]


class _kvm_run_u0_internal(ctypes.Structure):
    _fields_ = [
        ('suberror', c_uint32),
        ('ndata', c_uint32),
        ('data', c_uint64 * 16),
    ]


class _kvm_run_u0_emulation_failure_u0_u0(ctypes.Structure):
    _fields_ = [
        ('insn_size', c_uint8),
        ('insn_bytes', c_uint8 * 15),
    ]


class _kvm_run_u0_emulation_failure_u0(ctypes.Union):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('_u0', _kvm_run_u0_emulation_failure_u0_u0),
    ]


class _kvm_run_u0_emulation_failure(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('suberror', c_uint32),
        ('ndata', c_uint32),
        ('flags', c_uint64),
        ('_u0', _kvm_run_u0_emulation_failure_u0),
    ]


class _kvm_run_u0_osi(ctypes.Structure):
    _fields_ = [
        ('gprs', c_uint64 * 32),
    ]


class _kvm_run_u0_papr_hcall(ctypes.Structure):
    _fields_ = [
        ('nr', c_uint64),
        ('ret', c_uint64),
        ('args', c_uint64 * 9),
    ]


class _kvm_run_u0_s390_tsch(ctypes.Structure):
    _fields_ = [
        ('subchannel_id', c_uint16),
        ('subchannel_nr', c_uint16),
        ('io_int_parm', c_uint32),
        ('io_int_word', c_uint32),
        ('ipb', c_uint32),
        ('dequeued', c_uint8),
    ]


class _kvm_run_u0_epr(ctypes.Structure):
    _fields_ = [
        ('epr', c_uint32),
    ]


class _kvm_run_u0_system_event_u0(ctypes.Union):
    _fields_ = [
        ('flags', c_uint64),
        ('data', c_uint64 * 16),
    ]


class _kvm_run_u0_system_event(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('type', c_uint32),
        ('ndata', c_uint32),
        ('_u0', _kvm_run_u0_system_event_u0),
    ]


class _kvm_run_u0_s390_stsi(ctypes.Structure):
    _fields_ = [
        ('addr', c_uint64),
        ('ar', c_uint8),
        ('reserved', c_uint8),
        ('fc', c_uint8),
        ('sel1', c_uint8),
        ('sel2', c_uint16),
    ]


class _kvm_run_u0_eoi(ctypes.Structure):
    _fields_ = [
        ('vector', c_uint8),
    ]


class _kvm_run_u0_arm_nisv(ctypes.Structure):
    _fields_ = [
        ('esr_iss', c_uint64),
        ('fault_ipa', c_uint64),
    ]


class _kvm_run_u0_msr(ctypes.Structure):
    _fields_ = [
        ('error', c_uint8),
        ('pad', c_uint8 * 7),
        ('reason', c_uint32),
        ('index', c_uint32),
        ('data', c_uint64),
    ]


class _kvm_run_u0_riscv_sbi(ctypes.Structure):
    _fields_ = [
        ('extension_id', c_ulong),
        ('function_id', c_ulong),
        ('args', c_ulong * 6),
        ('ret', c_ulong * 2),
    ]


class _kvm_run_u0_riscv_csr(ctypes.Structure):
    _fields_ = [
        ('csr_num', c_ulong),
        ('new_value', c_ulong),
        ('write_mask', c_ulong),
        ('ret_value', c_ulong),
    ]


class _kvm_run_u0_notify(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
    ]


KVM_EXIT_IO_IN = 0
KVM_EXIT_IO_OUT = 1
KVM_S390_RESET_POR = 1
KVM_S390_RESET_CLEAR = 2
KVM_S390_RESET_SUBSYSTEM = 4
KVM_S390_RESET_CPU_INIT = 8
KVM_S390_RESET_IPL = 16
KVM_SYSTEM_EVENT_SHUTDOWN = 1
KVM_SYSTEM_EVENT_RESET = 2
KVM_SYSTEM_EVENT_CRASH = 3
KVM_SYSTEM_EVENT_WAKEUP = 4
KVM_SYSTEM_EVENT_SUSPEND = 5
KVM_SYSTEM_EVENT_SEV_TERM = 6
KVM_MSR_EXIT_REASON_INVAL = (1 << 0)
KVM_MSR_EXIT_REASON_UNKNOWN = (1 << 1)
KVM_MSR_EXIT_REASON_FILTER = (1 << 2)
KVM_NOTIFY_CONTEXT_INVALID = (1 << 0)
SYNC_REGS_SIZE_BYTES = 2048


class _kvm_coalesced_mmio_zone_u0(ctypes.Union):
    _fields_ = [
        ('pad', c_uint32),
        ('pio', c_uint32),
    ]


class kvm_coalesced_mmio_zone(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('addr', c_uint64),
        ('size', c_uint32),
        ('_u0', _kvm_coalesced_mmio_zone_u0),
    ]


class _kvm_coalesced_mmio_u0(ctypes.Union):
    _fields_ = [
        ('pad', c_uint32),
        ('pio', c_uint32),
    ]


class kvm_coalesced_mmio(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('phys_addr', c_uint64),
        ('len', c_uint32),
        ('_u0', _kvm_coalesced_mmio_u0),
        ('data', c_uint8 * 8),
    ]



class kvm_coalesced_mmio_ring(ctypes.Structure):
    _fields_ = [
        ('first', c_uint32),
        ('last', c_uint32),
        ('coalesced_mmio', kvm_coalesced_mmio * 0),  # flexible array member
    ]


class kvm_translation(ctypes.Structure):
    _fields_ = [
        ('linear_address', c_uint64),
        ('physical_address', c_uint64),
        ('valid', c_uint8),
        ('writeable', c_uint8),
        ('usermode', c_uint8),
        ('pad', c_uint8 * 5),
    ]


class _kvm_s390_mem_op_u0_u0(ctypes.Structure):
    _fields_ = [
        ('ar', c_uint8),
        ('key', c_uint8),
    ]


class _kvm_s390_mem_op_u0(ctypes.Union):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('_u0', _kvm_s390_mem_op_u0_u0),
        ('sida_offset', c_uint32),
        ('reserved', c_uint8 * 32),
    ]


class kvm_s390_mem_op(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('gaddr', c_uint64),
        ('flags', c_uint64),
        ('size', c_uint32),
        ('op', c_uint32),
        ('buf', c_uint64),
        ('_u0', _kvm_s390_mem_op_u0),
    ]


KVM_S390_MEMOP_LOGICAL_READ = 0
KVM_S390_MEMOP_LOGICAL_WRITE = 1
KVM_S390_MEMOP_SIDA_READ = 2
KVM_S390_MEMOP_SIDA_WRITE = 3
KVM_S390_MEMOP_ABSOLUTE_READ = 4
KVM_S390_MEMOP_ABSOLUTE_WRITE = 5
KVM_S390_MEMOP_F_CHECK_ONLY = (1 << 0)
KVM_S390_MEMOP_F_INJECT_EXCEPTION = (1 << 1)
KVM_S390_MEMOP_F_SKEY_PROTECTION = (1 << 2)


class kvm_interrupt(ctypes.Structure):
    _fields_ = [
        ('irq', c_uint32),
    ]


class _kvm_dirty_log_u0(ctypes.Union):
    _fields_ = [
        ('dirty_bitmap', c_void_p),
        ('padding2', c_uint64),
    ]


class kvm_dirty_log(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('slot', c_uint32),
        ('padding1', c_uint32),
        ('_u0', _kvm_dirty_log_u0),
    ]


class _kvm_clear_dirty_log_u0(ctypes.Union):
    _fields_ = [
        ('dirty_bitmap', c_void_p),
        ('padding2', c_uint64),
    ]


class kvm_clear_dirty_log(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('slot', c_uint32),
        ('num_pages', c_uint32),
        ('first_page', c_uint64),
        ('_u0', _kvm_clear_dirty_log_u0),
    ]



class kvm_signal_mask(ctypes.Structure):
    _fields_ = [
        ('len', c_uint32),
        ('sigset', c_uint8 * 0),  # flexible array member
    ]


class kvm_tpr_access_ctl(ctypes.Structure):
    _fields_ = [
        ('enabled', c_uint32),
        ('flags', c_uint32),
        ('reserved', c_uint32 * 8),
    ]


class kvm_vapic_addr(ctypes.Structure):
    _fields_ = [
        ('vapic_addr', c_uint64),
    ]


KVM_MP_STATE_RUNNABLE = 0
KVM_MP_STATE_UNINITIALIZED = 1
KVM_MP_STATE_INIT_RECEIVED = 2
KVM_MP_STATE_HALTED = 3
KVM_MP_STATE_SIPI_RECEIVED = 4
KVM_MP_STATE_STOPPED = 5
KVM_MP_STATE_CHECK_STOP = 6
KVM_MP_STATE_OPERATING = 7
KVM_MP_STATE_LOAD = 8
KVM_MP_STATE_AP_RESET_HOLD = 9
KVM_MP_STATE_SUSPENDED = 10


class kvm_mp_state(ctypes.Structure):
    _fields_ = [
        ('mp_state', c_uint32),
    ]


class kvm_s390_psw(ctypes.Structure):
    _fields_ = [
        ('mask', c_uint64),
        ('addr', c_uint64),
    ]


KVM_S390_SIGP_STOP = 0xfffe0000
KVM_S390_PROGRAM_INT = 0xfffe0001
KVM_S390_SIGP_SET_PREFIX = 0xfffe0002
KVM_S390_RESTART = 0xfffe0003
KVM_S390_INT_PFAULT_INIT = 0xfffe0004
KVM_S390_INT_PFAULT_DONE = 0xfffe0005
KVM_S390_MCHK = 0xfffe1000
KVM_S390_INT_CLOCK_COMP = 0xffff1004
KVM_S390_INT_CPU_TIMER = 0xffff1005
KVM_S390_INT_VIRTIO = 0xffff2603
KVM_S390_INT_SERVICE = 0xffff2401
KVM_S390_INT_EMERGENCY = 0xffff1201
KVM_S390_INT_EXTERNAL_CALL = 0xffff1202
KVM_S390_INT_IO_MIN = 0x00000000
KVM_S390_INT_IO_MAX = 0xfffdffff
KVM_S390_INT_IO_AI_MASK = 0x04000000


@macro((0, 0, 0, 0), (1, 0xff, 3, 0xffff))
def KVM_S390_INT_IO(ai: int, cssid: int, ssid: int, schid: int) -> int:
    return schid | (ssid << 16) | (cssid << 18) | (ai << 26)




class kvm_s390_interrupt(ctypes.Structure):
    _fields_ = [
        ('type', c_uint32),
        ('parm', c_uint32),
        ('parm64', c_uint64),
    ]


class kvm_s390_io_info(ctypes.Structure):
    _fields_ = [
        ('subchannel_id', c_uint16),
        ('subchannel_nr', c_uint16),
        ('io_int_parm', c_uint32),
        ('io_int_word', c_uint32),
    ]


class kvm_s390_ext_info(ctypes.Structure):
    _fields_ = [
        ('ext_params', c_uint32),
        ('pad', c_uint32),
        ('ext_params2', c_uint64),
    ]


class kvm_s390_pgm_info(ctypes.Structure):
    _fields_ = [
        ('trans_exc_code', c_uint64),
        ('mon_code', c_uint64),
        ('per_address', c_uint64),
        ('data_exc_code', c_uint32),
        ('code', c_uint16),
        ('mon_class_nr', c_uint16),
        ('per_code', c_uint8),
        ('per_atmid', c_uint8),
        ('exc_access_id', c_uint8),
        ('per_access_id', c_uint8),
        ('op_access_id', c_uint8),
        ('flags', c_uint8),
        ('pad', c_uint8 * 2),
    ]


KVM_S390_PGM_FLAGS_ILC_VALID = 0x01
KVM_S390_PGM_FLAGS_ILC_0 = 0x02
KVM_S390_PGM_FLAGS_ILC_1 = 0x04
KVM_S390_PGM_FLAGS_ILC_MASK = 0x06
KVM_S390_PGM_FLAGS_NO_REWIND = 0x08


class kvm_s390_prefix_info(ctypes.Structure):
    _fields_ = [
        ('address', c_uint32),
    ]


class kvm_s390_extcall_info(ctypes.Structure):
    _fields_ = [
        ('code', c_uint16),
    ]


class kvm_s390_emerg_info(ctypes.Structure):
    _fields_ = [
        ('code', c_uint16),
    ]


KVM_S390_STOP_FLAG_STORE_STATUS = 0x01


class kvm_s390_stop_info(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
    ]


class kvm_s390_mchk_info(ctypes.Structure):
    _fields_ = [
        ('cr14', c_uint64),
        ('mcic', c_uint64),
        ('failing_storage_address', c_uint64),
        ('ext_damage_code', c_uint32),
        ('pad', c_uint32),
        ('fixed_logout', c_uint8 * 16),
    ]


class _kvm_s390_irq_u(ctypes.Union):
    _fields_ = [
        ('io', kvm_s390_io_info),
        ('ext', kvm_s390_ext_info),
        ('pgm', kvm_s390_pgm_info),
        ('emerg', kvm_s390_emerg_info),
        ('extcall', kvm_s390_extcall_info),
        ('prefix', kvm_s390_prefix_info),
        ('stop', kvm_s390_stop_info),
        ('mchk', kvm_s390_mchk_info),
        ('reserved', c_char * 64),
    ]


class kvm_s390_irq(ctypes.Structure):
    _fields_ = [
        ('type', c_uint64),
        ('u', _kvm_s390_irq_u),
    ]


class kvm_s390_irq_state(ctypes.Structure):
    _fields_ = [
        ('buf', c_uint64),
        ('flags', c_uint32),
        ('len', c_uint32),
        ('reserved', c_uint32 * 4),
    ]


KVM_GUESTDBG_ENABLE = 0x00000001
KVM_GUESTDBG_SINGLESTEP = 0x00000002


kvm_ioeventfd_flag_nr_datamatch = 0
kvm_ioeventfd_flag_nr_pio = 1
kvm_ioeventfd_flag_nr_deassign = 2
kvm_ioeventfd_flag_nr_virtio_ccw_notify = 3
kvm_ioeventfd_flag_nr_fast_mmio = 4
kvm_ioeventfd_flag_nr_max = 5
KVM_IOEVENTFD_FLAG_DATAMATCH = (1 << kvm_ioeventfd_flag_nr_datamatch)
KVM_IOEVENTFD_FLAG_PIO = (1 << kvm_ioeventfd_flag_nr_pio)
KVM_IOEVENTFD_FLAG_DEASSIGN = (1 << kvm_ioeventfd_flag_nr_deassign)
KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY = (1 << kvm_ioeventfd_flag_nr_virtio_ccw_notify)
KVM_IOEVENTFD_VALID_FLAG_MASK = ((1 << kvm_ioeventfd_flag_nr_max) - 1)


class kvm_ioeventfd(ctypes.Structure):
    _fields_ = [
        ('datamatch', c_uint64),
        ('addr', c_uint64),
        ('len', c_uint32),
        ('fd', c_int32),
        ('flags', c_uint32),
        ('pad', c_uint8 * 36),
    ]


KVM_X86_DISABLE_EXITS_MWAIT = (1 << 0)
KVM_X86_DISABLE_EXITS_HLT = (1 << 1)
KVM_X86_DISABLE_EXITS_PAUSE = (1 << 2)
KVM_X86_DISABLE_EXITS_CSTATE = (1 << 3)
KVM_X86_DISABLE_VALID_EXITS = (KVM_X86_DISABLE_EXITS_MWAIT | KVM_X86_DISABLE_EXITS_HLT | KVM_X86_DISABLE_EXITS_PAUSE | KVM_X86_DISABLE_EXITS_CSTATE)


class kvm_enable_cap(ctypes.Structure):
    _fields_ = [
        ('cap', c_uint32),
        ('flags', c_uint32),
        ('args', c_uint64 * 4),
        ('pad', c_uint8 * 64),
    ]


KVM_PPC_PVINFO_FLAGS_EV_IDLE = (1<<0)


class kvm_ppc_pvinfo(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('hcall', c_uint32 * 4),
        ('pad', c_uint8 * 108),
    ]


KVM_PPC_PAGE_SIZES_MAX_SZ = 8


class kvm_ppc_one_page_size(ctypes.Structure):
    _fields_ = [
        ('page_shift', c_uint32),
        ('pte_enc', c_uint32),
    ]


class kvm_ppc_one_seg_page_size(ctypes.Structure):
    _fields_ = [
        ('page_shift', c_uint32),
        ('slb_enc', c_uint32),
        ('enc', kvm_ppc_one_page_size * 8),
    ]


KVM_PPC_PAGE_SIZES_REAL = 0x00000001
KVM_PPC_1T_SEGMENTS = 0x00000002
KVM_PPC_NO_HASH = 0x00000004


class kvm_ppc_smmu_info(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint64),
        ('slb_size', c_uint32),
        ('data_keys', c_uint16),
        ('instr_keys', c_uint16),
        ('sps', kvm_ppc_one_seg_page_size * 8),
    ]


class kvm_ppc_resize_hpt(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint64),
        ('shift', c_uint32),
        ('pad', c_uint32),
    ]


KVMIO = 0xAE
KVM_VM_S390_UCONTROL = 1
KVM_VM_PPC_HV = 1
KVM_VM_PPC_PR = 2
KVM_VM_MIPS_AUTO = 0
KVM_VM_MIPS_VZ = 1
KVM_VM_MIPS_TE = 2
KVM_S390_SIE_PAGE_OFFSET = 1
KVM_VM_TYPE_ARM_IPA_SIZE_MASK = 0xff


@macro((32,), (40,), (52,), (0x1ff,))
def KVM_VM_TYPE_ARM_IPA_SIZE(x: int) -> int:
    return x & KVM_VM_TYPE_ARM_IPA_SIZE_MASK


KVM_GET_API_VERSION = _IO(KVMIO, 0x00)
KVM_CREATE_VM = _IO(KVMIO, 0x01)
KVM_GET_MSR_INDEX_LIST = _IOWR(KVMIO, 0x02, 'kvm_msr_list')
KVM_S390_ENABLE_SIE = _IO(KVMIO, 0x06)
KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03)
KVM_GET_VCPU_MMAP_SIZE = _IO(KVMIO, 0x04)
KVM_GET_SUPPORTED_CPUID = _IOWR(KVMIO, 0x05, 'kvm_cpuid2')
KVM_TRACE_ENABLE = _IOW(KVMIO, 0x06, 'kvm_user_trace_setup')
KVM_TRACE_PAUSE = _IO(KVMIO, 0x07)
KVM_TRACE_DISABLE = _IO(KVMIO, 0x08)
KVM_GET_EMULATED_CPUID = _IOWR(KVMIO, 0x09, 'kvm_cpuid2')
KVM_GET_MSR_FEATURE_INDEX_LIST = _IOWR(KVMIO, 0x0a, 'kvm_msr_list')
KVM_CAP_IRQCHIP = 0
KVM_CAP_HLT = 1
KVM_CAP_MMU_SHADOW_CACHE_CONTROL = 2
KVM_CAP_USER_MEMORY = 3
KVM_CAP_SET_TSS_ADDR = 4
KVM_CAP_VAPIC = 6
KVM_CAP_EXT_CPUID = 7
KVM_CAP_CLOCKSOURCE = 8
KVM_CAP_NR_VCPUS = 9
KVM_CAP_NR_MEMSLOTS = 10
KVM_CAP_PIT = 11
KVM_CAP_NOP_IO_DELAY = 12
KVM_CAP_PV_MMU = 13
KVM_CAP_MP_STATE = 14
KVM_CAP_COALESCED_MMIO = 15
KVM_CAP_SYNC_MMU = 16
KVM_CAP_IOMMU = 18
KVM_CAP_DESTROY_MEMORY_REGION_WORKS = 21
KVM_CAP_USER_NMI = 22
KVM_CAP_SET_GUEST_DEBUG = 23
KVM_CAP_REINJECT_CONTROL = 24
KVM_CAP_IRQ_ROUTING = 25
KVM_CAP_IRQ_INJECT_STATUS = 26
KVM_CAP_ASSIGN_DEV_IRQ = 29
KVM_CAP_JOIN_MEMORY_REGIONS_WORKS = 30
KVM_CAP_MCE = 31
KVM_CAP_IRQFD = 32
KVM_CAP_PIT2 = 33
KVM_CAP_SET_BOOT_CPU_ID = 34
KVM_CAP_PIT_STATE2 = 35
KVM_CAP_IOEVENTFD = 36
KVM_CAP_SET_IDENTITY_MAP_ADDR = 37
KVM_CAP_XEN_HVM = 38
KVM_CAP_ADJUST_CLOCK = 39
KVM_CAP_INTERNAL_ERROR_DATA = 40
KVM_CAP_VCPU_EVENTS = 41
KVM_CAP_S390_PSW = 42
KVM_CAP_PPC_SEGSTATE = 43
KVM_CAP_HYPERV = 44
KVM_CAP_HYPERV_VAPIC = 45
KVM_CAP_HYPERV_SPIN = 46
KVM_CAP_PCI_SEGMENT = 47
KVM_CAP_PPC_PAIRED_SINGLES = 48
KVM_CAP_INTR_SHADOW = 49
KVM_CAP_DEBUGREGS = 50
KVM_CAP_X86_ROBUST_SINGLESTEP = 51
KVM_CAP_PPC_OSI = 52
KVM_CAP_PPC_UNSET_IRQ = 53
KVM_CAP_ENABLE_CAP = 54
KVM_CAP_XSAVE = 55
KVM_CAP_XCRS = 56
KVM_CAP_PPC_GET_PVINFO = 57
KVM_CAP_PPC_IRQ_LEVEL = 58
KVM_CAP_ASYNC_PF = 59
KVM_CAP_TSC_CONTROL = 60
KVM_CAP_GET_TSC_KHZ = 61
KVM_CAP_PPC_BOOKE_SREGS = 62
KVM_CAP_SPAPR_TCE = 63
KVM_CAP_PPC_SMT = 64
KVM_CAP_PPC_RMA = 65
KVM_CAP_MAX_VCPUS = 66
KVM_CAP_PPC_HIOR = 67
KVM_CAP_PPC_PAPR = 68
KVM_CAP_SW_TLB = 69
KVM_CAP_ONE_REG = 70
KVM_CAP_S390_GMAP = 71
KVM_CAP_TSC_DEADLINE_TIMER = 72
KVM_CAP_S390_UCONTROL = 73
KVM_CAP_SYNC_REGS = 74
KVM_CAP_PCI_2_3 = 75
KVM_CAP_KVMCLOCK_CTRL = 76
KVM_CAP_SIGNAL_MSI = 77
KVM_CAP_PPC_GET_SMMU_INFO = 78
KVM_CAP_S390_COW = 79
KVM_CAP_PPC_ALLOC_HTAB = 80
KVM_CAP_READONLY_MEM = 81
KVM_CAP_IRQFD_RESAMPLE = 82
KVM_CAP_PPC_BOOKE_WATCHDOG = 83
KVM_CAP_PPC_HTAB_FD = 84
KVM_CAP_S390_CSS_SUPPORT = 85
KVM_CAP_PPC_EPR = 86
KVM_CAP_ARM_PSCI = 87
KVM_CAP_ARM_SET_DEVICE_ADDR = 88
KVM_CAP_DEVICE_CTRL = 89
KVM_CAP_IRQ_MPIC = 90
KVM_CAP_PPC_RTAS = 91
KVM_CAP_IRQ_XICS = 92
KVM_CAP_ARM_EL1_32BIT = 93
KVM_CAP_SPAPR_MULTITCE = 94
KVM_CAP_EXT_EMUL_CPUID = 95
KVM_CAP_HYPERV_TIME = 96
KVM_CAP_IOAPIC_POLARITY_IGNORED = 97
KVM_CAP_ENABLE_CAP_VM = 98
KVM_CAP_S390_IRQCHIP = 99
KVM_CAP_IOEVENTFD_NO_LENGTH = 100
KVM_CAP_VM_ATTRIBUTES = 101
KVM_CAP_ARM_PSCI_0_2 = 102
KVM_CAP_PPC_FIXUP_HCALL = 103
KVM_CAP_PPC_ENABLE_HCALL = 104
KVM_CAP_CHECK_EXTENSION_VM = 105
KVM_CAP_S390_USER_SIGP = 106
KVM_CAP_S390_VECTOR_REGISTERS = 107
KVM_CAP_S390_MEM_OP = 108
KVM_CAP_S390_USER_STSI = 109
KVM_CAP_S390_SKEYS = 110
KVM_CAP_MIPS_FPU = 111
KVM_CAP_MIPS_MSA = 112
KVM_CAP_S390_INJECT_IRQ = 113
KVM_CAP_S390_IRQ_STATE = 114
KVM_CAP_PPC_HWRNG = 115
KVM_CAP_DISABLE_QUIRKS = 116
KVM_CAP_X86_SMM = 117
KVM_CAP_MULTI_ADDRESS_SPACE = 118
KVM_CAP_GUEST_DEBUG_HW_BPS = 119
KVM_CAP_GUEST_DEBUG_HW_WPS = 120
KVM_CAP_SPLIT_IRQCHIP = 121
KVM_CAP_IOEVENTFD_ANY_LENGTH = 122
KVM_CAP_HYPERV_SYNIC = 123
KVM_CAP_S390_RI = 124
KVM_CAP_SPAPR_TCE_64 = 125
KVM_CAP_ARM_PMU_V3 = 126
KVM_CAP_VCPU_ATTRIBUTES = 127
KVM_CAP_MAX_VCPU_ID = 128
KVM_CAP_X2APIC_API = 129
KVM_CAP_S390_USER_INSTR0 = 130
KVM_CAP_MSI_DEVID = 131
KVM_CAP_PPC_HTM = 132
KVM_CAP_SPAPR_RESIZE_HPT = 133
KVM_CAP_PPC_MMU_RADIX = 134
KVM_CAP_PPC_MMU_HASH_V3 = 135
KVM_CAP_IMMEDIATE_EXIT = 136
KVM_CAP_MIPS_VZ = 137
KVM_CAP_MIPS_TE = 138
KVM_CAP_MIPS_64BIT = 139
KVM_CAP_S390_GS = 140
KVM_CAP_S390_AIS = 141
KVM_CAP_SPAPR_TCE_VFIO = 142
KVM_CAP_X86_DISABLE_EXITS = 143
KVM_CAP_ARM_USER_IRQ = 144
KVM_CAP_S390_CMMA_MIGRATION = 145
KVM_CAP_PPC_FWNMI = 146
KVM_CAP_PPC_SMT_POSSIBLE = 147
KVM_CAP_HYPERV_SYNIC2 = 148
KVM_CAP_HYPERV_VP_INDEX = 149
KVM_CAP_S390_AIS_MIGRATION = 150
KVM_CAP_PPC_GET_CPU_CHAR = 151
KVM_CAP_S390_BPB = 152
KVM_CAP_GET_MSR_FEATURES = 153
KVM_CAP_HYPERV_EVENTFD = 154
KVM_CAP_HYPERV_TLBFLUSH = 155
KVM_CAP_S390_HPAGE_1M = 156
KVM_CAP_NESTED_STATE = 157
KVM_CAP_ARM_INJECT_SERROR_ESR = 158
KVM_CAP_MSR_PLATFORM_INFO = 159
KVM_CAP_PPC_NESTED_HV = 160
KVM_CAP_HYPERV_SEND_IPI = 161
KVM_CAP_COALESCED_PIO = 162
KVM_CAP_HYPERV_ENLIGHTENED_VMCS = 163
KVM_CAP_EXCEPTION_PAYLOAD = 164
KVM_CAP_ARM_VM_IPA_SIZE = 165
KVM_CAP_MANUAL_DIRTY_LOG_PROTECT = 166
KVM_CAP_HYPERV_CPUID = 167
KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 = 168
KVM_CAP_PPC_IRQ_XIVE = 169
KVM_CAP_ARM_SVE = 170
KVM_CAP_ARM_PTRAUTH_ADDRESS = 171
KVM_CAP_ARM_PTRAUTH_GENERIC = 172
KVM_CAP_PMU_EVENT_FILTER = 173
KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 = 174
KVM_CAP_HYPERV_DIRECT_TLBFLUSH = 175
KVM_CAP_PPC_GUEST_DEBUG_SSTEP = 176
KVM_CAP_ARM_NISV_TO_USER = 177
KVM_CAP_ARM_INJECT_EXT_DABT = 178
KVM_CAP_S390_VCPU_RESETS = 179
KVM_CAP_S390_PROTECTED = 180
KVM_CAP_PPC_SECURE_GUEST = 181
KVM_CAP_HALT_POLL = 182
KVM_CAP_ASYNC_PF_INT = 183
KVM_CAP_LAST_CPU = 184
KVM_CAP_SMALLER_MAXPHYADDR = 185
KVM_CAP_S390_DIAG318 = 186
KVM_CAP_STEAL_TIME = 187
KVM_CAP_X86_USER_SPACE_MSR = 188
KVM_CAP_X86_MSR_FILTER = 189
KVM_CAP_ENFORCE_PV_FEATURE_CPUID = 190
KVM_CAP_SYS_HYPERV_CPUID = 191
KVM_CAP_DIRTY_LOG_RING = 192
KVM_CAP_X86_BUS_LOCK_EXIT = 193
KVM_CAP_PPC_DAWR1 = 194
KVM_CAP_SET_GUEST_DEBUG2 = 195
KVM_CAP_SGX_ATTRIBUTE = 196
KVM_CAP_VM_COPY_ENC_CONTEXT_FROM = 197
KVM_CAP_PTP_KVM = 198
KVM_CAP_HYPERV_ENFORCE_CPUID = 199
KVM_CAP_SREGS2 = 200
KVM_CAP_EXIT_HYPERCALL = 201
KVM_CAP_PPC_RPT_INVALIDATE = 202
KVM_CAP_BINARY_STATS_FD = 203
KVM_CAP_EXIT_ON_EMULATION_FAILURE = 204
KVM_CAP_ARM_MTE = 205
KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM = 206
KVM_CAP_VM_GPA_BITS = 207
KVM_CAP_XSAVE2 = 208
KVM_CAP_SYS_ATTRIBUTES = 209
KVM_CAP_PPC_AIL_MODE_3 = 210
KVM_CAP_S390_MEM_OP_EXTENSION = 211
KVM_CAP_PMU_CAPABILITY = 212
KVM_CAP_DISABLE_QUIRKS2 = 213
KVM_CAP_VM_TSC_CONTROL = 214
KVM_CAP_SYSTEM_EVENT_DATA = 215
KVM_CAP_ARM_SYSTEM_SUSPEND = 216
KVM_CAP_S390_PROTECTED_DUMP = 217
KVM_CAP_X86_TRIPLE_FAULT_EVENT = 218
KVM_CAP_X86_NOTIFY_VMEXIT = 219
KVM_CAP_VM_DISABLE_NX_HUGE_PAGES = 220
KVM_CAP_S390_ZPCI_OP = 221
KVM_CAP_S390_CPU_TOPOLOGY = 222
KVM_CAP_DIRTY_LOG_RING_ACQ_REL = 223


class kvm_irq_routing_irqchip(ctypes.Structure):
    _fields_ = [
        ('irqchip', c_uint32),
        ('pin', c_uint32),
    ]


class _kvm_irq_routing_msi_u0(ctypes.Union):
    _fields_ = [
        ('pad', c_uint32),
        ('devid', c_uint32),
    ]


class kvm_irq_routing_msi(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('address_lo', c_uint32),
        ('address_hi', c_uint32),
        ('data', c_uint32),
        ('_u0', _kvm_irq_routing_msi_u0),
    ]


class kvm_irq_routing_s390_adapter(ctypes.Structure):
    _fields_ = [
        ('ind_addr', c_uint64),
        ('summary_addr', c_uint64),
        ('ind_offset', c_uint64),
        ('summary_offset', c_uint32),
        ('adapter_id', c_uint32),
    ]


class kvm_irq_routing_hv_sint(ctypes.Structure):
    _fields_ = [
        ('vcpu', c_uint32),
        ('sint', c_uint32),
    ]


class kvm_irq_routing_xen_evtchn(ctypes.Structure):
    _fields_ = [
        ('port', c_uint32),
        ('vcpu', c_uint32),
        ('priority', c_uint32),
    ]


KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL = 0xffffffff  # ((__u32)(-1))
KVM_IRQ_ROUTING_IRQCHIP = 1
KVM_IRQ_ROUTING_MSI = 2
KVM_IRQ_ROUTING_S390_ADAPTER = 3
KVM_IRQ_ROUTING_HV_SINT = 4
KVM_IRQ_ROUTING_XEN_EVTCHN = 5


class _kvm_irq_routing_entry_u(ctypes.Union):
    _fields_ = [
        ('irqchip', kvm_irq_routing_irqchip),
        ('msi', kvm_irq_routing_msi),
        ('adapter', kvm_irq_routing_s390_adapter),
        ('hv_sint', kvm_irq_routing_hv_sint),
        ('xen_evtchn', kvm_irq_routing_xen_evtchn),
        ('pad', c_uint32 * 8),
    ]


class kvm_irq_routing_entry(ctypes.Structure):
    _fields_ = [
        ('gsi', c_uint32),
        ('type', c_uint32),
        ('flags', c_uint32),
        ('pad', c_uint32),
        ('u', _kvm_irq_routing_entry_u),
    ]



class kvm_irq_routing(ctypes.Structure):
    _fields_ = [
        ('nr', c_uint32),
        ('flags', c_uint32),
        ('entries', kvm_irq_routing_entry * 0),  # flexible array member
    ]


class kvm_x86_mce(ctypes.Structure):
    _fields_ = [
        ('status', c_uint64),
        ('addr', c_uint64),
        ('misc', c_uint64),
        ('mcg_status', c_uint64),
        ('bank', c_uint8),
        ('pad1', c_uint8 * 7),
        ('pad2', c_uint64 * 3),
    ]


KVM_XEN_HVM_CONFIG_HYPERCALL_MSR = (1 << 0)
KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL = (1 << 1)
KVM_XEN_HVM_CONFIG_SHARED_INFO = (1 << 2)
KVM_XEN_HVM_CONFIG_RUNSTATE = (1 << 3)
KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL = (1 << 4)
KVM_XEN_HVM_CONFIG_EVTCHN_SEND = (1 << 5)


class kvm_xen_hvm_config(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('msr', c_uint32),
        ('blob_addr_32', c_uint64),
        ('blob_addr_64', c_uint64),
        ('blob_size_32', c_uint8),
        ('blob_size_64', c_uint8),
        ('pad2', c_uint8 * 30),
    ]


KVM_IRQFD_FLAG_DEASSIGN = (1 << 0)
KVM_IRQFD_FLAG_RESAMPLE = (1 << 1)


class kvm_irqfd(ctypes.Structure):
    _fields_ = [
        ('fd', c_uint32),
        ('gsi', c_uint32),
        ('flags', c_uint32),
        ('resamplefd', c_uint32),
        ('pad', c_uint8 * 16),
    ]


KVM_CLOCK_TSC_STABLE = 2
KVM_CLOCK_REALTIME = (1 << 2)
KVM_CLOCK_HOST_TSC = (1 << 3)


class kvm_clock_data(ctypes.Structure):
    _fields_ = [
        ('clock', c_uint64),
        ('flags', c_uint32),
        ('pad0', c_uint32),
        ('realtime', c_uint64),
        ('host_tsc', c_uint64),
        ('pad', c_uint32 * 4),
    ]


KVM_MMU_FSL_BOOKE_NOHV = 0
KVM_MMU_FSL_BOOKE_HV = 1


class kvm_config_tlb(ctypes.Structure):
    _fields_ = [
        ('params', c_uint64),
        ('array', c_uint64),
        ('mmu_type', c_uint32),
        ('array_len', c_uint32),
    ]


class kvm_dirty_tlb(ctypes.Structure):
    _fields_ = [
        ('bitmap', c_uint64),
        ('num_dirty', c_uint32),
    ]


KVM_REG_ARCH_MASK = 0xff00000000000000
KVM_REG_GENERIC = 0x0000000000000000
KVM_REG_PPC = 0x1000000000000000
KVM_REG_X86 = 0x2000000000000000
KVM_REG_IA64 = 0x3000000000000000
KVM_REG_ARM = 0x4000000000000000
KVM_REG_S390 = 0x5000000000000000
KVM_REG_ARM64 = 0x6000000000000000
KVM_REG_MIPS = 0x7000000000000000
KVM_REG_RISCV = 0x8000000000000000
KVM_REG_SIZE_SHIFT = 52
KVM_REG_SIZE_MASK = 0x00f0000000000000


KVM_REG_SIZE_U8 = 0x0000000000000000
KVM_REG_SIZE_U16 = 0x0010000000000000
KVM_REG_SIZE_U32 = 0x0020000000000000
KVM_REG_SIZE_U64 = 0x0030000000000000
KVM_REG_SIZE_U128 = 0x0040000000000000
KVM_REG_SIZE_U256 = 0x0050000000000000
KVM_REG_SIZE_U512 = 0x0060000000000000
KVM_REG_SIZE_U1024 = 0x0070000000000000
KVM_REG_SIZE_U2048 = 0x0080000000000000



class kvm_reg_list(ctypes.Structure):
    _fields_ = [
        ('n', c_uint64),
        ('reg', c_uint64 * 0),  # flexible array member
    ]


class kvm_one_reg(ctypes.Structure):
    _fields_ = [
        ('id', c_uint64),
        ('addr', c_uint64),
    ]


KVM_MSI_VALID_DEVID = (1 << 0)


class kvm_msi(ctypes.Structure):
    _fields_ = [
        ('address_lo', c_uint32),
        ('address_hi', c_uint32),
        ('data', c_uint32),
        ('flags', c_uint32),
        ('devid', c_uint32),
        ('pad', c_uint8 * 12),
    ]


class kvm_arm_device_addr(ctypes.Structure):
    _fields_ = [
        ('id', c_uint64),
        ('addr', c_uint64),
    ]


KVM_CREATE_DEVICE_TEST = 1


class kvm_create_device(ctypes.Structure):
    _fields_ = [
        ('type', c_uint32),
        ('fd', c_uint32),
        ('flags', c_uint32),
    ]


class kvm_device_attr(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('group', c_uint32),
        ('attr', c_uint64),
        ('addr', c_uint64),
    ]


KVM_DEV_VFIO_GROUP = 1
KVM_DEV_VFIO_GROUP_ADD = 1
KVM_DEV_VFIO_GROUP_DEL = 2
KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE = 3
KVM_DEV_TYPE_FSL_MPIC_20 = 1
KVM_DEV_TYPE_FSL_MPIC_42 = 2
KVM_DEV_TYPE_XICS = 3
KVM_DEV_TYPE_VFIO = 4
KVM_DEV_TYPE_ARM_VGIC_V2 = 5
KVM_DEV_TYPE_FLIC = 6
KVM_DEV_TYPE_ARM_VGIC_V3 = 7
KVM_DEV_TYPE_ARM_VGIC_ITS = 8
KVM_DEV_TYPE_XIVE = 9
KVM_DEV_TYPE_ARM_PV_TIME = 10
KVM_DEV_TYPE_MAX = 11


class kvm_vfio_spapr_tce(ctypes.Structure):
    _fields_ = [
        ('groupfd', c_int32),
        ('tablefd', c_int32),
    ]


KVM_SET_MEMORY_REGION = _IOW(KVMIO, 0x40, kvm_memory_region)
KVM_CREATE_VCPU = _IO(KVMIO, 0x41)
KVM_GET_DIRTY_LOG = _IOW(KVMIO, 0x42, kvm_dirty_log)
KVM_SET_MEMORY_ALIAS = _IOW(KVMIO, 0x43, 'kvm_memory_alias')
KVM_SET_NR_MMU_PAGES = _IO(KVMIO, 0x44)
KVM_GET_NR_MMU_PAGES = _IO(KVMIO, 0x45)
KVM_SET_USER_MEMORY_REGION = _IOW(KVMIO, 0x46, kvm_userspace_memory_region)
KVM_SET_TSS_ADDR = _IO(KVMIO, 0x47)
KVM_SET_IDENTITY_MAP_ADDR = _IOW(KVMIO, 0x48, c_uint64)


class kvm_s390_ucas_mapping(ctypes.Structure):
    _fields_ = [
        ('user_addr', c_uint64),
        ('vcpu_addr', c_uint64),
        ('length', c_uint64),
    ]


KVM_S390_UCAS_MAP = _IOW(KVMIO, 0x50, 'kvm_s390_ucas_mapping')
KVM_S390_UCAS_UNMAP = _IOW(KVMIO, 0x51, 'kvm_s390_ucas_mapping')
KVM_S390_VCPU_FAULT = _IOW(KVMIO, 0x52, c_ulong)
KVM_CREATE_IRQCHIP = _IO(KVMIO, 0x60)
KVM_IRQ_LINE = _IOW(KVMIO, 0x61, kvm_irq_level)
KVM_GET_IRQCHIP = _IOWR(KVMIO, 0x62, 'kvm_irqchip')
KVM_SET_IRQCHIP = _IOR(KVMIO, 0x63, 'kvm_irqchip')
KVM_CREATE_PIT = _IO(KVMIO, 0x64)
KVM_GET_PIT = _IOWR(KVMIO, 0x65, 'kvm_pit_state')
KVM_SET_PIT = _IOR(KVMIO, 0x66, 'kvm_pit_state')
KVM_IRQ_LINE_STATUS = _IOWR(KVMIO, 0x67, kvm_irq_level)
KVM_REGISTER_COALESCED_MMIO = _IOW(KVMIO, 0x67, kvm_coalesced_mmio_zone)
KVM_UNREGISTER_COALESCED_MMIO = _IOW(KVMIO, 0x68, kvm_coalesced_mmio_zone)
KVM_ASSIGN_PCI_DEVICE = _IOR(KVMIO, 0x69, 'kvm_assigned_pci_dev')
KVM_SET_GSI_ROUTING = _IOW(KVMIO, 0x6a, kvm_irq_routing)
KVM_ASSIGN_IRQ = _IOR(KVMIO, 0x70, 'kvm_assigned_irq')
KVM_ASSIGN_DEV_IRQ = _IOW(KVMIO, 0x70, 'kvm_assigned_irq')
KVM_REINJECT_CONTROL = _IO(KVMIO, 0x71)
KVM_DEASSIGN_PCI_DEVICE = _IOW(KVMIO, 0x72, 'kvm_assigned_pci_dev')
KVM_ASSIGN_SET_MSIX_NR = _IOW(KVMIO, 0x73, 'kvm_assigned_msix_nr')
KVM_ASSIGN_SET_MSIX_ENTRY = _IOW(KVMIO, 0x74, 'kvm_assigned_msix_entry')
KVM_DEASSIGN_DEV_IRQ = _IOW(KVMIO, 0x75, 'kvm_assigned_irq')
KVM_IRQFD = _IOW(KVMIO, 0x76, kvm_irqfd)
KVM_CREATE_PIT2 = _IOW(KVMIO, 0x77, kvm_pit_config)
KVM_SET_BOOT_CPU_ID = _IO(KVMIO, 0x78)
KVM_IOEVENTFD = _IOW(KVMIO, 0x79, kvm_ioeventfd)
KVM_XEN_HVM_CONFIG = _IOW(KVMIO, 0x7a, kvm_xen_hvm_config)
KVM_SET_CLOCK = _IOW(KVMIO, 0x7b, kvm_clock_data)
KVM_GET_CLOCK = _IOR(KVMIO, 0x7c, kvm_clock_data)
KVM_GET_PIT2 = _IOR(KVMIO, 0x9f, 'kvm_pit_state2')
KVM_SET_PIT2 = _IOW(KVMIO, 0xa0, 'kvm_pit_state2')
KVM_PPC_GET_PVINFO = _IOW(KVMIO, 0xa1, 'kvm_ppc_pvinfo')
KVM_SET_TSC_KHZ = _IO(KVMIO, 0xa2)
KVM_GET_TSC_KHZ = _IO(KVMIO, 0xa3)
KVM_ASSIGN_SET_INTX_MASK = _IOW(KVMIO, 0xa4, 'kvm_assigned_pci_dev')
KVM_SIGNAL_MSI = _IOW(KVMIO, 0xa5, kvm_msi)
KVM_PPC_GET_SMMU_INFO = _IOR(KVMIO, 0xa6, 'kvm_ppc_smmu_info')
KVM_PPC_ALLOCATE_HTAB = _IOWR(KVMIO, 0xa7, c_uint32)
KVM_CREATE_SPAPR_TCE = _IOW(KVMIO, 0xa8, 'kvm_create_spapr_tce')
KVM_CREATE_SPAPR_TCE_64 = _IOW(KVMIO, 0xa8, 'kvm_create_spapr_tce_64')
KVM_ALLOCATE_RMA = _IOR(KVMIO, 0xa9, 'kvm_allocate_rma')
KVM_PPC_GET_HTAB_FD = _IOW(KVMIO, 0xaa, 'kvm_get_htab_fd')
KVM_ARM_SET_DEVICE_ADDR = _IOW(KVMIO, 0xab, kvm_arm_device_addr)
KVM_PPC_RTAS_DEFINE_TOKEN = _IOW(KVMIO, 0xac, 'kvm_rtas_token_args')
KVM_PPC_RESIZE_HPT_PREPARE = _IOR(KVMIO, 0xad, 'kvm_ppc_resize_hpt')
KVM_PPC_RESIZE_HPT_COMMIT = _IOR(KVMIO, 0xae, 'kvm_ppc_resize_hpt')
KVM_PPC_CONFIGURE_V3_MMU = _IOW(KVMIO, 0xaf, 'kvm_ppc_mmuv3_cfg')
KVM_PPC_GET_RMMU_INFO = _IOW(KVMIO, 0xb0, 'kvm_ppc_rmmu_info')
KVM_PPC_GET_CPU_CHAR = _IOR(KVMIO, 0xb1, 'kvm_ppc_cpu_char')
KVM_SET_PMU_EVENT_FILTER = _IOW(KVMIO, 0xb2, 'kvm_pmu_event_filter')
KVM_PPC_SVM_OFF = _IO(KVMIO, 0xb3)
KVM_ARM_MTE_COPY_TAGS = _IOR(KVMIO, 0xb4, 'kvm_arm_copy_mte_tags')
KVM_CREATE_DEVICE = _IOWR(KVMIO, 0xe0, kvm_create_device)
KVM_SET_DEVICE_ATTR = _IOW(KVMIO, 0xe1, kvm_device_attr)
KVM_GET_DEVICE_ATTR = _IOW(KVMIO, 0xe2, kvm_device_attr)
KVM_HAS_DEVICE_ATTR = _IOW(KVMIO, 0xe3, kvm_device_attr)
KVM_RUN = _IO(KVMIO, 0x80)
KVM_GET_REGS = _IOR(KVMIO, 0x81, 'kvm_regs')
KVM_SET_REGS = _IOW(KVMIO, 0x82, 'kvm_regs')
KVM_GET_SREGS = _IOR(KVMIO, 0x83, 'kvm_sregs')
KVM_SET_SREGS = _IOW(KVMIO, 0x84, 'kvm_sregs')
KVM_TRANSLATE = _IOWR(KVMIO, 0x85, kvm_translation)
KVM_INTERRUPT = _IOW(KVMIO, 0x86, kvm_interrupt)
KVM_DEBUG_GUEST = _IOW(KVMIO, 0x87, 'kvm_debug_guest')
KVM_GET_MSRS = _IOWR(KVMIO, 0x88, 'kvm_msrs')
KVM_SET_MSRS = _IOW(KVMIO, 0x89, 'kvm_msrs')
KVM_SET_CPUID = _IOW(KVMIO, 0x8a, 'kvm_cpuid')
KVM_SET_SIGNAL_MASK = _IOW(KVMIO, 0x8b, kvm_signal_mask)
KVM_GET_FPU = _IOR(KVMIO, 0x8c, 'kvm_fpu')
KVM_SET_FPU = _IOW(KVMIO, 0x8d, 'kvm_fpu')
KVM_GET_LAPIC = _IOR(KVMIO, 0x8e, 'kvm_lapic_state')
KVM_SET_LAPIC = _IOW(KVMIO, 0x8f, 'kvm_lapic_state')
KVM_SET_CPUID2 = _IOW(KVMIO, 0x90, 'kvm_cpuid2')
KVM_GET_CPUID2 = _IOWR(KVMIO, 0x91, 'kvm_cpuid2')
KVM_TPR_ACCESS_REPORTING = _IOWR(KVMIO, 0x92, kvm_tpr_access_ctl)
KVM_SET_VAPIC_ADDR = _IOW(KVMIO, 0x93, kvm_vapic_addr)
KVM_S390_INTERRUPT = _IOW(KVMIO, 0x94, 'kvm_s390_interrupt')
KVM_S390_STORE_STATUS_NOADDR = 0xffffffffffffffff  # (-1ul)
KVM_S390_STORE_STATUS_PREFIXED = 0xfffffffffffffffe  # (-2ul)
KVM_S390_STORE_STATUS = _IOW(KVMIO, 0x95, c_ulong)
KVM_S390_SET_INITIAL_PSW = _IOW(KVMIO, 0x96, 'kvm_s390_psw')
KVM_S390_INITIAL_RESET = _IO(KVMIO, 0x97)
KVM_GET_MP_STATE = _IOR(KVMIO, 0x98, kvm_mp_state)
KVM_SET_MP_STATE = _IOW(KVMIO, 0x99, kvm_mp_state)
KVM_NMI = _IO(KVMIO, 0x9a)
KVM_SET_GUEST_DEBUG = _IOW(KVMIO, 0x9b, 'kvm_guest_debug')
KVM_X86_SETUP_MCE = _IOW(KVMIO, 0x9c, c_uint64)
KVM_X86_GET_MCE_CAP_SUPPORTED = _IOR(KVMIO, 0x9d, c_uint64)
KVM_X86_SET_MCE = _IOW(KVMIO, 0x9e, kvm_x86_mce)
KVM_GET_VCPU_EVENTS = _IOR(KVMIO, 0x9f, 'kvm_vcpu_events')
KVM_SET_VCPU_EVENTS = _IOW(KVMIO, 0xa0, 'kvm_vcpu_events')
KVM_GET_DEBUGREGS = _IOR(KVMIO, 0xa1, 'kvm_debugregs')
KVM_SET_DEBUGREGS = _IOW(KVMIO, 0xa2, 'kvm_debugregs')
KVM_ENABLE_CAP = _IOW(KVMIO, 0xa3, kvm_enable_cap)
KVM_GET_XSAVE = _IOR(KVMIO, 0xa4, 'kvm_xsave')
KVM_SET_XSAVE = _IOW(KVMIO, 0xa5, 'kvm_xsave')
KVM_GET_XCRS = _IOR(KVMIO, 0xa6, 'kvm_xcrs')
KVM_SET_XCRS = _IOW(KVMIO, 0xa7, 'kvm_xcrs')
KVM_DIRTY_TLB = _IOW(KVMIO, 0xaa, kvm_dirty_tlb)
KVM_GET_ONE_REG = _IOW(KVMIO, 0xab, kvm_one_reg)
KVM_SET_ONE_REG = _IOW(KVMIO, 0xac, kvm_one_reg)
KVM_KVMCLOCK_CTRL = _IO(KVMIO, 0xad)
KVM_ARM_VCPU_INIT = _IOW(KVMIO, 0xae, 'kvm_vcpu_init')
KVM_ARM_PREFERRED_TARGET = _IOR(KVMIO, 0xaf, 'kvm_vcpu_init')
KVM_GET_REG_LIST = _IOWR(KVMIO, 0xb0, kvm_reg_list)
KVM_S390_MEM_OP = _IOW(KVMIO, 0xb1, 'kvm_s390_mem_op')
KVM_S390_GET_SKEYS = _IOW(KVMIO, 0xb2, 'kvm_s390_skeys')
KVM_S390_SET_SKEYS = _IOW(KVMIO, 0xb3, 'kvm_s390_skeys')
KVM_S390_IRQ = _IOW(KVMIO, 0xb4, 'kvm_s390_irq')
KVM_S390_SET_IRQ_STATE = _IOW(KVMIO, 0xb5, 'kvm_s390_irq_state')
KVM_S390_GET_IRQ_STATE = _IOW(KVMIO, 0xb6, 'kvm_s390_irq_state')
KVM_SMI = _IO(KVMIO, 0xb7)
KVM_S390_GET_CMMA_BITS = _IOWR(KVMIO, 0xb8, 'kvm_s390_cmma_log')
KVM_S390_SET_CMMA_BITS = _IOW(KVMIO, 0xb9, 'kvm_s390_cmma_log')
KVM_MEMORY_ENCRYPT_OP = _IOWR(KVMIO, 0xba, c_ulong)


class kvm_enc_region(ctypes.Structure):
    _fields_ = [
        ('addr', c_uint64),
        ('size', c_uint64),
    ]


KVM_MEMORY_ENCRYPT_REG_REGION = _IOR(KVMIO, 0xbb, kvm_enc_region)
KVM_MEMORY_ENCRYPT_UNREG_REGION = _IOR(KVMIO, 0xbc, kvm_enc_region)
KVM_GET_NESTED_STATE = _IOWR(KVMIO, 0xbe, 'kvm_nested_state')
KVM_SET_NESTED_STATE = _IOW(KVMIO, 0xbf, 'kvm_nested_state')
KVM_CLEAR_DIRTY_LOG = _IOWR(KVMIO, 0xc0, kvm_clear_dirty_log)
KVM_GET_SUPPORTED_HV_CPUID = _IOWR(KVMIO, 0xc1, 'kvm_cpuid2')
KVM_ARM_VCPU_FINALIZE = _IOW(KVMIO, 0xc2, c_int)
KVM_S390_NORMAL_RESET = _IO(KVMIO, 0xc3)
KVM_S390_CLEAR_RESET = _IO(KVMIO, 0xc4)


class kvm_s390_pv_sec_parm(ctypes.Structure):
    _fields_ = [
        ('origin', c_uint64),
        ('length', c_uint64),
    ]


class kvm_s390_pv_unp(ctypes.Structure):
    _fields_ = [
        ('addr', c_uint64),
        ('size', c_uint64),
        ('tweak', c_uint64),
    ]


KVM_PV_DUMP_INIT = 0
KVM_PV_DUMP_CONFIG_STOR_STATE = 1
KVM_PV_DUMP_COMPLETE = 2
KVM_PV_DUMP_CPU = 3


class kvm_s390_pv_dmp(ctypes.Structure):
    _fields_ = [
        ('subcmd', c_uint64),
        ('buff_addr', c_uint64),
        ('buff_len', c_uint64),
        ('gaddr', c_uint64),
        ('reserved', c_uint64 * 4),
    ]


KVM_PV_INFO_VM = 0
KVM_PV_INFO_DUMP = 1


class kvm_s390_pv_info_dump(ctypes.Structure):
    _fields_ = [
        ('dump_cpu_buffer_len', c_uint64),
        ('dump_config_mem_buffer_per_1m', c_uint64),
        ('dump_config_finalize_len', c_uint64),
    ]


class kvm_s390_pv_info_vm(ctypes.Structure):
    _fields_ = [
        ('inst_calls_list', c_uint64 * 4),
        ('max_cpus', c_uint64),
        ('max_guests', c_uint64),
        ('max_guest_addr', c_uint64),
        ('feature_indication', c_uint64),
    ]


class kvm_s390_pv_info_header(ctypes.Structure):
    _fields_ = [
        ('id', c_uint32),
        ('len_max', c_uint32),
        ('len_written', c_uint32),
        ('reserved', c_uint32),
    ]


class _kvm_s390_pv_info_u0(ctypes.Union):
    _fields_ = [
        ('dump', kvm_s390_pv_info_dump),
        ('vm', kvm_s390_pv_info_vm),
    ]


class kvm_s390_pv_info(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('header', kvm_s390_pv_info_header),
        ('_u0', _kvm_s390_pv_info_u0),
    ]


KVM_PV_ENABLE = 0
KVM_PV_DISABLE = 1
KVM_PV_SET_SEC_PARMS = 2
KVM_PV_UNPACK = 3
KVM_PV_VERIFY = 4
KVM_PV_PREP_RESET = 5
KVM_PV_UNSHARE_ALL = 6
KVM_PV_INFO = 7
KVM_PV_DUMP = 8


class kvm_pv_cmd(ctypes.Structure):
    _fields_ = [
        ('cmd', c_uint32),
        ('rc', c_uint16),
        ('rrc', c_uint16),
        ('data', c_uint64),
        ('flags', c_uint32),
        ('reserved', c_uint32 * 3),
    ]


KVM_S390_PV_COMMAND = _IOWR(KVMIO, 0xc5, 'kvm_pv_cmd')
KVM_X86_SET_MSR_FILTER = _IOW(KVMIO, 0xc6, 'kvm_msr_filter')
KVM_RESET_DIRTY_RINGS = _IO(KVMIO, 0xc7)


class _kvm_xen_hvm_attr_u_shared_info(ctypes.Structure):
    _fields_ = [
        ('gfn', c_uint64),
    ]


class _kvm_xen_hvm_attr_u_evtchn_deliver_port(ctypes.Structure):
    _fields_ = [
        ('port', c_uint32),
        ('vcpu', c_uint32),
        ('priority', c_uint32),
    ]


class _kvm_xen_hvm_attr_u_evtchn_deliver_eventfd(ctypes.Structure):
    _fields_ = [
        ('port', c_uint32),
        ('fd', c_int32),
    ]


class _kvm_xen_hvm_attr_u_evtchn_deliver(ctypes.Union):
    _fields_ = [
        ('port', _kvm_xen_hvm_attr_u_evtchn_deliver_port),
        ('eventfd', _kvm_xen_hvm_attr_u_evtchn_deliver_eventfd),
        ('padding', c_uint32 * 4),
    ]


class _kvm_xen_hvm_attr_u_evtchn(ctypes.Structure):
    _fields_ = [
        ('send_port', c_uint32),
        ('type', c_uint32),
        ('flags', c_uint32),
        ('deliver', _kvm_xen_hvm_attr_u_evtchn_deliver),
    ]


class _kvm_xen_hvm_attr_u(ctypes.Union):
    _fields_ = [
        ('long_mode', c_uint8),
        ('vector', c_uint8),
        ('shared_info', _kvm_xen_hvm_attr_u_shared_info),
        ('evtchn', _kvm_xen_hvm_attr_u_evtchn),
        ('xen_version', c_uint32),
        ('pad', c_uint64 * 8),
    ]


class kvm_xen_hvm_attr(ctypes.Structure):
    _fields_ = [
        ('type', c_uint16),
        ('pad', c_uint16 * 3),
        ('u', _kvm_xen_hvm_attr_u),
    ]

KVM_XEN_HVM_GET_ATTR = _IOWR(KVMIO, 0xc8, 'kvm_xen_hvm_attr')
KVM_XEN_HVM_SET_ATTR = _IOW(KVMIO, 0xc9, 'kvm_xen_hvm_attr')


KVM_XEN_EVTCHN_DEASSIGN = (1 << 0)
KVM_XEN_EVTCHN_UPDATE = (1 << 1)
KVM_XEN_EVTCHN_RESET = (1 << 2)
KVM_XEN_ATTR_TYPE_LONG_MODE = 0x0
KVM_XEN_ATTR_TYPE_SHARED_INFO = 0x1
KVM_XEN_ATTR_TYPE_UPCALL_VECTOR = 0x2
KVM_XEN_ATTR_TYPE_EVTCHN = 0x3
KVM_XEN_ATTR_TYPE_XEN_VERSION = 0x4
KVM_XEN_HVM_EVTCHN_SEND = _IOW(KVMIO, 0xd0, kvm_irq_routing_xen_evtchn)
KVM_GET_SREGS2 = _IOR(KVMIO, 0xcc, 'kvm_sregs2')
KVM_SET_SREGS2 = _IOW(KVMIO, 0xcd, 'kvm_sregs2')


class _kvm_xen_vcpu_attr_u_runstate(ctypes.Structure):
    _fields_ = [
        ('state', c_uint64),
        ('state_entry_time', c_uint64),
        ('time_running', c_uint64),
        ('time_runnable', c_uint64),
        ('time_blocked', c_uint64),
        ('time_offline', c_uint64),
    ]


class _kvm_xen_vcpu_attr_u_timer(ctypes.Structure):
    _fields_ = [
        ('port', c_uint32),
        ('priority', c_uint32),
        ('expires_ns', c_uint64),
    ]


class _kvm_xen_vcpu_attr_u(ctypes.Union):
    _fields_ = [
        ('gpa', c_uint64),
        ('pad', c_uint64 * 8),
        ('runstate', _kvm_xen_vcpu_attr_u_runstate),
        ('vcpu_id', c_uint32),
        ('timer', _kvm_xen_vcpu_attr_u_timer),
        ('vector', c_uint8),
    ]


class kvm_xen_vcpu_attr(ctypes.Structure):
    _fields_ = [
        ('type', c_uint16),
        ('pad', c_uint16 * 3),
        ('u', _kvm_xen_vcpu_attr_u),
    ]

KVM_XEN_VCPU_GET_ATTR = _IOWR(KVMIO, 0xca, 'kvm_xen_vcpu_attr')
KVM_XEN_VCPU_SET_ATTR = _IOW(KVMIO, 0xcb, 'kvm_xen_vcpu_attr')


KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO = 0x0
KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO = 0x1
KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR = 0x2
KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT = 0x3
KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA = 0x4
KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST = 0x5
KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID = 0x6
KVM_XEN_VCPU_ATTR_TYPE_TIMER = 0x7
KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR = 0x8
KVM_SEV_INIT = 0
KVM_SEV_ES_INIT = 1
KVM_SEV_LAUNCH_START = 2
KVM_SEV_LAUNCH_UPDATE_DATA = 3
KVM_SEV_LAUNCH_UPDATE_VMSA = 4
KVM_SEV_LAUNCH_SECRET = 5
KVM_SEV_LAUNCH_MEASURE = 6
KVM_SEV_LAUNCH_FINISH = 7
KVM_SEV_SEND_START = 8
KVM_SEV_SEND_UPDATE_DATA = 9
KVM_SEV_SEND_UPDATE_VMSA = 10
KVM_SEV_SEND_FINISH = 11
KVM_SEV_RECEIVE_START = 12
KVM_SEV_RECEIVE_UPDATE_DATA = 13
KVM_SEV_RECEIVE_UPDATE_VMSA = 14
KVM_SEV_RECEIVE_FINISH = 15
KVM_SEV_GUEST_STATUS = 16
KVM_SEV_DBG_DECRYPT = 17
KVM_SEV_DBG_ENCRYPT = 18
KVM_SEV_CERT_EXPORT = 19
KVM_SEV_GET_ATTESTATION_REPORT = 20
KVM_SEV_SEND_CANCEL = 21
KVM_SEV_NR_MAX = 22


class kvm_sev_cmd(ctypes.Structure):
    _fields_ = [
        ('id', c_uint32),
        ('data', c_uint64),
        ('error', c_uint32),
        ('sev_fd', c_uint32),
    ]


class kvm_sev_launch_start(ctypes.Structure):
    _fields_ = [
        ('handle', c_uint32),
        ('policy', c_uint32),
        ('dh_uaddr', c_uint64),
        ('dh_len', c_uint32),
        ('session_uaddr', c_uint64),
        ('session_len', c_uint32),
    ]


class kvm_sev_launch_update_data(ctypes.Structure):
    _fields_ = [
        ('uaddr', c_uint64),
        ('len', c_uint32),
    ]


class kvm_sev_launch_secret(ctypes.Structure):
    _fields_ = [
        ('hdr_uaddr', c_uint64),
        ('hdr_len', c_uint32),
        ('guest_uaddr', c_uint64),
        ('guest_len', c_uint32),
        ('trans_uaddr', c_uint64),
        ('trans_len', c_uint32),
    ]


class kvm_sev_launch_measure(ctypes.Structure):
    _fields_ = [
        ('uaddr', c_uint64),
        ('len', c_uint32),
    ]


class kvm_sev_guest_status(ctypes.Structure):
    _fields_ = [
        ('handle', c_uint32),
        ('policy', c_uint32),
        ('state', c_uint32),
    ]


class kvm_sev_dbg(ctypes.Structure):
    _fields_ = [
        ('src_uaddr', c_uint64),
        ('dst_uaddr', c_uint64),
        ('len', c_uint32),
    ]


class kvm_sev_attestation_report(ctypes.Structure):
    _fields_ = [
        ('mnonce', c_uint8 * 16),
        ('uaddr', c_uint64),
        ('len', c_uint32),
    ]


class kvm_sev_send_start(ctypes.Structure):
    _fields_ = [
        ('policy', c_uint32),
        ('pdh_cert_uaddr', c_uint64),
        ('pdh_cert_len', c_uint32),
        ('plat_certs_uaddr', c_uint64),
        ('plat_certs_len', c_uint32),
        ('amd_certs_uaddr', c_uint64),
        ('amd_certs_len', c_uint32),
        ('session_uaddr', c_uint64),
        ('session_len', c_uint32),
    ]


class kvm_sev_send_update_data(ctypes.Structure):
    _fields_ = [
        ('hdr_uaddr', c_uint64),
        ('hdr_len', c_uint32),
        ('guest_uaddr', c_uint64),
        ('guest_len', c_uint32),
        ('trans_uaddr', c_uint64),
        ('trans_len', c_uint32),
    ]


class kvm_sev_receive_start(ctypes.Structure):
    _fields_ = [
        ('handle', c_uint32),
        ('policy', c_uint32),
        ('pdh_uaddr', c_uint64),
        ('pdh_len', c_uint32),
        ('session_uaddr', c_uint64),
        ('session_len', c_uint32),
    ]


class kvm_sev_receive_update_data(ctypes.Structure):
    _fields_ = [
        ('hdr_uaddr', c_uint64),
        ('hdr_len', c_uint32),
        ('guest_uaddr', c_uint64),
        ('guest_len', c_uint32),
        ('trans_uaddr', c_uint64),
        ('trans_len', c_uint32),
    ]


KVM_DEV_ASSIGN_ENABLE_IOMMU = (1 << 0)
KVM_DEV_ASSIGN_PCI_2_3 = (1 << 1)
KVM_DEV_ASSIGN_MASK_INTX = (1 << 2)


class _kvm_assigned_pci_dev_u0(ctypes.Union):
    _fields_ = [
        ('reserved', c_uint32 * 11),
    ]


class kvm_assigned_pci_dev(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('assigned_dev_id', c_uint32),
        ('busnr', c_uint32),
        ('devfn', c_uint32),
        ('flags', c_uint32),
        ('segnr', c_uint32),
        ('_u0', _kvm_assigned_pci_dev_u0),
    ]


KVM_DEV_IRQ_HOST_INTX = (1 << 0)
KVM_DEV_IRQ_HOST_MSI = (1 << 1)
KVM_DEV_IRQ_HOST_MSIX = (1 << 2)
KVM_DEV_IRQ_GUEST_INTX = (1 << 8)
KVM_DEV_IRQ_GUEST_MSI = (1 << 9)
KVM_DEV_IRQ_GUEST_MSIX = (1 << 10)
KVM_DEV_IRQ_HOST_MASK = 0x00ff
KVM_DEV_IRQ_GUEST_MASK = 0xff00


class _kvm_assigned_irq_u0(ctypes.Union):
    _fields_ = [
        ('reserved', c_uint32 * 12),
    ]


class kvm_assigned_irq(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('assigned_dev_id', c_uint32),
        ('host_irq', c_uint32),
        ('guest_irq', c_uint32),
        ('flags', c_uint32),
        ('_u0', _kvm_assigned_irq_u0),
    ]


class kvm_assigned_msix_nr(ctypes.Structure):
    _fields_ = [
        ('assigned_dev_id', c_uint32),
        ('entry_nr', c_uint16),
        ('padding', c_uint16),
    ]


KVM_MAX_MSIX_PER_DEV = 256


class kvm_assigned_msix_entry(ctypes.Structure):
    _fields_ = [
        ('assigned_dev_id', c_uint32),
        ('gsi', c_uint32),
        ('entry', c_uint16),
        ('padding', c_uint16 * 3),
    ]


KVM_X2APIC_API_USE_32BIT_IDS = (1 << 0)
KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK = (1 << 1)
KVM_ARM_DEV_EL1_VTIMER = (1 << 0)
KVM_ARM_DEV_EL1_PTIMER = (1 << 1)
KVM_ARM_DEV_PMU = (1 << 2)


class kvm_hyperv_eventfd(ctypes.Structure):
    _fields_ = [
        ('conn_id', c_uint32),
        ('fd', c_int32),
        ('flags', c_uint32),
        ('padding', c_uint32 * 3),
    ]

KVM_HYPERV_EVENTFD = _IOW(KVMIO, 0xbd, kvm_hyperv_eventfd)


KVM_HYPERV_CONN_ID_MASK = 0x00ffffff
KVM_HYPERV_EVENTFD_DEASSIGN = (1 << 0)
KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE = (1 << 0)
KVM_DIRTY_LOG_INITIALLY_SET = (1 << 1)
# The default, unless asm/kvm.h sets its own (x86: 64).
KVM_DIRTY_LOG_PAGE_OFFSET = 0
KVM_DIRTY_GFN_F_DIRTY = (1 << 0)
KVM_DIRTY_GFN_F_RESET = (1 << 1)
KVM_DIRTY_GFN_F_MASK = 0x3


class kvm_dirty_gfn(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('slot', c_uint32),
        ('offset', c_uint64),
    ]


KVM_BUS_LOCK_DETECTION_OFF = (1 << 0)
KVM_BUS_LOCK_DETECTION_EXIT = (1 << 1)
KVM_PMU_CAP_DISABLE = (1 << 0)


class kvm_stats_header(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('name_size', c_uint32),
        ('num_desc', c_uint32),
        ('id_offset', c_uint32),
        ('desc_offset', c_uint32),
        ('data_offset', c_uint32),
    ]


KVM_STATS_TYPE_SHIFT = 0
KVM_STATS_TYPE_MASK = (0xF << KVM_STATS_TYPE_SHIFT)
KVM_STATS_TYPE_CUMULATIVE = (0x0 << KVM_STATS_TYPE_SHIFT)
KVM_STATS_TYPE_INSTANT = (0x1 << KVM_STATS_TYPE_SHIFT)
KVM_STATS_TYPE_PEAK = (0x2 << KVM_STATS_TYPE_SHIFT)
KVM_STATS_TYPE_LINEAR_HIST = (0x3 << KVM_STATS_TYPE_SHIFT)
KVM_STATS_TYPE_LOG_HIST = (0x4 << KVM_STATS_TYPE_SHIFT)
KVM_STATS_TYPE_MAX = KVM_STATS_TYPE_LOG_HIST
KVM_STATS_UNIT_SHIFT = 4
KVM_STATS_UNIT_MASK = (0xF << KVM_STATS_UNIT_SHIFT)
KVM_STATS_UNIT_NONE = (0x0 << KVM_STATS_UNIT_SHIFT)
KVM_STATS_UNIT_BYTES = (0x1 << KVM_STATS_UNIT_SHIFT)
KVM_STATS_UNIT_SECONDS = (0x2 << KVM_STATS_UNIT_SHIFT)
KVM_STATS_UNIT_CYCLES = (0x3 << KVM_STATS_UNIT_SHIFT)
KVM_STATS_UNIT_BOOLEAN = (0x4 << KVM_STATS_UNIT_SHIFT)
KVM_STATS_UNIT_MAX = KVM_STATS_UNIT_BOOLEAN
KVM_STATS_BASE_SHIFT = 8
KVM_STATS_BASE_MASK = (0xF << KVM_STATS_BASE_SHIFT)
KVM_STATS_BASE_POW10 = (0x0 << KVM_STATS_BASE_SHIFT)
KVM_STATS_BASE_POW2 = (0x1 << KVM_STATS_BASE_SHIFT)
KVM_STATS_BASE_MAX = KVM_STATS_BASE_POW2



class kvm_stats_desc(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint32),
        ('exponent', c_int16),
        ('size', c_uint16),
        ('offset', c_uint32),
        ('bucket_size', c_uint32),
        ('name', c_char * 0),  # flexible array member
    ]


KVM_GET_STATS_FD = _IO(KVMIO, 0xce)
KVM_GET_XSAVE2 = _IOR(KVMIO, 0xcf, 'kvm_xsave')
KVM_S390_PV_CPU_COMMAND = _IOWR(KVMIO, 0xd0, 'kvm_pv_cmd')
KVM_X86_NOTIFY_VMEXIT_ENABLED = (1 << 0)
KVM_X86_NOTIFY_VMEXIT_USER = (1 << 1)


class _kvm_s390_zpci_op_u_reg_aen(ctypes.Structure):
    _fields_ = [
        ('ibv', c_uint64),
        ('sb', c_uint64),
        ('flags', c_uint32),
        ('noi', c_uint32),
        ('isc', c_uint8),
        ('sbo', c_uint8),
        ('pad', c_uint16),
    ]


class _kvm_s390_zpci_op_u(ctypes.Union):
    _fields_ = [
        ('reg_aen', _kvm_s390_zpci_op_u_reg_aen),
        ('reserved', c_uint64 * 8),
    ]


class kvm_s390_zpci_op(ctypes.Structure):
    _fields_ = [
        ('fh', c_uint32),
        ('op', c_uint8),
        ('pad', c_uint8 * 3),
        ('u', _kvm_s390_zpci_op_u),
    ]

KVM_S390_ZPCI_OP = _IOW(KVMIO, 0xd1, 'kvm_s390_zpci_op')


KVM_S390_ZPCIOP_REG_AEN = 0
KVM_S390_ZPCIOP_DEREG_AEN = 1
KVM_S390_ZPCIOP_REGAEN_HOST = (1 << 0)


# --- Added after 6.1 (see SINCE below), in the order of sid's linux/kvm.h ----------------------------------

class kvm_userspace_memory_region2(ctypes.Structure):
    _fields_ = [
        ('slot', c_uint32),
        ('flags', c_uint32),
        ('guest_phys_addr', c_uint64),
        ('memory_size', c_uint64),
        ('userspace_addr', c_uint64),
        ('guest_memfd_offset', c_uint64),
        ('guest_memfd', c_uint32),
        ('pad1', c_uint32),
        ('pad2', c_uint64 * 14),
    ]


KVM_MEM_GUEST_MEMFD = (1 << 2)
KVM_EXIT_LOONGARCH_IOCSR = 38
KVM_EXIT_MEMORY_FAULT = 39
KVM_EXIT_TDX = 40
KVM_EXIT_ARM_SEA = 41
KVM_EXIT_ARM_LDST64B = 42
KVM_EXIT_SNP_REQ_CERTS = 43
KVM_SYSTEM_EVENT_TDX_FATAL = 7
KVM_MSR_EXIT_REASON_VALID_MASK = (KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN
                                  | KVM_MSR_EXIT_REASON_FILTER)
KVM_MEMORY_EXIT_FLAG_PRIVATE = (1 << 3)
KVM_EXIT_ARM_SEA_FLAG_GPA_VALID = (1 << 0)
KVM_X86_DISABLE_EXITS_APERFMPERF = (1 << 4)
KVM_VM_TYPE_ARM_PROTECTED = (1 << 31)
KVM_VM_TYPE_ARM_MASK = (KVM_VM_TYPE_ARM_IPA_SIZE_MASK | KVM_VM_TYPE_ARM_PROTECTED)
KVM_CAP_S390_PROTECTED_ASYNC_DISABLE = 224
KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP = 225
KVM_CAP_PMU_EVENT_MASKED_EVENTS = 226
KVM_CAP_COUNTER_OFFSET = 227
KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE = 228
KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES = 229
KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES = 230
KVM_CAP_USER_MEMORY2 = 231
KVM_CAP_MEMORY_FAULT_INFO = 232
KVM_CAP_MEMORY_ATTRIBUTES = 233
KVM_CAP_GUEST_MEMFD = 234
KVM_CAP_VM_TYPES = 235
KVM_CAP_PRE_FAULT_MEMORY = 236
KVM_CAP_X86_APIC_BUS_CYCLES_NS = 237
KVM_CAP_X86_GUEST_MODE = 238
KVM_CAP_ARM_WRITABLE_IMP_ID_REGS = 239
KVM_CAP_ARM_EL2 = 240
KVM_CAP_ARM_EL2_E2H0 = 241
KVM_CAP_RISCV_MP_STATE_RESET = 242
KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED = 243
KVM_CAP_GUEST_MEMFD_FLAGS = 244
KVM_CAP_ARM_SEA_TO_USER = 245
KVM_CAP_S390_USER_OPEREXEC = 246
KVM_CAP_S390_KEYOP = 247
KVM_CAP_S390_VSIE_ESAMODE = 248
KVM_CAP_S390_HPAGE_2G = 249
KVM_REG_LOONGARCH = 0x9000000000000000
KVM_DEV_VFIO_FILE = 1
KVM_DEV_VFIO_FILE_ADD = 1
KVM_DEV_VFIO_FILE_DEL = 2
KVM_DEV_TYPE_RISCV_AIA = 11
KVM_DEV_TYPE_LOONGARCH_IPI = 12
KVM_DEV_TYPE_LOONGARCH_EIOINTC = 13
KVM_DEV_TYPE_LOONGARCH_PCHPIC = 14
KVM_DEV_TYPE_LOONGARCH_DMSINTC = 15
KVM_DEV_TYPE_ARM_VGIC_V5 = 16


class kvm_s390_keyop(ctypes.Structure):
    _fields_ = [
        ('guest_addr', c_uint64),
        ('key', c_uint8),
        ('operation', c_uint8),
        ('pad', c_uint8 * 6),
    ]


KVM_S390_KEYOP_ISKE = 0x01
KVM_S390_KEYOP_RRBE = 0x02
KVM_S390_KEYOP_SSKE = 0x03
KVM_SET_USER_MEMORY_REGION2 = _IOW(KVMIO, 0x49, kvm_userspace_memory_region2)
KVM_S390_KEYOP = _IOWR(KVMIO, 0x53, kvm_s390_keyop)
# asm/kvm.h's structures (arm64): requests of linux/kvm.h that other architectures cannot issue.
KVM_ARM_SET_COUNTER_OFFSET = _IOW(KVMIO, 0xb5, 'kvm_arm_counter_offset')
KVM_ARM_GET_REG_WRITABLE_MASKS = _IOR(KVMIO, 0xb6, 'reg_mask_range')


class kvm_memory_attributes(ctypes.Structure):
    _fields_ = [
        ('address', c_uint64),
        ('size', c_uint64),
        ('attributes', c_uint64),
        ('flags', c_uint64),
    ]


KVM_SET_MEMORY_ATTRIBUTES = _IOW(KVMIO, 0xd2, kvm_memory_attributes)
KVM_MEMORY_ATTRIBUTE_PRIVATE = (1 << 3)


class kvm_create_guest_memfd(ctypes.Structure):
    _fields_ = [
        ('size', c_uint64),
        ('flags', c_uint64),
        ('reserved', c_uint64 * 6),
    ]


KVM_CREATE_GUEST_MEMFD = _IOWR(KVMIO, 0xd4, kvm_create_guest_memfd)
GUEST_MEMFD_FLAG_MMAP = (1 << 0)
GUEST_MEMFD_FLAG_INIT_SHARED = (1 << 1)


class kvm_pre_fault_memory(ctypes.Structure):
    _fields_ = [
        ('gpa', c_uint64),
        ('size', c_uint64),
        ('flags', c_uint64),
        ('padding', c_uint64 * 5),
    ]


KVM_PRE_FAULT_MEMORY = _IOWR(KVMIO, 0xd5, kvm_pre_fault_memory)


def _explicit_padding(cls):
    """`cls` with its alignment holes (and tail) as the __u32 members pad0, pad1 ... that 6.9's headers name, so
    32-bit and 64-bit userspace lay the SEV commands out alike."""
    fields, offset, n = [], 0, 0
    for name, ftype in cls._fields_:
        align = ctypes.alignment(ftype)
        if offset % align:
            fields.append((f"pad{n}", c_uint32))
            n, offset = n + 1, offset + 4
        fields.append((name, ftype))
        offset += ctypes.sizeof(ftype)
    if offset % 8:
        fields.append((f"pad{n}", c_uint32))
    return type(cls.__name__, (ctypes.Structure,), {"_fields_": fields})


_SEV_PADDED = ("kvm_sev_cmd", "kvm_sev_launch_start", "kvm_sev_launch_update_data", "kvm_sev_launch_secret",
               "kvm_sev_launch_measure", "kvm_sev_dbg", "kvm_sev_attestation_report", "kvm_sev_send_start",
               "kvm_sev_send_update_data", "kvm_sev_receive_start", "kvm_sev_receive_update_data")


class _kvm_xen_hvm_attr_u_shared_info_6_9(ctypes.Union):
    _fields_ = [
        ('gfn', c_uint64),
        ('hva', c_uint64),
    ]


def _kvm_xen_hvm_attr_since(shared_info):
    class _kvm_xen_hvm_attr_u(ctypes.Union):
        _fields_ = [
            ('long_mode', c_uint8),
            ('vector', c_uint8),
            ('runstate_update_flag', c_uint8),
            ('shared_info', shared_info),
            ('evtchn', _kvm_xen_hvm_attr_u_evtchn),
            ('xen_version', c_uint32),
            ('pad', c_uint64 * 8),
        ]

    class kvm_xen_hvm_attr(ctypes.Structure):
        _fields_ = [
            ('type', c_uint16),
            ('pad', c_uint16 * 3),
            ('u', _kvm_xen_hvm_attr_u),
        ]
    return kvm_xen_hvm_attr


class _kvm_xen_vcpu_attr_u_6_9(ctypes.Union):
    _fields_ = [
        ('gpa', c_uint64),
        ('hva', c_uint64),
        ('pad', c_uint64 * 8),
        ('runstate', _kvm_xen_vcpu_attr_u_runstate),
        ('vcpu_id', c_uint32),
        ('timer', _kvm_xen_vcpu_attr_u_timer),
        ('vector', c_uint8),
    ]


class _kvm_xen_vcpu_attr_6_9(ctypes.Structure):
    _fields_ = [
        ('type', c_uint16),
        ('pad', c_uint16 * 3),
        ('u', _kvm_xen_vcpu_attr_u_6_9),
    ]


# --- Versions -----------------------------------------------------------------------------------------------
# The plain definitions above are 6.1's (Debian 12's headers). tests/abi checks them against Debian 12's (6.1)
# and sid's (7.2) headers; they were also checked once against Debian 13's linux-libc-dev 6.12.117. Any other
# release named here is the one whose merge window added or changed the symbol, from the kernel's history: no
# header set of that release was checked.

# The release whose linux/kvm.h first defines each symbol.
SINCE = {
    "6.2": ("KVM_CAP_S390_PROTECTED_ASYNC_DISABLE", "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP",
            "KVM_MSR_EXIT_REASON_VALID_MASK"),
    "6.3": ("KVM_CAP_PMU_EVENT_MASKED_EVENTS",),
    "6.4": ("KVM_CAP_COUNTER_OFFSET", "KVM_ARM_SET_COUNTER_OFFSET"),
    "6.5": ("KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", "KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES", "KVM_DEV_TYPE_RISCV_AIA",
            "KVM_DEV_VFIO_FILE", "KVM_DEV_VFIO_FILE_ADD", "KVM_DEV_VFIO_FILE_DEL"),
    "6.7": ("KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", "KVM_ARM_GET_REG_WRITABLE_MASKS", "KVM_EXIT_LOONGARCH_IOCSR",
            "KVM_REG_LOONGARCH"),
    "6.8": ("KVM_CAP_USER_MEMORY2", "KVM_CAP_MEMORY_FAULT_INFO", "KVM_CAP_MEMORY_ATTRIBUTES", "KVM_CAP_GUEST_MEMFD",
            "KVM_CAP_VM_TYPES", "kvm_userspace_memory_region2", "KVM_SET_USER_MEMORY_REGION2", "KVM_MEM_GUEST_MEMFD",
            "KVM_EXIT_MEMORY_FAULT", "KVM_MEMORY_EXIT_FLAG_PRIVATE", "kvm_memory_attributes",
            "KVM_SET_MEMORY_ATTRIBUTES", "KVM_MEMORY_ATTRIBUTE_PRIVATE", "kvm_create_guest_memfd",
            "KVM_CREATE_GUEST_MEMFD"),
    "6.11": ("KVM_CAP_PRE_FAULT_MEMORY", "KVM_CAP_X86_APIC_BUS_CYCLES_NS", "KVM_CAP_X86_GUEST_MODE",
             "kvm_pre_fault_memory", "KVM_PRE_FAULT_MEMORY"),
    "6.14": ("KVM_DEV_TYPE_LOONGARCH_IPI", "KVM_DEV_TYPE_LOONGARCH_EIOINTC", "KVM_DEV_TYPE_LOONGARCH_PCHPIC",
             "KVM_VM_TYPE_ARM_PROTECTED", "KVM_VM_TYPE_ARM_MASK"),
    "6.15": ("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS",),
    "6.16": ("KVM_CAP_ARM_EL2", "KVM_CAP_ARM_EL2_E2H0", "KVM_CAP_RISCV_MP_STATE_RESET", "KVM_EXIT_TDX",
             "KVM_SYSTEM_EVENT_TDX_FATAL", "KVM_X86_DISABLE_EXITS_APERFMPERF"),
    "6.17": ("KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED",),
    "6.18": ("KVM_CAP_GUEST_MEMFD_FLAGS", "GUEST_MEMFD_FLAG_MMAP", "GUEST_MEMFD_FLAG_INIT_SHARED", "KVM_EXIT_ARM_SEA",
             "KVM_EXIT_ARM_SEA_FLAG_GPA_VALID", "KVM_CAP_ARM_SEA_TO_USER"),
    "7.0": ("KVM_CAP_S390_USER_OPEREXEC", "KVM_EXIT_ARM_LDST64B", "KVM_DEV_TYPE_ARM_VGIC_V5"),
    "7.1": ("KVM_CAP_S390_KEYOP", "kvm_s390_keyop", "KVM_S390_KEYOP", "KVM_S390_KEYOP_ISKE", "KVM_S390_KEYOP_RRBE",
            "KVM_S390_KEYOP_SSKE", "KVM_EXIT_SNP_REQ_CERTS", "kvm_exit_snp_req_certs", "KVM_DEV_TYPE_LOONGARCH_DMSINTC"),
    "7.2": ("KVM_CAP_S390_VSIE_ESAMODE", "KVM_CAP_S390_HPAGE_2G"),
}
# linux/kvm.h of 6.9 dropped what no kernel implemented any more (tracing, device assignment, memory aliases and
# regions) and moved what one architecture uses to that architecture's asm/kvm.h: s390 and powerpc (not modelled,
# so gone for both) and x86 and arm64 (MOVED: still defined there).
_GONE_6_9 = (
    "KVM_TRC_SHIFT", "KVM_TRC_ENTRYEXIT", "KVM_TRC_HANDLER", "KVM_TRC_VMENTRY", "KVM_TRC_VMEXIT", "KVM_TRC_PAGE_FAULT",
    "KVM_TRC_HEAD_SIZE", "KVM_TRC_CYCLE_SIZE", "KVM_TRC_EXTRA_MAX", "KVM_TRC_INJ_VIRQ", "KVM_TRC_REDELIVER_EVT",
    "KVM_TRC_PEND_INTR", "KVM_TRC_IO_READ", "KVM_TRC_IO_WRITE", "KVM_TRC_CR_READ", "KVM_TRC_CR_WRITE",
    "KVM_TRC_DR_READ", "KVM_TRC_DR_WRITE", "KVM_TRC_MSR_READ", "KVM_TRC_MSR_WRITE", "KVM_TRC_CPUID", "KVM_TRC_INTR",
    "KVM_TRC_NMI", "KVM_TRC_VMMCALL", "KVM_TRC_HLT", "KVM_TRC_CLTS", "KVM_TRC_LMSW", "KVM_TRC_APIC_ACCESS",
    "KVM_TRC_TDP_FAULT", "KVM_TRC_GTLB_WRITE", "KVM_TRC_STLB_WRITE", "KVM_TRC_STLB_INVAL", "KVM_TRC_PPC_INSTR",
    "kvm_user_trace_setup", "KVM_TRACE_ENABLE", "KVM_TRACE_PAUSE", "KVM_TRACE_DISABLE", "kvm_breakpoint",
    "kvm_debug_guest", "KVM_DEBUG_GUEST", "kvm_memory_region", "KVM_SET_MEMORY_REGION",
    "kvm_s390_skeys", "KVM_S390_CMMA_PEEK", "kvm_s390_cmma_log", "KVM_S390_RESET_POR", "KVM_S390_RESET_CLEAR",
    "KVM_S390_RESET_SUBSYSTEM", "KVM_S390_RESET_CPU_INIT", "KVM_S390_RESET_IPL", "kvm_s390_mem_op",
    "KVM_S390_MEMOP_LOGICAL_READ", "KVM_S390_MEMOP_LOGICAL_WRITE", "KVM_S390_MEMOP_SIDA_READ",
    "KVM_S390_MEMOP_SIDA_WRITE", "KVM_S390_MEMOP_ABSOLUTE_READ", "KVM_S390_MEMOP_ABSOLUTE_WRITE",
    "KVM_S390_MEMOP_F_CHECK_ONLY", "KVM_S390_MEMOP_F_INJECT_EXCEPTION", "KVM_S390_MEMOP_F_SKEY_PROTECTION",
    "kvm_s390_psw", "KVM_S390_SIGP_STOP", "KVM_S390_PROGRAM_INT", "KVM_S390_SIGP_SET_PREFIX", "KVM_S390_RESTART",
    "KVM_S390_INT_PFAULT_INIT", "KVM_S390_INT_PFAULT_DONE", "KVM_S390_MCHK", "KVM_S390_INT_CLOCK_COMP",
    "KVM_S390_INT_CPU_TIMER", "KVM_S390_INT_VIRTIO", "KVM_S390_INT_SERVICE", "KVM_S390_INT_EMERGENCY",
    "KVM_S390_INT_EXTERNAL_CALL", "KVM_S390_INT_IO_MIN", "KVM_S390_INT_IO_MAX", "KVM_S390_INT_IO_AI_MASK",
    "KVM_S390_INT_IO", "kvm_s390_interrupt", "kvm_s390_io_info", "kvm_s390_ext_info", "kvm_s390_pgm_info",
    "KVM_S390_PGM_FLAGS_ILC_VALID", "KVM_S390_PGM_FLAGS_ILC_0", "KVM_S390_PGM_FLAGS_ILC_1",
    "KVM_S390_PGM_FLAGS_ILC_MASK", "KVM_S390_PGM_FLAGS_NO_REWIND", "kvm_s390_prefix_info", "kvm_s390_extcall_info",
    "kvm_s390_emerg_info", "KVM_S390_STOP_FLAG_STORE_STATUS", "kvm_s390_stop_info", "kvm_s390_mchk_info",
    "kvm_s390_irq", "kvm_s390_irq_state", "kvm_s390_ucas_mapping", "kvm_s390_pv_sec_parm", "kvm_s390_pv_unp",
    "KVM_PV_DUMP_INIT", "KVM_PV_DUMP_CONFIG_STOR_STATE", "KVM_PV_DUMP_COMPLETE", "KVM_PV_DUMP_CPU", "kvm_s390_pv_dmp",
    "KVM_PV_INFO_VM", "KVM_PV_INFO_DUMP", "kvm_s390_pv_info_dump", "kvm_s390_pv_info_vm", "kvm_s390_pv_info_header",
    "kvm_s390_pv_info", "KVM_PV_ENABLE", "KVM_PV_DISABLE", "KVM_PV_SET_SEC_PARMS", "KVM_PV_UNPACK", "KVM_PV_VERIFY",
    "KVM_PV_PREP_RESET", "KVM_PV_UNSHARE_ALL", "KVM_PV_INFO", "KVM_PV_DUMP", "kvm_pv_cmd", "kvm_s390_zpci_op",
    "KVM_S390_ZPCIOP_REG_AEN", "KVM_S390_ZPCIOP_DEREG_AEN", "KVM_S390_ZPCIOP_REGAEN_HOST",
    "KVM_PPC_PVINFO_FLAGS_EV_IDLE", "kvm_ppc_pvinfo", "KVM_PPC_PAGE_SIZES_MAX_SZ", "kvm_ppc_one_page_size",
    "kvm_ppc_one_seg_page_size", "KVM_PPC_PAGE_SIZES_REAL", "KVM_PPC_1T_SEGMENTS", "KVM_PPC_NO_HASH",
    "kvm_ppc_smmu_info", "kvm_ppc_resize_hpt",
    "KVM_ASSIGN_PCI_DEVICE", "KVM_ASSIGN_IRQ", "KVM_ASSIGN_DEV_IRQ", "KVM_DEASSIGN_PCI_DEVICE",
    "KVM_ASSIGN_SET_MSIX_NR", "KVM_ASSIGN_SET_MSIX_ENTRY", "KVM_DEASSIGN_DEV_IRQ", "KVM_ASSIGN_SET_INTX_MASK",
    "KVM_DEV_ASSIGN_ENABLE_IOMMU", "KVM_DEV_ASSIGN_PCI_2_3", "KVM_DEV_ASSIGN_MASK_INTX", "kvm_assigned_pci_dev",
    "KVM_DEV_IRQ_HOST_INTX", "KVM_DEV_IRQ_HOST_MSI", "KVM_DEV_IRQ_HOST_MSIX", "KVM_DEV_IRQ_GUEST_INTX",
    "KVM_DEV_IRQ_GUEST_MSI", "KVM_DEV_IRQ_GUEST_MSIX", "KVM_DEV_IRQ_HOST_MASK", "KVM_DEV_IRQ_GUEST_MASK",
    "kvm_assigned_irq", "kvm_assigned_msix_nr", "KVM_MAX_MSIX_PER_DEV", "kvm_assigned_msix_entry",
)
_TO_X86_6_9 = (
    "kvm_xen_hvm_attr", "KVM_XEN_EVTCHN_DEASSIGN", "KVM_XEN_EVTCHN_UPDATE", "KVM_XEN_EVTCHN_RESET",
    "KVM_XEN_ATTR_TYPE_LONG_MODE", "KVM_XEN_ATTR_TYPE_SHARED_INFO", "KVM_XEN_ATTR_TYPE_UPCALL_VECTOR",
    "KVM_XEN_ATTR_TYPE_EVTCHN", "KVM_XEN_ATTR_TYPE_XEN_VERSION", "kvm_xen_vcpu_attr",
    "KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO", "KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO", "KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR",
    "KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT", "KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA",
    "KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST", "KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID", "KVM_XEN_VCPU_ATTR_TYPE_TIMER",
    "KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR", "KVM_SEV_INIT", "KVM_SEV_ES_INIT", "KVM_SEV_LAUNCH_START",
    "KVM_SEV_LAUNCH_UPDATE_DATA", "KVM_SEV_LAUNCH_UPDATE_VMSA", "KVM_SEV_LAUNCH_SECRET", "KVM_SEV_LAUNCH_MEASURE",
    "KVM_SEV_LAUNCH_FINISH", "KVM_SEV_SEND_START", "KVM_SEV_SEND_UPDATE_DATA", "KVM_SEV_SEND_UPDATE_VMSA",
    "KVM_SEV_SEND_FINISH", "KVM_SEV_RECEIVE_START", "KVM_SEV_RECEIVE_UPDATE_DATA", "KVM_SEV_RECEIVE_UPDATE_VMSA",
    "KVM_SEV_RECEIVE_FINISH", "KVM_SEV_GUEST_STATUS", "KVM_SEV_DBG_DECRYPT", "KVM_SEV_DBG_ENCRYPT",
    "KVM_SEV_CERT_EXPORT", "KVM_SEV_GET_ATTESTATION_REPORT", "KVM_SEV_SEND_CANCEL", "KVM_SEV_NR_MAX",
    "kvm_sev_guest_status", *_SEV_PADDED, "KVM_X2APIC_API_USE_32BIT_IDS", "KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK",
    "kvm_hyperv_eventfd", "KVM_HYPERV_EVENTFD", "KVM_HYPERV_CONN_ID_MASK", "KVM_HYPERV_EVENTFD_DEASSIGN",
)
_TO_ARM64_6_9 = ("KVM_ARM_DEV_EL1_VTIMER", "KVM_ARM_DEV_EL1_PTIMER", "KVM_ARM_DEV_PMU")
# The first release whose headers no longer define each symbol (for every architecture, unless MOVED).
UNTIL = {
    "6.9": _GONE_6_9 + _TO_X86_6_9 + _TO_ARM64_6_9,
    "6.16": ("KVM_X86_DISABLE_VALID_EXITS",),
}
MOVED = {"6.9": {"x86_64": _TO_X86_6_9, "arm64": _TO_ARM64_6_9}}
# Symbols whose value or layout a release changed: release -> {name: the newer definition}.
CHANGED = {
    "6.3": {"kvm_xen_hvm_attr": _kvm_xen_hvm_attr_since(_kvm_xen_hvm_attr_u_shared_info)},
    "6.5": {"KVM_DEV_TYPE_MAX": 12},
    "6.9": {"kvm_xen_hvm_attr": _kvm_xen_hvm_attr_since(_kvm_xen_hvm_attr_u_shared_info_6_9),
            "kvm_xen_vcpu_attr": _kvm_xen_vcpu_attr_6_9,
            **{name: _explicit_padding(globals()[name]) for name in _SEV_PADDED}},
    "6.14": {"KVM_DEV_TYPE_MAX": 15},
    "7.0": {"KVM_DEV_TYPE_MAX": 16},
    "7.1": {"KVM_DEV_TYPE_MAX": 17},
}


# What linux/kvm.h defines only under an architecture's `__KVM_HAVE_*` switch (directly, or through a
# capability defined under one): abi.model leaves these out for architectures without the switch.
CONDITIONAL = {
    "KVM_CAP_SET_GUEST_DEBUG": "__KVM_HAVE_GUEST_DEBUG",
    "KVM_CAP_REINJECT_CONTROL": "__KVM_HAVE_PIT",
    "KVM_CAP_MCE": "__KVM_HAVE_MCE",
    "kvm_x86_mce": "__KVM_HAVE_MCE",
    "KVM_CAP_PIT2": "__KVM_HAVE_PIT",
    "KVM_CAP_PIT_STATE2": "__KVM_HAVE_PIT_STATE2",
    "KVM_CAP_XEN_HVM": "__KVM_HAVE_XEN_HVM",
    "KVM_XEN_HVM_CONFIG": "__KVM_HAVE_XEN_HVM",
    "KVM_X86_SET_MCE": "__KVM_HAVE_MCE",
    "kvm_xen_hvm_config": "__KVM_HAVE_XEN_HVM",
    "KVM_XEN_HVM_CONFIG_HYPERCALL_MSR": "__KVM_HAVE_XEN_HVM",
    "KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL": "__KVM_HAVE_XEN_HVM",
    "KVM_XEN_HVM_CONFIG_SHARED_INFO": "__KVM_HAVE_XEN_HVM",
    "KVM_XEN_HVM_CONFIG_RUNSTATE": "__KVM_HAVE_XEN_HVM",
    "KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL": "__KVM_HAVE_XEN_HVM",
    "KVM_XEN_HVM_CONFIG_EVTCHN_SEND": "__KVM_HAVE_XEN_HVM",
    "KVM_CAP_VCPU_EVENTS": "__KVM_HAVE_VCPU_EVENTS",
    "KVM_CAP_DEBUGREGS": "__KVM_HAVE_DEBUGREGS",
    "KVM_CAP_XSAVE": "__KVM_HAVE_XSAVE",
    "KVM_CAP_XCRS": "__KVM_HAVE_XCRS",
}
# The release from which linux/kvm.h defines a CONDITIONAL symbol for every architecture (6.9's clean-up dropped
# the switch around KVM_CAP_SET_GUEST_DEBUG): an architecture without the switch has it from then on.
UNCONDITIONAL = {"6.9": ("KVM_CAP_SET_GUEST_DEBUG",)}

# Structures of linux/kvm.h that embed an architecture's asm/kvm.h structure: built per architecture by
# abi.model.for_arch, since their size and layout are the architecture's.

def _kvm_irqchip(arch, version=None):
    # The union reserves 512 bytes; x86 (__KVM_HAVE_PIT, __KVM_HAVE_IOAPIC) names its chips' states in it.
    chips = [("dummy", c_char * 512)]
    if hasattr(arch, "kvm_pic_state"):
        chips += [("pic", arch.kvm_pic_state), ("ioapic", arch.kvm_ioapic_state)]

    class _kvm_irqchip_chip(ctypes.Union):
        _fields_ = chips

    class kvm_irqchip(ctypes.Structure):
        _fields_ = [
            ('chip_id', c_uint32),
            ('pad', c_uint32),
            ('chip', _kvm_irqchip_chip),
        ]

    return kvm_irqchip


class _kvm_run_u0_iocsr_io(ctypes.Structure):
    _fields_ = [
        ('phys_addr', c_uint64),
        ('data', c_uint8 * 8),
        ('len', c_uint32),
        ('is_write', c_uint8),
    ]


class _kvm_run_u0_memory_fault(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint64),
        ('gpa', c_uint64),
        ('size', c_uint64),
    ]


class _kvm_run_u0_tdx_unknown(ctypes.Structure):
    _fields_ = [('ret', c_uint64), ('data', c_uint64 * 5)]


class _kvm_run_u0_tdx_get_quote(ctypes.Structure):
    _fields_ = [('ret', c_uint64), ('gpa', c_uint64), ('size', c_uint64)]


class _kvm_run_u0_tdx_get_tdvmcall_info(ctypes.Structure):
    _fields_ = [('ret', c_uint64), ('leaf', c_uint64), ('r11', c_uint64), ('r12', c_uint64), ('r13', c_uint64),
                ('r14', c_uint64)]


class _kvm_run_u0_tdx_setup_event_notify(ctypes.Structure):
    _fields_ = [('ret', c_uint64), ('vector', c_uint64)]


class _kvm_run_u0_tdx_u0(ctypes.Union):
    _fields_ = [
        ('unknown', _kvm_run_u0_tdx_unknown),
        ('get_quote', _kvm_run_u0_tdx_get_quote),
        ('get_tdvmcall_info', _kvm_run_u0_tdx_get_tdvmcall_info),
        ('setup_event_notify', _kvm_run_u0_tdx_setup_event_notify),
    ]


class _kvm_run_u0_tdx(ctypes.Structure):
    _anonymous_ = ('_u0',)
    _fields_ = [
        ('flags', c_uint64),
        ('nr', c_uint64),
        ('_u0', _kvm_run_u0_tdx_u0),
    ]


class _kvm_run_u0_arm_sea(ctypes.Structure):
    _fields_ = [
        ('flags', c_uint64),
        ('esr', c_uint64),
        ('gva', c_uint64),
        ('gpa', c_uint64),
    ]


class kvm_exit_snp_req_certs(ctypes.Structure):
    _fields_ = [
        ('gpa', c_uint64),
        ('npages', c_uint64),
        ('ret', c_uint64),
    ]


# kvm_run's exit union as each release's header writes it: (release, member added to the union, or replacing the
# member of that name).
_KVM_RUN_EXITS_SINCE = (
    ("6.6", ('hypercall', _kvm_run_u0_hypercall_6_6)),
    ("6.7", ('iocsr_io', _kvm_run_u0_iocsr_io)),
    ("6.8", ('memory_fault', _kvm_run_u0_memory_fault)),
    ("6.16", ('tdx', _kvm_run_u0_tdx)),
    ("6.18", ('arm_sea', _kvm_run_u0_arm_sea)),
    ("7.1", ('snp_req_certs', kvm_exit_snp_req_certs)),
)


def _since(release: str, version) -> bool:
    return version is None or versions.release(release) <= versions.release(version)


def _kvm_run(arch, version=None):
    kvm_debug_exit_arch = arch.kvm_debug_exit_arch
    kvm_sync_regs = arch.kvm_sync_regs

    class _kvm_run_u0_debug(ctypes.Structure):
        _fields_ = [
            ('arch', kvm_debug_exit_arch),
        ]

    exits = [
        ('hw', _kvm_run_u0_hw),
        ('fail_entry', _kvm_run_u0_fail_entry),
        ('ex', _kvm_run_u0_ex),
        ('io', _kvm_run_u0_io),
        ('debug', _kvm_run_u0_debug),
        ('mmio', _kvm_run_u0_mmio),
        ('hypercall', _kvm_run_u0_hypercall),
        ('tpr_access', _kvm_run_u0_tpr_access),
        ('s390_sieic', _kvm_run_u0_s390_sieic),
        ('s390_reset_flags', c_uint64),
        ('s390_ucontrol', _kvm_run_u0_s390_ucontrol),
        ('dcr', _kvm_run_u0_dcr),
        ('internal', _kvm_run_u0_internal),
        ('emulation_failure', _kvm_run_u0_emulation_failure),
        ('osi', _kvm_run_u0_osi),
        ('papr_hcall', _kvm_run_u0_papr_hcall),
        ('s390_tsch', _kvm_run_u0_s390_tsch),
        ('epr', _kvm_run_u0_epr),
        ('system_event', _kvm_run_u0_system_event),
        ('s390_stsi', _kvm_run_u0_s390_stsi),
        ('eoi', _kvm_run_u0_eoi),
        ('hyperv', kvm_hyperv_exit),
        ('arm_nisv', _kvm_run_u0_arm_nisv),
        ('msr', _kvm_run_u0_msr),
        ('xen', kvm_xen_exit),
        ('riscv_sbi', _kvm_run_u0_riscv_sbi),
        ('riscv_csr', _kvm_run_u0_riscv_csr),
        ('notify', _kvm_run_u0_notify),
    ]
    for release, (name, member) in _KVM_RUN_EXITS_SINCE:
        if _since(release, version):
            names = [n for n, _ in exits]
            if name in names:
                exits[names.index(name)] = (name, member)
            else:
                exits.append((name, member))

    class _kvm_run_u0(ctypes.Union):
        _fields_ = exits + [('padding', c_char * 256)]

    class _kvm_run_s(ctypes.Union):
        _fields_ = [
            ('regs', kvm_sync_regs),
            ('padding', c_char * 2048),
        ]

    class kvm_run(ctypes.Structure):
        _anonymous_ = ('_u0',)
        _fields_ = [
            ('request_interrupt_window', c_uint8),
            ('immediate_exit', c_uint8),
            ('padding1', c_uint8 * 6),
            ('exit_reason', c_uint32),
            ('ready_for_interrupt_injection', c_uint8),
            ('if_flag', c_uint8),
            ('flags', c_uint16),
            ('cr8', c_uint64),
            ('apic_base', c_uint64),
            ('_u0', _kvm_run_u0),
            ('kvm_valid_regs', c_uint64),
            ('kvm_dirty_regs', c_uint64),
            ('s', _kvm_run_s),
        ]
    return kvm_run


def _kvm_guest_debug(arch, version=None):
    kvm_guest_debug_arch = arch.kvm_guest_debug_arch

    class kvm_guest_debug(ctypes.Structure):
        _fields_ = [
            ('control', c_uint32),
            ('pad', c_uint32),
            ('arch', kvm_guest_debug_arch),
        ]

    return kvm_guest_debug


ARCH_STRUCTS = {"kvm_irqchip": _kvm_irqchip, "kvm_run": _kvm_run, "kvm_guest_debug": _kvm_guest_debug}

