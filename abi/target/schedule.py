"""pytest-xdist's `load` distribution, target by target: each worker is handed one target's tests at a time (the
biggest targets first), so each guest boots once in the whole run instead of once per worker that reaches it.

Built on xdist's LoadScopeScheduling with a target as the scope. Its crash handling is changed: xdist handed the
whole scope of a crashed worker out again, the test that crashed included, so that test ran again and crashed
the next worker, until xdist's restart limit, and the target's other tests never ran (measured); here the crashed
test is reported once, and the rest of its target's tests go to another worker."""

from __future__ import annotations

from collections.abc import Iterable

from xdist.scheduler import LoadScopeScheduling


def scope_of(nodeid: str, targets: Iterable[str]) -> str:
    """The target a test id runs on (`test_x[<target>-<case>]` or `test_x[<target>]`, the longest matching target
    id), or the test id itself for a test on no target of the run (a scope of its own)."""
    if not nodeid.endswith("]") or "[" not in nodeid:
        return nodeid
    params = nodeid[nodeid.index("[") + 1:-1]
    for target in sorted(targets, key=len, reverse=True):
        if params == target or params.startswith(target + "-"):
            return target
    return nodeid


class TargetScheduling(LoadScopeScheduling):
    """LoadScopeScheduling whose scopes are the run's targets (their test ids, `machine@release`)."""

    def __init__(self, config, log=None, targets: Iterable[str] = ()):
        super().__init__(config, log)
        self.targets = list(targets)

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid, self.targets)

    def remove_node(self, node):
        workload = self.assigned_work.get(node, {})
        crashed = next((nodeid for unit in workload.values() for nodeid, done in unit.items() if not done), None)
        if crashed is None:
            return super().remove_node(node)
        for unit in workload.values():
            if crashed in unit:
                unit[crashed] = True  # reported as crashed by xdist; never handed out again
        super().remove_node(node)  # the target's other pending tests go back to the queue
        return crashed
