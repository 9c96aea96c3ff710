"""Guest kernels under QEMU (TCG, virtualization=on): the guest machines of abi.machines, booted as their records say.

The guest kernel runs at EL2, so its KVM works; the agent inside (agent.py) executes requests arriving over
a virtio-serial port whose host end is one half of a socketpair handed to QEMU as an fd: no socket file, no
listening socket, nothing another process could connect to.

A guest that stops answering, panics or whose QEMU dies raises TargetLost with the tail of its console and
is booted again on the next request. QEMU runs in its own process group, dies with its parent
(PR_SET_PDEATHSIG) and is killed at exit, on SIGTERM/SIGHUP and by `stop()`; its temp dir is private, named
after the test process, and removed by the next guest's start (or the pytest controller) if that process was
killed before it could remove it itself. Once the run is stopping (`stop_starting`), no guest is started.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import time
import weakref
from contextlib import contextmanager

from abi import machines, scratch
from abi.target import protocol as P
from abi.target import provision, pvh
from abi.target.base import Result, Stopping, Target, TargetInfo, TargetLost, TargetUnavailable, arg_bytes

# The kernel command line after the record's console. panic=-1 with -no-reboot: a panicking guest ends QEMU at once.
# cryptomgr.notests: the crypto self-tests are a fifth of the emulated kernel boot and test nothing KVM uses. Not
# `quiet`: a guest that does not come up leaves its story on the console (the whole boot log is ~16 KB; measured: no
# slower than quiet).
APPEND = "panic=-1 cryptomgr.notests"
CONSOLE_TAIL = 4096
# A kernel that prints nothing at all this long after QEMU started never started (a garbage or truncated Image
# whose header looked right): fail then, not after the whole boot timeout. Booting prints within ~0.1 s.
FIRST_OUTPUT_TIMEOUT = 20.0
CONSOLE_LINES = 15  # console lines shown when a guest does not come up
PR_SET_PDEATHSIG = 1

_live: weakref.WeakSet[QemuTarget] = weakref.WeakSet()
_stopping = ""  # why this process is stopping (a signal's name): no guest is started any more


def stop_starting(reason: str) -> None:
    """The run is stopping: from now on, a guest that would have to be (re)started raises Stopping instead."""
    global _stopping
    _stopping = _stopping or reason


def record(profile: str) -> machines.Machine:
    for m in machines.GUESTS:
        if m.label == profile:
            return m
    raise ValueError(f"unknown profile {profile!r}; one of {', '.join(m.label for m in machines.GUESTS)}")


def machine_args(profile: str) -> list[str]:
    """Everything on the QEMU command line that shapes the machine (and so its device tree)."""
    boot = record(profile).boot
    return ["-M", boot.machine, "-cpu", boot.cpu, "-smp", boot.smp,
            "-m", boot.memory, "-accel", "tcg", "-nodefaults", "-nic", "none", "-display", "none",
            "-monitor", "none", "-no-reboot", *boot.extra]


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if the test process dies (even SIGKILL), so does QEMU.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class QemuTarget(Target):
    def __init__(self, profile: str, kernel: str = "debian-6.1", modules: str | None = None, *,
                 boot_timeout: float = 120.0, request_timeout: float = 30.0, ioctl_timeout: float = 10.0):
        self.machine = record(profile)
        self.profile, self.name, self.arch = profile, self.machine.name, self.machine.arch
        self.kernel_spec, self.modules_dir = kernel, modules
        self.boot_timeout, self.request_timeout, self.ioctl_timeout = boot_timeout, request_timeout, ioctl_timeout
        self.boots: list[float] = []  # seconds from QEMU start to the agent's HELLO, per boot
        self.lost = 0
        self._kernel = self._initrd = self._dtb = self._boot_image = None
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._tmp: str | None = None
        self._seq = 0
        self._guard = 0
        self._pairs: dict[str, str] = {}
        self._header = bytearray(P.HEADER.size)
        self._payload = b""  # the last message's payload
        _live.add(self)

    # ---- lifecycle --------------------------------------------------------------------------------------

    def provision(self) -> None:
        """Fetch/build kernel, initramfs and (when the record strips the GIC's virtualization parts) device tree;
        raises TargetUnavailable with one line."""
        if self._kernel is None:
            system = self.machine.boot.system
            self._kernel, self._initrd = provision.assets(self.kernel_spec, self.modules_dir, system)
            self._boot_image = pvh.image(self._kernel.image) if system.pvh else self._kernel.image
            if self.machine.boot.edits_device_tree:
                self._dtb = provision.stripped_dtb(self.profile, machine_args(self.profile))

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if _stopping:
            raise Stopping(_stopping)
        self.provision()
        # seconds, not the boot timeout
        provision.check_image_file(self._kernel.image, self._kernel.name, self.machine.boot.system)
        self.stop()
        scratch.sweep("qemu")  # what killed test processes left
        self._tmp = scratch.mkdtemp("qemu")  # mode 0700
        host, guest = socket.socketpair()
        system = self.machine.boot.system
        cmd = [system.binary, *machine_args(self.profile),
               "-kernel", str(self._boot_image), "-initrd", str(self._initrd),
               "-append", f"{system.console} {APPEND}",
               "-chardev", f"file,id=con,path={self._console_path()}", "-serial", "chardev:con",
               "-device", system.serial_device,
               "-chardev", f"socket,id=agent,fd={guest.fileno()}",
               "-device", f"virtserialport,chardev=agent,name={P.PORT_NAME}",
               "-pidfile", os.path.join(self._tmp, "qemu.pid")]
        if self._dtb:
            cmd += ["-dtb", str(self._dtb)]
        started = time.monotonic()
        self._sock = host
        try:
            with open(self._qemu_log_path(), "wb") as qlog:
                self._proc = subprocess.Popen(cmd, pass_fds=[guest.fileno()], stdin=subprocess.DEVNULL,
                                              stdout=qlog, stderr=subprocess.STDOUT, start_new_session=True,
                                              preexec_fn=_die_with_parent)
        except OSError as e:
            self.stop()
            raise TargetUnavailable(f"{self.name}: cannot run {system.binary}: {e.strerror}") from None
        finally:
            guest.close()
        try:
            _, _, op, _ = self._await_hello(started)
            ret, _, tail = P.parse_result(self._payload)
        except (OSError, EOFError, P.ProtocolError) as e:
            why = self._why_down(e, booting=True)
            console = self.console_tail()
            self.stop()
            raise TargetUnavailable(f"{self.name}: guest did not come up: {why}", console) from None
        except BaseException:  # interrupted while it boots: the run is stopping
            self.stop()
            raise
        self.boots.append(time.monotonic() - started)
        if op != P.OP_HELLO or ret != P.VERSION:
            self.stop()
            raise TargetUnavailable(f"{self.name}: agent speaks protocol {ret}, host speaks {P.VERSION}")
        self._guard, has_kvm = P.HELLO_TAIL.unpack(tail)
        self._pairs = P.decode_pairs(self._call(P.OP_INFO)[2])
        if not has_kvm:
            log = [line for line in self._pairs.get("kvm_log", "").splitlines() if "kvm" in line.lower()]
            self.stop()
            raise TargetUnavailable(f"{self.name}: guest kernel {self._pairs.get('kernel_release', '?')} has no "
                                    "/dev/kvm (built without CONFIG_KVM, or not booted at EL2)"
                                    + (f": {log[-1]}" if log else ""))

    def _await_hello(self, started: float) -> tuple[int, int, int, int]:
        """The agent's first message; EOFError as soon as QEMU exits, _Said when the console stays empty or the boot
        takes too long."""
        while True:
            ready, _, _ = select.select([self._sock], [], [], 0.2)
            elapsed = time.monotonic() - started
            if ready:
                return self._receive(max(1.0, self.boot_timeout - elapsed))
            if self._proc.poll() is not None:
                raise EOFError("QEMU exited")
            if elapsed > self.boot_timeout:
                raise _Said(f"no answer within {self.boot_timeout} s")
            if elapsed > FIRST_OUTPUT_TIMEOUT and not self.console_tail(1):
                raise _Said(f"the kernel printed nothing within {FIRST_OUTPUT_TIMEOUT:.0f} s of QEMU's start: "
                              f"{self.kernel_spec} is no bootable {self.arch} kernel (damaged or truncated?)")

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            if self._proc.poll() is None:
                try:
                    os.killpg(self._proc.pid, signal.SIGKILL)  # its own group: QEMU and nothing else
                except ProcessLookupError:
                    pass
            self._proc.wait()
            self._proc = None
            self.generation += 1  # its fds and memory are gone with it
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def console_tail(self, size: int = CONSOLE_TAIL) -> str:
        """The last `size` bytes of the guest's serial console (kernel messages, init's errors)."""
        if self._tmp is None:
            return ""
        try:
            with open(self._console_path(), "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - size))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _console_path(self) -> str:
        return os.path.join(self._tmp, "console.log")

    def _qemu_log_path(self) -> str:
        return os.path.join(self._tmp, "qemu.log")

    def _why_down(self, exc: BaseException, booting: bool = False) -> str:
        """One line: why the guest is gone, from QEMU's exit, its log and the console."""
        if self._proc is not None:
            try:
                self._proc.wait(timeout=1)  # a panicking guest is ending QEMU: let it finish writing
            except subprocess.TimeoutExpired:
                pass
        console = self.console_tail()
        agent_says = re.findall(r"^kvm-abi: (.*)$", console, re.M)
        panic = re.search(r"Kernel panic - not syncing:[^\n]*", console)
        if panic:
            return panic.group(0).strip()
        if agent_says and booting:
            return agent_says[0]  # the first: later ones (the agent exited) follow from it
        if self._proc is not None and self._proc.poll() is not None:
            try:
                with open(self._qemu_log_path(), errors="replace") as f:
                    said = f.read().strip().splitlines()[-1:]  # QEMU's own error, e.g. a kernel it cannot load
            except OSError:
                said = []
            return f"QEMU exited with status {self._proc.returncode}" + "".join(f": {line}" for line in said)
        if isinstance(exc, _Said):
            return str(exc)
        if isinstance(exc, TimeoutError):
            return f"no answer within {self._sock.gettimeout() if self._sock else '?'} s"
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

    # ---- transport --------------------------------------------------------------------------------------

    def _recv_exact(self, view: memoryview) -> None:
        while view:
            n = self._sock.recv_into(view)
            if not n:
                raise EOFError("the guest closed the channel")
            view = view[n:]

    def _receive(self, timeout: float) -> tuple[int, int, int, int]:
        self._sock.settimeout(timeout)
        self._recv_exact(memoryview(self._header))
        length, seq, op, status = P.parse_header(self._header)
        payload = bytearray(length)
        self._recv_exact(memoryview(payload))
        self._payload = bytes(payload)
        return length, seq, op, status

    def _call(self, op: int, payload: bytes = b"", timeout: float | None = None) -> tuple[int, int, bytes, int]:
        """Send one request, wait for its answer: (ret, errno, data, status). Raises TargetLost."""
        __tracebackhide__ = True  # a failing test's traceback ends at the target call, not in the transport
        if not self.running:
            self.start()
        self._seq = (self._seq + 1) & 0xFFFFFFFF
        try:
            self._sock.sendall(P.frame(self._seq, op, payload))
            _, seq, rop, status = self._receive(timeout or self.request_timeout)
            if seq != self._seq or rop != op:
                raise P.ProtocolError(f"answer to request {seq} ({P.OP_NAMES.get(rop)}) while waiting for "
                                      f"{self._seq} ({P.OP_NAMES[op]})")
        except (OSError, EOFError, P.ProtocolError) as e:
            self._lose(e, op)
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) with the answer unread: the channel is out of step and the run is
            # stopping. Stop the guest now, so that no `finally` or teardown asks it anything (or boots another).
            self.stop()
            raise
        if status == P.STATUS_ERROR:
            message = self._payload.decode(errors="replace")
            raise RuntimeError(f"{self.name} agent failed on {P.OP_NAMES[op]}: {message}")
        ret, err, data = P.parse_result(self._payload)
        return ret, err, data, status

    def _lose(self, exc: BaseException, op: int):
        __tracebackhide__ = True
        why = self._why_down(exc)
        tail = self.console_tail()
        self.lost += 1
        self.stop()
        raise TargetLost(f"{self.name}: guest lost during {P.OP_NAMES[op]}: {why}", tail) from None

    # ---- the Target interface ---------------------------------------------------------------------------

    def open_kvm(self) -> int:
        ret, err, _, _ = self._call(P.OP_OPEN, P.OPEN_ARGS.pack(os.O_RDWR) + b"/dev/kvm")
        if ret < 0:
            raise OSError(err, f"{self.name}: open /dev/kvm: {os.strerror(err)}")
        return ret

    def ioctl(self, fd: int, request: int, arg=0) -> Result:
        data = arg_bytes(arg, request)
        timeout_ms = int(self.ioctl_timeout * 1000)
        payload = P.ioctl_request(fd, request, arg if data is None else data, timeout_ms)
        ret, err, out, status = self._call(P.OP_IOCTL, payload, self.ioctl_timeout + self.request_timeout)
        return Result(ret, err, out, request, timed_out=status == P.STATUS_TIMEOUT)

    @contextmanager
    def time_limit(self, seconds: float):
        """The agent's ioctl timer set to `seconds` instead of ioctl_timeout (the bound on every ioctl, which a
        call expected to block would otherwise run into, or wait out)."""
        saved = self.ioctl_timeout
        self.ioctl_timeout = seconds
        try:
            yield
        finally:
            self.ioctl_timeout = saved

    def close(self, fd: int) -> int:
        return self._call(P.OP_CLOSE, P.I32.pack(fd))[1]

    def _checked(self, what: str, op: int, payload: bytes) -> tuple[int, bytes]:
        ret, err, data, _ = self._call(op, payload)
        if ret < 0:
            raise OSError(err, f"{self.name}: {what}: {os.strerror(err)}")
        return ret, data

    def alloc(self, size: int) -> int:
        return self._checked("alloc", P.OP_ALLOC, P.U64.pack(size))[0]

    def read(self, addr: int, size: int) -> bytes:
        return self._checked(f"read {size} bytes at {addr:#x}", P.OP_READ, P.TWO_U64.pack(addr, size))[1]

    def write(self, addr: int, data: bytes) -> None:
        self._checked(f"write {len(data)} bytes at {addr:#x}", P.OP_WRITE, P.U64.pack(addr) + bytes(data))

    def mmap(self, fd: int, size: int, offset: int = 0) -> int:
        return self._checked(f"mmap fd {fd}", P.OP_MMAP, P.MMAP_ARGS.pack(fd, size, offset))[0]

    def munmap(self, addr: int, size: int) -> None:
        self._checked(f"munmap {addr:#x}", P.OP_MUNMAP, P.TWO_U64.pack(addr, size))

    def eventfd(self, initval: int = 0, flags: int = 0) -> int:
        return self._checked("eventfd", P.OP_EVENTFD, P.EVENTFD_ARGS.pack(initval, flags))[0]

    def nofile_limit(self, soft: int | None = None) -> int:
        return self._checked("RLIMIT_NOFILE", P.OP_PROCESS,
                             P.PROCESS_ARGS.pack(P.PROCESS_NOFILE, P.KEEP if soft is None else soft))[0]

    def capabilities(self, effective: int | None = None) -> tuple[int, int]:
        data = self._checked("capabilities", P.OP_PROCESS,
                             P.PROCESS_ARGS.pack(P.PROCESS_CAPS, P.KEEP if effective is None else effective))[1]
        return P.CAPS.unpack(data)

    @contextmanager
    def pending_signal(self, sig: int):
        self._checked("pending signal", P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_PENDING, sig))
        try:
            yield
        finally:
            if self.running:  # a guest lost inside is gone with the setting
                self._checked("pending signal", P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_PENDING, 0))

    @contextmanager
    def interval_timer(self, seconds: float):
        period = max(1, int(seconds * 1e6))
        self._checked("interval timer", P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_INTERVAL, period))
        try:
            yield
        finally:
            if self.running:
                self._checked("interval timer", P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_INTERVAL, 0))

    def run_in_background(self, fd: int, request: int, arg: int = 0, timeout: float = 10.0) -> Result:
        args = P.BG_RUN_ARGS.pack(fd, request, arg & (2**64 - 1), int(timeout * 1000))
        ret, err, _, _ = self._call(P.OP_BG_RUN, args, timeout + self.request_timeout)
        return Result(ret, err, b"", request)

    def stop_background(self, handle: int, timeout: float = 10.0) -> Result:
        __tracebackhide__ = True
        ret, err, _, status = self._call(P.OP_BG_STOP, P.BG_STOP_ARGS.pack(handle, int(timeout * 1000)),
                                         timeout + self.request_timeout)
        if status == P.STATUS_TIMEOUT:
            # The thread sleeps in the kernel holding a vCPU's mutex: nothing in this guest can free it.
            tail = self.console_tail()
            self.lost += 1
            self.stop()
            raise TargetLost(f"{self.name}: background call {handle} did not end within {timeout} s of its signal; "
                             "guest stopped (the next request boots it again)", tail)
        return Result(ret, err, b"")

    def bad_address(self) -> int:
        if not self.running:
            self.start()
        return self._guard

    def nop(self, data: bytes = b"") -> bytes:
        """A round trip that does nothing in the guest (benchmark, liveness)."""
        return self._call(P.OP_NOP, data)[2]

    def info(self) -> TargetInfo:
        if not self.running:
            self.start()
        pairs = self._pairs
        # The CPU's features as /proc/cpuinfo names them: arm64's Features, x86's flags, riscv's isa string.
        features = re.search(r"^(?:Features|flags|isa)\s*:\s*(.*)$", pairs.get("cpuinfo", ""), re.M)
        return TargetInfo(
            name=self.name, arch=self.arch, kernel_release=pairs.get("kernel_release", ""), profile=self.profile,
            qemu_version=provision.qemu_version(self.machine.boot.system.binary),
            cpu_model=f"{self.machine.boot.cpu} (QEMU TCG, {self.machine.boot.machine}): {self.machine.summary}",
            extra={"kernel": self.kernel_spec, "kernel_version": pairs.get("kernel_version", ""),
                   "cpu_features": features.group(1) if features else "", "guest_python": pairs.get("python", ""),
                   "boot_seconds": f"{self.boots[-1]:.2f}" if self.boots else "", "restarts": str(self.lost)})

    # ---- test hooks (robustness tests only) -------------------------------------------------------------

    def debug(self, action: int, arg: bytes = b"", timeout: float | None = None) -> tuple[int, int]:
        ret, err, _, _ = self._call(P.OP_DEBUG, bytes([action]) + arg, timeout)
        return ret, err

    def qemu_pid(self) -> int | None:
        return self._proc.pid if self.running else None


class _Said(TimeoutError):
    """A boot that waited too long, its message already the reason to show (a socket's own timeout says only
    "timed out")."""


def stop_all() -> None:
    for target in list(_live):
        target.stop()


def _on_signal(signum, frame):
    stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


atexit.register(stop_all)
for _sig in (signal.SIGTERM, signal.SIGHUP):
    # Only where nobody else handles it: SIGINT is pytest's (KeyboardInterrupt runs the teardown).
    try:
        if signal.getsignal(_sig) is signal.SIG_DFL:
            signal.signal(_sig, _on_signal)
    except ValueError:  # imported outside the main thread: atexit and PR_SET_PDEATHSIG still apply
        pass
