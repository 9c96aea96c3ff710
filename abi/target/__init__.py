"""Where ioctls run. `base` defines the interface; `local` is the host's /dev/kvm; `qemu` boots arm64 guests."""

from abi.target.base import Result, Target, TargetInfo, TargetLost, TargetUnavailable, errno_name

__all__ = ["Result", "Target", "TargetInfo", "TargetLost", "TargetUnavailable", "errno_name"]
