"""The API reference in the browser: with SHOMIK_API_DOCS=true, /docs renders Swagger UI
from the server's own assets under the web client's CSP, with no console error (a blocked
script or image would be one), and "Try it out" reaches the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.harness import ServerProcess


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # The API alone: the reference needs no build of the web client.
    env = {"SHOMIK_API_DOCS": "true", "SHOMIK_WEB_DIR": ""}
    server = ServerProcess(tmp_path_factory.mktemp("docs_server"), env)
    server.start()
    yield server
    server.stop()


async def test_docs_render_swagger_ui_under_the_csp(
    docs_server: ServerProcess, new_context: NewContext
) -> None:
    client = await new_context(base_url=docs_server.url)
    page = await client.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(docs_server.url) else outside.append(request.url)
        ),
    )
    response = await page.goto("/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]

    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Shomik")
    health = page.locator("#operations-meta-health_api_health_get")
    await expect(health).to_be_visible()
    await expect(
        page.locator(".opblock-summary-path", has_text="/api/users/me").first
    ).to_be_visible()

    # Try it out: the page's own request to the API, which connect-src 'self' allows.
    await health.locator(".opblock-summary").click()
    await health.get_by_role("button", name="Try it out").click()
    await health.get_by_role("button", name="Execute").click()
    await expect(
        health.locator(".live-responses-table tbody .response-col_status").first
    ).to_have_text("200")
    await save_screenshot(page, "api-docs")
    assert outside == [], outside
    client.assert_no_errors()
