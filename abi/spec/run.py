"""Replaying a Case on a target: the one place that turns spec data into ioctls and a verdict."""

from __future__ import annotations

from dataclasses import dataclass

from abi.spec.case import Case, Scene, kernel_applies
from abi.target.base import Result


class SetupFailed(Exception):
    """A set-up step did not end as it must: the case's precondition does not hold on this kernel."""


# How a case's outcome reads against its expectation: the documented contract held; the kernel did what its
# deviation records; the documented contract held although a deviation is recorded (fixed); anything else.
HELD, RECORDED, FIXED, BROKEN = "held", "recorded", "fixed", "broken"


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: Result
    problem: str | None  # None: the kernel answered as the case expects
    calls: tuple = ()  # the ioctls the call under test made: (fd, request, arg, result)
    release: str = ""  # the kernel that answered
    as_recorded: bool = False  # the kernel did what the case's deviation records for this release

    @property
    def verdict(self) -> str:
        if self.case.deviation is None:
            return HELD if self.problem is None else BROKEN
        if self.problem is None:
            return FIXED
        return RECORDED if self.as_recorded else BROKEN

    def explain(self) -> str:
        """One paragraph for a verdict other than HELD: what the document says, what is recorded, what came."""
        c, v = self.case, self.verdict
        if c.deviation is None:
            return self.problem or ""
        recorded = c.deviation.describe(self.release)
        head = f"{c.ioctl}, {c.condition}: documented {c.errno_name}, recorded {recorded}, observed {self.got!r}"
        if v == RECORDED:
            return f"{head}\n  deviation: {c.deviation.why}"
        if v == FIXED:
            return (f"{head}\n  XPASS(strict), fixed: the kernel now does what the document says; update the "
                    f"expectation (drop or narrow the deviation)\n  per: {c.cite}")
        return (f"{head}\n  neither the documented nor the recorded outcome: the kernel's behaviour changed\n"
                f"  did: {c.describe()}\n  per: {c.cite}")

    def transcript(self) -> str:
        """The call under test as a reader wants it: request by name and number, argument field by field,
        what came back by name."""
        return "\n".join(describe_call(*c) for c in self.calls)


def describe_call(fd: int, request: int, arg, got: Result) -> str:
    from abi.ioctl import decode
    from abi.model import request_name

    head = f"{request_name(request)} = {int(request):#x} {decode(request)} on fd {fd}"
    if isinstance(arg, int):
        argument = f"arg {arg:#x}"
    else:
        argument = f"arg {describe_struct(arg)}"
    return f"{head}\n  {argument}\n  -> ret {got.ret}, {got!r}"


def describe_struct(value) -> str:
    import ctypes

    if isinstance(value, (ctypes.Structure, ctypes.Union)):
        parts = []
        for name, *_ in value._fields_:
            if name.startswith("_pad"):
                continue
            v = getattr(value, name)
            parts.append(f"{name}={describe_struct(v)}")
        return f"{type(value).__name__} {{{', '.join(parts)}}}"
    if isinstance(value, int):
        return f"{value:#x}"
    if isinstance(value, ctypes.Array):
        return "[" + ", ".join(describe_struct(x) for x in value[:8]) + (", ..." if len(value) > 8 else "") + "]"
    return repr(value)


def not_applicable(case: Case, target) -> str | None:
    """Why this target's kernel cannot run the case (another kernel version, a capability it lacks), or None."""
    release = target.info().kernel_release
    if not kernel_applies(case.kernels, release):
        return f"the expectation holds for kernels {case.kernels}, not {release}"
    for cap, name, nonzero in case.needs:
        have = target.capability(cap)
        if bool(have) != nonzero:
            return f"needs {name} {'non-zero' if nonzero else '= 0'}; this kernel answers {have}"
    return None


def _ended_as(got: Result, ok_errno: int) -> bool:
    return got.ok if ok_errno == 0 else (not got.ok and got.errno == ok_errno)


def run(case: Case, target) -> Outcome:
    """Replay a case. Only its verdict (Outcome.problem, read by Outcome.verdict) may say the contract failed:
    anything else that breaks on the way (the VM's creation, a step's own `value()`, a helper's assertion, the
    scene's cleanups) is SetupFailed, so an expected failure can never
    stand for a reason other than the observation its deviation records."""
    def broken(e: Exception) -> SetupFailed:
        return SetupFailed(f"{case.ioctl}, {case.condition}: {e}\n  did: {case.describe()}")

    release = target.info().kernel_release
    scene = Scene(target)
    try:
        try:
            scene.open(case.needs_vm, case.vm_type)  # a VM that cannot be created is a broken set-up too
            for step in case.setup:
                got = step(scene)
                if not _ended_as(got, step.ok_errno):
                    want = "success" if step.ok_errno == 0 else f"errno {step.ok_errno}"
                    raise SetupFailed(f"{case.ioctl}, {case.condition}: set-up step {step} gave {got!r}, "
                                      f"expected {want}\n  did: {case.describe()}")
            first = len(scene.calls)
            got = case.call(scene)
            recorded = case.deviation.expected_on(release) if case.deviation else ()
            outcome = Outcome(case, got, case.verdict(scene, got), tuple(scene.calls[first:]), release,
                              any(o.matches(scene, got) for o in recorded))
        except (AssertionError, ValueError) as e:
            raise broken(e) from e
    finally:
        try:
            scene.close()
        except AssertionError as e:
            raise broken(e) from e
    return outcome
