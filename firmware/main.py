# Device entry point. dsc.app.main() returns only on an unprovisioned token (the host's Ctrl-C).
try:
    import dsc.app

    dsc.app.main()
except Exception:
    # A broken firmware image must not open the REPL of a token that holds a secret.
    import os

    try:
        os.stat("/dsc.cfg")
    except OSError:
        raise
    import machine

    machine.reset()
