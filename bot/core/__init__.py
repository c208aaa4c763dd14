"""Framework-free domain of the gateway: models, ports, language policy, router, handoff.

Nothing here imports a web framework, a database driver or a sibling package; adapters depend
on this package, never the other way round.
"""
