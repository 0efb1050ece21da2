"""Privacy: who sees a user's status and last seen, who may add them to groups, and
blocking (docs/protocol.md, "Privacy and blocking")."""
