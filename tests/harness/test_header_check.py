"""The header check catches every single ABI change to a modelled symbol, and names exactly what changed.

Each case copies the default headers' linux/kvm.h and asm/kvm.h into a `headers_install`-shaped tree, makes
one edit, and runs the whole check over it: the failing symbols must be exactly the expected ones (the
changed symbol and whatever derives from it, e.g. the request number carrying a structure's size).
"""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from abi import abicheck, model
from abi.headers import DEFAULT_INCLUDE, HeaderSet, dump

ASM = {"arm64": DEFAULT_INCLUDE["arm64"] / "asm" / "kvm.h",
       "x86_64": DEFAULT_INCLUDE["x86_64"] / "x86_64-linux-gnu" / "asm" / "kvm.h"}


@dataclass(frozen=True)
class Mutation:
    name: str
    arch: str
    header: str  # "linux" or "asm"
    pattern: str
    replacement: str
    fails: frozenset


def M(name, arch, header, pattern, replacement, *fails):
    return Mutation(name, arch, header, pattern, replacement, frozenset(fails))


MUTATIONS = [
    M("ioctl-number", "arm64", "linux", r"(KVM_ARM_SET_DEVICE_ADDR\s+_IOW\(KVMIO,\s*)0xab", r"\g<1>0xac",
      "KVM_ARM_SET_DEVICE_ADDR"),
    M("ioctl-size", "arm64", "linux", r"(KVM_ARM_SET_DEVICE_ADDR\s+_IOW\(KVMIO,\s*0xab, )struct kvm_arm_device_addr",
      r"\g<1>__u64", "KVM_ARM_SET_DEVICE_ADDR"),
    M("ioctl-direction", "x86_64", "linux", r"(KVM_CREATE_VM\s+)_IO\(KVMIO,\s*0x01\)", r"\g<1>_IOW(KVMIO, 0x01, int)",
      "KVM_CREATE_VM"),
    M("field-type-size", "arm64", "linux", r"(struct kvm_arm_device_addr \{\s*__u64 id;\s*)__u64 addr;",
      r"\g<1>__u32 addr;", "kvm_arm_device_addr"),  # padding keeps sizeof at 16: the number stays
    M("field-type-grows", "arm64", "linux", r"(struct kvm_arm_device_addr \{\s*__u64 id;\s*)__u64 addr;",
      r"\g<1>__u64 addr[2];", "kvm_arm_device_addr", "KVM_ARM_SET_DEVICE_ADDR"),
    M("field-signedness", "arm64", "linux", r"(struct kvm_arm_device_addr \{\s*)__u64 id;", r"\g<1>__s64 id;",
      "kvm_arm_device_addr"),
    M("field-order", "arm64", "linux", r"(struct kvm_arm_device_addr \{\s*)__u64 id;(\s*)__u64 addr;",
      r"\g<1>__u64 addr;\g<2>__u64 id;", "kvm_arm_device_addr"),
    M("new-field", "x86_64", "linux", r"(struct kvm_userspace_memory_region \{[^}]*__u64 userspace_addr;[^\n]*\n)",
      r"\g<1>\t__u64 flags2;\n", "kvm_userspace_memory_region", "KVM_SET_USER_MEMORY_REGION"),
    M("capability-value", "arm64", "linux", r"(#define KVM_CAP_ARM_SET_DEVICE_ADDR )88", r"\g<1>89",
      "KVM_CAP_ARM_SET_DEVICE_ADDR"),
    M("removed-constant", "arm64", "asm", r"#define KVM_VGIC_V2_ADDR_TYPE_CPU\s+1\n", "",
      "KVM_VGIC_V2_ADDR_TYPE_CPU"),
    M("macro-and-its-mask", "x86_64", "linux", r"(#define KVM_VM_TYPE_ARM_IPA_SIZE_MASK\s+)0xffULL", r"\g<1>0x7fULL",
      "KVM_VM_TYPE_ARM_IPA_SIZE_MASK", "KVM_VM_TYPE_ARM_IPA_SIZE"),
    M("arch-struct-field", "arm64", "asm", r"(struct kvm_vcpu_init \{\s*)__u32 target;", r"\g<1>__u64 target;",
      "kvm_vcpu_init", "KVM_ARM_VCPU_INIT", "KVM_ARM_PREFERRED_TARGET"),
]


