"""Helpers shared by the tests (no tests here): the test token's data, the expected responses, running
the commands, the firmware under MicroPython. Fixtures built on them live in the conftest.py files."""
