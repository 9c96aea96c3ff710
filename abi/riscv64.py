"""asm/kvm.h for riscv64: ONE_REG register groups (config, core, CSR, timer, FP, ISA and SBI extensions, vector,
SBI state), the ISA and SBI extension ids, and the AIA device's attributes.

riscv keeps its vCPU state out of the generic structures: kvm_regs, kvm_sregs, kvm_fpu and the debug structures
are empty (the size 0 is part of each request number that carries them), and every register goes through
KVM_{GET,SET}_ONE_REG with an id of KVM_REG_RISCV | KVM_REG_SIZE_* | a register type (bits 24-31) | a subtype
(bits 16-23, since 6.4) | an index. Most groups are structures of `unsigned long`, indexed in longs.

In the header's order and with its names; `tests/abi` proves it against Debian's riscv64 headers (12's cross
package, 6.1; 13's, 6.12; sid's, 7.2). The plain definitions are 6.1's; what later releases added or changed is at
the end with its SINCE / UNTIL / CHANGED data (see abi/kvm.py). Releases other than those three are the merge
windows that added each symbol, from the kernel's history, and were not checked against headers of their own.
"""

import ctypes
from ctypes import c_uint32, c_uint64, c_void_p

from abi.kvm import KVM_REG_SIZE_MASK, KVM_REG_SIZE_SHIFT
from abi.layout import offsetof as _offsetof
from abi.macro import macro
from abi.versions import release as _release

ARCH = "riscv64"
# The header's `#define __KVM_HAVE_*` switches, in any release (SINCE / UNTIL below date them).
FEATURES = frozenset({"__KVM_HAVE_READONLY_MEM", "__KVM_HAVE_IRQ_LINE"})

_ULONG = c_uint64  # riscv64 is LP64: the register groups' `unsigned long`
_BITS_PER_LONG = 64


def _struct(name: str, *fields: tuple) -> type:
    return type(name, (ctypes.Structure,), {"_fields_": list(fields)})


def _ulongs(name: str, *fields: str) -> type:
    """A register group: a structure of unsigned longs, one per register, as asm/kvm.h writes most of them."""
    return _struct(name, *((f, _ULONG) for f in fields))


def _index(struct, name: str, unit) -> int:
    """offsetof(struct, name) / sizeof(unit): the register index the *_REG(name) macros give."""
    return _offsetof(struct, name) // ctypes.sizeof(unit)


KVM_COALESCED_MMIO_PAGE_OFFSET = 1
# -1U and -2U: KVM_INTERRUPT's irq values that raise and lower the vCPU's external interrupt.
KVM_INTERRUPT_SET = 0xFFFFFFFF
KVM_INTERRUPT_UNSET = 0xFFFFFFFE


# Empty: riscv's vCPU state is all ONE_REG (KVM_GET_REGS and the others carry size 0 in their numbers).
kvm_regs = _struct("kvm_regs")
kvm_fpu = _struct("kvm_fpu")
kvm_debug_exit_arch = _struct("kvm_debug_exit_arch")
kvm_guest_debug_arch = _struct("kvm_guest_debug_arch")
kvm_sync_regs = _struct("kvm_sync_regs")
kvm_sregs = _struct("kvm_sregs")


# Register groups' members, per release: the newest tuple is what the *_REG(name) macros index.
_CONFIG = ("isa", "zicbom_block_size")
_CSR = ("sstatus", "sie", "stvec", "sscratch", "sepc", "scause", "stval", "sip", "satp", "scounteren")

kvm_riscv_config = _ulongs("kvm_riscv_config", *_CONFIG)

# asm/ptrace.h's user-mode register state, which kvm_riscv_core embeds: pc, then x1-x31 by ABI name.
user_regs_struct = _ulongs(
    "user_regs_struct", "pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6")
kvm_riscv_core = _struct("kvm_riscv_core", ("regs", user_regs_struct), ("mode", _ULONG))

KVM_RISCV_MODE_S = 1
KVM_RISCV_MODE_U = 0

kvm_riscv_csr = _ulongs("kvm_riscv_csr", *_CSR)


class kvm_riscv_timer(ctypes.Structure):
    _fields_ = [
        ('frequency', c_uint64),
        ('time', c_uint64),
        ('compare', c_uint64),
        ('state', c_uint64),
    ]


