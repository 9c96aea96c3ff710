"""How a step is made, values that depend on the scene, and the pieces every fd role uses."""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.spec.case import Scene, Step, Val, val
from abi.target.base import Result

# The architectures of a case on a kvm_main.c path (system ioctls, memory slots, eventfds, dirty logging) whose
# set-up is the same on each: riscv64's KVM takes these paths as the others do (arch/riscv/kvm/Kconfig selects
# KVM_MMIO, HAVE_KVM_EVENTFD and KVM_GENERIC_DIRTYLOG_READ_PROTECT). A case whose set-up differs by architecture
# names its own list, and riscv64 only with a riscv64 entry in its per_arch/for_arch tables.
GENERIC = ("x86_64", "arm64", "riscv64")


def step(text: str, fn, ok_errno: int = 0) -> Step:
    return Step(text, fn, ok_errno)


def ended_as(got: Result, ok_errno: int) -> bool:
    """Whether a step ended as a set-up step must: success, or exactly the errno it is allowed (EINTR...)."""
    return got.ok if ok_errno == 0 else (not got.ok and got.errno == ok_errno)


def per_arch(s: Scene, table: dict[str, Callable], what: str):
    """The implementation of `what` for the machine's architecture: asked of the target, never assumed."""
    arch = s.target.arch
    if arch not in table:
        raise ValueError(f"{what}: not written for {arch} (only for {', '.join(table)})")
    return table[arch]


def for_arch(**steps: tuple[Step, ...]) -> Step:
    """Set-up that differs by architecture, for one condition stated once (an in-kernel irqchip exists, the vGIC is
    initialised): the machine's architecture picks its steps. An architecture with none is a broken set-up that
    says so, never another architecture's steps."""
    def run(s: Scene) -> Result:
        for st in per_arch(s, steps, "set-up"):
            got = st(s)
            if not ended_as(got, st.ok_errno):
                return got
        return Result(0)

    shown = "; ".join(f"{arch}: {', '.join(map(str, chosen))}" for arch, chosen in steps.items() if chosen)
    return step(f"[{shown}]", run)


def on_fd(s: Scene, on: str) -> int:
    """The system, VM, last vCPU or last device fd of a scene."""
    fds = {"vm": s.vm, "system": s.kvm, "vcpu": s.vcpus[-1] if s.vcpus else -1,
           "device": s.devices[-1] if s.devices else -1}
    return fds[on]


def call(name: str, on: str, arg=0, shown: str = "", ok_errno: int = 0) -> Step:
    """`name` (a request of the target's ABI) on the system, VM, last vCPU or last device fd; `arg` a value, bytes,
    a ctypes object, or a callable over the scene giving one."""
    def run(s: Scene) -> Result:
        return s.ioctl(on_fd(s, on), getattr(s.abi, name), arg(s) if callable(arg) else arg)

    return step(f"{name}({shown})" if shown else name, run, ok_errno)


def raw(request: int, name: str, arg, on: str = "vm") -> Step:
    """A request number (perhaps one no header defines) on some fd, with an argument that is a value, bytes, or a
    Val over the scene."""
    def run(s: Scene) -> Result:
        return s.ioctl(on_fd(s, on), request, arg(s) if callable(arg) else arg)

    return step(f"{name} on the {on} fd", run)


BAD_POINTER = Val("a guard page", lambda s: s.target.bad_address())


def capability(name: str, on: str = "system") -> Val:
    """What KVM_CHECK_EXTENSION(name) answers on the system fd (or the VM fd: some answers are per VM)."""
    from abi import kvm

    where = "" if on == "system" else " on the VM fd"
    return Val(f"KVM_CHECK_EXTENSION({name}){where}",
               lambda s: s.cap(getattr(kvm, name), s.vm if on == "vm" else None))


def u32(v: int) -> bytes:
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v: int) -> bytes:
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def i32(v: int) -> bytes:
    return struct.pack("<i", v)


def scratch_u64(s: Scene) -> int:
    """The u64 at the start of the scene's scratch page (what a GET wrote there)."""
    return struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]



# --- cite prefixes and fd values every fd role's cases use ------------------------------------------------------

API = "api.rst"

MAIN = "kvm_main.c"  # the generic ioctl dispatch of every fd (kvm_dev_ioctl, kvm_vm_ioctl, kvm_vcpu_ioctl)

VM_FD = Val("the VM fd", lambda s: s.vm)  # an open fd of the wrong kind, where an eventfd or another file belongs

NO_FD = Val("-1", lambda s: -1)


def scratch_reads(expected: Val | int, width: int = 8, mask: int | None = None):
    """A check: the `width` bytes at the start of the scratch page (what a GET wrote there), little-endian and, with
    `mask`, only those bits, equal `expected`."""
    expected = val(expected)

    def check(s: Scene, got: Result) -> str | None:
        value = int.from_bytes(s.target.read(s.scratch(), width), "little")
        if mask is not None:
            value &= mask
        want = expected(s)
        return None if value == want else f"read back {value:#x}, expected {want:#x} ({expected})"

    return check
