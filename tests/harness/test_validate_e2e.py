"""`python -m abi validate` end to end, issues 7's and 13's "done when": Debian's linux-source-6.1 as the kernel
tree validates clean against Debian's 6.1 kernel on every architecture (riscv64 against Debian's 6.12: there is no
riscv64 6.1); a copy of it with tests/fixtures/break-set-device-addr-eexist.patch (KVM_ARM_SET_DEVICE_ADDR answers
ENXIO instead of the documented EEXIST) fails on arm64, one with tests/fixtures/break-create-pit2-eexist.patch (a
second KVM_CREATE_PIT2 answers EBUSY instead of EEXIST) fails on x86_64, and one with
tests/fixtures/break-riscv-vm-ioctl-einval.patch (riscv's VM fd answers ENOTTY instead of EINVAL) fails on riscv64,
each naming the broken cases.

Cold (fresh cache): downloads linux-source-6.1 (~140 MB) and builds arm64, x86_64 and riscv64 kernels (minutes each
on 2 cores; riscv64's: 113 s quiet, 268-499 s as loaded); warm: the builds are cached and each validate is about a
minute (the suite on two kernels, each architecture's guest profiles). Skips with one line where the cross compiler,
QEMU or Debian's archive is missing, and with KVM_ABI_SKIP_E2E=1 (for quick local runs of the harness).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from abi.target import kernel_build as kb
from abi.target import provision
from abi.target.base import TargetUnavailable

pytestmark = [pytest.mark.guest,
              pytest.mark.skipif(os.environ.get("KVM_ABI_SKIP_E2E") == "1",
                                 reason="KVM_ABI_SKIP_E2E=1: the validate end-to-end tests are skipped")]

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "break-set-device-addr-eexist.patch"
X86_FIXTURE = ROOT / "tests" / "fixtures" / "break-create-pit2-eexist.patch"
RISCV_FIXTURE = ROOT / "tests" / "fixtures" / "break-riscv-vm-ioctl-einval.patch"
TIMEOUT = 2700  # three cold builds (arm64, x86_64, riscv64) are 10-25 min as loaded; this only stops a hung run


@pytest.fixture
def e2e_lock():
    """One end-to-end test at a time per cache: they share the patched copy and its build directory."""
    with provision.cache_lock("validate-e2e.lock"):
        yield


@pytest.fixture(scope="module")
def tree() -> Path:
    try:
        kb.check_tools()
        provision.ensure_host_tools()
        return kb.debian_source_tree("debian-6.1")
    except (kb.BuildError, TargetUnavailable) as e:
        pytest.skip(str(e).splitlines()[0])


def validate(tree: Path, report_dir: Path, *more: str) -> tuple[int, str, str]:
    """Run the command as a user would; on a timeout its whole process group (make, pytest, QEMU) goes."""
    proc = subprocess.Popen([sys.executable, "-m", "abi", "validate", "--kernel-tree", str(tree),
                             "--report-dir", str(report_dir), *more], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"validate did not finish within {TIMEOUT} s:\n{out[-3000:]}\n{err[-3000:]}")
    return proc.returncode, out, err


def section(out: str, title: str) -> list[str]:
    """The indented lines under `Title: N` in the summary."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{title}: "):
            return [x.strip() for x in lines[i + 1:] if x.startswith("  ")][: int(line.split(": ")[1].split()[0])]
    return []


def test_debian_6_1_tree_validates_clean_against_debian_6_1(tree, tmp_path, e2e_lock):
    from abi import validate as v

    status, out, err = validate(tree, tmp_path)
    assert status == 0, f"{out}\n{err[-3000:]}"
    assert "== no regression" in out
    assert section(out, "New failures") == []
    assert "ABI changes (header check failing against the tree's headers only): 0" in out
    assert "== REGRESSED" not in out  # nor in the comparison with another baseline
    # each architecture's guests ran, on both sides: riscv64's baseline is Debian's 6.12 (Debian 12 has no riscv64),
    # in a run of its own beside debian-6.1's
    wanted = {arch for arch in v.ARCHES if not v.unavailable(arch)}
    for side in ("patched", "baseline"):
        arches = {t["arch"] for results in (tmp_path / side).rglob("conformance-*.json")
                  for t in json.loads(results.read_text())["targets"].values()}
        assert arches == wanted, (side, arches)
    if "riscv64" in wanted:
        assert "--baseline debian-6.1: Debian has no riscv64 kernel of that name: riscv64 is compared with " \
               "debian-6.12" in out
    two = "riscv64" in wanted and len(wanted) > 1
    diffs = ["diff-debian-6.1.html", "diff-debian-6.12.html"] if two else ["diff.html"]
    assert sorted(p.name for p in tmp_path.glob("diff*.html")) == diffs


def test_a_patch_breaking_eexist_fails_validate_naming_the_cases(tree, tmp_path, e2e_lock):
    copy = kb.patched_copy(tree, FIXTURE, provision.cache_dir() / "src" / "validate-e2e" / f"{tree.name}-patched")
    status, out, err = validate(copy, tmp_path, "--arch", "arm64")  # the patch is arm64's: its guests say
    assert status == 1, f"{out}\n{err[-3000:]}"
    assert "== REGRESSED" in out
    failures = section(out, "New failures")
    broken = {line.split(": ")[1].split("@")[0] for line in failures}
    # The legacy API's "address already set" cases, on the GICv2 guest (the only one with a vGICv2).
    assert "qemu-arm64-gicv2-dist-already-set" in broken, failures
    assert "qemu-arm64-gicv2-cpu-already-set" in broken, failures
    assert all("ENXIO" in line for line in failures if "already-set" in line), failures
    assert all(line.startswith("KVM_") for line in failures)


