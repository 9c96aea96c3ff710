"""The host's own /dev/kvm, driven in-process through libc."""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import mmap as _mmap
import os
import platform

from abi.target.base import Result, Target, TargetInfo, TargetUnavailable, arg_bytes

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_ioctl = _libc.ioctl
# The request is `unsigned long` in glibc's prototype; the argument travels as a pointer-sized integer.
_ioctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)
_ioctl.restype = ctypes.c_int
_mmap_fn = _libc.mmap
_mmap_fn.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
_mmap_fn.restype = ctypes.c_void_p
_munmap = _libc.munmap
_munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_munmap.restype = ctypes.c_int

MAP_FAILED = ctypes.c_void_p(-1).value
PAGE = _mmap.PAGESIZE
PROT_NONE = 0  # not exported by the mmap module
ARCH_BY_MACHINE = {"x86_64": "x86_64", "aarch64": "arm64", "armv7l": "arm"}


def _anon(size: int, prot: int) -> int:
    addr = _mmap_fn(None, size, prot, _mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS, -1, 0)
    if addr == MAP_FAILED or addr is None:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return addr


class LocalTarget(Target):
    name = "local"

    def __init__(self, device: str = "/dev/kvm"):
        self.device = device
        self.arch = ARCH_BY_MACHINE.get(platform.machine(), platform.machine())
        if not os.path.exists(device):
            raise TargetUnavailable(f"local: {device} does not exist (no KVM on this host: enable virtualization "
                                    "in the firmware or run on a machine with KVM)")
        if not os.access(device, os.R_OK | os.W_OK):
            raise TargetUnavailable(f"local: {device} is not readable and writable by this user "
                                    "(add the user to the 'kvm' group)")
        self._fds: set[int] = set()
        self._maps: dict[int, int] = {}
        self._scratch = _anon(PAGE * 4, _mmap.PROT_READ | _mmap.PROT_WRITE)
        self._maps[self._scratch] = PAGE * 4
        self._guard = _anon(PAGE, PROT_NONE)
        self._maps[self._guard] = PAGE

    def open_kvm(self) -> int:
        fd = os.open(self.device, os.O_RDWR | os.O_CLOEXEC)
        self._fds.add(fd)
        return fd

    def ioctl(self, fd: int, request: int, arg=0) -> Result:
        if arg == 0 and type(arg) is int:
            # No argument: fcntl.ioctl without one is a third of a ctypes call. (Given an int, fcntl.ioctl
            # first tries it as a buffer and is slower than ctypes, hence only this case.)
            try:
                return Result(fcntl.ioctl(fd, request), 0, b"", request)
            except OSError as e:
                return Result(-1, e.errno, b"", request)
        data = arg_bytes(arg)
        if data is None:
            ret = _ioctl(fd, request, arg)
            err = ctypes.get_errno() if ret < 0 else 0
            return Result(ret, err, b"", request)
        buf = ctypes.create_string_buffer(data, len(data)) if data else ctypes.create_string_buffer(1)
        ret = _ioctl(fd, request, ctypes.addressof(buf))
        err = ctypes.get_errno() if ret < 0 else 0
        return Result(ret, err, buf.raw[: len(data)], request)

    def close(self, fd: int) -> int:
        self._fds.discard(fd)
        try:
            os.close(fd)
        except OSError as e:
            return e.errno
        return 0

    def alloc(self, size: int) -> int:
        size = max(PAGE, (size + PAGE - 1) // PAGE * PAGE)
        addr = _anon(size, _mmap.PROT_READ | _mmap.PROT_WRITE)
        self._maps[addr] = size
        return addr

    def read(self, addr: int, size: int) -> bytes:
        return ctypes.string_at(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        ctypes.memmove(addr, data, len(data))

    def mmap(self, fd: int, size: int, offset: int = 0) -> int:
        flags = _mmap.MAP_SHARED | (_mmap.MAP_ANONYMOUS if fd == -1 else 0)
        addr = _mmap_fn(None, size, _mmap.PROT_READ | _mmap.PROT_WRITE, flags, fd, offset)
        if addr == MAP_FAILED or addr is None:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        self._maps[addr] = size
        return addr

    def munmap(self, addr: int, size: int) -> None:
        self._maps.pop(addr, None)
        if _munmap(addr, size) < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    def bad_address(self) -> int:
        return self._guard

    def info(self) -> TargetInfo:
        u = os.uname()
        return TargetInfo(name=self.name, arch=self.arch, kernel_release=u.release, profile="host",
                          cpu_model=_cpu_model(), extra={"kernel_version": u.version})

    def stop(self) -> None:
        for fd in sorted(self._fds, reverse=True):
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds.clear()
        for addr, size in list(self._maps.items()):
            _munmap(addr, size)
        self._maps.clear()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

