"""Custom actions of the visitor-desk dialogue (rasa-sdk, Python 3.11).

Actions never touch the gateway's database: every side effect leaves as a custom JSON payload
(see :mod:`actions.payloads`) that the gateway turns into tickets, cases and feedback records.
"""
