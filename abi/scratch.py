"""Private temp dirs named after the process that made them, and the sweep of those whose process is gone.

`mkdtemp("qemu")` makes `$TMPDIR/kvm-abi-qemu-<pid>-XXXXXXXX` (mode 0700). A process that ends normally removes
its own; one killed with SIGKILL (a crashed pytest-xdist worker, a worker the controller kills when it does not
come down in time) runs no code, so whoever comes next calls `sweep("qemu")`: every such dir of this user whose
<pid> is no longer a live process goes. A dir without a <pid> in its name (made by an older kvm-abi) is never
touched, nor one whose process lives (another run's), nor another user's.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile


def mkdtemp(what: str) -> str:
    return tempfile.mkdtemp(prefix=f"kvm-abi-{what}-{os.getpid()}-")


def alive(pid: int) -> bool:
    """Whether pid is a live process (a zombie, killed and not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def sweep(what: str) -> list[str]:
    """Remove this user's `kvm-abi-<what>-<pid>-*` dirs whose process is gone; the paths removed."""
    pattern = re.compile(rf"kvm-abi-{re.escape(what)}-(\d+)-[^/]+$")
    tmp = tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(tmp)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if not m or int(m.group(1)) == os.getpid() or alive(int(m.group(1))):
            continue
        path = os.path.join(tmp, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
