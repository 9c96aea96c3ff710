"""Steps on a vCPU fd: initialisation, KVM_RUN and its kvm_run page, registers, a vCPU kept busy in KVM_RUN."""

from __future__ import annotations

import errno
import signal
import struct

from abi import arm64, kvm, layout, riscv64
from abi.spec.case import Scene, Step, Val
from abi.spec.steps import guest
from abi.spec.steps.base import per_arch, step
from abi.spec.steps.vm import IRQCHIP, create_vcpu
from abi.target.base import Result

# --- initialisation ---------------------------------------------------------------------------------------


def preferred_target(s: Scene):
    """arm64: KVM_ARM_PREFERRED_TARGET's kvm_vcpu_init (must succeed: a value the case builds on)."""
    a = s.abi
    return s.ioctl(s.vm, a.KVM_ARM_PREFERRED_TARGET, a.kvm_vcpu_init()).struct(a.kvm_vcpu_init)


def arm64_init(features: int = 0, features1: int = 0, target: int | None = None, new: bool = True,
               ok_errno: int = 0, shown: str = "") -> Step:
    """arm64: KVM_ARM_VCPU_INIT with the preferred target (or `target`) and features[0] = `features` on a new vCPU
    (the next id), or (new=False) the last one again."""
    shown = shown or (f"features[0]={features:#x}" + (f", features[1]={features1:#x}" if features1 else "")
                      + (f", target={target}" if target is not None else ""))

    def run(s: Scene) -> Result:
        if new:
            got = create_vcpu(len(s.vcpus))(s)
            if not got.ok:
                return got
        init = preferred_target(s)
        if target is not None:
            init.target = target
        init.features[0] = features
        init.features[1] = features1
        return s.ioctl(s.vcpus[-1], s.abi.KVM_ARM_VCPU_INIT, init)

    return step(("KVM_CREATE_VCPU + " if new else "") + f"KVM_ARM_VCPU_INIT({shown})", run, ok_errno)


def _ready_arm64(s: Scene) -> Result:
    return arm64_init()(s)


def _ready_x86(s: Scene) -> Result:
    return create_vcpu(len(s.vcpus))(s)


# What a vCPU needs before its first KVM_RUN, per architecture: arm64 refuses KVM_RUN before KVM_ARM_VCPU_INIT
# (ENOEXEC); x86 and riscv64 (arch/riscv/kvm/vcpu.c: kvm_arch_vcpu_create resets it) run from their reset state.
READY_BY_ARCH = {"arm64": _ready_arm64, "x86_64": _ready_x86, "riscv64": _ready_x86}


def ready_vcpu() -> Step:
    """The next vCPU, created and (where the architecture needs it) initialised for KVM_RUN."""
    return step("KVM_CREATE_VCPU (+ KVM_ARM_VCPU_INIT on arm64)",
                lambda s: per_arch(s, READY_BY_ARCH, "a ready vCPU")(s))


INIT_VCPU = arm64_init(shown="preferred target")

# --- KVM_RUN and the kvm_run page ---------------------------------------------------------------------------


def kvm_run_map(s: Scene, fd: int | None = None) -> int:
    """The target address of a vCPU's (default: the last one's) kvm_run, mapped once per scene and vCPU."""
    fd = s.vcpus[-1] if fd is None else fd
    if fd not in s.run_maps:
        size = s.ioctl(s.kvm, kvm.KVM_GET_VCPU_MMAP_SIZE, 0).value()
        addr = s.target.mmap(fd, size)
        s.maps.append((addr, size))
        s.run_maps[fd] = addr
    return s.run_maps[fd]


def run_field(s: Scene, name: str, size: int = 4, fd: int | None = None) -> int:
    """A field of a vCPU's kvm_run (exit_reason, immediate_exit, ...), little-endian."""
    data = s.target.read(kvm_run_map(s, fd) + layout.offsetof(s.abi.kvm_run, name), size)
    return int.from_bytes(data, "little")


def write_run_field(s: Scene, name: str, value: int, size: int, fd: int | None = None) -> None:
    s.target.write(kvm_run_map(s, fd) + layout.offsetof(s.abi.kvm_run, name), value.to_bytes(size, "little"))


def exit_reason(s: Scene, fd: int | None = None) -> int:
    return run_field(s, "exit_reason", 4, fd)


def exits_with(reason: int, name: str):
    """A check: the last KVM_RUN left with kvm_run.exit_reason `reason`."""
    def check(s: Scene, got: Result) -> str | None:
        have = exit_reason(s)
        return None if have == reason else f"kvm_run.exit_reason is {have}, expected {name} ({reason})"

    return check


