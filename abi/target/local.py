"""The host's own /dev/kvm, driven in-process through libc."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import mmap as _mmap
import os
import platform
import signal
import threading
import time
from contextlib import contextmanager

from abi.target import process
from abi.target import protocol as P
from abi.target.base import HostMissing, Result, Target, TargetInfo, TargetLost, arg_bytes

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


def access_advice(device: str) -> str:
    """How to get read-write access to the device: join its group only where that group is one users join."""
    import grp

    st = os.stat(device)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    if st.st_gid != 0 and st.st_mode & 0o060 == 0o060:
        return f"add the user to the '{group}' group, which owns it"
    return (f"it is owned by {group} with mode {st.st_mode & 0o777:o}: give this user access, e.g. a '{group}' "
            "group with rw (udev rule) or run as root" if group != "root" else
            f"it is root's with mode {st.st_mode & 0o777:o} and no group access: run as root, or have a udev rule "
            "give it to a 'kvm' group")


class LocalTarget(Target):
    name = "local"

    def __init__(self, device: str = "/dev/kvm"):
        self.device = device
        self.arch = ARCH_BY_MACHINE.get(platform.machine(), platform.machine())
        if not os.path.exists(device):
            raise HostMissing(f"local: {device} does not exist (no KVM on this host: enable virtualization "
                              "in the firmware or run on a machine with KVM)")
        if not os.access(device, os.R_OK | os.W_OK):
            raise HostMissing(f"local: {device} is not readable and writable by this user ({access_advice(device)})")
        self._fds: set[int] = set()
        self._maps: dict[int, int] = {}
        self._scratch = _anon(PAGE * 4, _mmap.PROT_READ | _mmap.PROT_WRITE)
        self._maps[self._scratch] = PAGE * 4
        self._guard = _anon(PAGE, PROT_NONE)
        self._maps[self._guard] = PAGE
        self._background: dict[int, _Background] = {}
        self._saved_handler = None
        self._limit: float | None = None  # seconds, inside time_limit

    def open_kvm(self) -> int:
        fd = os.open(self.device, os.O_RDWR | os.O_CLOEXEC)
        self._fds.add(fd)
        return fd

    def ioctl(self, fd: int, request: int, arg=0) -> Result:
        if self._limit is not None:
            return self._limited_ioctl(fd, request, arg)
        if arg == 0 and type(arg) is int:
            # No argument: fcntl.ioctl without one is a third of a ctypes call. (Given an int, fcntl.ioctl
            # first tries it as a buffer and is slower than ctypes, hence only this case.)
            try:
                return Result(fcntl.ioctl(fd, request), 0, b"", request)
            except OSError as e:
                return Result(-1, e.errno, b"", request)
        data = arg_bytes(arg, request)
        if data is None:
            ret = _ioctl(fd, request, arg)
            err = ctypes.get_errno() if ret < 0 else 0
            return Result(ret, err, b"", request)
        buf = ctypes.create_string_buffer(data, len(data)) if data else ctypes.create_string_buffer(1)
        ret = _ioctl(fd, request, ctypes.addressof(buf))
        err = ctypes.get_errno() if ret < 0 else 0
        return Result(ret, err, buf.raw[: len(data)], request)

    @contextmanager
    def time_limit(self, seconds: float):
        """What the guests' agent does for every ioctl, here only inside this block: an interval timer whose
        SIGALRM interrupts the call. Unbounded, a KVM_RUN that only a signal ends would hang the test process."""
        saved, self._limit = self._limit, seconds
        try:
            yield
        finally:
            self._limit = saved

    def _limited_ioctl(self, fd: int, request: int, arg) -> Result:
        # ctypes, never fcntl.ioctl: that one retries a call the signal interrupted (PEP 475).
        data = arg_bytes(arg, request)
        buf = None if data is None else ctypes.create_string_buffer(data, max(len(data), 1))
        # A handler, not the default (which ends the process): the signal only makes the blocked call return EINTR.
        handler = signal.signal(signal.SIGALRM, _no_op)
        before = signal.setitimer(signal.ITIMER_REAL, self._limit)  # a timer of someone else's, resumed after
        started = time.monotonic()
        try:
            ret = _ioctl(fd, request, arg if buf is None else ctypes.addressof(buf))
            err = ctypes.get_errno() if ret < 0 else 0
        finally:
            remaining = signal.setitimer(signal.ITIMER_REAL, 0)[0]
            signal.signal(signal.SIGALRM, handler)
            if before[0]:
                signal.setitimer(signal.ITIMER_REAL, max(before[0] - (time.monotonic() - started), 1e-6), before[1])
        # A one-shot timer that has fired reads back as zero: that, with EINTR, is the limit (as in the agent).
        timed_out = err == errno.EINTR and remaining == 0
        return Result(ret, err, b"" if buf is None else buf.raw[: len(data)], request, timed_out=timed_out)

    def eventfd(self, initval: int = 0, flags: int = 0) -> int:
        fd = os.eventfd(initval, flags | os.EFD_CLOEXEC)
        self._fds.add(fd)
        return fd

    @contextmanager
    def pending_signal(self, sig: int):
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
        try:
            signal.pthread_kill(threading.get_ident(), sig)
            yield
        finally:
            signal.sigtimedwait({sig}, 0)  # consumed, never delivered
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    @contextmanager
    def interval_timer(self, seconds: float):
        old = signal.signal(signal.SIGALRM, _no_op)
        signal.setitimer(signal.ITIMER_REAL, seconds, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, old)

    def nofile_limit(self, soft: int | None = None) -> int:
        return process.nofile_limit(soft)

    def capabilities(self, effective: int | None = None) -> tuple[int, int]:
        return process.capabilities(effective)

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

    def run_in_background(self, fd: int, request: int, arg: int = 0, timeout: float = 5.0) -> Result:
        if not self._background:
            self._install_handler()
        job = _Background(fd, request, arg)
        deadline = time.monotonic() + timeout
        while True:
            if job.done.is_set():
                job.leave.set()
                job.thread.join()
                self._restore_handler()
                ret, err = job.result
                if ret < 0:
                    return Result(-1, err, b"", request)
                raise RuntimeError(f"local: ioctl({fd}, {request:#x}) returned {ret} at once instead of blocking")
            line = job.syscall()
            if P.blocked_in(line, os.uname().machine, fd, request):
                self._background[job.tid] = job
                return Result(job.tid, 0, b"", request)
            if time.monotonic() > deadline:
                stopped = job.stop(1.0)
                self._restore_handler()
                raise RuntimeError(f"local: ioctl({fd}, {request:#x}) did not block within {timeout} s (its thread's "
                                   f"syscall file reads {line.strip()!r}); "
                                   + ("interrupted and joined" if stopped else "and it did not end when signalled"))
            time.sleep(0.001)  # polling the thread's state, not a guess at how long it takes

    def stop_background(self, handle: int, timeout: float = 5.0) -> Result:
        job = self._background.get(handle)
        if job is None:
            raise KeyError(f"local: no background call {handle}")
        if not job.stop(timeout):
            raise TargetLost(f"local: the background ioctl({job.fd}, {job.request:#x}) did not end within {timeout} s "
                             f"of signal {P.BG_SIGNAL}: its thread is stuck in the kernel "
                             f"(syscall file: {job.syscall().strip()!r})")
        del self._background[handle]
        self._restore_handler()
        ret, err = job.result
        return Result(ret, err, b"", job.request)

    def _install_handler(self) -> None:
        # A handler, not the default (which ends the process): delivered to the background thread, it only
        # makes the blocked call return EINTR. signal.signal works on the main thread only, as pytest runs tests.
        self._saved_handler = signal.signal(P.BG_SIGNAL, _no_op)

    def _restore_handler(self) -> None:
        if not self._background and self._saved_handler is not None:
            signal.signal(P.BG_SIGNAL, self._saved_handler)
            self._saved_handler = None

    def info(self) -> TargetInfo:
        u = os.uname()
        return TargetInfo(name=self.name, arch=self.arch, kernel_release=u.release, profile="host",
                          cpu_model=_cpu_model(), extra={"kernel_version": u.version})

    def stop(self) -> None:
        for handle in list(self._background):
            try:
                self.stop_background(handle)
            except TargetLost:
                pass  # a daemon thread: it ends with the process
        for fd in sorted(self._fds, reverse=True):
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds.clear()
        for addr, size in list(self._maps.items()):
            _munmap(addr, size)
        self._maps.clear()


def _no_op(signum, frame) -> None:
    pass


class _Background:
    """An ioctl issued on its own thread, which blocks every signal but BG_SIGNAL (so a SIGALRM of the main
    thread's, e.g. pytest-timeout's, never ends it) and stays alive until its result is collected, so that
    pthread_kill always aims at a live thread."""

    def __init__(self, fd: int, request: int, arg: int):
        self.fd, self.request, self.arg = fd, request, arg
        self.result: tuple[int, int] | None = None
        self.done, self.leave, started = threading.Event(), threading.Event(), threading.Event()
        self.tid = 0

        def main():
            signal.pthread_sigmask(signal.SIG_SETMASK, signal.valid_signals() - {P.BG_SIGNAL})
            self.tid = threading.get_native_id()
            started.set()
            ret = _ioctl(fd, request, arg)
            self.result = (ret, ctypes.get_errno() if ret < 0 else 0)
            self.done.set()
            self.leave.wait()

        self.thread = threading.Thread(target=main, name=f"kvm-abi background ioctl on fd {fd}", daemon=True)
        self.thread.start()
        started.wait()

    def syscall(self) -> str:
        try:
            with open(f"/proc/self/task/{self.tid}/syscall") as f:
                return f.read()
        except OSError as e:
            return f"({e.strerror})"

    def stop(self, timeout: float) -> bool:
        """Signal the thread until its call has returned (a signal that lands just before the call blocks is
        consumed without ending it, hence again); True once joined, False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self.result is None:
                signal.pthread_kill(self.thread.ident, P.BG_SIGNAL)
            remaining = deadline - time.monotonic()
            if self.done.wait(max(0.0, min(0.05, remaining))):
                self.leave.set()
                self.thread.join()
                return True
            if remaining <= 0:
                return False


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

