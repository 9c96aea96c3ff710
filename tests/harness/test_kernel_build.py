"""The kernel build's logic that needs no build: fragment verification, tree keying, bad trees, build logs."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from abi.target import kernel_build as kb

FAKE_CONFIG = """\
#
# Automatically generated file; DO NOT EDIT.
#
CONFIG_VIRTUALIZATION=y
CONFIG_KVM=y
CONFIG_SERIAL_AMBA_PL011=y
# CONFIG_MODULES is not set
CONFIG_LOCALVERSION=""
CONFIG_VIRTIO_CONSOLE=m
"""


def test_parse_config():
    cfg = kb.parse_config(FAKE_CONFIG)
    assert cfg["CONFIG_KVM"] == "y"
    assert cfg["CONFIG_MODULES"] == "n"
    assert cfg["CONFIG_LOCALVERSION"] == '""'
    assert cfg["CONFIG_VIRTIO_CONSOLE"] == "m"


def test_dropped_options_names_each_missing_or_different_option():
    fragment = "CONFIG_KVM=y\nCONFIG_VIRTIO_CONSOLE=y\nCONFIG_VIRTIO_MMIO=y\n# CONFIG_MODULES is not set\n"
    dropped = kb.dropped_options(fragment, FAKE_CONFIG)
    assert dropped == ["CONFIG_VIRTIO_CONSOLE=y requested, .config has it =m",
                       "CONFIG_VIRTIO_MMIO=y requested, .config has it not set"]


def test_verify_config_raises_with_the_dropped_options(tmp_path):
    config = tmp_path / ".config"
    config.write_text(FAKE_CONFIG)
    fragment = tmp_path / "frag.config"
    fragment.write_text("CONFIG_KVM=y\nCONFIG_CROSS_MEMORY_ATTACH=y\n")
    with pytest.raises(kb.BuildError) as e:
        kb.verify_config(config, fragment)
    assert "lacks 1 option(s) of frag.config" in str(e.value)
    assert "CONFIG_CROSS_MEMORY_ATTACH=y requested, .config has it not set" in e.value.detail
    fragment.write_text("CONFIG_KVM=y\n# CONFIG_MODULES is not set\n")
    kb.verify_config(config, fragment)  # all there: no error


def test_every_guest_architecture_has_a_build_and_its_fragment():
    from abi import machines

    assert set(kb.ARCHES) == {m.arch for m in machines.GUESTS}
    for arch in kb.ARCHES.values():
        assert arch.fragment.is_file(), arch.fragment
        # modules only where the build collects them for the guest's init to load
        assert kb.parse_config(arch.fragment.read_text())["CONFIG_MODULES"] == ("y" if arch.modules else "n")
        assert arch.image.endswith("/" + machines.qemu_system(arch.arch).image_file)


def test_the_x86_fragment_has_kvm_amd_and_the_guests_console():
    """TCG emulates SVM, not VMX: kvm_amd, a module the guest's init loads after the TSC calibration is refined (built
    in, KVM took the early one); the 8250 console and the agent's virtio-serial-pci port built in."""
    want = kb.parse_config(kb.ARCHES["x86_64"].fragment.read_text())
    assert want["CONFIG_KVM"] == want["CONFIG_KVM_AMD"] == "m" and kb.ARCHES["x86_64"].modules
    for name in ("CONFIG_SERIAL_8250_CONSOLE", "CONFIG_PCI", "CONFIG_VIRTIO_PCI",
                 "CONFIG_VIRTIO_CONSOLE", "CONFIG_BLK_DEV_INITRD", "CONFIG_RD_GZIP", "CONFIG_DEVTMPFS"):
        assert want.get(name) == "y", name
    assert "CONFIG_KVM_INTEL" not in want
    # Without a TSC frequency the guest's KVM_RUN never enters its guest: the references to calibrate against
    # (measured: without them, 37 cases of the x86 guest failed on a busy host, KVM_RUN timing out)
    for name in ("CONFIG_ACPI", "CONFIG_HPET_TIMER", "CONFIG_X86_PM_TIMER"):
        assert want.get(name) == "y", name


