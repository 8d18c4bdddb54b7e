"""picodsc host tools: OCRA reference, registry/verifier, provisioning and the board emulator.

The library modules never import the CLI (``picodsc.cli``) nor click: they raise the domain errors
of :mod:`picodsc.errors` (data, no exit codes), which only ``picodsc.cli.errors`` maps to messages
and exit codes.
"""

__version__ = "0.1.0"
