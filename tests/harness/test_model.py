"""abi.model and abi.layout: per-architecture resolution, and the layout helpers the header check trusts."""

import ctypes

import pytest

from abi import arm64, kvm, layout, model


def test_arch_sized_requests_differ_by_architecture():
    # struct kvm_regs is 144 bytes on x86_64 and 864 on arm64 (api.rst, KVM_GET_REGS).
    assert model.for_arch("x86_64").KVM_GET_REGS == 0x8090AE81
    assert model.for_arch("arm64").KVM_GET_REGS == 0x8360AE81


def test_request_missing_on_an_architecture_says_why():
    with pytest.raises(AttributeError, match="kvm_xsave is not defined for arm64"):
        _ = model.for_arch("arm64").KVM_GET_XSAVE


def test_conditional_symbols_follow_the_architecture_switches():
    assert "KVM_CAP_XSAVE" in model.for_arch("x86_64").symbols
    assert "KVM_CAP_XSAVE" not in model.for_arch("arm64").symbols  # #ifdef __KVM_HAVE_XSAVE


def test_asm_header_overrides_linux_header_default():
    assert model.for_arch("x86_64").KVM_DIRTY_LOG_PAGE_OFFSET == 64
    assert model.for_arch("arm64").KVM_DIRTY_LOG_PAGE_OFFSET == 0


def test_kvm_run_is_built_per_architecture():
    x86, a64 = model.for_arch("x86_64").kvm_run, model.for_arch("arm64").kvm_run
    assert x86 is not a64
    assert layout.offsetof(x86, "s") == layout.offsetof(a64, "s")  # the sync-regs union starts at the same place


def test_request_names_come_from_the_model():
    assert model.request_name(kvm.KVM_ARM_SET_DEVICE_ADDR) == "KVM_ARM_SET_DEVICE_ADDR"
    assert model.request_name(0xAE01) == "KVM_CREATE_VM"
    assert model.request_name(0xAEFF) == "ioctl 0xaeff"


def test_unknown_architecture():
    with pytest.raises(ValueError, match="no ABI model"):
        model.for_arch("riscv64")


def test_over_aligned_arm64_registers():
    # user_fpsimd_state holds __uint128_t, so fp_regs starts on a 16-byte boundary.
    assert layout.alignment(arm64.kvm_regs) == 16
    assert arm64.kvm_regs.fp_regs.offset % 16 == 0
    assert ctypes.sizeof(arm64.kvm_regs) % 16 == 0


def test_member_paths_and_offsetof():
    paths = {m.path: m for m in layout.members(kvm.kvm_userspace_memory_region)}
    assert list(paths) == ["slot", "flags", "guest_phys_addr", "memory_size", "userspace_addr"]
    assert paths["guest_phys_addr"].offset == 8 and paths["guest_phys_addr"].type == "u8"
    assert layout.offsetof(arm64.kvm_regs, "regs.pc") == 256
    assert arm64.KVM_REG_ARM_CORE_REG("regs.pc") == 64


def test_anonymous_members_are_reached_without_their_name():
    paths = {m.path for m in layout.members(kvm.kvm_irq_routing_entry)}
    assert "u.irqchip.pin" in paths