def test_the_riscv64_fragment_has_kvm_the_fpu_and_the_guests_console():
    """KVM built in (no module for init to load); the F/D and C extensions, which allnoconfig turns off and Debian's
    rv64gc userspace needs; the virt machine's PLIC and its 16550 UART found through the device tree; the agent's
    virtio-serial-device on virtio-mmio."""
    a = kb.ARCHES["riscv64"]
    want = kb.parse_config(a.fragment.read_text())
    assert want["CONFIG_KVM"] == "y" and not a.modules and want["CONFIG_MODULES"] == "n"
    for name in ("CONFIG_VIRTUALIZATION", "CONFIG_FPU", "CONFIG_RISCV_ISA_C", "CONFIG_SOC_VIRT",
                 "CONFIG_SERIAL_8250_CONSOLE", "CONFIG_SERIAL_OF_PLATFORM", "CONFIG_VIRTIO_MMIO",
                 "CONFIG_VIRTIO_CONSOLE", "CONFIG_BLK_DEV_INITRD", "CONFIG_RD_GZIP", "CONFIG_DEVTMPFS"):
        assert want.get(name) == "y", name
    assert (a.make_arch, a.compiler) == ("riscv", "riscv64-linux-gnu-gcc")
    assert kb.HEADER_ARCHES["riscv64"] == "riscv"


def test_the_shipped_fragment_asks_for_what_the_guest_needs():
    want = kb.parse_config(kb.FRAGMENT.read_text())
    for name in ("CONFIG_KVM", "CONFIG_VIRTUALIZATION", "CONFIG_ARM_GIC", "CONFIG_ARM_GIC_V3",
                 "CONFIG_SERIAL_AMBA_PL011_CONSOLE", "CONFIG_VIRTIO_MMIO", "CONFIG_VIRTIO_CONSOLE",
                 "CONFIG_BLK_DEV_INITRD", "CONFIG_RD_GZIP", "CONFIG_DEVTMPFS", "CONFIG_PROC_FS", "CONFIG_SYSFS"):
        assert want.get(name) == "y", name
    assert want["CONFIG_MODULES"] == "n"


def fake_tree(root: Path) -> Path:
    for marker in kb.TREE_MARKERS:
        (root / marker).parent.mkdir(parents=True, exist_ok=True)
        (root / marker).write_text(f"# {marker}\n")
    return root


def test_not_a_kernel_tree(tmp_path):
    with pytest.raises(kb.BuildError, match="no such directory"):
        kb.check_tree(tmp_path / "nope")
    with pytest.raises(kb.BuildError, match="not a Linux kernel tree \\(none of"):
        kb.check_tree(tmp_path)
    (tmp_path / "Makefile").write_text("all:\n")
    (tmp_path / "Kconfig").write_text("")
    with pytest.raises(kb.BuildError, match="not a Linux kernel tree with KVM \\(missing virt/kvm/kvm_main.c, include"):
        kb.check_tree(tmp_path)


def test_each_architecture_needs_its_own_kvm_in_the_tree(tmp_path):
    tree = fake_tree(tmp_path)  # the markers every tree has, none of an architecture's
    for arch in kb.ARCHES.values():
        with pytest.raises(kb.BuildError, match=f"with {arch.arch} KVM \\(missing {arch.markers[0]}"):
            kb.check_arch_tree(tree, arch)
    for marker in kb.ARCHES["x86_64"].markers:
        (tree / marker).parent.mkdir(parents=True, exist_ok=True)
        (tree / marker).write_text("")
    kb.check_arch_tree(tree, kb.ARCHES["x86_64"])
    with pytest.raises(kb.BuildError, match="arm64 KVM"):
        kb.check_arch_tree(tree, kb.ARCHES["arm64"])


def test_a_file_given_as_a_tree_says_so(tmp_path):
    (tmp_path / "linux.tar").write_text("")
    with pytest.raises(kb.BuildError, match="linux.tar: a file, not a kernel tree directory"):
        kb.check_tree(tmp_path / "linux.tar")


def test_a_tree_path_with_spaces_is_refused_saying_why(tmp_path):
    tree = fake_tree(tmp_path / "my kernels")
    with pytest.raises(kb.BuildError, match="Kbuild refuses a source tree whose path contains spaces"):
        kb.check_tree(tree)