# enum KVM_RISCV_ISA_EXT_ID: KVM's own numbering of the ISA extensions (not the host's), contiguous.
KVM_RISCV_ISA_EXT_A = 0
KVM_RISCV_ISA_EXT_C = 1
KVM_RISCV_ISA_EXT_D = 2
KVM_RISCV_ISA_EXT_F = 3
KVM_RISCV_ISA_EXT_H = 4
KVM_RISCV_ISA_EXT_I = 5
KVM_RISCV_ISA_EXT_M = 6
KVM_RISCV_ISA_EXT_SVPBMT = 7
KVM_RISCV_ISA_EXT_SSTC = 8
KVM_RISCV_ISA_EXT_SVINVAL = 9
KVM_RISCV_ISA_EXT_ZIHINTPAUSE = 10
KVM_RISCV_ISA_EXT_ZICBOM = 11
KVM_RISCV_ISA_EXT_MAX = 12  # moves with each new extension: CHANGED below
KVM_RISCV_TIMER_STATE_OFF = 0
KVM_RISCV_TIMER_STATE_ON = 1


@macro((0x8030000002000000,), (0x8020000005000020,), (0x8000000000000000,))
def KVM_REG_SIZE(id: int) -> int:
    """The size in bytes of a ONE_REG register id (asm/kvm.h's until linux/kvm.h took it over in 6.13)."""
    return 1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT)


KVM_REG_RISCV_TYPE_MASK = 0x00000000FF000000
KVM_REG_RISCV_TYPE_SHIFT = 24
KVM_REG_RISCV_CONFIG = (0x01 << KVM_REG_RISCV_TYPE_SHIFT)


@macro(("isa",), ("zicbom_block_size",))
def KVM_REG_RISCV_CONFIG_REG(name: str) -> int:
    return _index(_newest("kvm_riscv_config"), name, _ULONG)


KVM_REG_RISCV_CORE = (0x02 << KVM_REG_RISCV_TYPE_SHIFT)


@macro(("regs.pc",), ("regs.a0",), ("regs.t6",), ("mode",))
def KVM_REG_RISCV_CORE_REG(name: str) -> int:
    return _index(kvm_riscv_core, name, _ULONG)


KVM_REG_RISCV_CSR = (0x03 << KVM_REG_RISCV_TYPE_SHIFT)


@macro(("sstatus",), ("satp",), ("scounteren",))
def KVM_REG_RISCV_CSR_REG(name: str) -> int:
    return _index(_newest("kvm_riscv_csr"), name, _ULONG)


KVM_REG_RISCV_TIMER = (0x04 << KVM_REG_RISCV_TYPE_SHIFT)


@macro(("frequency",), ("state",))
def KVM_REG_RISCV_TIMER_REG(name: str) -> int:
    return _index(kvm_riscv_timer, name, c_uint64)


# asm/ptrace.h's F and D extension state, which the FP register indices count in.
class _riscv_f_ext_state(ctypes.Structure):
    _fields_ = [('f', c_uint32 * 32), ('fcsr', c_uint32)]


class _riscv_d_ext_state(ctypes.Structure):
    _fields_ = [('f', c_uint64 * 32), ('fcsr', c_uint32)]


KVM_REG_RISCV_FP_F = (0x05 << KVM_REG_RISCV_TYPE_SHIFT)


@macro(("f[0]",), ("f[31]",), ("fcsr",))
def KVM_REG_RISCV_FP_F_REG(name: str) -> int:
    return _index(_riscv_f_ext_state, name, c_uint32)


KVM_REG_RISCV_FP_D = (0x06 << KVM_REG_RISCV_TYPE_SHIFT)


@macro(("f[0]",), ("f[31]",), ("fcsr",))
def KVM_REG_RISCV_FP_D_REG(name: str) -> int:
    return _index(_riscv_d_ext_state, name, c_uint64)


KVM_REG_RISCV_ISA_EXT = (0x07 << KVM_REG_RISCV_TYPE_SHIFT)


# --- Added after 6.1 (see SINCE below), in the order of sid's asm/kvm.h --------------------------------------
KVM_EXIT_FAIL_ENTRY_NO_VSFILE = (1 << 0)

