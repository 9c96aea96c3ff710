"""Guest memory: memory slots (1 and 2), guest_memfd, memory attributes, the dirty log (bitmap and ring), MP state,
guest debug, kvmclock, and the guest code that dirties a page."""

from __future__ import annotations

import ctypes
import struct

from abi import arm64, kvm, model
from abi.spec.case import Scene, Step, Val, val
from abi.spec.steps.base import API, MAIN, capability, per_arch, step
from abi.spec.steps.guest import (
    PAGE,
    RV_CODE_GPA,
    RV_J_SELF,
    RV_T0,
    RV_T1,
    Code,
    a64,
    code_slot,
    rv64,
    rv_lui,
    rv_store,
)
from abi.spec.steps.system import other_vm
from abi.spec.steps.vcpu import run_to_exit, vcpu_at
from abi.spec.steps.vm import VCPU0, enable_cap, memory_region
from abi.target.base import Result

GET_LOG = f"{API} 4.8 KVM_GET_DIRTY_LOG"

CLEAR_LOG = f"{API} 4.117 KVM_CLEAR_DIRTY_LOG"

PROTECT2 = f"{API} 7.18 KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2"

RING = f"{API} 7.36 (8.29 in 6.1 and 6.12) KVM_CAP_DIRTY_LOG_RING/KVM_CAP_DIRTY_LOG_RING_ACQ_REL"

REGION2 = f"{API} 4.140 KVM_SET_USER_MEMORY_REGION2"

ATTRS = f"{API} 4.141 KVM_SET_MEMORY_ATTRIBUTES"

GET_MP = f"{API} 4.38 KVM_GET_MP_STATE"

SET_MP = f"{API} 4.39 KVM_SET_MP_STATE"

DEBUG = f"{API} 4.87 KVM_SET_GUEST_DEBUG"

CLOCK = f"{API} 4.70 KVM_KVMCLOCK_CTRL"

MASKS = f"{API} 4.139 KVM_ARM_GET_REG_WRITABLE_MASKS"

SLOT_PAGES = 16

DIRTY_PAGE = 2  # the page the guest writes

MSR_KVM_SYSTEM_TIME_NEW = 0x4B564D01  # arch/x86/include/uapi/asm/kvm_para.h

KVM_GUESTDBG_EXIT_PENDING = 0x20000000  # s390's asm/kvm.h: an s390-only control flag

RING_BYTES = 0x10000  # 4096 entries of struct kvm_dirty_gfn, the size 7.36 recommends

REGION2_KERNELS = "6.8+ (KVM_SET_USER_MEMORY_REGION2 and KVM_SET_MEMORY_ATTRIBUTES came in 6.8)"

MASKS_KERNELS = "6.7+ (KVM_ARM_GET_REG_WRITABLE_MASKS came in 6.7)"

ACQ_REL = ((kvm.KVM_CAP_DIRTY_LOG_RING_ACQ_REL, "KVM_CAP_DIRTY_LOG_RING_ACQ_REL", True),)

USER_MEMORY2 = ((kvm.KVM_CAP_USER_MEMORY2, "KVM_CAP_USER_MEMORY2", True),)

