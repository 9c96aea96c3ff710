"""The arm64 vCPU and VM ioctls on the arm64 guests: every documented error, and the implemented ones beside it.

Documentation: Documentation/virt/kvm/api.rst (Debian 6.1, 6.12 and 7.2 linux-doc): 4.2 KVM_CREATE_VM (arm64
IPA size), 4.7 KVM_CREATE_VCPU, 4.10 KVM_RUN, 4.31/4.32 KVM_{GET,SET}_VCPU_EVENTS (arm64), 4.68/4.69
KVM_{SET,GET}_ONE_REG, 4.82 KVM_ARM_VCPU_INIT, 4.83 KVM_ARM_PREFERRED_TARGET, 4.84 KVM_GET_REG_LIST, 4.119
KVM_ARM_VCPU_FINALIZE, 4.130 KVM_ARM_MTE_COPY_TAGS, 4.133 KVM_GET_STATS_FD; 7.x KVM_CAP_ARM_NISV_TO_USER, 7.28
KVM_CAP_ARM_MTE (on the mte machine, the only one whose guest kernel has MTE).
Implementation (arch/arm64/kvm of Debian 6.1.192, 6.12.117 and 7.2.13): arm.c (kvm_arch_vcpu_ioctl,
kvm_vcpu_set_target, kvm_vcpu_init_check_features, kvm_arch_vcpu_run_pid_change, kvm_arch_vm_ioctl,
kvm_arch_init_vm, kvm_vm_ioctl_enable_cap), guest.c (kvm_arm_get_reg/set_reg, get/set_core_reg, set_sve_vls,
sve_reg_to_region, __kvm_arm_vcpu_set_events, kvm_vm_ioctl_mte_copy_tags), reset.c (kvm_arm_vcpu_finalize,
kvm_reset_vcpu and kvm_set_vm_width in 6.1, kvm_arm_setup_stage2 in 6.1), mmu.c (kvm_handle_guest_abort,
kvm_init_ipa_range, kvm_arch_prepare_memory_region),
mmio.c (io_mem_abort), sys_regs.c (kvm_sys_reg_get_user, set_id_reg), hypercalls.c
(kvm_arm_set_fw_reg_bmap), virt/kvm/kvm_main.c (kvm_vm_ioctl_create_vcpu, kvm_vcpu_ioctl_get_stats_fd).
docs/research/arm64_vcpu_ioctls.md has every row with its evidence and the version differences.

Some cases run guest code (a few instructions in a memslot) to reach KVM_RUN's exits; a case that needs a
signal to end KVM_RUN bounds the call with the target's ioctl time limit (SIGALRM in the agent: an unmasked
signal, the documented EINTR condition).

`kernels` says which Debian kernels a case's expectation holds for ("all", or "6.1", "6.12+" ...); the test
skips a case on the others (abi/spec/run.py not_applicable).
"""

from __future__ import annotations

import ctypes
import struct
from errno import (
    E2BIG,
    EBUSY,
    EEXIST,
    EFAULT,
    EINTR,
    EINVAL,
    EMFILE,
    ENODEV,
    ENOENT,
    ENOEXEC,
    ENOMEM,
    ENOSYS,
    ENXIO,
    EPERM,
)

from abi import arm64, kvm, layout, model
from abi.arm64 import kvm_arm_counter_offset
from abi.spec import arm_vgic_v3 as V3  # the vGICv3 scene and register steps
from abi.spec.case import (
    DOCUMENT_CONTRADICTS_ITSELF,
    DOCUMENT_NAMES_WHAT_HEADERS_LACK,
    KERNEL_BREAKS_DOCUMENT,
    SUCCEEDS,
    Case,
    Deviation,
    DocumentedError,
    Finding,
    Observed,
    Scene,
    Step,
    Unreachable,
    Val,
    need,
)
from abi.spec.irq_delivery import SPI as IRQ_SPI
from abi.spec.irq_delivery import arm_line
from abi.spec.memory_dirty import set_mp
from abi.spec.steps.base import BAD_POINTER, step
from abi.spec.steps.system import create_vm, stats_fd
from abi.spec.steps.vcpu import exits_with, kvm_run, kvm_run_map, vcpu_busy
from abi.spec.steps.vm import create_vcpu, ipa_limit
from abi.target.base import Result

API = "api.rst"
RUN = f"{API} 4.10 KVM_RUN"
SET_REG = f"{API} 4.68 KVM_SET_ONE_REG"
GET_REG = f"{API} 4.69 KVM_GET_ONE_REG"
INIT_DOC = f"{API} 4.82 KVM_ARM_VCPU_INIT"
PREF = f"{API} 4.83 KVM_ARM_PREFERRED_TARGET"
REG_LIST = f"{API} 4.84 KVM_GET_REG_LIST"
FINAL = f"{API} 4.119 KVM_ARM_VCPU_FINALIZE"
EVENTS = f"{API} 4.31 KVM_GET_VCPU_EVENTS (ARM64)"
SET_EVENTS = f"{API} 4.32 KVM_SET_VCPU_EVENTS (ARM64)"
MTE = f"{API} 4.130 KVM_ARM_MTE_COPY_TAGS"
STATS = f"{API} 4.133 KVM_GET_STATS_FD"
CREATE_VM = f"{API} 4.2 KVM_CREATE_VM (ARM64)"
NISV = f"{API} 7.x KVM_CAP_ARM_NISV_TO_USER"
SIGMASK = f"{API} 4.21 KVM_SET_SIGNAL_MASK"
COUNTER = f"{API} 4.138 KVM_ARM_SET_COUNTER_OFFSET"
CAP_MTE_DOC = f"{API} 7.28 KVM_CAP_ARM_MTE"

SVE = arm64.KVM_ARM_VCPU_SVE
PAGE = 4096
SLOT_SIZE = 0x10000  # one memslot at IPA 0 holding the guest code (a vCPU resets with PC = 0)
UNMAPPED_IPA = 0x20000000  # outside every memslot and, with no irqchip, outside every in-kernel device






# linux/kvm.h since 6.4; its number carries the size of arm64's struct kvm_arm_counter_offset.
KVM_ARM_SET_COUNTER_OFFSET = model.for_arch("arm64").KVM_ARM_SET_COUNTER_OFFSET


# --- register ids --------------------------------------------------------------------------------------

def core_id(offset: int, size: int = kvm.KVM_REG_SIZE_U64) -> int:
    return kvm.KVM_REG_ARM64 | size | arm64.KVM_REG_ARM_CORE | offset


PC = core_id(arm64.KVM_REG_ARM_CORE_REG("regs.pc"))
X2 = core_id(arm64.KVM_REG_ARM_CORE_REG("regs.regs") + 2 * 2)  # the index counts 32-bit words
PSTATE = core_id(arm64.KVM_REG_ARM_CORE_REG("regs.pstate"))
CORE_END = ctypes.sizeof(arm64.kvm_regs) // 4  # the first core index past struct kvm_regs
ID_AA64ISAR0_EL1 = arm64.ARM64_SYS_REG(3, 0, 0, 6, 0)
UNKNOWN_SYSREG = arm64.ARM64_SYS_REG(3, 7, 15, 15, 7)  # IMPLEMENTATION DEFINED space: KVM has no such entry
STD_HYP_BMAP = arm64.KVM_REG_ARM_STD_HYP_BMAP
ZREG0 = arm64.KVM_REG_ARM64_SVE_ZREG(0, 0)
ZREG0_SLICE1 = arm64.KVM_REG_ARM64_SVE_ZREG(0, 1)
VLS = arm64.KVM_REG_ARM64_SVE_VLS


# --- steps ---------------------------------------------------------------------------------------------

def _vcpu(s: Scene) -> int:
    return s.vcpus[-1]


def _preferred(s: Scene):
    a = s.abi
    return s.ioctl(s.vm, a.KVM_ARM_PREFERRED_TARGET, a.kvm_vcpu_init()).struct(a.kvm_vcpu_init)


def vcpu_init(features: int = 0, features1: int = 0, target: int | None = None, new: bool = True,
              ok_errno: int = 0) -> Step:
    """KVM_ARM_VCPU_INIT with the preferred target (or `target`) and features[0] = `features` on a new vCPU
    (or, new=False, the last one again)."""
    shown = f"features[0]={features:#x}" + (f", features[1]={features1:#x}" if features1 else "") \
        + (f", target={target}" if target is not None else "")

    def run(s: Scene) -> Result:
        a = s.abi
        if new:
            got = create_vcpu(len(s.vcpus))(s)
            if not got.ok:
                return got
        init = _preferred(s)
        if target is not None:
            init.target = target
        init.features[0] = features
        init.features[1] = features1
        return s.ioctl(_vcpu(s), a.KVM_ARM_VCPU_INIT, init)

    return step(("KVM_CREATE_VCPU + " if new else "") + f"KVM_ARM_VCPU_INIT({shown})", run, ok_errno)


def init_at(pointer: Val) -> Step:
    return step(f"KVM_ARM_VCPU_INIT(arg={pointer})", lambda s: s.ioctl(_vcpu(s), s.abi.KVM_ARM_VCPU_INIT, pointer(s)))


def finalize(feature: int = SVE, ok_errno: int = 0) -> Step:
    return step(f"KVM_ARM_VCPU_FINALIZE({feature})",
                lambda s: s.ioctl(_vcpu(s), kvm.KVM_ARM_VCPU_FINALIZE, struct.pack("<i", feature)), ok_errno)


def _one_reg(s: Scene, request: int, reg_id: int, data: bytes | None, pointer: Val | None) -> Result:
    addr = pointer(s) if pointer is not None else s.scratch(data if data is not None else bytes(256))
    return s.ioctl(_vcpu(s), request, kvm.kvm_one_reg(id=reg_id, addr=addr))


def get_reg(reg_id: int, name: str, pointer: Val | None = None) -> Step:
    shown = f", addr={pointer}" if pointer is not None else ""
    return step(f"KVM_GET_ONE_REG({name}{shown})", lambda s: _one_reg(s, kvm.KVM_GET_ONE_REG, reg_id, None, pointer))


def set_reg(reg_id: int, name: str, value, ok_errno: int = 0) -> Step:
    """KVM_SET_ONE_REG of `value` (an int as a little-endian u64, bytes as they are, or a callable over the
    scene giving either)."""
    def data(s: Scene) -> bytes:
        v = value(s) if callable(value) else value
        return struct.pack("<Q", v) if isinstance(v, int) else v

    shown = "..." if callable(value) else (f"{value:#x}" if isinstance(value, int) else f"{len(value)} bytes")
    return step(f"KVM_SET_ONE_REG({name} = {shown})",
                lambda s: _one_reg(s, kvm.KVM_SET_ONE_REG, reg_id, data(s), None), ok_errno)


def _read_reg(s: Scene, reg_id: int) -> int:
    _one_reg(s, kvm.KVM_GET_ONE_REG, reg_id, None, None).value()
    return struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]


def reg_list(n) -> Step:
    """KVM_GET_REG_LIST with n = `n` (an int, or a callable over the scene and the vCPU's register count)."""
    def run(s: Scene) -> Result:
        count = None
        if callable(n):
            probe = s.ioctl(_vcpu(s), kvm.KVM_GET_REG_LIST, struct.pack("<Q", 0))
            count = struct.unpack_from("<Q", probe.out)[0]
        want = n(count) if callable(n) else n
        s.remembered["reg_count"] = count
        return s.ioctl(_vcpu(s), kvm.KVM_GET_REG_LIST, struct.pack("<Q", want) + bytes(8 * want))

    return step(f"KVM_GET_REG_LIST(n={getattr(n, 'text', n)})", run)


class _N:
    """n as a function of the register count, with a text for the report."""

    def __init__(self, text, fn):
        self.text, self.fn = text, fn

    def __call__(self, count):
        return self.fn(count)


def n_written_back(s: Scene, got: Result) -> str | None:
    n = struct.unpack_from("<Q", got.out)[0] if len(got.out) >= 8 else None
    count = s.remembered.get("reg_count")
    if n is None or n == 0:
        return f"n came back as {n}: the number of registers must be written into n"
    if count is not None and n != count:
        return f"n came back as {n}, the vCPU has {count} registers"
    return None


def list_filled(s: Scene, got: Result) -> str | None:
    problem = n_written_back(s, got)
    if problem:
        return problem
    n = struct.unpack_from("<Q", got.out)[0]
    ids = struct.unpack_from(f"<{n}Q", got.out, 8)
    bad = [i for i in ids if i & 0xFF00000000000000 != kvm.KVM_REG_ARM64]
    return f"{len(bad)} ids are not arm64 register ids, e.g. {bad[0]:#x}" if bad else None


