"""x86 VM-level vocabulary: counted arrays (MSR lists, CPUID entries), the PIT, MCE, memory slots and real-mode code of
x86 guests, signals during KVM_RUN, one_reg ids of MSRs, the VFIO device, vCPU events, Hyper-V eventfds."""

from __future__ import annotations

import struct
from errno import (
    E2BIG,
    EFAULT,
    EINVAL,
    ENOENT,
    ENXIO,
    EPERM,
)

from abi import kvm, x86
from abi.spec.case import (
    Scene,
    Step,
    Val,
    need,
    val,
)
from abi.spec.steps.base import API, call, capability, step
from abi.spec.steps.guest import x86_real_mode
from abi.spec.steps.vm import create_device, create_vcpu, efd, memory_region
from abi.target.base import Result

ENTRY = 40  # sizeof(struct kvm_cpuid_entry2)

MSR_IA32_SYSENTER_CS = 0x174

MCI_STATUS_VAL = 1 << 63

def counted(head: str, n: int, room: int, size: int) -> bytes:
    """A header whose count field is `n` followed by room for `room` entries of `size` bytes."""
    return struct.pack(head, n, *([0] * (len(head) - 2))) + bytes(room * size)

def out_u32(offset: int = 0):
    return lambda got: struct.unpack_from("<I", got.out, offset)[0]

def count_check(text: str, pred):
    """A check on the count the kernel wrote back (the first u32 of the argument)."""
    def check(s: Scene, got: Result) -> str | None:
        n = out_u32()(got)
        return None if pred(n) else f"the count written back is {n}: expected {text}"

    return check

PIT2 = call("KVM_CREATE_PIT2", "vm", kvm.kvm_pit_config(flags=0), "flags 0")


def interrupt(irq: int) -> Step:
    return call("KVM_INTERRUPT", "vcpu", kvm.kvm_interrupt(irq=irq), f"irq {irq:#x}")

def setup_mce(mcg_cap) -> Step:
    v = mcg_cap if isinstance(mcg_cap, Val) else val(mcg_cap)
    return call("KVM_X86_SETUP_MCE", "vcpu", lambda s: struct.pack("<Q", v(s)), f"mcg_cap {v}")

def set_mce(bank: int, status: int) -> Step:
    return call("KVM_X86_SET_MCE", "vcpu", kvm.kvm_x86_mce(bank=bank, status=status),
                f"bank {bank}, status {status:#x}")

def set_user_memory_region(slot=0, gpa=0x100000, size=0x1000, flags=0, host: Val | int | None = None,
                           ok_errno: int = 0) -> Step:
    """KVM_SET_USER_MEMORY_REGION with every field as given, valid or not (the call under test; vm.memory_region
    is the set-up step); `host` defaults to fresh page-aligned target memory of `size` (a page when size is 0 or
    odd)."""
    slot_v, gpa_v, size_v = val(slot), val(gpa), val(size)

    def run(s: Scene) -> Result:
        n = size_v(s)
        where = host(s) if isinstance(host, Val) else host if host is not None else \
            s.target.alloc(max(4096, n & ~0xFFF))
        r = kvm.kvm_userspace_memory_region(slot=slot_v(s), flags=flags, guest_phys_addr=gpa_v(s), memory_size=n,
                                            userspace_addr=where)
        return s.ioctl(s.vm, s.abi.KVM_SET_USER_MEMORY_REGION, r)

    where = f", host {host}" if host is not None else ""
    fl = f", flags {flags:#x}" if flags else ""
    return step(f"SET_USER_MEMORY_REGION(slot {slot_v}, gpa {gpa_v}, size {size_v}{fl}{where})", run, ok_errno)

# Slot 0 of two pages at 1 MiB; a later step that modifies the slot (moves, resizes, deletes it) must name the host
# memory it was created with, SLOT0_HOST.
SLOT0 = memory_region(0, 0x100000, 0x2000)

SLOT0_HOST = Val("slot 0's host address", lambda s: s.memory["slot0"])

def x86_reg_id(type_: int, index: int, size: int = kvm.KVM_REG_SIZE_U64, rsvd1: int = 0,
               arch: int = kvm.KVM_REG_X86) -> int:
    """struct kvm_x86_reg_id (x86.c): index in bits 31:0, type 39:32, rsvd1 47:40, size, arch."""
    return arch | size | (rsvd1 << 40) | (type_ << 32) | index

