"""The steps cases are written with: one small named callable per ioctl use, run on a Scene.

A step returns the ioctl's Result; as a set-up step it must end with `ok_errno` (0: success; EINTR for a
KVM_RUN told to exit at once). Arguments are built from the model (abi.kvm, target.abi), never by hand.
"""

from __future__ import annotations

import errno
import struct

from abi import arm64, kvm, layout
from abi.spec.case import Scene, Step, Val, val
from abi.target.base import Result

ADDR_NAMES = {arm64.KVM_VGIC_V2_ADDR_TYPE_DIST: "DIST", arm64.KVM_VGIC_V2_ADDR_TYPE_CPU: "CPU"}


def step(text: str, fn, ok_errno: int = 0) -> Step:
    return Step(text, fn, ok_errno)


# --- generic --------------------------------------------------------------------------------------------

def check_extension(cap: int, cap_name: str, on: str = "vm") -> Step:
    return step(f"KVM_CHECK_EXTENSION({cap_name}) on the {on} fd",
                lambda s: s.ioctl(s.vm if on == "vm" else s.kvm, kvm.KVM_CHECK_EXTENSION, cap))


def create_vcpu(vcpu_id: int) -> Step:
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vm, kvm.KVM_CREATE_VCPU, vcpu_id)
        if got.ok:
            s.vcpus.append(got.ret)
        return got

    return step(f"KVM_CREATE_VCPU({vcpu_id})", run)


def create_vcpus(n: int) -> Step:
    def run(s: Scene) -> Result:
        got = Result(0)
        for i in range(n):
            got = create_vcpu(i)(s)
            if not got.ok:
                return got
        return got

    return step(f"KVM_CREATE_VCPU(0..{n - 1})", run)


def for_arch(**steps: tuple[Step, ...]) -> Step:
    """Set-up that differs by architecture, for one condition stated once (an in-kernel irqchip exists, the vGIC is
    initialised): the machine's architecture picks its steps. An architecture with none is a broken set-up that
    says so, never another architecture's steps."""
    def run(s: Scene) -> Result:
        arch = s.target.arch
        if arch not in steps:
            raise ValueError(f"no set-up written for {arch} (only for {', '.join(steps)})")
        for st in steps[arch]:
            got = st(s)
            if got.ok != (st.ok_errno == 0) or (not got.ok and got.errno != st.ok_errno):
                return got
        return Result(0)

    shown = "; ".join(f"{arch}: {', '.join(map(str, chosen))}" for arch, chosen in steps.items() if chosen)
    return step(f"[{shown}]", run)


def raw(request: int, name: str, arg, on: str = "vm") -> Step:
    """A request number on some fd, with an argument that is a value, bytes, or a Val over the scene."""
    def run(s: Scene) -> Result:
        fd = {"vm": s.vm, "system": s.kvm, "vcpu": s.vcpus[-1] if s.vcpus else -1,
              "device": s.devices[-1] if s.devices else -1}[on]
        a = arg(s) if callable(arg) else arg
        return s.ioctl(fd, request, a)

    return step(f"{name} on the {on} fd", run)


# --- arm64 vCPU -----------------------------------------------------------------------------------------

def _init_vcpu(s: Scene, fd: int) -> None:
    a = s.abi
    init = s.ioctl(s.vm, a.KVM_ARM_PREFERRED_TARGET, a.kvm_vcpu_init()).struct(a.kvm_vcpu_init)
    s.ioctl(fd, a.KVM_ARM_VCPU_INIT, init).value()


def init_vcpu() -> Step:
    """KVM_CREATE_VCPU(0), KVM_ARM_PREFERRED_TARGET, KVM_ARM_VCPU_INIT."""
    def run(s: Scene) -> Result:
        got = create_vcpu(len(s.vcpus))(s)
        if got.ok:
            _init_vcpu(s, got.ret)
        return got

    return step("KVM_CREATE_VCPU + KVM_ARM_VCPU_INIT", run)


def run_vcpu(ok_errno: int = errno.EINTR) -> Step:
    """The first KVM_RUN of an initialised vCPU with immediate_exit set: it reaches the first-run work (the
    vGIC's map_resources) and returns EINTR without running guest code (api.rst 4.10, immediate_exit)."""
    def run(s: Scene) -> Result:
        a = s.abi
        if not s.vcpus:
            got = init_vcpu()(s)
            if not got.ok:
                return got
        fd = s.vcpus[-1]
        s.target.write(kvm_run_map(s, fd) + layout.offsetof(a.kvm_run, "immediate_exit"), b"\x01")
        return s.ioctl(fd, kvm.KVM_RUN, 0)

    return step("KVM_RUN (immediate_exit=1)", run, ok_errno)


