"""The KVM_ARM_SET_DEVICE_ADDR cases can fail: a kernel with an observable bug in this ioctl's path fails at
least one of them. Each bug is emulated by a target that wraps a real GICv2 guest and changes what one kind of
call answers, the way a broken kernel would; the unchanged guest passes every case that is not a deviation."""

import errno
from collections.abc import Callable

import pytest

from abi import kvm, machines
from abi.spec.cases import arm_set_device_addr, system
from abi.spec.run import SetupFailed, run
from abi.target.base import Result

# The seed ioctl's cases, and the capability that announces it.
SEED = [*arm_set_device_addr.CASES, *(c for c in system.CASES if c.id.startswith("capability-"))]
GICV2_CASES = [c for c in SEED if c.runs_on("arm64", machines.named("qemu-arm64-gicv2").features)]
SET = kvm.KVM_ARM_SET_DEVICE_ADDR


class Buggy:
    """A target whose kernel answers differently where `bug` says so (everything else goes to the guest)."""

    def __init__(self, inner, bug: Callable):
        self._inner, self._bug = inner, bug

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def ioctl(self, fd, request, arg=0):
        return self._bug(self._inner, fd, request, arg)


def _addr(arg) -> kvm.kvm_arm_device_addr | None:
    return arg if isinstance(arg, kvm.kvm_arm_device_addr) else None


def seed_capability(t, fd, request, arg):
    # The 2013 patch: KVM_CAP_ARM_SET_DEVICE_ADDR fell through to KVM_CAP_NR_VCPUS (num_online_cpus(), 2 here).
    if request == kvm.KVM_CHECK_EXTENSION and arg == kvm.KVM_CAP_ARM_SET_DEVICE_ADDR:
        return Result(2, 0, b"", request)
    return t.ioctl(fd, request, arg)


def wrong_errno(t, fd, request, arg):
    got = t.ioctl(fd, request, arg)
    if request == SET and got.errno == errno.EEXIST:
        return Result(-1, errno.ENXIO, got.out, request)
    return got


def missing_alignment_check(t, fd, request, arg):
    a = _addr(arg)
    if request == SET and a is not None and a.addr % 0x1000 and a.addr != 2**64 - 1:
        return Result(0, 0, bytes(a), request)  # accepted, as a kernel without IS_ALIGNED would
    return t.ioctl(fd, request, arg)


def off_by_one_limit(t, fd, request, arg):
    # `addr + size >= limit` instead of `>`: a frame that ends exactly at 2^n is refused.
    a = _addr(arg)
    got = t.ioctl(fd, request, arg)
    if request == SET and a is not None and got.ok:
        size = 0x1000 if (a.id & 0xFFFF) == 0 else 0x2000
        end = a.addr + size
        if end >= 1 << 32 and end & (end - 1) == 0:
            return Result(-1, errno.E2BIG, got.out, request)
    return got


def wrong_request_number(t, fd, request, arg):
    # A kernel that took the ioctl at another number: ours is then an unknown request there.
    if request == SET:
        request = kvm._IOW(kvm.KVMIO, 0xAC, kvm.kvm_arm_device_addr)
    return t.ioctl(fd, request, arg)


# Each bug, and a case that must notice it (others may too).
BUGS = [(seed_capability, "capability-system-fd"), (wrong_errno, "dist-already-set"),
        (missing_alignment_check, "misaligned"), (off_by_one_limit, "dist-ends-at-ipa-limit-n32"),
        (wrong_request_number, "set-dist")]


@pytest.fixture(scope="module")
def guest(own_gicv2_guest):
    return own_gicv2_guest


def failing(target) -> list[str]:
    out = []
    for case in GICV2_CASES:
        try:
            outcome = run(case, target)
        except SetupFailed:
            out.append(case.id)
            continue
        if (outcome.problem is None) == bool(case.deviation):
            out.append(case.id)
    return out


def test_the_real_kernel_meets_every_case(guest):
    assert failing(guest) == []


@pytest.mark.parametrize("bug, noticed_by", BUGS, ids=[b.__name__ for b, _ in BUGS])
def test_a_buggy_kernel_fails_a_case(guest, bug, noticed_by):
    assert noticed_by in failing(Buggy(guest, bug))
