"""What the browser tests do over and over: log in through the form, prove an update happened
in place, take a screenshot for people to look at."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

# var/ is not committed: the screenshots are for the lead to look at, not to compare.
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var"


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()


def mark_document(page: Page) -> None:
    """Tag the loaded document; `assert_same_document` then proves that what followed was an
    in-place (htmx) update, not a full page load."""
    page.evaluate("window.__proofdeskMarker = 'still-here'")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.__proofdeskMarker") == "still-here", "the page was reloaded"


def wait_for_htmx(page: Page) -> None:
    """Until no htmx request is in flight and what the last one brought is settled. htmx
    marks the requesting element meanwhile, then the new content until it has wired that
    content's own triggers (a settle task after the swap): a change made to the new content
    before that is lost, as a CI run once showed with a select changed right after a save."""
    expect(
        page.locator(".htmx-request, .htmx-swapping, .htmx-added, .htmx-settling")
    ).to_have_count(0)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / name
    page.screenshot(path=str(path), full_page=True)
    return path


def forced_post(page: Page, url: str) -> int:
    """POST from inside the page, with the session's cookie and the page's CSRF token but
    without any button: what a user forging the request from devtools would send. Returns
    the response's status code."""
    return int(
        page.evaluate(
            """async (url) => {
            const headers = JSON.parse(document.body.getAttribute("hx-headers"));
            const response = await fetch(url, {method: "POST", headers: headers,
                                               body: new URLSearchParams({note: "forced"})});
            return response.status;
        }""",
            url,
        )
    )


AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe-4.14.1.min.js"


def fits(page: Page, width: int) -> None:
    """The page needs no sideways scrolling at `width` and has no serious axe-core finding."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert serious_axe_violations(page) == [], page.url


def give_second_approval_in_place(page: Page, asset_pk: int, width: int) -> None:
    """Legal's or standards' second approval on the asset page, as a person gives it: the
    status comes first, the page changes in place, and focus lands on what happened."""
    page.goto(f"/assets/{asset_pk}/")
    status = page.locator("#workflow-title")
    expect(status).to_contain_text("Approved, waiting for a second approval")
    box = status.bounding_box()
    assert box is not None and box["y"] < 844  # the status before anything else
    fits(page, width)
    mark_document(page)
    page.get_by_role("button", name="Give the second approval").click()
    expect(page.locator("#signoff")).to_contain_text("Cleared for publication.")
    expect(status).not_to_contain_text("waiting")
    page.wait_for_function(
        "() => document.activeElement.innerText === 'Second approval recorded: cleared.'"
    )
    assert_same_document(page)
    fits(page, width)


def serious_axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the current page (vendored, no CDN)."""
    # From the site's own static files, as a page's own script would load: the CSP allows
    # no inline script, and injecting the file's text would be one.
    page.add_script_tag(url=f"{settings.STATIC_URL}{AXE.relative_to(AXE.parents[2]).as_posix()}")
    found: list[str] = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return found
