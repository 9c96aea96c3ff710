"""KVM_CREATE_VCPU: ids, limits, and the state that refuses a new vCPU."""

from __future__ import annotations

from errno import EBUSY, EEXIST, EFAULT, EINVAL, EMFILE

from abi import kvm
from abi.spec.case import Case
from abi.spec.steps.arm64 import MAX_VCPU_ID
from abi.spec.steps.base import API, BAD_POINTER, call, capability, step
from abi.spec.steps.device import GET
from abi.spec.steps.gic import G_CTRL, GICD_CTLR, V2_CPU, V2_DIST, C, D, ctrl
from abi.spec.steps.vcpu import RAN
from abi.spec.steps.vgic_v2 import ACCESS, CREATE_V2, DIST_REGS_G, DOC, INIT_FN, INITIALISED, ONE, dist
from abi.spec.steps.vgic_v3 import CTRL_DOC, READY
from abi.spec.steps.vm import IRQCHIP, VCPU0, create_vcpu, create_vcpus, set_addr
from abi.spec.steps.x86_vm import with_no_free_fd


def _create() -> list[Case]:
    max_id = capability("KVM_CAP_MAX_VCPU_ID")
    return [
        Case(id="vcpu-id-max", ioctl="KVM_CREATE_VCPU", condition="id KVM_CAP_MAX_VCPU_ID (ids run below it)",
             arch=("x86_64",), call=call("KVM_CREATE_VCPU", "vm", max_id, "KVM_CAP_MAX_VCPU_ID"), errno=EINVAL,
             cite=f"{API} 4.7 KVM_CREATE_VCPU: 'The maximum possible value for max_vcpu_id can be retrieved using the "
             "KVM_CAP_MAX_VCPU_ID'; kvm_main.c: kvm_vm_ioctl_create_vcpu (id >= KVM_MAX_VCPU_IDS)", basis="code"),
        Case(id="vcpu-id-duplicate", ioctl="KVM_CREATE_VCPU", condition="id 0 twice", arch=("x86_64",),
             call=create_vcpu(0), errno=EEXIST, cite="kvm_main.c: kvm_vm_ioctl_create_vcpu (kvm_get_vcpu_by_id)",
             setup=(VCPU0,), basis="code"),
    ]


def _stats() -> list[Case]:
    return [
        Case(id="create-vcpu-emfile", ioctl="KVM_CREATE_VCPU", condition="no descriptor free under RLIMIT_NOFILE",
             arch=("x86_64",), call=with_no_free_fd(create_vcpu(0)), errno=EMFILE,
             cite="kvm_main.c: create_vcpu_fd (anon_inode_getfd -> get_unused_fd_flags)", basis="code"),
    ]