def kvm_run(immediate_exit: bool = False, vcpu: int = -1, limit: float | None = None, ok_errno: int = 0) -> Step:
    """KVM_RUN of a vCPU (the last one by default; creating and initialising one first when there is none), its
    kvm_run mapped, immediate_exit as given. With immediate_exit the call does the first-run work (on arm64 the
    vGIC's map_resources, the timer and PMU) and returns EINTR before guest code (api.rst 4.10). With `limit` the
    target's time limit for this call is that many seconds: its signal is what ends a guest that keeps running."""
    def go(s: Scene) -> Result:
        if not s.vcpus:
            got = ready_vcpu()(s)
            if not got.ok:
                return got
        fd = s.vcpus[vcpu]
        write_run_field(s, "immediate_exit", int(immediate_exit), 1, fd)
        if limit is None:
            return s.ioctl(fd, kvm.KVM_RUN, 0)
        with s.target.time_limit(limit):
            return s.ioctl(fd, kvm.KVM_RUN, 0)

    what = ["immediate_exit=1"] if immediate_exit else []
    what += [f"ended by a signal after {limit} s"] if limit else []
    on = f" on vCPU {vcpu}" if vcpu >= 0 else ""
    return step(f"KVM_RUN{on}" + (f" ({', '.join(what)})" if what else ""), go, ok_errno)


RAN = kvm_run(immediate_exit=True, ok_errno=errno.EINTR)  # the first KVM_RUN's work done, no guest code run

# --- registers ----------------------------------------------------------------------------------------------


def one_reg(request: str, reg_id: int, name: str, value=None, pointer: Val | None = None, ok_errno: int = 0) -> Step:
    """KVM_GET_ONE_REG / KVM_SET_ONE_REG (`request`) of register `reg_id` on the last vCPU, through the scratch page:
    SET writes `value` (an int as a little-endian u64, bytes as they are, or a callable over the scene giving
    either) there first; `pointer` replaces the scratch page (a guard page)."""
    def data(s: Scene) -> bytes:
        v = value(s) if callable(value) else value
        if v is None:
            return bytes(256)
        return struct.pack("<Q", v) if isinstance(v, int) else v

    def go(s: Scene) -> Result:
        addr = pointer(s) if pointer is not None else s.scratch(data(s))
        return s.ioctl(s.vcpus[-1], getattr(kvm, request), kvm.kvm_one_reg(id=reg_id, addr=addr))

    if value is None:
        shown = name
    else:
        shown = f"{name} = " + ("..." if callable(value) else f"{value:#x}" if isinstance(value, int)
                                else f"{len(value)} bytes")
    shown += f", addr={pointer}" if pointer is not None else ""
    return step(f"{request}({shown})", go, ok_errno)


def riscv64_reg(reg_type: int, index: int, subtype: int = 0, size: int = kvm.KVM_REG_SIZE_U64) -> int:
    """A riscv64 ONE_REG id (asm/kvm.h: KVM_REG_RISCV | size | type | subtype | index); `size` U64 is riscv64's
    `unsigned long` (every group but FP_F is a group of them)."""
    return kvm.KVM_REG_RISCV | size | reg_type | subtype | index


# riscv64's PC, a core register of ONE_REG (riscv64 has no generic vCPU state: its kvm_regs is empty).
RV_PC = riscv64_reg(riscv64.KVM_REG_RISCV_CORE, riscv64.KVM_REG_RISCV_CORE_REG("regs.pc"))


def arm64_core_reg(reg: str | int, size: int = kvm.KVM_REG_SIZE_U64) -> int:
    """The ONE_REG id of an arm64 core register: by name ("regs.pc", "regs.regs[2]", "regs.pstate") or by its index
    in struct kvm_regs counted in 32-bit words (to name one past the end)."""
    index = arm64.KVM_REG_ARM_CORE_REG(reg) if isinstance(reg, str) else reg
    return kvm.KVM_REG_ARM64 | size | arm64.KVM_REG_ARM_CORE | index


# --- a vCPU kept busy in KVM_RUN on a second thread ----------------------------------------------------------

def _busy_arm64(s: Scene) -> Result:
    got = Result(s.vcpus[-1]) if s.vcpus else create_vcpu(0)(s)
    if not got.ok:
        return got
    # Initialised again if the case did: the same target and features are accepted, and reset the PC to 0.
    got = arm64_init(new=False)(s)
    if not got.ok:
        return got
    memory = guest.busy_memory(s, guest.BUSY_IPA_ARM64, guest.a64(*guest.WFI_LOOP))
    if not memory.ok:
        return memory
    return one_reg("KVM_SET_ONE_REG", arm64_core_reg("regs.pc"), "PC", guest.BUSY_IPA_ARM64)(s)


