"""pytest wiring. Thin by design: options, fixtures and report hooks live in abi/ and are loaded as plugins."""

pytest_plugins = [
    "abi.headers_plugin",
    "abi.target.plugin",
    "abi.target.known_issues",
    "abi.spec.plugin",
    "abi.report.plugin",
]
