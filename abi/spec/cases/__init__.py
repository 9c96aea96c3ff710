"""The cases, one module per ioctl or family of ioctls, named for what it owns (see CONTRIBUTING.md)."""
