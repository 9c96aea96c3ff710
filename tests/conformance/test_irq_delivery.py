"""KVM_IRQ_LINE, KVM_IRQFD, KVM_IOEVENTFD, KVM_SET_GSI_ROUTING, KVM_(UN)REGISTER_COALESCED_MMIO and x86's
KVM_SIGNAL_MSI, on every target a case applies to.

The cases, their conditions and citations are data in abi/spec/irq_delivery.py.
"""

import pytest

from abi.spec.irq_delivery import CASES
from abi.spec.plugin import replay


@pytest.mark.spec(CASES)
def test_irq_delivery(request, spec_target, case):
    replay(request, case, spec_target)
