"""Outgoing mail: composing messages from the outbox, the transports, the sender loop, and
reading the maildir back for the organiser."""