# --- the vGIC and its addresses ------------------------------------------------------------------------

IRQCHIP = step("KVM_CREATE_IRQCHIP", lambda s: s.ioctl(s.vm, kvm.KVM_CREATE_IRQCHIP, 0))


def device_id(addr_type: int, device: int = arm64.KVM_ARM_DEVICE_VGIC_V2, high: int = 0) -> int:
    return (high << 32) | (device << arm64.KVM_ARM_DEVICE_ID_SHIFT) | (addr_type << arm64.KVM_ARM_DEVICE_TYPE_SHIFT)


def set_addr(addr_type: int, addr, device: int = arm64.KVM_ARM_DEVICE_VGIC_V2, high: int = 0,
             ok_errno: int = 0) -> Step:
    """KVM_ARM_SET_DEVICE_ADDR with id = (device << 16) | type, plus `high` in bits 63:32."""
    addr = val(addr)
    ident = device_id(addr_type, device, high)
    what = ADDR_NAMES.get(addr_type, f"type {addr_type:#x}") if device == arm64.KVM_ARM_DEVICE_VGIC_V2 \
        else f"id {ident:#x}"
    if high:
        what = f"id {ident:#x}"
    return step(f"SET_DEVICE_ADDR({what}, {addr})",
                lambda s: s.ioctl(s.vm, kvm.KVM_ARM_SET_DEVICE_ADDR,
                                  kvm.kvm_arm_device_addr(id=ident, addr=addr(s))), ok_errno)


def set_addr_at(pointer: Val) -> Step:
    """KVM_ARM_SET_DEVICE_ADDR whose argument pointer is `pointer` (a guard page: nothing readable)."""
    return step(f"SET_DEVICE_ADDR(arg={pointer})",
                lambda s: s.ioctl(s.vm, kvm.KVM_ARM_SET_DEVICE_ADDR, pointer(s)))


def create_device(dev_type: int = kvm.KVM_DEV_TYPE_ARM_VGIC_V2, flags: int = 0) -> Step:
    def run(s: Scene) -> Result:
        got = s.ioctl(s.vm, kvm.KVM_CREATE_DEVICE, kvm.kvm_create_device(type=dev_type, flags=flags))
        if got.ok and not flags & kvm.KVM_CREATE_DEVICE_TEST:
            s.devices.append(got.struct(kvm.kvm_create_device).fd)
        return got

    test = " TEST" if flags & kvm.KVM_CREATE_DEVICE_TEST else ""
    return step(f"KVM_CREATE_DEVICE(VGIC_V2{test})" if dev_type == kvm.KVM_DEV_TYPE_ARM_VGIC_V2
                else f"KVM_CREATE_DEVICE(type {dev_type}{test})", run)


def _attr(s: Scene, group: int, attr: int, value: int | None, pointer: Val | None):
    where = pointer(s) if pointer is not None else s.scratch(struct.pack("<Q", value if value is not None else 0))
    return kvm.kvm_device_attr(flags=0, group=group, attr=attr, addr=where)


def set_attr(attr: int, addr=None, group: int = arm64.KVM_DEV_ARM_VGIC_GRP_ADDR, pointer: Val | None = None,
             request: str = "SET") -> Step:
    """KVM_{SET,GET,HAS}_DEVICE_ATTR on the vGIC device fd; the u64 at attr.addr holds `addr` (SET)."""
    req = {"SET": kvm.KVM_SET_DEVICE_ATTR, "GET": kvm.KVM_GET_DEVICE_ATTR, "HAS": kvm.KVM_HAS_DEVICE_ATTR}[request]
    addr_v = val(addr) if addr is not None else None
    name = ADDR_NAMES.get(attr, f"attr {attr:#x}") if group == arm64.KVM_DEV_ARM_VGIC_GRP_ADDR else f"attr {attr:#x}"
    shown = f", {addr_v}" if addr_v is not None else ""
    shown += f", addr={pointer}" if pointer is not None else ""

    def run(s: Scene) -> Result:
        v = addr_v(s) if addr_v is not None else None
        return s.ioctl(s.devices[-1], req, _attr(s, group, attr, v, pointer))

    return step(f"{request}_DEVICE_ATTR(group {group}, {name}{shown})", run)


