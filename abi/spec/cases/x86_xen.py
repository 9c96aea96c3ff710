"""The Xen ioctls (KVM_XEN_HVM_CONFIG and the HVM and vCPU attributes), refused where Xen emulation is off."""

from __future__ import annotations

from errno import EINVAL, ENOTTY

from abi import kvm
from abi.spec.case import Case, need
from abi.spec.steps.base import API, call
from abi.spec.steps.vm import VCPU0


def _refusals() -> list[Case]:
    """The refusals of a kernel built without Xen (KVM_CAP_XEN_HVM 0), and of memory encryption for a default VM."""
    no_xen = need("KVM_CAP_XEN_HVM", False)
    xen_vm = "x86.c: kvm_arch_vm_ioctl (the Xen requests exist only with CONFIG_KVM_XEN; default: ENOTTY)"
    xen_vcpu = "x86.c: kvm_arch_vcpu_ioctl (the Xen requests exist only with CONFIG_KVM_XEN; default: EINVAL)"
    xen = f"{API} 4.28 KVM_XEN_HVM_CONFIG"
    return [
        Case(id="xen-hvm-config-no-xen", ioctl="KVM_XEN_HVM_CONFIG",
             condition="KVM_CAP_XEN_HVM 0 (built without CONFIG_KVM_XEN)", arch=("x86_64",),
             call=call("KVM_XEN_HVM_CONFIG", "vm", kvm.kvm_xen_hvm_config(), "zeroes"), errno=ENOTTY, cite=xen_vm,
             basis="code", needs=no_xen),
        Case(id="xen-hvm-get-attr-no-xen", ioctl="KVM_XEN_HVM_GET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_HVM_GET_ATTR", "vm", lambda s: s.abi.kvm_xen_hvm_attr(type=0), "LONG_MODE"),
             errno=ENOTTY, cite=xen_vm, basis="code", needs=no_xen),
        Case(id="xen-hvm-set-attr-no-xen", ioctl="KVM_XEN_HVM_SET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_HVM_SET_ATTR", "vm", lambda s: s.abi.kvm_xen_hvm_attr(type=0), "LONG_MODE 0"),
             errno=ENOTTY, cite=xen_vm, basis="code", needs=no_xen),
        Case(id="xen-evtchn-send-no-xen", ioctl="KVM_XEN_HVM_EVTCHN_SEND", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_HVM_EVTCHN_SEND", "vm", kvm.kvm_irq_routing_xen_evtchn(port=1, vcpu=0, priority=0),
                  "port 1"), errno=ENOTTY, cite=xen_vm, basis="code", needs=no_xen),
        Case(id="xen-vcpu-get-attr-no-xen", ioctl="KVM_XEN_VCPU_GET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_VCPU_GET_ATTR", "vcpu", lambda s: s.abi.kvm_xen_vcpu_attr(type=6), "VCPU_ID"),
             errno=EINVAL, cite=xen_vcpu, setup=(VCPU0,), basis="code", needs=no_xen),
        Case(id="xen-vcpu-set-attr-no-xen", ioctl="KVM_XEN_VCPU_SET_ATTR", condition="KVM_CAP_XEN_HVM 0",
             arch=("x86_64",),
             call=call("KVM_XEN_VCPU_SET_ATTR", "vcpu", lambda s: s.abi.kvm_xen_vcpu_attr(type=6), "VCPU_ID 0"),
             errno=EINVAL, cite=xen_vcpu, setup=(VCPU0,), basis="code", needs=no_xen),
        Case(id="xen-hvm-config-unknown-flag", ioctl="KVM_XEN_HVM_CONFIG",
             condition="KVM_CAP_XEN_HVM advertised, flags bit 31", arch=("x86_64",),
             call=call("KVM_XEN_HVM_CONFIG", "vm", kvm.kvm_xen_hvm_config(flags=1 << 31), "flags bit 31"), errno=EINVAL,
             cite=f"{xen}: 'No other flags are currently valid in the struct kvm_xen_hvm_config'; xen.c: "
             "kvm_xen_hvm_config (flags outside the valid set: EINVAL)", needs=need("KVM_CAP_XEN_HVM")),
        Case(id="xen-hvm-config-intercept-with-blob", ioctl="KVM_XEN_HVM_CONFIG",
             condition="INTERCEPT_HCALL with a blob size", arch=("x86_64",),
             call=call("KVM_XEN_HVM_CONFIG", "vm", kvm.kvm_xen_hvm_config(flags=kvm.KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
                                                                      blob_size_32=1), "INTERCEPT_HCALL, blob 1"),
             errno=EINVAL, cite=f"{xen}: 'In this case, all of the blob size and address fields must be zero'; xen.c: "
             "kvm_xen_hvm_config", needs=need("KVM_CAP_XEN_HVM")),
    ]


CASES: list[Case] = [
    *_refusals(),
]