def _install_copy(arch: str, root: Path) -> Path:
    """A `make headers_install`-shaped tree with the two KVM headers; the rest comes from the compiler's
    default include path, exactly as for the real thing."""
    (root / "include" / "linux").mkdir(parents=True)
    (root / "include" / "asm").mkdir(parents=True)
    shutil.copy(DEFAULT_INCLUDE[arch] / "linux" / "kvm.h", root / "include" / "linux" / "kvm.h")
    shutil.copy(ASM[arch], root / "include" / "asm" / "kvm.h")
    return root


def _failing(arch: str, root: Path) -> set[str]:
    abi = model.for_arch(arch)
    d = dump(HeaderSet(arch, root), use_cache=False)
    return {n for n in abi.symbols if abicheck.check(abi, d, n).status == abicheck.FAIL}


def _need(arch):
    try:
        HeaderSet(arch).validate()
    except Exception as e:  # noqa: BLE001 - any reason is a reason to skip, with its one line
        pytest.skip(str(e))


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_unchanged_copy_passes(arch, tmp_path):
    _need(arch)
    assert _failing(arch, _install_copy(arch, tmp_path)) == set()


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.arch}-{m.name}")
def test_single_change_is_named(mutation, tmp_path):
    _need(mutation.arch)
    root = _install_copy(mutation.arch, tmp_path)
    header = root / "include" / mutation.header / "kvm.h"
    text = header.read_text()
    changed, n = re.subn(mutation.pattern, mutation.replacement, text, count=1)
    assert n == 1, f"the mutation {mutation.name} no longer applies to the default headers"
    header.write_text(changed)
    assert _failing(mutation.arch, root) == set(mutation.fails)


def test_failure_message_names_both_values_and_line(tmp_path):
    _need("arm64")
    root = _install_copy("arm64", tmp_path)
    header = root / "include" / "linux" / "kvm.h"
    header.write_text(header.read_text().replace("#define KVM_CAP_ARM_SET_DEVICE_ADDR 88",
                                                 "#define KVM_CAP_ARM_SET_DEVICE_ADDR 89"))
    abi = model.for_arch("arm64")
    v = abicheck.check(abi, dump(HeaderSet("arm64", root), use_cache=False), "KVM_CAP_ARM_SET_DEVICE_ADDR")
    assert v.status == abicheck.FAIL
    line = next(i for i, t in enumerate(header.read_text().splitlines(), 1) if "KVM_CAP_ARM_SET_DEVICE_ADDR 89" in t)
    assert "model 0x58" in v.message and "header 0x59" in v.message
    assert f"{header}:{line}" in v.message


def test_genmask_is_a_finding_not_a_failure():
    """Debian's 6.1.4 arm64 cross headers spell KVM_ARM_DEVICE_ID_MASK with the kernel's GENMASK."""
    _need("arm64")
    d = dump(HeaderSet("arm64"))
    if "GENMASK" not in d.macros.get("KVM_ARM_DEVICE_ID_MASK", {}).get("body", ""):
        pytest.skip("these arm64 headers define KVM_ARM_DEVICE_ID_MASK without GENMASK")
    v = abicheck.check(model.for_arch("arm64"), d, "KVM_ARM_DEVICE_ID_MASK")
    assert v.status == abicheck.FINDING and "GENMASK" in v.message
    assert any("KVM_ARM_DEVICE_ID_MASK" in f and "GENMASK" in f for f in abicheck.findings(d))


@pytest.mark.parametrize("value, says", [
    ("arm64=/nonexistent/kvm-abi", "does not exist"),
    ("arm64", "expected ARCH=DIR"),
    ("sparc64=/tmp", "unknown architecture"),
    ("arm64=/", "no include/linux/kvm.h"),
])
def test_bad_uapi_headers_option_is_one_line(value, says):
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/abi", "-q", "-p", "no:cacheprovider",
                           f"--uapi-headers={value}"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 4, proc.stdout + proc.stderr  # pytest's usage error
    assert "Traceback" not in proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and says in errors[0], proc.stderr


def test_missing_cross_compiler_names_the_package(monkeypatch):
    import abi.headers as H

    monkeypatch.setitem(H.COMPILERS, "arm64", "kvm-abi-no-such-gcc")
    with pytest.raises(H.HeaderError) as e:
        HeaderSet("arm64").validate()
    assert str(e.value) == ("arm64: compiler kvm-abi-no-such-gcc not found "
                            "(apt-get install gcc-aarch64-linux-gnu)")
    check = __import__("abi.headers_plugin", fromlist=["HeaderCheck"]).HeaderCheck({"arm64": HeaderSet("arm64")})
    with pytest.raises(pytest.skip.Exception, match="apt-get install gcc-aarch64-linux-gnu"):
        check.dump("arm64")
