"""Steps on a device fd (KVM_CREATE_DEVICE's): attributes, and what reads back."""

from __future__ import annotations

import struct

from abi import arm64, kvm
from abi.spec.case import Scene, Step, Val, val
from abi.spec.steps.base import step
from abi.spec.steps.vm import ADDR_NAMES
from abi.target.base import Result

REQUESTS = {"SET": kvm.KVM_SET_DEVICE_ATTR, "GET": kvm.KVM_GET_DEVICE_ATTR, "HAS": kvm.KVM_HAS_DEVICE_ATTR}


def device_fd(s: Scene, name: str = "") -> int:
    """The scene's device: the last one created, or the one created as `name`."""
    return s.named[name] if name else s.devices[-1]


def attr_struct(s: Scene, group: int, attr: int, value: int | None, pointer: Val | None):
    """A kvm_device_attr whose addr points at `pointer`, or at the scratch page holding `value` as a u64 (zero for
    GET, so a u32 the kernel writes reads back as the whole u64)."""
    where = pointer(s) if pointer is not None else s.scratch(struct.pack("<Q", value if value is not None else 0))
    return kvm.kvm_device_attr(flags=0, group=group, attr=attr, addr=where)


def set_attr(attr: int, addr=None, group: int = arm64.KVM_DEV_ARM_VGIC_GRP_ADDR, pointer: Val | None = None,
             request: str = "SET", device: str = "") -> Step:
    """KVM_{SET,GET,HAS}_DEVICE_ATTR on the device fd; the u64 at attr.addr holds `addr` (SET). The default group
    is the vGIC's addresses."""
    req = REQUESTS[request]
    addr_v = val(addr) if addr is not None else None
    name = ADDR_NAMES.get(attr, f"attr {attr:#x}") if group == arm64.KVM_DEV_ARM_VGIC_GRP_ADDR else f"attr {attr:#x}"
    shown = f", {addr_v}" if addr_v is not None else ""
    shown += f", addr={pointer}" if pointer is not None else ""

    def run(s: Scene) -> Result:
        v = addr_v(s) if addr_v is not None else None
        return s.ioctl(device_fd(s, device), req, attr_struct(s, group, attr, v, pointer))

    return step(f"{request}_DEVICE_ATTR(group {group}, {name}{shown})", run)


def get_attr(attr: int, pointer: Val | None = None) -> Step:
    return set_attr(attr, None, pointer=pointer, request="GET")


def has_attr(attr: int) -> Step:
    return set_attr(attr, None, request="HAS")
