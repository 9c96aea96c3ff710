"""Provisioning without a guest: the initramfs layout, module ordering, the novgic device-tree edit, kernel
image checks and the host's apt sources. Tests that need Debian's arm64 packages or QEMU skip with one line
where those are unavailable.
"""

import gzip
import lzma
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from abi import debian, machines
from abi.target import initramfs, provision, pvh
from abi.target.base import HostMissing, TargetUnavailable

pytest_plugins = ["pytester"]


def cpio_entries(data: bytes) -> dict[str, tuple[int, bytes]]:
    """{name: (mode, data)} of one or more concatenated newc archives (what the kernel unpacks)."""
    out, pos = {}, 0
    while pos < len(data):
        if data[pos:pos + 6] != b"070701":
            pos += 1  # padding between concatenated archives
            continue
        fields = [int(data[pos + 6 + 8 * i: pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name_start = pos + 110
        name = data[name_start:name_start + namesize - 1].decode()
        body = name_start + namesize + (-(110 + namesize) % 4)
        out[name] = (mode, data[body:body + size])
        pos = body + size + (-size % 4)
    out.pop("TRAILER!!!", None)
    return out


def decompress_concatenated(data: bytes) -> bytes:
    return gzip.decompress(data)  # gzip members back to back decompress as one stream


def test_cpio_writer_layout():
    c = initramfs.Cpio()
    c.file("a/b/c.txt", b"hello", 0o600)
    c.symlink("bin/sh", "busybox")
    entries = cpio_entries(c.finish())
    assert list(entries) == ["a", "a/b", "a/b/c.txt", "bin", "bin/sh"]
    assert entries["a/b/c.txt"] == (0o100600, b"hello")
    assert entries["bin/sh"] == (0o120777, b"busybox")
    assert entries["a"][0] == 0o040755


def fake_module(name: str, depends: str) -> bytes:
    return b"\x7fELF....\0" + f"name={name}\0depends={depends}\0vermagic=6.1\0".encode()


def test_serial_modules_dependencies_first_and_decompressed(tmp_path):
    d = tmp_path / "kernel/drivers"
    d.mkdir(parents=True)
    (d / "virtio_console.ko.xz").write_bytes(lzma.compress(fake_module("virtio_console", "virtio,virtio_ring")))
    (d / "virtio_mmio.ko").write_bytes(fake_module("virtio_mmio", "virtio,virtio_ring"))
    (d / "virtio.ko.gz").write_bytes(gzip.compress(fake_module("virtio", "")))
    (d / "virtio_ring.ko").write_bytes(fake_module("virtio_ring", ""))
    (d / "unrelated.ko").write_bytes(fake_module("unrelated", ""))
    mods = initramfs.serial_modules(tmp_path)
    names = [n for n, _ in mods]
    assert sorted(names) == ["virtio", "virtio_console", "virtio_mmio", "virtio_ring"]
    for name, data in mods:
        for dep in initramfs.module_depends(data):
            assert names.index(dep) < names.index(name)
    assert dict(mods)["virtio_console"].startswith(b"\x7fELF")


def test_serial_modules_built_in_means_none(tmp_path):
    assert initramfs.serial_modules(None) == []
    assert initramfs.serial_modules(tmp_path) == []


# A trimmed `dtc -O dts` rendering of QEMU's virt machine with gic-version=2.
VIRT_DTS = """/dts-v1/;

/ {
\tinterrupt-parent = <0x8002>;
\t#size-cells = <0x02>;
\t#address-cells = <0x02>;
\tcompatible = "linux,dummy-virt";

\tintc@8000000 {
\t\tphandle = <0x8002>;
\t\tinterrupts = <0x01 0x09 0x04>;
\t\treg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000 \
0x00 0x8030000 0x00 0x10000 0x00 0x8040000 0x00 0x10000>;
\t\tcompatible = "arm,cortex-a15-gic";
\t\tranges;
\t\t#size-cells = <0x02>;
\t\t#address-cells = <0x02>;
\t\tinterrupt-controller;
\t\t#interrupt-cells = <0x03>;

\t\tv2m@8020000 {
\t\t\tphandle = <0x8003>;
\t\t\treg = <0x00 0x8020000 0x00 0x1000>;
\t\t\tmsi-controller;
\t\t\tcompatible = "arm,gic-v2m-frame";
\t\t};
\t};

\ttimer {
\t\tinterrupts = <0x01 0x0d 0x104 0x01 0x0e 0x104>;
\t\tcompatible = "arm,armv7-timer";
\t};
};
"""


def test_strip_gic_virtualization_keeps_gicd_gicc_only():
    out = provision.strip_gic_virtualization(VIRT_DTS)
    assert "reg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000>;" in out
    assert "interrupts = <0x01 0x09 0x04>;" not in out  # the maintenance interrupt goes with GICH
    assert "reg = <0x00 0x8020000 0x00 0x1000>;" in out  # the child's reg is untouched
    assert "interrupts = <0x01 0x0d 0x104" in out  # other nodes' interrupts too
    assert out.replace(" 0x00 0x8030000 0x00 0x10000 0x00 0x8040000 0x00 0x10000", "").replace(
        "\t\tinterrupts = <0x01 0x09 0x04>;\n", "") == VIRT_DTS.replace(
        " 0x00 0x8030000 0x00 0x10000 0x00 0x8040000 0x00 0x10000", "").replace(
        "\t\tinterrupts = <0x01 0x09 0x04>;\n", "")


def test_strip_gic_virtualization_refuses_a_tree_without_gicv2():
    with pytest.raises(ValueError, match="no GICv2"):
        provision.strip_gic_virtualization(VIRT_DTS.replace("arm,cortex-a15-gic", "arm,gic-v3"))


@pytest.mark.parametrize("machine", [m for m in machines.GUESTS if m.boot.strip_gic_virtualization],
                         ids=lambda m: m.name)
def test_stripped_dtb_from_qemu(machine):
    """QEMU's real tree for a machine whose record strips the GIC's virtualization parts, edited and compiled (needs
    QEMU and dtc, no guest)."""
    from abi.target.qemu import machine_args

    if not (shutil.which(provision.QEMU) and shutil.which("dtc")):
        pytest.skip(f"{provision.QEMU} or dtc not installed (Debian packages {provision.SYSTEM.package}, "
                    "device-tree-compiler)")
    dtb = provision.stripped_dtb(machine.label, machine_args(machine.label))
    assert dtb.name.startswith(f"{machine.label}-")  # the name a cache written before the registry has
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(dtb)], capture_output=True, text=True,
                         check=True).stdout
    at = dts.index('"arm,cortex-a15-gic"')
    node = dts[dts.rindex(" {\n", 0, at):dts.index("\n\t};", at)]  # properties come before child nodes
    own = [line for line in node.splitlines() if line.startswith("\t\t") and line[2] != "\t"]
    (reg,) = [line for line in own if line.startswith("\t\treg = <")]
    assert len(reg.split("<")[1].split()) == 8  # GICD + GICC, two cells each of address and size
    assert not any(line.startswith("\t\tinterrupts = ") for line in own)


RTC_DTS = """/ {
\tsoc {
\t\trtc@101000 {
\t\t\tinterrupts = <0x0b 0x04>;
\t\t\treg = <0x00 0x101000 0x00 0x1000>;
\t\t\tcompatible = "google,goldfish-rtc";
\t\t};

\t\tserial@10000000 {
\t\t\tcompatible = "ns16550a";
\t\t};
\t};
};
"""


def test_disable_nodes_disables_only_the_named_compatible():
    out = provision.disable_nodes(RTC_DTS, ("google,goldfish-rtc",))
    assert out == RTC_DTS.replace('\t\t\tcompatible = "google,goldfish-rtc";',
                                  '\t\t\tstatus = "disabled";\n\t\t\tcompatible = "google,goldfish-rtc";')
    assert provision.disable_nodes(RTC_DTS, ()) == RTC_DTS


def test_disable_nodes_refuses_a_tree_without_the_node():
    with pytest.raises(ValueError, match="no google,goldfish-rtc node"):
        provision.disable_nodes(RTC_DTS.replace("goldfish-rtc", "other-rtc"), ("google,goldfish-rtc",))


@pytest.mark.parametrize("machine", [m for m in machines.GUESTS if m.boot.dt_disabled], ids=lambda m: m.name)
def test_disabled_nodes_in_the_dtb_from_qemu(machine):
    """QEMU's real tree for a machine whose record disables nodes: each is there, disabled (needs QEMU and dtc)."""
    from abi.target.qemu import machine_args

    if not (shutil.which(machine.boot.system.binary) and shutil.which("dtc")):
        pytest.skip(f"{machine.boot.system.binary} or dtc not installed (Debian packages "
                    f"{machine.boot.system.package}, device-tree-compiler)")
    dtb = provision.stripped_dtb(machine.label, machine_args(machine.label))
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(dtb)], capture_output=True, text=True,
                         check=True).stdout
    for compatible in machine.boot.dt_disabled:
        at = dts.index(f'compatible = "{compatible}"')
        node = dts[dts.rindex(" {\n", 0, at):dts.index("};", at)]
        assert 'status = "disabled";' in node, node


