"""A guest that never works is never green: each way a target can fail to come up, injected for real into a child
pytest run (a garbage kernel, no QEMU on the host, an archive that cannot be reached), checked for its one-line
message, its exit status, and the results of the targets that did work.

The child runs a generated test file with the project's plugins (see test_report_robustness.py). The one that
boots a guest skips with one line where QEMU or the cached guest assets are missing; the others fake the host's
tools on PATH and need neither.
"""

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from test_report_robustness import Run, write_tests

ROOT = Path(__file__).resolve().parents[2]
# One conformance case of the seed spec on the GICv2 guest, replayed as tests/conformance replays them.
SPEC = """
    import pytest
    from abi.spec.cases.arm_set_device_addr import CASES
    from abi.spec.plugin import replay

    @pytest.mark.spec([c for c in CASES if c.id == "set-dist"])
    def test_case(request, spec_target, case):
        replay(request, case, spec_target)
"""
TARGETED = """
    def test_on_target(target):
        assert target.name
"""


def stub_path(where: Path, tools: dict[str, str]) -> str:
    """A PATH of one dir holding only `tools` ({name: shell script body, or '' for a link to the real tool})."""
    bin_dir = where / "bin"
    bin_dir.mkdir()
    for name, body in tools.items():
        if body:
            (bin_dir / name).write_text("#!/bin/sh\n" + body + "\n")
            (bin_dir / name).chmod(0o755)
        else:
            (bin_dir / name).symlink_to(shutil.which(name) or f"/usr/bin/{name}")
    return str(bin_dir)


def come_up_lines(run: Run) -> list[str]:
    return [line for line in run.output.splitlines() if re.match(r"kvm-abi: \S+ cannot come up: .*could not run\)$",
                                                                 line)]


def test_target_all_skips_what_the_host_lacks(tmp_path, runs):
    """No QEMU on this host (and no apt-get to install it): under `--target all` the guests are skipped with one
    line each, local runs, rc 0. Named with --target, the same guest is an error: rc 1, one line saying why."""
    write_tests(tmp_path, "test_t.py", TARGETED)
    env = {"PATH": stub_path(tmp_path, {"sh": ""}), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = Run(tmp_path, ["test_t.py", "-rs"], env=env)
    runs.append(run)
    assert run.wait() == 0, run.output
    assert "qemu-system-aarch64, dtc not found" in run.output and come_up_lines(run) == [], run.output
    named = Run(tmp_path, ["test_t.py", "--target", "qemu-arm64-gicv3"], env=env)
    runs.append(named)
    assert named.wait() == 1, named.output
    assert come_up_lines(named) == ["kvm-abi: qemu-arm64-gicv3 cannot come up: qemu-system-aarch64, dtc not found: "
                                    "install the Debian package(s) qemu-system-arm device-tree-compiler "
                                    "(1 test could not run)"], named.output


def test_target_all_errors_when_the_guest_cannot_be_provisioned(tmp_path, runs):
    """QEMU is there, the cache is empty and Debian's archive cannot be reached: not the host's lack but a guest that
    cannot be made. Every guest test errors with that line, even under `--target all`; local still passes."""
    write_tests(tmp_path, "test_t.py", TARGETED)
    env = {"PATH": stub_path(tmp_path, {"qemu-system-aarch64": "exit 1", "dtc": "exit 1",
                                        "apt-get": "echo 'E: Failed to fetch (network unreachable)' >&2; exit 100"}),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    started = time.monotonic()
    run = Run(tmp_path, ["test_t.py"], env=env)
    runs.append(run)
    assert run.wait() == 1, run.output
    seconds = time.monotonic() - started
    lines = come_up_lines(run)
    assert len(lines) == 4 and all("apt-get update for arm64 bookworm failed: E: Failed to fetch (network "
                                   "unreachable)" in line for line in lines), run.output
    assert re.search(r"1 passed", run.output) and re.search(r"4 errors?", run.output), run.output
    assert seconds < 60, seconds


def garbage_image(where: Path) -> Path | None:
    """A real Debian Image's header (magic, PE sections, size) with its code zeroed: it passes every header check
    and prints nothing when booted."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kvm-abi" / "kernels"
    images = sorted(cache.glob("linux-image-6.1*/Image"))
    if not images:
        return None
    head = images[0].read_bytes()[:4096]
    out = where / "garbage.Image"
    with open(out, "wb") as f:
        f.write(head)
        f.truncate(images[0].stat().st_size)
    return out


def test_named_target_with_a_kernel_that_never_starts_fails_in_seconds(tmp_path, runs):
    """A kernel that passes the header checks and prints nothing: one line within ~20 s (not the 120 s agent
    timeout), rc 1, and the reason says the kernel never started."""
    if not shutil.which("qemu-system-aarch64"):
        pytest.skip("no qemu-system-aarch64 here (apt-get install qemu-system-arm)")
    image = garbage_image(tmp_path)
    if image is None:
        pytest.skip("no cached Debian 6.1 Image to take a header from (run the conformance suite once)")
    write_tests(tmp_path, "test_t.py", TARGETED)
    started = time.monotonic()
    run = Run(tmp_path, ["test_t.py", "--target", "qemu-arm64-gicv3", "--guest-kernel", str(image)])
    runs.append(run)
    assert run.wait(bound=100) == 1, run.output
    seconds = time.monotonic() - started
    lines = come_up_lines(run)
    assert len(lines) == 1 and "the kernel printed nothing within 20 s of QEMU's start" in lines[0], run.output
    assert seconds < 60, seconds
    print(f"garbage Image to the error line: {seconds:.1f} s", file=sys.stderr)


def test_named_target_whose_agent_never_answers_shows_the_console(tmp_path, runs):
    """A kernel that boots but whose agent cannot reach its channel (Debian's cloud kernel has virtio_console as a
    module; none given): rc 1, one line saying why, and the guest console's last lines with it, the boot log and
    the agent's own words."""
    if not shutil.which("qemu-system-aarch64"):
        pytest.skip("no qemu-system-aarch64 here (apt-get install qemu-system-arm)")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kvm-abi" / "kernels"
    images = sorted(cache.glob("linux-image-6.1*/Image"))
    if not images:
        pytest.skip("no cached Debian 6.1 Image (run the conformance suite once)")
    (tmp_path / "no-modules").mkdir()
    write_tests(tmp_path, "test_t.py", TARGETED)
    write_tests(tmp_path, "test_spec.py", SPEC)  # the conformance cases take their target the same way
    run = Run(tmp_path, ["test_t.py", "test_spec.py", "-p", "abi.spec.plugin", "--target", "qemu-arm64-gicv2",
                         "--guest-kernel", str(images[0]), "--guest-modules", str(tmp_path / "no-modules"), "-rfEs"])
    runs.append(run)
    assert run.wait(bound=150) == 1, run.output
    lines = come_up_lines(run)
    assert len(lines) == 1 and "no virtio-serial port named kvm-abi.agent" in lines[0], run.output
    assert re.search(r"\b2 errors\b", run.output) and "skipped" not in run.output.splitlines()[-1], run.output
    console = run.output.split("guest console (last lines):", 1)[-1]
    assert "Run /init as init process" in console and "kvm-abi: agent exited" in console, run.output
