"""Steps on a device fd (KVM_CREATE_DEVICE's): attributes, and what reads back."""

from __future__ import annotations

from abi import kvm
from abi.spec.case import Scene, Step, Val, val
from abi.spec.steps.base import step
from abi.target.base import Result

REQUESTS = {"SET": kvm.KVM_SET_DEVICE_ATTR, "GET": kvm.KVM_GET_DEVICE_ATTR, "HAS": kvm.KVM_HAS_DEVICE_ATTR}


def device_fd(s: Scene, name: str = "") -> int:
    """The scene's device: the last one created, or the one created as `name`."""
    return s.named[name] if name else s.devices[-1]


SET, GET, HAS = "KVM_SET_DEVICE_ATTR", "KVM_GET_DEVICE_ATTR", "KVM_HAS_DEVICE_ATTR"


def device_attr(request: str, group: int, attr: int, value=None, *, width: int = 8, fill: bytes = b"",
                pointer: Val | None = None, struct_at: Val | None = None, on: str = "device", device: str = "",
                vcpu: int = -1, group_name: str = "", name: str = "", shown: str = "", ok_errno: int = 0) -> Step:
    """KVM_{SET,GET,HAS}_DEVICE_ATTR (`request`: "SET" or "KVM_SET_DEVICE_ATTR", ...) of `group` and `attr` on a
    device (`on="device"`: the last one, or the one created as `device`), a vCPU (`on="vcpu"`: the last one, or
    index `vcpu`) or the VM (`on="vm"`): the three fds api.rst 4.80 gives the ioctl.

    attr.addr points at the scratch page holding `value`: bytes as they are, an int or a Val as `width`
    little-endian bytes followed by zeros (so a narrower value the kernel writes back reads as the whole), or, with
    no value, `fill` (zeros by default: what a GET finds before the kernel writes). `pointer` puts attr.addr
    elsewhere; `struct_at` passes its address as the ioctl's argument instead of a struct kvm_device_attr.
    `group_name`, `name` and `shown` are how the group, the attribute and the value read in the report."""
    verb = request.removeprefix("KVM_").removesuffix("_DEVICE_ATTR")
    req = REQUESTS[verb]
    number = val(value) if value is not None and not isinstance(value, bytes) else None

    def fd(s: Scene) -> int:
        if on == "vcpu":
            return s.vcpus[vcpu]
        if on == "vm":
            return s.vm
        return device_fd(s, device)

    def run(s: Scene) -> Result:
        if struct_at is not None:
            return s.ioctl(fd(s), req, struct_at(s))
        if pointer is not None:
            addr = pointer(s)
        elif isinstance(value, bytes):
            addr = s.scratch(value)
        elif number is not None:
            addr = s.scratch((number(s) & ((1 << 8 * width) - 1)).to_bytes(width, "little") + bytes(16))
        else:
            addr = s.scratch(fill or bytes(width + 16))
        return s.ioctl(fd(s), req, kvm.kvm_device_attr(flags=0, group=group, attr=attr, addr=addr))

    where = {"vcpu": " on the vCPU fd" if vcpu == -1 else f" on vCPU {vcpu}'s fd", "vm": " on the VM fd"}.get(
        on, f" on {device}" if device else "")
    if struct_at is not None:
        return step(f"{verb}_DEVICE_ATTR(arg={struct_at}){where}", run, ok_errno)
    what = shown or (f", {value.hex()}" if isinstance(value, bytes) else f", {number}" if number is not None else "")
    what += f", addr={pointer}" if pointer is not None else ""
    return step(f"{verb}_DEVICE_ATTR({group_name or f'group {group}'}, {name or f'attr {attr:#x}'}{what}){where}",
                run, ok_errno)
