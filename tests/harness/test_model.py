"""abi.model and abi.layout: per-architecture resolution, and the layout helpers the header check trusts."""

import ctypes

import pytest

from abi import arm64, kvm, layout, model, x86


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
    assert model.for_arch("arm64", "6.1").KVM_DIRTY_LOG_PAGE_OFFSET == 0
    assert model.for_arch("arm64", "6.2").KVM_DIRTY_LOG_PAGE_OFFSET == 64  # arm64's dirty ring


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
        model.for_arch("s390x")


def test_riscv64_empty_structures_and_missing_ones():
    """riscv64's kvm_regs is empty, so KVM_GET_REGS carries size 0; a request whose structure riscv64's asm/kvm.h
    lacks is not in its model, and asking for it says why."""
    from abi.ioctl import decode

    rv = model.for_arch("riscv64")
    assert (decode(int(rv.KVM_GET_REGS)).nr, decode(int(rv.KVM_GET_REGS)).size) == (0x81, 0)
    with pytest.raises(AttributeError, match=r"KVM_ARM_VCPU_INIT \(riscv64\): struct kvm_vcpu_init is not defined"):
        rv.KVM_ARM_VCPU_INIT  # noqa: B018 - the access is what is tested
    assert "KVM_RISCV_SBI_EXT_V01" not in model.for_arch("riscv64", "6.1").symbols
    assert model.for_arch("riscv64", "6.12").KVM_RISCV_ISA_EXT_MAX < rv.KVM_RISCV_ISA_EXT_MAX


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


# --- versions ------------------------------------------------------------------------------------------------

def test_a_release_has_what_its_headers_have():
    assert "KVM_ARM_SET_COUNTER_OFFSET" not in model.for_arch("arm64", "6.3").symbols
    new = model.for_arch("arm64", "6.4").symbols["KVM_ARM_SET_COUNTER_OFFSET"]
    assert new.since == "6.4" and new.value == 0x4010AEB5  # _IOW(KVMIO, 0xb5, struct kvm_arm_counter_offset)
    assert "KVM_TRACE_ENABLE" in model.for_arch("arm64", "6.8").symbols
    assert "KVM_TRACE_ENABLE" not in model.for_arch("arm64", "6.9").symbols
    assert model.for_arch("arm64").symbols["KVM_TRACE_ENABLE"].until == "6.9"


def test_every_release_is_in_the_unversioned_model():
    everything = model.for_arch("x86_64").symbols
    for v in ("6.1", "6.8", "6.12", "7.2"):
        assert model.for_arch("x86_64", v).symbols.keys() <= everything.keys()


def test_release_spellings():
    assert model.for_arch("arm64", "7.2.13") is model.for_arch("arm64", (7, 2))
    assert model.for_arch("arm64", 0x070213) is model.for_arch("arm64", "7.2")  # LINUX_VERSION_CODE


def test_moved_to_one_architectures_header_stays_there():
    # 6.9 moved the Xen and SEV definitions from linux/kvm.h to x86's asm/kvm.h: gone for arm64 only.
    assert "kvm_xen_hvm_attr" in model.for_arch("x86_64", "7.2").symbols
    arm = model.for_arch("arm64", "7.2")
    assert "kvm_xen_hvm_attr" not in arm.symbols
    with pytest.raises(AttributeError, match="kvm_xen_hvm_attr is not defined for arm64"):
        _ = arm.KVM_XEN_HVM_GET_ATTR  # the request stays in linux/kvm.h, its structure does not


def test_changed_layout_per_release():
    old, new = model.for_arch("x86_64", "6.1").kvm_sev_cmd, model.for_arch("x86_64", "6.9").kvm_sev_cmd
    assert [m.path for m in layout.members(old)] == ["id", "data", "error", "sev_fd"]
    assert [m.path for m in layout.members(new)] == ["id", "pad0", "data", "error", "sev_fd"]
    assert ctypes.sizeof(old) == ctypes.sizeof(new) == 24
    assert "memory_fault" not in {m.path for m in layout.members(model.for_arch("arm64", "6.1").kvm_run)}
    assert "memory_fault" in {m.path for m in layout.members(model.for_arch("arm64", "6.8").kvm_run)}


@pytest.mark.parametrize("module", [kvm, arm64, x86], ids=lambda m: m.__name__)
def test_release_data_names_modelled_symbols(module):
    """A misspelt name in SINCE, UNTIL, MOVED or CHANGED would silently version nothing."""
    known = set(model.module_symbols(module)) | set(getattr(module, "FEATURES", ())) | set(model.module_symbols(kvm))
    named = {n for names in getattr(module, "SINCE", {}).values() for n in names}
    named |= {n for names in getattr(module, "UNTIL", {}).values() for n in names}
    named |= {n for arches in getattr(module, "MOVED", {}).values() for names in arches.values() for n in names}
    named |= {n for values in getattr(module, "CHANGED", {}).values() for n in values}
    assert named - known == set()
    for rel in (*getattr(module, "SINCE", {}), *getattr(module, "UNTIL", {}), *getattr(module, "CHANGED", {})):
        assert model.release(rel) > model.release(model.BASELINE)