def test_a_patch_that_does_not_compile_is_one_error_with_the_first_compiler_error(tree, tmp_path, e2e_lock):
    # Same copy (and build directory) as the test above: an incremental build that fails on one file.
    broken = ROOT / "tests" / "fixtures" / "does-not-compile.patch"
    copy = kb.patched_copy(tree, broken, provision.cache_dir() / "src" / "validate-e2e" / f"{tree.name}-patched")
    status, out, err = validate(copy, tmp_path, "--arch", "arm64")
    assert status == 2, f"{out}\n{err[-3000:]}"
    first = [line for line in err.splitlines() if line.startswith("kvm-abi validate: error:")]
    assert len(first) == 1, err
    assert first[0].startswith("kvm-abi validate: error: the kernel build failed: ")
    assert "arch/arm64/kvm/vgic/vgic-kvm-device.c:22:" in first[0], first
    assert "'EEXISTS' undeclared" in first[0].replace("\u2018", "'").replace("\u2019", "'"), first
    assert "first error:" in err and "last lines of" in err


def validate_arch_patch(tree: Path, arch: str, patch: Path, name: str, report_dir: Path) -> tuple[str, set[str]]:
    """Validate a copy of the tree with one architecture's fixture, on that architecture alone; the output and the
    broken cases' names. Its copy and build directory are its own (name: the copy's suffix and its lock's), so the
    other architectures' builds stay warm; skipped with one line where the architecture cannot be built or run."""
    from abi import validate as v

    why = v.unavailable(arch)
    if why:
        pytest.skip(why.splitlines()[0])
    dest = provision.cache_dir() / "src" / "validate-e2e" / f"{tree.name}-patched-{name}"
    with provision.cache_lock(f"validate-e2e-{name}.lock"):
        copy = kb.patched_copy(tree, patch, dest)
        status, out, err = validate(copy, report_dir, "--arch", arch)
    assert status == 1, f"{out}\n{err[-3000:]}"
    assert "== REGRESSED" in out
    (results,) = (report_dir / "patched").glob("conformance-*.json")
    # --arch: no other architecture's build, no other guest
    assert {t["arch"] for t in json.loads(results.read_text())["targets"].values()} == {arch}
    failures = section(out, "New failures")
    return out, {line.split(": ")[1].split("@")[0] for line in failures}


def test_a_patch_breaking_an_x86_errno_fails_validate_naming_the_case(tree, tmp_path):
    out, broken = validate_arch_patch(tree, "x86_64", X86_FIXTURE, "x86", tmp_path)
    assert "qemu-x86_64-amd-create-pit2-twice" in broken, out
    assert all("EBUSY" in line for line in section(out, "New failures")), out  # nothing else broke


def test_a_patch_breaking_a_riscv_errno_fails_validate_naming_the_cases(tree, tmp_path):
    out, broken = validate_arch_patch(tree, "riscv64", RISCV_FIXTURE, "riscv64", tmp_path)
    assert broken == {"qemu-riscv64-riscv-vm-fd", "qemu-riscv64-riscv-vm-fd-bad-pointer"}, out
    assert all("ENOTTY" in line for line in section(out, "New failures")), out
    assert "compared with debian-6.12" in out  # its baseline: there is no riscv64 6.1


# ---- a kernel that does not come up: one line, the console tail, nothing left running ----------------------

def _qemu_children() -> set[int]:
    """This process's QEMU children. The session's shared guests (booted by earlier test modules) are among
    them, so a test compares the set before and after its own boot."""
    out = set()
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip().startswith("qemu-system"):
                    out.add(int(pid))
            except OSError:
                pass
    return out


@pytest.fixture(scope="module")
def debian_image() -> Path:
    try:
        provision.ensure_host_tools()
        return provision.assets("debian-6.1")[0].image
    except TargetUnavailable as e:
        pytest.skip(str(e).splitlines()[0])


def test_a_kernel_without_the_serial_driver_is_one_error_with_the_console_tail(debian_image):
    from abi import validate as v

    # Debian's Image without its modules: virtio_console is a module there, so the agent finds no port.
    before = _qemu_children()
    with pytest.raises(v.Invalid) as e:
        v.boot_check(v.Kernel("debian Image without modules", str(debian_image)), "arm64")
    assert "guest did not come up" in str(e.value) and "\n" not in str(e.value)
    assert e.value.detail.startswith("guest console (last lines):")
    assert "no virtio-serial port" in e.value.detail
    assert _qemu_children() <= before


def test_a_kernel_without_kvm_at_el2_is_one_error(debian_image, monkeypatch):
    from abi import validate as v
    from abi.target import qemu

    # kvm-arm.mode=none: booted at EL2, KVM declines to initialise, so there is no /dev/kvm.
    monkeypatch.setattr(qemu, "APPEND", qemu.APPEND + " kvm-arm.mode=none")
    before = _qemu_children()
    with pytest.raises(v.Invalid) as e:
        v.boot_check(v.Kernel("debian-6.1", "debian-6.1"), "arm64")
    assert "has no /dev/kvm" in str(e.value)
    assert _qemu_children() <= before