def test_a_tree_built_in_place_is_refused(tmp_path):
    tree = fake_tree(tmp_path)
    assert kb.check_tree(tree) == tree.resolve()
    (tree / ".config").write_text("CONFIG_KVM=y\n")
    with pytest.raises(kb.BuildError, match="make mrproper"):
        kb.check_tree(tree)


def test_tree_state_follows_edits_additions_and_removals_not_build_droppings(tmp_path):
    tree = fake_tree(tmp_path)
    s0 = kb.tree_state(tree)
    assert kb.tree_state(tree) == s0
    (tree / "virt/kvm/kvm_main.o").write_bytes(b"obj")  # in-tree object, editor backup: ignored
    (tree / "virt/kvm/kvm_main.c~").write_text("old")
    (tree / ".git").mkdir()
    (tree / ".git/index").write_text("x")
    assert kb.tree_state(tree) == s0
    f = tree / "virt/kvm/kvm_main.c"
    st = f.stat()
    f.write_text("# virt/kvm/kvm_main.c changed\n")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, other size: still a change
    s1 = kb.tree_state(tree)
    assert s1 != s0
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched
    s2 = kb.tree_state(tree)
    assert s2 != s1
    (tree / "virt/kvm/new.c").write_text("")
    s3 = kb.tree_state(tree)
    assert s3 != s2
    (tree / "virt/kvm/new.c").unlink()
    assert kb.tree_state(tree) == s2


def test_build_dir_is_per_tree_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a = kb.build_dir(tmp_path / "linux")
    b = kb.build_dir(tmp_path / "copy" / "linux")
    assert a != b and a.name.startswith("linux-") and b.name.startswith("linux-")
    assert a == kb.build_dir(tmp_path / "linux")
    assert str(a).startswith(str(tmp_path / "cache" / "kvm-abi" / "build"))


GCC_LOG = """\
  CC      arch/arm64/kvm/vgic/vgic-init.o
  CC      arch/arm64/kvm/vgic/vgic-kvm-device.o
/src/arch/arm64/kvm/vgic/vgic-kvm-device.c: In function 'vgic_check_iorange':
/src/arch/arm64/kvm/vgic/vgic-kvm-device.c:20:24: error: 'ENXIOO' undeclared (first use in this function)
   20 |                 return -ENXIOO;
      |                        ^~~~~~~
/src/arch/arm64/kvm/vgic/vgic-kvm-device.c:20:24: note: each undeclared identifier is reported only once
/src/arch/arm64/kvm/vgic/vgic-kvm-device.c:31:1: error: control reaches end of non-void function
make[4]: *** [/src/scripts/Makefile.build:250: arch/arm64/kvm/vgic/vgic-kvm-device.o] Error 1
make[3]: *** [/src/scripts/Makefile.build:500: arch/arm64/kvm/vgic] Error 2
"""


def test_first_error_is_the_first_compiler_error_with_its_quotation():
    err = kb.first_error(GCC_LOG)
    assert err.splitlines() == [
        "/src/arch/arm64/kvm/vgic/vgic-kvm-device.c:20:24: error: 'ENXIOO' undeclared (first use in this function)",
        "   20 |                 return -ENXIOO;",
        "      |                        ^~~~~~~",
    ]


def test_first_error_finds_linker_errors_and_falls_back_to_make():
    ld = ("  LD      vmlinux\naarch64-linux-gnu-ld: arch/arm64/kvm/arm.o: in function `x':\n"
          "arm.c:(.text+0x10): undefined reference to `kvm_missing'\nmake[1]: *** [Makefile:1] Error 1\n")
    assert "undefined reference to `kvm_missing'" in kb.first_error(ld)
    assert kb.first_error("  CC foo.o\nmake[2]: *** No rule to make target 'x'. Stop.\n") == \
        "make[2]: *** No rule to make target 'x'. Stop."
    assert kb.first_error("  CC foo.o\n") == ""
    assert kb.first_error("  INSTALL x\n/bin/sh: 1: rsync: not found\nmake[1]: *** [Makefile:1431: headers_install] "
                          "Error 127\n") == "/bin/sh: 1: rsync: not found"


