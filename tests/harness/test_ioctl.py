"""abi.ioctl: the asm-generic request encoding, against numbers published in the headers' documentation."""

import ctypes

import pytest

from abi import ioctl
from abi.ioctl import _IO, _IOR, _IOW, _IOWR, IOC_READ, IOC_WRITE, ArchRequest, decode


class Sixteen(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("addr", ctypes.c_uint64)]


@pytest.mark.parametrize("request_, expected", [
    (_IO(0xAE, 0x01), 0xAE01),  # KVM_CREATE_VM
    (_IOW(0xAE, 0xAB, Sixteen), 0x4010AEAB),  # KVM_ARM_SET_DEVICE_ADDR
    (_IOR(0xAE, 0x81, 144), 0x8090AE81),  # KVM_GET_REGS on x86_64 (struct kvm_regs is 144 bytes)
    (_IOWR(0xAE, 0x05, 8), 0xC008AE05),  # KVM_GET_SUPPORTED_CPUID (struct kvm_cpuid2 is 8 bytes)
])
def test_encoding(request_, expected):
    assert request_ == expected


def test_decode_round_trip():
    d = decode(0x4010AEAB)
    assert (d.direction, d.type, d.nr, d.size) == (IOC_WRITE, 0xAE, 0xAB, 16)
    assert str(d) == "_IOW(0xae, 0xab, size=16)"
    assert decode(0xAE01).macro == "_IO"
    assert decode(0x8090AE81).direction == IOC_READ


def test_request_remembers_argument_type():
    r = _IOW(0xAE, 0xAB, Sixteen)
    assert r.arg is Sixteen and isinstance(r, int)


def test_arch_request_resolves_only_where_the_structure_exists():
    r = _IOR(0xAE, 0x81, "kvm_regs")
    assert isinstance(r, ArchRequest)
    assert r.resolve({}) is None
    assert r.resolve({"kvm_regs": Sixteen}) == 0x8010AE81


@pytest.mark.parametrize("args, what", [
    ((IOC_WRITE, 0x100, 0, 0), "type"),
    ((IOC_WRITE, 0xAE, 0x100, 0), "nr"),
    ((IOC_WRITE, 0xAE, 0, 1 << 14), "size"),
    ((4, 0xAE, 0, 0), "direction"),
])
def test_out_of_range_fields_are_refused(args, what):
    with pytest.raises(ValueError, match=what):
        ioctl._IOC(*args)


def test_other_encodings_are_refused_not_faked():
    ioctl.check_arch("arm64")
    with pytest.raises(ValueError, match="not modelled"):
        ioctl.check_arch("powerpc")


class Eight(ctypes.Structure):
    _fields_ = [("value", ctypes.c_uint64)]


def test_a_structure_of_another_size_than_its_request_is_refused():
    """The request's type is the size check the selftests' wrapper makes at compile time: a structure of another
    size is refused before any target sees it, in a line naming the request, both types and both sizes."""
    from abi.target.base import arg_bytes

    req = _IOW(0xAE, 0xAB, Sixteen)
    req.name = "KVM_ARM_SET_DEVICE_ADDR"
    with pytest.raises(ValueError) as raised:
        arg_bytes(Eight(), req)
    assert str(raised.value) == ("KVM_ARM_SET_DEVICE_ADDR: a Eight argument of 8 bytes, but the request encodes 16 "
                                 "(Sixteen)")
    assert arg_bytes(Sixteen(id=1), req) == bytes(Sixteen(id=1))
    # What a case makes on purpose stays possible: bytes of any length, a value, a request without a type.
    assert arg_bytes(b"\0" * 8, req) == b"\0" * 8 and arg_bytes(3, req) is None
    assert arg_bytes(Eight(), _IOW(0xAE, 0xAB, 16)) == bytes(8)
    assert arg_bytes(Eight(), 0x4010AEAB) == bytes(8)
