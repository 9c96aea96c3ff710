"""asm/kvm.h for arm64: core registers, vCPU init, the vGIC and its address API, register ids, PSCI.

In the header's order and with its names; `tests/abi` proves it against Debian's arm64 cross headers (6.1) and
Debian sid's. The two structures of asm/ptrace.h that kvm_regs embeds are modelled first; what releases after 6.1
added is at the end, with its SINCE / UNTIL / CHANGED data (see abi/kvm.py).
"""

import ctypes
from ctypes import (
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)

from abi.kvm import (
    KVM_REG_ARM64,
    KVM_REG_SIZE_MASK,
    KVM_REG_SIZE_SHIFT,
    KVM_REG_SIZE_U64,
    KVM_REG_SIZE_U256,
    KVM_REG_SIZE_U512,
    KVM_REG_SIZE_U2048,
)
from abi.layout import offsetof as _offsetof
from abi.macro import macro

ARCH = "arm64"
FEATURES = frozenset({
    "__KVM_HAVE_GUEST_DEBUG", "__KVM_HAVE_IRQ_LINE", "__KVM_HAVE_READONLY_MEM", "__KVM_HAVE_VCPU_EVENTS",
})


@macro((0x6030000000100000,), (0x6020000000000000,), (0x6080000000000000,))
def KVM_REG_SIZE(id: int) -> int:
    """The size in bytes of a ONE_REG register id."""
    return 1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT)


class _u128(ctypes.Structure):
    """__uint128_t: 16 bytes, 16-byte aligned. ctypes has no 128-bit integer and (before Python 3.13) no
    way to ask for an alignment, so `_align_` is read by the header check and callers pad by hand."""

    _fields_ = [("lo", c_uint64), ("hi", c_uint64)]
    _align_ = 16
    _scalar_ = "u16"


class user_pt_regs(ctypes.Structure):
    _fields_ = [
        ('regs', c_uint64 * 31),
        ('sp', c_uint64),
        ('pc', c_uint64),
        ('pstate', c_uint64),
    ]


class user_fpsimd_state(ctypes.Structure):
    _align_ = 16
    _fields_ = [
        ('vregs', _u128 * 32),
        ('fpsr', c_uint32),
        ('fpcr', c_uint32),
        ('__reserved', c_uint32 * 2),
    ]


KVM_SPSR_EL1 = 0
KVM_SPSR_SVC = KVM_SPSR_EL1
KVM_SPSR_ABT = 1
KVM_SPSR_UND = 2
KVM_SPSR_IRQ = 3
KVM_SPSR_FIQ = 4
KVM_NR_SPSR = 5
KVM_COALESCED_MMIO_PAGE_OFFSET = 1


class kvm_regs(ctypes.Structure):
    _align_ = 16
    _fields_ = [
        ('regs', user_pt_regs),
        ('sp_el1', c_uint64),
        ('elr_el1', c_uint64),
        ('spsr', c_uint64 * 5),
        ('_pad0', c_uint8 * 8),  # fp_regs is 16-byte aligned (_u128)
        ('fp_regs', user_fpsimd_state),
    ]