def test_a_failed_build_says_its_first_error_and_shows_the_tail(tmp_path):
    log = tmp_path / "build.log"
    log.write_text(GCC_LOG)
    e = kb._fail("the kernel build", log)
    assert str(e) == ("the kernel build failed: /src/arch/arm64/kvm/vgic/vgic-kvm-device.c:20:24: error: "
                      "'ENXIOO' undeclared (first use in this function)")
    assert "make[3]: *** [/src/scripts/Makefile.build:500: arch/arm64/kvm/vgic] Error 2" in e.detail
    assert e.log == log


def test_missing_build_tools_are_named_with_their_package(monkeypatch):
    monkeypatch.setattr(kb.shutil, "which", lambda tool: None if tool in ("flex", "bison") else "/usr/bin/" + tool)
    with pytest.raises(kb.BuildError, match="install the Debian package\\(s\\) bison flex"):
        kb.check_tools()


def test_a_missing_compiler_is_named_per_architecture(monkeypatch):
    """The compiler of the architecture asked for: the host's own gcc package, or Debian's cross compiler."""
    monkeypatch.setattr(kb.shutil, "which", lambda tool: None if tool.endswith("-linux-gnu-gcc") else "/bin/" + tool)
    monkeypatch.setattr(kb.machines, "host_arch", lambda: "x86_64")
    with pytest.raises(kb.BuildError, match="^cannot build an x86_64 kernel here: install .*package\\(s\\) gcc "):
        kb.check_tools(kb.ARCHES["x86_64"])
    with pytest.raises(kb.BuildError, match="^cannot build an arm64 kernel here: .* gcc-aarch64-linux-gnu "):
        kb.check_tools(kb.ARCHES["arm64"])
    with pytest.raises(kb.BuildError) as e:
        kb.check_tools(kb.ARCHES["riscv64"])
    assert str(e.value) == "cannot build a riscv64 kernel here: install the Debian package(s) gcc-riscv64-linux-gnu " \
        "(sudo bash .ci/setup installs everything)"
    monkeypatch.setattr(kb.machines, "host_arch", lambda: "arm64")
    with pytest.raises(kb.BuildError, match="gcc-x86-64-linux-gnu"):
        kb.check_tools(kb.ARCHES["x86_64"])
    kb.check_tools(None)  # `make headers` needs no cross compiler


