"""picodsc host tools: OCRA reference, registry/verifier, provisioning and the board emulator.

The library modules never import the CLI (``picodsc.cli``); user-facing errors are raised as
:class:`picodsc.errors.PicodscError` and printed by the CLI without a traceback.
"""

__version__ = "0.1.0"
