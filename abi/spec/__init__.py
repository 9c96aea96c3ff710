"""Documented behaviour as data: cases per ioctl (case.py), the steps they use (steps.py), replay (run.py)."""
