"""KVM_ARM_SET_DEVICE_ADDR and the vGIC address state it shares, on every target a case applies to.

The cases, their conditions and citations are data in abi/spec/arm_set_device_addr.py.
"""

import pytest

from abi.spec.arm_set_device_addr import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_set_device_addr(request, spec_target, case):
    replay(request, case, spec_target)
