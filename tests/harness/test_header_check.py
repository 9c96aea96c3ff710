"""The header check catches every single ABI change to a modelled symbol, and names exactly what changed.

Each case copies the default headers' linux/kvm.h and asm/kvm.h into a `headers_install`-shaped tree, makes
one edit, and runs the whole check over it: the failing symbols must be exactly the expected ones (the
changed symbol and whatever derives from it, e.g. the request number carrying a structure's size). The same
for Debian sid's headers (fetched into the cache; skipped without apt or network), whose symbols the model
has only from a later release: the check judges the model of the headers' own release.
"""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from abi import abicheck, model
from abi.headers import DEFAULT_INCLUDE, MULTIARCH, HeaderError, HeaderSet, debian_headers, dump

ASM = {"arm64": DEFAULT_INCLUDE["arm64"] / "asm" / "kvm.h",
       "x86_64": DEFAULT_INCLUDE["x86_64"] / "x86_64-linux-gnu" / "asm" / "kvm.h",
       "riscv64": DEFAULT_INCLUDE["riscv64"] / "asm" / "kvm.h"}


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
    # riscv64: an enum's member (its value, and the end marker after it), a register group (its layout and the
    # index of each register after the new one), an empty structure (the size in each request that carries it).
    M("enum-member", "riscv64", "asm", r"(\tKVM_RISCV_ISA_EXT_ZICBOM,)", r"\tKVM_RISCV_ISA_EXT_ZNEW,\n\g<1>",
      "KVM_RISCV_ISA_EXT_ZICBOM", "KVM_RISCV_ISA_EXT_MAX"),
    M("register-group-member", "riscv64", "asm", r"(struct kvm_riscv_csr \{\s*unsigned long sstatus;)",
      r"\g<1>\n\tunsigned long snew;", "kvm_riscv_csr", "KVM_REG_RISCV_CSR_REG"),
    M("empty-struct-grows", "riscv64", "asm", r"struct kvm_regs \{\n\};", "struct kvm_regs {\n\t__u64 pc;\n};",
      "kvm_regs", "KVM_GET_REGS", "KVM_SET_REGS"),
]


def _install_copy(arch: str, root: Path, sid: Path | None = None) -> Path:
    """A `make headers_install`-shaped tree with the two KVM headers (Debian 12's, or those of sid's tree `sid`);
    the rest comes from the compiler's default include path (or sid's), exactly as for the real thing."""
    (root / "include" / "linux").mkdir(parents=True)
    (root / "include" / "asm").mkdir(parents=True)
    linux = sid / "usr" / "include" / "linux" if sid else DEFAULT_INCLUDE[arch] / "linux"
    asm = sid / "usr" / "include" / MULTIARCH[arch] / "asm" / "kvm.h" if sid else ASM[arch]
    shutil.copy(linux / "kvm.h", root / "include" / "linux" / "kvm.h")
    shutil.copy(asm, root / "include" / "asm" / "kvm.h")
    return root


def _failing(arch: str, root: Path, debian: str = "") -> set[str]:
    abi = model.for_arch(arch)
    d = dump(HeaderSet(arch, root, debian), use_cache=False)
    return {n for n in abi.symbols if abicheck.check(abi, d, n).status == abicheck.FAIL}


def _mutate(root: Path, header: str, pattern: str, replacement: str, what: str) -> None:
    path = root / "include" / header / "kvm.h"
    changed, n = re.subn(pattern, replacement, path.read_text(), count=1)
    assert n == 1, f"the mutation {what} no longer applies to these headers"
    path.write_text(changed)


def _need(arch):
    try:
        HeaderSet(arch).validate()
    except Exception as e:  # noqa: BLE001 - any reason is a reason to skip, with its one line
        pytest.skip(str(e))


