"""Makes firmware/ the package ``picodsc.firmware`` of the host tools (package data read with
importlib.resources, see setup.py). Never copied to a board: the device gets main.py and dsc/."""
