"""pytest wiring of the header check: --uapi-headers, one test per modelled symbol, coverage in the summary.

Test ids are `test_constant[arm64-KVM_ARM_SET_DEVICE_ADDR]`, `test_layout[x86_64-kvm_userspace_memory_region]`,
`test_macro[...]`, `test_feature[...]`. A header defect (a macro userspace cannot evaluate) is an expected
failure carrying the finding, so it shows in every summary without failing the run; a model that
disagrees with the headers fails with both values and the header's line.
"""

from __future__ import annotations

import pytest

from abi import abicheck, model
from abi.headers import HeaderError, HeaderSet, dump, parse_uapi_option

_KEY = pytest.StashKey["HeaderCheck"]()
# test function argument -> kinds of model symbols it is parametrized over
_PARAMS = {"constant": ("ioctl", "cap", "constant"), "layout": ("struct",), "macro": ("macro",),
           "feature": ("feature",)}


class HeaderCheck:
    def __init__(self, sets: dict[str, HeaderSet]):
        self.sets = sets
        self._dumps: dict = {}
        self._errors: dict[str, str] = {}

    def dump(self, arch: str):
        if arch in self._errors:
            pytest.skip(self._errors[arch])
        if arch not in self._dumps:
            try:
                self._dumps[arch] = dump(self.sets[arch])
            except HeaderError as e:
                self._errors[arch] = str(e)
                pytest.skip(str(e))
        return self._dumps[arch]

    def verify(self, arch: str, name: str) -> None:
        verdict = abicheck.check(model.for_arch(arch), self.dump(arch), name)
        if verdict.status == abicheck.FAIL:
            pytest.fail(verdict.message, pytrace=False)
        if verdict.status == abicheck.FINDING:
            pytest.xfail(verdict.message)

    def summary(self) -> list[str]:
        lines = []
        for arch, d in self._dumps.items():
            abi = model.for_arch(arch)
            how = "cached" if d.cached else "compiled"
            lines.append(f"{arch}: {d.headers} ({d.compiler}; {how} in {d.seconds:.2f} s)")
            for cov in abicheck.coverage(abi, d):
                missing = ""
                if cov.missing:
                    shown = ", ".join(cov.missing[:8])
                    more = f" and {len(cov.missing) - 8} more" if len(cov.missing) > 8 else ""
                    missing = f"; in the headers, not the model: {shown}{more}"
                lines.append(f"  {cov.kind + 's':10} {cov.modelled:4}/{cov.present:<4} {cov.percent:5.1f} %{missing}")
            for finding in abicheck.findings(d):
                lines.append(f"  finding: {finding}")
        for arch, err in self._errors.items():
            lines.append(f"{arch}: not checked: {err}")
        return lines


def pytest_addoption(parser):
    group = parser.getgroup("kvm-abi header check")
    group.addoption("--uapi-headers", action="append", default=[], metavar="ARCH=DIR",
                    help="check ARCH against a kernel's `make headers_install` output in DIR (contains "
                         "include/) instead of Debian's headers; repeatable")


def pytest_configure(config):
    try:
        sets = parse_uapi_option(config.getoption("uapi_headers"))
    except HeaderError as e:
        raise pytest.UsageError(str(e)) from None
    config.stash[_KEY] = HeaderCheck(sets)


def pytest_generate_tests(metafunc):
    for arg, kinds in _PARAMS.items():
        if arg not in metafunc.fixturenames:
            continue
        params, ids = [], []
        for arch in model.ARCH_MODULES:
            for name, sym in model.for_arch(arch).symbols.items():
                if sym.kind in kinds:
                    params.append((arch, name))
                    ids.append(f"{arch}-{name}")
        metafunc.parametrize(arg, params, ids=ids)


@pytest.fixture(scope="session")
def header_check(request) -> HeaderCheck:
    return request.config.stash[_KEY]


def pytest_terminal_summary(terminalreporter, config):
    check = config.stash.get(_KEY, None)
    if check is None:
        return
    lines = check.summary()
    if lines:
        terminalreporter.section("UAPI header check: coverage and findings")
        for line in lines:
            terminalreporter.write_line(line)