CODE_GPA = 0x1000

def real_mode_code(s: Scene, code: bytes) -> Result:
    """The last vCPU (vCPU 0, created, if none) in real mode at CODE_GPA, where slot 0 (a page) holds `code`."""
    got = Result(s.vcpus[-1]) if s.vcpus else create_vcpu(0)(s)
    if not got.ok:
        return got
    x86_real_mode(s, s.vcpus[-1], CODE_GPA)
    return memory_region(0, CODE_GPA, 0x1000, data=code)(s)

def with_no_free_fd(inner: Step) -> Step:
    """`inner` with RLIMIT_NOFILE lowered to the lowest free descriptor: no new fd can be allocated."""
    def run(s: Scene) -> Result:
        soft = s.target.nofile_limit()
        try:
            got = inner(s)
        finally:
            s.target.nofile_limit(soft)
        if got.ok:
            s.keep(got.ret)
        return got

    return step(f"{inner} with RLIMIT_NOFILE = the lowest free fd", run)

def positive(s: Scene, got: Result) -> str | None:
    return None if got.ret > 0 else f"returned {got.ret}, expected a frequency in kHz (> 0)"

def cpuid_entries(limit: int):
    return count_check(f"1..{limit} entries (the number of valid entries)", lambda n: 0 < n <= limit)

def cpuid_entry_bit(function: int, index: int, reg: int, bit: int, want: int, text: str):
    """A check on the table written back: entry (function, index) has bit `bit` of register `reg` (0 eax, 1 ebx,
    2 ecx, 3 edx) equal to `want`; an absent entry counts as all zeros."""
    def check(s: Scene, got: Result) -> str | None:
        n = out_u32()(got)
        for i in range(n):
            f, x = struct.unpack_from("<II", got.out, 8 + ENTRY * i)
            if f == function and x == index:
                value = struct.unpack_from("<I", got.out, 8 + ENTRY * i + 12 + 4 * reg)[0]
                have = value >> bit & 1
                return None if have == want else f"leaf {function:#x}.{index} has {text} = {have}, expected {want}"
        return None if want == 0 else f"leaf {function:#x}.{index} is missing: expected {text} = {want}"

    return check

MSR_LIST = f"{API} 4.3 KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST"

CPUID = f"{API} 4.46 KVM_GET_SUPPORTED_CPUID"

ECPUID = f"{API} 4.88 KVM_GET_EMULATED_CPUID"

INTR = f"{API} 4.16 KVM_INTERRUPT"

MCE_SETUP = f"{API} 4.105 KVM_X86_SETUP_MCE"

MCE_SET = f"{API} 4.106 KVM_X86_SET_MCE"

REINJECT = f"{API} 4.99 KVM_REINJECT_CONTROL"

BOOT = f"{API} 4.41 KVM_SET_BOOT_CPU_ID"

MEMSLOT_FN = "kvm_main.c: kvm_set_memory_region"

ONEREG = "x86.c: kvm_get_set_one_reg"

ONE_REG_KERNELS = "6.18+ (x86 one-reg came after 6.12: 7.2 has it, 6.1 and 6.12 answer EINVAL for the request)"

NO_ONE_REG_KERNELS = "6.1-6.17 (6.1 and 6.12 read; 6.18's KVM_CAP_ONE_REG is 1)"

MCE_BANKS = capability("KVM_CAP_MCE")

PMU_FILTER = f"{API} 4.120 KVM_SET_PMU_EVENT_FILTER"

CREATE_DEVICE_DOC = f"{API} 4.79 KVM_CREATE_DEVICE"

ATTR = f"{API} 4.80 KVM_SET_DEVICE_ATTR/KVM_GET_DEVICE_ATTR"

HAS_ATTR = f"{API} 4.81 KVM_HAS_DEVICE_ATTR"

def x86_pmu_filter(action=x86.KVM_PMU_EVENT_ALLOW, nevents=0, flags=0, room: int | None = None) -> Step:
    """KVM_SET_PMU_EVENT_FILTER: struct kvm_pmu_event_filter (action, nevents, fixed_counter_bitmap, flags,
    pad[4]) and room for `room` events (nevents by default)."""
    room = nevents if room is None else room
    arg = struct.pack("<4I16x", action, nevents, 0, flags) + bytes(8 * room)
    return call("KVM_SET_PMU_EVENT_FILTER", "vm", arg, f"action {action}, nevents {nevents}, flags {flags:#x}")

