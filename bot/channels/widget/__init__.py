"""The web channel: the public REST API, the widget's WebSocket, the widget script and pages."""
