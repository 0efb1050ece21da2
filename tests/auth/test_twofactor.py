"""Two-step verification (TOTP with recovery codes): turning it on and off, signing in with
it, and the refusals: wrong, reused and guessed codes, bad input."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pyotp
import pytest

from tests.harness import PASSWORD, ServerProcess, User, register


async def _login(server: ServerProcess, username: str, **extra: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
        body = {"username": username, "password": PASSWORD, **extra}
        return await http.post("/api/auth/login", json=body)


async def _enable(user: User) -> tuple[pyotp.TOTP, list[str]]:
    """Two-step verification on, as the app does it; the authenticator and the codes."""
    r = await user.http.post("/api/users/me/2fa/setup", json={"password": PASSWORD})
    assert r.status_code == 200, r.text
    setup = r.json()
    totp = pyotp.TOTP(setup["secret"])
    assert pyotp.parse_uri(setup["otpauthUri"]).secret == setup["secret"]
    assert setup["otpauthUri"].startswith("otpauth://totp/Shomik:")
    assert "issuer=Shomik" in setup["otpauthUri"] and user.username in setup["otpauthUri"]
    r = await user.http.post("/api/users/me/2fa/enable", json={"code": totp.now()})
    assert r.status_code == 200, r.text
    recovery: list[str] = r.json()["recoveryCodes"]
    return totp, recovery


def _next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30 s step: good now (one step of drift is allowed) and newer
    than any code used so far, so no test waits for the clock."""
    return totp.at(time.time() + 30)


def _wrong_code(totp: pyotp.TOTP) -> str:
    """Six digits that are no code of the previous, this or the next step."""
    now = time.time()
    good = {totp.at(now + offset) for offset in (-30, 0, 30, 60)}
    return next(c for c in (f"{n:06d}" for n in range(100)) if c not in good)


async def _two_factor(user: User) -> bool:
    r = await user.http.get("/api/users/me")
    assert r.status_code == 200
    return bool(r.json()["twoFactor"])


