"""abi.spec.case: which kernels a case's expectation holds for, and its capability preconditions."""

import errno

import pytest

from abi.spec.case import (
    HEADER_NOT_COMPILABLE,
    KERNEL_BREAKS_DOCUMENT,
    SUCCEEDS,
    Case,
    Deviation,
    Observed,
    Step,
    kernel_applies,
)
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
    ("6.1-6.15", "6.15.2", True),
    ("6.1-6.15", "6.16.0", False),
    ("6.1-6.15", "6.0.9", False),
    ("6.1-6.15, 7.2+", "7.3.0", True),
])
def test_kernel_applies(kernels, release, applies):
    assert kernel_applies(kernels, release) is applies


def test_bad_kernels_field_is_refused():
    with pytest.raises(ValueError, match="is not X.Y"):
        kernel_applies("newer", "6.1.0")
    with pytest.raises(ValueError, match="ends before it starts"):
        kernel_applies("6.15-6.1", "6.1.0")


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

    def capability(self, cap):
        return self.caps.get(cap, 0)


def test_not_applicable_says_why():
    c = Case(id="x", ioctl="KVM_RUN", condition="c", arch=("arm64",), call=Step("s", None), errno=0, cite="x",
             kernels="6.12+", needs=((177, "KVM_CAP_ARM_SVE", True),))
    assert "holds for kernels 6.12+" in not_applicable(c, FakeTarget("6.1.0", {177: 1}))
    assert "needs KVM_CAP_ARM_SVE non-zero; this kernel answers 0" == not_applicable(c, FakeTarget("7.2.1", {}))
    assert not_applicable(c, FakeTarget("7.2.1", {177: 1})) is None


def test_only_the_verdict_can_be_the_expected_failure():
    """A set-up helper's own assertion (a `value()` of a failed ioctl) or a cleanup's must come out as
    SetupFailed, never as a verdict a deviation could match."""
    from abi.spec.run import SetupFailed, run

    def broken_helper(scene):
        return Result(-1, 22).value()  # an ioctl a helper needed failed

    ok = Step("call", lambda s: Result(0))
    for setup, call in (((Step("helper", broken_helper),), ok), ((), Step("call", broken_helper))):
        c = Case(id="x", ioctl="KVM_RUN", condition="c", arch=("arm64",), call=call, errno=22, cite="x",
                 setup=setup, needs_vm=False, deviation=Deviation("documented EINVAL, the kernel succeeds", SUCCEEDS))
        with pytest.raises(SetupFailed, match="KVM_RUN, c: .*failed"):
            run(c, FakeTarget("6.1.0", {}))
    c = Case(id="x", ioctl="KVM_RUN", condition="c", arch=("arm64",), call=ok, errno=22, cite="x", needs_vm=False)
    assert "expected EINVAL" in run(c, FakeTarget("6.1.0", {})).problem  # the verdict itself is a value


class VmRefused(FakeTarget):
    """A target whose KVM_CREATE_VM fails, as a machine out of memory would."""

    @property
    def abi(self):
        from abi import model

        return model.for_arch("arm64")

    def ioctl(self, fd, request, arg=0):
        from abi.kvm import KVM_CREATE_VM

        return Result(-1, errno.ENOMEM, request=request) if request == KVM_CREATE_VM else Result(0)


def test_a_vm_that_cannot_be_created_is_a_broken_setup_not_a_verdict():
    from abi.spec.run import SetupFailed, run

    c = Case(id="x", ioctl="KVM_RUN", condition="c", arch=("arm64",), call=Step("call", lambda s: Result(0)),
             errno=errno.EINVAL, cite="x", deviation=Deviation("the kernel gives ENOMEM", errno.ENOMEM))
    with pytest.raises(SetupFailed, match="KVM_CREATE_VM failed: ENOMEM"):
        run(c, VmRefused("6.1.0", {}))


def answering(got: Result) -> Step:
    return Step("call", lambda s: got)


def deviating(got: Result, does, errno_=errno.EBUSY, **kw) -> Case:
    return Case(id="x", ioctl="KVM_ARM_SET_DEVICE_ADDR", condition="overlap", arch=("arm64",), call=answering(got),
                errno=errno_, cite="api.rst 4.85", needs_vm=False, deviation=Deviation("why", does), **kw)


