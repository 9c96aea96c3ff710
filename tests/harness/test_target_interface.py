"""The Target interface, the same checks on every selected target (local /dev/kvm and the arm64 guests).

EFAULT expectation: virt/kvm/kvm_main.c kvm_vm_ioctl, KVM_SET_USER_MEMORY_REGION: copy_from_user of the
argument fails -> -EFAULT.
"""

import ctypes
import errno

import pytest

from abi import layout
from abi.kvm import (
    KVM_CAP_USER_MEMORY,
    KVM_CHECK_EXTENSION,
    KVM_CREATE_VCPU,
    KVM_EXIT_INTR,
    KVM_GET_MP_STATE,
    KVM_GET_VCPU_MMAP_SIZE,
    KVM_MP_STATE_SUSPENDED,
    KVM_RUN,
    KVM_SET_USER_MEMORY_REGION,
    kvm_mp_state,
)


def test_info(target):
    info = target.info()
    assert info.name == target.name and info.arch == target.arch
    assert info.kernel_release and info.profile


def test_alloc_read_write_round_trip(target):
    addr = target.alloc(100)
    assert addr % 4096 == 0
    assert target.read(addr, 16) == bytes(16)  # zeroed
    target.write(addr + 3, b"kvm-abi")
    assert target.read(addr, 12) == b"\0\0\0kvm-abi\0\0"


def test_bad_address_gives_efault_for_an_iow_ioctl(target, vm):
    got = target.ioctl(vm, KVM_SET_USER_MEMORY_REGION, target.bad_address())
    assert (got.ret, got.errno) == (-1, errno.EFAULT), got


def test_struct_argument_comes_back_as_bytes(target, vm):
    """An _IOR structure goes in as a ctypes value and comes back as the kernel's bytes: the mp_state field, sent
    as all ones, holds a real state afterwards (api.rst 4.38: KVM_MP_STATE_* values are small; kvm_main.c
    kvm_vcpu_ioctl copies struct kvm_mp_state back)."""
    vcpu = target.ioctl(vm, KVM_CREATE_VCPU, 0).value()
    try:
        got = target.ioctl(vcpu, KVM_GET_MP_STATE, kvm_mp_state(mp_state=0xFFFFFFFF))
        assert got.ok, got
        assert isinstance(got.out, bytes) and len(got.out) == ctypes.sizeof(kvm_mp_state)
        state = got.struct(kvm_mp_state).mp_state
        assert state != 0xFFFFFFFF and state <= KVM_MP_STATE_SUSPENDED, state
    finally:
        assert target.close(vcpu) == 0


def test_a_structure_of_another_size_is_refused_before_the_call(target, vm):
    """KVM_GET_MP_STATE encodes struct kvm_mp_state (4 bytes): a kvm_one_reg (16) would have the kernel write
    into its first 4 bytes only. Refused before the target is asked, on every target alike."""
    from abi.kvm import kvm_one_reg

    vcpu = target.ioctl(vm, KVM_CREATE_VCPU, 0).value()
    try:
        with pytest.raises(ValueError, match=r"^KVM_GET_MP_STATE: a kvm_one_reg argument of 16 bytes, but the "
                                             r"request encodes 4 \(kvm_mp_state\)$"):
            target.ioctl(vcpu, target.abi.KVM_GET_MP_STATE, kvm_one_reg())
    finally:
        assert target.close(vcpu) == 0


def test_mmap_of_a_vcpu_fd(target, kvm, vm):
    size = target.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0).value()
    vcpu = target.ioctl(vm, KVM_CREATE_VCPU, 0).value()
    try:
        run = target.mmap(vcpu, size)
        assert len(target.read(run, 64)) == 64  # struct kvm_run is readable where mapped
        target.munmap(run, size)
    finally:
        assert target.close(vcpu) == 0


def test_mmap_of_fd_minus_one_is_anonymous_shared_memory(target):
    addr = target.mmap(-1, 8192)
    try:
        assert target.read(addr, 8) == bytes(8)
        target.write(addr + 4096, b"kvm-abi")
        assert target.read(addr + 4096, 7) == b"kvm-abi"
    finally:
        target.munmap(addr, 8192)


def test_mmap_failure_is_an_oserror(target, kvm):
    with pytest.raises(OSError):
        target.mmap(kvm, 4096)  # /dev/kvm's system fd has no mmap


def test_close(target):
    fd = target.open_kvm()
    assert target.close(fd) == 0
    assert target.close(fd) == errno.EBADF


def busy_scene(target):
    from abi.spec.case import Scene
    from abi.spec.steps.vcpu import vcpu_busy

    scene = Scene(target).open()
    return scene, vcpu_busy()(scene)


def test_background_run_holds_the_vcpu_until_stopped(target):
    """run_in_background returns once the second thread sleeps inside KVM_RUN; meanwhile the target still
    answers on its main thread; stop_background ends the run with EINTR (api.rst 4.10 KVM_RUN Errors: EINTR, an
    unmasked signal is pending) and the scene's cleanup does so before the fds close."""
    scene, got = busy_scene(target)
    try:
        assert got.ok and got.ret > 0, got
        assert target.ioctl(scene.kvm, KVM_GET_VCPU_MMAP_SIZE, 0).ok  # the main thread is free
        assert len(scene.cleanups) == 1
        stopped = target.stop_background(got.ret)
        assert (stopped.ret, stopped.errno) == (-1, errno.EINTR), stopped
        run = scene.maps[-1][0]
        reason = int.from_bytes(target.read(run + layout.offsetof(target.abi.kvm_run, "exit_reason"), 4), "little")
        assert reason == KVM_EXIT_INTR
        scene.cleanups.clear()
    finally:
        scene.close()


