"""The officers' console: pages, JSON API, live queue, authentication."""
