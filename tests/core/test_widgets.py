"""ManyOptionsSelect writes the markup Django's Select writes, however many options."""

from django import forms

from core.widgets import ManyOptionsSelect

CHOICES = [("", "Every team"), ("r-d", "R&D <Labs>"), ("o-brien", 'O\'Brien "ML"'), (3, "Three")]


def test_it_writes_what_djangos_select_writes():
    for value in ("", "o-brien", 3, None):
        ours = ManyOptionsSelect(choices=CHOICES).render("team", value, {"id": "id_team"})
        django = forms.Select(choices=CHOICES).render("team", value, {"id": "id_team"})
        assert ours.split() == django.split(), value


def test_a_form_field_offers_the_choices_it_is_given_and_checks_a_posted_team():
    class TeamForm(forms.Form):
        team = forms.ChoiceField(required=False, choices=CHOICES, widget=ManyOptionsSelect)

    form = TeamForm({"team": "nobody"})
    assert not form.is_valid()
    assert 'value="r-d">R&amp;D &lt;Labs&gt;</option>' in str(form["team"])
