"""What KVM_ENABLE_CAP enables (api.rst chapters 6 to 8): enabling a capability by name, the x86 guest code that
makes a hypercall or faults, the dirty ring's harvest, the ITS tables a dirty log must see."""

from __future__ import annotations

import struct
from errno import EAGAIN, EINVAL, ENOSYS

from abi import arm64, kvm
from abi.spec.case import Scene, Step, Val
from abi.spec.steps.base import API, MAIN, step
from abi.spec.steps.gic import ctrl
from abi.spec.steps.guest import PAGE, Code
from abi.spec.steps.memory import (
    DIRTYING,
    GFN,
    RING_WITH_BITMAP,
    dirty_entries,
    get_log,
    guest_writes,
    ring,
    ring_entry,
    ring_map,
)
from abi.spec.steps.system import other_vm
from abi.spec.steps.vcpu import (
    guest_ready,
    kvm_run,
    kvm_run_map,
    one_reg,
    rewind,
    run_field,
    run_to_exit,
    write_run_field,
)
from abi.spec.steps.vgic_v3 import (
    COLL_TABLE,
    DEV_TABLE,
    GITS_BASER0,
    GITS_BASER1,
    ITS_PLACED,
    PAGE_64K,
    READY,
    TABLES,
    VALID,
    guest_tables,
    its_reg,
)
from abi.spec.steps.x86_vm import CODE_GPA
from abi.target.base import Result

X86 = "x86.c: kvm_vm_ioctl_enable_cap"

ARM = "arm.c: kvm_vm_ioctl_enable_cap"

BIT31 = 1 << 31  # no capability here defines bit 31 of args[0]

X2APIC = f"{API} 7.7 KVM_CAP_X2APIC_API"

EXITS = f"{API} 7.13 KVM_CAP_X86_DISABLE_EXITS"

BUS_LOCK = f"{API} 7.22 KVM_CAP_X86_BUS_LOCK_EXIT"

COPY_ENC = f"{API} 7.24 KVM_CAP_VM_COPY_ENC_CONTEXT_FROM"

SGX = f"{API} 7.25 KVM_CAP_SGX_ATTRIBUTE"

MAX_ID = f"{API} 7.32 KVM_CAP_MAX_VCPU_ID"

NOTIFY = f"{API} 7.33 KVM_CAP_X86_NOTIFY_VMEXIT"

BUS_CYCLES = f"{API} 7.35 KVM_CAP_X86_APIC_BUS_CYCLES_NS"

PMU_CAP = f"{API} 7.37 (8.35 in 6.1 and 6.12) KVM_CAP_PMU_CAPABILITY"

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

OTHER_VM = Val("the fd of another default VM (no SEV guest)", other_vm)

UNOPENED_FD = 0x7FFFFFFF  # far above RLIMIT_NOFILE: a valid fd number no file is open at

def without_sys_boot(inner: Step) -> Step:
    """`inner` with CAP_SYS_BOOT cleared from the calling thread's effective set (restored afterwards)."""
    def run(s: Scene) -> Result:
        effective, _ = s.target.capabilities()
        s.target.capabilities(effective & ~(1 << CAP_SYS_BOOT))
        try:
            return inner(s)
        finally:
            s.target.capabilities(effective)

    return step(f"{inner} with CAP_SYS_BOOT dropped from the thread's effective capabilities", run)

def _has_sys_boot(s: Scene) -> Result:
    if not s.target.capabilities()[0] & (1 << CAP_SYS_BOOT):
        raise AssertionError("the process issuing the ioctls lacks CAP_SYS_BOOT: KVM_CAP_VM_DISABLE_NX_HUGE_PAGES "
                             "answers EPERM before any other check (x86.c kvm_vm_ioctl_enable_cap)")
    return Result(0)

HAS_SYS_BOOT = step("CAP_SYS_BOOT is in the thread's effective capabilities", _has_sys_boot)

