"""KVM_ENABLE_CAP on a VM: the documented errors and ordering rules of api.rst's capability chapters (6 to 8), on
x86_64 (local) and the arm64 guests.

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1.192, 6.12.118, 7.2.13); the numbers are 7.2's, with
6.1's and 6.12's where they differ: 7.5 KVM_CAP_SPLIT_IRQCHIP, 7.7 KVM_CAP_X2APIC_API, 7.13
KVM_CAP_X86_DISABLE_EXITS, 7.22 KVM_CAP_X86_BUS_LOCK_EXIT, 7.24 KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, 7.25
KVM_CAP_SGX_ATTRIBUTE, 7.28 KVM_CAP_ARM_MTE, 7.32 KVM_CAP_MAX_VCPU_ID, 7.33 KVM_CAP_X86_NOTIFY_VMEXIT, 7.35
KVM_CAP_X86_APIC_BUS_CYCLES_NS (6.12+), 7.36 KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL (8.29 in 6.1
and 6.12), 7.37 KVM_CAP_PMU_CAPABILITY (8.35), 7.38 KVM_CAP_VM_DISABLE_NX_HUGE_PAGES (8.38), 7.39
KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE (8.40 in 6.12), 7.40 KVM_CAP_EXIT_HYPERCALL (8.34), 7.42
KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (7.2), 7.45 KVM_CAP_ARM_SEA_TO_USER (7.2), 8.44 KVM_CAP_MEMORY_FAULT_INFO (7.34
in 6.12), 8.45 KVM_CAP_X86_GUEST_MODE (7.36 in 6.12).
Implementation (Debian 6.1.192, 6.12.118, 7.2.13): virt/kvm/kvm_main.c (kvm_vm_ioctl_enable_cap_generic,
kvm_vm_ioctl_enable_dirty_log_ring, kvm_vm_ioctl_check_extension_generic, kvm_get_dirty_log_protect,
mark_page_dirty_in_slot), virt/kvm/dirty_ring.c (kvm_dirty_ring_reset), arch/x86/kvm/x86.c
(kvm_vm_ioctl_enable_cap, kvm_arch_vcpu_precreate, kvm_emulate_hypercall, complete_hypercall_exit),
arch/x86/kvm/mmu/mmu.c (kvm_handle_error_pfn, kvm_mmu_faultin_pfn), arch/x86/kvm/svm/sev.c
(sev_vm_copy_enc_context_from), arch/x86/kernel/cpu/sgx/main.c (sgx_set_attribute), arch/arm64/kvm/arm.c
(kvm_vm_ioctl_enable_cap), arch/arm64/kvm/sys_regs.c (set_imp_id_reg), arch/arm64/kvm/vgic/vgic-its.c
(vgic_its_ctrl, kvm_arch_allow_write_without_running_vcpu). docs/research/enable_cap.md has every row with its
evidence.

Organised by the ioctl each case calls: KVM_ENABLE_CAP itself (x86 capabilities, arm64 capabilities, the dirty
ring), then the calls whose answer a capability's section documents: KVM_RUN (KVM_CAP_EXIT_HYPERCALL,
KVM_CAP_MEMORY_FAULT_INFO, a write before KVM_RESET_DIRTY_RINGS), KVM_CHECK_EXTENSION, KVM_GET_DIRTY_LOG and the ITS's
table save (the ring's backup bitmap), KVM_SET_ONE_REG (KVM_CAP_ARM_WRITABLE_IMP_ID_REGS). A case names its capability
(`cap=`), whatever it calls. KVM_CAP_SPLIT_IRQCHIP's rule is x86_state.py's split-irqchip-after-vcpu; the dirty ring's
rules 2 and 5 (arm64) memory_dirty.py's ring-after-vcpu and ring-bitmap-no-ring.

What a host lacks is a capability it answers 0 for (`needs=`); the x86 expectations hold for kvm_intel and kvm_amd
alike (a vendor callback is only reached where both answer the same). Dropping CAP_SYS_BOOT acts on the process
that issues the ioctls: that step needs the local target.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import struct
from errno import EAGAIN, EBUSY, EFAULT, EINTR, EINVAL, ENOSYS, ENOTTY, ENXIO, EPERM

from abi import arm64, kvm, layout
from abi.spec.arm64_vcpu import PC, get_reg
from abi.spec.arm_vgic_v3 import (
    COLL_TABLE,
    DEV_TABLE,
    GITS_BASER0,
    GITS_BASER1,
    ITS_PLACED,
    PAGE_64K,
    READY,
    SLOT_SIZE,
    TABLES,
    VALID,
    ctrl,
    its_reg,
)
from abi.spec.case import (
    DOCUMENT_SILENT,
    Case,
    Deviation,
    Finding,
    Observed,
    Scene,
    Step,
    Unreachable,
    Val,
    need,
)
from abi.spec.memory_dirty import (
    ACQ_REL,
    DIRTY,
    GMEM,
    GUEST_MEMFD,
    WITH_BITMAP,
    X86_CODE,
    X86_CODE_GPA,
    dirty_entries,
    enable_cap,
    get_log,
    gmem_region,
    guest_writes,
    log_slot,
    ring,
    ring_entry,
)
from abi.spec.steps.base import step
from abi.spec.steps.guest import x86_real_mode
from abi.spec.steps.vcpu import INIT_VCPU, RAN, kvm_run_map
from abi.spec.steps.vm import IRQCHIP, create_vcpu
from abi.target.base import EHWPOISON, Result

API = "api.rst"
MAIN = "kvm_main.c"
X86 = "x86.c: kvm_vm_ioctl_enable_cap"
ARM = "arm.c: kvm_vm_ioctl_enable_cap"
BIT31 = 1 << 31  # no capability here defines bit 31 of args[0]

X2APIC = f"{API} 7.7 KVM_CAP_X2APIC_API"
EXITS = f"{API} 7.13 KVM_CAP_X86_DISABLE_EXITS"
BUS_LOCK = f"{API} 7.22 KVM_CAP_X86_BUS_LOCK_EXIT"
COPY_ENC = f"{API} 7.24 KVM_CAP_VM_COPY_ENC_CONTEXT_FROM"
SGX = f"{API} 7.25 KVM_CAP_SGX_ATTRIBUTE"
MTE = f"{API} 7.28 KVM_CAP_ARM_MTE"
MAX_ID = f"{API} 7.32 KVM_CAP_MAX_VCPU_ID"
NOTIFY = f"{API} 7.33 KVM_CAP_X86_NOTIFY_VMEXIT"
BUS_CYCLES = f"{API} 7.35 KVM_CAP_X86_APIC_BUS_CYCLES_NS"
RING = f"{API} 7.36 (8.29 in 6.1 and 6.12) KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL"
PMU = f"{API} 7.37 (8.35 in 6.1 and 6.12) KVM_CAP_PMU_CAPABILITY"
NX = f"{API} 7.38 (8.38 in 6.1 and 6.12) KVM_CAP_VM_DISABLE_NX_HUGE_PAGES"
SPLIT_CHUNK = f"{API} 7.39 (8.40 in 6.12) KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE"
HYPERCALL = f"{API} 7.40 (8.34 in 6.1 and 6.12) KVM_CAP_EXIT_HYPERCALL"
IMP_ID = f"{API} 7.42 KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"
FAULT_INFO = f"{API} 8.44 (7.34 in 6.12) KVM_CAP_MEMORY_FAULT_INFO"
GUEST_MODE = f"{API} 8.45 (7.36 in 6.12) KVM_CAP_X86_GUEST_MODE"

# include/uapi/linux/kvm_para.h (not part of the model: no ioctl takes them, the guest sees them in RAX).
KVM_HC_MAP_GPA_RANGE = 12
KVM_ENOSYS = 1000
CAP_SYS_BOOT = 22  # include/uapi/linux/capability.h

BUS_CYCLES_KERNELS = "6.12+ (KVM_CAP_X86_APIC_BUS_CYCLES_NS came after 6.1; checked in 6.12's and 7.2's x86.c)"
FAULT_KERNELS = "6.8+ (KVM_CAP_MEMORY_FAULT_INFO came in 6.8; checked in 6.12's and 7.2's mmu.c)"
BITMAP_KERNELS = "6.2+ (KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP came in 6.2; its rules are 6.12's and 7.2's)"




def enable(name: str, arg0: Val | int = 0, ok_errno: int = 0) -> Step:
    """KVM_ENABLE_CAP(name) on the VM fd with args[0] = arg0."""
    return enable_cap(getattr(kvm, name), name.removeprefix("KVM_CAP_"), arg0, ok_errno=ok_errno)


def cap_value(name: str) -> Val:
    """What KVM_CHECK_EXTENSION(name) answers on the VM fd."""
    return Val(f"KVM_CHECK_EXTENSION({name})", lambda s: s.cap(getattr(kvm, name), s.vm))


VCPU = create_vcpu(0)
SPLIT = enable("KVM_CAP_SPLIT_IRQCHIP", 24)


# --- other VMs, other fds -----------------------------------------------------------------------------------

def _other_vm(s: Scene) -> int:
    return s.keep(s.ioctl(s.kvm, kvm.KVM_CREATE_VM, 0).value())


OTHER_VM = Val("the fd of another default VM (no SEV guest)", _other_vm)
VM_FD = Val("the VM's own fd (not an SGX attribute file)", lambda s: s.vm)
NO_FD = 0x7FFFFFFF  # far above RLIMIT_NOFILE: never an open fd


# --- CAP_SYS_BOOT of the calling thread (KVM_CAP_VM_DISABLE_NX_HUGE_PAGES) ------------------------------------

class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_libc = None


def _caps(new: tuple[int, int] | None = None) -> tuple[int, int]:
    """The calling thread's effective and permitted capabilities 0-31 (capget), after setting the effective set to
    new[0] when given (capset)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if _libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    if new is not None:
        data[0].effective = new[0]
        if _libc.capset(ctypes.byref(header), data) != 0:
            raise OSError(ctypes.get_errno(), "capset")
    return data[0].effective, data[0].permitted