_CONFIG_6_2 = _CONFIG + ("mvendorid", "marchid", "mimpid")
_CONFIG_6_4 = _CONFIG_6_2 + ("zicboz_block_size",)
_CONFIG_6_6 = _CONFIG_6_4 + ("satp_mode",)
_CONFIG_6_18 = _CONFIG_6_6 + ("zicbop_block_size",)
_CSR_6_7 = _CSR + ("senvcfg",)

kvm_riscv_aia_csr = _ulongs("kvm_riscv_aia_csr", "siselect", "iprio1", "iprio2", "sieh", "siph", "iprio1h",
                            "iprio2h")
kvm_riscv_smstateen_csr = _ulongs("kvm_riscv_smstateen_csr", "sstateen0")

KVM_RISCV_ISA_EXT_ZICBOZ = 12
KVM_RISCV_ISA_EXT_ZBB = 13
KVM_RISCV_ISA_EXT_SSAIA = 14
KVM_RISCV_ISA_EXT_V = 15
KVM_RISCV_ISA_EXT_SVNAPOT = 16
KVM_RISCV_ISA_EXT_ZBA = 17
KVM_RISCV_ISA_EXT_ZBS = 18
KVM_RISCV_ISA_EXT_ZICNTR = 19
KVM_RISCV_ISA_EXT_ZICSR = 20
KVM_RISCV_ISA_EXT_ZIFENCEI = 21
KVM_RISCV_ISA_EXT_ZIHPM = 22
KVM_RISCV_ISA_EXT_SMSTATEEN = 23
KVM_RISCV_ISA_EXT_ZICOND = 24
KVM_RISCV_ISA_EXT_ZBC = 25
KVM_RISCV_ISA_EXT_ZBKB = 26
KVM_RISCV_ISA_EXT_ZBKC = 27
KVM_RISCV_ISA_EXT_ZBKX = 28
KVM_RISCV_ISA_EXT_ZKND = 29
KVM_RISCV_ISA_EXT_ZKNE = 30
KVM_RISCV_ISA_EXT_ZKNH = 31
KVM_RISCV_ISA_EXT_ZKR = 32
KVM_RISCV_ISA_EXT_ZKSED = 33
KVM_RISCV_ISA_EXT_ZKSH = 34
KVM_RISCV_ISA_EXT_ZKT = 35
KVM_RISCV_ISA_EXT_ZVBB = 36
KVM_RISCV_ISA_EXT_ZVBC = 37
KVM_RISCV_ISA_EXT_ZVKB = 38
KVM_RISCV_ISA_EXT_ZVKG = 39
KVM_RISCV_ISA_EXT_ZVKNED = 40
KVM_RISCV_ISA_EXT_ZVKNHA = 41
KVM_RISCV_ISA_EXT_ZVKNHB = 42
KVM_RISCV_ISA_EXT_ZVKSED = 43
KVM_RISCV_ISA_EXT_ZVKSH = 44
KVM_RISCV_ISA_EXT_ZVKT = 45
KVM_RISCV_ISA_EXT_ZFH = 46
KVM_RISCV_ISA_EXT_ZFHMIN = 47
KVM_RISCV_ISA_EXT_ZIHINTNTL = 48
KVM_RISCV_ISA_EXT_ZVFH = 49
KVM_RISCV_ISA_EXT_ZVFHMIN = 50
KVM_RISCV_ISA_EXT_ZFA = 51
KVM_RISCV_ISA_EXT_ZTSO = 52
KVM_RISCV_ISA_EXT_ZACAS = 53
KVM_RISCV_ISA_EXT_SSCOFPMF = 54
KVM_RISCV_ISA_EXT_ZIMOP = 55
KVM_RISCV_ISA_EXT_ZCA = 56
KVM_RISCV_ISA_EXT_ZCB = 57
KVM_RISCV_ISA_EXT_ZCD = 58
KVM_RISCV_ISA_EXT_ZCF = 59
KVM_RISCV_ISA_EXT_ZCMOP = 60
KVM_RISCV_ISA_EXT_ZAWRS = 61
KVM_RISCV_ISA_EXT_SMNPM = 62
KVM_RISCV_ISA_EXT_SSNPM = 63
KVM_RISCV_ISA_EXT_SVADE = 64
KVM_RISCV_ISA_EXT_SVADU = 65
KVM_RISCV_ISA_EXT_SVVPTC = 66
KVM_RISCV_ISA_EXT_ZABHA = 67
KVM_RISCV_ISA_EXT_ZICCRSE = 68
KVM_RISCV_ISA_EXT_ZAAMO = 69
KVM_RISCV_ISA_EXT_ZALRSC = 70
KVM_RISCV_ISA_EXT_ZICBOP = 71
KVM_RISCV_ISA_EXT_ZFBFMIN = 72
KVM_RISCV_ISA_EXT_ZVFBFMIN = 73
KVM_RISCV_ISA_EXT_ZVFBFWMA = 74
KVM_RISCV_ISA_EXT_ZCLSD = 75
KVM_RISCV_ISA_EXT_ZILSD = 76
KVM_RISCV_ISA_EXT_ZALASR = 77

