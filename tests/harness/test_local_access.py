"""The local target on a host without a usable /dev/kvm: one line saying what is missing and what to do, judged
from the device itself (its group and mode), never a generic 'join the kvm group'."""

import grp
import os

import pytest

from abi.target.base import HostMissing
from abi.target.local import LocalTarget, access_advice


def test_no_device_is_the_host_missing_kvm(tmp_path):
    with pytest.raises(HostMissing, match="does not exist \\(no KVM on this host"):
        LocalTarget(str(tmp_path / "kvm"))


def _device(tmp_path, gid: int, mode: int) -> str:
    path = tmp_path / "kvm"
    path.write_text("")
    os.chown(path, 0, gid)
    path.chmod(mode)
    return str(path)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file another group")
def test_advice_names_the_devices_own_group(tmp_path):
    group = grp.getgrnam("users") if "users" in {g.gr_name for g in grp.getgrall()} else grp.getgrall()[-1]
    assert access_advice(_device(tmp_path, group.gr_gid, 0o660)) == \
        f"add the user to the '{group.gr_name}' group, which owns it"
    assert "no group access: run as root" in access_advice(_device(tmp_path, 0, 0o600))
    said = access_advice(_device(tmp_path, group.gr_gid, 0o600))
    assert f"owned by {group.gr_name} with mode 600" in said and "join" not in said
