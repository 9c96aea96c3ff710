"""The host/agent wire protocol (abi/target/protocol.py) and the agent's request handlers, run on the host.

The agent is plain Python over libc, so its handlers run here too: what they answer to a request is what
the guest's agent answers, minus the guest.
"""

import errno
import os
import signal
import socket
import sys
import threading
from pathlib import Path

import pytest

from abi.target import protocol as P

sys.path.insert(0, str(Path(P.__file__).parent))  # the agent imports `protocol` as in the guest
import agent  # noqa: E402


def test_frame_round_trip():
    data = P.frame(7, P.OP_IOCTL, b"abc", P.STATUS_TIMEOUT)
    assert len(data) == P.HEADER.size + 3
    assert P.parse_header(data[: P.HEADER.size]) == (3, 7, P.OP_IOCTL, P.STATUS_TIMEOUT)


def test_corrupt_header_is_refused():
    with pytest.raises(P.ProtocolError, match="out of sync"):
        P.parse_header(P.HEADER.pack(P.MAX_PAYLOAD + 1, 1, P.OP_NOP, 0))
    with pytest.raises(P.ProtocolError, match="unknown op"):
        P.parse_header(P.HEADER.pack(0, 1, 200, 0))


def test_result_and_pairs():
    assert P.parse_result(P.result(-1, errno.EFAULT, b"xy")) == (-1, errno.EFAULT, b"xy")
    with pytest.raises(P.ProtocolError):
        P.parse_result(b"\0" * 3)
    pairs = {"kernel_release": "6.1.0", "cpuinfo": "a\nb: c"}
    assert P.decode_pairs(P.encode_pairs(pairs)) == pairs
    assert P.decode_pairs(b"") == {}


def test_ioctl_request_encodes_value_and_buffer():
    by_value = P.ioctl_request(3, 0xAE03, -1, 500)
    fd, req, kind, timeout = P.IOCTL_HEAD.unpack_from(by_value)
    assert (fd, req, kind, timeout) == (3, 0xAE03, P.KIND_VALUE, 500)
    assert P.U64.unpack_from(by_value, P.IOCTL_HEAD.size)[0] == 2**64 - 1  # passed as the raw register value
    by_buffer = P.ioctl_request(3, 0xAE03, b"\1\2", 0)
    assert by_buffer[P.IOCTL_HEAD.size:] == b"\1\2"
    assert P.IOCTL_HEAD.unpack_from(by_buffer)[2] == P.KIND_BUFFER


def call(op, payload=b""):
    body, status = agent.HANDLERS[op](payload)
    return status, *P.parse_result(body)


def test_agent_memory_faults_are_errno_not_crashes():
    addr = call(P.OP_ALLOC, P.U64.pack(10))[1]
    assert call(P.OP_WRITE, P.U64.pack(addr) + b"hello")[1:3] == (5, 0)
    assert call(P.OP_READ, P.TWO_U64.pack(addr, 5))[3] == b"hello"
    assert call(P.OP_READ, P.TWO_U64.pack(agent.GUARD, 8))[1:3] == (-1, errno.EFAULT)
    assert call(P.OP_WRITE, P.U64.pack(agent.GUARD) + b"x")[1:3] == (-1, errno.EFAULT)


def test_agent_mmap_of_fd_minus_one_is_anonymous_shared_memory():
    status, addr, err, _ = call(P.OP_MMAP, P.MMAP_ARGS.pack(-1, 8192, 0))
    assert (status, err) == (P.STATUS_OK, 0) and addr > 0 and addr % 4096 == 0
    with open("/proc/self/maps") as f:
        line = next(m for m in f if int(m.split("-")[0], 16) == addr)
    assert line.split()[1] == "rw-s"  # shared, not the private memory of ALLOC
    assert call(P.OP_WRITE, P.U64.pack(addr + 4096) + b"kvm")[1:3] == (3, 0)
    assert call(P.OP_READ, P.TWO_U64.pack(addr, 8))[3] == bytes(8)
    assert call(P.OP_MUNMAP, P.TWO_U64.pack(addr, 8192))[1:3] == (0, 0)


