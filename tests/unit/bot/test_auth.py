from __future__ import annotations

import pytest

from bot.core.auth import AccountLockedError, AuthError
from bot.core.models import Role
from tests.unit.bot.conftest import MakeGateway

PASSWORD = "a long enough passphrase"


async def test_login_returns_a_session_that_expires(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    await gw.auth.create_officer("Anna", PASSWORD, Role.ADMIN, "Anna Tran")
    login = await gw.auth.login("anna", PASSWORD)
    session = await gw.auth.session(login.token)
    assert session is not None and session.officer.display_name == "Anna Tran"
    assert session.csrf_token == login.csrf_token
    gw.clock.advance(hours=9)
    assert await gw.auth.session(login.token) is None


async def test_wrong_passwords_lock_the_account(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    await gw.auth.create_officer("anna", PASSWORD, Role.OFFICER)
    with pytest.raises(AuthError, match="wrong username or password"):
        await gw.auth.login("nobody", PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthError):
            await gw.auth.login("anna", "guess " * 3)
    with pytest.raises(AccountLockedError):
        await gw.auth.login("anna", "guess " * 3)
    # Even the right password waits for the lock to end.
    with pytest.raises(AccountLockedError):
        await gw.auth.login("anna", PASSWORD)
    gw.clock.advance(minutes=16)
    assert (await gw.auth.login("anna", PASSWORD)).officer.username == "anna"


async def test_weak_passwords_and_bad_usernames_are_refused(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    with pytest.raises(ValueError, match="at least 12"):
        await gw.auth.create_officer("anna", "short", Role.OFFICER)
    with pytest.raises(ValueError, match="username"):
        await gw.auth.create_officer("<script>", PASSWORD, Role.OFFICER)


async def test_logout_ends_the_session(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    await gw.auth.create_officer("anna", PASSWORD, Role.OFFICER)
    login = await gw.auth.login("anna", PASSWORD)
    await gw.auth.logout(login.token)
    assert await gw.auth.session(login.token) is None
