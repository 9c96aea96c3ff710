"""pytest wiring of the header check: --uapi-headers, one test per modelled symbol, coverage in the summary.

Test ids are `test_constant[arm64-KVM_ARM_SET_DEVICE_ADDR]`, `test_layout[x86_64-kvm_userspace_memory_region]`,
`test_macro[...]`, `test_feature[...]` for Debian 12's headers (or a tree given with ARCH=DIR), and the same with
the header set's name in front for the others (`test_constant[debian-sid-arm64-KVM_CAP_ARM_EL2]`). A header
defect (a macro userspace cannot evaluate) is an expected failure carrying the finding, so it shows in every
summary without failing the run; a model that disagrees with the headers fails with both values and the header's
line; a symbol the model has only for other releases than the headers' is skipped saying so, and counted in the
summary.
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
    def __init__(self, sets: dict[str, dict[str, HeaderSet]]):
        self.sets = sets  # label ("" for the default set) -> arch -> HeaderSet
        self._dumps: dict = {}
        self._errors: dict[tuple[str, str], str] = {}

    def dump(self, arch: str, label: str = ""):
        key = (label, arch)
        if key not in self._dumps and key not in self._errors:
            try:
                self._dumps[key] = dump(self.sets[label][arch])
            except HeaderError as e:
                self._errors[key] = str(e)
        if key in self._errors:
            pytest.skip(self._errors[key])  # one place, so `-ra` lists an unavailable header set in one line
        return self._dumps[key]

    def verify(self, arch: str, name: str, label: str = "") -> None:
        d = self.dump(arch, label)
        verdict = abicheck.check(model.for_arch(arch), d, name)
        if verdict.status == abicheck.FAIL:
            pytest.fail(verdict.message, pytrace=False)
        if verdict.status == abicheck.FINDING:
            pytest.xfail(verdict.message)
        if verdict.status == abicheck.NOT_IN:
            # One reason per header set, so `-ra` says it in one line; which symbols, and why, is in the summary.
            pytest.skip(f"{arch}: modelled for other releases, not in these {d.version} headers ({d.headers})")

    def summary(self, ran_elsewhere: bool = False) -> list[str]:
        """Coverage and findings per header set checked here; `ran_elsewhere`: the tests ran in pytest-xdist
        workers, so read their (cached) dumps again for the summary."""
        if ran_elsewhere and not self._dumps:
            for label, arches in self.sets.items():
                for arch in arches:
                    try:
                        self.dump(arch, label)
                    except pytest.skip.Exception:
                        pass
        lines = []
        for (label, arch), d in self._dumps.items():
            abi = model.for_arch(arch)
            how = "cached" if d.cached else "compiled"
            name = f"{label} " if label else ""
            lines.append(f"{name}{arch}: {d.headers}, release {d.version or 'unknown'} "
                         f"({d.compiler}; {how} in {d.seconds:.2f} s)")
            for cov in abicheck.coverage(abi, d):
                missing = ""
                if cov.missing:
                    missing = f"; in the headers, not the model: {_some(cov.missing)}"
                lines.append(f"  {cov.kind + 's':10} {cov.modelled:4}/{cov.present:<4} {cov.percent:5.1f} %{missing}")
                if cov.not_in:
                    lines.append(f"  {'':10} {len(cov.not_in):4} modelled for other releases, not in these "
                                 f"{d.version} headers: {_some([_span(abi.symbols[n]) for n in cov.not_in])}")
            for finding in abicheck.findings(d):
                lines.append(f"  finding: {finding}")
        said = set()
        for (label, arch), err in self._errors.items():
            if err not in said:  # one header set unavailable: one line, not one per architecture
                lines.append(f"{label + ' ' if label else ''}{arch}: not checked: {err}")
                said.add(err)
        return lines


def _span(sym) -> str:
    return f"{sym.name} ({sym.since + '+' if sym.since else 'gone in ' + sym.until})"


def _some(names, n: int = 8) -> str:
    more = f" and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(names[:n]) + more


def pytest_addoption(parser):
    group = parser.getgroup("kvm-abi header check")
    group.addoption("--uapi-headers", action="append", default=[], metavar="ARCH=DIR|debian-12|debian-13|debian-sid",
                    help="check against these headers instead of the default (Debian 12's, 13's and sid's "
                         "linux-libc-dev, 13's and sid's fetched into the cache): ARCH=DIR is a kernel's `make "
                         "headers_install` output (contains include/) for ARCH, replacing Debian 12's; repeatable")


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
        for label, arches in metafunc.config.stash[_KEY].sets.items():
            for arch in arches:
                for name, sym in model.for_arch(arch).symbols.items():
                    if sym.kind in kinds:
                        params.append((arch, name, label))
                        ids.append(f"{label + '-' if label else ''}{arch}-{name}")
        metafunc.parametrize(arg, params, ids=ids)


@pytest.fixture(scope="session")
def header_check(request) -> HeaderCheck:
    return request.config.stash[_KEY]


def pytest_terminal_summary(terminalreporter, config):
    check = config.stash.get(_KEY, None)
    if check is None:
        return
    ran = any(getattr(r, "nodeid", "").startswith("tests/abi/test_headers.py")
              for reports in terminalreporter.stats.values() for r in reports)
    lines = check.summary(ran_elsewhere=ran and config.pluginmanager.hasplugin("xdist")
                          and getattr(config.option, "numprocesses", None) not in (None, 0))
    if lines:
        terminalreporter.section("UAPI header check: coverage and findings")
        for line in lines:
            terminalreporter.write_line(line)
