# Which OCRA suites the token can run: the one definition, loaded by the firmware (dsc.config, on
# provisioning and at every boot) and by the host (picodsc.provision, before any port is opened).
#
# Plain MicroPython and CPython: no machine, no micropython import, no const(). It reads the
# attributes both suite parsers have (docs/DESIGN.md "OCRA"): dsc.ocra.Suite and the host's
# picodsc.ocra parse result.

MAX_QUESTION_DIGITS = 8  # the challenge shares one 16-column line with "CHALLNG>"
MIN_DIGITS = 4  # response digits the token shows (the OCRA grammar allows 4..10, or 0 = full HMAC)
MAX_DIGITS = 10  # big digits when they fit, else one 16-column text line


def unsupported_by_token(suite):
    """None if the token can run ``suite`` (a parsed suite of either side), else a short reason.

    A keypad types digits only, the challenge and the response must fit the screen, and the token
    has no clock (T) and no session channel (S).
    """
    if suite.question_kind != "N":
        return "the token takes numeric challenges (QN)"
    if suite.question_length > MAX_QUESTION_DIGITS:
        n = MAX_QUESTION_DIGITS
        return "the token takes numeric challenges of at most %d digits (QN04..QN%02d)" % (n, n)
    if not MIN_DIGITS <= suite.digits <= MAX_DIGITS:
        return "the token shows %d..%d digits" % (MIN_DIGITS, MAX_DIGITS)
    if suite.session_length or suite.time_step:
        return "the token has no clock and no session input (no T/S)"
    return None
