"""JSON Schemas of the API's answers (OpenAPI 3.1 components), one per kind of body."""

_STR = {"type": "string"}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_BOOL = {"type": "boolean"}
_ACCESS = {"type": "string", "enum": ["full", "portal-only"]}
_METHOD = {"type": "string", "enum": ["token", "card", "passcode"]}
_POSITIONS = {"type": "array", "items": _STR, "minItems": 2, "maxItems": 2}


def _nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def _object(required, optional=None):
    props = dict(required)
    props.update(optional or {})
    return {"type": "object", "required": sorted(required), "properties": props}


ERROR = _object({"error": _STR}, {"retry_after": _INT, "field": _STR, "primary": _nullable(_STR),
                                  "limit_name": _STR, "period": _STR, "limit_cents": _INT,
                                  "left_cents": _INT})
SESSION = _object({"session": _STR, "access": _ACCESS})
PROMPT = _object({"transaction": _STR, "method": _METHOD}, {"challenge": _STR, "positions": _POSITIONS})
LOGIN = {"oneOf": [PROMPT, SESSION]}
LIMITS = _object({"level": _STR, "day_cents": _nullable(_INT), "five_day_cents": _nullable(_INT),
                  "used_day_cents": _INT, "used_five_day_cents": _INT,
                  "left_day_cents": _nullable(_INT), "left_five_day_cents": _nullable(_INT)})
NOTICE = _object({"kind": _STR, "text": _STR, "at": _NUM})
REPLACEMENT = _object({"username": _STR, "status": _STR, "requested_at": _NUM},
                      {"serial": _nullable(_STR), "shipped_at": _nullable(_NUM),
                       "auto_activate_at": _nullable(_NUM), "activated_at": _nullable(_NUM)})
ME = _object({"username": _STR, "account": _STR, "primary": _BOOL, "participating": _BOOL, "access": _ACCESS,
              "credential": _STR, "level": _STR, "full_until": _nullable(_NUM),
              "portal_until": _nullable(_NUM), "limits": LIMITS},
             {"notices": {"type": "array", "items": NOTICE}, "replacement": _nullable(REPLACEMENT)})
WITHDRAWAL = _object({"id": _INT, "amount_cents": _INT, "at": _NUM, "limits": LIMITS})
CARD = _object({"rows": {"type": "array", "items": _STR}, "cols": {"type": "array", "items": _STR},
                "grid": {"type": "array", "items": {"type": "array", "items": _STR}},
                "status": {"type": "string", "enum": ["new", "active"]}},
               {"activation_positions": _nullable(_POSITIONS), "activated_at": _nullable(_NUM),
                "full_until": _nullable(_NUM), "created_at": _NUM})
SHARING = _object({"id": _INT, "requester": _STR, "owner": _STR, "serial": _STR,
                   "status": {"type": "string", "enum": ["approved", "pending"]}, "created_at": _NUM})
SLS = _object({"participating": _BOOL})
