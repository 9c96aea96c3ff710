"""The in-guest agent: executes the host's requests (see protocol.py) on the guest kernel's /dev/kvm.

Runs inside the guest under Debian's arm64 Python 3.11 as `python3 -S agent.py [/dev/vportNpM]`; standard
library only, with protocol.py copied beside it. One request at a time, in order: the host is a single
pytest worker, so there is nothing to gain from concurrency and a lot to lose in clarity. The one exception is
BG_RUN: an ioctl (a vCPU's KVM_RUN) left blocked on a second thread, so that a vCPU's mutex is held while the
main thread issues the call under test; BG_STOP interrupts it with a signal and joins the thread.

Memory accesses go through process_vm_readv/writev on the agent itself, so a bad address comes back as
EFAULT instead of killing the agent. An ioctl is bounded by an interval timer: SIGALRM interrupts a blocking
KVM_RUN (it returns EINTR with a pending signal), and the response says the request timed out.
"""

# The C module, not `signal`: that one imports enum, a tenth of the agent's emulated start-up time.
# (No `from __future__ import annotations` either: one module less to import at every boot.)
import _signal as signal
import _thread
import ctypes
import errno
import mmap
import os
import sys
import time

import process
import protocol as P

libc = ctypes.CDLL(None, use_errno=True)

_ioctl = libc.ioctl
_ioctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)
_ioctl.restype = ctypes.c_int
_mmap = libc.mmap
_mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
_mmap.restype = ctypes.c_void_p
_munmap = libc.munmap
_munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_munmap.restype = ctypes.c_int


class iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


_vm_readv = libc.process_vm_readv
_vm_writev = libc.process_vm_writev
for _f in (_vm_readv, _vm_writev):
    _f.argtypes = (ctypes.c_int, ctypes.POINTER(iovec), ctypes.c_ulong, ctypes.POINTER(iovec), ctypes.c_ulong,
                   ctypes.c_ulong)
    _f.restype = ctypes.c_ssize_t

PAGE = mmap.PAGESIZE
MAP_FAILED = ctypes.c_void_p(-1).value
PID = os.getpid()


