"""The GICv2 device's register, NR_IRQS and CTRL groups (arm-vgic.rst) on the GICv2 guest.

The cases, their conditions and citations are data in abi/spec/arm_vgic_v2.py.
"""

import pytest

from abi.spec.arm_vgic_v2 import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_arm_vgic_v2(request, spec_target, case):
    replay(request, case, spec_target)