def test_validate_refuses_a_directory_that_is_not_a_kernel_tree(tmp_path, capsys):
    from abi.__main__ import main

    assert main(["validate", "--kernel-tree", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"kvm-abi validate: error: {tmp_path}: not a Linux kernel " \
        "tree (none of Makefile, Kconfig, virt/kvm/kvm_main.c, include/uapi/linux/kvm.h)"


def test_patched_copy_leaves_the_tree_alone_and_is_stable(tmp_path):
    tree = fake_tree(tmp_path / "linux")
    (tree / "virt/kvm/kvm_main.c").write_text("int x = 1;\n")
    patch = tmp_path / "p.patch"
    patch.write_text("a comment line\n\n--- a/virt/kvm/kvm_main.c\n+++ b/virt/kvm/kvm_main.c\n@@ -1 +1 @@\n"
                     "-int x = 1;\n+int x = 2;\n")
    copy = kb.patched_copy(tree, patch, tmp_path / "copy")
    assert (copy / "virt/kvm/kvm_main.c").read_text() == "int x = 2;\n"
    assert (tree / "virt/kvm/kvm_main.c").read_text() == "int x = 1;\n"
    assert (copy / "Makefile").stat().st_ino == (tree / "Makefile").stat().st_ino  # hard links elsewhere
    state = kb.tree_state(copy)
    assert kb.tree_state(kb.patched_copy(tree, [patch], tmp_path / "copy")) == state  # same inputs, same state
    with pytest.raises(kb.BuildError, match="does not apply"):
        kb.patched_copy(copy, patch, tmp_path / "copy2")  # already applied


def test_the_fragment_keeps_the_cpu_features_kvm_reports():
    want = kb.parse_config(kb.FRAGMENT.read_text())
    for name in ("CONFIG_ARM64_SVE", "CONFIG_ARM64_RAS_EXTN", "CONFIG_ARM_PMU", "CONFIG_ARM64_PTR_AUTH",
                 "CONFIG_ARM64_MTE", "CONFIG_ARM64_VA_BITS_48"):
        assert want.get(name) == "y", name


def test_validate_counts_cases_skipped_only_on_the_patched_kernel(tmp_path):
    import json

    from abi.validate import skipped_only_in_new

    def run(release, outcomes):
        recs = [{"name": f"qemu-arm64-gicv2@{release}-{case}", "kernel_release": release, "outcome": o,
                 "group": "KVM_SET_ONE_REG" if o != "skipped" else "test_arm64_vcpu", "message": m}
                for case, (o, m) in outcomes.items()]
        path = tmp_path / f"{release}.json"
        path.write_text(json.dumps({"records": recs}))
        return path

    base = run("6.1.0-56-cloud-arm64", {"a": ("passed", ""), "b": ("passed", ""), "c": ("skipped", "x"),
                                         "d": ("passed", "")})
    new = run("6.1.192", {"a": ("skipped", "needs KVM_CAP_ARM_SVE"), "b": ("skipped", "needs KVM_CAP_ARM_SVE"),
                          "c": ("skipped", "x"), "d": ("failed", "boom")})
    assert skipped_only_in_new(base, new) == {"needs KVM_CAP_ARM_SVE": 2}


def test_validate_tells_tests_of_the_same_name_apart_by_node_id(tmp_path):
    """Smoke tests are named by their target alone: one skipped where another passed is no skip of the patched
    kernel (seen on the x86 guest, where one smoke test has no expectation for its machine)."""
    import json

    from abi.validate import skipped_only_in_new

    def run(release, outcomes):
        recs = [{"nodeid": f"tests/conformance/test_smoke.py::{test}[qemu-x86_64-amd@{release}]",
                 "name": f"qemu-x86_64-amd@{release}", "kernel_release": release, "outcome": o, "group": test,
                 "message": "no expectation" if o == "skipped" else ""} for test, o in outcomes.items()]
        path = tmp_path / f"{release}.json"
        path.write_text(json.dumps({"records": recs}))
        return path

    base = run("6.1.0-57-cloud-amd64", {"test_a": "passed", "test_b": "skipped"})
    assert skipped_only_in_new(base, run("6.1.192", {"test_a": "passed", "test_b": "skipped"})) == {}
    assert skipped_only_in_new(base, run("6.1.193", {"test_a": "skipped", "test_b": "skipped"})) == \
        {"no expectation": 1}


def test_patched_copy_timestamps_move_forward_when_content_changes(tmp_path):
    tree = fake_tree(tmp_path / "linux")
    src = tree / "virt/kvm/kvm_main.c"
    src.write_text("int x = 1;\n")
    os.utime(src, ns=(10**18, 10**18))  # the tree's file: old
    p2, p3 = tmp_path / "two.patch", tmp_path / "three.patch"
    p2.write_text("--- a/virt/kvm/kvm_main.c\n+++ b/virt/kvm/kvm_main.c\n@@ -1 +1 @@\n-int x = 1;\n+int x = 2;\n")
    p3.write_text("--- a/virt/kvm/kvm_main.c\n+++ b/virt/kvm/kvm_main.c\n@@ -1 +1 @@\n-int x = 1;\n+int x = 3;\n")
    os.utime(p3, ns=(10**18, 10**18))  # a patch file older than anything built: its mtime must not be used
    dest = tmp_path / "copy"
    f = dest / "virt/kvm/kvm_main.c"

    kb.patched_copy(tree, p2, dest)
    first = f.stat().st_mtime_ns
    kb.patched_copy(tree, p2, dest)
    assert f.stat().st_mtime_ns == first  # same content: same timestamp, the build stays cached
    kb.patched_copy(tree, p3, dest)
    assert f.read_text() == "int x = 3;\n" and f.stat().st_mtime_ns >= first  # other content: newer
    third = f.stat().st_mtime_ns
    kb.patched_copy(tree, [], dest)  # back to the tree's content: newer again, not the tree's old mtime
    assert f.read_text() == "int x = 1;\n" and f.stat().st_mtime_ns >= third
    assert src.stat().st_mtime_ns == 10**18 and f.stat().st_ino != src.stat().st_ino  # the tree untouched
    shutil.rmtree(dest)
    kb.patched_copy(tree, p2, dest)  # the copy deleted, the build directory not: still newer
    assert f.stat().st_mtime_ns >= third


def test_a_make_that_hangs_is_killed_and_said(tmp_path, monkeypatch):
    """A make that never finishes (and prints nothing) is killed after MAKE_LIMIT: one line, not a hung run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "make").write_text("#!/bin/sh\nexec sleep 60\n")
    (bin_dir / "make").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setattr(kb, "MAKE_LIMIT", 1)
    started = time.monotonic()
    with open(tmp_path / "build.log", "wb") as logf, pytest.raises(kb.BuildError, match="did not finish within 1 s"):
        kb._make(["Image"], tmp_path, logf, "building", progress=False)
    assert time.monotonic() - started < 30


def test_validate_counts_a_target_that_could_not_come_up_as_unavailable(tmp_path):
    """A patched kernel whose guest never came up errors every case on it (a named target): validate must say it
    could not validate, not call those errors a regression."""
    import json

    from abi.validate import unavailable_targets

    down = "kvm-abi: qemu-arm64-gicv2 cannot come up: guest did not come up: the kernel printed nothing"
    records = [{"target": "qemu-arm64-gicv2", "outcome": "error", "message": down},
               {"target": "qemu-arm64-gicv2", "outcome": "error", "message": down},
               {"target": "qemu-arm64-gicv3", "outcome": "passed", "message": ""},
               {"target": "qemu-arm64-gicv3", "outcome": "error", "message": "a teardown failed"}]
    results = tmp_path / "r.json"
    results.write_text(json.dumps({"records": records}))
    assert unavailable_targets(results) == [f"qemu-arm64-gicv2: {down}"]


def test_collect_modules_gathers_the_builds_modules_flat(tmp_path):
    obj = tmp_path / "obj"
    for rel in ("arch/x86/kvm/kvm.ko", "arch/x86/kvm/kvm-amd.ko", "virt/lib/irqbypass.ko", "tools/objtool/x.ko"):
        (obj / rel).parent.mkdir(parents=True, exist_ok=True)
        (obj / rel).write_bytes(b"\x7fELF" + rel.encode())
    dest = tmp_path / "modules-x86_64"
    dest.mkdir()
    (dest / "stale.ko").write_bytes(b"")  # from an earlier build: gone
    kb.collect_modules(obj, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["irqbypass.ko", "kvm-amd.ko", "kvm.ko"]
    assert (dest / "kvm-amd.ko").read_bytes() == b"\x7fELFarch/x86/kvm/kvm-amd.ko"


def test_validate_says_which_architecture_it_cannot_build_and_stops_without_any(tmp_path, capsys, monkeypatch):
    from abi import validate
    from abi.__main__ import main

    tree = fake_tree(tmp_path / "linux")
    monkeypatch.setattr(validate, "unavailable", lambda arch: f"no {arch} compiler (a test's)")
    assert main(["validate", "--kernel-tree", str(tree), "--report-dir", str(tmp_path / "r")]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{arch}: not validated: no {arch} compiler (a test's)" for arch in validate.ARCHES]
    assert err.splitlines()[0] == "kvm-abi validate: error: no architecture can be validated here " \
        f"({', '.join(validate.ARCHES)}: see above)"
    assert validate.ARCHES == ("x86_64", "arm64", "riscv64")  # every guest architecture, in machines.ARCHES' order
    assert main(["validate", "--kernel-tree", str(tree), "--arch", "x86_64", "--report-dir", str(tmp_path / "r")]) == 2
    out, _ = capsys.readouterr()
    assert out.splitlines() == ["x86_64: not validated: no x86_64 compiler (a test's)"]  # --arch: arm64 not tried


def test_a_debian_baseline_an_architecture_lacks_is_its_oldest_debian_kernel(capsys):
    """Debian 12 has no riscv64: --baseline debian-6.1 compares riscv64 with debian-6.12, in a baseline of its own (a
    conformance run boots one Debian name on every guest); a baseline that has riscv64's kernel needs no stand-in."""
    from abi.validate import baselines

    def specs(bs):
        return [{arch: k.spec for arch, k in b.items()} for b in bs]

    assert specs(baselines(["debian-6.1"], ["x86_64", "arm64", "riscv64"])) == [
        {"x86_64": "debian-6.1", "arm64": "debian-6.1"}, {"riscv64": "debian-6.12"}]
    assert capsys.readouterr().out.splitlines() == [
        "--baseline debian-6.1: Debian has no riscv64 kernel of that name: riscv64 is compared with debian-6.12"]
    assert specs(baselines(["debian-6.1"], ["riscv64"])) == [{"riscv64": "debian-6.12"}]
    capsys.readouterr()
    assert specs(baselines(["debian-6.1", "debian-sid"], ["arm64", "riscv64"])) == [
        {"arm64": "debian-6.1"}, {"arm64": "debian-sid", "riscv64": "debian-sid"}]
    assert capsys.readouterr().out == ""
    assert specs(baselines(["debian-6.12"], ["x86_64", "riscv64"])) == [
        {"x86_64": "debian-6.12", "riscv64": "debian-6.12"}]


def test_validate_gives_the_run_every_kernels_modules_in_one_directory(tmp_path):
    """--guest-modules is one directory for the run: each PATH kernel's modules are put together."""
    from abi.validate import merged_modules

    a, b = tmp_path / "a", tmp_path / "b"
    for d, names in ((a, ("kvm.ko", "kvm-amd.ko")), (b, ("virtio_mmio.ko",))):
        d.mkdir()
        for n in names:
            (d / n).write_bytes(n.encode())
    (tmp_path / "run").mkdir()
    out = merged_modules([str(a), str(b)], tmp_path / "run")
    assert sorted(p.name for p in out.iterdir()) == ["kvm-amd.ko", "kvm.ko", "virtio_mmio.ko"]


def test_the_kernel_benchmark_knows_a_file_to_touch_for_every_build():
    from abi import bench

    assert set(bench.TOUCH) == set(kb.ARCHES)
    for arch, rel in bench.TOUCH.items():
        assert any(rel.startswith(m.rsplit("/", 1)[0]) for m in kb.ARCHES[arch].markers), (arch, rel)


def _tree(tmp_path, kconfig: str):
    (tmp_path / "arch" / "riscv").mkdir(parents=True)
    (tmp_path / "arch" / "riscv" / "Kconfig.socs").write_text(kconfig)
    (tmp_path / "arch" / "arm64").mkdir()
    (tmp_path / "arch" / "arm64" / "Kconfig").write_text("config RISCV_ISA_FALLBACK\n\tbool\n")  # another arch's
    (tmp_path / "obj").mkdir()
    return tmp_path


def test_the_riscv64_fragment_follows_the_trees_option_names(tmp_path):
    """An older tree gets the fragment as written; a newer one gets ARCH_VIRT for SOC_VIRT and the options only it
    has (RISCV_ISA_FALLBACK: QEMU 7.2 writes only the riscv,isa string), each still checked in .config after."""
    rv = kb.ARCHES["riscv64"]
    old = _tree(tmp_path / "old", "config SOC_VIRT\n\tbool \"QEMU Virt Machine\"\n")
    assert rv.fragment_for(old, old / "obj") == rv.fragment  # another architecture's options do not count
    new = _tree(tmp_path / "new", "config ARCH_VIRT\n\tbool \"QEMU Virt Machine\"\nconfig RISCV_ISA_FALLBACK\n\tbool\n")
    text = rv.fragment_for(new, new / "obj").read_text()
    assert "CONFIG_ARCH_VIRT=y" in text and "CONFIG_SOC_VIRT" not in text.replace("# ", "")
    assert kb.parse_config(text)["CONFIG_RISCV_ISA_FALLBACK"] == "y"
