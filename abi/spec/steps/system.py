"""Steps on the system fd (/dev/kvm): capabilities, VMs."""

from __future__ import annotations

from abi import kvm
from abi.spec.case import Scene, Step, Val
from abi.spec.steps.base import on_fd, step
from abi.target.base import Result


def check_extension(cap: int, cap_name: str, on: str = "vm") -> Step:
    return step(f"KVM_CHECK_EXTENSION({cap_name}) on the {on} fd",
                lambda s: s.ioctl(on_fd(s, on), kvm.KVM_CHECK_EXTENSION, cap))


def create_vm(vm_type: Val | int = 0) -> Step:
    """KVM_CREATE_VM of another VM of this type; a VM it creates closes with the scene (the case's own VM is
    Case.vm_type's)."""
    vm_type = vm_type if isinstance(vm_type, Val) else Val(f"{vm_type:#x}", lambda s, v=vm_type: v)

    def run(s: Scene) -> Result:
        got = s.ioctl(s.kvm, kvm.KVM_CREATE_VM, vm_type(s))
        if got.ok:
            s.keep(got.ret, "other_vm")
        return got

    return step(f"KVM_CREATE_VM(type {vm_type})", run)


def other_vm(s: Scene) -> int:
    """A second VM of the scene's type, made once per scene (the fd of `create_vm` when a step made one)."""
    if "other_vm" not in s.named:
        s.keep(s.ioctl(s.kvm, kvm.KVM_CREATE_VM, s.vm_type).value(), "other_vm")
    return s.named["other_vm"]


def stats_fd(on: str = "vm") -> Step:
    """KVM_GET_STATS_FD on the VM or last vCPU fd; the stats fd is kept (not a device) and closes with the scene."""
    def run(s: Scene) -> Result:
        got = s.ioctl(on_fd(s, on), s.abi.KVM_GET_STATS_FD, 0)
        if got.ok:
            s.keep(got.ret, f"stats_{on}")
        return got

    return step(f"KVM_GET_STATS_FD on the {on} fd", run)