ARM64_HEADER = bytes(0x38) + b"ARM\x64" + bytes(8)


def test_image_checks():
    image = ARM64_HEADER + b"Linux version 6.1.0-56-cloud-arm64 (debian-kernel@lists.debian.org) #1"
    assert provision.image_bytes(image, "x") == image
    assert provision.image_bytes(gzip.compress(image), "x") == image
    assert provision.banner_release(image) == "6.1.0-56-cloud-arm64"
    with pytest.raises(TargetUnavailable, match="not an arm64 Linux Image"):
        provision.image_bytes(b"\x7fELF" + bytes(200), "x")


def test_bad_guest_kernel_is_a_usage_error_in_one_line(pytester, tmp_path):
    bogus = tmp_path / "Image"
    bogus.write_bytes(b"not a kernel" * 10)
    for arg, message in ((str(tmp_path / "missing"), "no such file"),
                         (str(bogus), "not a Linux kernel any guest boots"), ("debian-9", "unknown")):
        result = pytester.runpytest_subprocess("-p", "abi.target.plugin", "--guest-kernel", arg)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        errors = [line for line in result.stderr.lines if "error" in line.lower()]
        assert len(errors) == 1 and message in errors[0], result.stderr.lines


def test_host_mirrors_both_formats(tmp_path):
    (tmp_path / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        "Types: deb\nURIs: http://mirror.example/debian-security/\nSuites: bookworm-security\nComponents: main\n")
    (tmp_path / "other.list").write_text("deb [arch=amd64 signed-by=/k.gpg] https://vendor.example/apt stable main\n")
    found = debian.host_mirrors(sorted(tmp_path.iterdir()))
    assert found == {"debian": ("http://mirror.example/debian", "/usr/share/keyrings/debian-archive-keyring.gpg"),
                     "debian-security": ("http://mirror.example/debian-security", "")}