def test_version_5_is_what_both_ends_speak():
    # 2: MMAP with fd -1 (anonymous shared memory); 3: BG_RUN, BG_STOP; 4: EVENTFD; 5: PROCESS
    assert P.VERSION == 5
    status, ret, err, tail = call(P.OP_HELLO)
    assert (ret, err) == (P.VERSION, 0) and P.HELLO_TAIL.unpack(tail)[0] == agent.GUARD


def test_agent_eventfd_is_a_counter_fd():
    status, fd, err, _ = call(P.OP_EVENTFD, P.EVENTFD_ARGS.pack(3, 0))
    assert (status, err) == (P.STATUS_OK, 0) and fd >= 0
    try:
        assert os.eventfd_read(fd) == 3
        assert not os.get_inheritable(fd)
    finally:
        os.close(fd)
    assert call(P.OP_EVENTFD, P.EVENTFD_ARGS.pack(0, -1))[1:3] == (-1, errno.EINVAL)


def test_agent_process_limits_fds_and_drops_capabilities_then_restores_them():
    """What the x86 cases change in the process issuing the ioctls, done by the agent in its own (here: this
    test's process, as on the local target)."""
    status, soft, err, _ = call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_NOFILE, P.KEEP))
    assert (status, err) == (P.STATUS_OK, 0) and soft > 0
    try:
        with pytest.raises(OSError) as full:
            os.open(os.devnull, os.O_RDONLY)
        assert full.value.errno == errno.EMFILE
    finally:
        status, lowest, err, _ = call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_NOFILE, soft))
    assert (status, err) == (P.STATUS_OK, 0) and 0 < lowest < soft
    os.close(os.open(os.devnull, os.O_RDONLY))
    status, ret, err, tail = call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_CAPS, P.KEEP))
    effective, permitted = P.CAPS.unpack(tail)
    assert (status, ret, err) == (P.STATUS_OK, 0, 0) and effective & ~permitted == 0
    if not effective & 1:
        pytest.skip("no CAP_CHOWN to drop in this process")
    try:
        status, ret, err, tail = call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_CAPS, effective & ~1))
        assert P.CAPS.unpack(tail)[0] == effective & ~1 == agent.process.capabilities()[0]
    finally:
        agent.process.capabilities(effective)


def test_agent_ioctl_reports_errno_and_bytes():
    r, w = os.pipe()
    try:
        # FIONREAD (_IOR('T', 0x1B, int) on the asm-generic layout) on an empty pipe: 0 bytes, written back.
        status, ret, err, out = call(P.OP_IOCTL, P.ioctl_request(r, 0x541B, b"\xff" * 4, 0))
        assert (status, ret, err, out) == (P.STATUS_OK, 0, 0, b"\0" * 4)
        status, ret, err, out = call(P.OP_IOCTL, P.ioctl_request(r, 0x541B, agent.GUARD, 0))
        assert (ret, err) == (-1, errno.EFAULT)
    finally:
        os.close(r)
        os.close(w)


def test_agent_ioctl_timeout_is_reported(monkeypatch):
    """The time limit interrupts a call that would block forever (a vCPU looping in KVM_RUN in the guest;
    here a read() of an empty pipe through the same ctypes path) and the answer says so."""
    r, w = os.pipe()
    read = agent.libc.read
    read.argtypes = (agent.ctypes.c_int, agent.ctypes.c_void_p, agent.ctypes.c_size_t)
    monkeypatch.setattr(agent, "_ioctl", lambda fd, request, arg: read(fd, arg, 1))
    try:
        status, ret, err, _ = call(P.OP_IOCTL, P.ioctl_request(r, 0, b"\0", 50))
        assert (status, ret, err) == (P.STATUS_TIMEOUT, -1, errno.EINTR)
        os.write(w, b"x")  # the same call that does not block is not a timeout
        status, ret, err, out = call(P.OP_IOCTL, P.ioctl_request(r, 0, b"\0", 5000))
        assert (status, ret, out) == (P.STATUS_OK, 1, b"x")
    finally:
        os.close(r)
        os.close(w)