def memslot(code: list[int] | None = None) -> Step:
    """Slot 0 at IPA 0 (SLOT_SIZE bytes of target memory) holding `code`, little-endian instruction words."""
    def run(s: Scene) -> Result:
        mem = s.target.alloc(SLOT_SIZE)
        if code:
            s.target.write(mem, struct.pack(f"<{len(code)}I", *code))
        region = kvm.kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=0, memory_size=SLOT_SIZE,
                                                 userspace_addr=mem)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    shown = ", ".join(f"{w:#010x}" for w in code) if code else "empty"
    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes: {shown})", run)


# Instruction words (A64), written out so the report shows what the guest executes.
MOVZ_X2_UNMAPPED = 0xD2A00000 | ((UNMAPPED_IPA >> 16) << 5) | 2  # movz x2, #(UNMAPPED_IPA >> 16), lsl #16
LDP_X0_X1_X2 = 0xA9400440  # ldp x0, x1, [x2]: a load pair reports no instruction syndrome (ESR_EL2.ISV = 0)
LDR_X0_X2 = 0xF9400040  # ldr x0, [x2]: a single load does (ISV = 1)
B_SELF = 0x14000000  # b .
LOAD_PAIR_OUTSIDE = [MOVZ_X2_UNMAPPED, LDP_X0_X1_X2, B_SELF]
LOAD_OUTSIDE = [MOVZ_X2_UNMAPPED, LDR_X0_X2, B_SELF]
SPIN = [B_SELF]

RUN_LIMIT = 1.0  # seconds a KVM_RUN that only a signal ends may take








def enable_cap(cap: int, name: str) -> Step:
    return step(f"KVM_ENABLE_CAP({name})", lambda s: s.ioctl(s.vm, kvm.KVM_ENABLE_CAP, kvm.kvm_enable_cap(cap=cap)))


def set_events(serror_pending=0, has_esr=0, esr=0, ext_dabt=0, pad=0, reserved0=0) -> Step:
    def run(s: Scene) -> Result:
        ev = s.abi.kvm_vcpu_events()
        ev.exception.serror_pending, ev.exception.serror_has_esr = serror_pending, has_esr
        ev.exception.ext_dabt_pending, ev.exception.serror_esr = ext_dabt, esr
        ev.exception.pad[0] = pad
        ev.reserved[0] = reserved0
        return s.ioctl(_vcpu(s), s.abi.KVM_SET_VCPU_EVENTS, ev)

    fields = {"serror_pending": serror_pending, "serror_has_esr": has_esr, "serror_esr": esr,
              "ext_dabt_pending": ext_dabt, "pad[0]": pad, "reserved[0]": reserved0}
    shown = ", ".join(f"{k}={v:#x}" for k, v in fields.items() if v)
    return step(f"KVM_SET_VCPU_EVENTS({shown or 'all zero'})", run)


def get_events() -> Step:
    return step("KVM_GET_VCPU_EVENTS", lambda s: s.ioctl(_vcpu(s), s.abi.KVM_GET_VCPU_EVENTS, s.abi.kvm_vcpu_events()))


def has_esr_matches_cap(s: Scene, got: Result) -> str | None:
    ev = got.struct(s.abi.kvm_vcpu_events)
    cap = 1 if s.cap(kvm.KVM_CAP_ARM_INJECT_SERROR_ESR) else 0
    if ev.exception.serror_has_esr != cap:
        return f"serror_has_esr is {ev.exception.serror_has_esr}, KVM_CAP_ARM_INJECT_SERROR_ESR is {cap}"
    if ev.exception.serror_pending or ev.exception.ext_dabt_pending:
        return "a fresh vCPU reports a pending SError or external abort"
    return None




def fill_fd_table() -> Step:
    """Open /dev/kvm until open() fails with EMFILE, then close one so the next step's KVM_CREATE_VM gets
    the last fd; the fds go to the scene, which closes them."""
    def run(s: Scene) -> Result:
        while True:
            try:
                fd = s.target.open_kvm()
            except OSError as e:
                if e.errno != EMFILE:
                    raise
                break
            s.keep(fd)
            if len(s.others) > 65536:
                raise AssertionError("no EMFILE after 65536 fds: RLIMIT_NOFILE is unexpectedly large")
        return Result(0)

    return step("open /dev/kvm until EMFILE", run)


def mte_copy(pointer: Val | None = None, flags: int = 0) -> Step:
    def run(s: Scene) -> Result:
        a = s.abi
        if pointer is not None:
            return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS, pointer(s))
        buf = s.scratch()
        return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS,
                       a.kvm_arm_copy_mte_tags(guest_ipa=0, length=PAGE, addr=buf, flags=flags))

    shown = f"arg={pointer}" if pointer is not None else f"guest_ipa=0, length={PAGE:#x}, flags={flags}"
    return step(f"KVM_ARM_MTE_COPY_TAGS({shown})", run)


# --- MTE (the mte machine: QEMU -M virt,mte=on, so the guest kernel's KVM answers KVM_CAP_ARM_MTE) --------

