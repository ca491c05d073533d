"""An organisation to administer: Data division > Platform > Serving, and Retail division;
alice's team "Fraud Detection" sits in Platform."""

import pytest

from teams.units import unit_create


@pytest.fixture
def tree(db, erin, team):
    data = unit_create(name="Data division", parent=None, actor=erin)
    platform = unit_create(name="Platform", parent=data, actor=erin)
    serving = unit_create(name="Serving", parent=platform, actor=erin)
    retail = unit_create(name="Retail division", parent=None, actor=erin)
    team.unit = platform
    team.save(update_fields=["unit"])
    return {"data": data, "platform": platform, "serving": serving, "retail": retail}


@pytest.fixture
def admin_client(client_for, erin):
    return client_for(erin)
