"""Smoke conformance on every target: the system ioctls, VM creation, the in-kernel irqchip as each machine
profile implies, and a vCPU running to an MMIO exit.

Documentation: Documentation/virt/kvm/api.rst 4.1 KVM_GET_API_VERSION, 4.2 KVM_CREATE_VM, 4.24
KVM_CREATE_IRQCHIP, 5 "The kvm_run structure" (KVM_EXIT_MMIO). Implementation (checked in Linux 6.1):
virt/kvm/kvm_main.c kvm_dev_ioctl; arch/arm64/kvm/arm.c kvm_vm_ioctl_check_extension, kvm_arch_vm_ioctl,
init_subsystems; arch/arm64/kvm/vgic/vgic-init.c kvm_vgic_create, kvm_vgic_hyp_init; arch/arm64/kvm/mmio.c
io_mem_abort; arch/x86/kvm/x86.c kvm_vm_ioctl_check_extension, kvm_arch_vm_ioctl, emulator_read_write;
arch/riscv/kvm/vcpu_exit.c gstage_page_fault, vcpu_insn.c kvm_riscv_vcpu_mmio_store (6.12).
"""

import ctypes
import errno
import struct

import pytest

from abi.kvm import (
    KVM_API_VERSION,
    KVM_CAP_IRQCHIP,
    KVM_CHECK_EXTENSION,
    KVM_CREATE_IRQCHIP,
    KVM_CREATE_VCPU,
    KVM_CREATE_VM,
    KVM_EXIT_MMIO,
    KVM_GET_API_VERSION,
    KVM_GET_VCPU_MMAP_SIZE,
    KVM_REG_ARM64,
    KVM_REG_RISCV,
    KVM_REG_SIZE_U64,
    KVM_RUN,
    kvm_one_reg,
    kvm_userspace_memory_region,
)


def machine(target) -> str:
    """Which expectations apply: the guest profile, or the host's architecture for `local`."""
    info = target.info()
    return info.profile if info.name.startswith("qemu-") else info.arch


def expectation(table: dict, target):
    m = machine(target)
    if m not in table:
        pytest.skip(f"no documented expectation for a {m} machine in this test")
    return table[m]


# KVM_CHECK_EXTENSION(KVM_CAP_IRQCHIP) on a VM fd.
IRQCHIP_CAP = {
    # arch/x86/kvm/x86.c kvm_vm_ioctl_check_extension: KVM_CAP_IRQCHIP is in the list answered with 1.
    "x86_64": 1,
    # arch/arm64/kvm/arm.c kvm_vm_ioctl_check_extension: r = vgic_present, set by init_subsystems when
    # kvm_vgic_hyp_init (vgic/vgic-init.c) found the host GIC's virtualization support.
    "gicv2": 1,
    "gicv3": 1,
    # No GICH/GICV in the device tree: drivers/irqchip/irq-gic.c gic_of_setup_kvm_info registers no
    # gic_kvm_info, kvm_vgic_hyp_init returns -ENODEV, init_subsystems leaves vgic_present false.
    "novgic": 0,
    "mte": 1,  # gicv3 with MTE: the same vGIC as gicv3
}

# KVM_CREATE_IRQCHIP on a fresh VM: 0 or the errno.
CREATE_IRQCHIP = {
    # arch/x86/kvm/x86.c kvm_arch_vm_ioctl: PIC + IOAPIC created when no irqchip and no vCPU exist yet.
    "x86_64": 0,
    # api.rst 4.24: "On arm64, a GICv2 is created"; arm.c kvm_arch_vm_ioctl -> kvm_vgic_create(V2).
    "gicv2": 0,
    # vgic-init.c kvm_vgic_create: a V2 vGIC needs kvm_vgic_global_state.can_emulate_gicv2, which
    # vgic-v3.c vgic_v3_probe leaves false when the GICv3 has no GICV (v2 compatibility) region -> -ENODEV.
    "gicv3": errno.ENODEV,
    # arm.c kvm_arch_vm_ioctl: `if (!vgic_present) return -ENXIO`.
    "novgic": errno.ENXIO,
    "mte": errno.ENODEV,  # a GICv3 without GICv2 compatibility, as gicv3
}


def test_api_version(target, kvm):
    # api.rst 4.1: "Returns: the constant KVM_API_VERSION (=12)"; kvm_main.c kvm_dev_ioctl.
    got = target.ioctl(kvm, KVM_GET_API_VERSION, 0)
    assert (got.ret, got.errno) == (KVM_API_VERSION, 0) and KVM_API_VERSION == 12, got


def test_create_vm(target, kvm):
    # api.rst 4.2: "Returns: a VM fd"; type 0 is the default machine type on x86 and arm64.
    got = target.ioctl(kvm, KVM_CREATE_VM, 0)
    assert got.ok and got.ret >= 0, got
    assert target.close(got.ret) == 0


def test_check_extension_irqchip(target, vm):
    got = target.ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP)
    assert got.ok and got.ret == expectation(IRQCHIP_CAP, target), got


def test_create_irqchip(target, vm):
    want = expectation(CREATE_IRQCHIP, target)
    got = target.ioctl(vm, KVM_CREATE_IRQCHIP, 0)
    if want == 0:
        assert got.ok, got
    else:
        assert (got.ret, got.errno) == (-1, want), f"expected {errno.errorcode[want]}, got {got}"


# ---- a vCPU runs to an MMIO exit -----------------------------------------------------------------------


