"""The SSRF guard on push endpoints, and that it holds again at send time."""

from __future__ import annotations

from pathlib import Path

import orjson

from shomik.push.hosts import endpoint_allowed
from shomik.push.keys import load
from shomik.push.repository import Subscription
from shomik.push.sender import Push, PushSender
from shomik.settings import Settings
from tests.harness import free_port
from tests.push.pushservice import PushService


def test_default_hosts_are_the_known_push_services_over_https() -> None:
    s = Settings(push_extra_hosts=[])
    assert endpoint_allowed("https://fcm.googleapis.com/fcm/send/a", s)
    assert endpoint_allowed("https://fcm.googleapis.com:443/fcm/send/a", s)
    assert endpoint_allowed("https://web.push.apple.com/a", s)
    assert not endpoint_allowed("https://push.apple.com.evil.example/a", s)
    assert not endpoint_allowed("https://xpush.apple.com/a", s)
    assert not endpoint_allowed("https://127.0.0.1/a", s)
    assert not endpoint_allowed("https://[::1]/a", s)
    assert not endpoint_allowed("https://fcm.googleapis.com:99999/a", s)


def test_extra_hosts_with_and_without_a_port() -> None:
    s = Settings(push_extra_hosts="push.example.org, 10.0.0.5:8443", push_allow_http=False)
    assert endpoint_allowed("https://push.example.org/a", s)
    assert not endpoint_allowed("https://push.example.org:8443/a", s)  # bare: 443 only
    assert endpoint_allowed("https://10.0.0.5:8443/a", s)
    assert not endpoint_allowed("https://10.0.0.5/a", s)  # with a port: that port only
    assert not endpoint_allowed("http://10.0.0.5:8443/a", s)  # http needs the test switch
    s = Settings(push_extra_hosts="10.0.0.5:8443", push_allow_http=True)
    assert endpoint_allowed("http://10.0.0.5:8443/a", s)
    assert not endpoint_allowed("http://fcm.googleapis.com/a", s)  # never for known hosts


async def test_an_endpoint_no_longer_allowed_is_not_posted_to(tmp_path: Path) -> None:
    service = PushService()
    await service.start(free_port())
    try:
        browser = service.browser()
        keys = browser.subscription()["keys"]
        sub = Subscription(1, 1, browser.endpoint, keys["p256dh"], keys["auth"])
        gone: list[int] = []

        async def on_gone(sub_id: int) -> None:
            gone.append(sub_id)

        allowed = Settings(
            data_dir=tmp_path, push_extra_hosts=f"127.0.0.1:{service.port}", push_allow_http=True
        )
        for settings, expected in ((Settings(data_dir=tmp_path), 0), (allowed, 1)):
            sender = PushSender(settings, load(settings), on_gone)
            sender.start()
            sender.deliver(sub, Push(orjson.dumps({"n": 1}), 60, "normal", None))
            await sender.idle()
            await sender.stop()
            assert len(service.to(browser)) == expected
        assert service.to(browser)[0].payload(browser) == {"n": 1}
    finally:
        await service.stop()