# 16-bit code at CODE_GPA (x86_vm's real-mode code page): eax = KVM_HC_MAP_GPA_RANGE, ebx = gpa 0, ecx = 1 page,
# edx = 0 attributes, VMCALL, then HLT (KVM_EXIT_HLT without an in-kernel irqchip). VMCALL is Intel's; on AMD it
# raises #UD, which KVM emulates as the hypercall (the FIX_HYPERCALL_INSN quirk, on by default), so both vendors run
# the hypercall.
HYPERCALL_CODE = {"x86_64": Code(CODE_GPA, bytes([0x66, 0xB8, KVM_HC_MAP_GPA_RANGE, 0, 0, 0,  # mov eax, 12
                                                      0x66, 0xBB, 0, 0, 0, 0,  # mov ebx, 0
                                                      0x66, 0xB9, 1, 0, 0, 0,  # mov ecx, 1
                                                      0x66, 0x31, 0xD2,  # xor edx, edx
                                                      0x0F, 0x01, 0xC1,  # vmcall
                                                      0xF4]),  # hlt
                                  "KVM_HC_MAP_GPA_RANGE(gpa 0, 1 page, attributes 0) by VMCALL; hlt")}

# Slot 0 covers GPA 0 to 0x2000, the code's page and the one before it: GPA 0x2000 is left to a slot of its own.
GUEST_SLOT = 0x2000

HYPERCALL_GUEST = guest_ready(HYPERCALL_CODE, GUEST_SLOT)

# Seconds a KVM_RUN of these few guest instructions may take: it exits by itself long before, and the target's
# timer ends (timed_out) one that never leaves the guest.
BACKSTOP = 2.0

_GUEST_ERRNO = {(-KVM_ENOSYS) & 0xFFFFFFFF: ENOSYS, EINVAL: EINVAL, EAGAIN: EAGAIN}

def hypercall_return(answer: tuple[int, str] | None = None) -> Step:
    """KVM_RUN of the hypercall guest to its HLT, then the hypercall's return value from RAX (KVM_GET_REGS, 32 bits:
    a real-mode hypercall): -KVM_ENOSYS (kvm_para.h) is given as ENOSYS, a positive EINVAL or EAGAIN (what
    userspace may store in hypercall.ret) as that errno, anything else as the value. With `answer`, the first
    KVM_RUN must exit with KVM_EXIT_HYPERCALL, and userspace sets kvm_run.hypercall.ret to answer[0] before running
    on. A KVM_RUN the backstop ended is the result (timed out)."""
    def run(s: Scene) -> Result:
        if answer is not None:
            got = run_to_exit(kvm.KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL", BACKSTOP)(s)
            if not got.ok:
                return got
            write_run_field(s, "hypercall.ret", answer[0], 8)
        got = run_to_exit(kvm.KVM_EXIT_HLT, "KVM_EXIT_HLT", BACKSTOP)(s)
        if not got.ok:
            return got
        rax = s.ioctl(s.vcpus[-1], s.abi.KVM_GET_REGS, s.abi.kvm_regs()).struct(s.abi.kvm_regs).rax & 0xFFFFFFFF
        if rax in _GUEST_ERRNO:
            return Result(-1, _GUEST_ERRNO[rax])
        return Result(rax)

    head = f"KVM_RUN to KVM_EXIT_HYPERCALL; kvm_run.hypercall.ret = {answer[1]}; " if answer else ""
    return step(f"{head}KVM_RUN to HLT; the hypercall's return value in RAX (-KVM_ENOSYS read as ENOSYS)", run)

# The store of memory.DIRTYING's x86 code (`mov byte [0x2000], 1`) lands in slot 1 at GPA 0x2000, whose host range
# is unmapped: the memslot is valid but no VMA backs it.
HOLE_GPA = GUEST_SLOT

def store_without_vma() -> Step:
    """vCPU 0 runs `mov byte [0x2000], 1; hlt`; slot 1 (GPA 0x2000, one page) points at host memory that was
    unmapped again (no VMA). kvm_run.exit_reason is cleared before KVM_RUN."""
    def run(s: Scene) -> Result:
        got = guest_ready(DIRTYING, GUEST_SLOT)(s)
        if not got.ok:
            return got
        # kvm_run mapped first: mapped after the munmap, it would take the hole's address (mmap places top-down).
        kvm_run_map(s)
        hole = s.target.alloc(PAGE)
        s.target.munmap(hole, PAGE)
        s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
            slot=1, flags=0, guest_phys_addr=HOLE_GPA, memory_size=PAGE, userspace_addr=hole)).value()
        write_run_field(s, "exit_reason", 0, 4)
        return kvm_run(limit=BACKSTOP)(s)

    return step("KVM_RUN: the guest stores to GPA 0x2000, in a memslot whose host memory has no VMA", run)

