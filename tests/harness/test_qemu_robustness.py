"""A guest that dies, panics, hangs or loops fails only the request in flight (TargetLost with the console
tail, or a timed-out Result) and the next request runs on a freshly booted guest. Nothing outlives the
test process: no QEMU, no temp dir.

These boot a private guest (`own_guest`), so the session's shared targets are not disturbed; they skip with
one line where QEMU or the guest assets are unavailable.
"""

import errno
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import abi
from abi.kvm import (
    KVM_CREATE_VCPU,
    KVM_CREATE_VM,
    KVM_GET_API_VERSION,
    KVM_REG_ARM64,
    KVM_REG_SIZE_U64,
    KVM_RUN,
    kvm_one_reg,
    kvm_userspace_memory_region,
)
from abi.target import protocol as P
from abi.target.base import TargetLost, TargetUnavailable
from abi.target.qemu import QemuTarget

pytestmark = pytest.mark.guest
pytest_plugins = ["pytester"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_killed_qemu_is_lost_then_recovers(own_guest):
    generation = own_guest.generation
    os.kill(own_guest.qemu_pid(), signal.SIGKILL)
    with pytest.raises(TargetLost, match="QEMU exited"):
        own_guest.nop()
    assert own_guest.nop(b"again") == b"again"  # booted anew
    assert own_guest.generation == generation + 1


def test_panic_is_lost_with_console_tail(own_guest):
    with pytest.raises(TargetLost, match="Kernel panic") as lost:
        own_guest.debug(P.DEBUG_SYSRQ, b"c")
    assert "sysrq" in lost.value.console_tail.lower()
    kvm = own_guest.open_kvm()
    assert own_guest.ioctl(kvm, KVM_GET_API_VERSION).ret == 12


def test_hung_agent_is_lost_after_request_timeout(own_guest):
    own_guest.request_timeout = 2
    try:
        with pytest.raises(TargetLost, match="no answer within 2"):
            own_guest.debug(P.DEBUG_HANG)
    finally:
        own_guest.request_timeout = 30
    assert own_guest.nop() == b""


def looping_vcpu(t) -> tuple[int, int, int]:
    """(kvm, vm, vcpu) fds of a vCPU whose code is `b .` at its reset PC: KVM_RUN never returns by itself."""
    a = t.abi
    kvm = t.open_kvm()
    vm = t.ioctl(kvm, KVM_CREATE_VM, 0).value()
    vcpu = t.ioctl(vm, KVM_CREATE_VCPU, 0).value()
    init = t.ioctl(vm, a.KVM_ARM_PREFERRED_TARGET, a.kvm_vcpu_init()).struct(a.kvm_vcpu_init)
    t.ioctl(vcpu, a.KVM_ARM_VCPU_INIT, init).value()
    mem = t.alloc(0x10000)
    t.write(mem, struct.pack("<I", 0x14000000))  # b .
    t.ioctl(vm, a.KVM_SET_USER_MEMORY_REGION, kvm_userspace_memory_region(
        slot=0, guest_phys_addr=0x10000, memory_size=0x10000, userspace_addr=mem)).value()
    pc = t.alloc(8)
    t.write(pc, struct.pack("<Q", 0x10000))
    pc_id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | a.KVM_REG_ARM_CORE | a.KVM_REG_ARM_CORE_REG("regs.pc")
    t.ioctl(vcpu, a.KVM_SET_ONE_REG, kvm_one_reg(id=pc_id, addr=pc)).value()
    return kvm, vm, vcpu


def test_looping_vcpu_times_out_and_the_guest_lives_on(own_guest):
    """The agent's timer ends a KVM_RUN that would spin forever with EINTR (api.rst 4.10 KVM_RUN errors:
    EINTR, an unmasked signal is pending) and the answer says it timed out."""
    t = own_guest
    kvm, vm, vcpu = looping_vcpu(t)
    t.ioctl_timeout = 1
    try:
        got = t.ioctl(vcpu, KVM_RUN, 0)
    finally:
        t.ioctl_timeout = 10
    assert got.timed_out and (got.ret, got.errno) == (-1, errno.EINTR), got
    assert "timeout" in repr(got)
    for fd in (vcpu, vm, kvm):
        assert t.close(fd) == 0


def test_qemu_killed_during_a_request(own_guest):
    """QEMU dies while KVM_RUN is in flight: the request fails at once (not after its time limit)."""
    t = own_guest
    _, _, vcpu = looping_vcpu(t)
    killer = threading.Timer(0.5, os.kill, (t.qemu_pid(), signal.SIGKILL))
    killer.start()
    started = time.monotonic()
    try:
        with pytest.raises(TargetLost, match="during ioctl: QEMU exited"):
            t.ioctl(vcpu, KVM_RUN, 0)
    finally:
        killer.join()
    assert time.monotonic() - started < t.ioctl_timeout
    assert t.nop(b"back") == b"back"


def test_stop_leaves_nothing(own_guest):
    own_guest.nop()
    pid, tmp = own_guest.qemu_pid(), own_guest._tmp
    assert os.stat(tmp).st_mode & 0o777 == 0o700
    own_guest.stop()
    assert not alive(pid) and not os.path.exists(tmp)
    own_guest.start()


def test_guest_without_el2_is_unavailable_in_one_line(monkeypatch, request):
    """virtualization=off: the guest kernel starts at EL1, KVM cannot initialise, no /dev/kvm."""
    from abi.target import qemu

    real = qemu.machine_args
    monkeypatch.setattr(qemu, "machine_args",
                        lambda profile: [a.replace("virtualization=on", "virtualization=off") for a in real(profile)])
    from abi.target.plugin import pool

    kernel = pool(request.config).kernels_for("arm64")[0]
    guest = QemuTarget("gicv3", kernel, pool(request.config).modules_for(kernel))
    try:
        guest.provision()
    except TargetUnavailable as e:  # the assets themselves are missing here: say so, like the fixture
        pytest.skip(str(e))
    try:
        with pytest.raises(TargetUnavailable, match="no /dev/kvm") as why:
            guest.start()
        assert "\n" not in str(why.value)
    finally:
        guest.stop()


CHILD = textwrap.dedent("""
    import sys, time
    from abi.target.qemu import QemuTarget
    t = QemuTarget("gicv3", sys.argv[1], sys.argv[2] or None)
    t.start()
    print(t.qemu_pid(), t._tmp, flush=True)
    time.sleep(120)
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_nothing_outlives_the_process(own_guest, sig):
    """Ctrl-C (SIGINT), SIGTERM and even SIGKILL of the test process take QEMU down (PR_SET_PDEATHSIG for
    the last); the temp dir goes too, except after SIGKILL, which runs no code."""
    root = str(Path(abi.__file__).parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    # A run started in the background by a non-interactive shell (a CI runner's `cmd &`) inherits SIGINT ignored,
    # and Python then keeps ignoring it: give the child the default a user's terminal would.
    child = subprocess.Popen([sys.executable, "-c", CHILD, own_guest.kernel_spec, own_guest.modules_dir or ""],
                             stdout=subprocess.PIPE, text=True, env=env,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    tmp = None
    try:
        line = child.stdout.readline().split()
        assert line, "child could not boot a guest"
        pid, tmp = int(line[0]), line[1]
        child.send_signal(sig)
        child.wait(60)  # a bound, not a speed goal
        assert wait_gone(pid), f"QEMU {pid} outlived its parent after {sig.name}"
        if sig != signal.SIGKILL:
            assert not os.path.exists(tmp)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def test_lost_guest_fails_only_the_test_in_flight(pytester, own_guest, monkeypatch):
    """Through pytest itself: the test during which QEMU dies fails with the console attached, the next
    test on the same target passes on a new guest."""
    monkeypatch.setenv("PYTHONPATH", str(Path(abi.__file__).parent.parent))  # this tree, not an installed one
    pytester.makepyfile(textwrap.dedent("""
        import os, signal
        from abi.kvm import KVM_GET_API_VERSION

        def test_kill(target):
            os.kill(target.qemu_pid(), signal.SIGKILL)
            target.nop()

        def test_next(target, kvm):
            assert target.ioctl(kvm, KVM_GET_API_VERSION).ret == 12
    """))
    result = pytester.runpytest_subprocess("-p", "abi.target.plugin", "--target", "qemu-arm64-gicv3", "-p",
                                           "no:cacheprovider", "--rootdir", str(pytester.path))
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*TargetLost*QEMU exited*", "*guest console (tail)*"])
