"""x86 interrupt controllers and injection: KVM_GET/SET_IRQCHIP, KVM_GET/SET_LAPIC, KVM_CREATE_PIT2,
KVM_GET/SET_PIT2, KVM_REINJECT_CONTROL, KVM_INTERRUPT (x86's and riscv64's), KVM_NMI, KVM_SMI, KVM_SET_BOOT_CPU_ID."""

from __future__ import annotations

from errno import EBUSY, EEXIST, EFAULT, EINVAL, ENOENT, ENOTTY, ENXIO

from abi import kvm, riscv64, x86
from abi.spec.case import DOCUMENT_SILENT, Case, Finding, Scene, need
from abi.spec.steps.base import API, BAD_POINTER, call, capability, step
from abi.spec.steps.registers import RV_SIP, SIP_SEIP, reg_reads
from abi.spec.steps.vm import IRQCHIP, SPLIT_IRQCHIP, VCPU0, X2APIC_32BIT
from abi.spec.steps.x86_vcpu import (
    VCPU5,
    X2APIC_MODE,
    apic_id,
    bad,
    cpuid2,
    irqchip,
    lapic,
    modify,
    out_check,
    pit2,
    reads_back,
    set_lapic_id,
)
from abi.spec.steps.x86_vm import BOOT, INTR, PIT2, REINJECT, interrupt
from abi.target.base import Result


