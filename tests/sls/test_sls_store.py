"""Storage: migrations to head on open, one code path on SQLite and PostgreSQL, sealing at rest."""

import pytest
from picodsc.errors import PicodscError
from picodsc.sls import Identity, Service
from picodsc.sls import tables as T
from sls_helpers import ADDR, PASSWORD
from sqlalchemy import select

IDENT = Identity("1980-02-29", "IT", "IT", "passport", "YA1234567")


def test_open_migrates_to_head_and_reopens(db_url, clock, key_file):
    svc = Service.open(db_url, clock=clock, key_file=key_file)
    svc.add_user("bob", account="B1", password=PASSWORD)
    svc.close()
    again = Service.open(db_url, clock=clock, key_file=key_file, create=False)
    assert again.user_info("bob").account == "B1"
    again.close()


@pytest.mark.real_argon2
def test_identity_and_card_cells_are_sealed(svc, clock):
    svc.add_user("carol", account="C1", password=PASSWORD, identity=IDENT)
    svc.issue_temp_passcode("carol")
    with svc.store.read() as conn:
        blob = conn.execute(select(T.users.c.identity)).scalar()
        pw = conn.execute(select(T.users.c.password_hash)).scalar()
    assert b"YA1234567" not in blob and b"1980" not in blob
    assert pw.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert svc.user_info("carol").has_identity


def test_card_cells_not_in_the_database_in_clear(svc):
    svc.add_user("dave", account="D1", password=PASSWORD)
    code = svc.issue_temp_passcode("dave")
    step = svc.login_password("dave", PASSWORD, address=ADDR)
    grant = svc.login_answer(step.transaction, code, address=ADDR)
    card = svc.card_view(grant.token)
    with svc.store.read() as conn:
        blob = conn.execute(select(T.cards.c.cells)).scalar()
        pc_hash = conn.execute(select(T.temp_passcodes.c.passcode_hash)).scalar()
    assert all(code.encode() not in blob for row in card.grid for code in row)
    assert code not in pc_hash and pc_hash.startswith("$argon2id$")


def test_a_sealed_database_never_gets_a_fresh_key(db_url, clock, key_file):
    Service.open(db_url, clock=clock, key_file=key_file).close()
    key_file.rename(key_file.with_name("elsewhere.key"))
    with pytest.raises(PicodscError) as e:
        Service.open(db_url, clock=clock, key_file=key_file)
    assert "key file" in str(e.value) and "missing" in str(e.value)
    assert not key_file.exists()
