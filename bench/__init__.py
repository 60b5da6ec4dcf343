"""Benchmarks that print figures (`make bench`); targets are compared, never asserted."""
