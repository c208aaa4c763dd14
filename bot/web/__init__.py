"""HTTP plumbing shared by the web adapters (widget API, console): errors, headers, limits."""
