"""The one way to issue an ioctl: a Target, whatever machine it runs on.

A target owns file descriptors and memory in its own address space (the host process for the local machine, an
agent inside the guest kernel for a QEMU guest machine of abi.machines). Tests only ever hold integers (fds,
addresses) and bytes; objects never cross the boundary, so the same test runs unchanged on every target.

Errors are values: `ioctl()` returns a `Result` and never raises for an errno. Exceptions are reserved for
the target itself going away (`TargetLost`) or being unusable (`TargetUnavailable`).
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from abi.ioctl import SIZEBITS, SIZESHIFT


class TargetUnavailable(Exception):
    """The target cannot be used on this machine; the message is one line saying why and how to fix it.

    `console_tail`: the last of the guest's console when a guest was booted and did not come up."""

    def __init__(self, message: str, console_tail: str = ""):
        super().__init__(message)
        self.console_tail = console_tail


class HostMissing(TargetUnavailable):
    """What is missing is the host's (no QEMU, no /dev/kvm): under `--target all` such a target is skipped. Any
    other TargetUnavailable (a broken kernel, a damaged cache, a download that fails) is an error."""


class NotApplicable(HostMissing):
    """The machine has no kernel of the name the run asks for (Debian 12 has no riscv64 port, so no debian-6.1
    there): skipped under `--target all` like a missing tool, an error when the machine is named."""


class TargetLost(Exception):
    """The target stopped answering or died in the middle of a request (guest panic, QEMU killed, timeout)."""

    def __init__(self, message: str, console_tail: str = ""):
        super().__init__(message)
        self.console_tail = console_tail


SCRATCH_SIZE = 4096  # a page on every modelled target (x86_64, and arm64 with Debian's 4 KB-page kernels)

# The kernel's errnos Python's errno module lacks (asm-generic/errno.h, x86 and arm64 alike).
EHWPOISON = 133
_KERNEL_ONLY = {EHWPOISON: "EHWPOISON"}


class Stopping(KeyboardInterrupt):
    """The run is stopping (SIGTERM, Ctrl-C): the signal's name. Raised where the signal finds the test process,
    and by a target asked to start anything new afterwards. A KeyboardInterrupt, so that pytest ends the session
    as after Ctrl-C (fixtures torn down, reports written) and a `finally` that reaches a target while the run
    stops keeps the interruption instead of replacing it with an error."""


def errno_name(code: int) -> str:
    return _errno.errorcode.get(code) or _KERNEL_ONLY.get(code, f"errno {code}")


# slots, not frozen: building the value is most of the local target's per-ioctl cost, and a frozen
# dataclass's __init__ goes through object.__setattr__ for every field.
@dataclass(slots=True)
class Result:
    """What an ioctl answered: its return value, errno (0 on success) and the argument's bytes afterwards."""

    ret: int
    errno: int = 0
    out: bytes = b""
    request: int = field(default=0, compare=False)
    # The target's time limit interrupted the call (a vCPU looping in KVM_RUN); errno is then EINTR.
    timed_out: bool = field(default=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.ret >= 0

    def __repr__(self) -> str:
        if self.timed_out:
            return f"timeout ({errno_name(self.errno)} when the time limit interrupted the call)"
        if self.ok:
            return f"ok (ret={self.ret})"
        return f"{errno_name(self.errno)} ({self.errno})"

    __str__ = __repr__

    def value(self) -> int:
        """The return value of a set-up step that must succeed (the selftests' `vm_ioctl` spelling)."""
        if not self.ok:
            from abi.model import request_name

            raise AssertionError(f"{request_name(self.request)} failed: {self!r} ({os.strerror(self.errno)})")
        return self.ret

    def struct(self, ctype):
        """The argument as it came back, decoded as `ctype`."""
        if len(self.out) < ctypes.sizeof(ctype):
            raise ValueError(f"{len(self.out)} bytes came back, {ctype.__name__} needs {ctypes.sizeof(ctype)}")
        return ctype.from_buffer_copy(self.out)


@dataclass(frozen=True)
class TargetInfo:
    name: str
    arch: str
    kernel_release: str
    profile: str = ""
    qemu_version: str = ""
    cpu_model: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "extra" and v}
        d.update(self.extra)
        return d