def memory_fault_reported(s: Scene, got: Result) -> str | None:
    reason = run_field(s, "exit_reason")
    if reason != kvm.KVM_EXIT_MEMORY_FAULT:
        return f"kvm_run.exit_reason is {reason}, expected KVM_EXIT_MEMORY_FAULT ({kvm.KVM_EXIT_MEMORY_FAULT})"
    gpa = run_field(s, "memory_fault.gpa", 8)
    return None if gpa == HOLE_GPA else f"kvm_run.memory_fault.gpa is {gpa:#x}, expected {HOLE_GPA:#x}"

def memory_fault_not_reported(s: Scene, got: Result) -> str | None:
    reason = run_field(s, "exit_reason")
    return None if reason != kvm.KVM_EXIT_MEMORY_FAULT else "kvm_run.exit_reason is KVM_EXIT_MEMORY_FAULT"

def harvest_all() -> Step:
    """Userspace harvests every dirty entry of vCPU 0's ring (flags 01 -> 1X), without KVM_RESET_DIRTY_RINGS."""
    def run(s: Scene) -> Result:
        entries = dirty_entries(s)
        if not entries:
            raise AssertionError("vCPU 0's ring has no dirty entry to harvest")
        for i in range(len(entries)):
            s.target.write(ring_map(s) + i * GFN.size, struct.pack("<I", kvm.KVM_DIRTY_GFN_F_RESET))
        s.remembered["harvested"] = len(entries)
        return Result(0)

    return step("harvest every dirty entry of vCPU 0's ring (flags = KVM_DIRTY_GFN_F_RESET), no reset", run)

def rerun_guest() -> Step:
    """vCPU 0 runs memory.DIRTYING's guest code once more from its start: it stores to page 2 again and exits."""
    back, again = rewind(DIRTYING), guest_writes()

    def run(s: Scene) -> Result:
        got = back(s)
        return again(s) if got.ok else got

    return step("rewind vCPU 0 to the guest code's start; KVM_RUN: it stores to page 2 again, then exits", run)

def no_entry_after_harvested(s: Scene, got: Result) -> str | None:
    n = s.remembered["harvested"]
    flags, slot, offset = ring_entry(s, n)
    if flags & kvm.KVM_DIRTY_GFN_F_DIRTY:
        return f"ring entry {n} (after the {n} harvested) is dirty: slot {slot:#x}, offset {offset}"
    return None

def logged_tables() -> Step:
    """arm_vgic_v3's guest memory (slot 0 at IPA 0, the ITS tables of its round trip), dirty-logged."""
    return guest_tables(TABLES, kvm.KVM_MEM_LOG_DIRTY_PAGES)

def table_pages_dirty(s: Scene, got: Result) -> str | None:
    """The bitmap the last KVM_GET_DIRTY_LOG wrote has the pages of the collection and device tables."""
    word = int.from_bytes(s.target.read(s.memory["bitmap"], 8), "little")
    want = {COLL_TABLE // PAGE, DEV_TABLE // PAGE}
    have = {i for i in range(64) if word >> i & 1}
    return None if want <= have else f"the bitmap has pages {sorted(have)} dirty, expected {sorted(want)} among them"

def _log_again_dirty(s: Scene, got: Result) -> str | None:
    get_log()(s).value()
    return table_pages_dirty(s, got)

ITS_SAVE = ctrl(arm64.KVM_DEV_ARM_ITS_SAVE_TABLES, device="its")

# The bitmap backs the ring (6.12+ arm64): ring, then WITH_BITMAP before any memslot, then the restored ITS of
# arm_vgic_v3's round trip in a logged slot; KVM_GET_DIRTY_LOG collects (nothing dirty: only the VMM wrote).
RING_BITMAP_ITS = (ring(), RING_WITH_BITMAP, *READY, *ITS_PLACED, logged_tables(),
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
    return one_reg("KVM_SET_ONE_REG", MIDR_EL1, "MIDR_EL1 (Revision bit 0 flipped)", _midr_changed)

FAULT_PATH = "mmu.c: kvm_mmu_faultin_pfn -> kvm_handle_error_pfn"

RESET_PATH = "dirty_ring.c: kvm_dirty_ring_reset -> kvm_reset_dirty_gfn -> kvm_arch_mmu_enable_log_dirty_pt_masked"

WITH_BITMAP_ANSWER = f"{MAIN}: kvm_vm_ioctl_check_extension_generic"

ITS_WRITE = ("vgic-its.c: vgic_its_ctrl writes the tables with no running vCPU "
             "(kvm_arch_allow_write_without_running_vcpu); kvm_main.c mark_page_dirty_in_slot puts such a write in "
             "the slot's bitmap")

IMP_ID_SET = "sys_regs.c: set_imp_id_reg"
