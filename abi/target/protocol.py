"""Wire protocol between the host (`qemu.QemuTarget`) and the in-guest agent (`agent.py`), version 5.

Standard library only: this file is copied into the guest's initramfs next to the agent and imported by both
sides, so the two ends cannot drift apart.

Framing. Every message, in both directions, is a 10-byte header followed by `length` payload bytes:

    u32 length   payload bytes after the header
    u32 seq      chosen by the host, echoed by the agent (0 for the agent's unsolicited HELLO)
    u8  op       one of the OP_* values, echoed in the response
    u8  status   0 in requests; in responses STATUS_OK, STATUS_TIMEOUT or STATUS_ERROR

All integers are little-endian. Every response payload starts with `i64 ret, i32 errno` (RESULT); ops that
return data append it after that. STATUS_ERROR carries a UTF-8 message instead (the agent raised: a bug or
a malformed request, not an errno). STATUS_TIMEOUT means the request hit its time limit; the RESULT is
still present (an ioctl interrupted by the agent's timer reports errno EINTR).

Request payloads (after the header):

    HELLO    -                                   -> RESULT(version, 0) + u64 guard page address + u8 has_kvm
    NOP      any bytes                           -> RESULT(0, 0) + the same bytes
    OPEN     i32 flags + path (UTF-8)            -> RESULT(fd or -1, errno)
    IOCTL    i32 fd, u64 request, u8 kind, u32 timeout_ms, then a u64 value (kind VALUE) or the argument
             bytes (kind BUFFER: copied to agent memory, its address passed, read back after the call)
                                                 -> RESULT(ret, errno) + argument bytes afterwards (BUFFER)
    CLOSE    i32 fd                              -> RESULT(0 or -1, errno)
    ALLOC    u64 size                            -> RESULT(address or -1, errno)
    READ     u64 address, u64 size               -> RESULT(size or -1, errno) + bytes
    WRITE    u64 address + bytes                 -> RESULT(size or -1, errno)
    MMAP     i32 fd, u64 size, u64 offset        -> RESULT(address or -1, errno)   (shared, read-write;
             fd -1: MAP_SHARED|MAP_ANONYMOUS memory, zeroed)
    MUNMAP   u64 address, u64 size               -> RESULT(0 or -1, errno)
    INFO     -                                   -> RESULT(0, 0) + NUL-separated key, value, key, value...
    DEBUG    u8 action + bytes                   -> RESULT(0 or -1, errno); SYSRQ writes the bytes to
             /proc/sysrq-trigger, HANG stops answering, EXIT ends the agent (test hooks for robustness)
    BG_RUN   i32 fd, u64 request, u64 value, u32 timeout_ms
                                                 -> RESULT(handle, 0) once a second thread of the agent is
             blocked inside ioctl(fd, request, value) (its /proc/self/task/<tid>/syscall names that call), or
             RESULT(-1, errno) when the call failed at once; STATUS_ERROR when it returned successfully or did
             not block within timeout_ms (the thread is then interrupted and joined first)
    BG_STOP  i32 handle, u32 timeout_ms          -> RESULT(ret, errno) of the background call, after signalling
             its thread (BG_SIGNAL, handled: KVM_RUN returns EINTR) and joining it; STATUS_TIMEOUT with
             RESULT(-1, ETIMEDOUT) when the thread did not end within timeout_ms (it is stuck in the kernel)
    EVENTFD  u32 initval, i32 flags              -> RESULT(fd or -1, errno) of eventfd(2) (O_CLOEXEC added): the
             fd KVM_IRQFD and KVM_IOEVENTFD take
    PROCESS  u8 action, u64 value                what a case changes in the process issuing the ioctls:
             NOFILE sets the soft RLIMIT_NOFILE to value (KEEP: to the lowest free fd, so no new fd can be
             allocated) -> RESULT(the previous soft limit or -1, errno); CAPS sets the agent thread's effective
             capabilities 0-31 to value (KEEP: unchanged) -> RESULT(0 or -1, errno) + u32 effective, u32 permitted;
             PENDING keeps signal `value` pending (blocked in the thread's mask, raised before, consumed after)
             and INTERVAL runs a SIGALRM interval timer of `value` microseconds instead of the one-shot timeout
             during every later IOCTL, until set to 0 -> RESULT(0, 0)

Versions: 2 maps anonymous shared memory for MMAP with fd -1 (version 1 answered EBADF); 3 adds BG_RUN and
BG_STOP (a vCPU kept busy in KVM_RUN on a second thread); 4 adds EVENTFD (KVM_IRQFD's and KVM_IOEVENTFD's fd);
5 adds PROCESS (RLIMIT_NOFILE, capabilities and signals, which cases on an x86_64 guest change as on the local
host);
a host and an agent of different versions refuse each other at HELLO.

The agent sends HELLO (seq 0) unsolicited once its port is open, so the host knows the guest is ready
without polling. A host that gets no answer in time treats the guest as lost; it never resynchronises a
stream, it restarts the guest.
"""

