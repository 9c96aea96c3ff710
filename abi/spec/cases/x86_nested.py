"""KVM_GET_NESTED_STATE, KVM_SET_NESTED_STATE, where the vendor module offers nesting."""

from __future__ import annotations

from errno import E2BIG, EFAULT, EINVAL

from abi import x86
from abi.spec.case import Case, DocumentedError, need
from abi.spec.steps.base import API, capability
from abi.spec.steps.vm import VCPU0
from abi.spec.steps.x86_vcpu import NESTED_X86, _nested_size_written, bad, nested_call, set_nested_as_read


def _nested() -> list[Case]:
    """KVM_{GET,SET}_NESTED_STATE (api.rst 4.114, 4.115). KVM_CAP_NESTED_STATE is non-zero exactly when the ioctls
    are served: 6.1 and 6.12 answer nested_ops->get_state(NULL, NULL, 0) when the vendor has get_state (VMX, SVM:
    the header plus one VMCS12 or VMCB, whether or not nested=1), and refuse the ioctls with EINVAL when it has no
    get_state / set_state; the newest x86.c answers 0 and refuses them unless kvm_nested_ops.enabled. Each kernel
    runs one half: the documented behaviour with the capability, the refusal without it."""
    g, st = f"{API} 4.114 KVM_GET_NESTED_STATE", f"{API} 4.115 KVM_SET_NESTED_STATE"
    header = 128  # sizeof(struct kvm_nested_state): the header the vendor copies out first (vmx/svm nested.c)
    most = capability("KVM_CAP_NESTED_STATE")
    refused = ("(6.1, 6.12: no nested_ops->get_state / set_state; newest: !kvm_nested_ops.enabled): EINVAL before "
               "anything is read")
    return [
        Case(id="get-nested-state-size-0", ioctl="KVM_GET_NESTED_STATE", condition="size 0: smaller than any state",
             arch=("x86_64",), call=nested_call("KVM_GET_NESTED_STATE", 0, room=header), errno=E2BIG,
             cite=f"{g} Errors: E2BIG 'the total state size exceeds the value of 'size' specified by the user; the "
                  "size "
             f"required will be written into size'; {NESTED_X86} (put_user of the size, then E2BIG); vmx/svm "
             "nested.c get_state returns the size before copying anything", check=_nested_size_written(header),
             setup=(VCPU0,), needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="get-nested-state-max-size", ioctl="KVM_GET_NESTED_STATE", condition="a buffer of KVM_CHECK_EXTENSION("
             "KVM_CAP_NESTED_STATE) bytes: room for any state", arch=("x86_64",),
             call=nested_call("KVM_GET_NESTED_STATE", most, room=most), errno=0,
             cite=f"{g}: 'The maximum size of the state can be retrieved by passing KVM_CAP_NESTED_STATE to the "
             "KVM_CHECK_EXTENSION ioctl()'", check=_nested_size_written(header), setup=(VCPU0,),
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="get-nested-state-bad-pointer", ioctl="KVM_GET_NESTED_STATE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_GET_NESTED_STATE"), errno=EFAULT,
             cite=f"{NESTED_X86}, KVM_GET_NESTED_STATE (get_user of size)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-as-read", ioctl="KVM_SET_NESTED_STATE",
             condition="what KVM_GET_NESTED_STATE gave for a vCPU that "
             "never entered VMX/SVM operation", arch=("x86_64",), call=set_nested_as_read(), errno=0,
             cite=f"{st}: 'This copies the vcpu's kvm_nested_state struct from userspace to the kernel'; vmx/nested.c "
             "vmx_set_nested_state (vmxon_pa INVALID_GPA: leave nested, 0) / svm/nested.c svm_set_nested_state (no "
             "GUEST_MODE: leave nested, set GIF, 0), 6.1, 6.12, newest", setup=(VCPU0,),
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-size-too-small", ioctl="KVM_SET_NESTED_STATE",
             condition="size 127 (less than the header)", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header - 1), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (kvm_state.size < sizeof(kvm_state))", setup=(VCPU0,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-unknown-flag", ioctl="KVM_SET_NESTED_STATE",
             condition="flags bit 15 (flags is a u16)", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header, flags=1 << 15), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (flags outside the KVM_STATE_NESTED_* set)", setup=(VCPU0,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-run-pending-without-guest-mode", ioctl="KVM_SET_NESTED_STATE",
             condition="flags RUN_PENDING without "
             "GUEST_MODE", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header, flags=x86.KVM_STATE_NESTED_RUN_PENDING), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE ('nested_run_pending implies guest_mode')", setup=(VCPU0,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="set-nested-state-bad-pointer", ioctl="KVM_SET_NESTED_STATE", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_NESTED_STATE"), errno=EFAULT,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (copy_from_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE")),
        Case(id="get-nested-state-no-nested", ioctl="KVM_GET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0, a header of 128 bytes", arch=("x86_64",),
             call=nested_call("KVM_GET_NESTED_STATE", header), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_GET_NESTED_STATE {refused}", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE", False)),
        Case(id="get-nested-state-no-nested-bad-pointer", ioctl="KVM_GET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0 and the "
             "argument is not readable: the support check comes first", arch=("x86_64",),
             call=bad("KVM_GET_NESTED_STATE"), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_GET_NESTED_STATE (support checked before get_user)", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE", False)),
        Case(id="set-nested-state-no-nested", ioctl="KVM_SET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0, a well-formed header", arch=("x86_64",),
             call=nested_call("KVM_SET_NESTED_STATE", header), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE {refused}", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_NESTED_STATE", False)),
        Case(id="set-nested-state-no-nested-bad-pointer", ioctl="KVM_SET_NESTED_STATE",
             condition="KVM_CAP_NESTED_STATE 0 and the "
             "argument is not readable: the support check comes first", arch=("x86_64",),
             call=bad("KVM_SET_NESTED_STATE"), errno=EINVAL,
             cite=f"{NESTED_X86}, KVM_SET_NESTED_STATE (support checked before copy_from_user)", setup=(VCPU0,),
             basis="code", needs=need("KVM_CAP_NESTED_STATE", False)),
    ]


CASES: list[Case] = [
    *_nested(),
]

DOCUMENTED = [
    DocumentedError("KVM_GET_NESTED_STATE", E2BIG, "the total state size exceeds the value of 'size' specified by "
                    "the user; the size required will be written into size.", f"{API} 4.114 KVM_GET_NESTED_STATE"),
]