@pytest.mark.parametrize("arch", ["x86_64", "arm64", "riscv64"])
def test_unchanged_copy_passes(arch, tmp_path):
    _need(arch)
    assert _failing(arch, _install_copy(arch, tmp_path)) == set()


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.arch}-{m.name}")
def test_single_change_is_named(mutation, tmp_path):
    _need(mutation.arch)
    root = _install_copy(mutation.arch, tmp_path)
    _mutate(root, mutation.header, mutation.pattern, mutation.replacement, mutation.name)
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


@pytest.mark.parametrize("arch, package", [("arm64", "gcc-aarch64-linux-gnu"), ("riscv64", "gcc-riscv64-linux-gnu")])
def test_missing_cross_compiler_names_the_package(monkeypatch, arch, package):
    import abi.headers as H

    monkeypatch.setitem(H.COMPILERS, arch, "kvm-abi-no-such-gcc")
    with pytest.raises(H.HeaderError) as e:
        HeaderSet(arch).validate()
    assert str(e.value) == f"{arch}: compiler kvm-abi-no-such-gcc not found (apt-get install {package})"
    check = __import__("abi.headers_plugin", fromlist=["HeaderCheck"]).HeaderCheck({"": {arch: HeaderSet(arch)}})
    with pytest.raises(pytest.skip.Exception, match=f"apt-get install {package}"):
        check.dump(arch)


# --- releases: symbols newer than the headers, and Debian sid's headers ---------------------------------------

def _sid() -> Path:
    try:
        return debian_headers("debian-sid")[0]
    except HeaderError as e:
        pytest.skip(str(e))


def test_symbol_newer_than_the_headers_is_not_in_them_not_a_failure():
    _need("arm64")
    d = dump(HeaderSet("arm64"))
    assert d.version.startswith("6.1.")
    v = abicheck.check(model.for_arch("arm64"), d, "KVM_ARM_SET_COUNTER_OFFSET")
    assert v.status == abicheck.NOT_IN and "since 6.4" in v.message and d.version in v.message
    cov = {c.kind: c for c in abicheck.coverage(model.for_arch("arm64"), d)}
    assert "KVM_ARM_SET_COUNTER_OFFSET" in cov["ioctl"].not_in
    assert "KVM_ARM_SET_COUNTER_OFFSET" not in cov["ioctl"].missing


def test_symbol_the_model_dates_later_than_the_headers_fails(tmp_path):
    """Release data are checked too: old headers defining a 'newer' symbol mean the model's SINCE is wrong."""
    _need("arm64")
    root = _install_copy("arm64", tmp_path)
    _mutate(root, "linux", r"(#define KVM_CAP_ARM_SET_DEVICE_ADDR 88\n)", r"\g<1>#define KVM_CAP_COUNTER_OFFSET 227\n",
            "an early KVM_CAP_COUNTER_OFFSET")
    assert _failing("arm64", root) == {"KVM_CAP_COUNTER_OFFSET"}


@pytest.mark.parametrize("arch", ["x86_64", "arm64", "riscv64"])
def test_unchanged_sid_copy_passes(arch, tmp_path):
    _need(arch)
    root = _install_copy(arch, tmp_path, _sid())
    assert dump(HeaderSet(arch, root, "debian-sid"), use_cache=False).version.startswith("7.")
    assert _failing(arch, root, "debian-sid") == set()


