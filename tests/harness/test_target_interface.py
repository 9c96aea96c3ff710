"""The Target interface, the same checks on every selected target (local /dev/kvm and the arm64 guests).

EFAULT expectation: virt/kvm/kvm_main.c kvm_vm_ioctl, KVM_SET_USER_MEMORY_REGION: copy_from_user of the
argument fails -> -EFAULT.
"""

import errno

import pytest

from abi.kvm import KVM_CREATE_VCPU, KVM_GET_VCPU_MMAP_SIZE, KVM_SET_USER_MEMORY_REGION


def test_info(target):
    info = target.info()
    assert info.name == target.name and info.arch == target.arch
    assert info.kernel_release and info.profile


def test_alloc_read_write_round_trip(target):
    addr = target.alloc(100)
    assert addr % 4096 == 0
    assert target.read(addr, 16) == bytes(16)  # zeroed
    target.write(addr + 3, b"kvm-abi")
    assert target.read(addr, 12) == b"\0\0\0kvm-abi\0\0"


def test_bad_address_gives_efault_for_an_iow_ioctl(target, vm):
    got = target.ioctl(vm, KVM_SET_USER_MEMORY_REGION, target.bad_address())
    assert (got.ret, got.errno) == (-1, errno.EFAULT), got


def test_struct_argument_comes_back_as_bytes(target, kvm):
    size = target.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0).value()
    assert size > 0 and size % 4096 == 0


def test_mmap_of_a_vcpu_fd(target, kvm, vm):
    size = target.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0).value()
    vcpu = target.ioctl(vm, KVM_CREATE_VCPU, 0).value()
    try:
        run = target.mmap(vcpu, size)
        assert len(target.read(run, 64)) == 64  # struct kvm_run is readable where mapped
        target.munmap(run, size)
    finally:
        assert target.close(vcpu) == 0


def test_mmap_of_fd_minus_one_is_anonymous_shared_memory(target):
    addr = target.mmap(-1, 8192)
    try:
        assert target.read(addr, 8) == bytes(8)
        target.write(addr + 4096, b"kvm-abi")
        assert target.read(addr + 4096, 7) == b"kvm-abi"
    finally:
        target.munmap(addr, 8192)


def test_mmap_failure_is_an_oserror(target, kvm):
    with pytest.raises(OSError):
        target.mmap(kvm, 4096)  # /dev/kvm's system fd has no mmap


def test_close(target):
    fd = target.open_kvm()
    assert target.close(fd) == 0
    assert target.close(fd) == errno.EBADF
