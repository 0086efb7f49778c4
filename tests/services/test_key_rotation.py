from __future__ import annotations

import pytest

from coaching.crypto import SecretBox, generate_key
from coaching.runtime import Runtime
from coaching.services.keys import rotate_secrets
from coaching.settings import Settings
from coaching.store.athletes import AthleteRepository
from coaching.store.db import upgrade
from coaching.store.tokens import TokenRepository


def test_rotation_re_encrypts_every_secret_so_the_old_key_can_be_dropped(tmp_path):
    old, new = generate_key(), generate_key()
    url = f"sqlite:///{tmp_path / 'c.db'}"
    before = Runtime(Settings(database_url=url, token_key=old))
    upgrade(before.engine)
    with before.sessions.begin() as s:
        athlete = AthleteRepository(s).upsert_from_strava(1, first_name="A", last_name="", timezone=None, units=None)
        athlete.push_url_encrypted = before.box.encrypt("ntfy://secret-topic")
        TokenRepository(s, before.box).save(athlete.id, access_token="acc", refresh_token="ref", expires_at=1, scopes="")
    before.close()

    during = Runtime(Settings(database_url=url, token_key=f"{new},{old}"))
    assert rotate_secrets(during) == 3
    during.close()

    after = Runtime(Settings(database_url=url, token_key=new))  # the old key is gone
    with after.sessions.begin() as s:
        tokens = TokenRepository(s, after.box).load(1)
        assert (tokens.access_token, tokens.refresh_token) == ("acc", "ref")
        assert after.box.decrypt(AthleteRepository(s).get(1).push_url_encrypted) == "ntfy://secret-topic"
    after.close()
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox([old]).decrypt(SecretBox([new]).encrypt("x"))
