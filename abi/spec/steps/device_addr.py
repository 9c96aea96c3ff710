"""KVM_ARM_SET_DEVICE_ADDR's values: the IPA-size VM types its E2BIG rule is checked at."""

from __future__ import annotations

from abi import arm64, kvm
from abi.spec.case import (
    Val,
)
from abi.spec.steps.vm import (
    ipa_limit,
)

DIST, CPU = arm64.KVM_VGIC_V2_ADDR_TYPE_DIST, arm64.KVM_VGIC_V2_ADDR_TYPE_CPU

D, C = 0x08000000, 0x08010000  # QEMU virt's own GIC layout: in range for any IPA size

SET = "KVM_ARM_SET_DEVICE_ADDR"

API = "api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR (deprecated)"

VGIC_RST = "arm-vgic.rst KVM_DEV_ARM_VGIC_GRP_ADDR"

# The device document's row a KVM_{SET,GET}_DEVICE_ATTR case covers (abi/spec/coverage.py)
VGIC_ROW = {"device_doc": "arm-vgic.rst", "group": "KVM_DEV_ARM_VGIC_GRP_ADDR"}

IORANGE = "vgic-kvm-device.c: vgic_check_iorange"

def _ipa_type(n) -> Val:
    if n == "limit":
        return Val("KVM_VM_TYPE_ARM_IPA_SIZE(KVM_CAP_ARM_VM_IPA_SIZE)", ipa_limit)
    return Val(f"KVM_VM_TYPE_ARM_IPA_SIZE({n})", lambda s, n=n: kvm.KVM_VM_TYPE_ARM_IPA_SIZE(n))

WRAP = 0xFFFFFFFFFFFFF000  # an aligned DIST frame whose end wraps past 2^64

D2_REASON = (f"{API} and {VGIC_RST} say E2BIG for an address outside the (addressable IPA) space; "
             f"{IORANGE} tests the wrap of addr + size first and returns EINVAL")