@pytest.fixture(scope="module")
def userspace_archive():
    try:
        return cpio_entries(decompress_concatenated(provision.userspace().read_bytes()))
    except TargetUnavailable as e:
        pytest.skip(str(e))


def test_initramfs_contents(userspace_archive):
    files = userspace_archive
    assert files["init"][0] & 0o111 and files["init"][1].startswith(b"#!/bin/sh")
    assert files["bin/sh"] == (0o120777, b"busybox")
    for name in ("bin/busybox", "usr/bin/python3.11", "lib/ld-linux-aarch64.so.1",
                 "lib/aarch64-linux-gnu/libc.so.6", "lib/aarch64-linux-gnu/libffi.so.8",
                 "usr/lib/python3.11/os.py", "usr/lib/python3.11/ctypes/__init__.py",
                 "usr/lib/python3.11/lib-dynload/_ctypes.cpython-311-aarch64-linux-gnu.so"):
        assert name in files, name
    here = Path(initramfs.__file__).parent
    assert files["agent/agent.py"][1] == (here / "agent.py").read_bytes()
    assert files["agent/protocol.py"][1] == (here / "protocol.py").read_bytes()
    if sys.version_info[:2] == (3, 11):  # bytecode only from a host Python of the guest's version
        assert "agent/__pycache__/protocol.cpython-311.pyc" in files
        assert "usr/lib/python3.11/ctypes/__pycache__/__init__.cpython-311.pyc" in files
    # Trimmed to what the agent imports: nothing the emulated CPU would unpack for nothing.
    assert not any(n.startswith("usr/lib/python3.11/asyncio") for n in files)
    assert sum(len(d) for _, d in files.values()) < 20 << 20


