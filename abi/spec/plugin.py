"""pytest wiring of spec cases: `@pytest.mark.spec(CASES)` parametrizes a test over (target, case) for every
selected target whose machine the case applies to. A case with a deviation is an expected failure only when the
kernel did exactly what the deviation records (decided in `replay`, never by an exception's type)."""

from __future__ import annotations

import weakref

import pytest

from abi.spec.docs import DocsUnavailable
from abi.spec.run import BROKEN, FIXED, RECORDED, SetupFailed, not_applicable, run
from abi.target import plugin as targets


def pytest_configure(config):
    config.addinivalue_line("markers", "spec(cases): parametrize over (target, case) from abi/spec data")


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("spec")
    if marker is None or "case" not in metafunc.fixturenames:
        return
    pool = targets.pool(metafunc.config)
    params = []
    for slot in pool.slots:
        tid = pool.test_id(slot)
        arch, features = pool.machine(slot)
        for case in marker.args[0]:
            if case.runs_on(arch, features):
                params.append(pytest.param(slot, case, id=f"{tid}-{case.id}"))
    metafunc.parametrize(["spec_target", "case"], params, indirect=["spec_target"])


@pytest.fixture
def spec_target(request):
    # A target the host lacks under `--target all` is a skip; one named, or a broken kernel or cache, an error.
    pool = targets.pool(request.config)
    target = pool.running(request.param)
    request.node.user_properties += list(_describe(target).items()) + pool.boot_property(target)
    return target


_DESCRIBED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _describe(target) -> dict:
    """What the report's targets table shows, measured once per target (and per restart of it)."""
    cached = _DESCRIBED.get(target)
    if cached and cached[0] == target.generation:
        return cached[1]
    from abi.kvm import KVM_CAP_ARM_VM_IPA_SIZE

    info = target.info()
    d = {"target": info.name, "kernel_release": info.kernel_release, "profile": info.profile, "arch": info.arch,
         "qemu_version": info.qemu_version, "cpu_model": info.cpu_model}
    ipa_limit = target.capability(KVM_CAP_ARM_VM_IPA_SIZE)  # 0 where the architecture has no such limit
    if ipa_limit:
        d["ipa_limit"] = ipa_limit
    _DESCRIBED[target] = (target.generation, d)
    return d


def replay(request, case, target) -> None:
    """Run the case and record what the report needs; fail with the case's own sentence."""
    props = request.node.user_properties
    props += [("case", case.id), ("ioctl", case.ioctl), ("condition", case.condition), ("expected", case.errno_name),
              ("basis", case.basis), ("cite", case.cite)]
    if case.deviation:
        props += [("deviation", case.deviation.why), ("finding_class", case.deviation.kind)]
        if case.deviation.follows:
            props.append(("follows", case.deviation.follows))
    why = not_applicable(case, target)
    if why:
        pytest.skip(why)
    if case.deviation:
        props.append(("recorded", case.deviation.describe(target.info().kernel_release)))
    try:
        outcome = run(case, target)
    except SetupFailed as e:
        broken = str(e)  # failed outside the handler, so the report shows the sentence, not a chain of exceptions
    else:
        broken = None
    if broken is not None:
        pytest.fail(broken, pytrace=False)
    got = outcome.got
    props.append(("transcript", outcome.transcript()))
    from abi.target.base import errno_name

    observed = "timeout" if got.timed_out else "success" if got.ok else errno_name(got.errno)
    props += [("observed", observed), ("observed_ret", got.ret), ("verdict", outcome.verdict)]
    if outcome.verdict == RECORDED:
        pytest.xfail(outcome.explain())
    if outcome.verdict in (FIXED, BROKEN):
        pytest.fail(outcome.explain(), pytrace=False)


_RAN = pytest.StashKey[bool]()


def pytest_collection_modifyitems(session, config, items):
    config.stash[_RAN] = any(item.get_closest_marker("spec") for item in items)




def _spec_reports(terminalreporter) -> bool:
    """Whether spec cases ran: under pytest-xdist the controller collects nothing itself, so ask the reports."""
    return any(dict(getattr(r, "user_properties", ())).get("case") or "tests/conformance/" in getattr(r, "nodeid", "")
               for reports in terminalreporter.stats.values() for r in reports)


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput") or not (config.stash.get(_RAN, False) or _spec_reports(terminalreporter)):
        return
    from abi.spec import coverage

    kernel = coverage.documentation_kernel(config.getoption("guest_kernels", None))
    terminalreporter.section(f"documented errors covered (api.rst and devices/*.rst of {kernel})")
    reports = [*terminalreporter.stats.get("passed", []), *terminalreporter.stats.get("xfailed", [])]
    try:
        ran = coverage.held([dict(getattr(r, "user_properties", ())) for r in reports])
        _, figures = coverage.for_kernel(kernel, ran)
    except (DocsUnavailable, OSError) as e:
        terminalreporter.write_line(f"coverage not measured: {e}")
        return
    for f in figures:
        terminalreporter.write_line(f.line())
    found = coverage.undocumented_seen(kernel, _passed(reports))
    specific = [u for u in found if not u.general]
    terminalreporter.section("implemented errors the documentation does not name")
    terminalreporter.write_line(
        f"{len(specific)} (ioctl or device group, errno) with a specific meaning; {len(found) - len(specific)} more "
        "of the general errnos api.rst says it does not detail (EINVAL, ENOMEM, EBADF, ENOTTY); all in the report")
    for u in specific:
        terminalreporter.write_line(f"  {u.line()}")






def _passed(reports):
    for r in reports:
        props = dict(getattr(r, "user_properties", ()))
        if getattr(r, "when", "call") == "call" and "case" in props and "arch" in props:
            if props.get("verdict") == RECORDED:
                yield props["ioctl"], props["case"], props["arch"], props.get("observed", "")
            elif props.get("verdict", "held") == "held":
                yield props["ioctl"], props["case"], props["arch"]

