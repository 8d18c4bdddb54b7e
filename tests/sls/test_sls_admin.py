"""Client Services operations: every bad input gets a clear error and changes nothing."""

import pytest
from picodsc.sls import Conflict, Identity, InvalidInput, NotFound
from sls_helpers import PASSWORD, TokenHelper


@pytest.mark.parametrize(
    ("name", "field"), [("Bob", "username"), ("bo b", "username"), ("", "username"), ("b" * 65, "username")]
)
def test_add_user_refuses_bad_names(svc, name, field):
    with pytest.raises(InvalidInput) as e:
        svc.add_user(name, account="A1", password=PASSWORD)
    assert e.value.field == field
    assert svc.audit_rows() == []


def test_add_user_refusals(svc):
    with pytest.raises(InvalidInput) as e:
        svc.add_user("bob", account="A1", password="short")
    assert e.value.field == "password" and "short" not in str(e.value)
    with pytest.raises(InvalidInput):
        svc.add_user("bob", account="A 1", password=PASSWORD)
    with pytest.raises(InvalidInput):
        svc.add_user(
            "bob", account="A1", password=PASSWORD, identity=Identity("1980", "IT", "IT", "passport", "X")
        )
    with pytest.raises(InvalidInput):
        svc.add_user("bob", account="A1", password=PASSWORD, identity=Identity("1980-01-01", "IT", "IT"))
    svc.add_user("bob", account="A1", password=PASSWORD, primary=True)
    with pytest.raises(Conflict):
        svc.add_user("bob", account="A2", password=PASSWORD)
    with pytest.raises(Conflict) as e:
        svc.add_user("rob", account="A1", password=PASSWORD, primary=True)
    assert "bob" in str(e.value)
    with pytest.raises(NotFound):
        svc.user_info("rob")


def test_import_and_assign_refusals(svc):
    with pytest.raises(InvalidInput):
        svc.import_pskc(b"<not-pskc/>", pin=None)
    svc.add_user("bob", account="A1", password=PASSWORD)
    with pytest.raises(NotFound):
        svc.assign_device("bob", "0000FFFF")
    with pytest.raises(InvalidInput):
        svc.assign_device("bob", "not-a-serial")
    tok = TokenHelper(svc, "0000B0B1", pin=None)  # DSC+ suite imported without its PIN
    with pytest.raises(Conflict):
        TokenHelper(svc, "0000B0B1")
    with pytest.raises(Conflict):
        svc.assign_device("bob", tok.serial)
    dsc = TokenHelper(svc, "0000B0B2", suite="OCRA-1:HOTP-SHA256-8:QN06")
    svc.assign_device("bob", dsc.serial)
    svc.add_user("ann", account="A1", password=PASSWORD)
    with pytest.raises(Conflict):
        svc.assign_device("ann", dsc.serial)
    with pytest.raises(NotFound):
        svc.unlock("nobody")
    with pytest.raises(NotFound):
        svc.issue_temp_passcode("nobody")
    with pytest.raises(Conflict):
        svc.ship_replacement("bob", tok.serial)  # nothing requested
    info = svc.user_info("bob")
    assert [(d.serial, d.kind, d.status) for d in info.devices] == [("0000B0B2", "token-dsc", "active")]
    assert info.credential == "token-dsc"