def test_agent_interval_timer_and_pending_signal_end_a_blocked_call_with_eintr_not_a_timeout(monkeypatch):
    """PROCESS INTERVAL: SIGALRM every period ends a blocked call with EINTR, reported as the call's own answer (not
    the agent's timeout); PROCESS PENDING: the signal is pending, blocked, during the call and consumed after it
    (a pending unblocked signal ends KVM_RUN; read() of a pipe ignores a blocked one, so the timeout ends it)."""
    r, w = os.pipe()
    read = agent.libc.read
    read.argtypes = (agent.ctypes.c_int, agent.ctypes.c_void_p, agent.ctypes.c_size_t)
    seen = []

    def blocked_read(fd, request, arg):
        seen.append(signal.sigpending())
        return read(fd, arg, 1)

    monkeypatch.setattr(agent, "_ioctl", blocked_read)
    try:
        assert call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_INTERVAL, 20_000))[:3] == (P.STATUS_OK, 0, 0)
        try:
            status, ret, err, _ = call(P.OP_IOCTL, P.ioctl_request(r, 0, b"\0", 5000))
        finally:
            call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_INTERVAL, 0))
        assert (status, ret, err) == (P.STATUS_OK, -1, errno.EINTR)
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_PENDING, signal.SIGUSR1))
        try:
            status, ret, err, _ = call(P.OP_IOCTL, P.ioctl_request(r, 0, b"\0", 50))
        finally:
            call(P.OP_PROCESS, P.PROCESS_ARGS.pack(P.PROCESS_PENDING, 0))
        assert (status, err) == (P.STATUS_TIMEOUT, errno.EINTR)
        assert seen[-1] == {signal.SIGUSR1} and signal.sigpending() == set()
        assert signal.SIGUSR1 not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        os.close(r)
        os.close(w)


def test_agent_malformed_request_is_an_error_answer():
    a, b = socket.socketpair()
    t = threading.Thread(target=lambda: _serve(b), daemon=True)
    t.start()
    try:
        hello = a.recv(P.HEADER.size + 64)
        assert P.parse_header(hello[: P.HEADER.size])[2] == P.OP_HELLO
        a.sendall(P.frame(5, P.OP_CLOSE, b"\1"))  # an i32 needs 4 bytes
        reply = a.recv(4096)
        length, seq, op, status = P.parse_header(reply[: P.HEADER.size])
        assert (seq, op, status) == (5, P.OP_CLOSE, P.STATUS_ERROR)
        assert b"error" in reply[P.HEADER.size:].lower()
        a.sendall(P.frame(6, P.OP_NOP, b"still here"))
        reply = a.recv(4096)
        assert P.parse_result(reply[P.HEADER.size:])[2] == b"still here"
    finally:
        a.close()
        t.join(5)


def _serve(sock):
    try:
        agent.serve(sock.fileno())
    except EOFError:
        pass
    finally:
        sock.close()


def test_background_requests_round_trip():
    payload = P.BG_RUN_ARGS.pack(5, 0xAE80, 0, 2000)
    assert P.parse_header(P.frame(9, P.OP_BG_RUN, payload)[: P.HEADER.size]) == (len(payload), 9, P.OP_BG_RUN, 0)
    assert P.BG_RUN_ARGS.unpack(payload) == (5, 0xAE80, 0, 2000)
    assert P.BG_STOP_ARGS.unpack(P.BG_STOP_ARGS.pack(1234, 500)) == (1234, 500)
    assert {P.OP_NAMES[P.OP_BG_RUN], P.OP_NAMES[P.OP_BG_STOP]} == {"bg_run", "bg_stop"}


def test_blocked_in_reads_the_syscall_file():
    line = "29 0x5 0xae80 0x0 0x0 0x0 0x0 0xffffd0c8 0xffff8a8b"
    assert P.blocked_in(line, "aarch64", 5, 0xAE80)
    assert not P.blocked_in(line, "aarch64", 6, 0xAE80)  # another fd
    assert not P.blocked_in(line, "aarch64", 5, 0xAE81)  # another request
    assert not P.blocked_in(line, "x86_64", 5, 0xAE80)  # 29 is not ioctl there
    assert not P.blocked_in("running", "aarch64", 5, 0xAE80)  # on a CPU: not yet (or no longer) asleep in it
    assert not P.blocked_in("-1 0xffffd0c8 0xffff8a8b", "aarch64", 5, 0xAE80)  # in user space


NR_READ = {"x86_64": 0, "aarch64": 63, "riscv64": 63}