@pytest.mark.parametrize("got, does, release, verdict", [
    (Result(-1, errno.EBUSY), SUCCEEDS, "6.1.0", "fixed"),  # the documented outcome: fixed
    (Result(0), SUCCEEDS, "6.1.0", "recorded"),  # exactly what is recorded
    (Result(-1, errno.EINVAL), SUCCEEDS, "6.1.0", "broken"),  # a third outcome
    (Result(-1, errno.EINVAL), errno.EINVAL, "6.1.0", "recorded"),
    (Result(-1, errno.ENOENT), errno.EINVAL, "6.1.0", "broken"),
    (Result(0), errno.EINVAL, "6.1.0", "broken"),
    # per kernel version: what one version does is no licence on another
    (Result(0), {"6.1-6.12": SUCCEEDS, "7.2+": errno.EINVAL}, "6.12.57+deb12-cloud-arm64", "recorded"),
    (Result(0), {"6.1-6.12": SUCCEEDS, "7.2+": errno.EINVAL}, "7.2.13+deb14-cloud-arm64", "broken"),
    (Result(-1, errno.EINVAL), {"6.1-6.12": SUCCEEDS, "7.2+": errno.EINVAL}, "7.2.13", "recorded"),
    (Result(-1, errno.EINVAL), {"6.1": SUCCEEDS}, "6.12.1", "broken"),  # nothing recorded for 6.12
    # a user's kernel without a version: any recorded outcome
    (Result(-1, errno.EINVAL), {"6.1-6.12": SUCCEEDS, "7.2+": errno.EINVAL}, "my-kernel", "recorded"),
    # a return value, when the recording names one
    (Result(3), Observed(ret=3), "6.1.0", "recorded"),
    (Result(4), Observed(ret=3), "6.1.0", "broken"),
    # EINTR from a call the time limit interrupted is not an EINTR the kernel returned, and the reverse
    (Result(-1, errno.EINTR, timed_out=True), errno.EINTR, "6.1.0", "broken"),
    (Result(-1, errno.EINTR), Observed(errno=errno.EINTR, timed_out=True), "6.1.0", "broken"),
    (Result(-1, errno.EINTR, timed_out=True), Observed(errno=errno.EINTR, timed_out=True), "6.1.0", "recorded"),
])
def test_a_deviation_holds_only_for_the_recorded_outcome(got, does, release, verdict):
    from abi.spec.run import run

    assert run(deviating(got, does), FakeTarget(release, {})).verdict == verdict


def test_a_fixed_deviation_is_held_when_the_case_carries_none():
    from abi.spec.run import run

    c = Case(id="x", ioctl="KVM_RUN", condition="c", arch=("arm64",), call=answering(Result(0)), errno=0, cite="x",
             needs_vm=False)
    assert run(c, FakeTarget("6.1.0", {})).verdict == "held"


class Request:
    """What `replay` needs of a pytest request: the node's user properties."""

    def __init__(self):
        self.node = type("Node", (), {"user_properties": []})()


@pytest.mark.parametrize("got, outcome, words", [
    (Result(0), pytest.xfail.Exception, ["documented EBUSY, recorded success, observed ok", "deviation: why"]),
    (Result(-1, errno.EBUSY), pytest.fail.Exception, ["XPASS(strict), fixed", "update the expectation"]),
    (Result(-1, errno.EINVAL), pytest.fail.Exception,
     ["documented EBUSY, recorded success, observed EINVAL", "neither the documented nor the recorded"]),
])
def test_replay_turns_each_verdict_into_its_pytest_outcome(got, outcome, words):
    """The report reads the outcome pytest records: an expected failure only for the recorded observation; the
    documented outcome and a third one fail, each saying documented, recorded and observed."""
    from abi.spec.plugin import replay

    request = Request()
    with pytest.raises(outcome) as raised:
        replay(request, deviating(got, SUCCEEDS), FakeTarget("6.1.0", {}))
    for w in words:
        assert w in str(raised.value), str(raised.value)
    props = dict(request.node.user_properties)
    assert props["recorded"] == "success" and props["finding_class"] == KERNEL_BREAKS_DOCUMENT


def test_replay_of_a_broken_setup_fails_whatever_the_deviation_records():
    from abi.spec.plugin import replay

    c = Case(id="x", ioctl="KVM_RUN", condition="c", arch=("arm64",), call=answering(Result(0)), errno=errno.EINVAL,
             cite="x", deviation=Deviation("the kernel gives ENOMEM", errno.ENOMEM))
    with pytest.raises(pytest.fail.Exception, match="KVM_CREATE_VM failed"):
        replay(Request(), c, VmRefused("6.1.0", {}))


def test_a_deviation_refuses_what_it_cannot_check():
    with pytest.raises(ValueError, match="is not X.Y"):
        Deviation("why", {"newer": SUCCEEDS})
    with pytest.raises(ValueError, match="a deviation's class"):
        Deviation("why", SUCCEEDS, kind=HEADER_NOT_COMPILABLE)


def test_every_deviation_in_the_specs_records_what_the_kernel_does():
    from abi.spec import registry

    for c in registry.cases():
        if c.deviation is not None:
            assert isinstance(c.deviation, Deviation) and c.deviation.recorded, c.id
            assert all(o.errno != c.errno or (o.errno == 0 and o.ret != c.ret) or o.check for o in
                       c.deviation.recorded), f"{c.id}: the recorded outcome is the documented one"
