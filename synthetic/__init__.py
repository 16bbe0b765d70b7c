"""The synthetic Dalian-like city: ledgers with planted cases, for the demo, tests and benchmarks."""