# arm64, at IPA 0x10000:  movz x0, #0x1000, lsl #16 ; movz x1, #0x42 ; str x1, [x0] ; b .
ARM64_CODE = struct.pack("<4I", 0xD2A20000, 0xD2800841, 0xF9000001, 0x14000000)
ARM64_CODE_IPA, ARM64_MMIO_IPA = 0x10000, 0x10000000
ARM64_SLOT = 0x10000  # a multiple of every arm64 page size (4K, 16K, 64K)

# x86 real mode, at 0x1000:  mov al, 0x42 ; mov [0x8000], al ; hlt
X86_CODE = bytes([0xB0, 0x42, 0xA2, 0x00, 0x80, 0xF4])
X86_CODE_GPA, X86_MMIO_GPA = 0x1000, 0x8000
X86_SLOT = 0x1000  # one page: 0x8000 stays outside it

# riscv64 (S-mode, no translation at reset), at GPA 0x1000:  lui t0, 0x10000 ; li t1, 0x42 ; sd t1, 0(t0) ; j .
RISCV64_CODE = struct.pack("<4I", 0x100002B7, 0x04200313, 0x0062B023, 0x0000006F)
RISCV64_CODE_GPA, RISCV64_MMIO_GPA = 0x1000, 0x10000000  # any GPA is free: the VM has nothing but its memslots
RISCV64_SLOT = 0x1000


def add_memory(target, vm, gpa: int, size: int, code: bytes) -> None:
    host = target.alloc(size)
    target.write(host, code)
    region = kvm_userspace_memory_region(slot=0, flags=0, guest_phys_addr=gpa, memory_size=size,
                                         userspace_addr=host)
    target.ioctl(vm, target.abi.KVM_SET_USER_MEMORY_REGION, region).value()


def set_pc(target, vcpu, pc_id: int, value: int) -> None:
    """KVM_SET_ONE_REG of the PC (ONE_REG id `pc_id`) to `value`."""
    pc = target.alloc(8)
    target.write(pc, struct.pack("<Q", value))
    target.ioctl(vcpu, target.abi.KVM_SET_ONE_REG, kvm_one_reg(id=pc_id, addr=pc)).value()


def prepare_arm64(target, vm, vcpu) -> tuple[int, int, bytes]:
    a = target.abi
    init = target.ioctl(vm, a.KVM_ARM_PREFERRED_TARGET, a.kvm_vcpu_init()).struct(a.kvm_vcpu_init)
    target.ioctl(vcpu, a.KVM_ARM_VCPU_INIT, init).value()
    add_memory(target, vm, ARM64_CODE_IPA, ARM64_SLOT, ARM64_CODE)
    set_pc(target, vcpu, KVM_REG_ARM64 | KVM_REG_SIZE_U64 | a.KVM_REG_ARM_CORE | a.KVM_REG_ARM_CORE_REG("regs.pc"),
           ARM64_CODE_IPA)
    return ARM64_MMIO_IPA, 8, struct.pack("<Q", 0x42)


def prepare_x86(target, vm, vcpu) -> tuple[int, int, bytes]:
    x = target.abi
    sregs = target.ioctl(vcpu, x.KVM_GET_SREGS, x.kvm_sregs()).struct(x.kvm_sregs)
    sregs.cs.base, sregs.cs.selector = 0, 0
    target.ioctl(vcpu, x.KVM_SET_SREGS, sregs).value()
    target.ioctl(vcpu, x.KVM_SET_REGS, x.kvm_regs(rip=X86_CODE_GPA, rflags=0x2)).value()
    add_memory(target, vm, X86_CODE_GPA, X86_SLOT, X86_CODE)
    return X86_MMIO_GPA, 1, b"\x42"


def prepare_riscv64(target, vm, vcpu) -> tuple[int, int, bytes]:
    a = target.abi
    add_memory(target, vm, RISCV64_CODE_GPA, RISCV64_SLOT, RISCV64_CODE)
    set_pc(target, vcpu, KVM_REG_RISCV | KVM_REG_SIZE_U64 | a.KVM_REG_RISCV_CORE | a.KVM_REG_RISCV_CORE_REG("regs.pc"),
           RISCV64_CODE_GPA)
    return RISCV64_MMIO_GPA, 8, struct.pack("<Q", 0x42)


PREPARE = {"arm64": prepare_arm64, "x86_64": prepare_x86, "riscv64": prepare_riscv64}


def test_vcpu_runs_to_mmio_exit(target, kvm, vm):
    """api.rst 5, KVM_EXIT_MMIO: a guest store to an address no memory slot backs exits to userspace with
    its address, length, direction and data (arm64: mmio.c io_mem_abort; x86: x86.c emulator_read_write; riscv64:
    vcpu_insn.c kvm_riscv_vcpu_mmio_store)."""
    if target.arch not in PREPARE:
        pytest.skip(f"no guest code for {target.arch}")
    vcpu = target.ioctl(vm, KVM_CREATE_VCPU, 0).value()
    try:
        addr, length, data = PREPARE[target.arch](target, vm, vcpu)
        size = target.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0).value()
        run_addr = target.mmap(vcpu, size)
        try:
            got = target.ioctl(vcpu, KVM_RUN, 0)
            kvm_run = target.abi.kvm_run
            run = kvm_run.from_buffer_copy(target.read(run_addr, ctypes.sizeof(kvm_run)))
        finally:
            target.munmap(run_addr, size)
    finally:
        target.close(vcpu)
    assert got.ok, got
    assert run.exit_reason == KVM_EXIT_MMIO, f"exit_reason {run.exit_reason}"
    mmio = run.mmio
    assert (mmio.phys_addr, mmio.len, mmio.is_write) == (addr, length, 1)
    assert bytes(mmio.data)[:length] == data
