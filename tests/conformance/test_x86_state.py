"""The x86_64 system, VM and vCPU ioctls on the local /dev/kvm: MSR and CPUID lists, KVM_INTERRUPT, MCE, PIT
reinjection, boot CPU, TSC, vCPU and VM creation, KVM_RUN and signals, stats fds, memory slots, one-reg.

The cases, their conditions and citations are data in abi/spec/x86_state.py.
"""

import pytest

from abi.spec.plugin import replay
from abi.spec.x86_state import CASES


@pytest.mark.spec(CASES)
def test_x86_state(request, spec_target, case):
    replay(request, case, spec_target)