CASES: list[Case] = [
    # --- KVM_CREATE_VCPU and the vGIC --------------------------------------------------------------------
    Case(id="vcpu-after-vgic-init", ioctl="KVM_CREATE_VCPU", condition="after the vGIC was initialised by a run",
         arch=("arm64",), features=("vgic-v2",), call=create_vcpu(1), errno=EBUSY,
         cite="arm.c: kvm_arch_vcpu_precreate (vgic_initialized)",
         setup=(IRQCHIP, set_addr(V2_DIST, D), set_addr(V2_CPU, C), RAN), basis="code"),
    Case(id="gicv2-ninth-vcpu", ioctl="KVM_CREATE_VCPU", condition="a ninth vCPU with a GICv2", arch=("arm64",),
         features=("vgic-v2",), call=create_vcpu(8), errno=EINVAL,
         cite="kvm_main.c: kvm_vm_ioctl_create_vcpu (created_vcpus >= max_vcpus, 8 on a GICv2 host: "
         "arm.c kvm_arm_default_max_vcpus); api.rst 4.7 gives no errno", setup=(IRQCHIP, create_vcpus(8)),
         basis="code"),
    Case(id="gicv2-vcpu-id-8", ioctl="KVM_CREATE_VCPU", condition="vCPU id 8 with a GICv2", arch=("arm64",),
         features=("vgic-v2",), call=create_vcpu(8), errno=EINVAL,
         cite="arm.c: kvm_arch_vcpu_precreate (id >= max_vcpus)", setup=(IRQCHIP,), basis="code"),
    # a register access initialises the vGIC
    Case(id="dist-get-initialises", ioctl="KVM_CREATE_VCPU", condition="a second vCPU after a GICD_CTLR read",
         arch=("arm64",), features=("vgic-v2",), call=create_vcpu(1), errno=EBUSY,
         cite=f"{ACCESS} calls {INIT_FN}; arm.c kvm_arch_vcpu_precreate refuses vCPUs once the vGIC is initialised",
         setup=(*ONE, dist(GET, GICD_CTLR)), basis="code", group=DIST_REGS_G, device_doc=DOC),
    Case(id="dist-failed-copy-out-initialises", ioctl="KVM_CREATE_VCPU",
         condition="a second vCPU after a GICD_CTLR read whose copy-out failed", arch=("arm64",), features=("vgic-v2",),
         call=create_vcpu(1), errno=EBUSY, cite=f"{ACCESS}: {INIT_FN} runs before the put_user that fails",
         setup=(*ONE, dist(GET, GICD_CTLR, pointer=BAD_POINTER, ok_errno=EFAULT)), basis="code", group=DIST_REGS_G,
         device_doc=DOC),
    Case(id="ctrl-init-no-vcpu-then-vcpu", ioctl="KVM_CREATE_VCPU", condition="a vCPU after CTRL_INIT with none",
         arch=("arm64",), features=("vgic-v2",), call=create_vcpu(0), errno=EBUSY,
         cite="arm.c: kvm_arch_vcpu_precreate (vgic_initialized): the VM can never have a vCPU",
         setup=(CREATE_V2, ctrl()),
         basis="code", group=G_CTRL, device_doc=DOC),
    Case(id="ctrl-init-then-vcpu", ioctl="KVM_CREATE_VCPU", condition="a second vCPU after CTRL_INIT", arch=("arm64",),
         features=("vgic-v2",), call=create_vcpu(1), errno=EBUSY,
         cite="arm.c: kvm_arch_vcpu_precreate (vgic_initialized)", setup=INITIALISED, basis="code", group=G_CTRL,
         device_doc=DOC),
    Case(id="vcpu-after-init", ioctl="KVM_CREATE_VCPU", condition="a vCPU after KVM_DEV_ARM_VGIC_CTRL_INIT",
         arch=("arm64",), features=("vgic-v3",), call=create_vcpu(1), errno=EBUSY,
         cite=f"{CTRL_DOC}: CTRL_INIT must be called after all vCPUs are created; arm.c kvm_arch_vcpu_precreate",
         setup=READY, basis="code"),
    # --- KVM_CREATE_VCPU -----------------------------------------------------------------------------------
    Case(id="vcpu-duplicate-id", ioctl="KVM_CREATE_VCPU", condition="an id already in use", arch=("arm64",),
         call=create_vcpu(0), errno=EEXIST, cite="kvm_main.c: kvm_vm_ioctl_create_vcpu (api.rst 4.7 gives no errno)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="vcpu-id-max", ioctl="KVM_CREATE_VCPU", condition="id = KVM_CAP_MAX_VCPU_ID", arch=("arm64",),
         call=step("KVM_CREATE_VCPU(KVM_CAP_MAX_VCPU_ID)",
              lambda s: s.ioctl(s.vm, kvm.KVM_CREATE_VCPU, MAX_VCPU_ID(s))), errno=EINVAL,
         cite="api.rst 4.7: the id must be below KVM_CAP_MAX_VCPU_ID (no errno); arm.c kvm_arch_vcpu_precreate / "
         "kvm_main.c kvm_vm_ioctl_create_vcpu: EINVAL", basis="code"),
    *_create(),
    *_stats(),
]