def _interrupt() -> list[Case]:
    return [
        Case(id="userspace-pic", ioctl="KVM_INTERRUPT", condition="no in-kernel irqchip: the vector is queued",
             arch=("x86_64",), call=interrupt(0x20), errno=0,
             cite=f"{INTR}: 'Queues a hardware interrupt vector to be injected'; x86.c: "
             "kvm_vcpu_ioctl_interrupt", setup=(VCPU0,)),
        Case(id="vector-256", ioctl="KVM_INTERRUPT", condition="irq 256 (>= KVM_NR_INTERRUPTS)", arch=("x86_64",),
             call=interrupt(256), errno=EINVAL, cite=f"{INTR}: '-EINVAL the irq number is invalid'", setup=(VCPU0,)),
        Case(id="vector-256-in-kernel-pic", ioctl="KVM_INTERRUPT",
             condition="irq 256 with the in-kernel PIC: the number is checked "
             "first", arch=("x86_64",), call=interrupt(256), errno=EINVAL,
             cite="x86.c: kvm_vcpu_ioctl_interrupt (irq >= KVM_NR_INTERRUPTS first)", setup=(IRQCHIP, VCPU0),
             basis="code"),
        Case(id="in-kernel-pic", ioctl="KVM_INTERRUPT", condition="KVM_CREATE_IRQCHIP made the PIC in-kernel",
             arch=("x86_64",), call=interrupt(0x20), errno=ENXIO, cite=f"{INTR}: '-ENXIO if the PIC is in the kernel'",
             setup=(IRQCHIP, VCPU0)),
        Case(id="split-irqchip-first", ioctl="KVM_INTERRUPT",
             condition="split irqchip (LAPIC in-kernel, PIC in userspace): "
             "an ExtINT vector is accepted", arch=("x86_64",), call=interrupt(0x20), errno=0,
             cite=f"{INTR}: 'with an in-kernel LAPIC but a userspace PIC ... ExtINT'; x86.c: kvm_vcpu_ioctl_interrupt",
             setup=(SPLIT_IRQCHIP, VCPU0)),
        Case(id="split-irqchip-already-enqueued", ioctl="KVM_INTERRUPT",
             condition="split irqchip, an ExtINT vector already pending", arch=("x86_64",), call=interrupt(0x21),
             errno=EEXIST, cite=f"{INTR}: '-EEXIST if an interrupt is already enqueued'",
             setup=(SPLIT_IRQCHIP, VCPU0, interrupt(0x20))),
        Case(id="bad-pointer", ioctl="KVM_INTERRUPT", condition="the argument is not readable", arch=("x86_64",),
             call=call("KVM_INTERRUPT", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{INTR}: '-EFAULT if the pointer is invalid'", setup=(VCPU0,)),
    ]


def _vm() -> list[Case]:
    max_id = capability("KVM_CAP_MAX_VCPU_ID")
    reinject = x86.kvm_reinject_control(pit_reinject=0)
    return [
        Case(id="no-pit", ioctl="KVM_REINJECT_CONTROL", condition="no PIT created", arch=("x86_64",),
             call=call("KVM_REINJECT_CONTROL", "vm", reinject,
             "pit_reinject 0"), errno=ENXIO,
             cite=f"{REINJECT}: '-ENXIO if KVM_CREATE_PIT or KVM_CREATE_PIT2 didn't succeed "
             "earlier'", order_row=1),
        Case(id="with-pit", ioctl="KVM_REINJECT_CONTROL", condition="after KVM_CREATE_PIT2", arch=("x86_64",),
             call=call("KVM_REINJECT_CONTROL", "vm", reinject,
             "pit_reinject 0"), errno=0, cite=REINJECT, setup=(IRQCHIP, PIT2)),
        Case(id="reinject-bad-pointer", ioctl="KVM_REINJECT_CONTROL",
             condition="the argument is not readable (no PIT either: the "
             "copy comes first)", arch=("x86_64",),
             call=call("KVM_REINJECT_CONTROL", "vm", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite=f"{REINJECT}: '-EFAULT if struct kvm_reinject_control cannot be read'; x86.c: kvm_arch_vm_ioctl "
             "(copy before the PIT check)"),
        Case(id="boot-cpu-before-vcpus", ioctl="KVM_SET_BOOT_CPU_ID", condition="vcpu id 1, no vCPU yet",
             arch=("x86_64",), call=call("KVM_SET_BOOT_CPU_ID", "vm", 1, "1"), errno=0,
             cite=f"{BOOT}: 'has to be called before vcpu creation'"),
        Case(id="boot-cpu-after-vcpu", ioctl="KVM_SET_BOOT_CPU_ID", condition="after KVM_CREATE_VCPU", arch=("x86_64",),
             call=call("KVM_SET_BOOT_CPU_ID", "vm", 0, "0"), errno=EBUSY,
             cite=f"{BOOT}: 'otherwise it will return EBUSY error'", setup=(VCPU0,), order_row=1),
        Case(id="boot-cpu-id-beyond-max", ioctl="KVM_SET_BOOT_CPU_ID", condition="vcpu id KVM_CAP_MAX_VCPU_ID + 1",
             arch=("x86_64",),
             call=call("KVM_SET_BOOT_CPU_ID", "vm", lambda s: max_id(s) + 1, "KVM_CAP_MAX_VCPU_ID + 1"), errno=EINVAL,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_BOOT_CPU_ID (arg > KVM_MAX_VCPU_IDS)", basis="code",
             kernels="6.12+ (6.1 stores any id: no limit check)"),
        Case(id="boot-cpu-id-equal-max", ioctl="KVM_SET_BOOT_CPU_ID",
             condition="vcpu id KVM_CAP_MAX_VCPU_ID, which no vCPU can have", arch=("x86_64",),
             call=call("KVM_SET_BOOT_CPU_ID", "vm", max_id, "KVM_CAP_MAX_VCPU_ID"), errno=0,
             cite="x86.c: kvm_arch_vm_ioctl, KVM_SET_BOOT_CPU_ID compares arg > KVM_MAX_VCPU_IDS, while "
             "kvm_vm_ioctl_create_vcpu refuses id >= KVM_MAX_VCPU_IDS: the limit itself is accepted", basis="code"),
    ]


def _irqchip() -> list[Case]:
    g, st = f"{API} 4.26 KVM_GET_IRQCHIP", f"{API} 4.27 KVM_SET_IRQCHIP"
    io = "x86.c: kvm_arch_vm_ioctl"
    chip = "irq.c (7.2) / x86.c (6.1, 6.12): kvm_vm_ioctl_{get,set}_irqchip (chip_id not 0..2: EINVAL)"

    def set_as_read(chip_id):
        def run(s: Scene) -> Result:
            value = s.ioctl(s.vm, s.abi.KVM_GET_IRQCHIP, s.abi.kvm_irqchip(chip_id=chip_id))
            return s.ioctl(s.vm, s.abi.KVM_SET_IRQCHIP, value.struct(s.abi.kvm_irqchip))

        return step(f"KVM_SET_IRQCHIP(chip_id {chip_id}, as KVM_GET_IRQCHIP read it)", run)

    out = []
    for chip_id, name in ((0, "pic1"), (1, "pic2"), (2, "ioapic")):
        out += [
            Case(id=f"get-irqchip-{name}", ioctl="KVM_GET_IRQCHIP",
                 condition=f"after KVM_CREATE_IRQCHIP, chip_id {chip_id}", arch=("x86_64",),
                 call=irqchip("KVM_GET_IRQCHIP", chip_id), errno=0,
                 cite=f"{g}: 'chip_id; /* 0 = PIC1, 1 = PIC2, 2 = IOAPIC */'", setup=(IRQCHIP,)),
            Case(id=f"set-irqchip-{name}", ioctl="KVM_SET_IRQCHIP",
                 condition=f"after KVM_CREATE_IRQCHIP, chip_id {chip_id} as read", arch=("x86_64",),
                 call=set_as_read(chip_id), errno=0,
                 cite=f"{st}: 'Sets the state of a kernel interrupt controller created with "
                 "KVM_CREATE_IRQCHIP'", setup=(IRQCHIP,)),
        ]
    out += [
        Case(id="get-irqchip-chip-3", ioctl="KVM_GET_IRQCHIP", condition="chip_id 3 (no such chip)", arch=("x86_64",),
             call=irqchip("KVM_GET_IRQCHIP", 3), errno=EINVAL, cite=chip, setup=(IRQCHIP,), basis="code"),
        Case(id="set-irqchip-chip-3", ioctl="KVM_SET_IRQCHIP", condition="chip_id 3 (no such chip)", arch=("x86_64",),
             call=irqchip("KVM_SET_IRQCHIP", 3), errno=EINVAL, cite=chip, setup=(IRQCHIP,), basis="code"),
        Case(id="get-irqchip-none", ioctl="KVM_GET_IRQCHIP", condition="no in-kernel irqchip", arch=("x86_64",),
             call=irqchip("KVM_GET_IRQCHIP", 0), errno=ENXIO,
             cite=f"{io}, KVM_GET_IRQCHIP (!irqchip_kernel / !irqchip_full: ENXIO)", basis="code"),
        Case(id="set-irqchip-none", ioctl="KVM_SET_IRQCHIP", condition="no in-kernel irqchip", arch=("x86_64",),
             call=irqchip("KVM_SET_IRQCHIP", 0), errno=ENXIO, cite=f"{io}, KVM_SET_IRQCHIP (ENXIO)", basis="code"),
        Case(id="get-irqchip-split", ioctl="KVM_GET_IRQCHIP", condition="split irqchip (no in-kernel PIC or IOAPIC)",
             arch=("x86_64",), call=irqchip("KVM_GET_IRQCHIP", 0), errno=ENXIO,
             cite=f"{io}, KVM_GET_IRQCHIP (a split irqchip is not a full one)", setup=(SPLIT_IRQCHIP,), basis="code"),
        Case(id="get-irqchip-bad-pointer", ioctl="KVM_GET_IRQCHIP",
             condition="the argument is not readable (no irqchip either: the "
             "copy comes first)", arch=("x86_64",), call=bad("KVM_GET_IRQCHIP", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_GET_IRQCHIP (memdup_user)", basis="code"),
        Case(id="set-irqchip-bad-pointer", ioctl="KVM_SET_IRQCHIP", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_IRQCHIP", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_SET_IRQCHIP (memdup_user)", setup=(IRQCHIP,), basis="code"),
    ]
    return out


def _lapic() -> list[Case]:
    g, st = f"{API} 4.57 KVM_GET_LAPIC", f"{API} 4.58 KVM_SET_LAPIC"
    io = "x86.c: kvm_arch_vcpu_ioctl"
    as_read = modify("KVM_GET_LAPIC", "KVM_SET_LAPIC", "kvm_lapic_state", lambda s, v: None, "as read")
    return [
        Case(id="get-lapic", ioctl="KVM_GET_LAPIC", condition="in-kernel irqchip", arch=("x86_64",),
             call=lapic("KVM_GET_LAPIC"), errno=0, cite=f"{g}: 'Reads the Local APIC registers'",
             setup=(IRQCHIP, VCPU0)),
        Case(id="set-lapic-as-read", ioctl="KVM_SET_LAPIC", condition="in-kernel irqchip, the registers as read",
             arch=("x86_64",), call=as_read, errno=0,
             cite=f"{st}: 'Copies the input argument into the Local APIC registers'", setup=(IRQCHIP, VCPU0)),
        Case(id="get-lapic-split", ioctl="KVM_GET_LAPIC", condition="split irqchip (the LAPIC is in the kernel)",
             arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0, cite=f"{g}; {io} (lapic_in_kernel)",
             setup=(SPLIT_IRQCHIP, VCPU0)),
        Case(id="get-lapic-xapic-id", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 in xAPIC mode: the ID in bits 31-24 of APIC_ID", arch=("x86_64",),
             call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'xAPIC only allows an 8-bit APIC ID which is stored in bits 31-24 of "
             "the APIC register, or equivalently in byte 35'", check=apic_id(5 << 24), setup=(IRQCHIP, VCPU5)),
        Case(id="get-lapic-x2apic-xapic-format", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 in x2APIC mode without USE_32BIT_IDS: "
             "still xAPIC format", arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'If KVM_X2APIC_API_USE_32BIT_IDS feature is disabled, struct kvm_lapic_state always uses "
                  "xAPIC "
             "format'; lapic.c: kvm_apic_state_fixup", check=apic_id(5 << 24),
             setup=(IRQCHIP, VCPU5, cpuid2(), X2APIC_MODE)),
        Case(id="get-lapic-x2apic-32bit-id", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 in x2APIC mode with USE_32BIT_IDS: the 32-bit "
             "ID in bytes 32-35", arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'If KVM_X2APIC_API_USE_32BIT_IDS feature of KVM_CAP_X2APIC_API is enabled, then the format of "
             "APIC_ID register depends on the APIC mode ... x2APIC stores APIC ID in the APIC_ID register (bytes "
             "32-35)'", check=apic_id(5), setup=(IRQCHIP, X2APIC_32BIT, VCPU5, cpuid2(), X2APIC_MODE)),
        Case(id="get-lapic-32bit-ids-xapic-mode", ioctl="KVM_GET_LAPIC",
             condition="vCPU 5 with USE_32BIT_IDS but in xAPIC mode: xAPIC "
             "format", arch=("x86_64",), call=lapic("KVM_GET_LAPIC"), errno=0,
             cite=f"{g}: 'the format of APIC_ID register depends on the APIC mode (reported by MSR_IA32_APICBASE)'; "
             "xAPIC: bits 31-24; 'KVM_GET_LAPIC must then be called after MSR_IA32_APICBASE has been set': here it is "
             "not", check=apic_id(5 << 24), setup=(IRQCHIP, X2APIC_32BIT, VCPU5), order_row=1),
        Case(id="set-lapic-x2apic-wrong-id", ioctl="KVM_SET_LAPIC",
             condition="x2APIC mode with USE_32BIT_IDS, APIC_ID 6 for vCPU 5", arch=("x86_64",), call=set_lapic_id(6),
             errno=EINVAL, cite="lapic.c: kvm_apic_state_fixup (32-bit IDs: an APIC_ID other than the vCPU's "
             "x2APIC ID is refused)", setup=(IRQCHIP, X2APIC_32BIT, VCPU5, cpuid2(), X2APIC_MODE), basis="code"),
        Case(id="set-lapic-x2apic-own-id", ioctl="KVM_SET_LAPIC",
             condition="x2APIC mode with USE_32BIT_IDS, the registers as read", arch=("x86_64",), call=set_lapic_id(5),
             errno=0, cite="lapic.c: kvm_apic_state_fixup (the vCPU's own x2APIC ID)",
             setup=(IRQCHIP, X2APIC_32BIT, VCPU5, cpuid2(), X2APIC_MODE), basis="code"),
        Case(id="get-lapic-no-irqchip", ioctl="KVM_GET_LAPIC", condition="no in-kernel irqchip", arch=("x86_64",),
             call=lapic("KVM_GET_LAPIC"), errno=EINVAL, cite=f"{io}, KVM_GET_LAPIC (!lapic_in_kernel: EINVAL)",
             setup=(VCPU0,), basis="code"),
        Case(id="set-lapic-no-irqchip", ioctl="KVM_SET_LAPIC", condition="no in-kernel irqchip", arch=("x86_64",),
             call=lapic("KVM_SET_LAPIC"), errno=EINVAL, cite=f"{io}, KVM_SET_LAPIC (!lapic_in_kernel: EINVAL)",
             setup=(VCPU0,), basis="code"),
        Case(id="set-lapic-no-irqchip-bad-pointer", ioctl="KVM_SET_LAPIC",
             condition="no in-kernel irqchip and the argument is not "
             "readable: the irqchip check comes first", arch=("x86_64",), call=bad("KVM_SET_LAPIC"), errno=EINVAL,
             cite=f"{io}, KVM_SET_LAPIC (lapic_in_kernel before memdup_user)", setup=(VCPU0,), basis="code"),
        Case(id="get-lapic-bad-pointer", ioctl="KVM_GET_LAPIC", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_LAPIC"), errno=EFAULT, cite=f"{io}, KVM_GET_LAPIC (copy_to_user)",
             setup=(IRQCHIP, VCPU0), basis="code"),
        Case(id="set-lapic-bad-pointer", ioctl="KVM_SET_LAPIC", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_SET_LAPIC"), errno=EFAULT, cite=f"{io}, KVM_SET_LAPIC (memdup_user)",
             setup=(IRQCHIP, VCPU0), basis="code"),
    ]


def _nmi_smi() -> list[Case]:
    n = f"{API} 4.64 KVM_NMI"
    smi = f"{API} 4.96 KVM_SMI"
    return [
        Case(id="nmi-no-irqchip", ioctl="KVM_NMI", condition="no in-kernel irqchip", arch=("x86_64",),
             call=call("KVM_NMI", "vcpu"), errno=0, cite=f"{n}: 'Queues an NMI on the thread's vcpu'", setup=(VCPU0,),
             needs=need("KVM_CAP_USER_NMI")),
        Case(id="nmi-in-kernel-irqchip", ioctl="KVM_NMI", condition="after KVM_CREATE_IRQCHIP", arch=("x86_64",),
             call=call("KVM_NMI", "vcpu"), errno=0,
             cite=f"{n}: 'After KVM_CREATE_IRQCHIP has been called, this interface is completely emulated within the "
             "kernel'", setup=(IRQCHIP, VCPU0), order_row=1, needs=need("KVM_CAP_USER_NMI")),
        Case(id="nmi-in-kernel-irqchip-pending", ioctl="KVM_NMI",
             condition="after KVM_CREATE_IRQCHIP: KVM_GET_VCPU_EVENTS shows the "
             "NMI pending", arch=("x86_64",), call=call("KVM_NMI", "vcpu"), errno=0,
             cite=f"{n}: 'After KVM_CREATE_IRQCHIP has been called, this interface is completely emulated within the "
             "kernel'; x86.c: kvm_vcpu_ioctl_nmi -> kvm_inject_nmi queues it whatever the irqchip, and "
             "kvm_vcpu_ioctl_x86_get_vcpu_events reports it (process_nmi)",
             check=reads_back("KVM_GET_VCPU_EVENTS", "kvm_vcpu_events", lambda s, e: e.nmi.pending == 1,
                              "nmi.pending 1"), setup=(IRQCHIP, VCPU0), order_row=2, basis="code",
             needs=need("KVM_CAP_USER_NMI")),
        Case(id="smi-queued", ioctl="KVM_SMI", condition="KVM_CAP_X86_SMM is advertised", arch=("x86_64",),
             call=call("KVM_SMI", "vcpu"), errno=0, cite=f"{smi}: 'Queues an SMI on the thread's vcpu'", setup=(VCPU0,),
             needs=need("KVM_CAP_X86_SMM")),
        Case(id="smi-without-smm", ioctl="KVM_SMI",
             condition="KVM_CAP_X86_SMM 0 (a kernel built without CONFIG_KVM_SMM)", arch=("x86_64",),
             call=call("KVM_SMI", "vcpu"), errno=ENOTTY,
             cite="smm.h: kvm_inject_smi (the !CONFIG_KVM_SMM stub returns ENOTTY in 6.12 and 7.2; 7.2 also when the "
             "vendor does not emulate SMBASE); 6.1 queues it unconditionally", setup=(VCPU0,), basis="code",
             needs=need("KVM_CAP_X86_SMM", False), kernels="6.12+ (6.1 has no CONFIG_KVM_SMM and always succeeds)"),
        Case(id="smi-6.1", ioctl="KVM_SMI", condition="6.1: no SMM capability check at all", arch=("x86_64",),
             call=call("KVM_SMI", "vcpu"), errno=0,
             cite="x86.c: kvm_vcpu_ioctl_smi (6.1: makes the request and returns 0)", setup=(VCPU0,), basis="code",
             kernels="6.1"),
    ]


def _pit() -> list[Case]:
    c, g, st = f"{API} 4.71 KVM_CREATE_PIT2", f"{API} 4.72 KVM_GET_PIT2", f"{API} 4.73 KVM_SET_PIT2"
    io = "x86.c: kvm_arch_vm_ioctl"
    speaker = call("KVM_CREATE_PIT2", "vm", kvm.kvm_pit_config(flags=1), "flags KVM_PIT_SPEAKER_DUMMY")
    as_read = modify("KVM_GET_PIT2", "KVM_SET_PIT2", "kvm_pit_state2", lambda s, v: None, "as read", on="vm")

    def flag(value):
        def change(s, v):
            v.flags = value
        return change

    hpet = modify("KVM_GET_PIT2", "KVM_SET_PIT2", "kvm_pit_state2", flag(1), "as read, flags HPET_LEGACY", on="vm")
    return [
        Case(id="create-pit2", ioctl="KVM_CREATE_PIT2", condition="after KVM_CREATE_IRQCHIP", arch=("x86_64",),
             call=PIT2, errno=0, cite=c, setup=(IRQCHIP,), needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-speaker-dummy", ioctl="KVM_CREATE_PIT2", condition="flags KVM_PIT_SPEAKER_DUMMY",
             arch=("x86_64",), call=speaker, errno=0, cite=f"{c}: 'Valid flags are ... KVM_PIT_SPEAKER_DUMMY'",
             setup=(IRQCHIP,), needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-twice", ioctl="KVM_CREATE_PIT2", condition="a PIT exists already", arch=("x86_64",),
             call=PIT2, errno=EEXIST, cite=f"{io}, KVM_CREATE_PIT2 (kvm->arch.vpit: EEXIST)", setup=(IRQCHIP, PIT2),
             basis="code", needs=need("KVM_CAP_PIT2")),
        # 4.71's "only valid after enabling in-kernel irqchip support" is a rule for userspace: no errno is
        # documented (DOC_FINDINGS), so both kernels' answers are the implementation's.
        Case(id="create-pit2-without-irqchip", ioctl="KVM_CREATE_PIT2", condition="no in-kernel irqchip",
             arch=("x86_64",), call=PIT2, errno=ENOENT,
             cite=f"{io}, KVM_CREATE_PIT2 (!pic_in_kernel: ENOENT, 6.12 and 7.2)", order_row=1, basis="code",
             kernels="6.12+", needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-without-irqchip-6.1", ioctl="KVM_CREATE_PIT2", condition="no in-kernel irqchip (6.1)",
             arch=("x86_64",), call=PIT2, errno=0,
             cite=f"{io}, KVM_CREATE_PIT2: 6.1 has no irqchip check and creates the PIT", order_row=1, basis="code",
             kernels="6.1", needs=need("KVM_CAP_PIT2")),
        Case(id="create-pit2-bad-pointer", ioctl="KVM_CREATE_PIT2", condition="the argument is not readable",
             arch=("x86_64",), call=bad("KVM_CREATE_PIT2", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_CREATE_PIT2 (copy_from_user)", setup=(IRQCHIP,), basis="code",
             needs=need("KVM_CAP_PIT2")),
        Case(id="get-pit2", ioctl="KVM_GET_PIT2", condition="after KVM_CREATE_PIT2: flags among the valid ones",
             arch=("x86_64",), call=pit2("KVM_GET_PIT2"), errno=0,
             cite=f"{g}: 'Only valid after KVM_CREATE_PIT2' ... 'Valid flags are' HPET_LEGACY, SPEAKER_DATA_ON",
             check=out_check("kvm_pit_state2", lambda s, v: v.flags & ~3 == 0, "no flag but HPET_LEGACY and "
                             "SPEAKER_DATA_ON"), setup=(IRQCHIP, PIT2), needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-as-read", ioctl="KVM_SET_PIT2", condition="after KVM_CREATE_PIT2, the state as read",
             arch=("x86_64",), call=as_read, errno=0, cite=st, setup=(IRQCHIP, PIT2), needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-hpet-legacy", ioctl="KVM_SET_PIT2",
             condition="flags KVM_PIT_FLAGS_HPET_LEGACY: it reads back", arch=("x86_64",), call=hpet, errno=0,
             cite=f"{g}: 'Valid flags are ... KVM_PIT_FLAGS_HPET_LEGACY'; {st}",
             check=reads_back("KVM_GET_PIT2", "kvm_pit_state2", lambda s, v: v.flags == 1, "flags 1", on="vm"),
             setup=(IRQCHIP, PIT2), needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-unknown-flag", ioctl="KVM_SET_PIT2", condition="flags bit 31: stored as given, no check",
             arch=("x86_64",),
             call=modify("KVM_GET_PIT2", "KVM_SET_PIT2", "kvm_pit_state2", flag(1 << 31), "as read, flags bit 31",
                    on="vm"), errno=0,
             cite="i8254.c (7.2) / x86.c (6.1, 6.12): kvm_vm_ioctl_set_pit2 copies flags unchecked",
             check=reads_back("KVM_GET_PIT2", "kvm_pit_state2", lambda s, v: v.flags == 1 << 31, "flags bit 31",
                              on="vm"), setup=(IRQCHIP, PIT2), basis="code", needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="get-pit2-no-pit", ioctl="KVM_GET_PIT2", condition="no PIT (an irqchip but no KVM_CREATE_PIT2)",
             arch=("x86_64",), call=pit2("KVM_GET_PIT2"), errno=ENXIO,
             cite=f"{g}: 'Only valid after KVM_CREATE_PIT2'; {io}, KVM_GET_PIT2 (!vpit: ENXIO)", setup=(IRQCHIP,),
             order_row=1, needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-no-pit", ioctl="KVM_SET_PIT2", condition="no PIT (an irqchip but no KVM_CREATE_PIT2)",
             arch=("x86_64",), call=pit2("KVM_SET_PIT2"), errno=ENXIO,
             cite=f"{st}: 'Only valid after KVM_CREATE_PIT2'; {io}, KVM_SET_PIT2 (!vpit: ENXIO)", setup=(IRQCHIP,),
             order_row=1, needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="set-pit2-bad-pointer-no-pit", ioctl="KVM_SET_PIT2",
             condition="no PIT and the argument is not readable: the copy "
             "comes first", arch=("x86_64",), call=bad("KVM_SET_PIT2", "vm"), errno=EFAULT,
             cite=f"{io}, KVM_SET_PIT2 (copy_from_user before the PIT "
             "check)", basis="code", needs=need("KVM_CAP_PIT_STATE2")),
        Case(id="get-pit2-bad-pointer", ioctl="KVM_GET_PIT2", condition="the argument is not writable",
             arch=("x86_64",), call=bad("KVM_GET_PIT2", "vm"), errno=EFAULT, cite=f"{io}, KVM_GET_PIT2 (copy_to_user)",
             setup=(IRQCHIP, PIT2), basis="code", needs=need("KVM_CAP_PIT_STATE2")),
    ]


def _riscv64_interrupt() -> list[Case]:
    """4.16 KVM_INTERRUPT, RISC-V: SET raises and UNSET lowers the vCPU's VS-level external interrupt, which the
    CSR group's sip shows as SEIP (vcpu_onereg.c kvm_riscv_vcpu_general_get_csr folds the pending interrupts in);
    vcpu.c kvm_arch_vcpu_async_ioctl (6.12; kvm_arch_vcpu_unlocked_ioctl in 7.2) treats every value but
    KVM_INTERRUPT_SET as UNSET."""
    rv_arch = ("riscv64",)
    doc = f"{INTR}, RISC-V"
    raise_it = interrupt(riscv64.KVM_INTERRUPT_SET)
    return [
        Case(id="riscv-set", ioctl="KVM_INTERRUPT", condition="KVM_INTERRUPT_SET: sip.SEIP pending", arch=rv_arch,
             call=raise_it, errno=0, cite=f"{doc}: KVM_INTERRUPT_SET 'sets external interrupt for a virtual CPU'",
             setup=(VCPU0,), check=reg_reads(RV_SIP, "sip.SEIP", SIP_SEIP, mask=SIP_SEIP)),
        Case(id="riscv-unset", ioctl="KVM_INTERRUPT", condition="KVM_INTERRUPT_UNSET after SET: sip.SEIP clear",
             arch=rv_arch, call=interrupt(riscv64.KVM_INTERRUPT_UNSET), errno=0,
             cite=f"{doc}: KVM_INTERRUPT_UNSET 'clears pending external interrupt'", setup=(VCPU0, raise_it),
             check=reg_reads(RV_SIP, "sip.SEIP", 0, mask=SIP_SEIP)),
        Case(id="riscv-other-value", ioctl="KVM_INTERRUPT", condition="irq 5 after SET: taken as UNSET",
             arch=rv_arch, call=interrupt(5), errno=0,
             cite="vcpu.c: kvm_arch_vcpu_async_ioctl / _unlocked_ioctl (any irq but KVM_INTERRUPT_SET unsets; "
             "api.rst 4.16 names two values and no error)", setup=(VCPU0, raise_it),
             check=reg_reads(RV_SIP, "sip.SEIP", 0, mask=SIP_SEIP),
             basis="code"),
        Case(id="riscv-bad-pointer", ioctl="KVM_INTERRUPT", condition="the argument is not readable", arch=rv_arch,
             call=call("KVM_INTERRUPT", "vcpu", BAD_POINTER, "arg = a guard page"), errno=EFAULT,
             cite="vcpu.c: kvm_arch_vcpu_async_ioctl / _unlocked_ioctl (copy_from_user)", setup=(VCPU0,), basis="code"),
    ]


CASES: list[Case] = [
    *_interrupt(),
    *_vm(),
    *_irqchip(),
    *_lapic(),
    *_nmi_smi(),
    *_pit(),
    *_riscv64_interrupt(),
]

DOC_FINDINGS = [
    Finding(
        "api.rst 4.16 KVM_INTERRUPT, RISC-V: the ioctl is 'overloaded with 2 different irq values' (KVM_INTERRUPT_SET, "
        "KVM_INTERRUPT_UNSET) and says nothing of any other; vcpu.c kvm_arch_vcpu_async_ioctl (6.12; "
        "kvm_arch_vcpu_unlocked_ioctl in 7.2) takes every value but KVM_INTERRUPT_SET as UNSET and succeeds "
        "(case riscv-other-value).",
        DOCUMENT_SILENT),
]