def _local(s: Scene, what: str) -> None:
    if s.target.name != "local":
        raise RuntimeError(f"{what} acts on the process issuing the ioctls: only the local target can")


def without_sys_boot(inner: Step) -> Step:
    """`inner` with CAP_SYS_BOOT cleared from the calling thread's effective set (restored afterwards)."""
    def run(s: Scene) -> Result:
        _local(s, "dropping CAP_SYS_BOOT")
        effective, _ = _caps()
        _caps((effective & ~(1 << CAP_SYS_BOOT), 0))
        try:
            return inner(s)
        finally:
            _caps((effective, 0))

    return step(f"{inner} with CAP_SYS_BOOT dropped from the thread's effective capabilities", run)


def _has_sys_boot(s: Scene) -> Result:
    _local(s, "CAP_SYS_BOOT")
    if not _caps()[0] & (1 << CAP_SYS_BOOT):
        raise AssertionError("the process issuing the ioctls lacks CAP_SYS_BOOT: KVM_CAP_VM_DISABLE_NX_HUGE_PAGES "
                             "answers EPERM before any other check (x86.c kvm_vm_ioctl_enable_cap)")
    return Result(0)


HAS_SYS_BOOT = step("CAP_SYS_BOOT is in the thread's effective capabilities", _has_sys_boot)


# --- an x86 guest in real mode -----------------------------------------------------------------------------

# 16-bit code at X86_CODE_GPA: eax = KVM_HC_MAP_GPA_RANGE, ebx = gpa 0, ecx = 1 page, edx = 0 attributes, VMCALL,
# then HLT (KVM_EXIT_HLT without an in-kernel irqchip). VMCALL is Intel's; on AMD it raises #UD, which KVM
# emulates as the hypercall (the FIX_HYPERCALL_INSN quirk, on by default), so both vendors run the hypercall.
HYPERCALL_CODE = bytes([0x66, 0xB8, KVM_HC_MAP_GPA_RANGE, 0, 0, 0,  # mov eax, 12
                        0x66, 0xBB, 0, 0, 0, 0,  # mov ebx, 0
                        0x66, 0xB9, 1, 0, 0, 0,  # mov ecx, 1
                        0x66, 0x31, 0xD2,  # xor edx, edx
                        0x0F, 0x01, 0xC1,  # vmcall
                        0xF4])  # hlt


def x86_guest(code: bytes, slot_size: int = 0x2000) -> Step:
    """vCPU 0 in real mode at X86_CODE_GPA, slot 0 (GPA 0, `slot_size` bytes) holding `code` there, kvm_run
    mapped."""
    def run(s: Scene) -> Result:
        got = create_vcpu(0)(s)
        if not got.ok:
            return got
        x86_real_mode(s, got.ret, X86_CODE_GPA)
        host = s.target.alloc(slot_size)
        s.target.write(host + X86_CODE_GPA, code)
        kvm_run_map(s)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=0, flags=0, guest_phys_addr=0, memory_size=slot_size, userspace_addr=host))

    return step(f"KVM_CREATE_VCPU(0) in real mode at {X86_CODE_GPA:#x}, slot 0 holding {code.hex(' ')}", run)


def _run_field(s: Scene, name: str, size: int = 4) -> int:
    data = s.target.read(kvm_run_map(s) + layout.offsetof(s.abi.kvm_run, name), size)
    return int.from_bytes(data, "little")


def _write_run_field(s: Scene, name: str, value: int, size: int) -> None:
    s.target.write(kvm_run_map(s) + layout.offsetof(s.abi.kvm_run, name), value.to_bytes(size, "little"))


RUN_LIMIT = 2.0  # seconds a KVM_RUN of these few guest instructions may take before the backstop ends it


def bounded_run(s: Scene) -> Result:
    """KVM_RUN of vCPU 0 that cannot hang: on the local target a SIGALRM backstop (every 0.2 s after RUN_LIMIT)
    ends a KVM_RUN that never leaves the guest, and the Result says so (timed_out); a guest's target has its own
    time limit that does the same."""
    _write_run_field(s, "immediate_exit", 0, 1)
    fd = s.vcpus[-1]
    if s.target.name != "local":
        return s.ioctl(fd, kvm.KVM_RUN, 0)
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    signal.setitimer(signal.ITIMER_REAL, RUN_LIMIT, 0.2)
    try:
        got = s.ioctl(fd, kvm.KVM_RUN, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, old)
    if fired and not got.ok and got.errno == EINTR:
        return Result(got.ret, got.errno, got.out, got.request, timed_out=True)
    return got


def _exit_must_be(s: Scene, reason: int, name: str) -> None:
    have = _run_field(s, "exit_reason")
    if have != reason:
        raise AssertionError(f"KVM_RUN left with exit_reason {have}, expected {name} ({reason}): the guest did not "
                             "run as written")


def run_until(reason: int, name: str) -> Step:
    """KVM_RUN of vCPU 0 (bounded), which must leave with exit_reason `reason`."""
    def run(s: Scene) -> Result:
        got = bounded_run(s)
        if got.ok:
            _exit_must_be(s, reason, name)
        return got

    return step(f"KVM_RUN (must exit with {name})", run)


