"""`{% asset_status %}`: the status badge every desk page shows."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from review.models import AssetStatus


def render(source: str, **context: object) -> str:
    return Template("{% load asset_status %}" + source).render(Context(context))


@pytest.mark.parametrize("status", AssetStatus.values)
def test_a_status_is_worded_as_its_name_and_classed_for_its_colour(status):
    html = render("{% asset_status status %}", status=status)
    assert html == f'<span class="status status-{status}">{AssetStatus(status).label}</span>'


def test_a_page_may_word_it_otherwise_and_the_words_are_escaped():
    html = render("{% asset_status 'approved' label %}", label="Approved <waiting>")
    assert html == '<span class="status status-approved">Approved &lt;waiting&gt;</span>'
