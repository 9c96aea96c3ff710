"""x86 kernels booted through their PVH entry: the ELF kernel inside a bzImage, given to QEMU as it is.

QEMU's x86 loader starts an ELF kernel that has a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, CONFIG_PVH: Debian's
amd64 kernels have it) directly in 32-bit protected mode at that entry: no real-mode setup code, no decompressor,
no relocation pass. Under TCG those are a third of a second of emulated boot with 6.1's LZ4 payload and about a
second with the zstd payloads of 6.12 and sid (measured, docs/research/x86-boot.md).

The ELF is unpacked from the bzImage on first use and kept beside it in the kernel's cache directory (recorded
with it, pruned with it). A bzImage whose payload cannot be unpacked here, or whose kernel has no PVH entry, or a
read-only cache: the bzImage boots as it is.
"""

from __future__ import annotations

from pathlib import Path

from abi.target import cache, compression

NAME = "vmlinux"  # the ELF's name beside the bzImage
XEN_ELFNOTE_PHYS32_ENTRY = 18  # include/xen/interface/elfnote.h
PT_NOTE = 4

def payload(bzimage: bytes) -> bytes:
    """The compressed kernel of a bzImage: payload_offset/payload_length of the setup header (boot protocol 2.08,
    Documentation/arch/x86/boot.rst), counted from the protected-mode code after the setup sectors."""
    setup = ((bzimage[0x1f1] or 4) + 1) * 512
    offset = int.from_bytes(bzimage[0x248:0x24c], "little")
    length = int.from_bytes(bzimage[0x24c:0x250], "little")
    return bzimage[setup + offset:setup + offset + length]


def _u(data: bytes, offset: int, size: int) -> int:
    return int.from_bytes(data[offset:offset + size], "little")


def elf_end(elf: bytes) -> int:
    """Where a 64-bit ELF file's last segment or its section table ends: what follows (the decompressor's relocation
    table) is no part of it."""
    phoff, shoff = _u(elf, 0x20, 8), _u(elf, 0x28, 8)
    phentsize, phnum, shentsize, shnum = _u(elf, 0x36, 2), _u(elf, 0x38, 2), _u(elf, 0x3a, 2), _u(elf, 0x3c, 2)
    end = max(phoff + phentsize * phnum, shoff + shentsize * shnum)
    for i in range(phnum):
        ph = phoff + i * phentsize
        end = max(end, _u(elf, ph + 8, 8) + _u(elf, ph + 32, 8))  # p_offset + p_filesz
    return end


def has_pvh_entry(elf: bytes) -> bool:
    """Whether a 64-bit little-endian ELF file has a Xen PHYS32_ENTRY note in a PT_NOTE segment."""
    if elf[:6] != b"\x7fELF\x02\x01":
        return False
    phoff, phentsize, phnum = _u(elf, 0x20, 8), _u(elf, 0x36, 2), _u(elf, 0x38, 2)
    for i in range(phnum):
        ph = phoff + i * phentsize
        if _u(elf, ph, 4) != PT_NOTE:
            continue
        pos, end = _u(elf, ph + 8, 8), _u(elf, ph + 8, 8) + _u(elf, ph + 32, 8)
        while pos + 12 <= end:
            namesz, descsz, kind = _u(elf, pos, 4), _u(elf, pos + 4, 4), _u(elf, pos + 8, 4)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and kind == XEN_ELFNOTE_PHYS32_ENTRY:
                return True
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def elf(bzimage: bytes) -> bytes | None:
    """The ELF kernel inside a bzImage, or None (no bzImage, or its compressor cannot be unpacked here)."""
    out = compression.unpack(payload(bzimage)) if bzimage[0x202:0x206] == b"HdrS" else None
    return out if out and out.startswith(b"\x7fELF") else None


def vmlinux(bzimage: bytes) -> bytes | None:
    """The PVH-bootable ELF kernel inside a bzImage, or None (not unpackable here, or no PVH entry)."""
    elf_file = elf(bzimage)
    return elf_file[:elf_end(elf_file)] if elf_file and has_pvh_entry(elf_file) else None


def image(bzimage: Path) -> Path:
    """The file to give QEMU's -kernel for this bzImage: its PVH ELF (unpacked once, kept beside it), or itself."""
    out = bzimage.with_name(NAME)

    def kept() -> bool:  # recorded with the directory, so the kernel's own check on use covers it
        return out.exists() and NAME in (cache.recorded(bzimage.parent) or {})

    if kept() or (out.exists() and not cache.writable()):
        return out
    if not cache.writable():
        return bzimage
    with cache.cache_lock():
        if not kept():
            elf = vmlinux(bzimage.read_bytes())
            if elf is None:
                return bzimage
            cache.atomic_write(out, elf)
            cache.record(bzimage.parent)
    return out
