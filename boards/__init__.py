"""Makes boards/ the package ``picodsc.boards`` of the host tools (package data read with
importlib.resources, see setup.py). Board definitions are the other modules here; never copied to a board."""