def get_attr(attr: int, pointer: Val | None = None) -> Step:
    return set_attr(attr, None, pointer=pointer, request="GET")


def has_attr(attr: int) -> Step:
    return set_attr(attr, None, request="HAS")


def reads_back(expected: Val | int):
    """A check: the u64 a GET_DEVICE_ATTR wrote to the scratch page equals `expected`."""
    expected = val(expected)

    def check(s: Scene, got: Result) -> str | None:
        value = struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]
        want = expected(s)
        return None if value == want else f"read back {value:#x}, expected {want:#x} ({expected})"

    return check


# --- values that depend on the VM ----------------------------------------------------------------------

def ipa_bits(s: Scene) -> int:
    """The VM's IPA size: KVM_VM_TYPE_ARM_IPA_SIZE(type), 40 when the type leaves it 0 (api.rst 4.2)."""
    return arm64_ipa(s.vm_type) or 40


def arm64_ipa(vm_type: int) -> int:
    return kvm.KVM_VM_TYPE_ARM_IPA_SIZE(vm_type)


def ipa_limit(s: Scene) -> int:
    return s.cap(kvm.KVM_CAP_ARM_VM_IPA_SIZE)


def ipa_end(minus: int = 0, plus: int = 0) -> Val:
    text = "2^n" + (f" - {minus:#x}" if minus else "") + (f" + {plus:#x}" if plus else "")
    return Val(text, lambda s: (1 << ipa_bits(s)) - minus + plus)


BAD_POINTER = Val("a guard page", lambda s: s.target.bad_address())



# --- a vCPU kept busy in KVM_RUN on a second thread ----------------------------------------------------

# The guest waits for an interrupt that never comes, and again after a spurious wake-up, so KVM_RUN sleeps in the
# kernel (kvm_vcpu_block) holding the vCPU's mutex (kvm_main.c kvm_vcpu_ioctl) until a signal ends it.
WFI_LOOP = (0xD503207F, 0x17FFFFFF)  # A64: wfi; b .-4 (KVM traps WFI: arm.c clears TWI only for GICv4 vLPIs)
HLT_LOOP = bytes([0xF4, 0xEB, 0xFD])  # x86: hlt; jmp .-3, with IF clear (reset): halts in the in-kernel irqchip
BUSY_SLOT, BUSY_SIZE = 15, 0x10000  # a slot of its own, apart from the slot 0 specs give guest tables or code
BUSY_IPA_ARM64 = 0x30000000  # outside the vGIC frames (0x08000000...) and the specs' "unmapped" IPAs
BUSY_GPA_X86 = 0x8000  # real mode: below 1 MiB


def _busy_memory(s: Scene, gpa: int, code: bytes) -> Result:
    host = s.target.alloc(BUSY_SIZE)
    s.target.write(host, code)
    return s.ioctl(s.vm, kvm.KVM_SET_USER_MEMORY_REGION, kvm.kvm_userspace_memory_region(
        slot=BUSY_SLOT, flags=0, guest_phys_addr=gpa, memory_size=BUSY_SIZE, userspace_addr=host))


def _busy_arm64(s: Scene) -> Result:
    got = Result(s.vcpus[-1]) if s.vcpus else create_vcpu(0)(s)
    if not got.ok:
        return got
    a, fd = s.abi, s.vcpus[-1]
    _init_vcpu(s, fd)  # again if the case did: the same target and features are accepted, and reset PC to 0
    memory = _busy_memory(s, BUSY_IPA_ARM64, struct.pack("<2I", *WFI_LOOP))
    if not memory.ok:
        return memory
    pc = kvm.KVM_REG_ARM64 | kvm.KVM_REG_SIZE_U64 | arm64.KVM_REG_ARM_CORE | arm64.KVM_REG_ARM_CORE_REG("regs.pc")
    return s.ioctl(fd, a.KVM_SET_ONE_REG, kvm.kvm_one_reg(id=pc, addr=s.scratch(struct.pack("<Q", BUSY_IPA_ARM64))))


def _busy_x86(s: Scene) -> Result:
    if not s.vcpus:  # the irqchip must precede the vCPU (api.rst 4.24 KVM_CREATE_IRQCHIP)
        got = IRQCHIP(s)
        got = create_vcpu(0)(s) if got.ok else got
        if not got.ok:
            return got
    x86_real_mode(s, s.vcpus[-1], BUSY_GPA_X86)
    return _busy_memory(s, BUSY_GPA_X86, HLT_LOOP)