class Target(ABC):
    """Interface every target implements.

    `ioctl(fd, request, arg)` takes as `arg` either an int (passed as is: a value, or an address from
    `alloc`/`bad_address`) or a ctypes structure / bytes (copied into target memory, its address passed, and
    the memory read back into `Result.out` after the call, so _IOR/_IOWR results come back as bytes).
    """

    name: str
    arch: str
    # Bumped whenever the target's process goes away (a guest stopped or lost, to be booted again on the next
    # request): fds and addresses obtained in an earlier generation are gone and must not be closed or used.
    generation: int = 0

    @abstractmethod
    def open_kvm(self) -> int:
        """Open /dev/kvm read-write with O_CLOEXEC and return the fd."""

    @abstractmethod
    def ioctl(self, fd: int, request: int, arg: int | bytes | ctypes.Structure = 0) -> Result: ...

    @abstractmethod
    def close(self, fd: int) -> int:
        """Close fd; return 0 or the errno."""

    @abstractmethod
    def alloc(self, size: int) -> int:
        """Zeroed, page-aligned memory in the target's address space, valid until the target stops."""

    @abstractmethod
    def read(self, addr: int, size: int) -> bytes: ...

    @abstractmethod
    def write(self, addr: int, data: bytes) -> None: ...

    @abstractmethod
    def mmap(self, fd: int, size: int, offset: int = 0) -> int:
        """mmap(fd) shared read-write (a vCPU's kvm_run); fd -1 maps zeroed anonymous shared memory (MAP_SHARED |
        MAP_ANONYMOUS, which e.g. an MTE VM's memslot rules tell from `alloc`'s private memory). Returns the
        address, or raises OSError."""

    @abstractmethod
    def munmap(self, addr: int, size: int) -> None: ...

    @abstractmethod
    def bad_address(self) -> int:
        """An address that faults on access (a PROT_NONE guard page): the EFAULT argument."""

    @abstractmethod
    def info(self) -> TargetInfo: ...

    @abstractmethod
    def run_in_background(self, fd: int, request: int, arg: int = 0) -> Result:
        """Issue ioctl(fd, request, arg) on a second thread of the target's process and return only once that
        thread is blocked inside the call, as its /proc/<pid>/task/<tid>/syscall shows (protocol.blocked_in): a
        vCPU's KVM_RUN whose guest waits for an interrupt (WFI; HLT with an in-kernel irqchip) then holds the
        vCPU's mutex until stop_background. `ret` is the handle for stop_background; a call that fails at once
        comes back as its errno (ret -1, nothing to stop). Raises RuntimeError when the call returns successfully
        or does not block within the target's bound (its thread is interrupted and joined first)."""

    @abstractmethod
    def stop_background(self, handle: int) -> Result:
        """Interrupt a background call with a handled signal (protocol.BG_SIGNAL: KVM_RUN returns EINTR), join
        its thread and return the call's Result. Raises TargetLost when it does not end within a bound."""

    @abstractmethod
    def time_limit(self, seconds: float):
        """A context manager for a call expected to block: an ioctl issued inside it that has not returned after
        `seconds` is interrupted by the target's timer signal and comes back as EINTR with Result.timed_out (a
        KVM_RUN that only a signal ends)."""

    def capability(self, cap: int) -> int:
        """KVM_CHECK_EXTENSION(cap) on a system fd, asked once per generation: a guest booted again may run
        another kernel."""
        from abi.kvm import KVM_CHECK_EXTENSION

        key = (self.generation, "cap", cap)
        remembered = self._remembered()
        if key not in remembered:
            fd = self.open_kvm()
            try:
                remembered[key] = self.ioctl(fd, KVM_CHECK_EXTENSION, cap).ret
            finally:
                if self.generation == key[0]:  # else the fd went with the target, and its number may be reused
                    self.close(fd)
        return remembered[key]

    def scratch_page(self) -> int:
        """A page of target memory for pointer arguments (a register's value, a device attribute's), shared by
        every user and kept until the target restarts: the address must stay valid without anyone freeing it."""
        key = (self.generation, "scratch")
        remembered = self._remembered()
        if key not in remembered:
            remembered[key] = self.alloc(SCRATCH_SIZE)
        return remembered[key]

    def _remembered(self) -> dict:
        # Targets set their state up in their own __init__; this dict is the interface's, made on first use.
        return self.__dict__.setdefault("_interface_memo", {})

    def eventfd(self, initval: int = 0, flags: int = 0) -> int:
        """eventfd(2) in the target's process with O_CLOEXEC (the fd KVM_IRQFD and KVM_IOEVENTFD take); raises
        OSError with the call's errno."""
        raise NotImplementedError(f"{self.name}: no eventfd operation")

    def nofile_limit(self, soft: int | None = None) -> int:
        """Set the soft RLIMIT_NOFILE of the process issuing the ioctls to `soft` (None: its lowest free fd, so no
        new fd can be allocated); returns the previous soft limit."""
        raise NotImplementedError(f"{self.name}: no RLIMIT_NOFILE operation")

    def capabilities(self, effective: int | None = None) -> tuple[int, int]:
        """The effective and permitted capabilities 0-31 of the thread issuing the ioctls, after setting the
        effective set to `effective` when given."""
        raise NotImplementedError(f"{self.name}: no capabilities operation")

    def pending_signal(self, sig: int):
        """A context manager: during every ioctl issued inside it, `sig` is pending for the thread issuing it
        (blocked in the thread's mask, raised before the call, consumed after it: never delivered)."""
        raise NotImplementedError(f"{self.name}: no pending-signal operation")

    def interval_timer(self, seconds: float):
        """A context manager: during every ioctl issued inside it, SIGALRM (handled: a blocked call returns EINTR)
        fires every `seconds` in the process issuing it."""
        raise NotImplementedError(f"{self.name}: no interval-timer operation")

    def stop(self) -> None:  # noqa: B027 - optional: only targets that hold something override it
        """Release everything the target holds (fds, processes, temp dirs)."""

    @property
    def abi(self):
        """The ABI model resolved for this target's architecture (request numbers, structures)."""
        from abi import model

        return model.for_arch(self.arch)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def arg_bytes(arg, request: int = 0) -> bytes | None:
    """The bytes an argument stands for, or None when it is passed by value. A structure must have the size its
    request encodes (check_size)."""
    if isinstance(arg, int):
        return None
    if isinstance(arg, (bytes, bytearray)):
        return bytes(arg)
    if isinstance(arg, (ctypes.Structure, ctypes.Union)):
        check_size(request, arg)
        return bytes(arg)
    if isinstance(arg, ctypes.Array):
        return bytes(arg)
    raise TypeError(f"ioctl argument must be int, bytes or a ctypes object, not {type(arg).__name__}")


def check_size(request: int, arg: ctypes.Structure | ctypes.Union) -> None:
    """ValueError when a structure is not the size of the type its request was built with (abi.ioctl.Request.arg):
    the kernel copies the encoded size whatever is passed, so a wrong structure would be read short or past its
    end, or come back cut, without a word. Plain request numbers and requests built without a type are what a
    case makes on purpose (a wrong size, an unknown number), so they are not checked."""
    want = getattr(request, "arg", None)
    if want is None:
        return
    encoded = (request >> SIZESHIFT) & ((1 << SIZEBITS) - 1)
    if ctypes.sizeof(arg) != encoded:
        from abi.model import request_name

        raise ValueError(f"{request_name(request)}: a {type(arg).__name__} argument of {ctypes.sizeof(arg)} bytes, "
                         f"but the request encodes {encoded} ({want.__name__})")
