# Device entry point. dsc.app.main() returns only on an unprovisioned token (the host's Ctrl-C).
import micropython

micropython.kbd_intr(-1)  # first thing: no Ctrl-C until dsc.app knows whether a secret is on flash
try:
    import dsc.app

    dsc.app.main()
except (Exception, KeyboardInterrupt) as e:
    # A broken firmware image must not open the REPL of a token that holds a secret.
    import os

    try:
        os.stat("/dsc.cfg")
        locked = True
    except OSError:
        locked = False
    if not locked:
        raise e
    import machine

    machine.reset()
