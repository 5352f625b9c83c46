"""Label-free evolution of per-domain rulebooks: signals, reflector, curator, acceptance."""
