"""Pace's tests (a package, so that `tests` is never another installed package of that name)."""
