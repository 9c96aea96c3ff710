"""ONE_REG register ids that are no single architecture's step vocabulary, and KVM_GET_REG_LIST: the list, the n
written back, the ids' architecture field."""

from __future__ import annotations

import struct

import pytest

from abi import kvm
from abi import riscv64 as rv
from abi.spec.case import Scene, Step
from abi.spec.steps.base import API, per_arch, step
from abi.spec.steps.vcpu import one_reg_value, riscv64_reg
from abi.target.base import Result

GET_REG = f"{API} 4.69 KVM_GET_ONE_REG"
SET_REG = f"{API} 4.68 KVM_SET_ONE_REG"
REG_LIST = f"{API} 4.84 KVM_GET_REG_LIST"

# --- KVM_GET_REG_LIST ---------------------------------------------------------------------------------------


def reg_list(n) -> Step:
    """KVM_GET_REG_LIST with n = `n` (an int, or a callable over the scene and the vCPU's register count)."""
    def run(s: Scene) -> Result:
        count = None
        if callable(n):
            probe = s.ioctl(s.vcpus[-1], kvm.KVM_GET_REG_LIST, struct.pack("<Q", 0))
            count = struct.unpack_from("<Q", probe.out)[0]
        want = n(count) if callable(n) else n
        s.remembered["reg_count"] = count
        return s.ioctl(s.vcpus[-1], kvm.KVM_GET_REG_LIST, struct.pack("<Q", want) + bytes(8 * want))

    return step(f"KVM_GET_REG_LIST(n={getattr(n, 'text', n)})", run)


class _N:
    """n as a function of the register count, with a text for the report."""

    def __init__(self, text, fn):
        self.text, self.fn = text, fn

    def __call__(self, count):
        return self.fn(count)


def n_written_back(s: Scene, got: Result) -> str | None:
    n = struct.unpack_from("<Q", got.out)[0] if len(got.out) >= 8 else None
    count = s.remembered.get("reg_count")
    if n is None or n == 0:
        return f"n came back as {n}: the number of registers must be written into n"
    if count is not None and n != count:
        return f"n came back as {n}, the vCPU has {count} registers"
    return None


# The architecture field (bits 56-63) every id of a machine's register list carries (linux/kvm.h KVM_REG_*).
REG_ARCH = {"arm64": kvm.KVM_REG_ARM64, "riscv64": kvm.KVM_REG_RISCV, "x86_64": kvm.KVM_REG_X86}


def list_filled(s: Scene, got: Result) -> str | None:
    """A check: n written back as the register count, and every id listed is one of the machine's architecture."""
    problem = n_written_back(s, got)
    if problem:
        return problem
    n = struct.unpack_from("<Q", got.out)[0]
    ids = struct.unpack_from(f"<{n}Q", got.out, 8)
    arch = per_arch(s, REG_ARCH, "a register id's architecture field")
    bad = [i for i in ids if i & kvm.KVM_REG_ARCH_MASK != arch]
    return f"{len(bad)} ids are not {s.target.arch} register ids, e.g. {bad[0]:#x}" if bad else None


def lists(reg_id: int, name: str):
    """A check: the full list (list_filled) holds `reg_id`."""
    def check(s: Scene, got: Result) -> str | None:
        problem = list_filled(s, got)
        if problem:
            return problem
        n = struct.unpack_from("<Q", got.out)[0]
        return None if reg_id in struct.unpack_from(f"<{n}Q", got.out, 8) else f"{name} ({reg_id:#x}) is not listed"

    return check


# --- riscv64 ids (asm/kvm.h: KVM_REG_RISCV | size | type | subtype | index) ------------------------------------


