"""KVM_GET_STATS_FD: the VM's and vCPUs' binary statistics fds."""

from __future__ import annotations

from errno import EMFILE, ENOMEM

from abi.spec.case import Case, DocumentedError, Unreachable
from abi.spec.steps.arm64 import STATS, fill_fd_table
from abi.spec.steps.system import stats_fd
from abi.spec.steps.vm import VCPU0, create_vcpu
from abi.spec.steps.x86_vm import with_no_free_fd


def _stats() -> list[Case]:
    # kvm_main.c's path on every architecture (kvm_vm_ioctl_get_stats_fd, kvm_vcpu_ioctl_get_stats_fd); arm64 has
    # its own older cases above, under ids of their own.
    arch = ("x86_64", "riscv64")
    return [
        Case(id="vm-stats-fd", ioctl="KVM_GET_STATS_FD", condition="on the VM fd", arch=arch,
             call=stats_fd("vm"), errno=0, cite=f"{STATS}: 'Returns: statistics file descriptor on success'"),
        Case(id="vcpu-stats-fd", ioctl="KVM_GET_STATS_FD", condition="on the vCPU fd", arch=arch,
             call=stats_fd("vcpu"), errno=0, cite=f"{STATS}: 'Returns: statistics file descriptor on success'",
             setup=(VCPU0,)),
        Case(id="vm-stats-fd-emfile", ioctl="KVM_GET_STATS_FD",
             condition="on the VM fd, no descriptor free under RLIMIT_NOFILE", arch=arch,
             call=with_no_free_fd(stats_fd("vm")), errno=EMFILE,
             cite=f"{STATS} Errors: EMFILE 'if the number of opened files exceeds the limit'"),
        Case(id="vcpu-stats-fd-emfile", ioctl="KVM_GET_STATS_FD",
             condition="on the vCPU fd, no descriptor free under RLIMIT_NOFILE", arch=arch,
             call=with_no_free_fd(stats_fd("vcpu")), errno=EMFILE,
             cite=f"{STATS} Errors: EMFILE 'if the number of opened files exceeds the limit'", setup=(VCPU0,)),
    ]


CASES: list[Case] = [
    # --- KVM_GET_STATS_FD -----------------------------------------------------------------------------------
    Case(id="stats-fd-vm", ioctl="KVM_GET_STATS_FD", condition="on a VM fd", arch=("arm64",), call=stats_fd("vm"),
         errno=0, cite=STATS),
    Case(id="stats-fd-vcpu", ioctl="KVM_GET_STATS_FD", condition="on a vCPU fd", arch=("arm64",), call=stats_fd("vcpu"),
         errno=0, cite=STATS, setup=(create_vcpu(0),)),
    Case(id="stats-fd-emfile", ioctl="KVM_GET_STATS_FD", condition="with the fd table full", arch=("arm64",),
         call=stats_fd("vm"), errno=EMFILE,
         cite=f"{STATS}, Errors: EMFILE (the number of opened files exceeds the limit)", setup=(fill_fd_table(),)),
    *_stats(),
]

UNREACHABLE = [
    Unreachable("KVM_GET_STATS_FD", ENOMEM,
                "needs an allocation failure inside anon_inode_getfile/kzalloc; no ABI way to provoke it "
                "(fault injection is not built into Debian's kernels)", arch="arm64"),
    Unreachable("KVM_GET_STATS_FD", ENOMEM, "needs anon_inode_getfile to fail for lack of kernel memory; no "
                "userspace control provokes that without fault injection (failslab), which the suite does not "
                "use on a shared host", arch="x86_64"),
    Unreachable("KVM_GET_STATS_FD", ENOMEM, "needs anon_inode_getfile or the kzalloc of kvm_main.c "
                "kvm_vcpu_ioctl_get_stats_fd / kvm_vm_ioctl_get_stats_fd to fail for lack of kernel memory; nothing "
                "userspace controls provokes that without fault injection (failslab), which the suite does not use",
                arch="riscv64"),
]

DOCUMENTED = [
    DocumentedError("KVM_GET_STATS_FD", ENOMEM, "if the fd could not be created due to lack of memory", STATS),
    DocumentedError("KVM_GET_STATS_FD", EMFILE, "if the number of opened files exceeds the limit", STATS),
]
