"""The OpenAPI 3.1 document of the API, made from the endpoint declarations in ``web/api.py``."""

import re


def document(endpoints, prefix, version):
    paths = {}
    for ep in endpoints:
        op = {"summary": ep.summary, "operationId": _operation_id(ep), "responses": {}}
        if ep.auth:
            op["security"] = [{"session": []}]
        if ep.body:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False,
                "required": [n for n, f in ep.body.items() if f.required],
                "properties": {n: f.schema() for n, f in ep.body.items()}}}}}
        for status, (description, schema) in sorted(ep.responses.items()):
            answer = {"description": description}
            if schema is not None:
                answer["content"] = {"application/json": {"schema": schema}}
            if status == 429:
                answer["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
            op["responses"][str(status)] = answer
        paths.setdefault(prefix + ep.path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "picodsc Secure Login System", "version": version,
                 "description": "Two-step login (password, then the security device), sessions, "
                                "withdrawals and the security settings of the Client Portal."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"securitySchemes": {"session": {"type": "http", "scheme": "bearer",
                                                       "description": "the session from /login"}}},
    }


def _operation_id(ep):
    words = re.findall(r"[a-z]+", ep.path)
    return ep.method.lower() + "".join(w.capitalize() for w in words)