def _busy_x86(s: Scene) -> Result:
    if not s.vcpus:  # the irqchip must precede the vCPU (api.rst 4.24 KVM_CREATE_IRQCHIP)
        got = IRQCHIP(s)
        got = create_vcpu(0)(s) if got.ok else got
        if not got.ok:
            return got
    guest.x86_real_mode(s, s.vcpus[-1], guest.BUSY_GPA_X86)
    return guest.busy_memory(s, guest.BUSY_GPA_X86, guest.HLT_LOOP)


def _busy_riscv64(s: Scene) -> Result:
    got = Result(s.vcpus[-1]) if s.vcpus else create_vcpu(0)(s)
    if not got.ok:
        return got
    memory = guest.busy_memory(s, guest.BUSY_GPA_RV64, guest.rv64(*guest.WFI_LOOP_RV64))
    return one_reg("KVM_SET_ONE_REG", RV_PC, "regs.pc", guest.BUSY_GPA_RV64)(s) if memory.ok else memory


BUSY = {"arm64": _busy_arm64, "x86_64": _busy_x86, "riscv64": _busy_riscv64}


def vcpu_busy() -> Step:
    """The last vCPU (vCPU 0 when there is none; on x86 with an in-kernel irqchip created first) in KVM_RUN on
    a second thread of the target's process, waiting for an interrupt: the step returns once that thread sleeps
    inside KVM_RUN (target.run_in_background), so the vCPU's mutex is held during the call under test. On arm64
    the vGIC, if any, must be ready for a first KVM_RUN (addresses set). The scene stops the run before its fds
    close, and fails if KVM_RUN had ended by itself before that (the vCPU was then not busy throughout)."""
    def go(s: Scene) -> Result:
        got = per_arch(s, BUSY, "a vCPU kept busy")(s)
        if not got.ok:
            return got
        fd = s.vcpus[-1]
        write_run_field(s, "immediate_exit", 0, 1, fd)
        got = s.target.run_in_background(fd, kvm.KVM_RUN)
        if got.ok:
            generation = getattr(s.target, "generation", 0)
            s.cleanups.append(lambda: _stop_busy(s, got.ret, generation))
        return got

    return step("KVM_RUN of a vCPU waiting in WFI/HLT, on a second thread (blocked in the kernel)", go)


def _stop_busy(s: Scene, handle: int, generation: int) -> Result | None:
    if not getattr(s.target, "running", True) or getattr(s.target, "generation", 0) != generation:
        return None  # the guest was lost (and the thread with it): asking a new guest would only hide why
    got = s.target.stop_background(handle)
    s.remembered["background"] = got
    if got.ok or got.errno != errno.EINTR:
        raise AssertionError(f"the background KVM_RUN ended with {got!r} before the scene stopped it (expected "
                             "EINTR from the stopping signal): the vCPU was not busy throughout the case")
    return got




# --- a vCPU that runs guest code (guest.Code) ---------------------------------------------------------------------

def _x86_at(s: Scene, code: guest.Code) -> Result:
    got = create_vcpu(len(s.vcpus))(s)
    if got.ok:
        guest.x86_real_mode(s, got.ret, code.gpa)
    return got


def _arm64_at(s: Scene, code: guest.Code) -> Result:
    if code.gpa:
        raise ValueError(f"arm64 guest code lies at IPA 0, where KVM_ARM_VCPU_INIT leaves the PC, not at {code.gpa:#x}")
    return arm64_init()(s)


def _riscv64_at(s: Scene, code: guest.Code) -> Result:
    got = create_vcpu(len(s.vcpus))(s)
    return _riscv64_rewind(s, code) if got.ok else got


# How a new vCPU comes to start at the code's first instruction: x86 resets into real mode with CS based at
# 0xffff0000, so CS and RIP are set; arm64 resets with the PC at 0 (api.rst 4.82 KVM_ARM_VCPU_INIT); riscv64
# resets in S-mode with address translation off (satp 0) and its PC is a core register of ONE_REG.
AT_CODE = {"x86_64": _x86_at, "arm64": _arm64_at, "riscv64": _riscv64_at}


def vcpu_at(program: dict[str, guest.Code]) -> Step:
    """The next vCPU, about to execute the machine's code of `program` from its first instruction."""
    return step("the next vCPU, starting at the guest code (x86: real mode, CS base 0; arm64: KVM_ARM_VCPU_INIT; "
                "riscv64: regs.pc)",
                lambda s: per_arch(s, AT_CODE, "a vCPU at guest code")(s, per_arch(s, program, "guest code")))


def _x86_rewind(s: Scene, code: guest.Code) -> Result:
    guest.x86_real_mode(s, s.vcpus[-1], code.gpa)
    return Result(0)


def _arm64_rewind(s: Scene, code: guest.Code) -> Result:
    return one_reg("KVM_SET_ONE_REG", arm64_core_reg("regs.pc"), "PC", code.gpa)(s)


