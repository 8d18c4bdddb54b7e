"""Property-based requests from the OpenAPI document (schemathesis): no 5xx, answers as documented.

Runs the app in process on a real Service (SQLite); authenticated operations get a live session of
an opted-out user half of the time (password alone), a made-up one otherwise. `make test-long`."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from picodsc.sls import FixedClock, Service
from picodsc.web import create_app
from picodsc.web.api import ENDPOINTS, PREFIX
from schemathesis import checks

pytestmark = pytest.mark.slow

T0 = 1_767_225_600.0
PASSWORD = "olga's long password"
EXAMPLES = 60


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    d = tmp_path_factory.mktemp("schemathesis")
    svc = Service.open(f"sqlite:///{d / 'sls.sqlite3'}", clock=FixedClock(T0), key_file=d / "k",
                       login_attempts_per_hour=10**6, challenges_per_hour=10**6)
    svc.add_user("olga", account="U1", password=PASSWORD, primary=True)
    session = svc.login_password("olga", PASSWORD, address="127.0.0.1").session.token
    svc.set_sls_participation(session, False)
    yield svc, create_app(svc, testing=True)
    svc.close()


@pytest.fixture(scope="module")
def api_schema(state):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", state[1])


# schemathesis's own pytest plugin does not run on pytest 9: one hypothesis test per documented operation.
@pytest.mark.parametrize(("method", "path"), [(e.method, PREFIX + e.path) for e in ENDPOINTS])
def test_api_follows_its_document(method, path, state, api_schema):
    svc, _ = state
    operation = api_schema[path][method]
    secured = bool(operation.definition.raw.get("security"))

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        given_auth = case.headers is not None and "Authorization" in case.headers
        if secured and (not given_auth or hash(str(case.body)) % 2):
            session = svc.login_password("olga", PASSWORD, address="127.0.0.1").session.token
            case.headers = dict(case.headers or {}, Authorization=f"Bearer {session}")
        response = case.call()
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=[checks.not_a_server_error, checks.status_code_conformance,
                                                 checks.content_type_conformance,
                                                 checks.response_schema_conformance])

    check()
