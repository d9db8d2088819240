"""Outgoing mail: composing messages from the outbox, the transports, and the sender loop."""