def _anon(size: int, prot: int) -> tuple[int, int]:
    addr = _mmap(None, size, prot, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if addr in (MAP_FAILED, None):
        return -1, ctypes.get_errno()
    return addr, 0


GUARD, _ = _anon(PAGE, 0)  # PROT_NONE: every access faults, the EFAULT argument


def _vm_copy(fn, addr: int, buf) -> tuple[int, int]:
    """Copy between `buf` and `addr` in our own address space, faults reported as errno."""
    n = len(buf)
    local = iovec(ctypes.addressof(buf), n)
    remote = iovec(addr, n)
    ret = fn(PID, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    if ret < 0:
        return -1, ctypes.get_errno()
    if ret != n:
        return -1, errno.EFAULT
    return n, 0


def _alarm(signum, frame):
    pass  # only there so SIGALRM interrupts the blocked ioctl instead of killing the agent


signal.signal(signal.SIGALRM, _alarm)
signal.signal(P.BG_SIGNAL, _alarm)  # likewise: the signal that ends a background call


def op_hello(_payload):
    return P.result(P.VERSION, 0, P.HELLO_TAIL.pack(GUARD, os.path.exists("/dev/kvm"))), P.STATUS_OK


def op_nop(payload):
    return P.result(0, 0, payload), P.STATUS_OK


def op_open(payload):
    (flags,) = P.OPEN_ARGS.unpack_from(payload)
    path = payload[P.OPEN_ARGS.size:].decode()
    try:
        return P.result(os.open(path, flags | os.O_CLOEXEC)), P.STATUS_OK
    except OSError as e:
        return P.result(-1, e.errno), P.STATUS_OK


def op_ioctl(payload):
    fd, request, kind, timeout_ms = P.IOCTL_HEAD.unpack_from(payload)
    rest = payload[P.IOCTL_HEAD.size:]
    buf = None
    if kind == P.KIND_VALUE:
        (arg,) = P.U64.unpack(rest)
    else:
        buf = ctypes.create_string_buffer(rest, max(len(rest), 1))
        arg = ctypes.addressof(buf)
    pending, interval = SIGNALS["pending"], SIGNALS["interval_us"] / 1e6
    if pending:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {pending})
        signal.pthread_kill(_thread.get_ident(), pending)
    if interval:
        signal.setitimer(signal.ITIMER_REAL, interval, interval)  # SIGALRM's handler: the call returns EINTR
    elif timeout_ms:
        signal.setitimer(signal.ITIMER_REAL, timeout_ms / 1000)
    ret = _ioctl(fd, request, arg)
    err = ctypes.get_errno() if ret < 0 else 0
    status = P.STATUS_OK
    if interval or timeout_ms:
        # A one-shot timer that has already fired reads back as zero: that, with EINTR, is our timeout.
        remaining = signal.setitimer(signal.ITIMER_REAL, 0)[0]
        if err == errno.EINTR and remaining == 0 and not interval:
            status = P.STATUS_TIMEOUT
    if pending:
        signal.sigtimedwait({pending}, 0)  # consumed, never delivered: its default action would end the agent
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    out = buf.raw[: len(rest)] if buf is not None else b""
    return P.result(ret, err, out), status


def op_close(payload):
    (fd,) = P.I32.unpack(payload)
    try:
        os.close(fd)
        return P.result(0), P.STATUS_OK
    except OSError as e:
        return P.result(-1, e.errno), P.STATUS_OK


def op_alloc(payload):
    (size,) = P.U64.unpack(payload)
    size = max(PAGE, -(-size // PAGE) * PAGE)
    addr, err = _anon(size, mmap.PROT_READ | mmap.PROT_WRITE)
    return P.result(addr, err), P.STATUS_OK


def op_read(payload):
    addr, size = P.TWO_U64.unpack(payload)
    buf = ctypes.create_string_buffer(size)
    ret, err = _vm_copy(_vm_readv, addr, buf)
    return P.result(ret, err, buf.raw if ret >= 0 else b""), P.STATUS_OK


def op_write(payload):
    (addr,) = P.U64.unpack_from(payload)
    data = payload[P.U64.size:]
    buf = ctypes.create_string_buffer(data, len(data))
    ret, err = _vm_copy(_vm_writev, addr, buf)
    return P.result(ret, err), P.STATUS_OK


def op_mmap(payload):
    fd, size, offset = P.MMAP_ARGS.unpack(payload)
    flags = mmap.MAP_SHARED | (mmap.MAP_ANONYMOUS if fd == -1 else 0)
    addr = _mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE, flags, fd, offset)
    if addr in (MAP_FAILED, None):
        return P.result(-1, ctypes.get_errno()), P.STATUS_OK
    return P.result(addr), P.STATUS_OK


def op_munmap(payload):
    addr, size = P.TWO_U64.unpack(payload)
    ret = _munmap(addr, size)
    return P.result(ret, ctypes.get_errno() if ret < 0 else 0), P.STATUS_OK


def _read_text(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError as e:
        return f"({path}: {e.strerror})"


def _kvm_kmsg() -> str:
    """Kernel log lines about KVM: why /dev/kvm is missing, in the kernel's words."""
    lines = []
    try:
        fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        while True:
            try:
                rec = os.read(fd, 8192).decode("utf-8", "replace")
            except BlockingIOError:
                break
            except OSError:  # EPIPE: a record was overwritten while reading; keep going
                continue
            msg = rec.split(";", 1)[-1].strip()
            if "kvm" in msg.lower() or "el2" in msg.lower() or "gic" in msg.lower():
                lines.append(msg)
    finally:
        os.close(fd)
    return "\n".join(lines)


def op_info(_payload):
    u = os.uname()
    pairs = {
        "kernel_release": u.release,
        "kernel_version": u.version,
        "machine": u.machine,
        "cpuinfo": _read_text("/proc/cpuinfo"),
        "kvm": "yes" if os.path.exists("/dev/kvm") else "no",
        "kvm_log": _kvm_kmsg(),
        "python": sys.version.split()[0],
        "uptime": _read_text("/proc/uptime").split()[0],
    }
    return P.result(0, 0, P.encode_pairs(pairs)), P.STATUS_OK


def op_debug(payload):
    action, arg = payload[0], payload[1:]
    if action == P.DEBUG_SYSRQ:
        try:
            with open("/proc/sysrq-trigger", "wb", buffering=0) as f:
                f.write(arg)
        except OSError as e:
            return P.result(-1, e.errno), P.STATUS_OK
        return P.result(0), P.STATUS_OK
    if action == P.DEBUG_HANG:
        while True:
            signal.pause()
    if action == P.DEBUG_EXIT:
        os._exit(0)
    return P.result(-1, errno.EINVAL), P.STATUS_OK


# --- background calls (BG_RUN / BG_STOP) ---------------------------------------------------------------

BACKGROUND = {}  # handle (the thread's tid) -> job
MACHINE = os.uname().machine


class _Job:
    def __init__(self, fd, request, value):
        self.fd, self.request, self.value = fd, request, value
        self.tid = 0
        self.ident = 0
        self.result = None  # (ret, errno) once the call returned
        self.started = _thread.allocate_lock()
        self.done = _thread.allocate_lock()
        # Held until the result is collected: the thread outlives every pthread_kill aimed at it.
        self.leave = _thread.allocate_lock()
        for lock in (self.started, self.done, self.leave):
            lock.acquire()

    def main(self):
        self.tid = _thread.get_native_id()
        self.started.release()
        ret = _ioctl(self.fd, self.request, self.value)
        self.result = (ret, ctypes.get_errno() if ret < 0 else 0)
        self.done.release()
        self.leave.acquire()

    def collect(self):
        self.done.acquire()
        self.leave.release()
        return self.result

    def syscall(self):
        return _read_text(f"/proc/self/task/{self.tid}/syscall")

    def stop(self, timeout):
        """Signal the thread until its call has returned (a signal that lands just before the call blocks is
        consumed without ending it, hence again); True once joined, False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self.result is None:
                signal.pthread_kill(self.ident, P.BG_SIGNAL)
            remaining = deadline - time.monotonic()
            if self.done.acquire(True, max(0.0, min(0.05, remaining))):
                self.leave.release()
                return True
            if remaining <= 0:
                return False


def _start_blocked(fd, request, value):
    """A thread issuing the ioctl with every signal blocked but BG_SIGNAL: the main thread's SIGALRM (an ioctl's
    time limit) must land on the main thread, never end the background call."""
    job = _Job(fd, request, value)
    old = signal.pthread_sigmask(signal.SIG_SETMASK, signal.valid_signals() - {P.BG_SIGNAL})
    try:
        job.ident = _thread.start_new_thread(job.main, ())
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    job.started.acquire()
    return job


def op_bg_run(payload):
    fd, request, value, timeout_ms = P.BG_RUN_ARGS.unpack(payload)
    job = _start_blocked(fd, request, value)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        if job.result is not None:
            ret, err = job.collect()
            if ret < 0:
                return P.result(-1, err), P.STATUS_OK
            raise RuntimeError(f"ioctl({fd}, {request:#x}) returned {ret} at once instead of blocking")
        line = job.syscall()
        if P.blocked_in(line, MACHINE, fd, request):
            BACKGROUND[job.tid] = job
            return P.result(job.tid), P.STATUS_OK
        if time.monotonic() > deadline:
            stopped = job.stop(1.0)
            raise RuntimeError(f"ioctl({fd}, {request:#x}) did not block within {timeout_ms} ms (its thread's "
                               f"syscall file reads {line.strip()!r}); "
                               + ("interrupted and joined" if stopped else "and it did not end when signalled"))
        time.sleep(0.001)  # polling the thread's state, not a guess at how long it takes


def op_bg_stop(payload):
    handle, timeout_ms = P.BG_STOP_ARGS.unpack(payload)
    job = BACKGROUND.get(handle)
    if job is None:
        raise KeyError(f"no background call {handle}")
    if not job.stop(timeout_ms / 1000):
        return P.result(-1, errno.ETIMEDOUT), P.STATUS_TIMEOUT
    del BACKGROUND[handle]
    return P.result(*job.result), P.STATUS_OK


def op_eventfd(payload):
    initval, flags = P.EVENTFD_ARGS.unpack(payload)
    try:
        return P.result(os.eventfd(initval, flags | os.EFD_CLOEXEC)), P.STATUS_OK
    except OSError as e:
        return P.result(-1, e.errno), P.STATUS_OK


# Set by PROCESS for every ioctl until unset: the signal kept pending (blocked in the thread, raised before the
# call, consumed after it) and the period of a SIGALRM interval timer running during the call (instead of the
# one-shot timeout).
SIGNALS = {"pending": 0, "interval_us": 0}


def op_process(payload):
    action, value = P.PROCESS_ARGS.unpack(payload)
    given = None if value == P.KEEP else value
    if action == P.PROCESS_PENDING:
        SIGNALS["pending"] = value
        return P.result(0), P.STATUS_OK
    if action == P.PROCESS_INTERVAL:
        SIGNALS["interval_us"] = value
        return P.result(0), P.STATUS_OK
    try:
        if action == P.PROCESS_NOFILE:
            return P.result(process.nofile_limit(given)), P.STATUS_OK
        if action == P.PROCESS_CAPS:
            return P.result(0, 0, P.CAPS.pack(*process.capabilities(given))), P.STATUS_OK
    except OSError as e:
        return P.result(-1, e.errno), P.STATUS_OK
    raise ValueError(f"unknown PROCESS action {action}")


HANDLERS = {
    P.OP_HELLO: op_hello, P.OP_NOP: op_nop, P.OP_OPEN: op_open, P.OP_IOCTL: op_ioctl, P.OP_CLOSE: op_close,
    P.OP_ALLOC: op_alloc, P.OP_READ: op_read, P.OP_WRITE: op_write, P.OP_MMAP: op_mmap,
    P.OP_MUNMAP: op_munmap, P.OP_INFO: op_info, P.OP_DEBUG: op_debug, P.OP_BG_RUN: op_bg_run,
    P.OP_BG_STOP: op_bg_stop, P.OP_EVENTFD: op_eventfd, P.OP_PROCESS: op_process,
}


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        try:
            chunk = os.read(fd, n)
        except InterruptedError:
            continue
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def serve(fd: int) -> None:
    write_all(fd, P.frame(0, P.OP_HELLO, op_hello(b"")[0]))
    header_size = P.HEADER.size
    while True:
        length, seq, op, _status = P.parse_header(read_exact(fd, header_size))
        payload = read_exact(fd, length) if length else b""
        try:
            body, status = HANDLERS[op](payload)
        except Exception as e:  # a malformed request must not take the agent down; say what broke
            body, status = f"{type(e).__name__}: {e}".encode(), P.STATUS_ERROR
        write_all(fd, P.frame(seq, op, body, status))


PORT_FD = 1000  # out of the way of the small fd numbers tests get and close, as they would on the host
PORTS = "/sys/class/virtio-ports"


def find_port(timeout: float = 10.0) -> str | None:
    """/dev/vportNpM of the port named protocol.PORT_NAME; init loads its driver while we start up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for port in os.listdir(PORTS):
                with open(f"{PORTS}/{port}/name") as f:
                    if f.read().strip() == P.PORT_NAME and os.path.exists(f"/dev/{port}"):
                        return f"/dev/{port}"
        except OSError:
            pass  # the driver is not there yet
        time.sleep(0.005)
    return None


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else find_port()
    if path is None:
        # Read by the host from the console: the one line it reports.
        print(f"kvm-abi: no virtio-serial port named {P.PORT_NAME} (virtio_console neither built in nor loaded: "
              "pass --guest-modules DIR)", flush=True)
        return 3
    opened = os.open(path, os.O_RDWR)
    fd = os.dup2(opened, PORT_FD, inheritable=False)
    os.close(opened)
    try:
        serve(fd)
    except EOFError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
