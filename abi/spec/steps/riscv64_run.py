"""riscv64 vCPUs that run: guest code calling the SBI (ecall), the kvm_run fields of the KVM_EXIT_RISCV_SBI it
leaves with, and the registers ONE_REG refuses to change once a vCPU ran."""

from __future__ import annotations

from abi import kvm, riscv64
from abi.spec.case import Scene, Step, Val
from abi.spec.steps.base import API, step
from abi.spec.steps.guest import (
    RV_A0,
    RV_A6,
    RV_A7,
    RV_CODE_GPA,
    RV_EBREAK,
    RV_ECALL,
    RV_J_SELF,
    Code,
    rv64,
    rv_li,
    rv_li32,
)
from abi.spec.steps.vcpu import (
    exits_with,
    guest_ready,
    kvm_run,
    one_reg,
    one_reg_value,
    riscv64_reg,
    run_field,
    run_to_exit,
    write_run_field,
)
from abi.target.base import Result

SBI_EXIT = f"{API} 5 The kvm_run structure, KVM_EXIT_RISCV_SBI"

# SBI extension ids (EID, in a7; the function id in a6) of the RISC-V SBI specification, not of the UAPI.
SBI_BASE = 0x10  # the base extension; function 0 is sbi_get_spec_version
SBI_EXPERIMENTAL = 0x08000000  # the first EID of the experimental range 0x08000000-0x08FFFFFF
SBI_VENDOR = 0x09000000  # the first EID of the vendor range 0x09000000-0x09FFFFFF
SBI_DBCN = 0x4442434E  # "DBCN", the debug console extension (SBI 2.0); function 2 writes the byte in a0
SBI_ERR_NOT_SUPPORTED = -2
CHAR = 0x42  # what the guest passes in a0

# (EID, FID, a0): one SBI call; a0 None keeps a0 and a1 as the previous call returned them, so a following forwarded
# call shows userspace (in its args[0] and args[1]) what the guest got back.
Call = tuple[int, int, int | None]


def sbi_program(*calls: Call) -> dict[str, Code]:
    """riscv64 code at RV_CODE_GPA making the SBI `calls` in order, then spinning (j .)."""
    words: list[int] = []
    for eid, fid, a0 in calls:
        words += [*rv_li32(RV_A7, eid), rv_li(RV_A6, fid), *(() if a0 is None else (rv_li(RV_A0, a0),)), RV_ECALL]
    shown = "; ".join(f"ecall EID {eid:#x} FID {fid}" + ("" if a0 is None else f" a0 {a0:#x}")
                      for eid, fid, a0 in calls)
    return {"riscv64": Code(RV_CODE_GPA, rv64(*words, RV_J_SELF), shown + "; j .")}


def sbi_guest(*calls: Call) -> Step:
    """Slot 0 holding `sbi_program(*calls)`, the next vCPU starting there."""
    return guest_ready(sbi_program(*calls))


RUN_LIMIT = 2.0  # seconds: a backstop for a guest that spins because no call left KVM_RUN (the case then fails)

RUN = kvm_run(limit=RUN_LIMIT)

RUN_TO_SBI = run_to_exit(kvm.KVM_EXIT_RISCV_SBI, "KVM_EXIT_RISCV_SBI", RUN_LIMIT)


def answer(ret0: int, ret1: int) -> Step:
    """Userspace's answer to the forwarded SBI call: kvm_run.riscv_sbi.ret[0] and ret[1]."""
    def run(s: Scene) -> Result:
        write_run_field(s, "_u0.riscv_sbi.ret[0]", ret0 & (1 << 64) - 1, 8)
        write_run_field(s, "_u0.riscv_sbi.ret[1]", ret1 & (1 << 64) - 1, 8)
        return Result(0)

    return step(f"kvm_run.riscv_sbi.ret = {{{ret0:#x}, {ret1:#x}}}", run)


