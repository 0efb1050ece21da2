"""Group calls through Janus as the SFU: its configuration (config.py), a small client of its
JSON API (janus.py) and the rooms this server keeps there (rooms.py). docs/calls.md §9."""
