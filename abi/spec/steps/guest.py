"""Guest memory and guest code: what each architecture's vCPU executes, and where."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from abi import kvm
from abi.spec.case import Scene, Step
from abi.spec.steps.base import per_arch, step
from abi.spec.steps.vm import memory_region
from abi.target.base import Result


def a64(*words: int) -> bytes:
    """A64 instruction words as the guest reads them (little-endian)."""
    return struct.pack(f"<{len(words)}I", *words)


rv64 = a64  # RV64 instruction words are little-endian 32-bit words too (the code here uses no compressed forms)

# RV64 encodings, written out so the report shows what the guest executes (each checked against
# riscv64-linux-gnu-as -march=rv64g and objdump when written). Registers by number.
RV_T0, RV_T1, RV_T2, RV_A0, RV_A6, RV_A7, RV_T3 = 5, 6, 7, 10, 16, 17, 28
RV_WFI = 0x10500073
RV_J_SELF = 0x0000006F  # jal x0, 0: j .
RV_J_BACK_4 = 0xFFDFF06F  # jal x0, -4: j .-4
RV_ECALL = 0x00000073
RV_EBREAK = 0x00100073


def rv_lui(rd: int, value: int) -> int:
    """lui rd, value >> 12: rd = `value`, a multiple of 4 KiB below 2 GiB (lui sign-extends bit 31)."""
    if value % 0x1000 or not 0 <= value < 1 << 31:
        raise ValueError(f"{value:#x} is not a lui value below 2 GiB")
    return value | rd << 7 | 0x37


def rv_addi(rd: int, rs1: int, imm: int) -> int:
    """addi rd, rs1, imm (a 12-bit signed immediate)."""
    if not -2048 <= imm < 2048:
        raise ValueError(f"{imm} does not fit addi's 12 bits")
    return (imm & 0xFFF) << 20 | rs1 << 15 | rd << 7 | 0x13


def rv_li(rd: int, imm: int) -> int:
    """li rd, imm of a 12-bit signed immediate (addi rd, zero, imm)."""
    return rv_addi(rd, 0, imm)


def rv_li32(rd: int, value: int) -> tuple[int, ...]:
    """li rd, value for a value below 2 GiB: lui of the upper bits (rounded, as addi sign-extends), then addi."""
    upper = (value + 0x800) & ~0xFFF
    if not upper:
        return (rv_li(rd, value),)
    low = value - upper
    return (rv_lui(rd, upper), rv_addi(rd, rd, low)) if low else (rv_lui(rd, upper),)


def rv_store(rs2: int, rs1: int, width: int) -> int:
    """sb/sh/sw/sd rs2, 0(rs1): a `width`-byte store of rs2 to the address in rs1."""
    return rs2 << 20 | rs1 << 15 | (width.bit_length() - 1) << 12 | 0x23


def rv_load(rd: int, rs1: int, width: int) -> int:
    """lb/lh/lw/ld rd, 0(rs1): a `width`-byte load (sign-extended) from the address in rs1."""
    return rs1 << 15 | (width.bit_length() - 1) << 12 | rd << 7 | 0x03


# The guest waits for an interrupt that never comes, and again after a spurious wake-up, so KVM_RUN sleeps in the
# kernel (kvm_vcpu_block) holding the vCPU's mutex (kvm_main.c kvm_vcpu_ioctl) until a signal ends it.
WFI_LOOP = (0xD503207F, 0x17FFFFFF)  # A64: wfi; b .-4 (KVM traps WFI: arm.c clears TWI only for GICv4 vLPIs)
# riscv64: the vCPU traps WFI (hstatus.VTW) to kvm_riscv_vcpu_wfi, which halts it (kvm_vcpu_halt) while no
# interrupt is pending and enabled; none is (the reset state has vsie 0 and no timer armed).
WFI_LOOP_RV64 = (RV_WFI, RV_J_BACK_4)  # wfi; j .-4
HLT_LOOP = bytes([0xF4, 0xEB, 0xFD])  # x86: hlt; jmp .-3, with IF clear (reset): halts in the in-kernel irqchip
BUSY_SLOT, BUSY_SIZE = 15, 0x10000  # a slot of its own, apart from the slot 0 specs give guest tables or code
BUSY_IPA_ARM64 = 0x30000000  # outside the vGIC frames (0x08000000...) and the specs' "unmapped" IPAs
BUSY_GPA_X86 = 0x8000  # real mode: below 1 MiB
# riscv64: the VM has no memory map but its memslots (an AIA a case creates sits where the case puts it), so any
# GPA is free; this one keeps apart from the slot-0 code of the cases (GPA 0) and their "unmapped" GPAs, as arm64's
# does.
BUSY_GPA_RV64 = 0x30000000


def busy_memory(s: Scene, gpa: int, code: bytes) -> Result:
    host = s.target.alloc(BUSY_SIZE)
    s.target.write(host, code)
    return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
        slot=BUSY_SLOT, flags=0, guest_phys_addr=gpa, memory_size=BUSY_SIZE, userspace_addr=host))


def x86_real_mode(s: Scene, fd: int, gpa: int) -> None:
    """An x86 vCPU in real mode about to execute guest physical address `gpa` (below 1 MiB): CS based at its 64 KiB
    segment, IP the rest (the reset state's CS base is 0xffff0000). The data segments keep their reset base 0."""
    a = s.abi
    base = gpa & ~0xFFFF
    sregs = s.ioctl(fd, a.KVM_GET_SREGS, a.kvm_sregs()).struct(a.kvm_sregs)
    sregs.cs.base, sregs.cs.selector = base, base >> 4
    s.ioctl(fd, a.KVM_SET_SREGS, sregs).value()
    s.ioctl(fd, a.KVM_SET_REGS, a.kvm_regs(rip=gpa - base, rflags=0x2)).value()


# --- guest code that a vCPU runs from its first instruction ---------------------------------------------------------

PAGE = 4096  # x86's, and the arm64 guests' (Debian's arm64 kernels use 4 KiB pages)


@dataclass(frozen=True)
class Code:
    """Guest code for one architecture: its bytes, the guest physical address of its first instruction (where a vCPU
    starts), and what it does, as a step shows it. A program is a dict of them by architecture."""

    gpa: int
    code: bytes
    text: str


def code_slot(program: dict[str, Code], size: int = PAGE, flags: int = 0, slot: int = 0) -> Step:
    """The machine's code of `program` in slot `slot`: `size` bytes (a power of two) of fresh memory at the multiple
    of `size` below the code's first instruction."""
    def run(s: Scene) -> Result:
        code = per_arch(s, program, "guest code")
        gpa = code.gpa & ~(size - 1)
        return memory_region(slot, gpa, size, flags, code.code, code.gpa - gpa)(s)

    more = f", flags {flags:#x}" if flags else ""
    shown = "; ".join(f"{arch} at {c.gpa:#x}: {c.text}" for arch, c in program.items())
    return step(f"KVM_SET_USER_MEMORY_REGION(slot {slot}, {size:#x} bytes{more}) holding the guest code ({shown})",
                run)


# Where riscv64 guest code starts: any GPA is free in these VMs (an AIA only where a case places one, no memory
# map but the memslots); not 0, where a vCPU resets, so that a program runs only if its PC was set
# (KVM_SET_ONE_REG regs.pc).
RV_CODE_GPA = 0x1000

# A guest that runs until something stops it (a signal, immediate_exit): a jump to itself; x86 in real mode.
SPINNING = {"x86_64": Code(0x1000, bytes([0xEB, 0xFE]), "jmp ."),
            "riscv64": Code(RV_CODE_GPA, rv64(RV_J_SELF), "j .")}
