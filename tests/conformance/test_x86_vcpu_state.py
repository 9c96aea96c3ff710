"""The x86 vCPU and VM state ioctls on the local /dev/kvm: registers, special registers, MSRs, CPUID, FPU/XSAVE/XCRs,
debug registers, clock and TSC, irqchip/LAPIC/PIT state, NMI/SMI, the MSR filter, and what this host's KVM refuses.

The cases, their conditions and citations are data in abi/spec/x86_vcpu_state.py.
"""

import pytest

from abi.spec.plugin import replay
from abi.spec.x86_vcpu_state import CASES


@pytest.mark.spec(CASES)
def test_x86_vcpu_state(request, spec_target, case):
    replay(request, case, spec_target)