WITH_BITMAP = ((kvm.KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP", True),)

GUEST_MEMFD = ((kvm.KVM_CAP_GUEST_MEMFD, "KVM_CAP_GUEST_MEMFD", True),)

GMEM_KERNELS = "6.18+ (guest_memfd for default VMs; checked against 7.2's source)"

# x86, real mode at 0x90000 (above the largest logged slot, 128 pages), in a slot of its own that is not
# dirty-logged: `mov byte [0x2000], 1` (C6 /0 with ModRM 06: a 16-bit absolute address in DS, based at 0, then the
# imm8), then `hlt`, which leaves KVM_RUN with KVM_EXIT_HLT when the irqchip is in userspace. Not in the logged
# slot: x86 may map a page the guest only reads or executes writable and then reports it dirty (6.1 and 7.2
# mmu/spte.c make_spte), which api.rst allows (KVM_GET_DIRTY_LOG promises the pages written, not only them); the
# selftests' dirty_log_test keeps its code out of the logged slot too.
X86_CODE_GPA = 0x90000
X86_CODE_SLOT = 1

# arm64, A64 at IPA 0 where a vCPU resets: x2 = 0x2000 (page 2), store it there; x3 = an IPA outside every memslot,
# store to it: a single-register store has a valid syndrome, so KVM_RUN leaves with KVM_EXIT_MMIO.
UNMAPPED_IPA = 0x20000000

DIRTYING = {
    "x86_64": Code(X86_CODE_GPA, bytes([0xC6, 0x06, 0x00, 0x20, 0x01, 0xF4]), "mov byte [0x2000], 1; hlt"),
    "arm64": Code(0, a64(
        0xD2800000 | ((DIRTY_PAGE * PAGE) << 5) | 2,  # movz x2, #0x2000
        0xF9000042,  # str x2, [x2]
        0xD2A00000 | ((UNMAPPED_IPA >> 16) << 5) | 3,  # movz x3, #0x2000, lsl #16
        0xF9000062,  # str x2, [x3]
        0x14000000,  # b .
    ), f"str x2 to 0x2000; str x2 to {UNMAPPED_IPA:#x} (no memslot)"),
    # riscv64: the same stores from RV_CODE_GPA (page 1 of the logged slot: a fetch maps its page read-only while
    # the slot is logged, 6.12 and 7.2 mmu.c kvm_riscv_gstage_map, so only the stored page is dirtied).
    "riscv64": Code(RV_CODE_GPA, rv64(
        rv_lui(RV_T0, DIRTY_PAGE * PAGE),  # lui t0, 0x2: t0 = 0x2000
        rv_store(RV_T0, RV_T0, 8),  # sd t0, 0(t0)
        rv_lui(RV_T1, UNMAPPED_IPA),  # lui t1, 0x20000: t1 = 0x20000000
        rv_store(RV_T0, RV_T1, 8),  # sd t0, 0(t1)
        RV_J_SELF,  # j .
    ), f"sd t0 to 0x2000; sd t0 to {UNMAPPED_IPA:#x} (no memslot)"),
}

# Where the dirtying code ends: x86's HLT with the irqchip in userspace, arm64's and riscv64's store outside every
# memslot.
DIRTYING_RUN = {"x86_64": run_to_exit(kvm.KVM_EXIT_HLT, "KVM_EXIT_HLT"),
                "arm64": run_to_exit(kvm.KVM_EXIT_MMIO, "KVM_EXIT_MMIO"),
                "riscv64": run_to_exit(kvm.KVM_EXIT_MMIO, "KVM_EXIT_MMIO")}

def _log_slot_x86(pages: int, flags: int) -> Step:
    data = memory_region(0, 0, pages * PAGE, flags)
    code = code_slot(DIRTYING, PAGE, 0, slot=X86_CODE_SLOT)

    def run(s: Scene) -> Result:
        got = data(s)
        return code(s) if got.ok else got

    return step(f"{data}; {code}", run)


def log_slot(pages: int = SLOT_PAGES, flags: int = kvm.KVM_MEM_LOG_DIRTY_PAGES) -> Step:
    """Slot 0: `pages` pages at GPA 0, dirty-logged by default, where the guest code stores to page 2; the code itself
    in slot 0 on arm64 and riscv64 (which map a page they read read-only while logging), in slot 1 on x86 (see
    X86_CODE_GPA)."""
    layouts = {"x86_64": _log_slot_x86(pages, flags), "arm64": code_slot(DIRTYING, pages * PAGE, flags),
               "riscv64": code_slot(DIRTYING, pages * PAGE, flags)}
    return step(f"[x86_64: {layouts['x86_64']}; arm64: {layouts['arm64']}; riscv64: {layouts['riscv64']}]",
                lambda s: per_arch(s, layouts, "the dirty-logged slot")(s))

def guest_writes() -> Step:
    """The last vCPU (vCPU 0 at the code of `log_slot` when there is none) runs the dirtying code once: it stores to
    page 2 and leaves KVM_RUN (HLT or MMIO)."""
    def run(s: Scene) -> Result:
        if not s.vcpus:
            got = vcpu_at(DIRTYING)(s)
            if not got.ok:
                return got
        return per_arch(s, DIRTYING_RUN, "the dirtying code's end")(s)

    return step("KVM_RUN: the guest stores to page 2, then exits (HLT / MMIO)", run)

def _bitmap(s: Scene) -> int:
    if "bitmap" not in s.memory:
        s.memory["bitmap"] = s.target.alloc(PAGE)
    return s.memory["bitmap"]

def get_log(slot: Val | int = 0, bitmap: Val | None = None, arg: Val | None = None, ok_errno: int = 0) -> Step:
    slot_v = val(slot)

    def run(s: Scene) -> Result:
        if arg is not None:
            return s.ioctl(s.vm, kvm.KVM_GET_DIRTY_LOG, arg(s))
        where = bitmap(s) if bitmap is not None else _bitmap(s)
        if bitmap is None:
            s.target.write(where, b"\xAA" * 8)  # neither all clear nor all set: the call must write it
        return s.ioctl(s.vm, kvm.KVM_GET_DIRTY_LOG, kvm.kvm_dirty_log(slot=slot_v(s), dirty_bitmap=where))

    shown = f"arg={arg}" if arg is not None else f"slot {slot_v}" + (f", bitmap {bitmap}" if bitmap else "")
    return step(f"KVM_GET_DIRTY_LOG({shown})", run, ok_errno)

def clear_log(first: int = 0, num: int = 64, slot: Val | int = 0, bits: int = 1 << DIRTY_PAGE,
              bitmap: Val | None = None) -> Step:
    slot_v = val(slot)

    def run(s: Scene) -> Result:
        where = bitmap(s) if bitmap is not None else s.scratch(struct.pack("<Q", bits))
        return s.ioctl(s.vm, kvm.KVM_CLEAR_DIRTY_LOG, kvm.kvm_clear_dirty_log(
            slot=slot_v(s), num_pages=num, first_page=first, dirty_bitmap=where))

    shown = f", bitmap {bitmap}" if bitmap is not None else f", bits {bits:#x}"
    return step(f"KVM_CLEAR_DIRTY_LOG(slot {slot_v}, first_page {first}, num_pages {num}{shown})", run)

def dirty_bits(want: set[int], pages: int = SLOT_PAGES):
    """A check: the bitmap KVM_GET_DIRTY_LOG wrote has exactly the pages `want` set among the slot's pages."""
    def check(s: Scene, got: Result) -> str | None:
        word = int.from_bytes(s.target.read(_bitmap(s), 8), "little") & ((1 << pages) - 1)
        have = {i for i in range(pages) if word >> i & 1}
        return None if have == want else f"the bitmap has pages {sorted(have)} dirty, expected {sorted(want)}"

    return check

def manual_protect(bits: int = kvm.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, flags: int = 0) -> Step:
    return enable_cap("KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2", bits, flags)

def ring(size: Val | int = RING_BYTES, cap: str = "KVM_CAP_DIRTY_LOG_RING_ACQ_REL") -> Step:
    return enable_cap(cap, size)

RING_WITH_BITMAP = enable_cap("KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP")

RESET_RINGS = step("KVM_RESET_DIRTY_RINGS", lambda s: s.ioctl(s.vm, kvm.KVM_RESET_DIRTY_RINGS, 0))

RING_MAX = Val("twice the size KVM_CHECK_EXTENSION(DIRTY_LOG_RING_ACQ_REL) gives",
               lambda s: 2 * capability("KVM_CAP_DIRTY_LOG_RING_ACQ_REL", on="vm")(s))

NR_SLOTS = capability("KVM_CAP_NR_MEMSLOTS", on="vm")

NO_AS = Val("slot 0 of the first address space past KVM_CAP_MULTI_ADDRESS_SPACE",
            lambda s: max(1, capability("KVM_CAP_MULTI_ADDRESS_SPACE", on="vm")(s)) << 16)

GFN = struct.Struct("<IIQ")

# arm64's request number, for issuing it on x86 (x86's model has no such request).
ARM_MASKS_REQUEST = model.for_arch("arm64").KVM_ARM_GET_REG_WRITABLE_MASKS

def ring_map(s: Scene) -> int:
    """vCPU 0's ring, mapped at KVM_DIRTY_LOG_PAGE_OFFSET pages of the vCPU fd (7.36)."""
    if "ring_map" not in s.memory:
        addr = s.target.mmap(s.vcpus[-1], RING_BYTES, s.abi.KVM_DIRTY_LOG_PAGE_OFFSET * PAGE)
        s.maps.append((addr, RING_BYTES))
        s.memory["ring_map"] = addr
    return s.memory["ring_map"]

def ring_entry(s: Scene, index: int = 0) -> tuple[int, int, int]:
    return GFN.unpack(s.target.read(ring_map(s) + index * GFN.size, GFN.size))

def harvest() -> Step:
    """Userspace's half of 7.36: entry 0 is dirty; mark it harvested (flags 01 -> 1X)."""
    def run(s: Scene) -> Result:
        flags, _, _ = ring_entry(s)
        if flags != kvm.KVM_DIRTY_GFN_F_DIRTY:
            raise AssertionError(f"ring entry 0 has flags {flags:#x}, expected DIRTY: nothing to harvest")
        s.target.write(ring_map(s), struct.pack("<I", kvm.KVM_DIRTY_GFN_F_RESET))
        return Result(0)

    return step("harvest ring entry 0 (flags = KVM_DIRTY_GFN_F_RESET)", run)

def first_entry_is(flags: int):
    def check(s: Scene, got: Result) -> str | None:
        have = ring_entry(s)[0]
        return None if have == flags else f"ring entry 0 has flags {have:#x}, expected {flags:#x}"

    return check

def dirty_entries(s: Scene) -> list[tuple[int, int]]:
    """(slot, offset) of the entries from 0 on whose flags say DIRTY, in order: the ones to harvest."""
    out = []
    for i in range(RING_BYTES // GFN.size):
        flags, slot, offset = ring_entry(s, i)
        if flags & kvm.KVM_DIRTY_GFN_F_MASK != kvm.KVM_DIRTY_GFN_F_DIRTY:
            break
        out.append((slot, offset))
    return out

def ring_has(page: int):
    def check(s: Scene, got: Result) -> str | None:
        have = dirty_entries(s)
        return None if (0, page) in have else f"the dirty entries (slot, offset) are {have}: none for page {page}"

    return check

def ring_is(pages: list[int]):
    def check(s: Scene, got: Result) -> str | None:
        have = dirty_entries(s)
        want = [(0, p) for p in pages]
        return None if have == want else f"the dirty entries (slot, offset) are {have}, expected {want}"

    return check

READ_RING = step("read vCPU 0's dirty ring", lambda s: Result(0))

GMEM_SIZE = 0x10000

def _gmem(s: Scene, vm: int | None = None, mappable: bool = True) -> int:
    """A guest_memfd, mappable (GUEST_MEMFD_FLAG_MMAP) where the VM offers it: arm64 binds only mappable ones."""
    vm = s.vm if vm is None else vm
    flags = kvm.GUEST_MEMFD_FLAG_MMAP if mappable and s.cap(kvm.KVM_CAP_GUEST_MEMFD_FLAGS, vm) & \
        kvm.GUEST_MEMFD_FLAG_MMAP else 0
    fd = s.ioctl(vm, kvm.KVM_CREATE_GUEST_MEMFD, kvm.kvm_create_guest_memfd(size=GMEM_SIZE, flags=flags)).value()
    return s.keep(fd)

GMEM = Val("a guest_memfd of this VM (64 KiB, mappable where offered)", _gmem)

GMEM_PRIVATE = Val("a guest_memfd of this VM without GUEST_MEMFD_FLAG_MMAP", lambda s: _gmem(s, mappable=False))

GMEM_KEPT = Val("the guest_memfd the first slot is bound to",
                lambda s: s.named["gmem"] if "gmem" in s.named else s.named.setdefault("gmem", _gmem(s)))

OTHER_GMEM = Val("a guest_memfd of another VM", lambda s: _gmem(s, other_vm(s)))

def gmem_region(fd: Val | int, slot: int = 1, gpa: int = 0x100000, size: int = 0x4000, offset: int = 0,
                flags: int = kvm.KVM_MEM_GUEST_MEMFD) -> Step:
    fd_v = val(fd)

    def run(s: Scene) -> Result:
        arg = kvm.kvm_userspace_memory_region2(slot=slot, flags=flags, guest_phys_addr=gpa, memory_size=size,
                                               userspace_addr=s.target.alloc(size), guest_memfd=fd_v(s),
                                               guest_memfd_offset=offset)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION2, arg)

    return step(f"SET_USER_MEMORY_REGION2(slot {slot}, gpa {gpa:#x}, size {size:#x}, flags {flags:#x}, "
                f"guest_memfd {fd_v}, offset {offset:#x})", run)

def region2(slot: Val | int = 1, gpa: int = 0x100000, size: int = PAGE, flags: int = 0,
            request: str = "KVM_SET_USER_MEMORY_REGION2") -> Step:
    slot_v = val(slot)

    def run(s: Scene) -> Result:
        host = s.target.alloc(max(PAGE, size & ~(PAGE - 1)))
        if request == "KVM_SET_USER_MEMORY_REGION":
            arg = kvm.kvm_userspace_memory_region(slot=slot_v(s), flags=flags, guest_phys_addr=gpa,
                                                  memory_size=size, userspace_addr=host)
        else:
            arg = kvm.kvm_userspace_memory_region2(slot=slot_v(s), flags=flags, guest_phys_addr=gpa,
                                                   memory_size=size, userspace_addr=host)
        return s.ioctl(s.vm, getattr(kvm, request), arg)

    fl = f", flags {flags:#x}" if flags else ""
    return step(f"{request.removeprefix('KVM_')}(slot {slot_v}, gpa {gpa:#x}, size {size:#x}{fl})", run)

def attributes(address: int = 0, size: int = PAGE, attrs: int = 0, flags: int = 0) -> Step:
    return step(f"KVM_SET_MEMORY_ATTRIBUTES(address {address:#x}, size {size:#x}, attributes {attrs:#x}, "
                f"flags {flags:#x})",
                lambda s: s.ioctl(s.vm, kvm.KVM_SET_MEMORY_ATTRIBUTES, kvm.kvm_memory_attributes(
                    address=address, size=size, attributes=attrs, flags=flags)))

def mmap_size_ok(s: Scene, got: Result) -> str | None:
    size = got.ret
    if size % PAGE or size < ctypes.sizeof(s.abi.kvm_run):
        return f"{size:#x} is not whole pages holding struct kvm_run"
    page = s.abi.KVM_COALESCED_MMIO_PAGE_OFFSET
    if capability("KVM_CAP_COALESCED_MMIO")(s) and size < (page + 1) * PAGE:
        return f"{size:#x} does not include the coalesced MMIO page at page offset {page}"
    return None

MP_NAMES = {getattr(kvm, n): n.removeprefix("KVM_MP_STATE_") for n in dir(kvm) if n.startswith("KVM_MP_STATE_")}

def set_mp(state: int) -> Step:
    name = MP_NAMES.get(state, f"{state:#x}")
    return step(f"KVM_SET_MP_STATE({name})", lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_SET_MP_STATE,
                                                                kvm.kvm_mp_state(mp_state=state)))

GET_MP_STATE = step("KVM_GET_MP_STATE", lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_GET_MP_STATE, kvm.kvm_mp_state()))

