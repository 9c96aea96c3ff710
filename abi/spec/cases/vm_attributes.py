"""The arm64 VM's device attributes (devices/vm.rst): the SMCCC filter."""

from __future__ import annotations

from errno import EBUSY, EEXIST, EFAULT, EINTR, EINVAL, ENOMEM, ENXIO

from abi.spec.case import Case, Unreachable
from abi.spec.steps.base import BAD_POINTER
from abi.spec.steps.device import GET, HAS, SET, device_attr
from abi.spec.steps.vcpu import INIT_VCPU, kvm_run
from abi.spec.steps.vcpu_attributes import (
    A_SMCCC,
    G_SMCCC,
    SMCCC,
    SMCCC_C,
    SMCCC_CTRL,
    SMCCC_FILTER,
    SMCCC_FWD_TO_USER,
    SMCCC_HANDLE,
    VENDOR_HYP,
    VM_DOC,
    smccc_filter,
)

CASES: list[Case] = [
    Case(id="smccc-filter", ioctl=SET, condition="deny one standard hypervisor function", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=0, cite=SMCCC,
         device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-fwd", ioctl=SET, condition="forward 16 functions to userspace", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP + 0x10, 16, SMCCC_FWD_TO_USER),
                          on="vm"), errno=0,
         cite=f"{SMCCC}: KVM_SMCCC_FILTER_FWD_TO_USER", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-overlap", ioctl=SET, condition="the same range twice", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST range intersects a previously inserted range",
         setup=(device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"),), device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-overlap-partly", ioctl=SET, condition="a range overlapping an inserted one by one function",
         arch=("arm64",), call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP + 3, 4), on="vm"),
         errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST range intersects a previously inserted range",
         setup=(device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 4), on="vm"),), device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-reserved-smc32", ioctl=SET, condition="0x8000_0000 (Arm Architecture Calls, SMC32)",
         arch=("arm64",), call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0x80000000, 1), on="vm"),
         errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST range intersects a reserved range (0x8000_0000-0x8000_FFFF)", device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-reserved-smc64", ioctl=SET, condition="0xC000_FFFF, the last reserved SMC64 function",
         arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0xC000FFFF, 1, SMCCC_HANDLE), on="vm"),
         errno=EEXIST,
         cite=f"{SMCCC} Returns: EEXIST reserved range 0xC000_0000-0xC000_FFFF", device_doc=VM_DOC, group=G_SMCCC,
         attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-after-run", ioctl=SET, condition="after a vCPU ran", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=EBUSY,
         cite=f"{SMCCC} Returns: EBUSY a vCPU in the VM has already run",
         setup=(INIT_VCPU, kvm_run(immediate_exit=True, vcpu=0, ok_errno=EINTR)),
         device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-empty", ioctl=SET, condition="nr_functions 0", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 0), on="vm"), errno=EINVAL,
         cite=f"{SMCCC} Returns: EINVAL invalid filter configuration", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC,
         kernels="6.4+"),
    Case(id="smccc-filter-wraps", ioctl=SET, condition="base 0xffff_ffff, 2 functions: the range wraps",
         arch=("arm64",), call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(0xFFFFFFFF, 2), on="vm"),
         errno=EINVAL,
         cite=f"{SMCCC}: the range is not allowed to wrap; EINVAL invalid filter configuration", device_doc=VM_DOC,
         group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-filter-bad-action", ioctl=SET, condition="action 3 (past FWD_TO_USER)", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1, 3), on="vm"), errno=EINVAL,
         cite=f"{SMCCC} Returns: EINVAL invalid filter configuration", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC,
         kernels="6.4+"),
    Case(id="smccc-filter-pad", ioctl=SET, condition="pad not zero", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, smccc_filter(VENDOR_HYP, 1, pad=b"\x01" + bytes(14)), on="vm"),
         errno=EINVAL,
         cite=f"{SMCCC}: pad must be zero, KVM may return -EINVAL", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC,
         kernels="6.4+"),
    Case(id="smccc-filter-bad-pointer", ioctl=SET, condition="attr.addr unreadable", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, SMCCC_FILTER, pointer=BAD_POINTER, on="vm"), errno=EFAULT,
         cite=f"{SMCCC_C}: copy_from_user (vm.rst names no EFAULT)", basis="code", device_doc=VM_DOC, group=G_SMCCC,
         attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-unknown-attr", ioctl=SET, condition="attribute 1 of KVM_ARM_VM_SMCCC_CTRL", arch=("arm64",),
         call=device_attr(SET, SMCCC_CTRL, 1, smccc_filter(VENDOR_HYP, 1), on="vm"), errno=ENXIO,
         cite="hypercalls.c: kvm_vm_smccc_set_attr default", basis="code", device_doc=VM_DOC, group=G_SMCCC,
         attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-has", ioctl=HAS, condition="KVM_ARM_VM_SMCCC_FILTER", arch=("arm64",),
         call=device_attr(HAS, SMCCC_CTRL, SMCCC_FILTER, on="vm"), errno=0, cite="hypercalls.c: kvm_vm_smccc_has_attr",
         basis="code", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
    Case(id="smccc-get", ioctl=GET, condition="the write-only filter", arch=("arm64",),
         call=device_attr(GET, SMCCC_CTRL, SMCCC_FILTER, on="vm"), errno=EINVAL,
         cite="arm.c: kvm_arch_vm_ioctl has no KVM_GET_DEVICE_ATTR (vm.rst: 'w/o'); its default is EINVAL",
         basis="code", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC, kernels="6.4+"),
]

UNREACHABLE = [
    Unreachable(SET, ENOMEM, "needs the maple tree node allocation of mtree_insert_range (GFP_KERNEL_ACCOUNT) to "
                "fail: only under a memory cgroup limit or fault injection (failslab). Debian's 6.1 and 6.12 cloud "
                "kernels are built without CONFIG_FAULT_INJECTION, and a memcg limit needs cgroup files written: "
                "the target interface only opens files and issues ioctls, and the agent runs in the root cgroup",
                arch="arm64", device_doc=VM_DOC, group=G_SMCCC, attr=A_SMCCC),
]