def sbi_exit(eid: int, fid: int | None = None, nonzero: tuple[str, ...] = (), **args: int):
    """A check: KVM_RUN left with KVM_EXIT_RISCV_SBI for extension `eid` (and function `fid`), its args as given
    (a0=..., a1=..., compared as unsigned longs), and the args named in `nonzero` ("a1", ...) not 0."""
    exited = exits_with(kvm.KVM_EXIT_RISCV_SBI, "KVM_EXIT_RISCV_SBI")
    want = {"extension_id": eid, **({"function_id": fid} if fid is not None else {}),
            **{f"args[{name[1:]}]": v & (1 << 64) - 1 for name, v in args.items()}}
    some = [f"args[{name[1:]}]" for name in nonzero]

    def check(s: Scene, got: Result) -> str | None:
        problem = exited(s, got)
        if problem:
            return problem
        seen = {k: run_field(s, f"_u0.riscv_sbi.{k}", 8) for k in [*want, *some]}
        if any(seen[k] != v for k, v in want.items()) or any(seen[k] == 0 for k in some):
            shown = ", ".join(f"{k} {v:#x}" for k, v in seen.items())
            return f"kvm_run.riscv_sbi is {shown}; expected " + ", ".join(
                [*(f"{k} {v:#x}" for k, v in want.items()), *(f"{k} not 0" for k in some)])
        return None

    return check


# A software breakpoint: with guest debugging enabled, riscv's KVM keeps the breakpoint exception for itself
# (6.12 vcpu.c kvm_arch_vcpu_ioctl_set_guest_debug, 7.2 vcpu_config.c kvm_riscv_vcpu_config_guest_debug: clear
# EXC_BREAKPOINT in hedeleg) and exits (vcpu_exit.c kvm_riscv_vcpu_exit: EXC_BREAKPOINT -> KVM_EXIT_DEBUG).
BREAKPOINT = guest_ready({"riscv64": Code(RV_CODE_GPA, rv64(RV_EBREAK, RV_J_SELF), "ebreak; j .")})
RUN_TO_DEBUG = run_to_exit(kvm.KVM_EXIT_DEBUG, "KVM_EXIT_DEBUG", RUN_LIMIT)


def sbi_ext(ext: int, name: str, on: int) -> Step:
    """KVM_SET_ONE_REG of KVM's switch of SBI extension `ext` (enum KVM_RISCV_SBI_EXT_ID) on the last vCPU."""
    reg = riscv64_reg(riscv64.KVM_REG_RISCV_SBI_EXT, riscv64.KVM_REG_RISCV_SBI_SINGLE | ext)
    return one_reg("KVM_SET_ONE_REG", reg, f"SBI_EXT {name}", on)


# --- registers after the first KVM_RUN -------------------------------------------------------------------------

MVENDORID = riscv64_reg(riscv64.KVM_REG_RISCV_CONFIG, riscv64.KVM_REG_RISCV_CONFIG_REG("mvendorid"))
ISA_EXT_D = riscv64_reg(riscv64.KVM_REG_RISCV_ISA_EXT,
                        riscv64.KVM_REG_RISCV_ISA_SINGLE | riscv64.KVM_RISCV_ISA_EXT_D)
SBI_EXT_DBCN = riscv64_reg(riscv64.KVM_REG_RISCV_SBI_EXT,
                           riscv64.KVM_REG_RISCV_SBI_SINGLE | riscv64.KVM_RISCV_SBI_EXT_DBCN)

# The isa config register is a bitmap of the single-letter extensions, 'a' in bit 0. D is one KVM lets userspace
# disable (vcpu_onereg.c kvm_riscv_vcpu_isa_disable_allowed, 6.12; isa.c kvm_riscv_isa_disable_allowed, 7.2).
ISA_D = 1 << (ord("d") - ord("a"))


def flipped(reg_id: int, bits: int) -> Val:
    """The value KVM_GET_ONE_REG reads of `reg_id` on the last vCPU with `bits` inverted: a change of the register."""
    return Val(f"its value with {bits:#x} inverted", lambda s: one_reg_value(s, reg_id) ^ bits)


def unchanged(reg_id: int) -> Val:
    """The value KVM_GET_ONE_REG reads of `reg_id` on the last vCPU: writing it back changes nothing."""
    return Val("the value it reads", lambda s: one_reg_value(s, reg_id))


def reads_without(reg_id: int, bits: int, name: str):
    """A check: KVM_GET_ONE_REG of `reg_id` on the last vCPU reads a value with none of `bits` set."""
    def check(s: Scene, got: Result) -> str | None:
        value = one_reg_value(s, reg_id)
        return None if not value & bits else f"{name} reads {value:#x} after the write: {bits:#x} still set"

    return check
