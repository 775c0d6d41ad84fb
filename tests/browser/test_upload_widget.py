"""The upload page's widget in chromium: several files chosen at once through the plain file
input, with the progress bar filling to the end and every file landing on the desk; and a file
dropped onto the drop zone, which is then uploaded.

Tasks run in-process here (see tests/conftest.py): by the time the response reaches the
browser the files have been checked and are in review.
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from review.models import Asset, AssetStatus
from tests.browser.helpers import assert_same_document, fits, log_in, mark_document

pytestmark = pytest.mark.browser


def noisy_jpeg(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A few hundred KB that JPEG cannot squeeze: enough for the upload to take several
    progress steps instead of one."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def record_progress(page: Page) -> None:
    """Keep what the progress bar showed at every XHR progress event. The page's own listener
    on the form runs first and sets the bar; this one, on the document, reads it after."""
    page.evaluate(
        """() => {
        window.__progress = [];
        document.addEventListener("htmx:xhr:progress", (event) => {
            const bar = document.querySelector("#upload-progress");
            window.__progress.push({value: bar.value, max: bar.max, hidden: bar.hidden,
                                    total: event.detail.total});
        });
    }"""
    )


def test_two_files_chosen_at_once_upload_with_progress(page: Page, reporter, tmp_path):
    files = {
        "market-square.jpg": noisy_jpeg(1),
        "river-bank.jpg": noisy_jpeg(2),
    }
    paths: list[Path] = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    log_in(page, reporter.username)
    page.goto("/assets/upload/")
    progress = page.locator("#upload-progress")
    expect(progress).to_be_hidden()

    page.get_by_label("Files").set_input_files(paths)
    chosen = page.locator("#chosen-files li")
    expect(chosen).to_have_count(2)
    for name in files:
        expect(chosen.filter(has_text=name)).to_have_count(1)
    page.get_by_label("Story reference").fill("market-day")
    record_progress(page)
    mark_document(page)
    page.get_by_role("button", name="Upload").click()

    results = page.locator(".upload-results")
    expect(results.get_by_role("heading", name="Received")).to_be_visible()
    for name in files:
        expect(results.get_by_role("link", name=re.compile(re.escape(name) + "$"))).to_be_visible()
    assert_same_document(page)
    steps = page.evaluate("window.__progress")
    # The bar was shown and reached its end while the request body (both files) went up.
    upload_steps = [s for s in steps if s["total"] >= sum(len(d) for d in files.values())]
    assert upload_steps, steps
    assert all(not s["hidden"] for s in upload_steps)
    assert upload_steps[-1]["value"] == upload_steps[-1]["max"] == 100

    assets = {a.original_filename: a for a in Asset.objects.all()}
    assert set(assets) == set(files)
    for name, data in files.items():
        assert assets[name].sha256 == hashlib.sha256(data).hexdigest()
        assert assets[name].status == AssetStatus.IN_REVIEW
        assert assets[name].story_ref == "market-day"

    # Both are in the reporter's queue.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    rows = page.locator("#results table.queue tbody tr")
    expect(rows).to_have_count(2)
    for name in files:
        expect(rows.filter(has_text=name).locator(".status")).to_have_text("In review")


def test_a_file_dropped_on_the_drop_zone_is_uploaded(page: Page, reporter):
    data = noisy_jpeg(3, size=(320, 240))
    log_in(page, reporter.username)
    page.goto("/assets/upload/")

    # What the browser hands the page when a file is dragged in from the desktop.
    transfer = page.evaluate_handle(
        """([name, encoded]) => {
        const raw = atob(encoded);
        const bytes = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
        return transfer;
    }""",
        ["dropped-photo.jpg", base64.b64encode(data).decode()],
    )
    zone = page.locator("#dropzone")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_class("dropzone dragging")
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(zone).to_have_class("dropzone")

    # The drop filled the file input itself, so the form sends it like a chosen file.
    assert page.eval_on_selector("#id_files", "(input) => input.files.length") == 1
    expect(page.locator("#chosen-files li")).to_have_text(
        f"dropped-photo.jpg ({len(data) / 1024:.1f} KB)"
    )
    page.get_by_role("button", name="Upload").click()

    results = page.locator(".upload-results")
    expect(results.get_by_role("heading", name="Received")).to_be_visible()
    asset = Asset.objects.get()
    expect(results.get_by_role("link", name=f"#{asset.pk} dropped-photo.jpg")).to_be_visible()
    assert asset.original_filename == "dropped-photo.jpg"
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert (asset.uploaded_by, asset.media_type) == (reporter, "image/jpeg")


def test_a_file_that_is_no_media_is_refused_in_an_alert_beside_the_ones_received(
    page: Page, reporter, tmp_path
):
    """At a phone's width, with no serious axe-core finding once the results are in: the
    refusal is announced, and its list is still a list to a screen reader."""
    page.set_viewport_size({"width": 390, "height": 844})
    photo, notes = tmp_path / "harbour.jpg", tmp_path / "notes.jpg"
    photo.write_bytes(noisy_jpeg(3))
    notes.write_text("These are my notes, not a picture.\n")
    log_in(page, reporter.username)
    page.goto("/assets/upload/")
    page.get_by_label("Files").set_input_files([photo, notes])
    page.get_by_role("button", name="Upload").click()

    refused = page.get_by_role("alert").filter(has_text="Not uploaded")
    expect(refused).to_contain_text(
        "notes.jpg: This is not an image, video or audio file: its content matches no media format."
    )
    results = page.locator(".upload-results")
    expect(results.get_by_role("link", name=re.compile("harbour.jpg$"))).to_be_visible()
    expect(refused.get_by_role("listitem")).to_have_count(1)
    fits(page, 390)
    assert [a.original_filename for a in Asset.objects.all()] == ["harbour.jpg"]
