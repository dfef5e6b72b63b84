"""Benchmarks: each module has `async def run() -> dict` and prints its figures as JSON.

`make bench` (python -m bench) runs them all; `python -m bench roundtrip` runs one. Figures are
medians over repeats; the machines are noisy, so compare ratios, not single numbers.
"""
