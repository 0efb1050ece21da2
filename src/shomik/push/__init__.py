"""Web Push (RFC 8030 / 8291 / 8292): subscriptions, VAPID keys and the background sender."""