# enum KVM_RISCV_SBI_EXT_ID: KVM's numbering of the SBI extensions userspace can switch (not the SBI spec's ids).
KVM_RISCV_SBI_EXT_V01 = 0
KVM_RISCV_SBI_EXT_TIME = 1
KVM_RISCV_SBI_EXT_IPI = 2
KVM_RISCV_SBI_EXT_RFENCE = 3
KVM_RISCV_SBI_EXT_SRST = 4
KVM_RISCV_SBI_EXT_HSM = 5
KVM_RISCV_SBI_EXT_PMU = 6
KVM_RISCV_SBI_EXT_EXPERIMENTAL = 7
KVM_RISCV_SBI_EXT_VENDOR = 8
KVM_RISCV_SBI_EXT_DBCN = 9
KVM_RISCV_SBI_EXT_STA = 10
KVM_RISCV_SBI_EXT_SUSP = 11
KVM_RISCV_SBI_EXT_FWFT = 12
KVM_RISCV_SBI_EXT_MPXY = 13
KVM_RISCV_SBI_EXT_MAX = 9  # 6.4's; moves with each new extension: CHANGED below

kvm_riscv_sbi_sta = _ulongs("kvm_riscv_sbi_sta", "shmem_lo", "shmem_hi")
kvm_riscv_sbi_fwft_feature = _ulongs("kvm_riscv_sbi_fwft_feature", "enable", "flags", "value")
kvm_riscv_sbi_fwft = _struct("kvm_riscv_sbi_fwft", ("misaligned_deleg", kvm_riscv_sbi_fwft_feature),
                             ("pointer_masking", kvm_riscv_sbi_fwft_feature))

KVM_REG_RISCV_SUBTYPE_MASK = 0x0000000000FF0000
KVM_REG_RISCV_SUBTYPE_SHIFT = 16
KVM_REG_RISCV_CSR_GENERAL = (0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)
KVM_REG_RISCV_CSR_AIA = (0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)
KVM_REG_RISCV_CSR_SMSTATEEN = (0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT)


@macro(("siselect",), ("iprio2h",))
def KVM_REG_RISCV_CSR_AIA_REG(name: str) -> int:
    return _index(kvm_riscv_aia_csr, name, _ULONG)


@macro(("sstateen0",))
def KVM_REG_RISCV_CSR_SMSTATEEN_REG(name: str) -> int:
    return _index(kvm_riscv_smstateen_csr, name, _ULONG)


# ISA and SBI extensions are switched one at a time (SINGLE, the id as index) or many at once (MULTI_EN/_DIS,
# a bitmap of unsigned longs, extension id bit of word id / BITS_PER_LONG).
KVM_REG_RISCV_ISA_SINGLE = (0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)
KVM_REG_RISCV_ISA_MULTI_EN = (0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)
KVM_REG_RISCV_ISA_MULTI_DIS = (0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT)


@macro((0,), (63,), (64,), (77,))
def KVM_REG_RISCV_ISA_MULTI_REG(ext_id: int) -> int:
    return ext_id // _BITS_PER_LONG


@macro((0,), (63,), (64,), (77,))
def KVM_REG_RISCV_ISA_MULTI_MASK(ext_id: int) -> int:
    return 1 << (ext_id % _BITS_PER_LONG)


