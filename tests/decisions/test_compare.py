"""Comparing two revisions paragraph by paragraph."""

from __future__ import annotations

import pytest
from django.utils import translation

from decisions.compare import compare, diff_html

pytestmark = pytest.mark.django_db


def test_a_difference_marks_insertions_and_deletions_word_by_word():
    assert diff_html("The network meets twice a year.", "The network meets three times a year.") == (
        "The network meets <del>twice</del><ins>three times</ins> a year."
    )


def test_a_difference_escapes_the_text():
    assert diff_html("a <b>", "a <script>") == "a <del>&lt;b&gt;</del><ins>&lt;script&gt;</ins>"


def test_revisions_are_paired_by_paragraph_number_in_the_reader_s_language(draft):
    rev1, rev2 = draft.revisions.get(number=1), draft.revisions.get(number=2)

    with translation.override("fr"):
        rows = compare(rev1, rev2)

    assert [(r.number, r.change) for r in rows] == [(1, "changed"), (2, "same"), (3, "added")]
    assert rows[0].html == "Le réseau se réunit <del>deux</del><ins>trois</ins> fois par an."
    assert rows[2].html == "<ins>Le secrétariat est celui de l&#x27;Union Benelux.</ins>"
