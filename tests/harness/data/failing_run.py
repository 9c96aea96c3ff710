"""A conformance run that goes wrong in every way a report must show: spec cases replayed on a fake target whose
answers depend on KVM_ABI_FAKE_RUN ("base" or "new"), so that two runs of this file differ as a regression would.

Run by tests/harness/test_reports_failing.py, never collected by the project's own test run (not test_*.py).
"""

import errno
import os

import pytest

from abi.spec.case import SUCCEEDS, Case, Deviation, Step
from abi.spec.plugin import replay
from abi.target.base import Result, TargetInfo

NEW = os.environ.get("KVM_ABI_FAKE_RUN") == "new"
RELEASE = "6.12.1-fake" if NEW else "6.1.0-fake"
CAP = 9999  # a capability number only this fake target knows


class FakeTarget:
    """Answers a case's call with what the case table below says for this run; KVM_CREATE_VM fails on request."""

    generation = 0
    name = "fake-gicv2"

    def __init__(self, cap: int = 0, vm_fails: bool = False):
        self.cap, self.vm_fails = cap, vm_fails

    def info(self):
        return TargetInfo(self.name, "arm64", RELEASE)

    @property
    def abi(self):
        from abi import model

        return model.for_arch("arm64")

    def open_kvm(self):
        return 3

    def close(self, fd):
        return 0

    def ioctl(self, fd, request, arg=0):
        from abi.kvm import KVM_CHECK_EXTENSION, KVM_CREATE_VM

        if request == KVM_CREATE_VM:
            return Result(-1, errno.ENOMEM, request=request) if self.vm_fails else Result(4)
        if request == KVM_CHECK_EXTENSION:
            return Result(self.cap if arg == CAP else 0)
        return Result(0)

    def capability(self, cap):
        return self.cap if cap == CAP else 0


def answer(base: Result, new: Result) -> Step:
    return Step("KVM_ARM_SET_DEVICE_ADDR(DIST, 0x8000000)", lambda s: new if NEW else base)


OK, EINVAL, ENOENT, EBUSY = Result(0), Result(-1, errno.EINVAL), Result(-1, errno.ENOENT), Result(-1, errno.EBUSY)
PER_VERSION = Deviation("documented EBUSY; the kernel gives EINVAL on 6.1 and ENOENT from 6.12",
                        {"6.1": errno.EINVAL, "6.12+": errno.ENOENT})
SUCCEEDS_INSTEAD = Deviation("documented EBUSY; the kernel accepts the overlap", SUCCEEDS)
NEEDS = ((CAP, "KVM_CAP_FAKE", True),)

# (id, base answer, new answer, documented errno, deviation, needs, capability the fake answers in base / new)
TABLE = [
    ("held", OK, OK, 0, None, (), (0, 0)),
    ("becomes-failed", EINVAL, ENOENT, errno.EINVAL, None, (), (0, 0)),
    ("xfail-to-failed", OK, EINVAL, errno.EBUSY, SUCCEEDS_INSTEAD, (), (0, 0)),
    ("fixed", OK, EBUSY, errno.EBUSY, SUCCEEDS_INSTEAD, (), (0, 0)),
    ("xfail-observed-changes", EINVAL, ENOENT, errno.EBUSY, PER_VERSION, (), (0, 0)),
    ("skip-to-failed", OK, EINVAL, 0, None, NEEDS, (0, 1)),
    ("passed-to-skipped", OK, OK, 0, None, NEEDS, (1, 0)),
]
CASES = [(Case(id=i, ioctl="KVM_ARM_SET_DEVICE_ADDR", condition=i.replace("-", " "), arch=("arm64",),
               features=("vgic-v2",), call=answer(b, n), errno=e, cite="api.rst 4.85 (a fake case)", needs_vm=True,
               deviation=d, needs=nd),
          caps) for i, b, n, e, d, nd, caps in TABLE]


def _props(request, target):
    request.node.user_properties += [("target", target.name), ("kernel_release", RELEASE), ("profile", "gicv2"),
                                     ("arch", "arm64")]


@pytest.mark.parametrize("case, caps", CASES, ids=[c.id for c, _ in CASES])
def test_fake(request, case, caps):
    target = FakeTarget(cap=caps[1] if NEW else caps[0])
    _props(request, target)
    replay(request, case, target)


def test_fake_setup_broken(request):
    """The VM cannot be created: a failure, though the case's deviation records ENOMEM."""
    target = FakeTarget(vm_fails=True)
    _props(request, target)
    case = Case(id="setup-broken", ioctl="KVM_ARM_SET_DEVICE_ADDR", condition="the VM cannot be created",
                arch=("arm64",), call=answer(OK, OK), errno=errno.EBUSY, cite="api.rst 4.85 (a fake case)",
                deviation=Deviation("documented EBUSY; the kernel gives ENOMEM", errno.ENOMEM))
    replay(request, case, target)


@pytest.fixture
def broken_fixture():
    raise RuntimeError("the target could not be prepared")


def test_fake_error(broken_fixture):
    pass