KVM_REG_RISCV_ISA_MULTI_REG_LAST = 0  # the word of KVM_RISCV_ISA_EXT_MAX - 1: CHANGED below
KVM_REG_RISCV_SBI_EXT = (0x08 << KVM_REG_RISCV_TYPE_SHIFT)
KVM_REG_RISCV_SBI_SINGLE = (0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)
KVM_REG_RISCV_SBI_MULTI_EN = (0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)
KVM_REG_RISCV_SBI_MULTI_DIS = (0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT)


@macro((0,), (13,), (64,))
def KVM_REG_RISCV_SBI_MULTI_REG(ext_id: int) -> int:
    return ext_id // _BITS_PER_LONG


@macro((0,), (13,), (64,))
def KVM_REG_RISCV_SBI_MULTI_MASK(ext_id: int) -> int:
    return 1 << (ext_id % _BITS_PER_LONG)


KVM_REG_RISCV_SBI_MULTI_REG_LAST = 0  # the word of KVM_RISCV_SBI_EXT_MAX - 1, 0 in every release so far
KVM_REG_RISCV_VECTOR = (0x09 << KVM_REG_RISCV_TYPE_SHIFT)


# asm/ptrace.h's vector state (6.5+): the vector CSRs are indexed in it, the vector registers after its end.
class _riscv_v_ext_state(ctypes.Structure):
    _fields_ = [('vstart', _ULONG), ('vl', _ULONG), ('vtype', _ULONG), ('vcsr', _ULONG), ('vlenb', _ULONG),
                ('datap', c_void_p)]


@macro(("vstart",), ("vlenb",))
def KVM_REG_RISCV_VECTOR_CSR_REG(name: str) -> int:
    return _index(_riscv_v_ext_state, name, _ULONG)


@macro((0,), (31,))
def KVM_REG_RISCV_VECTOR_REG(n: int) -> int:
    return n + ctypes.sizeof(_riscv_v_ext_state) // ctypes.sizeof(_ULONG)


KVM_REG_RISCV_SBI_STATE = (0x0a << KVM_REG_RISCV_TYPE_SHIFT)
KVM_REG_RISCV_SBI_STA = (0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)


@macro(("shmem_lo",), ("shmem_hi",))
def KVM_REG_RISCV_SBI_STA_REG(name: str) -> int:
    return _index(kvm_riscv_sbi_sta, name, _ULONG)


KVM_REG_RISCV_SBI_FWFT = (0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)


@macro(("misaligned_deleg",), ("pointer_masking.value",))
def KVM_REG_RISCV_SBI_FWFT_REG(name: str) -> int:
    return _index(kvm_riscv_sbi_fwft, name, _ULONG)


# The AIA irqchip (KVM_DEV_TYPE_RISCV_AIA, Documentation/virt/kvm/devices/riscv-aia.rst).
KVM_DEV_RISCV_APLIC_ALIGN = 0x1000
KVM_DEV_RISCV_APLIC_SIZE = 0x4000
KVM_DEV_RISCV_APLIC_MAX_HARTS = 0x4000
KVM_DEV_RISCV_IMSIC_ALIGN = 0x1000
KVM_DEV_RISCV_IMSIC_SIZE = 0x1000
KVM_DEV_RISCV_AIA_GRP_CONFIG = 0
KVM_DEV_RISCV_AIA_CONFIG_MODE = 0
KVM_DEV_RISCV_AIA_CONFIG_IDS = 1
KVM_DEV_RISCV_AIA_CONFIG_SRCS = 2
KVM_DEV_RISCV_AIA_CONFIG_GROUP_BITS = 3
KVM_DEV_RISCV_AIA_CONFIG_GROUP_SHIFT = 4
KVM_DEV_RISCV_AIA_CONFIG_HART_BITS = 5
KVM_DEV_RISCV_AIA_CONFIG_GUEST_BITS = 6
KVM_DEV_RISCV_AIA_MODE_EMUL = 0
KVM_DEV_RISCV_AIA_MODE_HWACCEL = 1
KVM_DEV_RISCV_AIA_MODE_AUTO = 2
KVM_DEV_RISCV_AIA_IDS_MIN = 63
KVM_DEV_RISCV_AIA_IDS_MAX = 2048
KVM_DEV_RISCV_AIA_SRCS_MAX = 1024
KVM_DEV_RISCV_AIA_GROUP_BITS_MAX = 8
KVM_DEV_RISCV_AIA_GROUP_SHIFT_MIN = 24
KVM_DEV_RISCV_AIA_GROUP_SHIFT_MAX = 56
KVM_DEV_RISCV_AIA_HART_BITS_MAX = 16
KVM_DEV_RISCV_AIA_GUEST_BITS_MAX = 8
KVM_DEV_RISCV_AIA_GRP_ADDR = 1
KVM_DEV_RISCV_AIA_ADDR_APLIC = 0


