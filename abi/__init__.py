"""kvm-abi: the Linux KVM userspace ABI modelled in ctypes, checked against UAPI headers and live kernels."""
