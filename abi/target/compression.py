"""The compressions kernel files come in, by magic or by the name a header gives: one table for the arm64 and
riscv64 Images Debian ships compressed (gzip, or EFI zboot), and the payload inside an x86 bzImage."""

from __future__ import annotations

import lzma
import shutil
import subprocess
import zlib


def _gzip(data: bytes) -> bytes:  # one member: what follows it (a bzImage's appended size) is not gzip's
    return zlib.decompressobj(31).decompress(data)


def _xz(data: bytes) -> bytes:
    return lzma.LZMADecompressor().decompress(data)


def _lzma(data: bytes) -> bytes:
    return lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(data)


# Python's own decompressor, or the tool that has one. `lz4 -d` reads the kernel's legacy frames, then complains
# about the size the kernel appends: its status says nothing, the caller checks the output's own magic.
_ZSTD = ["zstd", "-dcq"]
_LZ4 = ["lz4", "-dcq"]

# By magic: the first bytes of the compressed stream.
BY_MAGIC = ((b"\x1f\x8b", _gzip), (b"\xfd7zXZ\x00", _xz), (b"\x5d\x00\x00", _lzma), (b"\x28\xb5\x2f\xfd", _ZSTD),
            (b"\x02\x21\x4c\x18", _LZ4))
# By the name an EFI zboot header gives its payload (drivers/firmware/efi/libstub/zboot-header.S, CONFIG_KERNEL_*).
BY_NAME = {"gzip": _gzip, "xz": _xz, "lzma": _lzma, "zstd": _ZSTD, "lz4": _LZ4}


def _run(how, data: bytes) -> bytes | None:
    try:
        if callable(how):
            return how(data)
        if shutil.which(how[0]):
            return subprocess.run(how, input=data, capture_output=True, timeout=300).stdout
    except (OSError, EOFError, zlib.error, lzma.LZMAError, subprocess.SubprocessError):
        pass
    return None


def unpack(data: bytes) -> bytes | None:
    """`data` decompressed by the decompressor of its magic; None where no decompressor here takes it (no magic of
    BY_MAGIC, a tool missing, a corrupt stream)."""
    for magic, how in BY_MAGIC:
        if data.startswith(magic):
            return _run(how, data)
    return None


def unpack_named(name: str, data: bytes) -> bytes | None:
    """`data` decompressed as `name` says (a zboot header's compression name); None where that cannot be done here."""
    how = BY_NAME.get(name)
    return _run(how, data) if how else None


def missing_tool(data: bytes = b"", name: str = "") -> str:
    """The tool (a Debian package of the same name) that `data`'s magic, or compression `name`, needs and this host
    lacks; '' where Python unpacks it or the tool is there."""
    how = BY_NAME.get(name) if name else next((h for m, h in BY_MAGIC if data.startswith(m)), None)
    return how[0] if isinstance(how, list) and not shutil.which(how[0]) else ""