@macro((0,), (5,), (0x3fff,))
def KVM_DEV_RISCV_AIA_ADDR_IMSIC(vcpu: int) -> int:
    return 1 + vcpu


KVM_DEV_RISCV_AIA_ADDR_MAX = (1 + KVM_DEV_RISCV_APLIC_MAX_HARTS)
KVM_DEV_RISCV_AIA_GRP_CTRL = 2
KVM_DEV_RISCV_AIA_CTRL_INIT = 0
KVM_DEV_RISCV_AIA_GRP_APLIC = 3
KVM_DEV_RISCV_AIA_GRP_IMSIC = 4
KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS = 12
KVM_DEV_RISCV_AIA_IMSIC_ISEL_MASK = ((1 << KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS) - 1)


@macro((0, 0x70), (3, 0xff), (1, 0x1070))
def KVM_DEV_RISCV_AIA_IMSIC_MKATTR(vcpu: int, isel: int) -> int:
    return (vcpu << KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS) | (isel & KVM_DEV_RISCV_AIA_IMSIC_ISEL_MASK)


@macro((0x3070,), (0xff,))
def KVM_DEV_RISCV_AIA_IMSIC_GET_ISEL(attr: int) -> int:
    return attr & KVM_DEV_RISCV_AIA_IMSIC_ISEL_MASK


@macro((0x3070,), (0xff,))
def KVM_DEV_RISCV_AIA_IMSIC_GET_VCPU(attr: int) -> int:
    return attr >> KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS


KVM_NR_IRQCHIPS = 1  # one irqchip: the AIA


# --- Versions (as in abi/kvm.py: the plain definitions are 6.1's) --------------------------------------------
def _isa(*names: str) -> tuple[str, ...]:
    return tuple(f"KVM_RISCV_ISA_EXT_{n}" for n in names)