KVM_ARM_TARGET_AEM_V8 = 0
KVM_ARM_TARGET_FOUNDATION_V8 = 1
KVM_ARM_TARGET_CORTEX_A57 = 2
KVM_ARM_TARGET_XGENE_POTENZA = 3
KVM_ARM_TARGET_CORTEX_A53 = 4
KVM_ARM_TARGET_GENERIC_V8 = 5
KVM_ARM_NUM_TARGETS = 6
KVM_ARM_DEVICE_TYPE_SHIFT = 0
# Some headers spell both masks with GENMASK(), which only the kernel defines (the header check reports it);
# the fields are 16 bits wide, as the ioctl's documentation draws them.
KVM_ARM_DEVICE_TYPE_MASK = 0xffff << KVM_ARM_DEVICE_TYPE_SHIFT
KVM_ARM_DEVICE_ID_SHIFT = 16
KVM_ARM_DEVICE_ID_MASK = 0xffff << KVM_ARM_DEVICE_ID_SHIFT
KVM_ARM_DEVICE_VGIC_V2 = 0
KVM_VGIC_V2_ADDR_TYPE_DIST = 0
KVM_VGIC_V2_ADDR_TYPE_CPU = 1
KVM_VGIC_V2_DIST_SIZE = 0x1000
KVM_VGIC_V2_CPU_SIZE = 0x2000
KVM_VGIC_V3_ADDR_TYPE_DIST = 2
KVM_VGIC_V3_ADDR_TYPE_REDIST = 3
KVM_VGIC_ITS_ADDR_TYPE = 4
KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION = 5
# The header writes these with SZ_64K, a kernel-internal macro: userspace cannot evaluate them (the header
# check reports it). 64 KiB frames, as arm-vgic-v3.rst describes them.
_SZ_64K = 0x10000
KVM_VGIC_V3_DIST_SIZE = _SZ_64K
KVM_VGIC_V3_REDIST_SIZE = (2 * _SZ_64K)
KVM_VGIC_V3_ITS_SIZE = (2 * _SZ_64K)
KVM_ARM_VCPU_POWER_OFF = 0
KVM_ARM_VCPU_EL1_32BIT = 1
KVM_ARM_VCPU_PSCI_0_2 = 2
KVM_ARM_VCPU_PMU_V3 = 3
KVM_ARM_VCPU_SVE = 4
KVM_ARM_VCPU_PTRAUTH_ADDRESS = 5
KVM_ARM_VCPU_PTRAUTH_GENERIC = 6


class kvm_vcpu_init(ctypes.Structure):
    _fields_ = [
        ('target', c_uint32),
        ('features', c_uint32 * 7),
    ]


class kvm_sregs(ctypes.Structure):
    _fields_ = []


class kvm_fpu(ctypes.Structure):
    _fields_ = []


KVM_ARM_MAX_DBG_REGS = 16


class kvm_guest_debug_arch(ctypes.Structure):
    _fields_ = [
        ('dbg_bcr', c_uint64 * 16),
        ('dbg_bvr', c_uint64 * 16),
        ('dbg_wcr', c_uint64 * 16),
        ('dbg_wvr', c_uint64 * 16),
    ]


KVM_DEBUG_ARCH_HSR_HIGH_VALID = (1 << 0)


class kvm_debug_exit_arch(ctypes.Structure):
    _fields_ = [
        ('hsr', c_uint32),
        ('hsr_high', c_uint32),
        ('far', c_uint64),
    ]


KVM_GUESTDBG_USE_SW_BP = (1 << 16)
KVM_GUESTDBG_USE_HW = (1 << 17)


class kvm_sync_regs(ctypes.Structure):
    _fields_ = [
        ('device_irq_level', c_uint64),
    ]


class kvm_pmu_event_filter(ctypes.Structure):
    _fields_ = [
        ('base_event', c_uint16),
        ('nevents', c_uint16),
        ('action', c_uint8),
        ('pad', c_uint8 * 3),
    ]


KVM_PMU_EVENT_ALLOW = 0
KVM_PMU_EVENT_DENY = 1


class _kvm_vcpu_events_exception(ctypes.Structure):
    _fields_ = [
        ('serror_pending', c_uint8),
        ('serror_has_esr', c_uint8),
        ('ext_dabt_pending', c_uint8),
        ('pad', c_uint8 * 5),
        ('serror_esr', c_uint64),
    ]


class kvm_vcpu_events(ctypes.Structure):
    _fields_ = [
        ('exception', _kvm_vcpu_events_exception),
        ('reserved', c_uint32 * 12),
    ]


class kvm_arm_copy_mte_tags(ctypes.Structure):
    _fields_ = [
        ('guest_ipa', c_uint64),
        ('length', c_uint64),
        ('addr', c_void_p),
        ('flags', c_uint64),
        ('reserved', c_uint64 * 2),
    ]


KVM_ARM_TAGS_TO_GUEST = 0
KVM_ARM_TAGS_FROM_GUEST = 1
KVM_REG_ARM_COPROC_MASK = 0x000000000FFF0000
KVM_REG_ARM_COPROC_SHIFT = 16
KVM_REG_ARM_CORE = (0x0010 << KVM_REG_ARM_COPROC_SHIFT)


