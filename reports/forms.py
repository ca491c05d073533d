from collections.abc import Iterator

from django import forms
from django.utils.choices import BaseChoiceIterator

from assessments.models import Period
from core.widgets import ManyOptionsSelect
from reports import selectors
from teams.models import Team

WHOLE_ORGANISATION = "Whole organisation"


class Pairs(BaseChoiceIterator):
    """Choices already in (value, label) form: a widget takes them as they are, where a
    plain list would be checked pair by pair (a few ms for 2,000 teams)."""

    def __init__(self, pairs: list[tuple[object, str]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[tuple[object, str]]:
        return iter(self.pairs)


class ReportRequestForm(forms.Form):
    period = forms.ModelChoiceField(
        queryset=Period.objects.none(), empty_label=None, widget=ManyOptionsSelect
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label=WHOLE_ORGANISATION,
        label="Scope",
        widget=ManyOptionsSelect,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read per request: which periods have opened changes with the date.
        periods = selectors.report_periods()
        self.fields["period"].queryset = periods  # type: ignore[attr-defined]
        # Read once, here: the widget would read them twice (is it required? its options).
        self.fields["period"].widget.choices = Pairs([(p.pk, str(p)) for p in periods])
        teams = selectors.report_teams()
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        # The scope offers every team (2,000 at 10,000 projects): its options are read as
        # (id, name) pairs rather than built as Team objects; the field still checks a
        # posted team against the queryset.
        self.fields["team"].widget.choices = Pairs(
            [("", WHOLE_ORGANISATION), *teams.values_list("pk", "name")]
        )