def mp_is(state: int):
    def check(s: Scene, got: Result) -> str | None:
        have = got.struct(kvm.kvm_mp_state).mp_state
        return None if have == state else f"mp_state is {MP_NAMES.get(have, have)}, expected {MP_NAMES[state]}"

    return check

def mp_state_is(state: int):
    """A check: KVM_GET_MP_STATE after the call answers `state`."""
    def check(s: Scene, got: Result) -> str | None:
        return mp_is(state)(s, GET_MP_STATE(s))

    return check

def guest_debug(control: Val | int) -> Step:
    ctl = val(control)

    def run(s: Scene) -> Result:
        dbg = s.abi.kvm_guest_debug()
        dbg.control = ctl(s)
        return s.ioctl(s.vcpus[-1], s.abi.KVM_SET_GUEST_DEBUG, dbg)

    return step(f"KVM_SET_GUEST_DEBUG(control {ctl})", run)

SUPPORTED_DEBUG = capability("KVM_CAP_SET_GUEST_DEBUG2", on="vm")

def _unsupported_arch_bit(s: Scene) -> int:
    mask = SUPPORTED_DEBUG(s)
    return kvm.KVM_GUESTDBG_ENABLE | next(1 << b for b in range(16, 32) if not mask >> b & 1)

UNSUPPORTED_ARCH_BIT = Val("ENABLE | the lowest of bits 16-31 KVM_CAP_SET_GUEST_DEBUG2 does not name",
                           _unsupported_arch_bit)

