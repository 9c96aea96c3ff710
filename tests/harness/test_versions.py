"""abi.versions: the one reading of kernel releases and version specs (the model, kvm_run's members, the cases)."""

import pytest

from abi import kvm, model, versions


@pytest.mark.parametrize("given, want", [
    ("6.1", (6, 1)), ("7.2.13", (7, 2)), ("6.12.57+deb12-cloud-arm64", (6, 12)), ("6.16-rc3", (6, 16)),
    ((6, 1, 187), (6, 1)), (0x060C00, (6, 12)),
])
def test_release_is_major_minor(given, want):
    assert versions.release(given) == want


def test_a_release_without_a_version():
    assert versions.release_of("my-own-kernel") is None and versions.release_of("") is None
    with pytest.raises(ValueError, match="'my-own-kernel' is not a kernel release"):
        versions.release("my-own-kernel")


def test_spec_ranges():
    assert versions.spec("all") is None and versions.spec("") is None
    assert versions.spec("6.1, 6.12+ (why, with a comma)") == (((6, 1), (6, 1)), ((6, 12), (10**6, 0)))
    assert versions.spec("6.1-6.15") == (((6, 1), (6, 15)),)
    assert versions.covers(versions.spec("6.1-6.15, 7.2+"), (7, 3))
    assert not versions.covers(versions.spec("6.1-6.15, 7.2+"), (6, 16))
    assert versions.covers(None, (1, 0))


def test_the_models_and_kvm_runs_releases_read_alike():
    assert model.release is versions.release
    assert kvm._since("6.8", (6, 8)) and not kvm._since("6.8", (6, 7)) and kvm._since("7.1", None)