def _error(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def test_enabling_gives_ten_distinct_recovery_codes_and_shows_on_me(people: Any) -> None:
    (alice,) = await people(1)
    assert alice.me["twoFactor"] is False
    _, recovery = await _enable(alice)
    assert len(recovery) == len(set(recovery)) == 10
    assert await _two_factor(alice)


async def test_sign_in_asks_for_the_code_then_takes_it(people: Any) -> None:
    (alice,) = await people(1)
    totp, _ = await _enable(alice)
    server = alice.server

    missing = await _login(server, alice.username)
    assert missing.status_code == 401 and _error(missing) == "totp_required"
    assert missing.json()["error"]["message"] == "Enter the code from your authenticator app."

    good = _next_code(totp)
    refused = await _login(server, alice.username, code=_wrong_code(totp))
    assert refused.status_code == 401 and _error(refused) == "bad_totp"

    # A wrong password is still just a wrong password, whatever the code.
    bad_password = await _login(server, alice.username, password="not the password", code=good)
    assert bad_password.status_code == 401 and _error(bad_password) == "bad_credentials"

    ok = await _login(server, alice.username, code=f"{good[:3]} {good[3:]}")  # as apps show it
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["twoFactor"] is True


async def test_a_code_is_good_once(people: Any) -> None:
    (alice,) = await people(1)
    totp, _ = await _enable(alice)
    server = alice.server
    # The code that turned it on was used up by doing so.
    used = await _login(server, alice.username, code=totp.now())
    assert used.status_code == 401 and _error(used) == "bad_totp"

    code = _next_code(totp)
    assert (await _login(server, alice.username, code=code)).status_code == 200
    again = await _login(server, alice.username, code=code)
    assert again.status_code == 401 and _error(again) == "bad_totp"
    # Nor does an older code, still inside its window, come back once a newer one was used.
    older = await _login(server, alice.username, code=totp.now())
    assert older.status_code == 401 and _error(older) == "bad_totp"


async def test_a_recovery_code_signs_in_once(people: Any) -> None:
    (alice,) = await people(1)
    _, recovery = await _enable(alice)
    server = alice.server
    first, second = recovery[0], recovery[1]
    ok = await _login(server, alice.username, code=first)
    assert ok.status_code == 200, ok.text
    again = await _login(server, alice.username, code=first)
    assert again.status_code == 401 and _error(again) == "bad_totp"
    # Typed from paper: upper case, a space for the dash.
    typed = second.upper().replace("-", " ")
    assert (await _login(server, alice.username, code=typed)).status_code == 200
    # The others are untouched.
    assert (await _login(server, alice.username, code=recovery[2])).status_code == 200


async def test_two_sign_ins_racing_with_one_recovery_code_get_one_session(people: Any) -> None:
    (alice,) = await people(1)
    _, recovery = await _enable(alice)
    answers = await asyncio.gather(
        *(_login(alice.server, alice.username, code=recovery[0]) for _ in range(4))
    )
    assert sorted(r.status_code for r in answers) == [200, 401, 401, 401]


async def test_turning_off_takes_the_password_and_a_code(people: Any) -> None:
    (alice,) = await people(1)
    totp, recovery = await _enable(alice)
    path = "/api/users/me/2fa/disable"

    wrong_password = await alice.http.post(
        path, json={"password": "not the password", "code": _next_code(totp)}
    )
    assert wrong_password.status_code == 403 and _error(wrong_password) == "bad_credentials"
    wrong_code = await alice.http.post(path, json={"password": PASSWORD, "code": _wrong_code(totp)})
    assert wrong_code.status_code == 403 and _error(wrong_code) == "bad_totp"
    used_recovery = recovery[0]
    assert (await _login(alice.server, alice.username, code=used_recovery)).status_code == 200
    spent = await alice.http.post(path, json={"password": PASSWORD, "code": used_recovery})
    assert spent.status_code == 403 and _error(spent) == "bad_totp"
    assert await _two_factor(alice)  # every refusal above changed nothing

    r = await alice.http.post(path, json={"password": PASSWORD, "code": recovery[1]})
    assert r.status_code == 204, r.text
    assert not await _two_factor(alice)
    assert (await _login(alice.server, alice.username)).status_code == 200
    again = await alice.http.post(path, json={"password": PASSWORD, "code": recovery[2]})
    assert again.status_code == 409 and _error(again) == "totp_disabled"


async def test_new_recovery_codes_void_the_old_ones(people: Any) -> None:
    (alice,) = await people(1)
    totp, old = await _enable(alice)
    r = await alice.http.post(
        "/api/users/me/2fa/recovery-codes", json={"password": PASSWORD, "code": _next_code(totp)}
    )
    assert r.status_code == 200, r.text
    new = r.json()["recoveryCodes"]
    assert len(new) == 10 and not set(new) & set(old)
    stale = await _login(alice.server, alice.username, code=old[1])
    assert stale.status_code == 401 and _error(stale) == "bad_totp"
    assert (await _login(alice.server, alice.username, code=new[0])).status_code == 200


async def test_setting_up_asks_for_the_password_and_enabling_for_a_good_code(
    people: Any,
) -> None:
    (alice,) = await people(1)
    r = await alice.http.post("/api/users/me/2fa/setup", json={"password": "not the password"})
    assert r.status_code == 403 and _error(r) == "bad_credentials"
    r = await alice.http.post("/api/users/me/2fa/enable", json={"code": "123456"})
    assert r.status_code == 409 and _error(r) == "totp_not_set_up"

    r = await alice.http.post("/api/users/me/2fa/setup", json={"password": PASSWORD})
    totp = pyotp.TOTP(r.json()["secret"])
    # A code of another secret (an app set up elsewhere) is as wrong as any.
    r = await alice.http.post("/api/users/me/2fa/enable", json={"code": _wrong_code(totp)})
    assert r.status_code == 403 and _error(r) == "bad_totp"
    assert not await _two_factor(alice)
    assert (await _login(alice.server, alice.username)).status_code == 200  # still off

    # On, set up again: refused, so a stolen session cannot swap in the thief's app.
    await alice.http.post("/api/users/me/2fa/enable", json={"code": totp.now()})
    assert await _two_factor(alice)
    r = await alice.http.post("/api/users/me/2fa/setup", json={"password": PASSWORD})
    assert r.status_code == 409 and _error(r) == "totp_enabled"


async def test_a_code_sent_without_two_step_verification_is_ignored(people: Any) -> None:
    (alice,) = await people(1)
    assert (await _login(alice.server, alice.username, code="123456")).status_code == 200


async def test_the_endpoints_need_a_signed_in_user(engine_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=engine_server.url) as anon:
        for path, body in (
            ("setup", {"password": PASSWORD}),
            ("enable", {"code": "123456"}),
            ("disable", {"password": PASSWORD, "code": "123456"}),
            ("recovery-codes", {"password": PASSWORD, "code": "123456"}),
        ):
            r = await anon.post(f"/api/users/me/2fa/{path}", json=body)
            assert r.status_code == 401, path


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/login", {"code": "1" * 33}),
        ("/api/auth/login", {"code": ""}),
        ("/api/auth/login", {"code": 123456}),
        ("/api/auth/login", {"code": "12\x003456"}),
        ("/api/users/me/2fa/setup", {}),
        ("/api/users/me/2fa/setup", {"password": PASSWORD, "secret": "AAAA"}),
        ("/api/users/me/2fa/enable", {}),
        ("/api/users/me/2fa/enable", {"code": None}),
        ("/api/users/me/2fa/enable", {"code": "9" * 33}),
        ("/api/users/me/2fa/disable", {"password": PASSWORD}),
        ("/api/users/me/2fa/disable", {"code": "123456"}),
        ("/api/users/me/2fa/recovery-codes", {"password": PASSWORD, "code": ["123456"]}),
    ],
)
async def test_bad_input_is_refused_with_422_and_changes_nothing(
    people: Any, path: str, body: dict[str, Any]
) -> None:
    (alice,) = await people(1)
    totp, _ = await _enable(alice)
    if path == "/api/auth/login":
        body = {"username": alice.username, "password": PASSWORD, **body}
    r = await alice.http.post(path, json=body)
    assert r.status_code == 422, r.text
    assert await _two_factor(alice)
    assert (await _login(alice.server, alice.username, code=_next_code(totp))).status_code == 200


async def test_guessing_codes_runs_into_the_account_limit(make_server: Any) -> None:
    """Each code tried counts against the account's sign-in limit, from any address: six
    digits cannot be worked through."""
    server: ServerProcess = make_server(
        env={
            "SHOMIK_RATE_LIMITS_ENABLED": "true",
            "SHOMIK_RATE_LOGIN": "100/minute",
            "SHOMIK_RATE_LOGIN_ACCOUNT": "5/hour",
        }
    )
    alice = await register(server)
    try:
        totp, _ = await _enable(alice)  # its password proof is the first of the five
        good = _next_code(totp)
        answers = [await _login(server, alice.username, code=_wrong_code(totp)) for _ in range(4)]
        assert [r.status_code for r in answers] == [401] * 4
        # The right code, next: the account's attempts are spent.
        limited = await _login(server, alice.username, code=good)
        assert limited.status_code == 429 and _error(limited) == "rate_limited"
        assert "this account" in limited.json()["error"]["message"]
        # Proving the password to turn it off counts the same way.
        r = await alice.http.post(
            "/api/users/me/2fa/disable", json={"password": PASSWORD, "code": good}
        )
        assert r.status_code == 429
        assert await _two_factor(alice)
    finally:
        await alice.aclose()