@macro(("regs.pc",), ("regs.regs[30]",), ("sp_el1",), ("spsr[4]",), ("fp_regs.vregs[1]",), ("fp_regs.fpcr",))
def KVM_REG_ARM_CORE_REG(name: str) -> int:
    """The index of a kvm_regs field, in 32-bit words, as KVM_{GET,SET}_ONE_REG's core register ids use it."""
    return _offsetof(kvm_regs, name) // ctypes.sizeof(c_uint32)


KVM_REG_ARM_DEMUX = (0x0011 << KVM_REG_ARM_COPROC_SHIFT)
KVM_REG_ARM_DEMUX_ID_MASK = 0x000000000000FF00
KVM_REG_ARM_DEMUX_ID_SHIFT = 8
KVM_REG_ARM_DEMUX_ID_CCSIDR = (0x00 << KVM_REG_ARM_DEMUX_ID_SHIFT)
KVM_REG_ARM_DEMUX_VAL_MASK = 0x00000000000000FF
KVM_REG_ARM_DEMUX_VAL_SHIFT = 0
KVM_REG_ARM64_SYSREG = (0x0013 << KVM_REG_ARM_COPROC_SHIFT)
KVM_REG_ARM64_SYSREG_OP0_MASK = 0x000000000000c000
KVM_REG_ARM64_SYSREG_OP0_SHIFT = 14
KVM_REG_ARM64_SYSREG_OP1_MASK = 0x0000000000003800
KVM_REG_ARM64_SYSREG_OP1_SHIFT = 11
KVM_REG_ARM64_SYSREG_CRN_MASK = 0x0000000000000780
KVM_REG_ARM64_SYSREG_CRN_SHIFT = 7
KVM_REG_ARM64_SYSREG_CRM_MASK = 0x0000000000000078
KVM_REG_ARM64_SYSREG_CRM_SHIFT = 3
KVM_REG_ARM64_SYSREG_OP2_MASK = 0x0000000000000007


def _sysreg_field(value: int, shift: int, mask: int) -> int:
    return (value << shift) & mask


