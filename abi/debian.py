"""Debian's packages (arm64; amd64 for the x86_64 guest), fetched into the cache: the guests' kernels and userspace
(abi.target.provision), the KVM documentation (abi.spec.docs) and other releases' UAPI headers (abi.headers) all come
from here.

Packages are fetched with the host's own apt, pointed by command-line options at a private state directory per
channel, so the host's apt configuration is never touched. The mirrors are the ones the host's apt already uses
(read from its sources). A .deb is kept in the cache under its package version and checked against Debian's own
SHA256 when used; the package lists are asked again after LISTS_MAX_AGE.

What cannot be had (no mirror in the host's sources, no network, no such package, apt or dpkg-deb failing) is
PackageUnavailable, whose message is one line; each user turns it into its own error (a target that cannot be
provisioned, documentation or headers that cannot be checked).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from abi import machines
from abi.target import cache

# Debian's arm64 cloud kernels by the name kvm-abi gives them (--guest-kernel, the documentation's kernel):
# name -> (package channel, meta package whose dependency is the kernel image), as the arm64 guests' record says.
KERNELS = machines.qemu_system("arm64").kernels
CHANNEL_SUITES = {"bookworm": (("debian", "bookworm"), ("debian", "bookworm-updates"),
                               ("debian-security", "bookworm-security")),
                  "trixie": (("debian", "trixie"), ("debian", "trixie-updates"),
                             ("debian-security", "trixie-security")),
                  "sid": (("debian", "sid"),)}
LISTS_MAX_AGE = 24 * 3600  # after that, ask the mirror again for newer versions
# Bounds for every external command (seconds): a full disk made `apt-get update` hang forever.
TIMEOUTS = {"apt-get": 600, "apt-cache": 120, "dpkg-deb": 300}


class PackageUnavailable(Exception):
    """A Debian package cannot be had here; the message is one line saying why."""


class AptMissing(PackageUnavailable):
    """The host has no apt-get at all: what is missing is the host's, not the archive's (provisioning tells the
    two apart: a host that lacks a tool skips its guests under --target all, a failing download is an error)."""


def log(msg: str) -> None:
    print(f"kvm-abi: {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], what: str, timeout: float | None = None, error: type[Exception] = PackageUnavailable,
        **kw) -> subprocess.CompletedProcess:
    """Run a command with a time bound; a failure is `error` with one line (provisioning's own commands, dtc and
    QEMU, share the bounds and the wording but fail as the target)."""
    timeout = timeout or TIMEOUTS.get(os.path.basename(cmd[0]), 300)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise error(f"{what} did not finish within {timeout:.0f} s (killed)") from None
    if proc.returncode:
        out = (proc.stderr or proc.stdout).strip().splitlines()
        full = [line for line in out if "No space left on device" in line]
        if full:
            where = kw.get("cwd") or cache.cache_dir()
            raise error(f"{what} failed: no space left on the device of {where} "
                        f"({cache.mb(cache.free_bytes(Path(where)))} free): {full[0].strip()}")
        last = out[-1:] or ["(no output)"]
        raise error(f"{what} failed: {last[0]}")
    return proc


def host_mirrors(files: list[Path] | None = None) -> dict[str, tuple[str, str]]:
    """{"debian": (uri, signed_by), "debian-security": ...} from the host's apt sources (both formats)."""
    found: dict[str, tuple[str, str]] = {}
    if files is None:
        files = [Path("/etc/apt/sources.list")] + sorted(Path("/etc/apt/sources.list.d").glob("*"))
    for f in files:
        try:
            text = f.read_text()
        except OSError:
            continue
        entries = []
        if f.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", stanza, re.M))
                for uri in fields.get("URIs", "").split():
                    entries.append((uri, fields.get("Signed-By", "")))
        elif f.suffix == ".list" or f.name == "sources.list":
            for line in text.splitlines():
                m = re.match(r"\s*deb\s+(?:\[([^]]*)\]\s+)?(\S+)", line)
                if m:
                    signed = re.search(r"signed-by=(\S+)", m.group(1) or "")
                    entries.append((m.group(2), signed.group(1) if signed else ""))
        for uri, signed in entries:
            kind = uri.rstrip("/").rsplit("/", 1)[-1]
            if kind in ("debian", "debian-security") and kind not in found:
                found[kind] = (uri.rstrip("/"), signed)
    return found


