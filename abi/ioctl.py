"""ioctl request numbers: the asm-generic encoding (include/uapi/asm-generic/ioctl.h).

x86_64, arm64 and riscv64 (and 32-bit arm) use this layout: nr in bits 0-7, type in bits 8-15, size in bits
16-29 (14 bits), direction in bits 30-31 with NONE=0, WRITE=1, READ=2. powerpc, mips and sparc use a
13-bit size and a 3-bit direction with other values (NONE=1, READ=2, WRITE=4); alpha and parisc differ
again. Those architectures are not modelled here: `Encoding` refuses them rather than returning a
number that would look right and be wrong.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

NRBITS = 8
TYPEBITS = 8
SIZEBITS = 14
DIRBITS = 2

NRSHIFT = 0
TYPESHIFT = NRSHIFT + NRBITS
SIZESHIFT = TYPESHIFT + TYPEBITS
DIRSHIFT = SIZESHIFT + SIZEBITS

IOC_NONE = 0
IOC_WRITE = 1
IOC_READ = 2

GENERIC_ARCHES = ("x86_64", "arm64", "riscv64", "arm")

_DIR_NAMES = {IOC_NONE: "_IO", IOC_WRITE: "_IOW", IOC_READ: "_IOR", IOC_READ | IOC_WRITE: "_IOWR"}


def _IOC(direction: int, type_: int, nr: int, size: int) -> int:
    if not 0 <= direction < 1 << DIRBITS:
        raise ValueError(f"ioctl direction {direction} does not fit in {DIRBITS} bits")
    if not 0 <= type_ < 1 << TYPEBITS:
        raise ValueError(f"ioctl type {type_:#x} does not fit in {TYPEBITS} bits")
    if not 0 <= nr < 1 << NRBITS:
        raise ValueError(f"ioctl nr {nr:#x} does not fit in {NRBITS} bits")
    if not 0 <= size < 1 << SIZEBITS:
        # The kernel's _IOC_TYPECHECK makes this a build error; a silent wrap would alias another ioctl.
        raise ValueError(f"ioctl size {size} does not fit in {SIZEBITS} bits")
    return (direction << DIRSHIFT) | (type_ << TYPESHIFT) | (nr << NRSHIFT) | (size << SIZESHIFT)


class Request(int):
    """A request number that remembers how it was built: its argument type lets a caller check sizes
    (as the selftests' wrapper does at compile time; every target refuses a structure of another size,
    abi.target.base.check_size) and decode what comes back. `name` is filled in by abi.model from the module
    attribute it is bound to."""

    name = ""

    def __new__(cls, direction: int, type_: int, nr: int, arg=None):
        size = 0 if arg is None else arg if isinstance(arg, int) else ctypes.sizeof(arg)
        self = super().__new__(cls, _IOC(direction, type_, nr, size))
        self.arg = None if isinstance(arg, int) else arg
        return self

    def __repr__(self) -> str:
        return f"{self.name or 'request'}({int(self):#x})"


@dataclass(frozen=True)
class ArchRequest:
    """A request of linux/kvm.h whose size is that of an architecture's structure (KVM_GET_REGS takes
    `struct kvm_regs` from asm/kvm.h): its number exists only once an architecture is chosen, and not at all
    on an architecture whose asm/kvm.h lacks the structure. abi.model.for_arch resolves it."""

    direction: int
    type: int
    nr: int
    struct: str

    def resolve(self, types: dict) -> Request | None:
        arg = types.get(self.struct)
        return None if arg is None else Request(self.direction, self.type, self.nr, arg)


def _request(direction: int, type_: int, nr: int, arg):
    if isinstance(arg, str):
        return ArchRequest(direction, type_, nr, arg)
    return Request(direction, type_, nr, arg)


def _IO(type_: int, nr: int) -> Request:
    return Request(IOC_NONE, type_, nr)


def _IOR(type_: int, nr: int, arg):
    return _request(IOC_READ, type_, nr, arg)


def _IOW(type_: int, nr: int, arg):
    return _request(IOC_WRITE, type_, nr, arg)


def _IOWR(type_: int, nr: int, arg):
    return _request(IOC_READ | IOC_WRITE, type_, nr, arg)


@dataclass(frozen=True)
class Decoded:
    """A request number taken apart; `str()` gives it back in the header's spelling."""

    direction: int
    type: int
    nr: int
    size: int

    @property
    def macro(self) -> str:
        return _DIR_NAMES[self.direction]

    def __str__(self) -> str:
        if self.direction == IOC_NONE:
            return f"_IO({self.type:#x}, {self.nr:#x})"
        return f"{self.macro}({self.type:#x}, {self.nr:#x}, size={self.size})"


def decode(request: int) -> Decoded:
    if not 0 <= request < 1 << 32:
        raise ValueError(f"ioctl request {request:#x} is not a 32-bit number")
    return Decoded(
        direction=(request >> DIRSHIFT) & ((1 << DIRBITS) - 1),
        type=(request >> TYPESHIFT) & ((1 << TYPEBITS) - 1),
        nr=(request >> NRSHIFT) & ((1 << NRBITS) - 1),
        size=(request >> SIZESHIFT) & ((1 << SIZEBITS) - 1),
    )


def check_arch(arch: str) -> None:
    """Refuse architectures whose ioctl encoding is not the asm-generic one."""
    if arch not in GENERIC_ARCHES:
        raise ValueError(
            f"{arch}: ioctl encoding not modelled (only the asm-generic layout of {', '.join(GENERIC_ARCHES)})"
        )
