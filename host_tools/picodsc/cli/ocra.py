"""picodsc ocra commands."""