@macro((3, 3, 14, 2, 1), (3, 0, 0, 0, 5), (2, 0, 0, 0, 4))
def ARM64_SYS_REG(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    return (KVM_REG_ARM64 | KVM_REG_ARM64_SYSREG
            | _sysreg_field(op0, KVM_REG_ARM64_SYSREG_OP0_SHIFT, KVM_REG_ARM64_SYSREG_OP0_MASK)
            | _sysreg_field(op1, KVM_REG_ARM64_SYSREG_OP1_SHIFT, KVM_REG_ARM64_SYSREG_OP1_MASK)
            | _sysreg_field(crn, KVM_REG_ARM64_SYSREG_CRN_SHIFT, KVM_REG_ARM64_SYSREG_CRN_MASK)
            | _sysreg_field(crm, KVM_REG_ARM64_SYSREG_CRM_SHIFT, KVM_REG_ARM64_SYSREG_CRM_MASK)
            | _sysreg_field(op2, KVM_REG_ARM64_SYSREG_OP2_SHIFT, KVM_REG_ARM64_SYSREG_OP2_MASK)
            | KVM_REG_SIZE_U64)

KVM_REG_ARM64_SYSREG_OP2_SHIFT = 0
KVM_REG_ARM_PTIMER_CTL = ARM64_SYS_REG(3, 3, 14, 2, 1)
KVM_REG_ARM_PTIMER_CVAL = ARM64_SYS_REG(3, 3, 14, 2, 2)
KVM_REG_ARM_PTIMER_CNT = ARM64_SYS_REG(3, 3, 14, 0, 1)
KVM_REG_ARM_TIMER_CTL = ARM64_SYS_REG(3, 3, 14, 3, 1)
KVM_REG_ARM_TIMER_CVAL = ARM64_SYS_REG(3, 3, 14, 0, 2)
KVM_REG_ARM_TIMER_CNT = ARM64_SYS_REG(3, 3, 14, 3, 2)
KVM_REG_ARM_FW = (0x0014 << KVM_REG_ARM_COPROC_SHIFT)


@macro((0,), (3,), (0x1ffff,))
def KVM_REG_ARM_FW_REG(r: int) -> int:
    return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | (r & 0xffff)


KVM_REG_ARM_PSCI_VERSION = KVM_REG_ARM_FW_REG(0)
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1 = KVM_REG_ARM_FW_REG(1)
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1_NOT_AVAIL = 0
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1_AVAIL = 1
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1_NOT_REQUIRED = 2
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2 = KVM_REG_ARM_FW_REG(2)
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2_NOT_AVAIL = 0
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2_UNKNOWN = 1
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2_AVAIL = 2
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2_NOT_REQUIRED = 3
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2_ENABLED = (1 << 4)
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3 = KVM_REG_ARM_FW_REG(3)
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3_NOT_AVAIL = 0
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3_AVAIL = 1
KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3_NOT_REQUIRED = 2
KVM_REG_ARM64_SVE = (0x15 << KVM_REG_ARM_COPROC_SHIFT)
KVM_REG_ARM64_SVE_ZREG_BASE = 0
KVM_REG_ARM64_SVE_PREG_BASE = 0x400
KVM_REG_ARM64_SVE_FFR_BASE = 0x600
# From asm/sve_context.h.
_SVE_VQ_BYTES = 16
KVM_ARM64_SVE_NUM_ZREGS = 32
KVM_ARM64_SVE_NUM_PREGS = 16
KVM_ARM64_SVE_MAX_SLICES = 32


@macro((0, 0), (31, 31), (33, 40))
def KVM_REG_ARM64_SVE_ZREG(n: int, i: int) -> int:
    return (KVM_REG_ARM64 | KVM_REG_ARM64_SVE | KVM_REG_ARM64_SVE_ZREG_BASE | KVM_REG_SIZE_U2048
            | ((n & (KVM_ARM64_SVE_NUM_ZREGS - 1)) << 5) | (i & (KVM_ARM64_SVE_MAX_SLICES - 1)))


@macro((0, 0), (15, 31), (17, 40))
def KVM_REG_ARM64_SVE_PREG(n: int, i: int) -> int:
    return (KVM_REG_ARM64 | KVM_REG_ARM64_SVE | KVM_REG_ARM64_SVE_PREG_BASE | KVM_REG_SIZE_U256
            | ((n & (KVM_ARM64_SVE_NUM_PREGS - 1)) << 5) | (i & (KVM_ARM64_SVE_MAX_SLICES - 1)))


@macro((0,), (31,), (40,))
def KVM_REG_ARM64_SVE_FFR(i: int) -> int:
    return (KVM_REG_ARM64 | KVM_REG_ARM64_SVE | KVM_REG_ARM64_SVE_FFR_BASE | KVM_REG_SIZE_U256
            | (i & (KVM_ARM64_SVE_MAX_SLICES - 1)))

KVM_ARM64_SVE_VQ_MIN = 1
KVM_ARM64_SVE_VQ_MAX = 512
KVM_REG_ARM64_SVE_VLS = (KVM_REG_ARM64 | KVM_REG_ARM64_SVE | KVM_REG_SIZE_U512 | 0xffff)
KVM_ARM64_SVE_VLS_WORDS = ((KVM_ARM64_SVE_VQ_MAX - KVM_ARM64_SVE_VQ_MIN) // 64 + 1)
KVM_REG_ARM_FW_FEAT_BMAP = (0x0016 << KVM_REG_ARM_COPROC_SHIFT)


@macro((0,), (2,), (0x10001,))
def KVM_REG_ARM_FW_FEAT_BMAP_REG(r: int) -> int:
    return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW_FEAT_BMAP | (r & 0xffff)


KVM_REG_ARM_STD_BMAP = KVM_REG_ARM_FW_FEAT_BMAP_REG(0)
KVM_REG_ARM_STD_BIT_TRNG_V1_0 = 0
KVM_REG_ARM_STD_HYP_BMAP = KVM_REG_ARM_FW_FEAT_BMAP_REG(1)
KVM_REG_ARM_STD_HYP_BIT_PV_TIME = 0
KVM_REG_ARM_VENDOR_HYP_BMAP = KVM_REG_ARM_FW_FEAT_BMAP_REG(2)
KVM_REG_ARM_VENDOR_HYP_BIT_FUNC_FEAT = 0
KVM_REG_ARM_VENDOR_HYP_BIT_PTP = 1
KVM_DEV_ARM_VGIC_GRP_ADDR = 0
KVM_DEV_ARM_VGIC_GRP_DIST_REGS = 1
KVM_DEV_ARM_VGIC_GRP_CPU_REGS = 2
KVM_DEV_ARM_VGIC_CPUID_SHIFT = 32
KVM_DEV_ARM_VGIC_CPUID_MASK = (0xff << KVM_DEV_ARM_VGIC_CPUID_SHIFT)
KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT = 32
KVM_DEV_ARM_VGIC_V3_MPIDR_MASK = (0xffffffff << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT)
KVM_DEV_ARM_VGIC_OFFSET_SHIFT = 0
KVM_DEV_ARM_VGIC_OFFSET_MASK = (0xffffffff << KVM_DEV_ARM_VGIC_OFFSET_SHIFT)
KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK = (0xffff)
KVM_DEV_ARM_VGIC_GRP_NR_IRQS = 3
KVM_DEV_ARM_VGIC_GRP_CTRL = 4
KVM_DEV_ARM_VGIC_GRP_REDIST_REGS = 5
KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS = 6
KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO = 7
KVM_DEV_ARM_VGIC_GRP_ITS_REGS = 8
KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT = 10
KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_MASK = (0x3fffff << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT)
KVM_DEV_ARM_VGIC_LINE_LEVEL_INTID_MASK = 0x3ff
VGIC_LEVEL_INFO_LINE_LEVEL = 0
KVM_DEV_ARM_VGIC_CTRL_INIT = 0
KVM_DEV_ARM_ITS_SAVE_TABLES = 1
KVM_DEV_ARM_ITS_RESTORE_TABLES = 2
KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES = 3
KVM_DEV_ARM_ITS_CTRL_RESET = 4
KVM_ARM_VCPU_PMU_V3_CTRL = 0
KVM_ARM_VCPU_PMU_V3_IRQ = 0
KVM_ARM_VCPU_PMU_V3_INIT = 1
KVM_ARM_VCPU_PMU_V3_FILTER = 2
KVM_ARM_VCPU_PMU_V3_SET_PMU = 3
KVM_ARM_VCPU_TIMER_CTRL = 1
KVM_ARM_VCPU_TIMER_IRQ_VTIMER = 0
KVM_ARM_VCPU_TIMER_IRQ_PTIMER = 1
KVM_ARM_VCPU_PVTIME_CTRL = 2
KVM_ARM_VCPU_PVTIME_IPA = 0
KVM_ARM_IRQ_VCPU2_SHIFT = 28
KVM_ARM_IRQ_VCPU2_MASK = 0xf
KVM_ARM_IRQ_TYPE_SHIFT = 24
KVM_ARM_IRQ_TYPE_MASK = 0xf
KVM_ARM_IRQ_VCPU_SHIFT = 16
KVM_ARM_IRQ_VCPU_MASK = 0xff
KVM_ARM_IRQ_NUM_SHIFT = 0
KVM_ARM_IRQ_NUM_MASK = 0xffff
KVM_ARM_IRQ_TYPE_CPU = 0
KVM_ARM_IRQ_TYPE_SPI = 1
KVM_ARM_IRQ_TYPE_PPI = 2
KVM_ARM_IRQ_CPU_IRQ = 0
KVM_ARM_IRQ_CPU_FIQ = 1
KVM_ARM_IRQ_GIC_MAX = 127
KVM_NR_IRQCHIPS = 1
KVM_PSCI_FN_BASE = 0x95c1ba5e


@macro((0,), (3,))
def KVM_PSCI_FN(n: int) -> int:
    return KVM_PSCI_FN_BASE + n


KVM_PSCI_FN_CPU_SUSPEND = KVM_PSCI_FN(0)
KVM_PSCI_FN_CPU_OFF = KVM_PSCI_FN(1)
KVM_PSCI_FN_CPU_ON = KVM_PSCI_FN(2)
KVM_PSCI_FN_MIGRATE = KVM_PSCI_FN(3)
# linux/psci.h values
KVM_PSCI_RET_SUCCESS = 0
KVM_PSCI_RET_NI = -1
KVM_PSCI_RET_INVAL = -2
KVM_PSCI_RET_DENIED = -3
KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2 = (1 << 0)
KVM_EXIT_FAIL_ENTRY_CPU_UNSUPPORTED = (1 << 0)


# --- Added after 6.1 (see SINCE below), in the order of sid's asm/kvm.h --------------------------------------
KVM_ARM_VCPU_HAS_EL2 = 7
KVM_ARM_VCPU_HAS_EL2_E2H0 = 8


class kvm_arm_counter_offset(ctypes.Structure):
    _fields_ = [
        ('counter_offset', c_uint64),
        ('reserved', c_uint64),
    ]


KVM_REG_ARM_VENDOR_HYP_BMAP_2 = KVM_REG_ARM_FW_FEAT_BMAP_REG(3)
KVM_REG_ARM_VENDOR_HYP_BIT_DISCOVER_IMPL_VER = 0
KVM_REG_ARM_VENDOR_HYP_BIT_DISCOVER_IMPL_CPUS = 1
KVM_ARM_VM_SMCCC_CTRL = 0
KVM_ARM_VM_SMCCC_FILTER = 0
KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ = 9
KVM_DEV_ARM_VGIC_USERSPACE_PPIS = 5
KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS = 4
KVM_ARM_VCPU_TIMER_IRQ_HVTIMER = 2
KVM_ARM_VCPU_TIMER_IRQ_HPTIMER = 3
KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2 = (1 << 0)
KVM_SMCCC_FILTER_HANDLE = 0
KVM_SMCCC_FILTER_DENY = 1
KVM_SMCCC_FILTER_FWD_TO_USER = 2


class kvm_smccc_filter(ctypes.Structure):
    _fields_ = [
        ('base', c_uint32),
        ('nr_functions', c_uint32),
        ('action', c_uint8),
        ('pad', c_uint8 * 15),
    ]


KVM_HYPERCALL_EXIT_SMC = (1 << 0)
KVM_HYPERCALL_EXIT_16BIT = (1 << 1)
KVM_ARM_FEATURE_ID_RANGE = 0
KVM_ARM_FEATURE_ID_RANGE_SIZE = (3 * 8 * 8)


class reg_mask_range(ctypes.Structure):
    _fields_ = [
        ('addr', c_uint64),
        ('range', c_uint32),
        ('reserved', c_uint32 * 13),
    ]


# --- Versions (as in abi/kvm.py: the plain definitions are 6.1's) --------------------------------------------
SINCE = {
    "6.3": ("KVM_ARM_VCPU_HAS_EL2",),
    "6.4": ("kvm_arm_counter_offset", "KVM_ARM_VM_SMCCC_CTRL", "KVM_ARM_VM_SMCCC_FILTER", "KVM_SMCCC_FILTER_HANDLE",
            "KVM_SMCCC_FILTER_DENY", "KVM_SMCCC_FILTER_FWD_TO_USER", "kvm_smccc_filter", "KVM_HYPERCALL_EXIT_SMC",
            "KVM_HYPERCALL_EXIT_16BIT"),
    "6.7": ("KVM_ARM_FEATURE_ID_RANGE", "KVM_ARM_FEATURE_ID_RANGE_SIZE", "reg_mask_range"),
    "6.8": ("KVM_ARM_VCPU_TIMER_IRQ_HVTIMER", "KVM_ARM_VCPU_TIMER_IRQ_HPTIMER"),
    "6.13": ("KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2",),
    "6.15": ("KVM_REG_ARM_VENDOR_HYP_BMAP_2", "KVM_REG_ARM_VENDOR_HYP_BIT_DISCOVER_IMPL_VER",
             "KVM_REG_ARM_VENDOR_HYP_BIT_DISCOVER_IMPL_CPUS"),
    "6.16": ("KVM_ARM_VCPU_HAS_EL2_E2H0", "KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ", "KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS"),
    "7.1": ("KVM_DEV_ARM_VGIC_USERSPACE_PPIS",),
}
# The read-only memslot switch became KVM_CAP_READONLY_MEM alone.
UNTIL = {"6.8": ("__KVM_HAVE_READONLY_MEM",)}
# arm64 got the dirty ring, and with it its own offset of the ring in the vCPU mapping.
CHANGED = {"6.2": {"KVM_DIRTY_LOG_PAGE_OFFSET": 64}}
