"""abi.debian, the package archive, and how each of its users reports a package it cannot have: provisioning as
the target's error (HostMissing where the host lacks apt-get), the documentation as its own, never a target's."""

import sys

import pytest

from abi import debian
from abi.target import provision
from abi.target.base import HostMissing, TargetUnavailable


def refusing(error: Exception):
    def apt(channel, arch="arm64"):
        raise error

    return apt


@pytest.fixture
def empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_a_package_the_guest_needs_makes_the_target_unavailable(monkeypatch, empty_cache):
    monkeypatch.setattr(debian, "Apt", refusing(debian.PackageUnavailable("arm64 package x not found in Debian sid")))
    for provide in (lambda: provision.debian_kernel("debian-sid"), provision.userspace):
        with pytest.raises(TargetUnavailable, match="^arm64 package x not found in Debian sid$") as raised:
            provide()
        assert type(raised.value) is TargetUnavailable  # an error under --target all, not a skip


def test_a_host_without_apt_get_lacks_a_tool(monkeypatch, empty_cache):
    monkeypatch.setattr(debian, "Apt", refusing(debian.AptMissing("apt-get not found: arm64 guest packages come "
                                                                  "from Debian's archive")))
    with pytest.raises(HostMissing, match="^apt-get not found"):
        provision.kernel_release("debian-6.1")


def test_documentation_that_cannot_be_had_is_not_a_target_error(monkeypatch, empty_cache):
    from abi.spec.docs import DocsUnavailable, kvm_docs

    with pytest.raises(DocsUnavailable, match=r"^my-kernel: not a Debian kernel name \(debian-6.1, "):
        kvm_docs("my-kernel")
    monkeypatch.setattr(debian, "Apt", refusing(debian.PackageUnavailable("apt-get update for arm64 sid failed: "
                                                                          "no network")))
    with pytest.raises(DocsUnavailable, match="^apt-get update for arm64 sid failed: no network$") as raised:
        kvm_docs("debian-sid")
    assert not isinstance(raised.value, TargetUnavailable)


class Reporter:
    def __init__(self):
        self.lines, self.stats = [], {}

    def section(self, title):
        self.lines.append(f"== {title}")

    def write_line(self, line):
        self.lines.append(line)


class Config:
    def __init__(self):
        from abi.spec.plugin import _RAN

        self.stash = {_RAN: True}

    def getoption(self, name, default=None):
        return default


def test_coverage_without_documentation_is_one_line_in_the_summary(monkeypatch, empty_cache):
    from abi.spec.plugin import pytest_terminal_summary

    monkeypatch.setattr(debian, "Apt", refusing(debian.PackageUnavailable("no 'debian' archive in this host's apt "
                                                                          "sources")))
    reporter = Reporter()
    pytest_terminal_summary(reporter, Config())
    assert reporter.lines[-1] == "coverage not measured: no 'debian' archive in this host's apt sources"


def test_a_command_that_fails_or_hangs_is_one_line_of_the_callers_error():
    with pytest.raises(debian.PackageUnavailable, match="^dpkg-deb -x a.deb failed: boom$"):
        debian.run([sys.executable, "-c", "import sys; sys.exit('started\\nboom')"], "dpkg-deb -x a.deb")
    with pytest.raises(TargetUnavailable, match=r"^dtc did not finish within 1 s \(killed\)$"):
        debian.run([sys.executable, "-c", "import time; time.sleep(5)"], "dtc", 1, TargetUnavailable)
    assert debian.run([sys.executable, "-c", "print('ok')"], "echo").stdout == "ok\n"
