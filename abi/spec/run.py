"""Replaying a Case on a target: the one place that turns spec data into ioctls and a verdict."""

from __future__ import annotations

from dataclasses import dataclass

from abi.spec.case import Case, Scene
from abi.target.base import Result


class SetupFailed(Exception):
    """A set-up step did not end as it must: the case's precondition does not hold on this kernel."""


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: Result
    problem: str | None  # None: the kernel answered as the case expects


def _ended_as(got: Result, ok_errno: int) -> bool:
    return got.ok if ok_errno == 0 else (not got.ok and got.errno == ok_errno)


def run(case: Case, target) -> Outcome:
    scene = Scene(target).open(case.needs_vm, case.vm_type)
    try:
        for step in case.setup:
            got = step(scene)
            if not _ended_as(got, step.ok_errno):
                want = "success" if step.ok_errno == 0 else f"errno {step.ok_errno}"
                raise SetupFailed(f"{case.ioctl}, {case.condition}: set-up step {step} gave {got!r}, "
                                  f"expected {want}\n  did: {case.describe()}")
        got = case.call(scene)
        return Outcome(case, got, case.verdict(scene, got))
    finally:
        scene.close()
