"""KVM_CREATE_DEVICE of the RISC-V AIA irqchip (KVM_DEV_TYPE_RISCV_AIA) and KVM_{SET,GET,HAS}_DEVICE_ATTR of its
groups CONFIG, ADDR, CTRL, APLIC and IMSIC.

No document of 6.12 or 7.2 describes the device's attributes (there is no devices/riscv-aia.rst): their expectations
are code-basis, from arch/riscv/kvm/aia_device.c (docs/research/riscv64-aia.md); the errors of the ioctls themselves
are api.rst 4.79's and 4.81's (4.80 does not name riscv: DOC_FINDINGS)."""

from __future__ import annotations

from errno import EBUSY, EEXIST, EINVAL, ENODEV, ENXIO

from abi import kvm, riscv64
from abi.spec.case import DOCUMENT_CONTRADICTS_ITSELF, Case, Finding
from abi.spec.steps.device import HAS, SET, device_attr
from abi.spec.steps.vm import create_device
from abi.spec.steps.x86_vm import ATTR, CREATE_DEVICE_DOC, HAS_ATTR

AIA = create_device(kvm.KVM_DEV_TYPE_RISCV_AIA)
CONFIG, ADDR, CTRL = (riscv64.KVM_DEV_RISCV_AIA_GRP_CONFIG, riscv64.KVM_DEV_RISCV_AIA_GRP_ADDR,
                      riscv64.KVM_DEV_RISCV_AIA_GRP_CTRL)
INIT = device_attr(SET, CTRL, riscv64.KVM_DEV_RISCV_AIA_CTRL_INIT, group_name="CTRL", name="CTRL_INIT")
SRC = "aia_device.c"
RISCV = ("riscv64",)


def _on_aia(id: str, request: str, group: int, attr: int, errno: int, condition: str, cite: str, *,
            value=None, group_name: str = "", name: str = "", setup=(), basis: str = "code") -> Case:
    return Case(id=id, ioctl=request, condition=condition, arch=RISCV, features=("aia",),
                call=device_attr(request, group, attr, value, width=4, group_name=group_name, name=name),
                errno=errno, cite=cite, setup=(AIA, *setup), basis=basis)


