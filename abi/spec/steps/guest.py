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


# The guest waits for an interrupt that never comes, and again after a spurious wake-up, so KVM_RUN sleeps in the
# kernel (kvm_vcpu_block) holding the vCPU's mutex (kvm_main.c kvm_vcpu_ioctl) until a signal ends it.
WFI_LOOP = (0xD503207F, 0x17FFFFFF)  # A64: wfi; b .-4 (KVM traps WFI: arm.c clears TWI only for GICv4 vLPIs)
HLT_LOOP = bytes([0xF4, 0xEB, 0xFD])  # x86: hlt; jmp .-3, with IF clear (reset): halts in the in-kernel irqchip
BUSY_SLOT, BUSY_SIZE = 15, 0x10000  # a slot of its own, apart from the slot 0 specs give guest tables or code
BUSY_IPA_ARM64 = 0x30000000  # outside the vGIC frames (0x08000000...) and the specs' "unmapped" IPAs
BUSY_GPA_X86 = 0x8000  # real mode: below 1 MiB


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
