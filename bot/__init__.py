"""The visitor-desk gateway: channels, conversation router, handoff queue, console, storage."""
