"""The x86 guest's kernel as QEMU boots it: the PVH ELF inside Debian's bzImage (abi/target/pvh.py), and its
initramfs stored, not compressed. Needs Debian's amd64 kernel package (skips with one line without it); no guest."""

import gzip

import pytest

from abi import machines
from abi.target import cache, compression, provision, pvh
from abi.target.base import HostMissing, TargetUnavailable

X86 = machines.qemu_system("x86_64")


@pytest.fixture(scope="module")
def x86_kernel():
    try:
        kernel, initrd = provision.assets("debian-6.1", None, X86)
    except (TargetUnavailable, HostMissing) as e:
        pytest.skip(str(e))
    return kernel, initrd


def test_debian_bzimage_boots_as_its_pvh_elf(x86_kernel):
    kernel, _ = x86_kernel
    elf = pvh.image(kernel.image)
    assert elf == kernel.image.with_name(pvh.NAME) != kernel.image
    data = elf.read_bytes()
    assert data[:6] == b"\x7fELF\x02\x01" and pvh.has_pvh_entry(data)
    assert pvh.elf_end(data) == len(data)  # the decompressor's relocation table left behind
    assert len(data) < len(compression.unpack(pvh.payload(kernel.image.read_bytes())))
    # Recorded with the kernel's directory: a damaged ELF is caught like a damaged bzImage.
    assert cache.problem(kernel.image.parent) == ""
    assert pvh.image(kernel.image) == elf  # kept, not unpacked again


def test_a_kernel_without_a_pvh_entry_boots_its_bzimage(x86_kernel, tmp_path):
    kernel, _ = x86_kernel
    bzimage = kernel.image.read_bytes()
    elf = compression.unpack(pvh.payload(bzimage))
    entry = (pvh.XEN_ELFNOTE_PHYS32_ENTRY).to_bytes(4, "little") + b"Xen\0"
    assert elf.count(entry) == 1
    assert not pvh.has_pvh_entry(elf.replace(entry, (0x7f).to_bytes(4, "little") + b"Xen\0"))
    # A payload compressed with what nothing here unpacks (its magic garbled): the bzImage itself boots.
    setup = ((bzimage[0x1f1] or 4) + 1) * 512 + int.from_bytes(bzimage[0x248:0x24c], "little")
    garbled = bzimage[:setup] + b"\0\0\0\0" + bzimage[setup + 4:]
    assert pvh.vmlinux(garbled) is None
    assert pvh.vmlinux(b"\0" * 4096) is None  # no bzImage at all (no HdrS)
    copy = tmp_path / "bzImage"
    copy.write_bytes(garbled)
    assert pvh.image(copy) == copy and not (tmp_path / pvh.NAME).exists()


def test_x86_initramfs_is_stored_not_compressed(x86_kernel):
    _, initrd = x86_kernel
    data = initrd.read_bytes()
    assert data[:2] == b"\x1f\x8b"  # still gzip: the kernel and the cache's names take it as before
    # Stored (level 0): the archive's own bytes are in the file, so the guest's kernel only copies them.
    assert b"070701" in data[:4096] and len(data) > len(gzip.decompress(data))


def test_an_unrecorded_elf_is_unpacked_again_and_recorded(x86_kernel, tmp_path, monkeypatch):
    """A vmlinux the kernel directory's digests do not cover (a run killed between writing and recording it) is not
    trusted: it is unpacked again, and recorded."""
    kernel, _ = x86_kernel
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kdir = cache.cache_dir() / "kernels" / "k"
    kdir.mkdir(parents=True)
    (kdir / "bzImage").write_bytes(kernel.image.read_bytes())
    cache.record(kdir)
    (kdir / pvh.NAME).write_bytes(b"\x7fELF half written")
    elf = pvh.image(kdir / "bzImage")
    assert elf == kdir / pvh.NAME and pvh.has_pvh_entry(elf.read_bytes())
    assert pvh.NAME in cache.recorded(kdir) and cache.problem(kdir) == ""
