"""picodsc server commands."""
