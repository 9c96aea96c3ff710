"""Every ioctl spec the suite has: the report draws its matrix (documented rows, cases) from here."""

from abi.spec import arm64_vcpu, arm_set_device_addr, x86_state

SPECS = (arm_set_device_addr, x86_state, arm64_vcpu,)


def documented():
    return [row for spec in SPECS for row in spec.DOCUMENTED]


def cases():
    return [case for spec in SPECS for case in spec.CASES]


def doc_findings():
    return [f for spec in SPECS for f in getattr(spec, "DOC_FINDINGS", [])]


def unreachable():
    return [u for spec in SPECS for u in getattr(spec, "UNREACHABLE", [])]
