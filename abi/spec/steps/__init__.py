"""The one vocabulary cases are written with: small named steps over a Scene, each written once, grouped by the fd
they work on.

- `base`: how a step is made, values over the scene, a request on a named fd, set-up that differs by architecture;
- `system`: the /dev/kvm fd (capabilities, VMs);
- `vm`: a VM fd (vCPUs, memory slots, irqchips, devices, capabilities enabled, eventfds);
- `vcpu`: a vCPU fd (initialisation, KVM_RUN and its kvm_run page, registers, a vCPU kept busy);
- `device`: a device fd (attributes, what reads back);
- `guest`: guest memory and guest code (the instructions each architecture runs);
- one module per device or area whose vocabulary is its own: `gic` (what the three vGIC devices share), `vgic_v2`,
  `vgic_v3`, `vgic_its` (device fds),
  `vcpu_attributes`, `arm64`, `x86_vcpu`, `x86_vm`, `irq`, `memory`, `capabilities`, `device_addr`.

A step that depends on the architecture asks the machine (`base.per_arch`), never guesses: an architecture with no
implementation is a broken set-up that says so. A step used by one spec only may live in that spec; a step a second
spec needs moves here.
"""
