"""What KVM_ENABLE_CAP enables (api.rst chapters 6 to 8): enabling a capability by name, the x86 guest code that
makes a hypercall or faults, the dirty ring's harvest, the ITS tables a dirty log must see."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import struct
from errno import EAGAIN, EINTR, EINVAL, ENOSYS

from abi import arm64, kvm, layout
from abi.spec.case import (
    Scene,
    Step,
    Val,
)
from abi.spec.steps.arm64 import PC
from abi.spec.steps.base import step
from abi.spec.steps.gic import ctrl
from abi.spec.steps.guest import x86_real_mode
from abi.spec.steps.memory import (
    X86_CODE,
    X86_CODE_GPA,
    dirty_entries,
    enable_cap,
    get_log,
    guest_writes,
    ring,
    ring_entry,
)
from abi.spec.steps.vcpu import kvm_run_map, one_reg
from abi.spec.steps.vgic_v3 import (
    COLL_TABLE,
    DEV_TABLE,
    GITS_BASER0,
    GITS_BASER1,
    ITS_PLACED,
    PAGE_64K,
    READY,
    TABLES,
    TABLES_SIZE,
    VALID,
    its_reg,
)
from abi.spec.steps.vm import create_vcpu
from abi.target.base import Result

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

def _other_vm(s: Scene) -> int:
    return s.keep(s.ioctl(s.kvm, kvm.KVM_CREATE_VM, 0).value())

OTHER_VM = Val("the fd of another default VM (no SEV guest)", _other_vm)

VM_FD = Val("the VM's own fd (not an SGX attribute file)", lambda s: s.vm)

NO_FD = 0x7FFFFFFF  # far above RLIMIT_NOFILE: never an open fd

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
        mem = s.target.alloc(TABLES_SIZE)
        for offset, value in TABLES.items():
            s.target.write(mem + offset, struct.pack("<Q", value))
        s.memory["tables"] = mem
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=0, flags=kvm.KVM_MEM_LOG_DIRTY_PAGES, guest_phys_addr=0, memory_size=TABLES_SIZE, userspace_addr=mem))

    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {TABLES_SIZE:#x} bytes, LOG_DIRTY_PAGES, ITS tables)",
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

ITS_SAVE = ctrl(arm64.KVM_DEV_ARM_ITS_SAVE_TABLES, device="its")

# The bitmap backs the ring (6.12+ arm64): ring, then WITH_BITMAP before any memslot, then the restored ITS of
# arm_vgic_v3's round trip in a logged slot; KVM_GET_DIRTY_LOG collects (nothing dirty: only the VMM wrote).
RING_BITMAP_ITS = (ring(), enable("KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP"), *READY, *ITS_PLACED, logged_tables(),
                   its_reg(GITS_BASER0, VALID | DEV_TABLE | PAGE_64K, request="SET"),
                   its_reg(GITS_BASER1, VALID | COLL_TABLE | PAGE_64K, request="SET"),
                   ctrl(arm64.KVM_DEV_ARM_ITS_RESTORE_TABLES, device="its"), get_log())

MIDR_EL1 = arm64.ARM64_SYS_REG(3, 0, 0, 0, 0)

def _midr_changed(s: Scene) -> bytes:
    """MIDR_EL1 as the vCPU reads it with its Revision field's bit 0 flipped: inside the writable mask (31:0)."""
    one_reg("KVM_GET_ONE_REG", MIDR_EL1, "MIDR_EL1")(s).value()
    value = struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]
    return struct.pack("<Q", value ^ 1)

def set_midr_changed() -> Step:
    return step("KVM_SET_ONE_REG(MIDR_EL1 = as read, Revision bit 0 flipped)",
                lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_SET_ONE_REG,
                                  kvm.kvm_one_reg(id=MIDR_EL1, addr=s.scratch(_midr_changed(s)))))

FAULT_PATH = "mmu.c: kvm_mmu_faultin_pfn -> kvm_handle_error_pfn"

RESET_PATH = "dirty_ring.c: kvm_dirty_ring_reset -> kvm_reset_dirty_gfn -> kvm_arch_mmu_enable_log_dirty_pt_masked"

WITH_BITMAP_ANSWER = f"{MAIN}: kvm_vm_ioctl_check_extension_generic"

ITS_WRITE = ("vgic-its.c: vgic_its_ctrl writes the tables with no running vCPU "
             "(kvm_arch_allow_write_without_running_vcpu); kvm_main.c mark_page_dirty_in_slot puts such a write in "
             "the slot's bitmap")

IMP_ID_SET = "sys_regs.c: set_imp_id_reg"

RING_CAP = {"cap": "KVM_CAP_DIRTY_LOG_RING"}