# ---- the x86_64 guest: Debian's amd64 packages, KVM's modules loaded by init ---------------------------------

X86 = machines.qemu_system("x86_64")


def test_each_system_checks_its_own_kernel_magic():
    bz_image = bytes(0x202) + b"HdrS" + bytes(200)
    assert provision.image_bytes(bz_image, "x", X86) == bz_image
    with pytest.raises(TargetUnavailable, match="not an x86_64 Linux bzImage"):
        provision.image_bytes(ARM64_HEADER + bytes(200), "x", X86)
    with pytest.raises(TargetUnavailable, match="not an arm64 Linux Image"):
        provision.image_bytes(bz_image, "x")


def test_a_kernel_path_is_no_kernel_for_another_architecture(tmp_path):
    """--guest-kernel PATH is an arm64 Image: the x86_64 guest is then missing its kernel (skipped under `all`), and
    the other way round."""
    image = tmp_path / "Image"
    image.write_bytes(ARM64_HEADER + bytes(200))
    with pytest.raises(HostMissing, match=f"{image} is a kernel for arm64 \\(Image\\): no x86_64 guest "):
        provision.kernel(str(image), None, X86)
    bz = tmp_path / "bzImage"
    bz.write_bytes(bz_image(KVM_AMD_BUILT_IN))
    with pytest.raises(HostMissing, match=f"{bz} is a kernel for x86_64 \\(bzImage\\): no arm64 guest") as e:
        provision.kernel(str(bz), None)
    assert "\n" not in str(e.value)


# A vmlinux as far as the checks read it: an ELF file whose built-in modules' parameters carry their names
# (MODULE_PARAM_PREFIX), like "kvm_amd.nested" in a kernel built with CONFIG_KVM_AMD=y.
KVM_AMD_BUILT_IN = b"\x7fELF" + bytes(60) + b"\0kvm.tdp_mmu\0kvm_amd.nested\0kvm_amd.npt\0"
NO_KVM_AMD = b"\x7fELF" + bytes(60) + b"\0kvm.tdp_mmu\0kvm-amd.c\0svm: nested\0"


def bz_image(vmlinux: bytes, compress=gzip.compress) -> bytes:
    """An x86 bzImage as far as the checks read it: the setup header's magic, setup_sects and the payload's place
    (boot protocol 2.08+), the payload the compressed vmlinux."""
    payload = compress(vmlinux)
    setup = bytearray(2 * 512)  # setup_sects 1: the boot sector and one sector of setup
    setup[0x1f1] = 1
    setup[0x202:0x206] = b"HdrS"
    setup[0x248:0x24c] = (64).to_bytes(4, "little")  # payload_offset, from the protected-mode code's start
    setup[0x24c:0x250] = len(payload).to_bytes(4, "little")
    setup[0x20e:0x210] = (0x100).to_bytes(2, "little")  # kernel_version: its string at 0x300
    version = b"6.1.192 (kvm-abi@kvm-abi) #1\0"
    setup[0x300:0x300 + len(version)] = version
    return bytes(setup) + bytes(64) + payload + bytes(32)