RV_REG_A0 = riscv64_reg(rv.KVM_REG_RISCV_CORE, rv.KVM_REG_RISCV_CORE_REG("regs.a0"))
RV_ISA = riscv64_reg(rv.KVM_REG_RISCV_CONFIG, rv.KVM_REG_RISCV_CONFIG_REG("isa"))
RV_SSCRATCH = riscv64_reg(rv.KVM_REG_RISCV_CSR, rv.KVM_REG_RISCV_CSR_REG("sscratch"))
RV_SIP = riscv64_reg(rv.KVM_REG_RISCV_CSR, rv.KVM_REG_RISCV_CSR_REG("sip"))
RV_TIMER_FREQ = riscv64_reg(rv.KVM_REG_RISCV_TIMER, rv.KVM_REG_RISCV_TIMER_REG("frequency"))
# The core group ends with `mode`: the index after it is past struct kvm_riscv_core.
RV_CORE_END = rv.KVM_REG_RISCV_CORE_REG("mode") + 1
RV_ISA_EXT_SINGLE = rv.KVM_REG_RISCV_ISA_EXT | rv.KVM_REG_RISCV_ISA_SINGLE

# riscv's base ISA letters in the config isa register: bit (letter - 'a').
ISA_I = 1 << (ord("i") - ord("a"))
# The sip bit of the supervisor external interrupt (SEIP, the privileged spec's bit 9): KVM_INTERRUPT's VS-level
# external interrupt shows there (vcpu_onereg.c kvm_riscv_vcpu_general_get_csr shifts hvip's VSEIP down to it).
SIP_SEIP = 1 << 9


def scratch_nonzero(s: Scene, got: Result) -> str | None:
    """A check: the u64 a GET wrote to the scratch page is not 0."""
    value = struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]
    return None if value else "read back 0"


def reg_reads(reg_id: int, name: str, want: int, mask: int | None = None):
    """A check: after the call, KVM_GET_ONE_REG of `reg_id` on the last vCPU reads `want` (only the bits of `mask`,
    if given)."""
    def check(s: Scene, got: Result) -> str | None:
        value = one_reg_value(s, reg_id)
        if mask is not None:
            value &= mask
        return None if value == want else f"{name} reads {value:#x} afterwards, expected {want:#x}"

    return check


def isa_has(letter: str) -> Step:
    """A precondition of a case that changes single-letter extension `letter`: the last vCPU's config isa register
    has its bit (a vCPU starts with the host's base extensions, vcpu.c kvm_arch_vcpu_create; KVM masks a letter the
    host lacks away on write, so such a case could not fail there). A vCPU without it skips the case, saying so."""
    bit = 1 << (ord(letter.lower()) - ord("a"))

    def run(s: Scene) -> Result:
        value = one_reg_value(s, RV_ISA)
        if not value & bit:
            pytest.skip(f"needs a vCPU with {letter.upper()}; its config isa register reads {value:#x}")
        return Result(0)

    return step(f"the config isa register has {letter.upper()} (the host has it)", run)


def isa_ext_absent(name: str) -> Step:
    """A precondition of a case about an ISA extension the host lacks: the last vCPU's KVM_GET_REG_LIST (6.6+) lists
    no ISA_EXT register of extension `name` (the kernel lists only the extensions its host has,
    vcpu_onereg.c copy_isa_ext_reg_indices). A host that has it skips the case, saying so: which extensions a
    machine lacks is asked of it, not assumed of its CPU model."""
    reg = riscv64_reg(RV_ISA_EXT_SINGLE, getattr(rv, f"KVM_RISCV_ISA_EXT_{name}"))

    def run(s: Scene) -> Result:
        probe = s.ioctl(s.vcpus[-1], kvm.KVM_GET_REG_LIST, struct.pack("<Q", 0))
        count = struct.unpack_from("<Q", probe.out)[0]
        got = s.ioctl(s.vcpus[-1], kvm.KVM_GET_REG_LIST, struct.pack("<Q", count) + bytes(8 * count))
        if got.ok and reg in struct.unpack_from(f"<{count}Q", got.out, 8):
            pytest.skip(f"needs a host without {name}; this vCPU's KVM_GET_REG_LIST lists ISA_EXT {name}")
        return got

    return step(f"KVM_GET_REG_LIST lists no ISA_EXT {name} (the host lacks {name})", run)
