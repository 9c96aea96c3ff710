"""The KVM documentation of a Debian kernel, fetched at run time from its linux-doc package (never committed).

`kvm_docs("debian-6.1")` returns a directory with api.rst and devices/*.rst of the kernel that
`--guest-kernel debian-6.1` boots, cached under the XDG cache directory by package version. Documentation that
cannot be had here is DocsUnavailable, whatever the target.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from abi import debian
from abi.target import cache


class DocsUnavailable(Exception):
    """A kernel's documentation cannot be had here (not a Debian kernel name, no archive or network, a broken
    package); the message is one line saying why."""


def doc_package(kernel: str) -> tuple[debian.Apt, str]:
    """linux-doc-<major.minor> of the kernel a --guest-kernel name stands for."""
    if kernel not in debian.KERNELS:
        raise DocsUnavailable(f"{kernel}: not a Debian kernel name ({', '.join(debian.KERNELS)})")
    channel, meta = debian.KERNELS[kernel]
    try:
        apt = debian.Apt(channel)
        depends = apt.show(meta).get("Depends", "")
    except debian.PackageUnavailable as e:
        raise DocsUnavailable(str(e)) from None
    m = re.search(r"linux-image-(\d+\.\d+)", depends)
    if not m:
        raise DocsUnavailable(f"{meta} in Debian {channel} names no versioned kernel image")
    return apt, f"linux-doc-{m.group(1)}"


def kvm_docs(kernel: str) -> Path:
    apt, package = doc_package(kernel)
    try:
        version = apt.show(package)["Version"]
        out = cache.cache_dir() / "docs" / f"{package}_{version.replace(':', '%3a')}"
        if cache.usable(out, f"docs/{out.name}", "unpacking it again"):
            return out
        deb = apt.fetch(package)
    except debian.PackageUnavailable as e:
        raise DocsUnavailable(str(e)) from None
    debian.log(f"unpacking the KVM documentation of {package} {version}")
    with tempfile.TemporaryDirectory(dir=cache.cache_dir()) as tmp:
        fs = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
        try:
            subprocess.run(["tar", "-x", "-C", tmp, "--wildcards", "*/Documentation/virt/kvm/*"], stdin=fs.stdout,
                           check=True, capture_output=True, timeout=300)
            fs.wait(timeout=60)
        except subprocess.TimeoutExpired:
            fs.kill()
            raise DocsUnavailable(f"unpacking {deb.name} did not finish within 300 s (killed)") from None
        finally:
            fs.stdout.close()
        (src,) = Path(tmp).glob("usr/share/doc/*/Documentation/virt/kvm")
        staging = Path(tmp, "out")
        for f in src.rglob("*.rst*"):
            rel = f.relative_to(src)
            dest = staging / (rel.with_suffix("") if f.suffix == ".gz" else rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes())
        if not (staging / "api.rst").exists():
            raise DocsUnavailable(f"{package} {version} has no Documentation/virt/kvm/api.rst")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
        cache.record(out)
    return out