def test_kernel_arch_is_the_images_and_none_for_debian_names(tmp_path):
    """What the plugin pairs kernels with machines by: a Debian name is every architecture's, a PATH its image's."""
    for name in provision.KERNELS:
        assert provision.kernel_arch(name) is None
    arm64, x86 = tmp_path / "Image", tmp_path / "bzImage"
    arm64.write_bytes(gzip.compress(ARM64_HEADER + bytes(200)))  # as Debian ships it: compressed
    x86.write_bytes(bz_image(KVM_AMD_BUILT_IN))
    assert provision.kernel_arch(str(arm64)) == "arm64"
    assert provision.kernel_arch(str(x86)) == "x86_64"
    junk = tmp_path / "vmlinux"
    junk.write_bytes(b"\x7fELF" + bytes(5000))
    with pytest.raises(TargetUnavailable) as e:
        provision.kernel_arch(str(junk))
    assert str(e.value).startswith(f"--guest-kernel {junk}: not a Linux kernel any guest boots (arm64 Image: 'ARMd' at "
                                   "0x38; x86_64 bzImage: 'HdrS' at 0x202")


def test_an_x86_kernel_path_boots_on_the_x86_system(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bz = tmp_path / "bzImage"
    bz.write_bytes(bz_image(KVM_AMD_BUILT_IN))
    k = provision.kernel(str(bz), None, X86)
    assert k.image.name == "bzImage" and k.image.read_bytes() == bz.read_bytes()
    assert k.kvm_modules == () and k.modules == ()  # built in: init loads nothing
    assert k.release == "6.1.192"  # from the setup header: the banner is in the compressed payload


@pytest.mark.parametrize("compress", [gzip.compress, lzma.compress], ids=["gzip", "xz"])
def test_an_x86_kernel_without_kvm_amd_is_one_line_naming_the_config(tmp_path, compress):
    bz = tmp_path / "bzImage"
    bz.write_bytes(bz_image(NO_KVM_AMD, compress))
    with pytest.raises(TargetUnavailable) as e:
        provision.check_kernel_option(str(bz))
    assert str(e.value) == (f"--guest-kernel {bz}: an x86_64 kernel without kvm_amd: its guest would have no /dev/kvm "
                            "(build it with CONFIG_KVM_AMD=y, or =m and give the module's directory with "
                            "--guest-modules)")
    assert provision.kernel_arch(str(bz)) == "x86_64"  # its architecture all the same: what it lacks is said above
    mods = tmp_path / "modules"
    mods.mkdir()
    (mods / "kvm-amd.ko").write_bytes(b"\x7fELF")  # a module of that name given: the guest's init loads it
    assert provision.check_kernel_option(str(bz), str(mods)).arch == "x86_64"


def test_validate_says_which_architecture_this_host_cannot_run(monkeypatch):
    """A host without qemu-system-x86_64 (nor apt-get to fetch it): validate says so for x86_64 and goes on."""
    from abi import validate

    real = shutil.which
    monkeypatch.setattr(provision.shutil, "which",
                        lambda tool: None if tool in ("qemu-system-x86_64", "apt-get") else real(tool))
    if validate.unavailable("arm64"):
        pytest.skip(f"this host cannot build and boot arm64 guests either: {validate.unavailable('arm64')}")
    assert validate.unavailable("x86_64") == ("qemu-system-x86_64 not found: install the Debian package(s) "
                                              "qemu-system-x86")


def test_apt_state_and_debs_are_named_by_architecture_arm64_keeping_its_names():
    """A warm arm64 cache stays warm: its apt state and .debs keep the names they had before amd64 came."""
    arm64, amd64 = debian.Apt("bookworm"), debian.Apt("bookworm", "amd64")
    assert arm64.root.name == "bookworm" and amd64.root.name == "bookworm-amd64"
    assert "-oAPT::Architecture=amd64" in amd64.opts and "-oAPT::Architecture=arm64" in arm64.opts


def test_kvm_modules_go_in_their_own_list_loaded_before_the_agent():
    serial, kvm_modules = [("virtio_console", b"\x7fELFa")], [("irqbypass", b"\x7fELFb"), ("kvm", b"\x7fELFc")]
    files = cpio_entries(initramfs.modules_archive(serial, kvm_modules).finish())
    assert files["modules/order"][1] == b"virtio_console\n"
    assert files["modules/kvm"][1] == b"irqbypass\nkvm\n"
    assert files["modules/kvm.ko"][1] == b"\x7fELFc"
    assert "modules/kvm" not in cpio_entries(initramfs.modules_archive(serial).finish())  # arm64: KVM built in
    init = initramfs.INIT
    # The serial driver loads in the background; KVM's modules in the foreground, so /dev/kvm exists before the
    # agent says HELLO (whose has_kvm the host believes).
    kvm_loop = init.index("/modules/kvm ")
    assert init.index("done &") < kvm_loop < init.index("agent.main")
    assert "done &" not in init[kvm_loop:]


def guest_assets(kernel_name: str, system) -> tuple:
    """A system's Debian kernel and the files of its initramfs; a skip with the one line where they cannot be had."""
    try:
        kernel, initrd = provision.assets(kernel_name, None, system)
    except (TargetUnavailable, HostMissing) as e:
        pytest.skip(str(e))
    return kernel, cpio_entries(decompress_concatenated(initrd.read_bytes()))


@pytest.fixture(scope="module")
def x86_assets():
    return guest_assets("debian-6.1", X86)


def test_x86_initramfs_has_amd64_userspace_and_kvm_amd(x86_assets):
    kernel, files = x86_assets
    assert kernel.release.endswith("-cloud-amd64") and kernel.image.name == "bzImage"
    provision.check_image_file(kernel.image, kernel.name, X86)
    for name in ("bin/busybox", "usr/bin/python3.11", "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6",
                 "lib/x86_64-linux-gnu/libffi.so.8",
                 "usr/lib/python3.11/lib-dynload/_ctypes.cpython-311-x86_64-linux-gnu.so", "agent/agent.py"):
        assert name in files, name
    assert not any("aarch64" in n for n in files)
    kvm_order = files["modules/kvm"][1].decode().split()
    assert kvm_order == ["irqbypass", "kvm", "kvm_amd"]  # dependencies first: kvm_amd needs kvm needs irqbypass
    serial = files["modules/order"][1].decode().split()
    assert serial[-2:] == ["virtio_pci", "virtio_console"]  # the q35 machine's virtio-serial-pci
    for mod in kvm_order + serial:
        assert files[f"modules/{mod}.ko"][1].startswith(b"\x7fELF")  # decompressed on the host: busybox insmod
    assert [m for m, _ in kernel.kvm_modules] == kvm_order


def test_debians_x86_kernel_without_its_modules_is_one_line_naming_kvm_amd(x86_assets):
    """Debian builds KVM as modules on amd64: its bzImage alone has no kvm_amd; with the modules' directory it does."""
    kernel, _ = x86_assets
    if pvh.elf(kernel.image.read_bytes()) is None:
        pytest.skip(f"{kernel.image}: its compressor's tool (Debian's kernel: lz4) is not installed")
    with pytest.raises(TargetUnavailable, match=r"an x86_64 kernel without kvm_amd: .*CONFIG_KVM_AMD=y, or =m"):
        provision.check_kernel_option(str(kernel.image))
    assert provision.check_kernel_option(str(kernel.image), str(kernel.image.parent / "modules")).arch == "x86_64"


# ---- the riscv64 guest: trixie's and sid's kernels, trixie's userspace ---------------------------------------

RISCV64 = machines.qemu_system("riscv64")


@pytest.fixture(scope="module")
def riscv64_assets():
    return guest_assets("debian-6.12", RISCV64)


def test_riscv64_initramfs_has_trixies_userspace_and_kvm_as_a_module(riscv64_assets):
    """Debian's riscv64 Image is /boot/vmlinux-* (uncompressed, an EFI application) in trixie's image package itself;
    trixie is merged-/usr (busybox in usr/bin, the loader in usr/lib) and its CPython is 3.13."""
    kernel, files = riscv64_assets
    assert kernel.release.endswith("-riscv64") and kernel.image.name == "Image"
    provision.check_image_file(kernel.image, kernel.name, RISCV64)
    for name in ("bin/busybox", "usr/bin/python3.13", "lib/ld-linux-riscv64-lp64d.so.1",
                 "lib/riscv64-linux-gnu/libc.so.6", "lib/riscv64-linux-gnu/libffi.so.8",
                 "usr/lib/python3.13/os.py", "usr/lib/python3.13/linecache.py",
                 "usr/lib/python3.13/lib-dynload/_ctypes.cpython-313-riscv64-linux-gnu.so", "agent/agent.py"):
        assert name in files, name
    assert b"/usr/bin/python3.13 " in files["init"][1]
    assert not any("aarch64" in n or "python3.11" in n for n in files)
    assert files["modules/kvm"][1].decode().split() == ["kvm"]  # CONFIG_KVM=m, no dependencies
    assert files["modules/order"][1].decode().split() == ["virtio_mmio"]  # the virtio console is built in
    assert [m for m, _ in kernel.kvm_modules] == ["kvm"]


def test_a_debian_kernel_riscv64_lacks_is_refused_before_anything_is_fetched(monkeypatch):
    monkeypatch.setattr(provision, "ensure_host_tools", lambda system: pytest.fail("installed a tool"))
    with pytest.raises(HostMissing, match="^--guest-kernel debian-6.1 does not apply to the riscv64 guests"):
        provision.assets("debian-6.1", None, RISCV64)


def _zboot(payload: bytes, name: bytes) -> bytes:
    """An EFI zboot file: MZ, "zimg", the payload's offset and size, its compression's name (zboot-header.S)."""
    head = bytearray(64)
    head[0:2], head[4:8] = b"MZ", b"zimg"
    head[8:12], head[12:16] = (64).to_bytes(4, "little"), len(payload).to_bytes(4, "little")
    head[24:24 + len(name)] = name
    return bytes(head) + payload


@pytest.mark.parametrize("pack", [gzip.compress, lzma.compress, lambda d: _zboot(gzip.compress(d), b"gzip"),
                                  lambda d: _zboot(lzma.compress(d), b"xz")], ids=["gzip", "xz", "zboot-gzip",
                                                                                   "zboot-xz"])
def test_a_compressed_kernel_file_is_read_as_the_image_inside(pack):
    image = bytearray(4096)
    image[0x38:0x3c] = b"ARMd"  # arm64's magic, no EFI stub
    system, data = provision.image_system(pack(bytes(image)), "--guest-kernel k")
    assert system.arch == "arm64" and data == bytes(image)


def test_a_damaged_compressed_kernel_file_is_one_line():
    for damaged, how in ((gzip.compress(b"x" * 4096)[:20], "gzip"), (_zboot(b"\x28\xb5\x2f\xfd", b"nope"),
                                                                      "EFI zboot nope")):
        with pytest.raises(TargetUnavailable) as e:
            provision.image_system(damaged, "--guest-kernel k")
        assert str(e.value).startswith(f"--guest-kernel k: a kernel compressed with {how}, which cannot be unpacked")


def test_a_zboot_kernel_whose_tool_is_missing_names_it(monkeypatch):
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "zstd" else real(tool))
    with pytest.raises(HostMissing) as e:
        provision.image_system(_zboot(b"\x28\xb5\x2f\xfd" + bytes(60), b"zstd"), "--guest-kernel k")
    assert str(e.value) == ("--guest-kernel k: a kernel compressed with EFI zboot zstd: zstd not found (apt-get "
                            "install zstd)")