def kvmclock_enabled() -> Step:
    """vCPU 0 with a slot at 0 and MSR_KVM_SYSTEM_TIME_NEW (host-initiated) = 0x1000 | enable: the guest's pvclock
    area is registered, as a guest kernel does at boot."""
    def run(s: Scene) -> Result:
        got = log_slot(flags=0)(s)
        got = VCPU0(s) if got.ok else got
        if not got.ok:
            return got
        msrs = struct.pack("<IIIIQ", 1, 0, MSR_KVM_SYSTEM_TIME_NEW, 0, 0x1000 | 1)
        got = s.ioctl(got.ret, s.abi.KVM_SET_MSRS, msrs)
        if got.ok and got.ret != 1:
            raise AssertionError(f"KVM_SET_MSRS set {got.ret} MSRs, expected 1 (MSR_KVM_SYSTEM_TIME_NEW)")
        return got

    return step("slot 0; vCPU 0; KVM_SET_MSRS(MSR_KVM_SYSTEM_TIME_NEW = 0x1001)", run)

KVMCLOCK_CTRL = step("KVM_KVMCLOCK_CTRL", lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_KVMCLOCK_CTRL, 0))

def masks(range_: int = 0, reserved0: int = 0, addr: Val | None = None, arg: Val | None = None) -> Step:
    def run(s: Scene) -> Result:
        if arg is not None:
            return s.ioctl(s.vm, s.abi.KVM_ARM_GET_REG_WRITABLE_MASKS, arg(s))
        where = addr(s) if addr is not None else s.target.alloc(arm64.KVM_ARM_FEATURE_ID_RANGE_SIZE * 8)
        s.memory["masks"] = where
        r = arm64.reg_mask_range(addr=where, range=range_)
        r.reserved[0] = reserved0
        return s.ioctl(s.vm, s.abi.KVM_ARM_GET_REG_WRITABLE_MASKS, r)

    shown = f"arg={arg}" if arg is not None else f"range {range_}" + (f", reserved[0] {reserved0}" if reserved0
                                                                       else "") + (f", addr {addr}" if addr else "")
    return step(f"KVM_ARM_GET_REG_WRITABLE_MASKS({shown})", run)

def _masks_range_flag(s: Scene, got: Result) -> str | None:
    ranges = capability("KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES")(s)
    if not ranges & (1 << arm64.KVM_ARM_FEATURE_ID_RANGE):
        return f"KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES is {ranges:#x}: bit 0 (FEATURE_ID_RANGE) is not set"
    return None

DIRTY = (log_slot(), guest_writes())

CODE_GET = f"{MAIN}: kvm_get_dirty_log_protect"

CODE_CLEAR = f"{MAIN}: kvm_clear_dirty_log_protect"

CODE_RING = f"{MAIN}: kvm_vm_ioctl_enable_dirty_log_ring"