def _riscv64_rewind(s: Scene, code: guest.Code) -> Result:
    # The next KVM_RUN first completes the exit kvm_run.exit_reason names (arch/riscv/kvm/vcpu.c
    # kvm_arch_vcpu_ioctl_run: an MMIO, SBI or CSR exit moves sepc past its instruction); none is pending then.
    if s.vcpus[-1] in s.run_maps:
        write_run_field(s, "exit_reason", kvm.KVM_EXIT_UNKNOWN, 4)
    return one_reg("KVM_SET_ONE_REG", RV_PC, "regs.pc", code.gpa)(s)


REWIND = {"x86_64": _x86_rewind, "arm64": _arm64_rewind, "riscv64": _riscv64_rewind}


def rewind(program: dict[str, guest.Code]) -> Step:
    """The last vCPU set back to the first instruction of the machine's code of `program`."""
    return step("the last vCPU back at the guest code's first instruction (x86: CS and RIP; arm64: PC; riscv64: "
                "regs.pc)",
                lambda s: per_arch(s, REWIND, "rewinding a vCPU")(s, per_arch(s, program, "guest code")))


def guest_ready(program: dict[str, guest.Code], size: int = guest.PAGE, flags: int = 0) -> Step:
    """Slot 0 holding the machine's code of `program` (guest.code_slot), and the next vCPU starting there."""
    memory, vcpu = guest.code_slot(program, size, flags), vcpu_at(program)

    def run(s: Scene) -> Result:
        got = memory(s)
        return vcpu(s) if got.ok else got

    return step(f"{memory}; the next vCPU starting there", run)


def run_to_exit(reason: int, name: str, limit: float | None = None) -> Step:
    """KVM_RUN (as `kvm_run`, with its `limit`) that must leave with kvm_run.exit_reason `reason`: a guest that did not
    run as written fails the step, whatever the call under test would have done."""
    def run(s: Scene) -> Result:
        got = kvm_run(limit=limit)(s)
        problem = exits_with(reason, name)(s, got) if got.ok else None
        if problem:
            raise AssertionError(f"{problem}: the guest did not run as written")
        return got

    bound = f", ended by a signal after {limit} s" if limit else ""
    return step(f"KVM_RUN (must exit with {name}{bound})", run)


SPINNING_GUEST = guest_ready(guest.SPINNING)  # slot 0 holding a jump to itself, the next vCPU starting there


def run_until_timer_signal() -> Step:
    """KVM_RUN of the spinning guest while an interval timer sends SIGALRM (unmasked, a handler installed):
    the signal arrives during KVM_RUN."""
    def run(s: Scene) -> Result:
        kvm_run_map(s)
        with s.target.interval_timer(0.05):
            return kvm_run()(s)

    return step("KVM_RUN (a jump to itself) while SIGALRM fires every 50 ms", run)


def run_with_pending(sig: int = signal.SIGUSR1) -> Step:
    """KVM_RUN of the spinning guest while `sig` is pending: blocked in the thread's own mask and raised before
    the call, then consumed and the mask restored afterwards. A 2 s SIGALRM backstop ends a KVM_RUN that
    ignores the pending signal, and the step then fails saying so."""
    def run(s: Scene) -> Result:
        kvm_run_map(s)
        with s.target.pending_signal(sig):
            got = kvm_run(limit=2)(s)
        if got.timed_out:
            raise AssertionError(f"KVM_RUN ran the guest for 2 s with {signal.Signals(sig).name} pending and "
                                 f"unblocked by the vCPU's mask; the backstop SIGALRM ended it ({got!r})")
        return got

    return step(f"KVM_RUN (a jump to itself) with {signal.Signals(sig).name} pending (blocked in the thread's mask)",
                run)


def one_reg_value(s: Scene, reg_id: int) -> int:
    """The u64 KVM_GET_ONE_REG reads of register `reg_id` on the last vCPU (the read must succeed: a value the case
    builds on)."""
    one_reg("KVM_GET_ONE_REG", reg_id, f"{reg_id:#x}")(s).value()
    return struct.unpack("<Q", s.target.read(s.scratch(), 8))[0]


def signal_mask(blocked: tuple[int, ...] = (), length: int = 8) -> Step:
    """KVM_SET_SIGNAL_MASK on the last vCPU: struct kvm_signal_mask with `length` (the kernel's sigset_t is 8 bytes
    on x86_64 and arm64) and the signals `blocked` while the vCPU runs."""
    bits = sum(1 << (n - 1) for n in blocked)
    names = ", ".join(signal.Signals(n).name for n in blocked) or "nothing blocked"
    return step(f"KVM_SET_SIGNAL_MASK(len {length}, {names})",
                lambda s: s.ioctl(s.vcpus[-1], kvm.KVM_SET_SIGNAL_MASK, struct.pack("<IQ", length, bits)))
