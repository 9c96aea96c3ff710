"""KVM_ARM_SET_DEVICE_ADDR's values: the IPA-size VM types its E2BIG rule is checked at."""

from __future__ import annotations

SET_DEVICE_ADDR = "KVM_ARM_SET_DEVICE_ADDR"

API = "api.rst 4.85 KVM_ARM_SET_DEVICE_ADDR (deprecated)"

VGIC_RST = "arm-vgic.rst KVM_DEV_ARM_VGIC_GRP_ADDR"

IORANGE = "vgic-kvm-device.c: vgic_check_iorange"

WRAP = 0xFFFFFFFFFFFFF000  # an aligned DIST frame whose end wraps past 2^64

D2_REASON = (f"{API} and {VGIC_RST} say E2BIG for an address outside the (addressable IPA) space; "
             f"{IORANGE} tests the wrap of addr + size first and returns EINVAL")