SID_MUTATIONS = [
    M("newer-cap-value", "arm64", "linux", r"(#define KVM_CAP_COUNTER_OFFSET )227", r"\g<1>228",
      "KVM_CAP_COUNTER_OFFSET"),
    M("newer-struct-field", "arm64", "asm",
      r"(struct kvm_arm_counter_offset \{\s*__u64 counter_offset;\s*)__u64 reserved;", r"\g<1>__u64 reserved[2];",
      "kvm_arm_counter_offset", "KVM_ARM_SET_COUNTER_OFFSET"),
    M("newer-ioctl-number", "x86_64", "linux", r"(KVM_SET_USER_MEMORY_REGION2 _IOW\(KVMIO, )0x49", r"\g<1>0x4a",
      "KVM_SET_USER_MEMORY_REGION2"),
    M("newer-struct-grows", "x86_64", "linux", r"(struct kvm_userspace_memory_region2 \{[^}]*__u64 pad2\[)14\]",
      r"\g<1>15]", "kvm_userspace_memory_region2", "KVM_SET_USER_MEMORY_REGION2"),
    M("newer-attribute", "arm64", "asm", r"(#define\s+KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS\s+)4", r"\g<1>5",
      "KVM_ARM_VCPU_PMU_V3_SET_NR_COUNTERS"),
    M("newer-asm-constant", "x86_64", "asm", r"(#define KVM_X86_REG_TYPE_MSR\s+)2", r"\g<1>4", "KVM_X86_REG_TYPE_MSR"),
    M("changed-layout", "x86_64", "asm", r"(struct kvm_sev_cmd \{\s*__u32 id;\s*)__u32 pad0;", r"\g<1>__u32 pad;",
      "kvm_sev_cmd"),
    M("gone-symbol-back", "arm64", "linux", r"(#define KVM_GET_API_VERSION[^\n]*\n)",
      r"\g<1>#define KVM_TRACE_PAUSE _IO(KVMIO, 0x07)\n", "KVM_TRACE_PAUSE"),
    M("newer-enum-member", "riscv64", "asm", r"(\tKVM_RISCV_SBI_EXT_MPXY,)", r"\tKVM_RISCV_SBI_EXT_NEW,\n\g<1>",
      "KVM_RISCV_SBI_EXT_MPXY", "KVM_RISCV_SBI_EXT_MAX"),
    M("newer-register-group", "riscv64", "asm", r"(struct kvm_riscv_sbi_fwft_feature \{\s*unsigned long enable;)",
      r"\g<1>\n\tunsigned long lock;", "kvm_riscv_sbi_fwft_feature", "kvm_riscv_sbi_fwft",
      "KVM_REG_RISCV_SBI_FWFT_REG"),
]


@pytest.mark.parametrize("mutation", SID_MUTATIONS, ids=lambda m: f"{m.arch}-{m.name}")
def test_single_change_to_sid_is_named(mutation, tmp_path):
    _need(mutation.arch)
    root = _install_copy(mutation.arch, tmp_path, _sid())
    _mutate(root, mutation.header, mutation.pattern, mutation.replacement, mutation.name)
    assert _failing(mutation.arch, root, "debian-sid") == set(mutation.fails)


def test_debian_sid_is_a_header_set_of_the_option():
    from abi.headers import parse_uapi_option

    sets = parse_uapi_option([])
    assert set(sets) == {"", "debian-13", "debian-sid"} and sets["debian-sid"]["arm64"].debian == "debian-sid"
    assert sets["debian-13"]["x86_64"].debian == "debian-13"
    assert set(parse_uapi_option(["debian-sid"])) == {"debian-sid"}
    assert set(parse_uapi_option(["debian-12"])) == {""}


def test_sid_unavailable_is_one_skip_line(monkeypatch, tmp_path):
    import abi.headers as H
    from abi import debian

    def no_apt(channel):
        raise debian.PackageUnavailable("apt-get update for arm64 sid failed: no network")

    monkeypatch.setattr(debian, "Apt", no_apt)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # an empty cache: no earlier copy to fall back on
    monkeypatch.setattr(H, "_DEBIAN_DIRS", {})
    check = __import__("abi.headers_plugin", fromlist=["HeaderCheck"]).HeaderCheck(
        {"debian-sid": {a: HeaderSet(a, debian="debian-sid") for a in ("x86_64", "arm64")}})
    for arch in ("x86_64", "arm64"):
        with pytest.raises(pytest.skip.Exception, match="debian-sid: .*not available here.*no network"):
            check.dump(arch, "debian-sid")
    assert [line for line in check.summary() if "not checked" in line] == [
        "debian-sid x86_64: not checked: debian-sid: Debian sid's linux-libc-dev is not available here "
        "(apt-get update for arm64 sid failed: no network; no network or Debian archive, and no earlier copy in the "
        "cache)"]
