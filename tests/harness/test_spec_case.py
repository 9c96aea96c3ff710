"""abi.spec.case: which kernels a case's expectation holds for, and its capability preconditions."""

import pytest

from abi.spec.case import Case, Step, kernel_applies
from abi.spec.run import not_applicable
from abi.target.base import Result, TargetInfo


@pytest.mark.parametrize("kernels, release, applies", [
    ("all", "6.1.0-56-cloud-arm64", True),
    ("6.12+", "6.1.0-56-cloud-arm64", False),
    ("6.12+", "7.2.13+deb14-cloud-arm64", True),
    ("6.1, 7.2", "6.12.117+deb12-cloud-arm64", False),
    ("6.1, 7.2", "7.2.13+deb14-cloud-arm64", True),
    ("6.18+ (the reason, with a comma, 6.1 and 6.12 differ)", "6.18.44-fc-v657", True),
    ("6.12+", "my-own-kernel", True),  # a user's kernel without a version runs every case
])
def test_kernel_applies(kernels, release, applies):
    assert kernel_applies(kernels, release) is applies


def test_bad_kernels_field_is_refused():
    with pytest.raises(ValueError, match="is not X.Y"):
        kernel_applies("newer", "6.1.0")


class FakeTarget:
    generation = 0

    def __init__(self, release, caps):
        self.release, self.caps = release, caps

    def info(self):
        return TargetInfo("fake", "arm64", self.release)

    def open_kvm(self):
        return 3

    def close(self, fd):
        return 0

    def ioctl(self, fd, request, arg=0):
        return Result(self.caps.get(arg, 0))


def test_not_applicable_says_why():
    c = Case(id="x", ioctl="KVM_RUN", condition="c", on=("gicv2",), call=Step("s", None), errno=0, cite="x",
             kernels="6.12+", needs=((177, "KVM_CAP_ARM_SVE", True),))
    assert "holds for kernels 6.12+" in not_applicable(c, FakeTarget("6.1.0", {177: 1}))
    assert "needs KVM_CAP_ARM_SVE non-zero; this kernel answers 0" == not_applicable(c, FakeTarget("7.2.1", {}))
    assert not_applicable(c, FakeTarget("7.2.1", {177: 1})) is None


def test_only_the_verdict_can_be_the_expected_failure():
    """A deviation is a strict xfail with raises=AssertionError: a set-up helper's own assertion (a `value()` of a
    failed ioctl) or a cleanup's must come out as SetupFailed, never as the AssertionError the xfail expects."""
    from abi.spec.run import SetupFailed, run

    def broken_helper(scene):
        return Result(-1, 22).value()  # an ioctl a helper needed failed

    ok = Step("call", lambda s: Result(0))
    for setup, call in (((Step("helper", broken_helper),), ok), ((), Step("call", broken_helper))):
        c = Case(id="x", ioctl="KVM_RUN", condition="c", on=("gicv2",), call=call, errno=22, cite="x",
                 setup=setup, needs_vm=False, deviation="documented EINVAL, the kernel says otherwise")
        with pytest.raises(SetupFailed, match="KVM_RUN, c: .*failed"):
            run(c, FakeTarget("6.1.0", {}))
    c = Case(id="x", ioctl="KVM_RUN", condition="c", on=("gicv2",), call=ok, errno=22, cite="x", needs_vm=False)
    assert "expected EINVAL" in run(c, FakeTarget("6.1.0", {})).problem  # the verdict itself is a value
