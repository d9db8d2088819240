"""Live channels: the Q&A of the plenary and of each breakout session, and the show's timers.

Adapters around the pure domain (`festival.qa`, `festival.show`): a service per kind
applies a command under the channel's lock, stores the events with their sequence numbers and
publishes them on the bus after commit; the hub fans them out to the connected viewers. Each
kind is one `kinds.ChannelKind` (`qa_kind`, `show_kind`): its snapshot and events per viewer,
and its client messages in one table that `protocol` dispatches and role-checks.
"""
