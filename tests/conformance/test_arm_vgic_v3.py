"""The vGICv3 device (arm-vgic-v3.rst) on every target a case applies to.

The cases, their conditions and citations are data in abi/spec/arm_vgic_v3.py.
"""

import pytest

from abi.spec.arm_vgic_v3 import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_arm_vgic_v3(request, spec_target, case):
    replay(request, case, spec_target)