# A user's own kernel built without CONFIG_ARM64_MTE answers 0 even on the mte machine: a skip, not a failure.
CAP_MTE = (kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE", True)
CAP_NO_MTE = (kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE", False)
CAP_EL1_32BIT = (kvm.KVM_CAP_ARM_EL1_32BIT, "KVM_CAP_ARM_EL1_32BIT", True)
TO_GUEST, FROM_GUEST = arm64.KVM_ARM_TAGS_TO_GUEST, arm64.KVM_ARM_TAGS_FROM_GUEST
GRANULE = 16  # bytes of memory per tag (api.rst 4.130: one tag byte per 16-byte granule)
TAGS = bytes(i % 16 for i in range(PAGE // GRANULE))  # one page's tags: MTE tags are 4 bits
# Two pages' tags for the round trip, one tag per page. QEMU 7.2's TCG keeps one tag byte per page for the
# guest kernel's linear map here (granule k reads back the tag last stored to a granule of k's parity, on the
# 6.1 and 7.2 guest kernels alike: see docs/research/arm64_vcpu_ioctls.md), so distinct tags within a page cannot
# survive the emulator; distinct pages do, which still shows the direction, the order and the count.
PAGE_TAGS = bytes([0x3] * (PAGE // GRANULE) + [0xA] * (PAGE // GRANULE))
UNTOUCHED = 0xEE  # what a tag buffer holds before a copy from the guest: any byte a tag cannot be
TAG_SLOT_IPA = 0


def _mapped(s: Scene, size: int) -> int:
    """Private anonymous target memory (MTE-capable: VM_MTE_ALLOWED), unmapped when the scene closes."""
    addr = s.target.alloc(size)
    s.maps.append((addr, size))
    return addr


def tag_slot(flags: int = 0, size: int = SLOT_SIZE) -> Step:
    """Slot 0 at IPA 0 backed by private anonymous memory, the memory api.rst 7.28 allows an MTE VM."""
    def run(s: Scene) -> Result:
        region = kvm.kvm_userspace_memory_region(slot=0, flags=flags, guest_phys_addr=TAG_SLOT_IPA, memory_size=size,
                                                 userspace_addr=_mapped(s, size))
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    names = {kvm.KVM_MEM_LOG_DIRTY_PAGES: "LOG_DIRTY_PAGES", kvm.KVM_MEM_READONLY: "READONLY"}
    shown = "|".join(n for f, n in names.items() if flags & f) or "0"
    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {size:#x} bytes of MAP_PRIVATE|MAP_ANONYMOUS memory, "
                f"flags {shown})", run)


def shared_anonymous_slot() -> Step:
    """Slot 0 at IPA 0 on MAP_SHARED|MAP_ANONYMOUS memory (the target's mmap of fd -1)."""
    def run(s: Scene) -> Result:
        addr = s.target.mmap(-1, SLOT_SIZE)
        s.maps.append((addr, SLOT_SIZE))
        region = kvm.kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=TAG_SLOT_IPA, memory_size=SLOT_SIZE,
                                                 userspace_addr=addr)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    return step(f"KVM_SET_USER_MEMORY_REGION(slot 0 at IPA 0, {SLOT_SIZE:#x} bytes of MAP_SHARED|MAP_ANONYMOUS memory)",
                run)


def kvm_run_slot() -> Step:
    """Slot 1 backed by the last vCPU's kvm_run page, mapped MAP_SHARED from the vCPU fd: a shared mapping of a file
    that is neither anonymous nor RAM-based, so not MTE-capable."""
    def run(s: Scene) -> Result:
        addr = s.target.mmap(_vcpu(s), PAGE)
        s.maps.append((addr, PAGE))
        region = kvm.kvm_userspace_memory_region(slot=1, flags=0, guest_phys_addr=UNMAPPED_IPA, memory_size=PAGE,
                                                 userspace_addr=addr)
        return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, region)

    return step("KVM_SET_USER_MEMORY_REGION(slot 1, one page of the vCPU's kvm_run mmap (MAP_SHARED))", run)


def copy_tags(flags: int = TO_GUEST, ipa: int = 0, length: int = PAGE, tags: bytes = TAGS,
              buffer: Val | None = None, reserved: tuple[int, int] = (0, 0), ok_errno: int = 0) -> Step:
    """KVM_ARM_MTE_COPY_TAGS on the VM. The tag buffer is length / 16 bytes of fresh target memory (api.rst 4.130),
    holding `tags` for a copy to the guest and UNTOUCHED bytes for one from it; `buffer` puts it elsewhere."""
    def run(s: Scene) -> Result:
        a = s.abi
        if buffer is not None:
            addr = buffer(s)
        else:
            addr = _mapped(s, max(PAGE, length // GRANULE))
            # The first page's worth is enough to see what the kernel wrote (or read); `length` may be ~2 GiB.
            s.target.write(addr, tags if flags == TO_GUEST else bytes([UNTOUCHED]) * len(tags))
        s.memory["tags"] = addr
        arg = a.kvm_arm_copy_mte_tags(guest_ipa=ipa, length=length, addr=addr, flags=flags)
        arg.reserved[0], arg.reserved[1] = reserved
        return s.ioctl(s.vm, a.KVM_ARM_MTE_COPY_TAGS, arg)

    direction = {TO_GUEST: "TO_GUEST", FROM_GUEST: "FROM_GUEST"}.get(flags, f"{flags:#x}")
    shown = f"{direction}, guest_ipa={ipa:#x}, length={length:#x}"
    shown += f", addr={buffer}" if buffer is not None else ""
    shown += f", reserved={list(reserved)}" if any(reserved) else ""
    return step(f"KVM_ARM_MTE_COPY_TAGS({shown})", run, ok_errno)


def tags_read(expected: bytes):
    """A check: the tag buffer of the call under test holds `expected`."""
    def check(s: Scene, got: Result) -> str | None:
        have = s.target.read(s.memory["tags"], len(expected))
        if have == expected:
            return None
        at = next(i for i in range(len(expected)) if have[i] != expected[i])
        return f"tag byte {at} is {have[at]:#x}, expected {expected[at]:#x} ({len(expected)} bytes compared)"

    return check


ENABLE_MTE = enable_cap(kvm.KVM_CAP_ARM_MTE, "KVM_CAP_ARM_MTE")
MTE_VM = (ENABLE_MTE, tag_slot())
INIT_32BIT = vcpu_init(1 << arm64.KVM_ARM_VCPU_EL1_32BIT)




def ipa(n) -> Val:
    if n == "limit":
        return Val("KVM_VM_TYPE_ARM_IPA_SIZE(KVM_CAP_ARM_VM_IPA_SIZE)", ipa_limit)
    if n == "limit+1":
        return Val("KVM_VM_TYPE_ARM_IPA_SIZE(KVM_CAP_ARM_VM_IPA_SIZE + 1)", lambda s: ipa_limit(s) + 1)
    return Val(f"KVM_VM_TYPE_ARM_IPA_SIZE({n})", lambda s, n=n: kvm.KVM_VM_TYPE_ARM_IPA_SIZE(n))


def preferred_target_is_generic(s: Scene, got: Result) -> str | None:
    init = got.struct(s.abi.kvm_vcpu_init)
    if init.target >= arm64.KVM_ARM_NUM_TARGETS:
        return f"target {init.target} is not a KVM_ARM_TARGET_* value (< {arm64.KVM_ARM_NUM_TARGETS})"
    if any(init.features):
        return f"features {list(init.features)}: api.rst says the preferred target comes with no features"
    return None


MAX_VCPU_ID = Val("KVM_CAP_MAX_VCPU_ID", lambda s: s.cap(kvm.KVM_CAP_MAX_VCPU_ID))
DEVICE_IPA = Val("an IPA outside every memslot", lambda s: UNMAPPED_IPA)


def _id_reg_changed(s: Scene) -> int:
    return _read_reg(s, ID_AA64ISAR0_EL1) ^ (0xF << 4)  # ID_AA64ISAR0_EL1.AES flipped


def signal_mask(blocked: int = 0) -> Step:
    """KVM_SET_SIGNAL_MASK on the last vCPU: struct kvm_signal_mask with the kernel's 8-byte sigset."""
    return step(f"KVM_SET_SIGNAL_MASK(sigset {blocked:#x})",
                lambda s: s.ioctl(_vcpu(s), kvm.KVM_SET_SIGNAL_MASK, struct.pack("<IQ", 8, blocked)))


def counter_offset(reserved: int = 0) -> Step:
    return step(f"KVM_ARM_SET_COUNTER_OFFSET(offset 0, reserved {reserved:#x})",
                lambda s: s.ioctl(s.vm, KVM_ARM_SET_COUNTER_OFFSET,
                                  kvm_arm_counter_offset(counter_offset=0, reserved=reserved)))


INIT_SVE = vcpu_init(1 << SVE)
INIT = vcpu_init()
RAN = kvm_run(immediate_exit=True, ok_errno=EINTR)

ENOEXEC_IABT = ("api.rst 4.10 lists ENOEXEC when the guest tried to execute instructions from device memory; "
                "mmu.c kvm_handle_guest_abort maps an instruction abort outside every memslot to -ENOEXEC and "
                "then, at its out: label, turns that into a prefetch abort injected into the guest (6.1: "
                "kvm_inject_pabt, 7.2: kvm_inject_sea_iabt) and resumes it, so KVM_RUN never returns ENOEXEC "
                "for it: the guest faults again at its vector, and the call ends only by a signal (EINTR)")
ESR_BITS = ("api.rst 4.31 says anything other than the lower 24 bits of serror_esr gives EINVAL; guest.c "
            "__kvm_arm_vcpu_set_events rejects only bits outside ESR_ELx_ISS_MASK, which is bits 24:0 (the "
            "architectural ISS field is 25 bits wide), so bit 24 is accepted")
# Two readers of 4.119 differ on whether SVE on a vCPU initialised without it is "not enabled" (EPERM) or "not
# present" (EINVAL): the table admits both, so the finding is the document's ambiguity, not a broken contract.
FINAL_NOT_ENABLED = ("api.rst 4.119 lists EPERM for a feature not enabled and EINVAL for one unknown or not "
                     "present, both of which describe SVE on a vCPU initialised without it on a host that has SVE; "
                     "reset.c kvm_arm_vcpu_finalize returns EINVAL")

CASES: list[Case] = [
    # --- KVM_RUN ------------------------------------------------------------------------------------------
    Case(id="run-uninitialised", ioctl="KVM_RUN", condition="vCPU never given KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=kvm_run(), errno=ENOEXEC,
         cite=f"{RUN}, Errors: ENOEXEC (the vcpu hasn't been initialized); {INIT_DOC}: KVM_RUN returns ENOEXEC",
         setup=(create_vcpu(0),)),
    Case(id="run-immediate-exit", ioctl="KVM_RUN", condition="immediate_exit set", arch=("arm64",),
         call=kvm_run(immediate_exit=True), errno=EINTR,
         cite=f"{RUN}, struct kvm_run: immediate_exit makes KVM_RUN return EINTR at once", setup=(INIT,)),
    Case(id="run-signal", ioctl="KVM_RUN", condition="a signal arrives while the guest spins", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=EINTR, cite=f"{RUN}, Errors: EINTR (an unmasked signal is pending)",
         setup=(memslot(SPIN), INIT), check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    Case(id="run-fetch-outside-memslots", ioctl="KVM_RUN",
         condition="the guest executes at an IPA outside every memslot", arch=("arm64",), call=kvm_run(limit=RUN_LIMIT),
         errno=ENOEXEC, cite=f"{RUN}, Errors: ENOEXEC (the guest tried to execute instructions from device memory)",
         setup=(INIT,), deviation=Deviation(ENOEXEC_IABT, Observed(errno=EINTR, timed_out=True))),
    Case(id="run-fetch-outside-memslots-implemented", ioctl="KVM_RUN",
         condition="the guest executes outside every memslot: what the kernel does", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=EINTR,
         cite="mmu.c: kvm_handle_guest_abort injects a prefetch abort; the call runs until a signal", setup=(INIT,),
         basis="code", check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    Case(id="run-load-pair-outside-memslots", ioctl="KVM_RUN",
         condition="the guest's load pair hits an IPA outside every memslot", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=ENOSYS,
         cite=f"{RUN}, Errors: ENOSYS (data abort outside memslots with no syndrome info, "
         "KVM_CAP_ARM_NISV_TO_USER not enabled); mmio.c io_mem_abort", setup=(memslot(LOAD_PAIR_OUTSIDE), INIT)),
    Case(id="run-load-pair-nisv-to-user", ioctl="KVM_RUN",
         condition="the same load pair with KVM_CAP_ARM_NISV_TO_USER enabled", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=0, cite=f"{NISV}: the exit is KVM_EXIT_ARM_NISV instead of ENOSYS",
         setup=(enable_cap(kvm.KVM_CAP_ARM_NISV_TO_USER, "KVM_CAP_ARM_NISV_TO_USER"), memslot(LOAD_PAIR_OUTSIDE),
                INIT), check=exits_with(kvm.KVM_EXIT_ARM_NISV, "KVM_EXIT_ARM_NISV")),
    Case(id="run-load-outside-memslots", ioctl="KVM_RUN",
         condition="a single load outside every memslot is MMIO, not ENOSYS", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=0,
         cite=f"{RUN}, KVM_EXIT_MMIO: the syndrome is valid, userspace emulates it",
         setup=(memslot(LOAD_OUTSIDE), INIT), check=exits_with(kvm.KVM_EXIT_MMIO, "KVM_EXIT_MMIO")),
    Case(id="run-sve-not-finalized", ioctl="KVM_RUN", condition="SVE enabled at init, never finalized", arch=("arm64",),
         call=kvm_run(immediate_exit=True), errno=EPERM,
         cite=f"{RUN}, Errors: EPERM (SVE feature set but not finalized); {FINAL}", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="run-sve-finalized", ioctl="KVM_RUN", condition="SVE enabled and finalized", arch=("arm64",),
         call=kvm_run(immediate_exit=True), errno=EINTR,
         cite=f"{FINAL}: a mandatory step before the vcpu is usable; then immediate_exit gives EINTR",
         setup=(INIT_SVE, finalize()), needs=need("KVM_CAP_ARM_SVE")),

    # --- KVM_GET_ONE_REG / KVM_SET_ONE_REG ------------------------------------------------------------------
    Case(id="get-reg-pc", ioctl="KVM_GET_ONE_REG", condition="the PC of an initialised vCPU", arch=("arm64",),
         call=get_reg(PC, "PC"), errno=0, cite=GET_REG, setup=(INIT,)),
    Case(id="get-reg-uninitialised", ioctl="KVM_GET_ONE_REG", condition="before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=get_reg(PC, "PC"), errno=ENOEXEC,
         cite="arm.c: kvm_arch_vcpu_ioctl refuses an uninitialised vCPU (api.rst 4.69 does not list ENOEXEC)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="set-reg-uninitialised", ioctl="KVM_SET_ONE_REG", condition="before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=set_reg(PC, "PC", 0x1000), errno=ENOEXEC,
         cite="arm.c: kvm_arch_vcpu_ioctl refuses an uninitialised vCPU (api.rst 4.68 does not list ENOEXEC)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="get-reg-core-beyond", ioctl="KVM_GET_ONE_REG", condition="a core register index past struct kvm_regs",
         arch=("arm64",), call=get_reg(core_id(CORE_END), "core index past kvm_regs"), errno=ENOENT,
         cite=f"{GET_REG}, Errors: ENOENT", setup=(INIT,)),
    Case(id="set-reg-core-beyond", ioctl="KVM_SET_ONE_REG", condition="a core register index past struct kvm_regs",
         arch=("arm64",), call=set_reg(core_id(CORE_END), "core index past kvm_regs", 0), errno=ENOENT,
         cite=f"{SET_REG}, Errors: ENOENT", setup=(INIT,)),
    Case(id="get-reg-unknown-sysreg", ioctl="KVM_GET_ONE_REG", condition="a system register KVM does not have",
         arch=("arm64",), call=get_reg(UNKNOWN_SYSREG, "S3_7_C15_C15_7"), errno=ENOENT,
         cite=f"{GET_REG}, Errors: ENOENT; sys_regs.c "
         "kvm_sys_reg_get_user", setup=(INIT,)),
    Case(id="set-reg-unknown-sysreg", ioctl="KVM_SET_ONE_REG", condition="a system register KVM does not have",
         arch=("arm64",), call=set_reg(UNKNOWN_SYSREG, "S3_7_C15_C15_7", 0), errno=ENOENT,
         cite=f"{SET_REG}, Errors: ENOENT", setup=(INIT,)),
    Case(id="get-reg-other-arch", ioctl="KVM_GET_ONE_REG",
         condition="an id whose architecture field is not KVM_REG_ARM64", arch=("arm64",),
         call=get_reg(kvm.KVM_REG_SIZE_U64 | 0x10, "id 0x0030000000000010"), errno=EINVAL,
         cite=f"{GET_REG}, Errors: EINVAL (invalid register ID); guest.c kvm_arm_get_reg", setup=(INIT,)),
    Case(id="set-reg-other-arch", ioctl="KVM_SET_ONE_REG",
         condition="an id whose architecture field is not KVM_REG_ARM64", arch=("arm64",),
         call=set_reg(kvm.KVM_REG_SIZE_U64 | 0x10, "id 0x0030000000000010", 0), errno=EINVAL,
         cite=f"{SET_REG}, Errors: EINVAL (invalid register ID); guest.c kvm_arm_set_reg", setup=(INIT,)),
    Case(id="get-reg-core-wrong-size", ioctl="KVM_GET_ONE_REG", condition="the PC with a 32-bit size in its id",
         arch=("arm64",),
         call=get_reg(core_id(arm64.KVM_REG_ARM_CORE_REG("regs.pc"), kvm.KVM_REG_SIZE_U32), "PC as u32"), errno=EINVAL,
         cite=f"{GET_REG}, Errors: EINVAL (invalid register ID); guest.c core_reg_addr", setup=(INIT,)),
    Case(id="set-reg-pstate-bad-mode", ioctl="KVM_SET_ONE_REG",
         condition="PSTATE with an undefined mode (0x1f is AArch32 SYS)", arch=("arm64",),
         call=set_reg(PSTATE, "PSTATE", 0x1F), errno=EINVAL,
         cite="guest.c: set_core_reg, an AArch32 mode on a 64-bit vCPU", setup=(INIT,), basis="code"),
    Case(id="get-reg-bad-addr", ioctl="KVM_GET_ONE_REG", condition="addr pointing at a guard page", arch=("arm64",),
         call=get_reg(PC, "PC", pointer=BAD_POINTER), errno=EFAULT,
         cite="guest.c: get_core_reg copy_to_user (undocumented)", setup=(INIT,), basis="code"),
    Case(id="get-reg-sve-not-finalized", ioctl="KVM_GET_ONE_REG", condition="Z0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=get_reg(ZREG0, "Z0"), errno=EPERM,
         cite=f"{GET_REG}, Errors: EPERM (before vcpu finalization)", setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-reg-sve-not-finalized", ioctl="KVM_SET_ONE_REG", condition="Z0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=set_reg(ZREG0, "Z0", bytes(256)), errno=EPERM,
         cite=f"{SET_REG}, Errors: EPERM (before vcpu finalization)", setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="get-reg-sve-finalized", ioctl="KVM_GET_ONE_REG", condition="Z0 after KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=get_reg(ZREG0, "Z0"), errno=0, cite=f"{FINAL}; {GET_REG}", setup=(INIT_SVE, finalize()),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="get-reg-sve-slice-1", ioctl="KVM_GET_ONE_REG", condition="Z0 slice 1 (beyond max_vq)", arch=("arm64",),
         call=get_reg(ZREG0_SLICE1, "Z0[1]"), errno=ENOENT,
         cite=f"{SET_REG}, arm64 SVE registers: ids where 2048 * slice >= 128 * max_vq fail with ENOENT",
         setup=(INIT_SVE, finalize()), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-reg-sve-slice-1", ioctl="KVM_SET_ONE_REG", condition="Z0 slice 1 (beyond max_vq)", arch=("arm64",),
         call=set_reg(ZREG0_SLICE1, "Z0[1]", bytes(256)), errno=ENOENT,
         cite=f"{SET_REG}, arm64 SVE registers: 2048 * slice >= 128 * max_vq fails with ENOENT",
         setup=(INIT_SVE, finalize()), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="get-reg-sve-without-sve", ioctl="KVM_GET_ONE_REG", condition="Z0 on a vCPU without SVE", arch=("arm64",),
         call=get_reg(ZREG0, "Z0"), errno=ENOENT,
         cite=f"{SET_REG}: SVE registers are only accessible on vcpus with SVE enabled; guest.c sve_reg_to_region",
         setup=(INIT,)),
    Case(id="set-vls-no-lengths", ioctl="KVM_SET_ONE_REG", condition="KVM_REG_ARM64_SVE_VLS with no vector length",
         arch=("arm64",), call=set_reg(VLS, "SVE_VLS", bytes(64)), errno=EINVAL,
         cite=f"{SET_REG}: an invalid set of vector lengths fails with EINVAL", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-vls-unchanged", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS written back as read, before finalize", arch=("arm64",),
         call=set_reg(VLS, "SVE_VLS", lambda s: (_one_reg(s, kvm.KVM_GET_ONE_REG, VLS, None, None).value(),
                                            s.target.read(s.scratch(), 64))[1]), errno=0,
         cite=f"{SET_REG}: userspace may modify it until the SVE configuration is finalized", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-vls-after-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS after KVM_ARM_VCPU_FINALIZE", arch=("arm64",),
         call=set_reg(VLS, "SVE_VLS", lambda s: (_one_reg(s, kvm.KVM_GET_ONE_REG, VLS, None, None).value(),
                                            s.target.read(s.scratch(), 64))[1]), errno=EPERM,
         cite=f"{SET_REG}: after finalization, writes of this register fail with EPERM", setup=(INIT_SVE, finalize()),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="set-fw-bitmap-before-run", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_HYP_BMAP cleared before any vCPU ran", arch=("arm64",),
         call=set_reg(STD_HYP_BMAP, "STD_HYP_BMAP", 0), errno=0,
         cite=f"{SET_REG}: bitmap firmware registers are writable", setup=(INIT,)),
    Case(id="set-fw-bitmap-after-run", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_HYP_BMAP changed after a vCPU ran", arch=("arm64",),
         call=set_reg(STD_HYP_BMAP, "STD_HYP_BMAP", 0), errno=EBUSY,
         cite=f"{SET_REG}: bitmap firmware registers are immutable once a vCPU ran: -EBUSY; hypercalls.c "
         "kvm_arm_set_fw_reg_bmap", setup=(INIT, RAN)),
    Case(id="set-fw-bitmap-after-run-same", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_HYP_BMAP rewritten unchanged after a run", arch=("arm64",),
         call=set_reg(STD_HYP_BMAP, "STD_HYP_BMAP", lambda s: _read_reg(s, STD_HYP_BMAP)), errno=0,
         cite="hypercalls.c: kvm_arm_set_fw_reg_bmap refuses only a different value", setup=(INIT, RAN), basis="code"),
    Case(id="set-id-reg-changed-after-run-6.1", ioctl="KVM_SET_ONE_REG",
         condition="ID_AA64ISAR0_EL1 changed after a vCPU ran (6.1)", arch=("arm64",),
         call=set_reg(ID_AA64ISAR0_EL1, "ID_AA64ISAR0_EL1", _id_reg_changed), errno=EINVAL,
         cite="sys_regs.c (6.1): set_id_reg accepts only the value it reads (invariant)", setup=(INIT, RAN),
         basis="code", kernels="6.1"),
    Case(id="set-id-reg-changed-after-run", ioctl="KVM_SET_ONE_REG",
         condition="ID_AA64ISAR0_EL1 changed after a vCPU ran", arch=("arm64",),
         call=set_reg(ID_AA64ISAR0_EL1, "ID_AA64ISAR0_EL1", _id_reg_changed), errno=EBUSY,
         cite="sys_regs.c (6.12, 7.2): set_id_reg, ID registers are immutable once the VM ran: -EBUSY",
         setup=(INIT, RAN), basis="code", kernels="6.12+"),

    # --- KVM_ARM_VCPU_INIT ----------------------------------------------------------------------------------
    Case(id="init", ioctl="KVM_ARM_VCPU_INIT", condition="the preferred target, no features", arch=("arm64",),
         call=INIT, errno=0, cite=INIT_DOC),
    Case(id="init-unknown-target", ioctl="KVM_ARM_VCPU_INIT", condition="target KVM_ARM_NUM_TARGETS (unknown)",
         arch=("arm64",), call=vcpu_init(target=arm64.KVM_ARM_NUM_TARGETS), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL (the target is unknown)"),
    Case(id="init-other-cpu-target", ioctl="KVM_ARM_VCPU_INIT", condition="target Cortex-A57 on a host that is not one",
         arch=("arm64",), call=vcpu_init(target=arm64.KVM_ARM_TARGET_CORTEX_A57), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL; arm.c kvm_vcpu_set_target accepts the host's target (and GENERIC_V8 "
              "from 6.12)", basis="code"),
    Case(id="init-unknown-feature", ioctl="KVM_ARM_VCPU_INIT", condition="features[0] bit 31", arch=("arm64",),
         call=vcpu_init(1 << 31), errno=ENOENT,
         cite=f"{INIT_DOC}, Errors: ENOENT (a features bit specified is unknown)"),
    Case(id="init-unknown-feature-word-1", ioctl="KVM_ARM_VCPU_INIT", condition="features[1] bit 0", arch=("arm64",),
         call=vcpu_init(features1=1), errno=ENOENT,
         cite=f"{INIT_DOC}, Errors: ENOENT (a features bit specified is unknown)"),
    Case(id="init-ptrauth-address-only", ioctl="KVM_ARM_VCPU_INIT",
         condition="PTRAUTH_ADDRESS without PTRAUTH_GENERIC (no pointer auth here)", arch=("arm64",),
         call=vcpu_init(1 << arm64.KVM_ARM_VCPU_PTRAUTH_ADDRESS), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL (the combination of features is invalid; both must be requested together)"),
    Case(id="init-mixed-register-width", ioctl="KVM_ARM_VCPU_INIT",
         condition="vCPU 1 AArch32 (EL1_32BIT) beside an AArch64 vCPU 0", arch=("arm64",),
         call=vcpu_init(1 << arm64.KVM_ARM_VCPU_EL1_32BIT), errno=EINVAL,
         cite=f"{INIT_DOC}, Errors: EINVAL (invalid combination); 6.1 reset.c kvm_set_vm_width, 6.12+ arm.c "
         "__kvm_vcpu_set_target (features are per VM)", setup=(INIT,)),
    Case(id="init-again-same", ioctl="KVM_ARM_VCPU_INIT", condition="a second init with the same target and features",
         arch=("arm64",), call=vcpu_init(new=False), errno=0,
         cite=f"{INIT_DOC}: userspace can call this function multiple times", setup=(INIT,)),
    Case(id="init-again-after-run", ioctl="KVM_ARM_VCPU_INIT", condition="a second init after the vCPU ran",
         arch=("arm64",), call=vcpu_init(new=False), errno=0, cite=f"{INIT_DOC}: including after the vcpu has been run",
         setup=(INIT, RAN), order_row=3),
    Case(id="init-again-other-features", ioctl="KVM_ARM_VCPU_INIT", condition="a second init with other features",
         arch=("arm64",), call=vcpu_init(1 << arm64.KVM_ARM_VCPU_PSCI_0_2, new=False), errno=EINVAL,
         cite=f"{INIT_DOC}: later calls must use the same target and feature flags, otherwise EINVAL", setup=(INIT,)),
    Case(id="init-not-called", ioctl="KVM_ARM_VCPU_INIT", condition="never called: the vCPU's KVM_RUN", arch=("arm64",),
         call=kvm_run(), errno=ENOEXEC,
         cite=f"{INIT_DOC}: if this is not called, KVM_RUN will return ENOEXEC for that vcpu", setup=(create_vcpu(0),)),
    Case(id="init-bad-pointer", ioctl="KVM_ARM_VCPU_INIT", condition="argument pointer to a guard page",
         arch=("arm64",), call=init_at(BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl copy_from_user (undocumented)", setup=(create_vcpu(0),), basis="code"),

    # --- KVM_ARM_PREFERRED_TARGET ---------------------------------------------------------------------------
    Case(id="preferred-target", ioctl="KVM_ARM_PREFERRED_TARGET", condition="on a VM fd", arch=("arm64",),
         call=step("KVM_ARM_PREFERRED_TARGET", lambda s: s.ioctl(s.vm, s.abi.KVM_ARM_PREFERRED_TARGET,
                                                            s.abi.kvm_vcpu_init())), errno=0,
         cite=f"{PREF}: a known target and no features", check=preferred_target_is_generic),
    Case(id="preferred-target-bad-pointer", ioctl="KVM_ARM_PREFERRED_TARGET",
         condition="argument pointer to a guard page", arch=("arm64",),
         call=step("KVM_ARM_PREFERRED_TARGET(arg=a guard page)",
              lambda s: s.ioctl(s.vm, s.abi.KVM_ARM_PREFERRED_TARGET, s.target.bad_address())), errno=EFAULT,
         cite="arm.c: kvm_arch_vm_ioctl copy_to_user (undocumented)", basis="code"),

    # --- KVM_GET_REG_LIST -----------------------------------------------------------------------------------
    Case(id="reg-list-n-zero", ioctl="KVM_GET_REG_LIST", condition="n = 0", arch=("arm64",),
         call=reg_list(_N("count", lambda c: 0)), errno=E2BIG,
         cite=f"{REG_LIST}, Errors: E2BIG; the number required is written into n", setup=(INIT,), check=n_written_back),
    Case(id="reg-list-one-short", ioctl="KVM_GET_REG_LIST", condition="n = the register count - 1", arch=("arm64",),
         call=reg_list(_N("count - 1", lambda c: c - 1)), errno=E2BIG, cite=f"{REG_LIST}, Errors: E2BIG", setup=(INIT,),
         check=n_written_back),
    Case(id="reg-list-exact", ioctl="KVM_GET_REG_LIST", condition="n = the register count", arch=("arm64",),
         call=reg_list(_N("count", lambda c: c)), errno=0, cite=REG_LIST, setup=(INIT,), check=list_filled),
    Case(id="reg-list-uninitialised", ioctl="KVM_GET_REG_LIST", condition="before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=reg_list(0), errno=ENOEXEC, cite="arm.c: kvm_arch_vcpu_ioctl (undocumented for this ioctl)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="reg-list-sve-not-finalized", ioctl="KVM_GET_REG_LIST", condition="SVE enabled, not finalized",
         arch=("arm64",), call=reg_list(0), errno=EPERM,
         cite=f"{FINAL}: KVM_GET_REG_LIST fails with EPERM until the feature is finalized", setup=(INIT_SVE,),
         needs=need("KVM_CAP_ARM_SVE")),
    Case(id="reg-list-bad-pointer", ioctl="KVM_GET_REG_LIST", condition="argument pointer to a guard page",
         arch=("arm64",), call=step("KVM_GET_REG_LIST(arg=a guard page)",
              lambda s: s.ioctl(_vcpu(s), kvm.KVM_GET_REG_LIST, s.target.bad_address())), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl copy_from_user (undocumented)", setup=(INIT,), basis="code"),

    # --- KVM_ARM_VCPU_FINALIZE ------------------------------------------------------------------------------
    Case(id="finalize-sve", ioctl="KVM_ARM_VCPU_FINALIZE", condition="SVE after init with SVE", arch=("arm64",),
         call=finalize(), errno=0, cite=FINAL, setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="finalize-sve-twice", ioctl="KVM_ARM_VCPU_FINALIZE", condition="SVE already finalized", arch=("arm64",),
         call=finalize(), errno=EPERM, cite=f"{FINAL}, Errors: EPERM (already finalized)", setup=(INIT_SVE, finalize()),
         needs=need("KVM_CAP_ARM_SVE")),
    # Only a host with SVE makes "not enabled" the question: without it the feature is not present (EINVAL).
    Case(id="finalize-sve-not-enabled", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE on a vCPU initialised without it, on a host "
         "with SVE", arch=("arm64",), call=finalize(), errno=EPERM,
         cite=f"{FINAL}, Errors: EPERM (feature not enabled)", setup=(INIT,),
         deviation=Deviation(FINAL_NOT_ENABLED, EINVAL, kind=DOCUMENT_CONTRADICTS_ITSELF),
         needs=((kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", True),)),
    Case(id="finalize-sve-not-present", ioctl="KVM_ARM_VCPU_FINALIZE", condition="SVE on a host without SVE",
         arch=("arm64",), call=finalize(), errno=EINVAL, cite=f"{FINAL}, Errors: EINVAL (feature not present)",
         setup=(INIT,), needs=((kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", False),)),
    Case(id="finalize-unknown-feature", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="feature 0 (POWER_OFF: not finalizable)", arch=("arm64",),
         call=finalize(arm64.KVM_ARM_VCPU_POWER_OFF), errno=EINVAL, cite=f"{FINAL}, Errors: EINVAL (feature unknown)",
         setup=(INIT_SVE,), needs=need("KVM_CAP_ARM_SVE")),
    Case(id="finalize-unknown-feature-ffff", ioctl="KVM_ARM_VCPU_FINALIZE", condition="feature 0xffff", arch=("arm64",),
         call=finalize(0xFFFF), errno=EINVAL, cite=f"{FINAL}, Errors: EINVAL (feature unknown)", setup=(INIT,)),
    Case(id="finalize-uninitialised", ioctl="KVM_ARM_VCPU_FINALIZE", condition="before KVM_ARM_VCPU_INIT",
         arch=("arm64",), call=finalize(), errno=ENOEXEC,
         cite="arm.c: kvm_arch_vcpu_ioctl (undocumented; 4.119 says the vcpu must be initialised)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="finalize-bad-pointer", ioctl="KVM_ARM_VCPU_FINALIZE", condition="argument pointer to a guard page",
         arch=("arm64",), call=step("KVM_ARM_VCPU_FINALIZE(arg=a guard page)",
              lambda s: s.ioctl(_vcpu(s), kvm.KVM_ARM_VCPU_FINALIZE, s.target.bad_address())), errno=EFAULT,
         cite="arm.c: kvm_arch_vcpu_ioctl get_user (undocumented)", setup=(INIT_SVE,), basis="code",
         needs=need("KVM_CAP_ARM_SVE")),

    # --- KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS ----------------------------------------------------------
    Case(id="get-events", ioctl="KVM_GET_VCPU_EVENTS", condition="a fresh vCPU", arch=("arm64",), call=get_events(),
         errno=0, cite=f"{EVENTS}: serror_has_esr is non-zero when KVM_CAP_ARM_INJECT_SERROR_ESR is", setup=(INIT,),
         check=has_esr_matches_cap),
    Case(id="get-events-uninitialised", ioctl="KVM_GET_VCPU_EVENTS", condition="before KVM_ARM_VCPU_INIT",
         arch=("arm64",), call=get_events(), errno=ENOEXEC,
         cite=f"{EVENTS}: an uninitialized vCPU returns -ENOEXEC (documented from 7.x; arm.c returns it in 6.1 too)",
         setup=(create_vcpu(0),)),
    Case(id="set-events-uninitialised", ioctl="KVM_SET_VCPU_EVENTS", condition="before KVM_ARM_VCPU_INIT",
         arch=("arm64",), call=set_events(), errno=ENOEXEC,
         cite=f"{SET_EVENTS}: an uninitialized vCPU returns -ENOEXEC (documented from 7.x; arm.c returns it in 6.1 "
         "too)", setup=(create_vcpu(0),)),
    Case(id="set-events-serror-esr", ioctl="KVM_SET_VCPU_EVENTS",
         condition="a pending SError with an ESR in the low 24 bits", arch=("arm64",),
         call=set_events(serror_pending=1, has_esr=1, esr=0x1), errno=0,
         cite=f"{EVENTS}: the ISS goes in the lower 24 bits of serror_esr", setup=(INIT,),
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-serror-esr-bit-24", ioctl="KVM_SET_VCPU_EVENTS", condition="serror_esr with bit 24 set",
         arch=("arm64",), call=set_events(serror_pending=1, has_esr=1, esr=1 << 24), errno=EINVAL,
         cite=f"{EVENTS}: setting anything other than the lower 24 bits of serror_esr returns -EINVAL "
         "(the sentence is in 4.31 and describes KVM_SET_VCPU_EVENTS)", setup=(INIT,),
         deviation=Deviation(ESR_BITS, SUCCEEDS), needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-serror-esr-bit-25", ioctl="KVM_SET_VCPU_EVENTS",
         condition="serror_esr with bit 25 (ESR.IL) set", arch=("arm64",),
         call=set_events(serror_pending=1, has_esr=1, esr=1 << 25), errno=EINVAL,
         cite="guest.c: __kvm_arm_vcpu_set_events, the first bit outside ESR_ELx_ISS_MASK", setup=(INIT,), basis="code",
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-serror-esr-bit-63", ioctl="KVM_SET_VCPU_EVENTS", condition="serror_esr with bit 63 set",
         arch=("arm64",), call=set_events(serror_pending=1, has_esr=1, esr=1 << 63), errno=EINVAL,
         cite=f"{EVENTS}: anything other than the lower 24 bits returns -EINVAL", setup=(INIT,),
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR")),
    Case(id="set-events-has-esr-unsupported", ioctl="KVM_SET_VCPU_EVENTS",
         condition="serror_has_esr on a host without KVM_CAP_ARM_INJECT_SERROR_ESR", arch=("arm64",),
         call=set_events(serror_pending=1, has_esr=1), errno=EINVAL,
         cite=f"{EVENTS}: specifying exception.has_esr on a system that does not support it returns -EINVAL "
         "(the sentence is in 4.31 and describes KVM_SET_VCPU_EVENTS)", setup=(INIT,),
         needs=need("KVM_CAP_ARM_INJECT_SERROR_ESR", present=False)),
    Case(id="set-events-esr-without-pending", ioctl="KVM_SET_VCPU_EVENTS",
         condition="serror_esr bit 24 with no SError pending", arch=("arm64",),
         call=set_events(serror_pending=0, has_esr=1, esr=1 << 24), errno=0,
         cite="guest.c: __kvm_arm_vcpu_set_events looks at the ESR only for a pending SError", setup=(INIT,),
         basis="code"),
    Case(id="set-events-reserved", ioctl="KVM_SET_VCPU_EVENTS", condition="reserved[0] not zero", arch=("arm64",),
         call=set_events(reserved0=1), errno=EINVAL,
         cite="arm.c: kvm_arm_vcpu_set_events checks reserved[] (undocumented)", setup=(INIT,), basis="code"),
    Case(id="set-events-pad", ioctl="KVM_SET_VCPU_EVENTS", condition="exception.pad[0] not zero", arch=("arm64",),
         call=set_events(pad=1), errno=EINVAL,
         cite="arm.c: kvm_arm_vcpu_set_events checks exception.pad[] (undocumented)", setup=(INIT,), basis="code"),

    # --- KVM_ARM_MTE_COPY_TAGS on a VM without MTE (every machine: the mte one too, until the VM enables it) -----
    Case(id="mte-copy-tags-without-mte", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="on a VM without KVM_CAP_ARM_MTE enabled", arch=("arm64",), call=mte_copy(), errno=EINVAL,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags (!kvm_has_mte) before any argument check", basis="code"),
    Case(id="mte-copy-tags-bad-pointer", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="argument pointer to a guard page",
         arch=("arm64",), call=mte_copy(pointer=BAD_POINTER), errno=EFAULT,
         cite="arm.c: kvm_arch_vm_ioctl copy_from_user, before the MTE test", basis="code"),

    # --- KVM_ARM_MTE_COPY_TAGS on a VM with MTE enabled and 64 KiB of anonymous memory at IPA 0 ---------------
    Case(id="mte-copy-tags-to-guest", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="one page's tags to the guest",
         arch=("arm64",), features=("mte",), call=copy_tags(), errno=0,
         cite=f"{MTE}: the call completes successfully and returns length", setup=MTE_VM, ret=PAGE, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-round-trip", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="two pages' tags copied to the guest, then back", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST, length=2 * PAGE, tags=PAGE_TAGS), errno=0,
         cite=f"{MTE}: length / 16 bytes, one tag per byte; returns length",
         setup=(*MTE_VM, copy_tags(length=2 * PAGE, tags=PAGE_TAGS)), ret=2 * PAGE, check=tags_read(PAGE_TAGS),
         needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-untagged-page", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="from a guest page whose tags were never set", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST), errno=0,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags writes zeros for a page not yet tagged", setup=MTE_VM, ret=PAGE,
         check=tags_read(bytes(len(TAGS))), basis="code", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-partial", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="two pages from the last page of the memslot", arch=("arm64",), features=("mte",),
         call=copy_tags(ipa=SLOT_SIZE - PAGE, length=2 * PAGE), errno=0,
         cite=f"{MTE}: if some tags were copied before an error, the number of bytes copied is returned", setup=MTE_VM,
         ret=PAGE, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-length-limit", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="length 2^31 - PAGE_SIZE over a 64 KiB memslot", arch=("arm64",), features=("mte",),
         call=copy_tags(length=(1 << 31) - PAGE), errno=0,
         cite=f"{MTE}: length up to 2^31 - PAGE_SIZE is accepted (6.12+ text); the 16 pages of the memslot are copied "
         "before the first page outside it, and that count is returned", setup=MTE_VM, ret=SLOT_SIZE, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-length-2g", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="length 2^31", arch=("arm64",),
         features=("mte",), call=copy_tags(length=1 << 31), errno=EINVAL,
         cite=f"{MTE}: length must not be bigger than 2^31 - PAGE_SIZE (6.12+ text); guest.c length > INT_MAX",
         setup=MTE_VM, kernels="6.12+", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-length-2g-6.1", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="length 2^31 (6.1: no upper bound)",
         arch=("arm64",), features=("mte",), call=copy_tags(length=1 << 31), errno=0,
         cite="guest.c (6.1): kvm_vm_ioctl_mte_copy_tags has no length bound; it copies the memslot's 16 pages and "
         "returns that count", setup=MTE_VM, ret=SLOT_SIZE, basis="code", kernels="6.1", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-reserved-0", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="reserved[0] not zero",
         arch=("arm64",), features=("mte",), call=copy_tags(reserved=(1, 0)), errno=EINVAL,
         cite=f"{MTE}: -EINVAL for incorrect arguments; guest.c checks reserved[]", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-reserved-1", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="reserved[1] not zero",
         arch=("arm64",), features=("mte",), call=copy_tags(reserved=(0, 1)), errno=EINVAL,
         cite=f"{MTE}: -EINVAL for incorrect arguments", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-unknown-flag", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="flags 2 (neither TO_GUEST nor FROM_GUEST)", arch=("arm64",), features=("mte",),
         call=copy_tags(flags=2), errno=EINVAL,
         cite=f"{MTE}: flags is either KVM_ARM_TAGS_TO_GUEST or KVM_ARM_TAGS_FROM_GUEST; "
         "-EINVAL for incorrect arguments", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-unaligned-ipa", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="guest_ipa half a page in",
         arch=("arm64",), features=("mte",), call=copy_tags(ipa=PAGE // 2), errno=EINVAL,
         cite=f"{MTE}: guest_ipa must be PAGE_SIZE aligned; -EINVAL", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-unaligned-length", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="length half a page",
         arch=("arm64",), features=("mte",), call=copy_tags(length=PAGE // 2), errno=EINVAL,
         cite=f"{MTE}: length must be PAGE_SIZE aligned; -EINVAL", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-outside-memslots", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="guest_ipa outside every memslot", arch=("arm64",), features=("mte",),
         call=copy_tags(ipa=UNMAPPED_IPA), errno=EFAULT,
         cite=f"{MTE}: -EFAULT if memory cannot be accessed (nothing copied)", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-guest-bad-buffer", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="to the guest from a tag buffer at a guard page", arch=("arm64",), features=("mte",),
         call=copy_tags(buffer=BAD_POINTER), errno=EFAULT, cite=f"{MTE}: -EFAULT if memory cannot be accessed",
         setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-guest-bad-buffer", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="from the guest into a tag buffer at a guard page", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST, buffer=BAD_POINTER), errno=EFAULT,
         cite=f"{MTE}: -EFAULT if memory cannot be accessed", setup=MTE_VM, needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-readonly-memslot", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="to a read-only memslot",
         arch=("arm64",), features=("mte",), call=copy_tags(), errno=EFAULT,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags, a write finds no writable page (6.1/6.12 "
         "gfn_to_pfn_prot, 7.2 __gfn_to_page): -EFAULT", setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_READONLY)),
         basis="code", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-readonly-memslot", ioctl="KVM_ARM_MTE_COPY_TAGS", condition="from a read-only memslot",
         arch=("arm64",), features=("mte",), call=copy_tags(FROM_GUEST), errno=0,
         cite="guest.c: kvm_vm_ioctl_mte_copy_tags reads through a read-only slot",
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_READONLY)), ret=PAGE, basis="code", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-guest-dirty-logging", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="to the guest while a memslot logs dirty pages", arch=("arm64",), features=("mte",),
         call=copy_tags(), errno=EBUSY,
         cite="guest.c (6.12, 7.2): kvm_vm_ioctl_mte_copy_tags refuses writes while nr_memslots_dirty_logging is "
         "non-zero (undocumented)", setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), basis="code",
         kernels="6.12+", needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-to-guest-dirty-logging-6.1", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="to the guest while a memslot logs dirty pages (6.1)", arch=("arm64",), features=("mte",),
         call=copy_tags(), errno=0, cite="guest.c (6.1): no dirty-logging test yet",
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), ret=PAGE, basis="code", kernels="6.1",
         needs=(CAP_MTE,)),
    Case(id="mte-copy-tags-from-guest-dirty-logging", ioctl="KVM_ARM_MTE_COPY_TAGS",
         condition="from the guest while a memslot logs dirty pages", arch=("arm64",), features=("mte",),
         call=copy_tags(FROM_GUEST), errno=0,
         cite="guest.c: only a copy to the guest is refused during dirty logging (6.12, 7.2)",
         setup=(ENABLE_MTE, tag_slot(kvm.KVM_MEM_LOG_DIRTY_PAGES)), ret=PAGE, basis="code", needs=(CAP_MTE,)),

    # --- KVM_CAP_ARM_MTE (api.rst 7.28) -----------------------------------------------------------------------
    Case(id="mte-enable", ioctl="KVM_ENABLE_CAP", condition="KVM_CAP_ARM_MTE before any vCPU exists", arch=("arm64",),
         features=("mte",), call=ENABLE_MTE, errno=0,
         cite=f"{CAP_MTE_DOC}: it must be enabled by the VMM before creating any VCPUs", cap="KVM_CAP_ARM_MTE",
         order_row=1, needs=(CAP_MTE,)),
    Case(id="mte-enable-after-vcpu", ioctl="KVM_ENABLE_CAP", condition="KVM_CAP_ARM_MTE after KVM_CREATE_VCPU",
         arch=("arm64",), features=("mte",), call=ENABLE_MTE, errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: before creating any VCPUs (no errno given); arm.c kvm_vm_ioctl_enable_cap: "
         "created_vcpus -> -EINVAL", setup=(create_vcpu(0),), basis="code", needs=(CAP_MTE,)),
    Case(id="mte-enable-unsupported", ioctl="KVM_ENABLE_CAP", condition="KVM_CAP_ARM_MTE on a host without MTE",
         arch=("arm64",), lacks=("mte",), call=ENABLE_MTE, errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: the capability says KVM and the hardware support MTE; arm.c kvm_vm_ioctl_enable_cap: "
         "!system_supports_mte() -> -EINVAL", basis="code", needs=(CAP_NO_MTE,)),
    Case(id="mte-aarch32-vcpu", ioctl="KVM_ARM_VCPU_INIT",
         condition="an AArch32 (EL1_32BIT) vCPU on a VM with MTE enabled", arch=("arm64",), features=("mte",),
         call=INIT_32BIT, errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: enabling it makes attempts to create AArch32 VCPUs fail (no errno given); 6.1 reset.c "
         "kvm_set_vm_width, 6.12+ arm.c kvm_vcpu_init_check_features: -EINVAL", setup=(ENABLE_MTE,), basis="code",
         needs=(CAP_MTE, CAP_EL1_32BIT)),
    Case(id="mte-aarch32-vcpu-without-mte", ioctl="KVM_ARM_VCPU_INIT",
         condition="an AArch32 vCPU on the same host, MTE not enabled", arch=("arm64",), features=("mte",),
         call=INIT_32BIT, errno=0,
         cite="the contrast: the EINVAL above comes from MTE, not from AArch32 (KVM_CAP_ARM_EL1_32BIT)", basis="code",
         needs=(CAP_MTE, CAP_EL1_32BIT)),
    # The row of 7.28's section (KVM_ENABLE_CAP(KVM_CAP_ARM_MTE) EINVAL, its memslot sentence), not row 1 of
    # (KVM_SET_USER_MEMORY_REGION, EINVAL): that is 4.35's s390 ucontrol sentence.
    Case(id="mte-memslot-shared-file", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on the vCPU's kvm_run mmap (MAP_SHARED, not anonymous) with MTE enabled", arch=("arm64",),
         features=("mte",), call=kvm_run_slot(), errno=EINVAL,
         cite=f"{CAP_MTE_DOC}: 6.1: a memslot on a MAP_SHARED mmap returns -EINVAL; 6.12+: memory that is neither "
         "MAP_ANONYMOUS nor a RAM-based file returns -EINVAL (mmu.c kvm_arch_prepare_memory_region)",
         setup=(ENABLE_MTE, create_vcpu(0)), cap="KVM_CAP_ARM_MTE", needs=(CAP_MTE,)),
    Case(id="mte-memslot-shared-file-without-mte", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="the same memslot on a VM without MTE enabled", arch=("arm64",), features=("mte",),
         call=kvm_run_slot(), errno=0,
         cite="the contrast: mmu.c kvm_arch_prepare_memory_region refuses such memory only when MTE is enabled",
         setup=(create_vcpu(0),), basis="code", needs=(CAP_MTE,)),
    Case(id="mte-memslot-shared-anonymous-6.1", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on MAP_SHARED|MAP_ANONYMOUS memory with MTE enabled (6.1)", arch=("arm64",),
         features=("mte",), call=shared_anonymous_slot(), errno=EINVAL,
         cite=f"{CAP_MTE_DOC} (6.1): memslots must not be MAP_SHARED, a MAP_SHARED mmap returns -EINVAL (mmu.c "
         "kvm_arch_prepare_memory_region: VM_SHARED)", setup=(ENABLE_MTE,), cap="KVM_CAP_ARM_MTE", kernels="6.1",
         needs=(CAP_MTE,)),
    Case(id="mte-memslot-shared-anonymous", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on MAP_SHARED|MAP_ANONYMOUS memory with MTE enabled", arch=("arm64",), features=("mte",),
         call=shared_anonymous_slot(), errno=0,
         cite=f"{CAP_MTE_DOC} (6.12+): memslot memory mapped MAP_ANONYMOUS is allowed, shared or not (mmu.c "
         "kvm_vma_mte_allowed: VM_MTE_ALLOWED)", setup=(ENABLE_MTE,), kernels="6.12+", needs=(CAP_MTE,)),
    Case(id="mte-memslot-anonymous", ioctl="KVM_SET_USER_MEMORY_REGION",
         condition="a memslot on private anonymous memory, MTE enabled", arch=("arm64",), features=("mte",),
         call=tag_slot(), errno=0, cite=f"{CAP_MTE_DOC}: MAP_ANONYMOUS memory (6.12+), memory not MAP_SHARED (6.1)",
         setup=(ENABLE_MTE,), needs=(CAP_MTE,)),

    # --- KVM_GET_STATS_FD -----------------------------------------------------------------------------------
    Case(id="stats-fd-vm", ioctl="KVM_GET_STATS_FD", condition="on a VM fd", arch=("arm64",), call=stats_fd("vm"),
         errno=0, cite=STATS),
    Case(id="stats-fd-vcpu", ioctl="KVM_GET_STATS_FD", condition="on a vCPU fd", arch=("arm64",), call=stats_fd("vcpu"),
         errno=0, cite=STATS, setup=(create_vcpu(0),)),
    Case(id="stats-fd-emfile", ioctl="KVM_GET_STATS_FD", condition="with the fd table full", arch=("arm64",),
         call=stats_fd("vm"), errno=EMFILE,
         cite=f"{STATS}, Errors: EMFILE (the number of opened files exceeds the limit)", setup=(fill_fd_table(),)),

    # --- KVM_CREATE_VM: the IPA size -----------------------------------------------------------------------
    Case(id="vm-ipa-default", ioctl="KVM_CREATE_VM", condition="type 0 (40-bit IPA)", arch=("arm64",),
         call=create_vm(0), errno=0, cite=f"{CREATE_VM}: 0 is 40 bits", needs_vm=False),
    Case(id="vm-ipa-32", ioctl="KVM_CREATE_VM", condition="IPA size 32", arch=("arm64",), call=create_vm(ipa(32)),
         errno=0, cite=f"{CREATE_VM}: 32 <= N <= limit", needs_vm=False),
    Case(id="vm-ipa-limit", ioctl="KVM_CREATE_VM", condition="IPA size = KVM_CAP_ARM_VM_IPA_SIZE", arch=("arm64",),
         call=create_vm(ipa("limit")), errno=0, cite=f"{CREATE_VM}: 32 <= N <= Host_IPA_Limit", needs_vm=False),
    Case(id="vm-ipa-31", ioctl="KVM_CREATE_VM", condition="IPA size 31", arch=("arm64",), call=create_vm(ipa(31)),
         errno=EINVAL,
         cite=f"{CREATE_VM}: creation fails (no errno given); 6.1 reset.c kvm_arm_setup_stage2, 6.12+ mmu.c "
         "kvm_init_ipa_range: EINVAL", basis="code", needs_vm=False),
    Case(id="vm-ipa-1", ioctl="KVM_CREATE_VM", condition="IPA size 1", arch=("arm64",), call=create_vm(ipa(1)),
         errno=EINVAL, cite=f"{CREATE_VM}: creation fails; EINVAL as for 31", basis="code", needs_vm=False),
    Case(id="vm-ipa-above-limit", ioctl="KVM_CREATE_VM", condition="IPA size KVM_CAP_ARM_VM_IPA_SIZE + 1",
         arch=("arm64",), call=create_vm(ipa("limit+1")), errno=EINVAL,
         cite=f"{CREATE_VM}: creation fails; EINVAL (kvm_init_ipa_range)", basis="code", needs_vm=False),
    Case(id="vm-type-unknown-bit", ioctl="KVM_CREATE_VM", condition="type bit 8 set (outside the IPA field)",
         arch=("arm64",), call=create_vm(0x100), errno=EINVAL,
         cite="6.1 reset.c kvm_arm_setup_stage2, 6.12 mmu.c kvm_init_ipa_range, 7.2 arm.c kvm_arch_init_vm",
         basis="code", needs_vm=False),
    Case(id="vm-type-protected", ioctl="KVM_CREATE_VM",
         condition="KVM_VM_TYPE_ARM_PROTECTED (bit 31) without protected KVM", arch=("arm64",), call=create_vm(1 << 31),
         errno=EINVAL, cite="7.2 arm.c kvm_arch_init_vm; 6.1/6.12: a bit outside the IPA field", basis="code",
         needs_vm=False),

    # --- KVM_CREATE_VCPU -----------------------------------------------------------------------------------
    Case(id="vcpu-duplicate-id", ioctl="KVM_CREATE_VCPU", condition="an id already in use", arch=("arm64",),
         call=create_vcpu(0), errno=EEXIST, cite="kvm_main.c: kvm_vm_ioctl_create_vcpu (api.rst 4.7 gives no errno)",
         setup=(create_vcpu(0),), basis="code"),
    Case(id="vcpu-id-max", ioctl="KVM_CREATE_VCPU", condition="id = KVM_CAP_MAX_VCPU_ID", arch=("arm64",),
         call=step("KVM_CREATE_VCPU(KVM_CAP_MAX_VCPU_ID)",
              lambda s: s.ioctl(s.vm, kvm.KVM_CREATE_VCPU, MAX_VCPU_ID(s))), errno=EINVAL,
         cite="api.rst 4.7: the id must be below KVM_CAP_MAX_VCPU_ID (no errno); arm.c kvm_arch_vcpu_precreate / "
         "kvm_main.c kvm_vm_ioctl_create_vcpu: EINVAL", basis="code"),
    # --- KVM_SET_SIGNAL_MASK and KVM_RUN -------------------------------------------------------------------
    Case(id="signal-mask-unblocked-signal", ioctl="KVM_SET_SIGNAL_MASK",
         condition="an empty mask set; a signal arrives while the guest spins: KVM_RUN", arch=("arm64",),
         call=kvm_run(limit=RUN_LIMIT), errno=EINTR,
         cite=f"{SIGMASK}: signals not blocked by the mask make KVM_RUN return with -EINTR",
         setup=(memslot(SPIN), INIT, signal_mask(0)), check=exits_with(kvm.KVM_EXIT_INTR, "KVM_EXIT_INTR")),
    Case(id="signal-mask-bad-length", ioctl="KVM_SET_SIGNAL_MASK", condition="len 4 (the kernel's sigset is 8 bytes)",
         arch=("arm64",), call=step("KVM_SET_SIGNAL_MASK(len 4)", lambda s: s.ioctl(_vcpu(s), kvm.KVM_SET_SIGNAL_MASK,
                                                               struct.pack("<IQ", 4, 0))), errno=EINVAL,
         cite="kvm_main.c: kvm_vcpu_ioctl KVM_SET_SIGNAL_MASK (len != sizeof(sigset_t))", setup=(INIT,), basis="code"),

    # --- KVM_ARM_SET_COUNTER_OFFSET (6.4+) ---------------------------------------------------------------------
    Case(id="counter-offset", ioctl="KVM_ARM_SET_COUNTER_OFFSET", condition="offset 0, reserved 0", arch=("arm64",),
         call=counter_offset(), errno=0, cite=COUNTER, kernels="6.12+"),
    Case(id="counter-offset-reserved", ioctl="KVM_ARM_SET_COUNTER_OFFSET", condition="reserved not zero",
         arch=("arm64",), call=counter_offset(1), errno=EINVAL,
         cite=f"{COUNTER}: any value other than 0 for reserved may give -EINVAL; arch_timer.c "
         "kvm_vm_ioctl_set_counter_offset", kernels="6.12+"),
    Case(id="counter-offset-vcpu-running", ioctl="KVM_ARM_SET_COUNTER_OFFSET",
         condition="vCPU 0 in KVM_RUN on another thread", arch=("arm64",), call=counter_offset(), errno=EBUSY,
         cite=f"{COUNTER}: -EBUSY if any vcpu ioctl is issued concurrently; arch_timer.c "
              "kvm_vm_ioctl_set_counter_offset "
         "takes every vCPU's mutex with arm.c lock_all_vcpus (6.12; kvm_main.c kvm_trylock_all_vcpus in 7.2)",
         setup=(vcpu_busy(),), kernels="6.12+"),
]

UNREACHABLE: list[Unreachable] = [
    Unreachable("KVM_ARM_PREFERRED_TARGET", ENODEV,
                "no code path returns it in 6.1, 6.12 or 7.2: arm.c kvm_arch_vm_ioctl can only fail the copy "
                "out (EFAULT); the target comes from kvm_target_cpu(), which falls back to "
                "KVM_ARM_TARGET_GENERIC_V8 for any CPU (6.1), or is GENERIC_V8 outright (6.12, 7.2)", arch="arm64"),
    Unreachable("KVM_GET_STATS_FD", ENOMEM,
                "needs an allocation failure inside anon_inode_getfile/kzalloc; no ABI way to provoke it "
                "(fault injection is not built into Debian's kernels)", arch="arm64"),
    # Rows 1 and 2: one reason for both sentences.
    *(Unreachable("KVM_GET_VCPU_EVENTS", EINVAL,
                  "4.31's two EINVAL sentences (serror_has_esr without RAS; serror_esr beyond the low bits) describe "
                  "setting the events, i.e. KVM_SET_VCPU_EVENTS, and are tested as such (set-events-serror-esr-*; "
                  "no RAS-less host here for the first); KVM_GET_VCPU_EVENTS itself cannot return EINVAL on arm64: "
                  "arm.c kvm_arm_vcpu_get_events cannot fail (see DOC_FINDINGS)", arch="arm64", doc_row=row)
      for row in (1, 2)),
    *(Unreachable("KVM_SET_USER_MEMORY_REGION", EINVAL,
                  "documented for an s390 KVM_VM_S390_UCONTROL VM (and, 6.12+, a protected VM: on arm64 that is "
                  "pKVM, which needs an nVHE host booted with kvm-arm.mode=protected; these guests run KVM in VHE "
                  "mode)", arch="arm64", doc_row=row) for row in (1, 2)),
    Unreachable("KVM_SET_USER_MEMORY_REGION", EEXIST, "documented only for an s390 KVM_VM_S390_UCONTROL VM",
                arch="arm64"),
    *(Unreachable("KVM_SET_USER_MEMORY_REGION2", EINVAL,
                  "documented for an s390 KVM_VM_S390_UCONTROL VM (and a protected VM: pKVM, not on these guests)",
                  arch="arm64", doc_row=row) for row in (1, 2)),
    Unreachable("KVM_SET_USER_MEMORY_REGION2", EEXIST, "documented only for an s390 KVM_VM_S390_UCONTROL VM",
                arch="arm64"),
    Unreachable("KVM_SET_DEVICE_ATTR", EPERM,
                "(6.12+ row) no arm64 attribute handler returns EPERM in 6.12 or 7.2 (arm.c vCPU/VM attrs, "
                "guest.c, pmu-emul.c, arch_timer.c, pvtime.c, vgic/*.c): the EPERMs in arch/arm64/kvm are "
                "SVE finalization, pKVM and stage-2 paths, none behind KVM_SET_DEVICE_ATTR", arch="arm64"),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 4.138 KVM_ARM_SET_COUNTER_OFFSET (6.12, 7.2): the text calls the ioctl KVM_ARM_SET_CNT_OFFSET, a "
        "name no header defines.",
        DOCUMENT_NAMES_WHAT_HEADERS_LACK),
    Finding(
        "api.rst 4.31 KVM_GET_VCPU_EVENTS (ARM64): the two -EINVAL sentences (serror_has_esr on a system without "
        "KVM_CAP_ARM_INJECT_SERROR_ESR; serror_esr bits beyond the low 24) describe KVM_SET_VCPU_EVENTS, yet sit "
        "in the GET section; 4.32 KVM_SET_VCPU_EVENTS (ARM64) names no EINVAL.",
        DOCUMENT_CONTRADICTS_ITSELF),
    Finding(
        "api.rst 4.31: 'the lower 24 bits of exception.serror_esr' - the ISS field the kernel accepts is 25 bits "
        "(ESR_ELx_ISS_MASK, bits 24:0); see case set-events-serror-esr-bit-24.",
        KERNEL_BREAKS_DOCUMENT),
]

# The documented (ioctl, errno) pairs are not copied here: abi/spec/coverage.py reads them from the api.rst of the
# kernel under test and matches them against CASES and UNREACHABLE. DOCUMENTED keeps rows of other documents.
DOCUMENTED: list[DocumentedError] = []

# --- Ordering rules of api.rst 4.68, 4.82, 4.119 (and 4.25, 4.38 on arm64): each case makes the calls in the wrong
# order and asserts what the document promises (doc basis) or, where it promises nothing, what the kernel does (code
# basis). docs/research/arm64_vcpu_ioctls.md, "Ordering rules", has the sentences and the source per version.

SVE_CAP = (kvm.KVM_CAP_ARM_SVE, "KVM_CAP_ARM_SVE", True)
PREG0 = arm64.KVM_REG_ARM64_SVE_PREG(0, 0)
FFR = arm64.KVM_REG_ARM64_SVE_FFR(0)
VLS_BYTES = 8 * arm64.KVM_ARM64_SVE_VLS_WORDS
VLS_VQ1 = struct.pack("<Q", 1) + bytes(VLS_BYTES - 8)  # only vq 1 (128-bit vectors): a valid subset on any SVE host
STD_BMAP = arm64.KVM_REG_ARM_STD_BMAP
VCPU_INIT_SAME = ("api.rst 4.82 KVM_ARM_VCPU_INIT: calls after the initial call must use the same set of feature "
                  "flags, otherwise EINVAL, and KVM_ARM_VCPU_POWER_OFF is one of the listed features; 6.12 and 7.2 "
                  "arm.c kvm_arch_vcpu_ioctl_vcpu_init clear KVM_ARM_VCPU_POWER_OFF from features[0] before "
                  "kvm_vcpu_set_target compares the set with the VM's (kvm_vcpu_init_changed), treating it as "
                  "ephemeral: a second call that adds it succeeds (and powers the vCPU off)")
STALE_SVE_6_1 = ("api.rst 4.119: the vcpu must have been initialised, enabling the feature, by a successful "
                 "KVM_ARM_VCPU_INIT with its flag set (Errors: EPERM, feature not enabled); 6.1 arm.c "
                 "kvm_vcpu_set_target stores each requested bit in vcpu->arch.features while scanning and returns "
                 "ENOENT at the unknown bit 31 without clearing the SVE bit already stored; the next call on the "
                 "still uninitialised vCPU (arch.target -1) compares nothing and clears nothing, so the successful "
                 "KVM_ARM_VCPU_INIT(features 0) gets SVE: reset.c kvm_reset_vcpu calls kvm_vcpu_enable_sve for the "
                 "stale bit, and kvm_arm_vcpu_finalize(SVE) succeeds")
STALE_SVE = ("api.rst 4.119: EPERM for a feature not enabled; 6.12 and 7.2 check every bit before storing any "
             "(arm.c kvm_vcpu_init_check_features) and take the VM's features from the successful call only "
             "(__kvm_vcpu_set_target), so the vCPU has no SVE and reset.c kvm_arm_vcpu_finalize answers EINVAL "
             "(!vcpu_has_sve), as for any vCPU initialised without SVE")


def run_vcpu_index(index: int) -> Step:
    """KVM_RUN with immediate_exit set on vCPU `index` (not the last one): its first run marks the VM as run
    (arm.c kvm_arch_vcpu_run_pid_change) and returns EINTR without running guest code."""
    def run(s: Scene) -> Result:
        fd = s.vcpus[index]
        s.target.write(kvm_run_map(s, fd) + layout.offsetof(s.abi.kvm_run, "immediate_exit"), b"\x01")
        return s.ioctl(fd, kvm.KVM_RUN, 0)

    return step(f"KVM_RUN of vCPU {index} (immediate_exit=1)", run, EINTR)


def vls_reads(expected: bytes):
    """A check: KVM_REG_ARM64_SVE_VLS reads back as `expected`."""
    def check(s: Scene, got: Result) -> str | None:
        _one_reg(s, kvm.KVM_GET_ONE_REG, VLS, None, None).value()
        have = s.target.read(s.scratch(), VLS_BYTES)
        return None if have == expected else f"SVE_VLS reads back {have.hex()}, expected {expected.hex()}"

    return check


GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR = 0x100, 0x180, 0x200
SPI32_BIT = 1  # SPI 32 is bit 0 of the second 32-bit register of each of these banks


def spi32(bank: int, request: str = "GET", value=None) -> Step:
    return V3.dist_reg(bank + 4, value, request=request)


def _dist_word(s: Scene, bank: int) -> int:
    V3.dist_reg(bank + 4)(s).value()
    return int.from_bytes(s.target.read(s.scratch(), 4), "little")


def ran_with_spi32_masked(s: Scene, got: Result) -> str | None:
    """A check: the guest ran (its load exited to userspace as MMIO) and SPI 32 is still pending and disabled."""
    problem = exits_with(kvm.KVM_EXIT_MMIO, "KVM_EXIT_MMIO")(s, got)
    if problem:
        return problem
    if not _dist_word(s, GICD_ISPENDR) & SPI32_BIT:
        return "SPI 32 is no longer pending"
    if _dist_word(s, GICD_ISENABLER) & SPI32_BIT:
        return "SPI 32 is enabled again"
    return None


MASKED_SPI32 = (*V3.READY, memslot(LOAD_OUTSIDE), spi32(GICD_ISENABLER, "SET", SPI32_BIT), arm_line(IRQ_SPI, 32),
                spi32(GICD_ICENABLER, "SET", SPI32_BIT))

CASES += [
    # 4.68 KVM_SET_ONE_REG (arm64 SVE and firmware bitmap registers). Rule 6 is RISC-V's isa register: not arm64.
    Case(id="order-set-preg-before-finalize", ioctl="KVM_SET_ONE_REG", condition="P0 before KVM_ARM_VCPU_FINALIZE(SVE)",
         arch=("arm64",), call=set_reg(PREG0, "P0", bytes(32)), errno=EPERM,
         cite=f"{SET_REG}: except for KVM_REG_ARM64_SVE_VLS, the SVE registers are not accessible until the SVE "
         "configuration is finalized; Errors: EPERM (arm64, before vcpu finalization)", setup=(INIT_SVE,), order_row=1,
         needs=(SVE_CAP,)),
    Case(id="order-set-vls-before-init", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS before KVM_ARM_VCPU_INIT", arch=("arm64",),
         call=set_reg(VLS, "SVE_VLS", VLS_VQ1), errno=ENOEXEC,
         cite=f"{SET_REG}: SVE_VLS is only accessible after KVM_ARM_VCPU_INIT (no errno given); arm.c "
         "kvm_arch_vcpu_ioctl refuses ONE_REG on an uninitialised vCPU with -ENOEXEC (6.1, 6.12, 7.2)",
         setup=(create_vcpu(0),), basis="code", order_row=2),
    Case(id="order-set-vls-reduced-after-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS reduced to 128-bit vectors after KVM_ARM_VCPU_FINALIZE", arch=("arm64",),
         call=set_reg(VLS, "SVE_VLS", VLS_VQ1), errno=EPERM,
         cite=f"{SET_REG}: userspace may modify it until the SVE configuration is finalized; after that, writes fail "
         "with EPERM", setup=(INIT_SVE, finalize()), order_row=3, needs=(SVE_CAP,)),
    Case(id="set-vls-reduced-before-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS reduced to 128-bit vectors before KVM_ARM_VCPU_FINALIZE, read back",
         arch=("arm64",), call=set_reg(VLS, "SVE_VLS", VLS_VQ1), errno=0,
         cite=f"{SET_REG}: userspace may modify it until finalized (the right order; removing all lengths above "
         "some value is always possible)", setup=(INIT_SVE,), check=vls_reads(VLS_VQ1), needs=(SVE_CAP,)),
    Case(id="order-set-vls-empty-after-finalize", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM64_SVE_VLS with no vector length after KVM_ARM_VCPU_FINALIZE", arch=("arm64",),
         call=set_reg(VLS, "SVE_VLS",
                                                                                            bytes(VLS_BYTES)),
         errno=EPERM,
         cite=f"{SET_REG}: after finalization further attempts to write this register fail with EPERM (any value: "
         "guest.c set_sve_vls tests finalization before it validates the set, which alone gives EINVAL)",
         setup=(INIT_SVE, finalize()), order_row=4, needs=(SVE_CAP,)),
    Case(id="order-set-fw-bitmap-other-vcpu-after-run", ioctl="KVM_SET_ONE_REG",
         condition="KVM_REG_ARM_STD_BMAP cleared on vCPU 1, which never ran, after vCPU 0 ran", arch=("arm64",),
         call=set_reg(STD_BMAP, "STD_BMAP", 0), errno=EBUSY,
         cite=f"{SET_REG}: the bitmap firmware registers are immutable once any of the vCPUs of the VM has run "
         "at least once: -EBUSY (hypercalls.c kvm_arm_set_fw_reg_bmap tests the VM's ran-once flag)",
         setup=(INIT, INIT, run_vcpu_index(0)), order_row=5),

    # 4.82 KVM_ARM_VCPU_INIT (rule 3, a second call after a run, is init-again-after-run).
    Case(id="order-run-other-vcpu-not-initialised", ioctl="KVM_ARM_VCPU_INIT",
         condition="never called for vCPU 1 while vCPU 0 was initialised and ran: vCPU 1's KVM_RUN", arch=("arm64",),
         call=kvm_run(), errno=ENOEXEC,
         cite=f"{INIT_DOC}: if this is not called, KVM_RUN will return ENOEXEC for that vcpu; {RUN}, Errors: ENOEXEC",
         setup=(INIT, RAN, create_vcpu(1)), order_row=1),
    Case(id="order-create-vcpu-after-init", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_CREATE_VCPU(1) after vCPU 0's KVM_ARM_VCPU_INIT", arch=("arm64",), call=create_vcpu(1), errno=0,
         cite=f"{INIT_DOC}: all vcpus should be created before this ioctl is invoked (no errno given); arm.c "
         "kvm_arch_vcpu_precreate refuses a new vCPU only once an in-kernel vGIC is initialised (EBUSY), and the "
         "MPIDR comes from the vCPU id (sys_regs.c reset_mpidr), so the creation succeeds (6.1, 6.12, 7.2)",
         setup=(INIT,), basis="code", doc_row=0, order_row=2),
    Case(id="order-init-again-power-off-added-6.1", ioctl="KVM_ARM_VCPU_INIT",
         condition="a second init adding KVM_ARM_VCPU_POWER_OFF (6.1)", arch=("arm64",),
         call=vcpu_init(1 << arm64.KVM_ARM_VCPU_POWER_OFF, new=False), errno=EINVAL,
         cite=f"{INIT_DOC}: later calls must use the same set of feature flags, otherwise EINVAL; 6.1 arm.c "
         "kvm_vcpu_set_target compares every bit", setup=(INIT,), order_row=4, kernels="6.1"),
    Case(id="order-init-again-power-off-added", ioctl="KVM_ARM_VCPU_INIT",
         condition="a second init adding KVM_ARM_VCPU_POWER_OFF", arch=("arm64",),
         call=vcpu_init(1 << arm64.KVM_ARM_VCPU_POWER_OFF, new=False), errno=EINVAL,
         cite=f"{INIT_DOC}: later calls must use the same set of feature flags, otherwise EINVAL", setup=(INIT,),
         order_row=4, deviation=Deviation(VCPU_INIT_SAME, SUCCEEDS), kernels="6.12+"),
    Case(id="order-get-vls-before-init", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_GET_ONE_REG(SVE_VLS) before KVM_ARM_VCPU_INIT", arch=("arm64",), call=get_reg(VLS, "SVE_VLS"),
         errno=ENOEXEC,
         cite=f"{INIT_DOC}, KVM_ARM_VCPU_SVE: after KVM_ARM_VCPU_INIT, SVE_VLS may be read (before it, no errno "
              "given); "
         "arm.c kvm_arch_vcpu_ioctl: -ENOEXEC for an uninitialised vCPU (6.1, 6.12, 7.2)", setup=(create_vcpu(0),),
         basis="code", order_row=5),
    Case(id="order-get-ffr-before-finalize", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_GET_ONE_REG(FFR) before KVM_ARM_VCPU_FINALIZE(SVE)", arch=("arm64",), call=get_reg(FFR, "FFR"),
         errno=EPERM,
         cite=f"{INIT_DOC}, KVM_ARM_VCPU_SVE: before KVM_ARM_VCPU_FINALIZE, ONE_REG cannot access the SVE registers "
         f"(KVM_REG_ARM64_SVE_FFR among them); {GET_REG}, Errors: EPERM (arm64, before vcpu finalization)",
         setup=(INIT_SVE,), doc_row=0, order_row=6, needs=(SVE_CAP,)),
    Case(id="order-set-vls-after-finalize-and-reinit", ioctl="KVM_ARM_VCPU_INIT",
         condition="KVM_REG_ARM64_SVE_VLS reduced after FINALIZE(SVE) and a second KVM_ARM_VCPU_INIT (a reset)",
         arch=("arm64",), call=set_reg(VLS, "SVE_VLS", VLS_VQ1), errno=EPERM,
         cite=f"{INIT_DOC}, KVM_ARM_VCPU_SVE: after KVM_ARM_VCPU_FINALIZE the SVE_VLS pseudo-register is immutable; "
         f"{SET_REG}: further writes fail with EPERM (a reset keeps the finalized configuration: reset.c "
         "kvm_reset_vcpu)", setup=(INIT_SVE, finalize(), vcpu_init(1 << SVE, new=False)), doc_row=0, order_row=7,
         needs=(SVE_CAP,)),

    # 4.119 KVM_ARM_VCPU_FINALIZE.
    Case(id="order-finalize-after-failed-init", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE after a KVM_ARM_VCPU_INIT(SVE | bit 31) that failed with ENOENT", arch=("arm64",),
         call=finalize(), errno=ENOEXEC,
         cite=f"{FINAL}: the vcpu must have been initialised by a successful KVM_ARM_VCPU_INIT (no errno given for an "
         "uninitialised one); arm.c kvm_arch_vcpu_ioctl: -ENOEXEC (6.1: arch.target stays -1; 6.12+: "
         "kvm_vcpu_init_check_features fails before VCPU_INITIALIZED is set)",
         setup=(vcpu_init(1 << SVE | 1 << 31, ok_errno=ENOENT),), basis="code", order_row=1),
    Case(id="finalize-sve-after-failed-sve-init-6.1", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE after INIT(SVE | bit 31) failed and INIT(no features) succeeded (6.1)", arch=("arm64",),
         call=finalize(), errno=EPERM,
         cite=f"{FINAL}: the feature must be enabled by a successful KVM_ARM_VCPU_INIT; Errors: EPERM (feature not "
         "enabled)", setup=(vcpu_init(1 << SVE | 1 << 31, ok_errno=ENOENT), vcpu_init(new=False)), order_row=1,
         deviation=Deviation(STALE_SVE_6_1, SUCCEEDS), needs=(SVE_CAP,), kernels="6.1"),
    Case(id="finalize-sve-after-failed-sve-init", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="SVE after INIT(SVE | bit 31) failed and INIT(no features) succeeded", arch=("arm64",),
         call=finalize(), errno=EPERM,
         cite=f"{FINAL}: the feature must be enabled by a successful KVM_ARM_VCPU_INIT; Errors: EPERM (feature not "
         "enabled)", setup=(vcpu_init(1 << SVE | 1 << 31, ok_errno=ENOENT), vcpu_init(new=False)), order_row=1,
         deviation=Deviation(STALE_SVE, EINVAL, follows="finalize-sve-not-enabled"), needs=(SVE_CAP,), kernels="6.12+"),
    Case(id="order-run-other-vcpu-not-finalized", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="KVM_RUN of vCPU 1 (SVE, not finalized) while vCPU 0 is finalized, the guest code ready",
         arch=("arm64",), call=kvm_run(limit=RUN_LIMIT), errno=EPERM,
         cite=f"{FINAL}: a mandatory step, per vcpu, before the vcpu is fully usable; {RUN}, Errors: EPERM (SVE "
         "feature set but not finalized)", setup=(memslot(SPIN), INIT_SVE, finalize(), INIT_SVE), doc_row=0,
         order_row=2, needs=(SVE_CAP,)),
    Case(id="order-reg-list-before-finalize", ioctl="KVM_ARM_VCPU_FINALIZE",
         condition="KVM_GET_REG_LIST with room for 4096 ids before KVM_ARM_VCPU_FINALIZE(SVE)", arch=("arm64",),
         call=reg_list(4096), errno=EPERM,
         cite=f"{FINAL}: KVM_RUN, KVM_GET_REG_LIST, KVM_GET_ONE_REG and KVM_SET_ONE_REG fail with -EPERM until the "
         "feature is finalized", setup=(INIT_SVE,), doc_row=0, order_row=3, needs=(SVE_CAP,)),

    # 4.25 KVM_IRQ_LINE, arm64: "On some architectures ... previously created with KVM_CREATE_IRQCHIP".
    Case(id="order-irq-line-spi-before-irqchip", ioctl="KVM_IRQ_LINE",
         condition="SPI 32 before any in-kernel irqchip exists", arch=("arm64",), call=arm_line(IRQ_SPI, 32),
         errno=ENXIO,
         cite="api.rst 4.25 KVM_IRQ_LINE: on some architectures an irqchip must have been created first (no errno "
         "given; on arm64 the CPU-level lines need none); arm.c kvm_vm_ioctl_irq_line: KVM_ARM_IRQ_TYPE_SPI "
         "without irqchip_in_kernel gives -ENXIO (6.1, 6.12, 7.2)", basis="code", order_row=1),

    # 4.38 KVM_GET_MP_STATE, arm64: an example (not a rule, apidoc.NOT_ORDERING) says an interrupt masked to suppress
    # a wakeup should be unmasked before the guest runs; what the kernel does when it is not.
    Case(id="order-run-with-masked-spi-after-suspend", ioctl="KVM_GET_MP_STATE",
         condition="SPI 32 pending, masked by userspace, vCPU SUSPENDED then RUNNABLE: KVM_RUN without unmasking it",
         arch=("arm64",), features=("vgic-v3",), call=kvm_run(limit=RUN_LIMIT), errno=0,
         cite="api.rst 4.38 (arm64): the interrupt should be unmasked before returning control to the guest (a "
         "recommendation, no errno); arm.c kvm_arch_vcpu_ioctl_set_mpstate stores RUNNABLE, kvm_vcpu_suspend "
         "returns at once for a vCPU no longer suspended, and nothing looks at the vGIC's enable bits: the guest "
         "runs (its load exits as KVM_EXIT_MMIO) with SPI 32 still pending and disabled (6.1, 6.12, 7.2)",
         setup=(*MASKED_SPI32, set_mp(kvm.KVM_MP_STATE_SUSPENDED), set_mp(kvm.KVM_MP_STATE_RUNNABLE)),
         check=ran_with_spi32_masked, basis="code"),
]
