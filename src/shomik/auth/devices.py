"""A session's device name ("Chrome 156, Linux"), from the User-Agent at sign-in. Only
names, no words of a language: the client shows it as it is in every language."""

from __future__ import annotations

from ua_parser import parse

MAX_LENGTH = 128


def device_name(user_agent: str | None) -> str:
    if not user_agent:
        return ""  # the client says "Unknown device" in its language
    result = parse(user_agent[:512])  # a parse of an unbounded header costs unbounded time
    browser = result.user_agent
    name = f"{browser.family} {browser.major}" if browser and browser.major else None
    if name is None and browser:
        name = browser.family
    system = result.os.family if result.os else None
    if name and system:
        return f"{name}, {system}"[:MAX_LENGTH]
    # Not a browser we know (a script, a bot): its own words, trimmed.
    return (name or system or user_agent.split(" ", 1)[0])[:MAX_LENGTH]