VFIO = create_device(kvm.KVM_DEV_TYPE_VFIO)

X86_EVENTS = "x86.c: kvm_vcpu_ioctl_x86_set_vcpu_events"

def x86_set_events(flags: int = 0, injected: int = 0, nr: int = 0, shown: str = "") -> Step:
    """KVM_SET_VCPU_EVENTS with what KVM_GET_VCPU_EVENTS read, then `flags` and the exception changed."""
    def run(s: Scene) -> Result:
        a = s.abi
        ev = s.ioctl(s.vcpus[-1], a.KVM_GET_VCPU_EVENTS, a.kvm_vcpu_events()).struct(a.kvm_vcpu_events)
        ev.flags = flags
        if injected:
            ev.exception.injected, ev.exception.nr = injected, nr
        return s.ioctl(s.vcpus[-1], a.KVM_SET_VCPU_EVENTS, ev)

    return step(f"KVM_SET_VCPU_EVENTS({shown or 'as read'})", run)

HV_EVENTFD = f"{API} 4.113 KVM_HYPERV_EVENTFD"

HV_CPUID = f"{API} 4.118 KVM_GET_SUPPORTED_HV_CPUID"

HV_EVENTFD_FN = "hyperv.c: kvm_vm_ioctl_hv_eventfd"

# Hyper-V emulation is built in unconditionally up to 6.7 and only with CONFIG_KVM_HYPERV since (6.12 and the newest
# x86.c put every Hyper-V request and capability under it): a kernel without it answers the capabilities 0, and
# its refusal of the requests is a case of its own.
HAS_HV_EVENTFD, NO_HV_EVENTFD = need("KVM_CAP_HYPERV_EVENTFD"), need("KVM_CAP_HYPERV_EVENTFD", False)

HAS_SYS_HV_CPUID, NO_SYS_HV_CPUID = need("KVM_CAP_SYS_HYPERV_CPUID"), need("KVM_CAP_SYS_HYPERV_CPUID", False)

HAS_HV_CPUID, NO_HV_CPUID = need("KVM_CAP_HYPERV_CPUID"), need("KVM_CAP_HYPERV_CPUID", False)

def hv_eventfd(conn_id: int = 1, flags: int = 0) -> Step:
    """KVM_HYPERV_EVENTFD of the scene's eventfd (irq_delivery.eventfd, as "efd") for `conn_id`."""
    def run(s: Scene) -> Result:
        fd = efd()(s)
        return s.ioctl(s.vm, kvm.KVM_HYPERV_EVENTFD, kvm.kvm_hyperv_eventfd(conn_id=conn_id, fd=fd, flags=flags))

    what = "DEASSIGN" if flags == kvm.KVM_HYPERV_EVENTFD_DEASSIGN else f"flags {flags:#x}"
    return step(f"KVM_HYPERV_EVENTFD(conn_id {conn_id:#x}, the eventfd, {what})", run)

DEASSIGN = kvm.KVM_HYPERV_EVENTFD_DEASSIGN

_ARM64_PART = "the sentence is in the section's ARM64 part; x86.c never returns it for this ioctl"

# The Errors-table rows of the x86 and "all" sections that 6.1, 6.12 and 7.2 share, as api.rst words them (the
# documentation test compares them row for row). Errnos that only the prose names (KVM_INTERRUPT, the MCE and
# CPUID ioctls, ...) have no table row to quote; abi.spec.coverage reads those from the document itself.
_MSR_ROWS = ((EFAULT, "the msr index list cannot be read from or written to"),
             (E2BIG, "the msr index list is too big to fit in the array specified by the user."))

_ATTR_ROWS = ((ENXIO, "The group or attribute is unknown/unsupported for this device or hardware support is "
                      "missing."),
              (EPERM, "The attribute cannot (currently) be accessed this way (e.g. read-only attribute, or "
                      "attribute that only makes sense when the device is in a different state)"))

_REG_ROWS = ((ENOENT, "no such register"),
             (EINVAL, "invalid register ID, or no such register or used with VMs in protected virtualization mode "
                      "on s390"))
