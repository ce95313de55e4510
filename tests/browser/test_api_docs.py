"""/api/docs in a real browser: Swagger UI (the vendored copy, under the site's CSP, no
console errors) reads /api/openapi.json and lists the operations, and a developer can open
one and run it from the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_documentation_lists_and_runs_operations(page):
    page.goto("/api/docs")
    operation = page.locator(".opblock", has_text="/api/v1/kelurahan").first
    expect(operation).to_be_visible()
    expect(page.locator(".opblock-post", has_text="/reports/")).to_have_count(1)
    operation.locator(".opblock-summary").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        "200"
    )
    expect(page.locator(".live-responses-table")).to_contain_text("kauman")
