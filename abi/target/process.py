"""What a case changes in the process issuing the ioctls, written once for both places that process can be: the
local target's own (abi.target.local) and the guest agent's (agent.py, beside which this file is copied into the
initramfs). Standard library only, and no module the agent would not import anyway (resource is not one)."""

import ctypes
import os


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class _Rlimit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]


_LINUX_CAPABILITY_VERSION_3 = 0x20080522
RLIMIT_NOFILE = 7  # the same number on x86_64, arm64 and riscv64 (asm-generic/resource.h)
_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def capabilities(effective: int | None = None) -> tuple[int, int]:
    """The calling thread's effective and permitted capabilities 0-31 (capget), after setting the effective set to
    `effective` when given (capset)."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capget(ctypes.byref(header), data), "capget")
    if effective is not None:
        data[0].effective = effective
        _check(_libc.capset(ctypes.byref(header), data), "capset")
    return data[0].effective, data[0].permitted


def lowest_free_fd() -> int:
    fd = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
    os.close(fd)
    return fd


def nofile_limit(soft: int | None = None) -> int:
    """Set the process's soft RLIMIT_NOFILE to `soft` (None: its lowest free fd, so that no new fd can be
    allocated; the open ones stay usable); returns the previous soft limit."""
    limit = _Rlimit()
    _check(_libc.getrlimit(RLIMIT_NOFILE, ctypes.byref(limit)), "getrlimit")
    previous = limit.cur
    limit.cur = lowest_free_fd() if soft is None else soft
    _check(_libc.setrlimit(RLIMIT_NOFILE, ctypes.byref(limit)), "setrlimit")
    return previous