@pytest.fixture
def blocking_read(monkeypatch):
    """The agent's background ioctl made a read() of an empty pipe, through the same ctypes path and thread:
    it blocks in the kernel until a signal, as KVM_RUN of a waiting vCPU does. `request` is then read()'s buffer
    (its second argument, where the syscall file shows an ioctl's request)."""
    if agent.MACHINE not in NR_READ:
        pytest.skip(f"read()'s system call number on {agent.MACHINE} is not listed here")
    read = agent.libc.read
    read.argtypes = (agent.ctypes.c_int, agent.ctypes.c_void_p, agent.ctypes.c_size_t)
    monkeypatch.setattr(agent, "_ioctl", lambda fd, request, arg: read(fd, request, 1))
    monkeypatch.setitem(agent.P.NR_IOCTL, agent.MACHINE, NR_READ[agent.MACHINE])  # the agent's own `protocol`
    buf = agent.ctypes.create_string_buffer(8)
    r, w = os.pipe()
    yield r, w, agent.ctypes.addressof(buf)
    os.close(r)
    os.close(w)


def test_agent_background_call_blocks_then_stops_with_eintr(blocking_read):
    r, _, request = blocking_read
    status, handle, err, _ = call(P.OP_BG_RUN, P.BG_RUN_ARGS.pack(r, request, 0, 5000))
    assert (status, err) == (P.STATUS_OK, 0) and handle > 0
    with open(f"/proc/self/task/{handle}/syscall") as f:
        assert agent.P.blocked_in(f.read(), agent.MACHINE, r, request)  # asleep in the call when BG_RUN answered
    assert call(P.OP_NOP, b"main thread")[3] == b"main thread"
    assert call(P.OP_BG_STOP, P.BG_STOP_ARGS.pack(handle, 5000))[:3] == (P.STATUS_OK, -1, errno.EINTR)
    assert handle not in agent.BACKGROUND
    with pytest.raises(KeyError):
        call(P.OP_BG_STOP, P.BG_STOP_ARGS.pack(handle, 5000))


def test_agent_background_call_that_returns_is_reported(blocking_read):
    r, w, request = blocking_read
    assert call(P.OP_BG_RUN, P.BG_RUN_ARGS.pack(-1, request, 0, 5000))[1:3] == (-1, errno.EBADF)  # fails at once
    os.write(w, b"x")  # a read that does not block returns 1: not a background call
    with pytest.raises(RuntimeError, match="at once instead of blocking"):
        call(P.OP_BG_RUN, P.BG_RUN_ARGS.pack(r, request, 0, 5000))


def test_agent_background_call_that_never_blocks_is_bounded(blocking_read, monkeypatch):
    """A call that does not (visibly) block within its time limit: the thread is interrupted and joined, and the
    answer says why instead of the agent waiting for ever."""
    r, _, request = blocking_read
    monkeypatch.setattr(agent.P, "blocked_in", lambda *args: False)
    with pytest.raises(RuntimeError, match="did not block within 100 ms.*interrupted and joined"):
        call(P.OP_BG_RUN, P.BG_RUN_ARGS.pack(r, request, 0, 100))
    assert not agent.BACKGROUND


def test_agent_background_call_that_will_not_stop_times_out(blocking_read):
    """A thread whose call ignores the signal (here: the signal is blocked in it) is reported as STATUS_TIMEOUT,
    not waited for; the host then gives the guest up (QemuTarget.stop_background raises TargetLost)."""
    r, w, request = blocking_read
    status, handle, _, _ = call(P.OP_BG_RUN, P.BG_RUN_ARGS.pack(r, request, 0, 5000))
    job = agent.BACKGROUND[handle]
    ident = job.ident
    job.ident = threading.main_thread().ident  # aim the signal elsewhere: the call never sees it
    try:
        assert call(P.OP_BG_STOP, P.BG_STOP_ARGS.pack(handle, 200))[:3] == (P.STATUS_TIMEOUT, -1, errno.ETIMEDOUT)
    finally:
        job.ident = ident
        os.write(w, b"x")  # let the thread finish
        assert call(P.OP_BG_STOP, P.BG_STOP_ARGS.pack(handle, 5000))[:3] == (P.STATUS_OK, 1, 0)