_GUEST_ERRNO = {(-KVM_ENOSYS) & 0xFFFFFFFF: ENOSYS, EINVAL: EINVAL, EAGAIN: EAGAIN}


def hypercall_return(answer: tuple[int, str] | None = None) -> Step:
    """KVM_RUN of the hypercall guest to its HLT, then the hypercall's return value from RAX (KVM_GET_REGS, 32 bits:
    a real-mode hypercall): -KVM_ENOSYS (kvm_para.h) is given as ENOSYS, a positive EINVAL or EAGAIN (what
    userspace may store in hypercall.ret) as that errno, anything else as the value. With `answer`, the first
    KVM_RUN must exit with KVM_EXIT_HYPERCALL, and userspace sets kvm_run.hypercall.ret to answer[0] before running
    on. A KVM_RUN the backstop ended is the result (timed out)."""
    def run(s: Scene) -> Result:
        if answer is not None:
            got = bounded_run(s)
            if not got.ok:
                return got
            _exit_must_be(s, kvm.KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL")
            _write_run_field(s, "hypercall.ret", answer[0], 8)
        got = bounded_run(s)
        if not got.ok:
            return got
        _exit_must_be(s, kvm.KVM_EXIT_HLT, "KVM_EXIT_HLT")
        rax = s.ioctl(s.vcpus[-1], s.abi.KVM_GET_REGS, s.abi.kvm_regs()).struct(s.abi.kvm_regs).rax & 0xFFFFFFFF
        if rax in _GUEST_ERRNO:
            return Result(-1, _GUEST_ERRNO[rax])
        return Result(rax)

    head = f"KVM_RUN to KVM_EXIT_HYPERCALL; kvm_run.hypercall.ret = {answer[1]}; " if answer else ""
    return step(f"{head}KVM_RUN to HLT; the hypercall's return value in RAX (-KVM_ENOSYS read as ENOSYS)", run)


# The store of memory_dirty's guest code (`mov byte [0x2000], 1`) lands in slot 1 at GPA 0x2000, whose host range
# is unmapped: the memslot is valid but no VMA backs it.
HOLE_GPA = 0x2000


def store_without_vma() -> Step:
    """vCPU 0 runs `mov byte [0x2000], 1; hlt`; slot 1 (GPA 0x2000, one page) points at host memory that was
    unmapped again (no VMA). kvm_run.exit_reason is cleared before KVM_RUN."""
    def run(s: Scene) -> Result:
        got = x86_guest(X86_CODE)(s)
        if not got.ok:
            return got
        hole = s.target.alloc(0x1000)
        s.target.munmap(hole, 0x1000)
        s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=1, flags=0, guest_phys_addr=HOLE_GPA, memory_size=0x1000, userspace_addr=hole)).value()
        _write_run_field(s, "exit_reason", 0, 4)
        return bounded_run(s)

    return step("KVM_RUN: the guest stores to GPA 0x2000, in a memslot whose host memory has no VMA", run)


def memory_fault_reported(s: Scene, got: Result) -> str | None:
    reason = _run_field(s, "exit_reason")
    if reason != kvm.KVM_EXIT_MEMORY_FAULT:
        return f"kvm_run.exit_reason is {reason}, expected KVM_EXIT_MEMORY_FAULT ({kvm.KVM_EXIT_MEMORY_FAULT})"
    gpa = _run_field(s, "memory_fault.gpa", 8)
    return None if gpa == HOLE_GPA else f"kvm_run.memory_fault.gpa is {gpa:#x}, expected {HOLE_GPA:#x}"


def memory_fault_not_reported(s: Scene, got: Result) -> str | None:
    reason = _run_field(s, "exit_reason")
    return None if reason != kvm.KVM_EXIT_MEMORY_FAULT else "kvm_run.exit_reason is KVM_EXIT_MEMORY_FAULT"


# --- the dirty ring ------------------------------------------------------------------------------------------

def harvest_all() -> Step:
    """Userspace harvests every dirty entry of vCPU 0's ring (flags 01 -> 1X), without KVM_RESET_DIRTY_RINGS."""
    def run(s: Scene) -> Result:
        entries = dirty_entries(s)
        if not entries:
            raise AssertionError("vCPU 0's ring has no dirty entry to harvest")
        for i in range(len(entries)):
            s.target.write(_ring_addr(s, i), struct.pack("<I", kvm.KVM_DIRTY_GFN_F_RESET))
        s.remembered["harvested"] = len(entries)
        return Result(0)

    return step("harvest every dirty entry of vCPU 0's ring (flags = KVM_DIRTY_GFN_F_RESET), no reset", run)


def _ring_addr(s: Scene, index: int) -> int:
    ring_entry(s, index)  # maps the ring
    return s.memory["ring_map"] + index * 16


def rerun_guest() -> Step:
    """vCPU 0 runs memory_dirty's guest code once more from its start (x86: real mode at X86_CODE_GPA; arm64: PC 0):
    it stores to page 2 again and exits."""
    def run(s: Scene) -> Result:
        if s.target.arch == "x86_64":
            x86_real_mode(s, s.vcpus[-1], X86_CODE_GPA)
        else:
            got = s.ioctl(s.vcpus[-1], kvm.KVM_SET_ONE_REG, kvm.kvm_one_reg(id=PC, addr=s.scratch(bytes(8))))
            if not got.ok:
                return got
        return guest_writes()(s)

    return step("rewind vCPU 0 to the guest code's start; KVM_RUN: it stores to page 2 again, then exits", run)


def no_entry_after_harvested(s: Scene, got: Result) -> str | None:
    n = s.remembered["harvested"]
    flags, slot, offset = ring_entry(s, n)
    if flags & kvm.KVM_DIRTY_GFN_F_DIRTY:
        return f"ring entry {n} (after the {n} harvested) is dirty: slot {slot:#x}, offset {offset}"
    return None


def logged_tables() -> Step:
    """arm_vgic_v3's guest memory (slot 0 at IPA 0, the ITS tables of its round trip), dirty-logged."""
    def run(s: Scene) -> Result:
        mem = s.target.alloc(SLOT_SIZE)
        for offset, value in TABLES.items():
            s.target.write(mem + offset, struct.pack("<Q", value))
        s.memory["memslot"] = mem
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=0, flags=kvm.KVM_MEM_LOG_DIRTY_PAGES, guest_phys_addr=0, memory_size=SLOT_SIZE, userspace_addr=mem))

    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes, LOG_DIRTY_PAGES, ITS tables)",
                run)


def table_pages_dirty(s: Scene, got: Result) -> str | None:
    """The bitmap the last KVM_GET_DIRTY_LOG wrote has the pages of the collection and device tables."""
    word = int.from_bytes(s.target.read(s.memory["bitmap"], 8), "little")
    want = {COLL_TABLE // 0x1000, DEV_TABLE // 0x1000}
    have = {i for i in range(64) if word >> i & 1}
    return None if want <= have else f"the bitmap has pages {sorted(have)} dirty, expected {sorted(want)} among them"


def _log_again_dirty(s: Scene, got: Result) -> str | None:
    get_log()(s).value()
    return table_pages_dirty(s, got)


ITS_SAVE = ctrl(arm64.KVM_DEV_ARM_ITS_SAVE_TABLES, on="its")
# The bitmap backs the ring (6.12+ arm64): ring, then WITH_BITMAP before any memslot, then the restored ITS of
# arm_vgic_v3's round trip in a logged slot; KVM_GET_DIRTY_LOG collects (nothing dirty: only the VMM wrote).
RING_BITMAP_ITS = (ring(), enable("KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP"), *READY, *ITS_PLACED, logged_tables(),
                   its_reg(GITS_BASER0, VALID | DEV_TABLE | PAGE_64K, request="SET"),
                   its_reg(GITS_BASER1, VALID | COLL_TABLE | PAGE_64K, request="SET"),
                   ctrl(arm64.KVM_DEV_ARM_ITS_RESTORE_TABLES, on="its"), get_log())


# --- arm64: MIDR_EL1 --------------------------------------------------------------------------------------------

MIDR_EL1 = arm64.ARM64_SYS_REG(3, 0, 0, 0, 0)


def _midr_changed(s: Scene) -> bytes:
    """MIDR_EL1 as the vCPU reads it with its Revision field's bit 0 flipped: inside the writable mask (31:0)."""
    get_reg(MIDR_EL1, "MIDR_EL1")(s).value()
    value = struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]
    return struct.pack("<Q", value ^ 1)