def vcpu_busy() -> Step:
    """The last vCPU (vCPU 0 when there is none; on x86 with an in-kernel irqchip created first) in KVM_RUN on
    a second thread of the target's process, waiting for an interrupt: the step returns once that thread sleeps
    inside KVM_RUN (target.run_in_background), so the vCPU's mutex is held during the call under test. On arm64
    the vGIC, if any, must be ready for a first KVM_RUN (addresses set). The scene stops the run before its fds
    close, and fails if KVM_RUN had ended by itself before that (the vCPU was then not busy throughout)."""
    def run(s: Scene) -> Result:
        got = _busy_x86(s) if s.target.arch == "x86_64" else _busy_arm64(s)
        if not got.ok:
            return got
        fd = s.vcpus[-1]
        s.target.write(kvm_run_map(s, fd) + layout.offsetof(s.abi.kvm_run, "immediate_exit"), b"\x00")
        got = s.target.run_in_background(fd, kvm.KVM_RUN)
        if got.ok:
            generation = getattr(s.target, "generation", 0)
            s.cleanups.append(lambda: _stop_busy(s, got.ret, generation))
        return got

    return step("KVM_RUN of a vCPU waiting in WFI/HLT, on a second thread (blocked in the kernel)", run)


def _stop_busy(s: Scene, handle: int, generation: int) -> Result | None:
    if not getattr(s.target, "running", True) or getattr(s.target, "generation", 0) != generation:
        return None  # the guest was lost (and the thread with it): asking a new guest would only hide why
    got = s.target.stop_background(handle)
    s._cache["background"] = got
    if got.ok or got.errno != errno.EINTR:
        raise AssertionError(f"the background KVM_RUN ended with {got!r} before the scene stopped it (expected "
                             "EINTR from the stopping signal): the vCPU was not busy throughout the case")
    return got


# --- shared by the specs ------------------------------------------------------------------------------------

def on_fd(s: Scene, on: str) -> int:
    """The system, VM or last vCPU fd of a scene."""
    return {"vm": s.vm, "system": s.kvm, "vcpu": s.vcpus[-1] if s.vcpus else -1}[on]


def call(name: str, on: str, arg=0, shown: str = "", ok_errno: int = 0) -> Step:
    """`name` (a request of the target's ABI) on the system, VM or last vCPU fd; `arg` a value, bytes, a ctypes
    object, or a callable over the scene giving one."""
    def run(s: Scene) -> Result:
        return s.ioctl(on_fd(s, on), getattr(s.abi, name), arg(s) if callable(arg) else arg)

    return step(f"{name}({shown})" if shown else name, run, ok_errno)


def kvm_run_map(s: Scene, fd: int | None = None) -> int:
    """The target address of a vCPU's (default: the last one's) kvm_run, mapped once per scene and vCPU."""
    fd = s.vcpus[-1] if fd is None else fd
    key = ("run_map", fd)
    if key not in s._cache:
        size = s.ioctl(s.kvm, kvm.KVM_GET_VCPU_MMAP_SIZE, 0).value()
        addr = s.target.mmap(fd, size)
        s.maps.append((addr, size))
        s._cache[key] = addr
    return s._cache[key]


def x86_real_mode(s: Scene, fd: int, rip: int) -> None:
    """An x86 vCPU in real mode with CS based at 0, about to execute guest physical address `rip` (the reset
    state's CS base is 0xffff0000)."""
    a = s.abi
    sregs = s.ioctl(fd, a.KVM_GET_SREGS, a.kvm_sregs()).struct(a.kvm_sregs)
    sregs.cs.base, sregs.cs.selector = 0, 0
    s.ioctl(fd, a.KVM_SET_SREGS, sregs).value()
    s.ioctl(fd, a.KVM_SET_REGS, a.kvm_regs(rip=rip, rflags=0x2)).value()


# x86: 32-bit x2APIC IDs in KVM_SET_LAPIC and MSI routing (api.rst 7.x KVM_CAP_X2APIC_API).
X2APIC_32BIT = call("KVM_ENABLE_CAP", "vm", kvm.kvm_enable_cap(cap=kvm.KVM_CAP_X2APIC_API,
                                                               args=(kvm.KVM_X2APIC_API_USE_32BIT_IDS, 0, 0, 0)),
                    "KVM_CAP_X2APIC_API, USE_32BIT_IDS")
