"""Every ioctl spec the suite has: the report draws its matrix (documented rows, cases) from here.

A spec is a module of abi/spec/cases with a CASES list (and, where it has them, DOCUMENTED, UNREACHABLE and
DOC_FINDINGS); adding one is adding the module.
"""

import importlib
import pkgutil

import abi.spec.cases


def _specs():
    out = []
    for info in sorted(pkgutil.iter_modules(abi.spec.cases.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"abi.spec.cases.{info.name}")
        if hasattr(module, "CASES"):
            out.append(module)
    return tuple(out)


SPECS = _specs()


def documented():
    return [row for spec in SPECS for row in getattr(spec, "DOCUMENTED", [])]


def cases():
    return [case for spec in SPECS for case in spec.CASES]


def doc_findings():
    return [f for spec in SPECS for f in getattr(spec, "DOC_FINDINGS", [])]


def unreachable():
    return [u for spec in SPECS for u in getattr(spec, "UNREACHABLE", [])]
