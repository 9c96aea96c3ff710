"""Function-like macros of the UAPI headers, written as Python functions.

`@macro(samples)` records arguments at which the header check evaluates both the C macro and the function,
so a function-like macro is proven like a constant. A sample is a tuple of arguments; an int is written into
C as a number, a str as C source (for macros that take a field name, like KVM_REG_ARM_CORE_REG).
"""


def macro(*samples: tuple):
    def mark(fn):
        fn.samples = samples
        fn.is_macro = True
        return fn

    return mark
