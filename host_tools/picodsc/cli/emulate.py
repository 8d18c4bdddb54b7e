"""picodsc emulate commands."""