SINCE = {
    "6.4": (*_isa("ZICBOZ", "ZBB", "SSAIA"), "kvm_riscv_aia_csr", "KVM_REG_RISCV_SUBTYPE_MASK",
            "KVM_REG_RISCV_SUBTYPE_SHIFT", "KVM_REG_RISCV_CSR_GENERAL", "KVM_REG_RISCV_CSR_AIA",
            "KVM_REG_RISCV_CSR_AIA_REG", "KVM_RISCV_SBI_EXT_V01", "KVM_RISCV_SBI_EXT_TIME", "KVM_RISCV_SBI_EXT_IPI",
            "KVM_RISCV_SBI_EXT_RFENCE", "KVM_RISCV_SBI_EXT_SRST", "KVM_RISCV_SBI_EXT_HSM", "KVM_RISCV_SBI_EXT_PMU",
            "KVM_RISCV_SBI_EXT_EXPERIMENTAL", "KVM_RISCV_SBI_EXT_VENDOR", "KVM_RISCV_SBI_EXT_MAX",
            "KVM_REG_RISCV_SBI_EXT", "KVM_REG_RISCV_SBI_SINGLE", "KVM_REG_RISCV_SBI_MULTI_EN",
            "KVM_REG_RISCV_SBI_MULTI_DIS", "KVM_REG_RISCV_SBI_MULTI_REG", "KVM_REG_RISCV_SBI_MULTI_MASK",
            "KVM_REG_RISCV_SBI_MULTI_REG_LAST"),
    # With the in-kernel AIA irqchip: KVM_IRQ_LINE and the device's attributes.
    "6.5": (*_isa("V", "SVNAPOT"), "__KVM_HAVE_IRQ_LINE", "KVM_REG_RISCV_VECTOR", "KVM_REG_RISCV_VECTOR_CSR_REG",
            "KVM_REG_RISCV_VECTOR_REG", "KVM_DEV_RISCV_APLIC_ALIGN", "KVM_DEV_RISCV_APLIC_SIZE",
            "KVM_DEV_RISCV_APLIC_MAX_HARTS", "KVM_DEV_RISCV_IMSIC_ALIGN", "KVM_DEV_RISCV_IMSIC_SIZE",
            "KVM_DEV_RISCV_AIA_GRP_CONFIG", "KVM_DEV_RISCV_AIA_CONFIG_MODE", "KVM_DEV_RISCV_AIA_CONFIG_IDS",
            "KVM_DEV_RISCV_AIA_CONFIG_SRCS", "KVM_DEV_RISCV_AIA_CONFIG_GROUP_BITS",
            "KVM_DEV_RISCV_AIA_CONFIG_GROUP_SHIFT", "KVM_DEV_RISCV_AIA_CONFIG_HART_BITS",
            "KVM_DEV_RISCV_AIA_CONFIG_GUEST_BITS", "KVM_DEV_RISCV_AIA_MODE_EMUL", "KVM_DEV_RISCV_AIA_MODE_HWACCEL",
            "KVM_DEV_RISCV_AIA_MODE_AUTO", "KVM_DEV_RISCV_AIA_IDS_MIN", "KVM_DEV_RISCV_AIA_IDS_MAX",
            "KVM_DEV_RISCV_AIA_SRCS_MAX", "KVM_DEV_RISCV_AIA_GROUP_BITS_MAX", "KVM_DEV_RISCV_AIA_GROUP_SHIFT_MIN",
            "KVM_DEV_RISCV_AIA_GROUP_SHIFT_MAX", "KVM_DEV_RISCV_AIA_HART_BITS_MAX",
            "KVM_DEV_RISCV_AIA_GUEST_BITS_MAX", "KVM_DEV_RISCV_AIA_GRP_ADDR", "KVM_DEV_RISCV_AIA_ADDR_APLIC",
            "KVM_DEV_RISCV_AIA_ADDR_IMSIC", "KVM_DEV_RISCV_AIA_ADDR_MAX", "KVM_DEV_RISCV_AIA_GRP_CTRL",
            "KVM_DEV_RISCV_AIA_CTRL_INIT", "KVM_DEV_RISCV_AIA_GRP_APLIC", "KVM_DEV_RISCV_AIA_GRP_IMSIC",
            "KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS", "KVM_DEV_RISCV_AIA_IMSIC_ISEL_MASK",
            "KVM_DEV_RISCV_AIA_IMSIC_MKATTR", "KVM_DEV_RISCV_AIA_IMSIC_GET_ISEL", "KVM_DEV_RISCV_AIA_IMSIC_GET_VCPU",
            "KVM_NR_IRQCHIPS"),
    "6.6": (*_isa("ZBA", "ZBS", "ZICNTR", "ZICSR", "ZIFENCEI", "ZIHPM"), "KVM_REG_RISCV_ISA_SINGLE",
            "KVM_REG_RISCV_ISA_MULTI_EN", "KVM_REG_RISCV_ISA_MULTI_DIS", "KVM_REG_RISCV_ISA_MULTI_REG",
            "KVM_REG_RISCV_ISA_MULTI_MASK", "KVM_REG_RISCV_ISA_MULTI_REG_LAST"),
    "6.7": (*_isa("SMSTATEEN", "ZICOND"), "kvm_riscv_smstateen_csr", "KVM_REG_RISCV_CSR_SMSTATEEN",
            "KVM_REG_RISCV_CSR_SMSTATEEN_REG", "KVM_RISCV_SBI_EXT_DBCN"),
    "6.8": (*_isa("ZBC", "ZBKB", "ZBKC", "ZBKX", "ZKND", "ZKNE", "ZKNH", "ZKR", "ZKSED", "ZKSH", "ZKT", "ZVBB",
                  "ZVBC", "ZVKB", "ZVKG", "ZVKNED", "ZVKNHA", "ZVKNHB", "ZVKSED", "ZVKSH", "ZVKT", "ZFH", "ZFHMIN",
                  "ZIHINTNTL", "ZVFH", "ZVFHMIN", "ZFA"),
            "KVM_RISCV_SBI_EXT_STA", "kvm_riscv_sbi_sta", "KVM_REG_RISCV_SBI_STATE", "KVM_REG_RISCV_SBI_STA",
            "KVM_REG_RISCV_SBI_STA_REG"),
    "6.9": _isa("ZTSO", "ZACAS"),
    "6.10": _isa("SSCOFPMF"),
    "6.11": _isa("ZIMOP", "ZCA", "ZCB", "ZCD", "ZCF", "ZCMOP", "ZAWRS"),
    "6.13": (*_isa("SMNPM", "SSNPM", "SVADE", "SVADU", "SVVPTC", "ZABHA", "ZICCRSE"), "KVM_RISCV_SBI_EXT_SUSP"),
    "6.15": _isa("ZAAMO", "ZALRSC"),
    "6.18": (*_isa("ZICBOP", "ZFBFMIN", "ZVFBFMIN", "ZVFBFWMA"), "KVM_RISCV_SBI_EXT_FWFT",
             "kvm_riscv_sbi_fwft_feature", "kvm_riscv_sbi_fwft", "KVM_REG_RISCV_SBI_FWFT",
             "KVM_REG_RISCV_SBI_FWFT_REG"),
    "6.19": ("KVM_RISCV_SBI_EXT_MPXY", "KVM_EXIT_FAIL_ENTRY_NO_VSFILE"),
    "7.0": _isa("ZCLSD", "ZILSD", "ZALASR"),
}
# The read-only memslot switch became KVM_CAP_READONLY_MEM alone (as on x86 and arm64).
UNTIL = {"6.8": ("__KVM_HAVE_READONLY_MEM",)}
CHANGED = {
    "6.2": {"kvm_riscv_config": _ulongs("kvm_riscv_config", *_CONFIG_6_2)},
    "6.4": {"kvm_riscv_config": _ulongs("kvm_riscv_config", *_CONFIG_6_4), "KVM_RISCV_ISA_EXT_MAX": 15},
    "6.5": {"KVM_RISCV_ISA_EXT_MAX": 17},
    "6.6": {"kvm_riscv_config": _ulongs("kvm_riscv_config", *_CONFIG_6_6), "KVM_RISCV_ISA_EXT_MAX": 23},
    "6.7": {"kvm_riscv_csr": _ulongs("kvm_riscv_csr", *_CSR_6_7), "KVM_RISCV_ISA_EXT_MAX": 25,
            "KVM_RISCV_SBI_EXT_MAX": 10},
    "6.8": {"KVM_RISCV_ISA_EXT_MAX": 52, "KVM_RISCV_SBI_EXT_MAX": 11},
    "6.9": {"KVM_RISCV_ISA_EXT_MAX": 54},
    "6.10": {"KVM_RISCV_ISA_EXT_MAX": 55},
    "6.11": {"KVM_RISCV_ISA_EXT_MAX": 62},
    # Extension 64 needs a second word of the MULTI bitmap.
    "6.13": {"KVM_RISCV_ISA_EXT_MAX": 69, "KVM_REG_RISCV_ISA_MULTI_REG_LAST": 1, "KVM_RISCV_SBI_EXT_MAX": 12},
    "6.15": {"KVM_RISCV_ISA_EXT_MAX": 71},
    # riscv got the dirty ring, and with it its own offset of the ring in the vCPU mapping.
    "6.17": {"KVM_DIRTY_LOG_PAGE_OFFSET": 64},
    "6.18": {"kvm_riscv_config": _ulongs("kvm_riscv_config", *_CONFIG_6_18), "KVM_RISCV_ISA_EXT_MAX": 75,
             "KVM_RISCV_SBI_EXT_MAX": 13},
    "6.19": {"KVM_RISCV_SBI_EXT_MAX": 14},
    "7.0": {"KVM_RISCV_ISA_EXT_MAX": 78},
}


def _newest(name: str):
    """A register group's newest layout: the *_REG(name) macros index every member any release has."""
    for rel in sorted(CHANGED, key=_release, reverse=True):
        if name in CHANGED[rel]:
            return CHANGED[rel][name]
    return globals()[name]
