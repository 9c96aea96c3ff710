"""The arm64 vCPU and VM ioctls on the arm64 guests: KVM_RUN, ONE_REG, VCPU_INIT, REG_LIST, FINALIZE, VCPU_EVENTS,
MTE_COPY_TAGS and KVM_CAP_ARM_MTE (the mte machine), GET_STATS_FD, CREATE_VM (IPA size), CREATE_VCPU.

The cases, their conditions and citations are data in abi/spec/arm64_vcpu.py.
"""

import pytest

from abi.spec.arm64_vcpu import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_arm64_vcpu(request, spec_target, case):
    replay(request, case, spec_target)
