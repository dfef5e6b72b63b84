"""Zalo Bot Platform: our own small async client (`client.py`) and its events, typed (`events.py`).

Nothing here imports `telegram`; nothing outside bot/channels/zalo talks to Zalo's HTTP API.
"""
