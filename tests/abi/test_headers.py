"""The ctypes model against real UAPI headers: one test per modelled symbol and architecture.

The values and layouts are read from an object file compiled from the headers (abi/headers.py); pick
other headers with `--uapi-headers ARCH=DIR`.
"""


def test_constant(header_check, constant):
    header_check.verify(*constant)


def test_macro(header_check, macro):
    header_check.verify(*macro)


def test_layout(header_check, layout):
    header_check.verify(*layout)


def test_feature(header_check, feature):
    header_check.verify(*feature)
