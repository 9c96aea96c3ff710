"""The documentation against the ABI: api.rst of the kernel whose headers the model follows (Debian 6.1).

Every ioctl section for x86, arm64, riscv or all architectures that names a parameter structure must name one the
headers define; the spec tables' documented errors must be the documentation's, in every kernel version.
"""

import re

import pytest

from abi import model
from abi.spec import apidoc, registry
from abi.spec.docs import DocsUnavailable

# Documentation errors known in Debian 6.1's api.rst: strict expected failures, so a fixed document shows up.
KNOWN = {
    "KVM_ARM_SET_DEVICE_ADDR": "api.rst names struct kvm_arm_device_address; linux/kvm.h and the section's own "
                               "code block define struct kvm_arm_device_addr (since the 2013 patch)",
    "KVM_GET_VCPU_EVENTS": "api.rst 6.1 names struct kvm_vcpu_event; asm/kvm.h defines struct kvm_vcpu_events",
    "KVM_SET_VCPU_EVENTS": "api.rst 6.1 names struct kvm_vcpu_event; asm/kvm.h defines struct kvm_vcpu_events",
}
# api.rst's names of the modelled architectures (apidoc resolves "all", "all except ..." and a missing field).
ARCHES = {"x86": "x86_64", "arm64": "arm64", "riscv": "riscv64"}


def _sections(kernel):
    from abi.spec.docs import kvm_docs

    try:
        return apidoc.ioctl_sections(apidoc.parse((kvm_docs(kernel) / "api.rst").read_text()))
    except DocsUnavailable as e:
        pytest.skip(str(e))


def _parameter_cases():
    # The ids must exist at collection; the document is read in the test (and skipped there if unavailable).
    return sorted({n for arch in model.ARCH_MODULES for n in model.for_arch(arch).of_kind("ioctl")})


@pytest.fixture(scope="module")
def doc61():
    return apidoc.by_name(_sections("debian-6.1"))


@pytest.mark.parametrize("ioctl", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN[n]))
                                   if n in KNOWN else n for n in _parameter_cases()])
def test_parameter_structure_exists(doc61, ioctl):
    if ioctl not in doc61:
        pytest.skip(f"{ioctl}: no section in api.rst 6.1")
    structs = {name for arch in ARCHES.values() for name in model.for_arch(arch).of_kind("struct")}
    for sec in doc61[ioctl]:
        if not ARCHES.keys() & set(sec.architectures):
            continue
        for name in re.findall(r"struct (\w+)", sec.fields.get("Parameters", "")):
            assert name in structs, (f"api.rst {sec.number} {sec.title}: ':Parameters: struct {name}' is not a "
                                     f"structure of linux/kvm.h or asm/kvm.h ({', '.join(ARCHES.values())})")


@pytest.mark.parametrize("kernel", ["debian-6.1", "debian-6.12", "debian-sid"])
def test_spec_tables_match_the_documentation(kernel):
    """Every errno abi/spec's DOCUMENTED rows say api.rst documents for an ioctl is in that version's Errors
    table for it (the rows' conditions are the spec's own summary, not the document's words)."""
    docs = apidoc.by_name(_sections(kernel))
    for row in registry.documented():
        if not row.section.startswith("api.rst"):
            continue  # devices/*.rst rows: not parsed yet
        errnos = {e.errno for s in docs.get(row.ioctl, []) for e in s.errors}
        assert row.errno_name in errnos, f"{kernel}: api.rst documents no {row.errno_name} for {row.ioctl}"