class Apt:
    """apt-get for one architecture's packages of one channel (bookworm or sid), with all state in the cache."""

    def __init__(self, channel: str, arch: str = "arm64"):
        self.channel, self.arch = channel, arch
        # arm64's state keeps its first name (apt/bookworm): a warm cache stays warm.
        self.root = cache.cache_dir() / "apt" / (channel if arch == "arm64" else f"{channel}-{arch}")
        self.lists = self.root / "lists"
        mirrors = host_mirrors()
        lines = []
        for kind, suite in CHANNEL_SUITES[channel]:
            if kind not in mirrors:
                raise PackageUnavailable(f"no '{kind}' archive in this host's apt sources: cannot fetch {arch} "
                                         "packages (add Debian's archive to /etc/apt/sources.list.d)")
            uri, signed = mirrors[kind]
            opt = f"[signed-by={signed}] " if signed else ""
            lines.append(f"deb {opt}{uri} {suite} main\n")
        sources = self.root / "sources.list"
        try:
            for d in (self.lists / "partial", self.root / "cache/archives/partial", self.root / "parts"):
                d.mkdir(parents=True, exist_ok=True)
            if not sources.exists() or sources.read_text() != "".join(lines):
                sources.write_text("".join(lines))
        except OSError:
            if cache.writable():
                raise
        self.opts = [
            f"-oAPT::Architecture={arch}", f"-oAPT::Architectures={arch}",
            f"-oDir::State::Lists={self.lists}", f"-oDir::Cache={self.root / 'cache'}",
            f"-oDir::Etc::SourceList={self.root / 'sources.list'}", f"-oDir::Etc::SourceParts={self.root / 'parts'}",
            "-oAPT::Sandbox::User=root",  # our own cache dir: no need to hand downloads to the _apt user
        ]
        self._updated = False

    _said_read_only = False

    def update(self, force: bool = False) -> None:
        stamp = self.root / "updated"
        fresh = stamp.exists() and time.time() - stamp.stat().st_mtime < LISTS_MAX_AGE
        if self._updated or (fresh and not force):
            return
        if stamp.exists() and not cache.writable():
            if not Apt._said_read_only:
                log(f"read-only cache: its {self.arch} package lists ({self.channel}) are used as they are")
                Apt._said_read_only = True
            self._updated = True
            return
        if not shutil.which("apt-get"):
            raise AptMissing(f"apt-get not found: {self.arch} guest packages come from Debian's archive")
        log(f"apt-get update ({self.arch}, {self.channel})")
        cache.need_space(self.root, 64 << 20, f"the {self.arch} package lists of Debian {self.channel}")
        run(["apt-get", *self.opts, "update"], f"apt-get update for {self.arch} {self.channel}")
        stamp.touch()
        self._updated = True

    def show(self, package: str) -> dict[str, str]:
        """The candidate version's Version and Depends, remembered until the next `update`."""
        self.update()
        memo_path = self.root / "show.json"
        stamp = str((self.root / "updated").stat().st_mtime)
        memo = json.loads(memo_path.read_text()) if memo_path.exists() else {}
        if memo.get("stamp") != stamp or memo.get("format") != 2:  # 2: with Debian's SHA256 and sizes
            memo = {"stamp": stamp, "format": 2, "packages": {}}
        if package not in memo["packages"]:
            try:
                proc = subprocess.run(["apt-cache", *self.opts, "show", "--no-all-versions", package],
                                      capture_output=True, text=True, timeout=TIMEOUTS["apt-cache"])
            except subprocess.TimeoutExpired:
                raise PackageUnavailable(f"apt-cache show {package} did not finish within "
                                         f"{TIMEOUTS['apt-cache']} s (killed)") from None
            if proc.returncode or not proc.stdout.strip():
                raise PackageUnavailable(f"{self.arch} package {package} not found in Debian {self.channel}")
            fields = dict(re.findall(r"^([\w-]+): (.*)$", proc.stdout.split("\n\n")[0], re.M))
            memo["packages"][package] = {k: fields.get(k, "") for k in ("Version", "Depends", "SHA256", "Size",
                                                                         "Installed-Size")}
            if cache.writable():
                cache.atomic_write(memo_path, json.dumps(memo).encode())
        return memo["packages"][package]

    def deb_path(self, package: str) -> Path:
        version = self.show(package)["Version"]
        return cache.cache_dir() / "debs" / f"{package}_{version.replace(':', '%3a')}_{self.arch}.deb"

    def fetch(self, package: str) -> Path:
        """The .deb of the candidate version, downloaded into the cache once."""
        info = self.show(package)
        version, debian_sha = info["Version"], info.get("SHA256", "")
        path = self.deb_path(package)
        debs = path.parent
        if path.exists() and cache.recorded(path) is None and debian_sha and cache.writable():
            cache.record(path, {".": debian_sha})  # from an older kvm-abi: Debian's checksum is the record
        if not cache.usable(path, f"debs/{path.name}", "downloading it again"):
            log(f"downloading {package} {version} ({self.arch})")
            debs.mkdir(exist_ok=True)
            cache.need_space(debs, int(info.get("Size") or 0), f"{package} {version}")
            with tempfile.TemporaryDirectory(dir=debs) as tmp:
                run(["apt-get", *self.opts, "download", f"{package}={version}"], f"apt-get download {package}",
                    cwd=tmp)
                (got,) = Path(tmp).glob("*.deb")
                os.replace(got, path)
            cache.record(path, {".": debian_sha or cache.sha256(path)})
        return path


def unpack(debs: list[Path], dest: Path) -> None:
    need = sum(d.stat().st_size for d in debs) * 4  # a .deb unpacks to about 2-4 times its size
    cache.need_space(dest, need, f"unpacking {', '.join(d.name for d in debs)}")
    for deb in debs:
        run(["dpkg-deb", "-x", str(deb), str(dest)], f"dpkg-deb -x {deb.name}")
