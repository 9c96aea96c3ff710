"""The cache's integrity, space and upkeep: a digest for every artefact, checked on use; a read-only cache; free space
checked before anything big is written; `python -m abi cache size|verify|prune`.

Every artefact `A` (a file, or a directory such as an unpacked kernel or linux-doc) gets a sidecar `A.sha256` when it is
written: one line per file, `<sha256>  <path relative to A>` (`.` for a file). A downloaded .deb's sidecar holds
Debian's own SHA256 (from the archive's package index, which apt verified). `problem(A)` says in a few words what is
wrong (missing files, files whose content changed, no recorded digest); the callers rebuild or re-fetch it, saying so.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import hashlib
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

SIDECAR = ".sha256"
USED = ".used"  # a per-artefact stamp whose mtime is the last run that used it (user kernels: prune)
USER_KERNELS_KEPT = 8  # --guest-kernel PATH entries kept; the least recently used beyond that are removed


def cache_dir(create: bool = True) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = Path(base) / "kvm-abi"
    if create:
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            if not d.is_dir():
                raise OSError(e.errno, f"cannot create the cache {d}: {e.strerror}") from None
    return d


@contextmanager
def cache_lock(name: str = "lock"):
    """Serialise builders across processes (pytest-xdist workers provisioning the same artefacts). In a read-only
    cache (a CI image's pre-seeded one) nobody can build: the lock is taken shared where its file exists, else
    not at all, and what is needed must be there already."""
    path = cache_dir() / name
    try:
        f = open(path, "a")
    except OSError:
        try:
            f = open(path)
        except OSError:
            yield
            return
    with f:
        fcntl.flock(f, fcntl.LOCK_EX if f.mode == "a" else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def atomic_write(path: Path, data: bytes) -> None:
    need_space(path.parent, len(data), path.name)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


_writable: dict[str, bool] = {}


def writable() -> bool:
    """Whether this process can write the cache (a CI image may ship it read-only, and root passes mode bits)."""
    d = cache_dir()
    if str(d) not in _writable:
        try:
            probe = d / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
            _writable[str(d)] = True
        except OSError:
            _writable[str(d)] = False
    return _writable[str(d)]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def _files(path: Path) -> dict[str, Path]:
    if path.is_file():
        return {".": path}
    return {str(p.relative_to(path)): p for p in sorted(path.rglob("*")) if p.is_file()}


def record(path: Path, digests: dict[str, str] | None = None) -> None:
    """Write the artefact's sidecar (its files' digests, or the ones given: Debian's for a .deb)."""
    if digests is None:
        digests = {rel: sha256(p) for rel, p in _files(path).items()}
    text = "".join(f"{d}  {rel}\n" for rel, d in sorted(digests.items()))
    tmp = sidecar(path).with_name(sidecar(path).name + f".{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, sidecar(path))
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if writable():
            raise
        del e  # a read-only cache: nothing can be recorded, nor changed


def recorded(path: Path) -> dict[str, str] | None:
    try:
        text = sidecar(path).read_text()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        digest, _, rel = line.partition("  ")
        out[rel] = digest
    return out


def problem(path: Path) -> str:
    """'' when the artefact matches its recorded digests; else what is wrong, in a few words."""
    if not path.exists():
        return "missing"
    want = recorded(path)
    if want is None:
        return "no digest recorded (cached by an older kvm-abi, or its writing was interrupted)"
    have = _files(path)
    missing = sorted(set(want) - set(have))
    changed = sorted(rel for rel in set(want) & set(have) if sha256(have[rel]) != want[rel])
    parts = []
    if missing:
        parts.append(f"{len(missing)} file{'s' if len(missing) > 1 else ''} missing ({missing[0]}"
                     + (", ..." if len(missing) > 1 else "") + ")")
    if changed:
        plural = "s" if len(changed) > 1 else ""
        what = ("content" if changed == ["."] else
                f"{len(changed)} file{plural} ({changed[0]}" + (", ..." if len(changed) > 1 else "") + ")")
        parts.append(f"{what} differs from its recorded sha256")
    return "; ".join(parts)


def usable(path: Path, what: str, action: str) -> bool:
    """Whether the cached artefact can be used as it is. When it is damaged, say so in one line (`action`: what is
    done instead, e.g. "downloading it again") and return False. A read-only cache's artefact without a digest is
    used as it is (nothing can be rebuilt there), said once."""
    if not path.exists():
        return False
    why = problem(path)
    if not why:
        return True
    if why.startswith("no digest") and not writable():
        _say(f"{what}: no digest recorded and the cache is read-only: used unverified")
        return True
    _say(f"{what} in the cache is damaged: {why}; {action}" if not why.startswith("no digest") else
         f"{what}: {why}; {action}")
    return False


def touch_used(path: Path) -> None:
    try:
        Path(str(path) + USED).touch()
    except OSError:
        pass


def _say(msg: str) -> None:
    print(f"kvm-abi: {msg}", file=sys.stderr, flush=True)


# ---- space -------------------------------------------------------------------------------------------------

MARGIN = 16 << 20


def free_bytes(path: Path) -> int:
    """Free space where `path` is (or will be: its nearest existing parent)."""
    path = Path(path)
    while not path.exists() and path.parent != path:
        path = path.parent
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def need_space(path: Path, nbytes: int, what: str) -> None:
    """Raise OSError(ENOSPC) with one line naming the path and the space needed, before writing `nbytes` there."""
    free = free_bytes(path)
    if free < nbytes + MARGIN:
        raise NoSpace(path, nbytes + MARGIN, free, what)


class NoSpace(OSError):
    def __init__(self, path: Path, need: int, free: int, what: str):
        super().__init__(errno.ENOSPC, f"no space left for {what} in {path}: needs about {mb(need)}, {mb(free)} free")


def mb(n: int) -> str:
    return f"{n / (1 << 20):.0f} MB" if n >= 1 << 20 else f"{n / 1024:.0f} KB"


def no_space_line(e: OSError, where: Path) -> str:
    """One line for an ENOSPC met while writing (e.filename, or the cache)."""
    if isinstance(e, NoSpace):
        return str(e.strerror)
    path = Path(e.filename) if e.filename else where
    d = path if path.is_dir() else path.parent
    try:
        free = mb(free_bytes(d))
    except OSError:
        free = "?"
    return (f"no space left on the device of {path} ({free} free there): free some space or point XDG_CACHE_HOME "
            "elsewhere")


# ---- python -m abi cache -----------------------------------------------------------------------------------

def artefacts(root: Path) -> list[Path]:
    """Everything in the cache that has (or should have) a digest."""
    out = []
    for sub, pattern in (("debs", "*.deb"), ("kernels", "*"), ("initramfs", "*.cpio.gz"), ("dtb", "*.dtb"),
                         ("docs", "*")):
        for p in sorted((root / sub).glob(pattern)):
            if not p.name.endswith((SIDECAR, USED)) and ".tmp" not in p.name:
                out.append(p)
    return out


def du(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def prune(root: Path, days: float | None, keep: int = USER_KERNELS_KEPT, say=_say) -> int:
    """Remove --guest-kernel PATH entries unused for `days` (or beyond the `keep` most recently used), their
    initramfs, and what killed runs left (temp dirs, *.tmp). Returns the bytes freed."""
    freed = 0
    users = sorted((root / "kernels").glob("user-*"), key=lambda p: _last_use(p), reverse=True)
    users = [p for p in users if p.is_dir()]
    now = time.time()
    doomed = [p for i, p in enumerate(users) if i >= keep or (days is not None and now - _last_use(p) > days * 86400)]
    for p in doomed:
        key = p.name
        victims = [p, sidecar(p), Path(str(p) + USED), *(root / "initramfs").glob(f"*-{key}.cpio.gz*")]
        when = time.strftime("%Y-%m-%d", time.localtime(_last_use(p)))
        freed += _remove(victims, say, f"kernels/{key} (last used {when})")
    leftovers = [p for p in root.glob("tmp*") if p.is_dir()] + list(root.rglob("*.tmp")) + list(root.glob(".probe-*"))
    leftovers = [p for p in leftovers if not _in_use(p)]
    if leftovers:
        freed += _remove(leftovers, say, f"{len(leftovers)} leftover temp file(s) of killed runs")
    return freed


def _in_use(p: Path) -> bool:
    """A temp file or dir younger than an hour may be another run's work in progress."""
    try:
        return time.time() - p.lstat().st_mtime < 3600
    except OSError:
        return True


def _last_use(p: Path) -> float:
    for q in (Path(str(p) + USED), p):
        try:
            return q.stat().st_mtime
        except OSError:
            pass
    return 0.0


def _remove(paths: list[Path], say, what: str) -> int:
    n = 0
    for p in paths:
        if not p.exists() and not p.is_symlink():
            continue
        n += du(p)
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    say(f"removed {what}: {mb(n)}")
    return n


def add_parser(sub) -> None:
    p = sub.add_parser("cache", help="the guest cache (~/.cache/kvm-abi): size, verify, prune",
                       description="size: what each part of the cache takes; verify: every artefact against its "
                                   "recorded sha256 (exit 1 if any is damaged: the next run re-fetches or rebuilds "
                                   "it; --repair removes it now); prune: --guest-kernel PATH entries unused for --days "
                                   "or beyond the most recent --keep, and what killed runs left.")
    p.add_argument("action", choices=("size", "verify", "prune"))
    p.add_argument("--days", type=float, default=30.0, help="prune: user kernels unused this long (default 30)")
    p.add_argument("--keep", type=int, default=USER_KERNELS_KEPT,
                   help=f"prune: user kernels kept at most (default {USER_KERNELS_KEPT})")
    p.add_argument("--repair", action="store_true", help="verify: remove what is damaged")
    p.set_defaults(func=main)


def main(args) -> int:
    root = cache_dir(create=False)
    if not root.is_dir():
        print(f"{root}: no cache yet")
        return 0
    if args.action == "size":
        total = 0
        for part in sorted(root.iterdir()):
            n = du(part)
            total += n
            if part.is_dir():
                print(f"{mb(n):>9}  {part.name}")
        print(f"{mb(total):>9}  total ({root})")
        return 0
    if args.action == "prune":
        if not writable():
            print(f"kvm-abi: {root} is read-only: nothing pruned")
            return 1
        freed = prune(root, args.days, args.keep, say=lambda m: print(f"kvm-abi: {m}"))
        print(f"kvm-abi: {mb(freed)} freed in {root}")
        return 0
    started = time.monotonic()
    bad = 0
    items = artefacts(root)
    for p in items:
        why = problem(p)
        if why:
            bad += 1
            print(f"damaged: {p.relative_to(root)}: {why}")
            if args.repair:
                _remove([p, sidecar(p)], lambda m: print(f"kvm-abi: {m}"), str(p.relative_to(root)))
    verdict = (f"{bad} damaged" + ("" if args.repair else " (the next run re-fetches or rebuilds them)")
               if bad else "all intact")
    print(f"kvm-abi: {len(items)} artefacts verified in {time.monotonic() - started:.1f} s: {verdict}")
    return 1 if bad and not args.repair else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m abi.target.cache")
    add_parser(parser.add_subparsers(dest="cmd", required=True))
    a = parser.parse_args()
    sys.exit(a.func(a))