CASES: list[Case] = [
    # === KVM_CREATE_DEVICE =================================================================================
    Case(id="aia-create", ioctl="KVM_CREATE_DEVICE", condition="KVM_DEV_TYPE_RISCV_AIA in a new VM", arch=RISCV,
         features=("aia",), call=AIA, errno=0, basis="code",
         cite=f"{SRC}: aia_create (no irqchip yet, the host has Ssaia, no vCPU has run)"),
    Case(id="aia-create-twice", ioctl="KVM_CREATE_DEVICE", condition="a second KVM_DEV_TYPE_RISCV_AIA (one per VM)",
         arch=RISCV, features=("aia",), call=AIA, errno=EEXIST, setup=(AIA,),
         cite=f"{CREATE_DEVICE_DOC} Errors: EEXIST 'Device already created, and this type of device may not be "
         f"instantiated multiple times'; {SRC}: aia_create (irqchip_in_kernel)"),
    Case(id="aia-absent", ioctl="KVM_CREATE_DEVICE",
         condition="KVM_DEV_TYPE_RISCV_AIA where the host has no AIA (no Ssaia: the device type is never registered)",
         arch=RISCV, lacks=("aia",), call=AIA, errno=ENODEV,
         cite=f"{CREATE_DEVICE_DOC} Errors: ENODEV 'The device type is unknown or unsupported'; aia.c: "
         "kvm_riscv_aia_init (registers the device ops only with Ssaia), kvm_main.c: kvm_ioctl_create_device"),
    # === KVM_HAS_DEVICE_ATTR ===============================================================================
    _on_aia("aia-has-unknown-group", HAS, 99, 0, ENXIO, "group 99",
            f"{HAS_ATTR} Errors: ENXIO 'The group or attribute is unknown/unsupported for this device'; {SRC}: "
            "aia_has_attr (no such group)", basis="doc"),
    _on_aia("aia-has-config-unknown", HAS, CONFIG, 7, ENXIO, "CONFIG attr 7 (past GUEST_BITS)",
            f"{HAS_ATTR} Errors: ENXIO; {SRC}: aia_has_attr (CONFIG knows MODE..GUEST_BITS, 0-6)",
            group_name="CONFIG", basis="doc"),
    _on_aia("aia-has-config-mode", HAS, CONFIG, riscv64.KVM_DEV_RISCV_AIA_CONFIG_MODE, 0, "CONFIG_MODE",
            f"{SRC}: aia_has_attr", group_name="CONFIG", name="CONFIG_MODE"),
    _on_aia("aia-has-imsic-addr-without-vcpu", HAS, ADDR, riscv64.KVM_DEV_RISCV_AIA_ADDR_IMSIC(0), ENXIO,
            "ADDR of vCPU 0's IMSIC in a VM without vCPUs",
            f"{SRC}: aia_has_attr (an IMSIC address attribute exists per online vCPU)", group_name="ADDR",
            name="ADDR_IMSIC(0)"),
    _on_aia("aia-has-ctrl-unknown", HAS, CTRL, 1, ENXIO, "CTRL attr 1 (only CTRL_INIT, 0)",
            f"{SRC}: aia_has_attr", group_name="CTRL"),
    # === KVM_SET_DEVICE_ATTR ===============================================================================
    _on_aia("aia-set-unknown-group", SET, 99, 0, ENXIO, "group 99",
            f"{SRC}: aia_set_attr (no such group: -ENXIO, as {ATTR}'s Errors row has it for the architectures it "
            "names, which riscv is not among)", value=0),
    _on_aia("aia-set-mode-unknown", SET, CONFIG, riscv64.KVM_DEV_RISCV_AIA_CONFIG_MODE, EINVAL,
            "CONFIG_MODE 3 (past AUTO)", f"{SRC}: aia_config (a mode other than EMUL, HWACCEL, AUTO)", value=3,
            group_name="CONFIG", name="CONFIG_MODE"),
    _on_aia("aia-set-ids-unaligned", SET, CONFIG, riscv64.KVM_DEV_RISCV_AIA_CONFIG_IDS, EINVAL,
            "CONFIG_IDS 64 (the number of IDs must be 63 modulo 64)",
            f"{SRC}: aia_config (nr & KVM_DEV_RISCV_AIA_IDS_MIN must be KVM_DEV_RISCV_AIA_IDS_MIN)", value=64,
            group_name="CONFIG", name="CONFIG_IDS"),
    _on_aia("aia-init-twice", SET, CTRL, riscv64.KVM_DEV_RISCV_AIA_CTRL_INIT, EBUSY,
            "CTRL_INIT a second time (no vCPU, no sources: the first succeeds)",
            f"{SRC}: aia_init (the irqchip is initialized only once)", setup=(INIT,), group_name="CTRL",
            name="CTRL_INIT"),
    _on_aia("aia-config-after-init", SET, CONFIG, riscv64.KVM_DEV_RISCV_AIA_CONFIG_MODE, EBUSY,
            "CONFIG_MODE EMUL after CTRL_INIT", f"{SRC}: aia_config (writes only before the irqchip is initialized)",
            value=riscv64.KVM_DEV_RISCV_AIA_MODE_EMUL, setup=(INIT,), group_name="CONFIG", name="CONFIG_MODE"),
]


DOC_FINDINGS = [
    Finding(
        "api.rst 4.80 KVM_SET_DEVICE_ATTR/KVM_GET_DEVICE_ATTR (6.12, 7.2): ':Architectures: x86, arm64, s390', while "
        "4.79 KVM_CREATE_DEVICE (all architectures) says the device fd it returns can be used with "
        "KVM_SET/GET/HAS_DEVICE_ATTR, kvm_main.c kvm_device_ioctl serves them for any architecture's device, and "
        "riscv's AIA device (aia_device.c, 6.5+) and powerpc's XICS (devices/xics.rst) are used through them.",
        DOCUMENT_CONTRADICTS_ITSELF),
]