def test_background_run_is_stopped_by_the_scene(target):
    scene, got = busy_scene(target)
    assert got.ok, got
    scene.close()
    assert scene.remembered["background"].errno == errno.EINTR
    with pytest.raises((KeyError, RuntimeError)):
        target.stop_background(got.ret)  # already collected


def test_background_run_that_fails_at_once_is_its_errno(target, kvm, vm):
    """KVM_RUN on a VM fd is refused at once (kvm_main.c kvm_vm_ioctl has no KVM_RUN: ENOTTY on x86, EINVAL
    or ENOTTY by architecture): the thread never blocks, and the answer is that errno with nothing to stop."""
    got = target.run_in_background(vm, KVM_RUN)
    assert got.ret == -1 and got.errno in (errno.ENOTTY, errno.EINVAL), got


def test_background_run_on_a_guest_that_dies(own_guest):
    """QEMU killed while a vCPU is busy: stopping the run fails at once with TargetLost (no wait for a thread
    that is gone), the scene's cleanup then leaves it alone, and the next request boots a new guest."""
    import os
    import signal

    from abi.target.base import TargetLost

    scene, got = busy_scene(own_guest)
    assert got.ok, got
    os.kill(own_guest.qemu_pid(), signal.SIGKILL)
    with pytest.raises(TargetLost, match="QEMU exited"):
        own_guest.stop_background(got.ret)
    scene.close()
    assert own_guest.nop(b"back") == b"back"


def test_capability_is_check_extension_asked_once_per_generation(target, kvm, monkeypatch):
    """What the spec layer asks of every case's preconditions: the system fd's KVM_CHECK_EXTENSION answer (api.rst
    4.4: KVM_CAP_USER_MEMORY is 1 where KVM_SET_USER_MEMORY_REGION exists, on every architecture), asked again
    only of a target that restarted."""
    want = target.ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY).ret
    assert want == 1 and target.capability(KVM_CAP_USER_MEMORY) == want
    asked = []
    issue = target.ioctl
    monkeypatch.setattr(target, "ioctl", lambda fd, request, arg=0: asked.append(request) or issue(fd, request, arg))
    assert target.capability(KVM_CAP_USER_MEMORY) == want and asked == []
    monkeypatch.setattr(target, "generation", target.generation + 1)
    assert target.capability(KVM_CAP_USER_MEMORY) == want and asked == [KVM_CHECK_EXTENSION]


def test_scratch_page_is_one_page_per_generation(target, monkeypatch):
    page = target.scratch_page()
    assert page % 4096 == 0 and target.scratch_page() == page
    target.write(page, b"\xa5" * 4096)
    assert target.read(page, 4096) == b"\xa5" * 4096
    monkeypatch.setattr(target, "generation", target.generation + 1)
    fresh = target.scratch_page()
    assert fresh != page and target.read(fresh, 8) == bytes(8)


def test_time_limit_interrupts_a_call_that_blocks(target):
    """A vCPU waiting for an interrupt that never comes (steps' busy vCPU: HLT or WFI) stays in KVM_RUN until a
    signal ends it (api.rst 4.10 KVM_RUN Errors: EINTR, an unmasked signal is pending): inside time_limit the
    target's timer is that signal, and the result says the limit ended the call."""
    import signal
    import time

    from abi.spec.case import Scene
    from abi.spec.steps import vcpu as steps

    scene = Scene(target).open()
    try:
        busy = steps.BUSY[target.arch](scene)
        assert busy.ok, busy
        vcpu = scene.vcpus[-1]
        handler = signal.getsignal(signal.SIGALRM)
        started = time.monotonic()
        with target.time_limit(0.3):
            got = target.ioctl(vcpu, KVM_RUN, 0)
        assert (got.ret, got.errno, got.timed_out) == (-1, errno.EINTR, True), got
        assert 0.3 <= time.monotonic() - started < 10
        assert signal.getsignal(signal.SIGALRM) == handler
        mp = target.ioctl(vcpu, KVM_GET_MP_STATE, kvm_mp_state())
        assert mp.ok and not mp.timed_out, mp
    finally:
        scene.close()


def test_local_time_limit_resumes_a_timer_of_someone_elses():
    """The local target borrows SIGALRM's interval timer only for the call: a timer already running (pytest-timeout's
    signal method, say) runs on afterwards, less the time the call took."""
    import signal

    from abi.target.base import HostMissing
    from abi.target.local import LocalTarget

    try:
        local = LocalTarget()
    except HostMissing as e:
        pytest.skip(str(e))
    with local:
        kvm = local.open_kvm()
        signal.setitimer(signal.ITIMER_REAL, 100)
        try:
            with local.time_limit(5):
                got = local.ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY)
            assert (got.ret, got.timed_out) == (1, False), got
            assert 90 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
