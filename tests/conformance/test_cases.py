"""Every spec case on every target it applies to: one test per module of abi/spec/cases (test_<module>), one test id
per (target, case). A new module of cases needs nothing here."""

import pytest

from abi.spec import registry
from abi.spec.plugin import replay


def _test_of(module):
    @pytest.mark.spec(module.CASES)
    def test(request, spec_target, case):
        replay(request, case, spec_target)

    name = module.__name__.rsplit(".", 1)[-1]
    test.__name__ = test.__qualname__ = f"test_{name}"
    test.__doc__ = module.__doc__.strip().splitlines()[0] if module.__doc__ else None
    return test


for _module in registry.SPECS:
    _test = _test_of(_module)
    globals()[_test.__name__] = _test