def set_midr_changed() -> Step:
    return step("KVM_SET_ONE_REG(MIDR_EL1 = as read, Revision bit 0 flipped)",
                lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_SET_ONE_REG,
                                  kvm.kvm_one_reg(id=MIDR_EL1, addr=s.scratch(_midr_changed(s)))))


# --- the cases ----------------------------------------------------------------------------------------------

def _x86_caps() -> list[Case]:
    """KVM_ENABLE_CAP of the x86 capabilities (7.7-7.38 [8.38], 6.12's informational 7.34 and 7.36)."""
    return [
        # 7.7 KVM_CAP_X2APIC_API
        Case(id="x2apic-api-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such feature)",
             arch=("x86_64",), call=enable("KVM_CAP_X2APIC_API", BIT31), errno=EINVAL,
             cite=f"{X2APIC}: ':Returns: ... -EINVAL when args[0] contains invalid features'; {X86} (args[0] outside "
             "KVM_X2APIC_API_VALID_FLAGS)", cap="KVM_CAP_X2APIC_API"),
        Case(id="x2apic-api-suppress-eoi-both", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_ and DISABLE_SUPPRESS_EOI_BROADCAST together", arch=("x86_64",),
             call=enable("KVM_CAP_X2APIC_API", (1 << 2) | (1 << 3)), errno=EINVAL,
             cite=f"{X2APIC} (7.2): 'Setting both KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST and "
             "KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST will fail with an EINVAL error'; 6.1 and 6.12 refuse the two "
             "bits as invalid features", setup=(SPLIT,), cap="KVM_CAP_X2APIC_API", doc_row=2),
        Case(id="x2apic-api-suppress-eoi-no-split", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_SUPPRESS_EOI_BROADCAST without a split irqchip", arch=("x86_64",),
             call=enable("KVM_CAP_X2APIC_API", 1 << 2), errno=EINVAL,
             cite=f"{X2APIC} (7.2): '... as will setting KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST without a split "
             "IRCHIP'; 6.1 and 6.12 refuse the bit as an invalid feature", cap="KVM_CAP_X2APIC_API", doc_row=2),
        Case(id="x2apic-api-suppress-eoi-split", ioctl="KVM_ENABLE_CAP",
             condition="ENABLE_SUPPRESS_EOI_BROADCAST with a split irqchip", arch=("x86_64",),
             call=enable("KVM_CAP_X2APIC_API", 1 << 2), errno=0,
             cite=f"{X2APIC} (7.2): 'This flag is supported only when using a split IRQCHIP'", setup=(SPLIT,),
             cap="KVM_CAP_X2APIC_API",
             kernels="7.2+ (the flag came after 6.12; 6.1 and 6.12 refuse it as an invalid feature)"),
        # 7.13 KVM_CAP_X86_DISABLE_EXITS
        Case(id="disable-exits-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such exit)",
             arch=("x86_64",), call=enable("KVM_CAP_X86_DISABLE_EXITS", BIT31), errno=EINVAL,
             cite=f"{EXITS}: ':Returns: 0 on success, -EINVAL when args[0] contains invalid exits'; {X86} (6.1, "
             "6.12: outside KVM_X86_DISABLE_VALID_EXITS; 7.2: outside kvm_get_allowed_disable_exits())",
             cap="KVM_CAP_X86_DISABLE_EXITS"),
        Case(id="disable-exits-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="PAUSE exits, after KVM_CREATE_VCPU",
             arch=("x86_64",), call=enable("KVM_CAP_X86_DISABLE_EXITS", kvm.KVM_X86_DISABLE_EXITS_PAUSE), errno=EINVAL,
             cite=f"{EXITS} (7.2): '-EINVAL when args[0] contains invalid exits or if any vCPUs have already been "
             f"created'; {X86} (7.2: created_vcpus under kvm->lock)", setup=(VCPU,), cap="KVM_CAP_X86_DISABLE_EXITS",
             order_row=1, kernels="7.2+ (6.1 and 6.12 accept it after vCPU creation, and document no such rule)"),
        # 7.22 KVM_CAP_X86_BUS_LOCK_EXIT
        Case(id="bus-lock-exit-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such mode)",
             arch=("x86_64",), call=enable("KVM_CAP_X86_BUS_LOCK_EXIT", BIT31), errno=EINVAL,
             cite=f"{BUS_LOCK}: ':Returns: 0 on success, -EINVAL when args[0] contains invalid bits'; {X86} (outside "
             "KVM_BUS_LOCK_DETECTION_VALID_MODE)", cap="KVM_CAP_X86_BUS_LOCK_EXIT"),
        Case(id="bus-lock-exit-both-modes", ioctl="KVM_ENABLE_CAP", condition="OFF and EXIT together", arch=("x86_64",),
             call=enable("KVM_CAP_X86_BUS_LOCK_EXIT", kvm.KVM_BUS_LOCK_DETECTION_OFF
                         | kvm.KVM_BUS_LOCK_DETECTION_EXIT), errno=EINVAL,
             cite=f"{BUS_LOCK}: 'The supported modes are mutually-exclusive' (refused; errno from {X86}: OFF and EXIT "
             "both set)", cap="KVM_CAP_X86_BUS_LOCK_EXIT", doc_row=0),
        # 7.24 KVM_CAP_VM_COPY_ENC_CONTEXT_FROM
        Case(id="copy-enc-context-not-sev", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = another default VM's fd (neither is an SEV guest)", arch=("x86_64",),
             call=enable("KVM_CAP_VM_COPY_ENC_CONTEXT_FROM", OTHER_VM), errno=ENOTTY,
             cite=f"{COPY_ENC}: ':Returns: 0 on success; ENOTTY on error'", cap="KVM_CAP_VM_COPY_ENC_CONTEXT_FROM",
             deviation=Deviation(
                 f"{COPY_ENC} documents ENOTTY for any error; {X86} answers EINVAL when the vendor has no "
                 "vm_copy_enc_context_from (VMX), and svm/sev.c sev_vm_copy_enc_context_from answers EINVAL when the "
                 "source is no SEV guest (EBADF for an fd that is no VM): no path returns ENOTTY (6.1, 6.12, 7.2)",
                 EINVAL)),
        # 7.25 KVM_CAP_SGX_ATTRIBUTE
        Case(id="sgx-attribute-not-attribute-file", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = the VM fd, no SGX attribute file", arch=("x86_64",),
             call=enable("KVM_CAP_SGX_ATTRIBUTE", VM_FD), errno=EINVAL,
             cite=f"{SGX}: ':Returns: 0 on success, -EINVAL if the file handle is invalid ...'; sgx/main.c: "
             "sgx_set_attribute (f_op is not sgx_provision_fops: -EINVAL); without CONFIG_X86_SGX_KVM "
             f"{X86}'s default is -EINVAL too", cap="KVM_CAP_SGX_ATTRIBUTE"),
        Case(id="sgx-attribute-no-fd", ioctl="KVM_ENABLE_CAP", condition="args[0] = 0x7fffffff, no open fd",
             arch=("x86_64",), call=enable(
             "KVM_CAP_SGX_ATTRIBUTE", NO_FD), errno=EINVAL,
             cite=f"{SGX}: '-EINVAL if the file handle is invalid'; sgx/main.c: sgx_set_attribute (fget fails)",
             cap="KVM_CAP_SGX_ATTRIBUTE"),
        # 7.32 KVM_CAP_MAX_VCPU_ID
        Case(id="max-vcpu-id-beyond", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) + 1", arch=("x86_64",),
             call=enable("KVM_CAP_MAX_VCPU_ID", Val("KVM_CAP_MAX_VCPU_ID + 1",
                                                    lambda s: cap_value("KVM_CAP_MAX_VCPU_ID")(s) + 1)), errno=EINVAL,
             cite=f"{MAX_ID}: '-EINVAL if args[0] is beyond KVM_MAX_VCPU_IDS supported in KVM'; {X86} "
             "(x86.c answers KVM_MAX_VCPU_IDS to KVM_CHECK_EXTENSION)", cap="KVM_CAP_MAX_VCPU_ID"),
        Case(id="max-vcpu-id-twice", ioctl="KVM_ENABLE_CAP", condition="args[0] 16 after it was set to 8",
             arch=("x86_64",), call=enable("KVM_CAP_MAX_VCPU_ID", 16), errno=EINVAL,
             cite=f"{MAX_ID}: '-EINVAL if ... it has been set'; {X86} (max_vcpu_ids set and different)",
             setup=(enable("KVM_CAP_MAX_VCPU_ID", 8),), cap="KVM_CAP_MAX_VCPU_ID", order_row=1),
        Case(id="max-vcpu-id-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="args[0] 16 after KVM_CREATE_VCPU",
             arch=("x86_64",), call=enable("KVM_CAP_MAX_VCPU_ID", 16), errno=EINVAL,
             cite=f"{MAX_ID}: the maximum APIC ID is specified 'prior to the creation of vCPUs' (refused; "
             f"kvm_arch_vcpu_precreate sets max_vcpu_ids to KVM_MAX_VCPU_IDS at the first vCPU, so {X86} finds it "
             "set and different: -EINVAL)", setup=(VCPU,), cap="KVM_CAP_MAX_VCPU_ID", order_row=2, basis="code"),
        Case(id="max-vcpu-id-after-vcpu-same", ioctl="KVM_ENABLE_CAP",
             condition="args[0] = KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) after "
             "KVM_CREATE_VCPU: no change", arch=("x86_64",),
             call=enable("KVM_CAP_MAX_VCPU_ID", cap_value("KVM_CAP_MAX_VCPU_ID")), errno=0,
             cite=f"{MAX_ID}: 'The value can be changed only until ... a vCPU is created'; {X86} accepts "
             "the value it already has (max_vcpu_ids == args[0]: 0)", setup=(VCPU,), cap="KVM_CAP_MAX_VCPU_ID",
             order_row=3, basis="code"),
        Case(id="max-vcpu-id-zero-then-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 8 after args[0] 0 and KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable("KVM_CAP_MAX_VCPU_ID", 8), errno=EINVAL,
             cite=f"{MAX_ID}: 'Upon creation of the first vCPU, if the value was set to zero ..., KVM uses the return "
             "value of KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID)': the value is then set (x86.c "
             f"kvm_arch_vcpu_precreate), and {X86} refuses another", setup=(enable("KVM_CAP_MAX_VCPU_ID", 0), VCPU),
             cap="KVM_CAP_MAX_VCPU_ID", order_row=4, basis="code"),
        # 7.33 KVM_CAP_X86_NOTIFY_VMEXIT
        Case(id="notify-vmexit-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such flag)",
             arch=("x86_64",), call=enable("KVM_CAP_X86_NOTIFY_VMEXIT", BIT31), errno=EINVAL,
             cite=f"{NOTIFY}: '-EINVAL if args[0] contains invalid flags'; {X86} (flags outside "
             "KVM_X86_NOTIFY_VMEXIT_VALID_BITS, checked first)", cap="KVM_CAP_X86_NOTIFY_VMEXIT"),
        Case(id="notify-vmexit-unsupported", ioctl="KVM_ENABLE_CAP",
             condition="ENABLED where KVM_CAP_X86_NOTIFY_VMEXIT is 0", arch=("x86_64",),
             call=enable("KVM_CAP_X86_NOTIFY_VMEXIT", kvm.KVM_X86_NOTIFY_VMEXIT_ENABLED), errno=EINVAL,
             cite=f"{NOTIFY}: '-EINVAL if ... notify VM exit is unsupported'; {X86} (!has_notify_vmexit)",
             cap="KVM_CAP_X86_NOTIFY_VMEXIT", needs=need("KVM_CAP_X86_NOTIFY_VMEXIT", False)),
        # 7.35 KVM_CAP_X86_APIC_BUS_CYCLES_NS
        Case(id="apic-bus-cycles-zero", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 (no frequency), with an in-kernel irqchip", arch=("x86_64",),
             call=enable("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 0), errno=EINVAL,
             cite=f"{BUS_CYCLES}: '-EINVAL if args[0] contains an invalid value for the frequency'; {X86} "
             "(!bus_cycle_ns)", setup=(IRQCHIP,), cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", kernels=BUS_CYCLES_KERNELS),
        Case(id="apic-bus-cycles-no-irqchip", ioctl="KVM_ENABLE_CAP", condition="args[0] 1, no in-kernel irqchip",
             arch=("x86_64",), call=enable("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 1), errno=ENXIO,
             cite=f"{BUS_CYCLES}: '-ENXIO if a virtual local APIC has not been created using KVM_CREATE_IRQCHIP'; "
             f"{X86} (!irqchip_in_kernel)", cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", kernels=BUS_CYCLES_KERNELS),
        Case(id="apic-bus-cycles-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 1 after KVM_CREATE_IRQCHIP and KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable("KVM_CAP_X86_APIC_BUS_CYCLES_NS", 1), errno=EINVAL,
             cite=f"{BUS_CYCLES}: '-EINVAL if ... any vCPUs have been created'; {X86} (created_vcpus)",
             setup=(IRQCHIP, VCPU), cap="KVM_CAP_X86_APIC_BUS_CYCLES_NS", order_row=1, kernels=BUS_CYCLES_KERNELS),
        # 7.37 KVM_CAP_PMU_CAPABILITY
        Case(id="pmu-capability-invalid", ioctl="KVM_ENABLE_CAP", condition="args[0] bit 31 (no such capability)",
             arch=("x86_64",), call=enable("KVM_CAP_PMU_CAPABILITY", BIT31), errno=EINVAL,
             cite=f"{PMU}: ':Returns: 0 on success, -EINVAL when arg[0] contains invalid bits'; {X86} (outside "
             "KVM_CAP_PMU_VALID_MASK, or enable_pmu off)", cap="KVM_CAP_PMU_CAPABILITY"),
        Case(id="pmu-capability-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="KVM_PMU_CAP_DISABLE after KVM_CREATE_VCPU", arch=("x86_64",),
             call=enable("KVM_CAP_PMU_CAPABILITY", kvm.KVM_PMU_CAP_DISABLE), errno=EINVAL,
             cite=f"{PMU}: 'This can only be invoked on a VM prior to the creation of VCPUs' (refused; {X86} keeps "
             "-EINVAL when created_vcpus, and when enable_pmu is off)", setup=(VCPU,), cap="KVM_CAP_PMU_CAPABILITY",
             order_row=1, basis="code"),
        # 7.38 KVM_CAP_VM_DISABLE_NX_HUGE_PAGES
        Case(id="nx-huge-pages-no-sys-boot", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 from a thread without CAP_SYS_BOOT", arch=("x86_64",),
             call=without_sys_boot(enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0)), errno=EPERM,
             cite=f"{NX}: '-EPERM if the userspace process does not have CAP_SYS_BOOT'; {X86} (capable(CAP_SYS_BOOT) "
             "first)", cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES"),
        Case(id="nx-huge-pages-nonzero", ioctl="KVM_ENABLE_CAP", condition="args[0] 1, with CAP_SYS_BOOT",
             arch=("x86_64",), call=enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 1), errno=EINVAL,
             cite=f"{NX}: '-EINVAL if args[0] is not 0'", setup=(HAS_SYS_BOOT,),
             cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES"),
        Case(id="nx-huge-pages-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 after KVM_CREATE_VCPU, with CAP_SYS_BOOT", arch=("x86_64",),
             call=enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), errno=EINVAL,
             cite=f"{NX}: '-EINVAL if ... any vCPUs have been created'; {X86} (created_vcpus)",
             setup=(HAS_SYS_BOOT, VCPU), cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", order_row=1),
        Case(id="nx-huge-pages-again-after-vcpu", ioctl="KVM_ENABLE_CAP",
             condition="args[0] 0 again after KVM_CREATE_VCPU (it succeeded "
             "before)", arch=("x86_64",), call=enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), errno=EINVAL,
             cite=f"{NX}: 'This capability may only be set before any vCPUs are created'; ':Returns: ... -EINVAL if "
             "... any vCPUs have been created'",
             setup=(HAS_SYS_BOOT, enable("KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", 0), VCPU),
             cap="KVM_CAP_VM_DISABLE_NX_HUGE_PAGES", order_row=2),
        # 7.34 (6.12) KVM_CAP_MEMORY_FAULT_INFO, 7.36 (6.12) KVM_CAP_X86_GUEST_MODE: informational.
        Case(id="memory-fault-info-enable", ioctl="KVM_ENABLE_CAP", condition="a direct KVM_ENABLE_CAP",
             arch=("x86_64",), call=enable("KVM_CAP_MEMORY_FAULT_INFO", 0), errno=EINVAL,
             cite=f"{FAULT_INFO} (6.12): ':Returns: Informational only, -EINVAL on direct KVM_ENABLE_CAP'; {X86} "
             "(default: -EINVAL; kvm_vm_ioctl_enable_cap_generic has no case for it)", cap="KVM_CAP_MEMORY_FAULT_INFO"),
        Case(id="guest-mode-enable", ioctl="KVM_ENABLE_CAP", condition="a direct KVM_ENABLE_CAP", arch=("x86_64",),
             call=enable("KVM_CAP_X86_GUEST_MODE", 0), errno=EINVAL,
             cite=f"{GUEST_MODE} (6.12): ':Returns: Informational only, -EINVAL on direct "
             f"KVM_ENABLE_CAP'; {X86} (default: -EINVAL)", cap="KVM_CAP_X86_GUEST_MODE"),
    ]


FAULT_PATH = "mmu.c: kvm_mmu_faultin_pfn -> kvm_handle_error_pfn"
RESET_PATH = "dirty_ring.c: kvm_dirty_ring_reset -> kvm_reset_dirty_gfn -> kvm_arch_mmu_enable_log_dirty_pt_masked"
WITH_BITMAP_ANSWER = f"{MAIN}: kvm_vm_ioctl_check_extension_generic"
ITS_WRITE = ("vgic-its.c: vgic_its_ctrl writes the tables with no running vCPU "
             "(kvm_arch_allow_write_without_running_vcpu); kvm_main.c mark_page_dirty_in_slot puts such a write in "
             "the slot's bitmap")
IMP_ID_SET = "sys_regs.c: set_imp_id_reg"
RING_CAP = {"cap": "KVM_CAP_DIRTY_LOG_RING"}


def _enable_cap_arm64() -> list[Case]:
    """KVM_ENABLE_CAP of the arm64 capabilities: 7.28 (with guest_memfd, 7.2), 7.39, 7.42."""
    return [
        Case(id="mte-after-gmem-slot", ioctl="KVM_ENABLE_CAP",
             condition="KVM_CAP_ARM_MTE after a guest_memfd-backed memslot", arch=("arm64",), features=("mte",),
             call=enable("KVM_CAP_ARM_MTE"), errno=EINVAL,
             cite=f"{MTE} (7.2): '... or attempting to enable the MTE capability after guest_memfd-backed memslots "
                  "have "
             f"been created, will result in an -EINVAL return'; {ARM} (kvm_slot_has_gmem)", setup=(gmem_region(GMEM),),
             cap="KVM_CAP_ARM_MTE", doc_row=2, order_row=2,
             kernels="6.18+ (guest_memfd for default VMs; checked against 7.2's source)",
             needs=GUEST_MEMFD + need("KVM_CAP_ARM_MTE")),
        Case(id="eager-split-after-slot", ioctl="KVM_ENABLE_CAP",
             condition="chunk size 0 (disabled, always valid) after a memslot", arch=("arm64",),
             call=enable("KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", 0), errno=EINVAL,
             cite=f"{SPLIT_CHUNK}: ':Returns: 0 on success, -EINVAL if any memslot was already created'; {ARM} "
             "(6.12, 7.2: kvm_are_all_memslots_empty; 6.1 has no such capability: the default's -EINVAL; "
             "KVM_CHECK_EXTENSION answers the chunk size, 0 by default, so no case can be gated on it)",
             setup=(log_slot(flags=0),), cap="KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE", order_row=1),
        Case(id="writable-imp-id-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="after KVM_CREATE_VCPU",
             arch=("arm64",), call=enable("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), errno=EINVAL,
             cite=f"{IMP_ID}: ':Returns: 0 on success, -EINVAL if vCPUs have been created before enabling this "
             f"capability'; {ARM} (created_vcpus)", setup=(create_vcpu(0),), cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS",
             order_row=1, kernels="7.2+", needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
    ]


def _enable_cap_ring() -> list[Case]:
    """KVM_ENABLE_CAP of the dirty ring (7.36 [8.29]) in the wrong order: rule 1 and, on x86, rule 5 (rule 2 is
    memory_dirty.py's ring-after-vcpu, rule 5 on arm64 its ring-bitmap-no-ring)."""
    return [
        Case(id="ring-after-logged-slot", ioctl="KVM_ENABLE_CAP",
             condition="DIRTY_LOG_RING_ACQ_REL after a logged memslot exists, "
             "not right after KVM_CREATE_VM", arch=("x86_64", "arm64"), call=ring(), errno=0,
             cite=f"{RING}: 'Userspace should call KVM_ENABLE_CAP ioctl right after KVM_CREATE_VM' (a rule for "
             f"userspace; {MAIN}: kvm_vm_ioctl_enable_dirty_log_ring refuses only a second ring and vCPUs)",
             setup=(log_slot(),), order_row=1, basis="code", cap="KVM_CAP_DIRTY_LOG_RING", needs=ACQ_REL),
        Case(id="ring-bitmap-before-ring-x86", ioctl="KVM_ENABLE_CAP",
             condition="DIRTY_LOG_RING_WITH_BITMAP before the ring", arch=("x86_64",),
             call=enable("KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP"), errno=EINVAL,
             cite=f"{RING}: 'KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP can't be enabled if the capability of "
             f"KVM_CAP_DIRTY_LOG_RING_ACQ_REL hasn't been enabled' (refused; {MAIN}: kvm_vm_ioctl_enable_cap_generic "
             "answers -EINVAL without CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP or dirty_ring_size; 6.1 has no such "
             "capability: the default's -EINVAL)", order_row=5, basis="code", cap="KVM_CAP_DIRTY_LOG_RING"),
    ]


def _run() -> list[Case]:
    """KVM_RUN: what the guest sees of 7.40 KVM_CAP_EXIT_HYPERCALL, 8.44 KVM_CAP_MEMORY_FAULT_INFO, and a write to a
    harvested page before KVM_RESET_DIRTY_RINGS (7.36 rule 3)."""
    return [
        Case(id="hypercall-not-forwarded", ioctl="KVM_RUN",
             condition="the guest calls KVM_HC_MAP_GPA_RANGE, not enabled in "
             "KVM_CAP_EXIT_HYPERCALL", arch=("x86_64",), call=hypercall_return(), errno=ENOSYS,
             cite=f"{HYPERCALL}: 'KVM will forward to userspace the hypercalls whose corresponding bit is in the "
             "argument, and return ENOSYS for the others'; x86.c: kvm_emulate_hypercall (MAP_GPA_RANGE without its "
             "bit: -KVM_ENOSYS in RAX, 32 bits for a hypercall outside 64-bit mode)",
             setup=(x86_guest(HYPERCALL_CODE),), cap="KVM_CAP_EXIT_HYPERCALL", needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-forwarded", ioctl="KVM_RUN",
             condition="KVM_HC_MAP_GPA_RANGE enabled: the guest's hypercall exits to "
             "userspace", arch=("x86_64",), call=run_until(kvm.KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL"), errno=0,
             cite=f"{HYPERCALL}: 'will cause KVM to exit to userspace with KVM_EXIT_HYPERCALL exit reason'",
             setup=(enable("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), x86_guest(HYPERCALL_CODE)),
             cap="KVM_CAP_EXIT_HYPERCALL", needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-failed-by-userspace", ioctl="KVM_RUN",
             condition="userspace answers the forwarded hypercall with "
             "hypercall.ret = EINVAL", arch=("x86_64",), call=hypercall_return((EINVAL, "EINVAL")), errno=EINVAL,
             cite=f"{HYPERCALL} (7.2): 'Userspace may fail the hypercall by setting hypercall.ret to EINVAL'; x86.c: "
             "complete_hypercall_exit writes hypercall.ret to RAX", cap="KVM_CAP_EXIT_HYPERCALL",
             setup=(enable("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), x86_guest(HYPERCALL_CODE)),
             needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="hypercall-retry-by-userspace", ioctl="KVM_RUN",
             condition="userspace answers the forwarded hypercall with "
             "hypercall.ret = EAGAIN", arch=("x86_64",), call=hypercall_return((EAGAIN, "EAGAIN")), errno=EAGAIN,
             cite=f"{HYPERCALL} (7.2): '... or may request the hypercall to be retried the next time the guest run by "
             "setting hypercall.ret to EAGAIN' (the request reaches the guest: x86.c complete_hypercall_exit writes "
             "hypercall.ret to RAX)", cap="KVM_CAP_EXIT_HYPERCALL",
             setup=(enable("KVM_CAP_EXIT_HYPERCALL", 1 << KVM_HC_MAP_GPA_RANGE), x86_guest(HYPERCALL_CODE)),
             needs=need("KVM_CAP_EXIT_HYPERCALL")),
        Case(id="memory-fault-no-vma", ioctl="KVM_RUN",
             condition="the guest stores to a memslot whose host memory has no VMA", arch=("x86_64",),
             call=store_without_vma(), errno=EFAULT,
             cite=f"{FAULT_INFO}: 'KVM_RUN will fill kvm_run.memory_fault if KVM cannot resolve a guest page fault "
             "VM-Exit, e.g. if there is a valid memslot but no backing VMA'; 'valid if and only if KVM_RUN returns an "
             "error with errno=EFAULT ... *and* kvm_run.exit_reason is set to KVM_EXIT_MEMORY_FAULT'",
             check=memory_fault_reported, cap="KVM_CAP_MEMORY_FAULT_INFO", deviation=Deviation(
                 f"{FAULT_INFO} says KVM_RUN fills kvm_run.memory_fault when a valid memslot has no backing VMA; "
                 f"{FAULT_PATH} (6.12, 7.2) turns the error pfn (hva_to_pfn: no VMA) into -EFAULT without "
                 "kvm_mmu_prepare_memory_fault_exit: only private/guest_memfd faults are annotated, so exit_reason is "
                 "not KVM_EXIT_MEMORY_FAULT",
                 Observed(errno=EFAULT, check=memory_fault_not_reported,
                          text="EFAULT with kvm_run.exit_reason not KVM_EXIT_MEMORY_FAULT")), kernels=FAULT_KERNELS,
             needs=need("KVM_CAP_MEMORY_FAULT_INFO")),
        Case(id="ring-written-before-reset", ioctl="KVM_RUN",
             condition="the guest stores again to a harvested page before "
             "KVM_RESET_DIRTY_RINGS: no new ring entry", arch=("x86_64", "arm64"), call=rerun_guest(), errno=0,
             cite=f"{RING}: 'the ioctl [KVM_RESET_DIRTY_RINGS] must be called *before* reading the content of the "
                  "dirty "
             f"pages'; only {RESET_PATH} write-protects a harvested page again, so until then a guest write to it "
             "is not tracked (x86 mmu.c, arm64 mmu.c user_mem_abort)", setup=(ring(), *DIRTY, harvest_all()),
             check=no_entry_after_harvested, order_row=3, basis="code", cap="KVM_CAP_DIRTY_LOG_RING", needs=ACQ_REL),
    ]


def _check_extension() -> list[Case]:
    """KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) before any ring (7.36 rule 4, 6.12+)."""
    return [
        Case(id="ring-bitmap-asked-first-x86", ioctl="KVM_CHECK_EXTENSION",
             condition="KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP on the VM fd "
             "before any ring is enabled", arch=("x86_64",),
             call=step("KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) on the vm fd",
                                                lambda s: s.ioctl(s.vm, kvm.KVM_CHECK_EXTENSION,
                                                                  kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP)), errno=0,
             cite=f"{RING}: 'After enabling the dirty rings, the userspace needs to detect the capability of "
             f"KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP'; {WITH_BITMAP_ANSWER} answers the same before (x86 does not "
             "select NEED_KVM_DIRTY_RING_WITH_BITMAP: 0)", ret=0, order_row=4, basis="code",
             cap="KVM_CAP_DIRTY_LOG_RING", kernels=BITMAP_KERNELS),
        Case(id="ring-bitmap-asked-first-arm64", ioctl="KVM_CHECK_EXTENSION",
             condition="KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP on the VM "
             "fd before any ring is enabled", arch=("arm64",),
             call=step("KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) on the vm fd",
                  lambda s: s.ioctl(s.vm, kvm.KVM_CHECK_EXTENSION, kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP)), errno=0,
             cite=f"{RING}: 'After enabling the dirty rings, the userspace needs to detect the capability'; "
             f"{WITH_BITMAP_ANSWER} answers the same before (arm64's Kconfig selects "
             "NEED_KVM_DIRTY_RING_WITH_BITMAP: 1)", ret=1, order_row=4, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             kernels=BITMAP_KERNELS),
    ]


def _dirty_log_and_its() -> list[Case]:
    """KVM_GET_DIRTY_LOG and the ITS's KVM_SET_DEVICE_ATTR(ITS_SAVE_TABLES) around the ring's backup bitmap (7.36
    rules 6 and 7), and 6.1's rule 4."""
    return [
        Case(id="ring-get-log-6.1", ioctl="KVM_GET_DIRTY_LOG", condition="after the ring was enabled",
             arch=("x86_64", "arm64"), call=get_log(), errno=ENXIO,
             cite=f"{RING} (6.1): 'After enabling KVM_CAP_DIRTY_LOG_RING ... further KVM_GET_DIRTY_LOG or "
             f"KVM_CLEAR_DIRTY_LOG ioctls will fail' ({MAIN}: kvm_get_dirty_log_protect, !kvm_use_dirty_bitmap: "
             "-ENXIO)", setup=(ring(), log_slot()), order_row=4, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             needs=ACQ_REL,
             kernels="6.1 (6.12 and 7.2 number another rule 4; the refusal itself is memory_dirty's "
                     "get-log-with-ring)"),
        Case(id="its-save-after-collection", ioctl="KVM_SET_DEVICE_ATTR",
             condition="ITS_SAVE_TABLES after KVM_GET_DIRTY_LOG collected "
             "the ring's backup bitmap", arch=("arm64",), features=("vgic-v3",), call=ITS_SAVE, errno=0,
             cite=f"{RING}: 'Collecting the dirty bitmap should be the very last thing that the VMM does' (a rule for "
             f"userspace: the save is accepted, {ITS_WRITE}; the next KVM_GET_DIRTY_LOG has the table pages)",
             setup=RING_BITMAP_ITS, check=_log_again_dirty, order_row=6, basis="code", cap="KVM_CAP_DIRTY_LOG_RING",
             kernels=BITMAP_KERNELS, needs=ACQ_REL + WITH_BITMAP),
        Case(id="its-save-missed-by-collection", ioctl="KVM_GET_DIRTY_LOG",
             condition="a second collection after ITS_SAVE_TABLES: the "
             "pages the first one missed", arch=("arm64",), features=("vgic-v3",), call=get_log(), errno=0,
             cite=f"{RING}: 'avoid missing dirty pages from another ioctl ordered after the bitmap collection' "
             f"({ITS_WRITE})", setup=(*RING_BITMAP_ITS, ITS_SAVE), check=table_pages_dirty, order_row=7, basis="code",
             cap="KVM_CAP_DIRTY_LOG_RING", kernels=BITMAP_KERNELS, needs=ACQ_REL + WITH_BITMAP),
    ]


def _one_reg() -> list[Case]:
    """KVM_SET_ONE_REG of MIDR_EL1 with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (7.42 rule 2, 7.2)."""
    return [
        Case(id="writable-imp-id-after-run", ioctl="KVM_SET_ONE_REG",
             condition="MIDR_EL1 changed after the first KVM_RUN, the "
             "capability enabled", arch=("arm64",), call=set_midr_changed(), errno=EBUSY,
             cite=f"{IMP_ID}: 'KVM allows userspace to change the aforementioned registers before the first KVM_RUN' "
             f"(refused after; {IMP_ID_SET}: kvm_vm_has_ran_once: -EBUSY)",
             setup=(enable("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), INIT_VCPU, RAN),
             cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS", order_row=2, basis="code", kernels="7.2+",
             needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
        Case(id="writable-imp-id-before-run", ioctl="KVM_SET_ONE_REG",
             condition="MIDR_EL1 changed before the first KVM_RUN, the "
             "capability enabled", arch=("arm64",), call=set_midr_changed(), errno=0,
             cite=f"{IMP_ID}: 'KVM allows userspace to change the aforementioned registers before the first KVM_RUN'",
             setup=(enable("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"), INIT_VCPU), cap="KVM_CAP_ARM_WRITABLE_IMP_ID_REGS",
             kernels="7.2+", needs=need("KVM_CAP_ARM_WRITABLE_IMP_ID_REGS")),
    ]


CASES: list[Case] = [*_x86_caps(), *_enable_cap_arm64(), *_enable_cap_ring(), *_run(), *_check_extension(),
                     *_dirty_log_and_its(), *_one_reg()]

UNREACHABLE = [
    Unreachable("KVM_ENABLE_CAP", 0, "x86 has no ring-with-bitmap: it does not select "
                "CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP (6.12, 7.2), KVM_CHECK_EXTENSION("
                "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) answers 0 and enabling it fails, so there is no backup bitmap "
                "to collect", arch="x86_64", cap="KVM_CAP_DIRTY_LOG_RING", order_row=6),
    Unreachable("KVM_ENABLE_CAP", 0, "x86 has no ring-with-bitmap (see rule 6): no bitmap collection for another "
                "ioctl to follow", arch="x86_64", cap="KVM_CAP_DIRTY_LOG_RING", order_row=7),
    Unreachable("KVM_ENABLE_CAP", EHWPOISON, "needs a hardware-poisoned page: KVM_RUN answers EHWPOISON only from "
                "guest_memfd (kvm_gmem_get_pfn on a poisoned folio, 6.12 and 7.2; an anonymous memslot's poisoned "
                "page is reported by SIGBUS, mmu.c kvm_handle_error_pfn); poisoning one takes memory-failure "
                "injection (MADV_HWPOISON or hwpoison-inject, CONFIG_MEMORY_FAILURE), which retires a host page for "
                "good: the suite does not inject memory failures on a shared host", arch="x86_64",
                cap="KVM_CAP_MEMORY_FAULT_INFO"),
    Unreachable("KVM_ENABLE_CAP", EINVAL, "7.2 arm.c kvm_vm_ioctl_enable_cap enables KVM_CAP_ARM_SEA_TO_USER "
                "unconditionally (KVM_CHECK_EXTENSION answers 1): its only refusals are flags other than 0 and a "
                "protected-mode host whose kvm_pkvm_ext_allowed excludes it; pKVM needs an nVHE host booted with "
                "kvm-arm.mode=protected, and these guests run KVM in VHE mode", arch="arm64",
                cap="KVM_CAP_ARM_SEA_TO_USER"),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 7.37 (8.35) KVM_CAP_PMU_CAPABILITY: 'This can only be invoked on a VM prior to the creation of VCPUs' "
        "names no errno (:Returns: names EINVAL for invalid bits only); x86.c kvm_vm_ioctl_enable_cap answers EINVAL "
        "once a vCPU exists (6.1, 6.12, 7.2).", DOCUMENT_SILENT),
    Finding(
        "api.rst 7.32 KVM_CAP_MAX_VCPU_ID: the value can be changed 'until a vCPU is created', with no errno for a "
        "change after; x86.c kvm_arch_vcpu_precreate fixes the value at the first vCPU (KVM_MAX_VCPU_IDS when unset "
        "or 0) and kvm_vm_ioctl_enable_cap then answers EINVAL for any other value and 0 for the same one "
        "(6.1, 6.12, 7.2).", DOCUMENT_SILENT),
    Finding(
        "api.rst 7.36 (8.29) KVM_CAP_DIRTY_LOG_RING: userspace 'should call KVM_ENABLE_CAP ioctl right after "
        "KVM_CREATE_VM'; kvm_main.c kvm_vm_ioctl_enable_dirty_log_ring refuses only a second ring and a VM with vCPUs: "
        "a ring enabled after dirty-logged memslots exist is accepted (6.1, 6.12, 7.2).", DOCUMENT_SILENT),
]