from __future__ import annotations

import struct

VERSION = 5
PORT_NAME = "kvm-abi.agent"  # the virtserialport name the agent looks for under /sys/class/virtio-ports

HEADER = struct.Struct("<IIBB")
RESULT = struct.Struct("<qi")
MAX_PAYLOAD = 64 << 20  # a sanity bound: anything larger is a corrupt stream, not a request

(OP_HELLO, OP_NOP, OP_OPEN, OP_IOCTL, OP_CLOSE, OP_ALLOC, OP_READ, OP_WRITE, OP_MMAP, OP_MUNMAP, OP_INFO,
 OP_DEBUG, OP_BG_RUN, OP_BG_STOP, OP_EVENTFD, OP_PROCESS) = range(16)
OP_NAMES = {v: k[3:].lower() for k, v in globals().items() if k.startswith("OP_") and isinstance(v, int)}

STATUS_OK, STATUS_TIMEOUT, STATUS_ERROR = 0, 1, 2

KIND_VALUE, KIND_BUFFER = 0, 1
DEBUG_SYSRQ, DEBUG_HANG, DEBUG_EXIT = 0, 1, 2

IOCTL_HEAD = struct.Struct("<iQBI")
U64 = struct.Struct("<Q")
I32 = struct.Struct("<i")
TWO_U64 = struct.Struct("<QQ")
MMAP_ARGS = struct.Struct("<iQQ")
OPEN_ARGS = I32
HELLO_TAIL = struct.Struct("<QB")
BG_RUN_ARGS = struct.Struct("<iQQI")
BG_STOP_ARGS = struct.Struct("<iI")
EVENTFD_ARGS = struct.Struct("<Ii")
PROCESS_ARGS = struct.Struct("<BQ")
PROCESS_NOFILE, PROCESS_CAPS, PROCESS_PENDING, PROCESS_INTERVAL = range(4)
KEEP = 2**64 - 1  # PROCESS's value meaning "the default" (NOFILE: the lowest free fd; CAPS: no change)
CAPS = struct.Struct("<II")
BG_SIGNAL = 12  # SIGUSR2 (the same number on arm64 and x86_64); SIGUSR1 is what the x86 cases leave pending
# The ioctl system call's number per machine (uname -m), to read /proc/<pid>/task/<tid>/syscall: asm-generic
# (arm64, riscv64) 29, x86_64 16.
NR_IOCTL = {"aarch64": 29, "riscv64": 29, "x86_64": 16}


def blocked_in(syscall_line: str, machine: str, fd: int, request: int) -> bool:
    """Whether a /proc/<pid>/task/<tid>/syscall line says the thread sleeps inside ioctl(fd, request). The kernel
    prints "running" for a thread on a CPU and the syscall number with its arguments only for one that is
    blocked, so a match is proof the call is in progress and not merely about to start."""
    parts = syscall_line.split()
    if len(parts) < 3 or parts[0] != str(NR_IOCTL.get(machine, -2)):
        return False
    return int(parts[1], 16) == fd & 0xFFFFFFFF and int(parts[2], 16) == request


class ProtocolError(Exception):
    """The byte stream does not follow this protocol (corrupt, truncated, or the other side's version)."""


def frame(seq: int, op: int, payload: bytes = b"", status: int = 0) -> bytes:
    return HEADER.pack(len(payload), seq, op, status) + payload


def parse_header(data: bytes) -> tuple[int, int, int, int]:
    """(length, seq, op, status) from a header's bytes."""
    length, seq, op, status = HEADER.unpack(data)
    if length > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {length} bytes announced: stream out of sync")
    if op not in OP_NAMES:
        raise ProtocolError(f"unknown op {op}")
    return length, seq, op, status


def result(ret: int, err: int = 0, data: bytes = b"") -> bytes:
    return RESULT.pack(ret, err) + data


def parse_result(payload: bytes) -> tuple[int, int, bytes]:
    if len(payload) < RESULT.size:
        raise ProtocolError(f"response of {len(payload)} bytes is shorter than its result field")
    ret, err = RESULT.unpack_from(payload)
    return ret, err, payload[RESULT.size:]


def ioctl_request(fd: int, request: int, arg: int | bytes, timeout_ms: int) -> bytes:
    if isinstance(arg, int):
        return IOCTL_HEAD.pack(fd, request, KIND_VALUE, timeout_ms) + U64.pack(arg & (2**64 - 1))
    return IOCTL_HEAD.pack(fd, request, KIND_BUFFER, timeout_ms) + arg


def encode_pairs(pairs: dict[str, str]) -> bytes:
    return "\0".join(f"{k}\0{v}" for k, v in pairs.items()).encode("utf-8", "replace")


def decode_pairs(data: bytes) -> dict[str, str]:
    if not data:
        return {}
    items = data.decode("utf-8", "replace").split("\0")
    return dict(zip(items[::2], items[1::2], strict=True))
