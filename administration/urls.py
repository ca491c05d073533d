"""Administration in the portal, for org admins: units, teams, people and roles, targets,
the review policy, the audit log. Daily work never needs the Django admin."""

from django.urls import path

from administration import views
from administration.views import audit, imports, people, reviews, targets, units

app_name = "administration"

urlpatterns = [
    path("manage/", views.overview, name="overview"),
    path("manage/units/", units.units, name="units"),
    path("manage/units/new/", units.unit_create, name="unit_create"),
    path("manage/units/<slug:slug>/rename/", units.unit_rename, name="unit_rename"),
    path("manage/units/<slug:slug>/move/", units.unit_move, name="unit_move"),
    path("manage/units/<slug:slug>/archive/", units.unit_archive, name="unit_archive"),
    path("manage/units/<slug:slug>/restore/", units.unit_restore, name="unit_restore"),
    path("manage/teams/new/", units.team_create, name="team_create"),
    path("manage/teams/<slug:slug>/rename/", units.team_rename, name="team_rename"),
    path("manage/teams/<slug:slug>/move/", units.team_move, name="team_move"),
    path("manage/teams/<slug:slug>/archive/", units.team_archive, name="team_archive"),
    path("manage/people/", people.people, name="people"),
    path("manage/people/<int:pk>/", people.person, name="person"),
    path("manage/people/<int:pk>/roles/", people.person_roles, name="person_roles"),
    path("manage/people/<int:pk>/teams/", people.person_team, name="person_team"),
    path("manage/people/<int:pk>/units/", people.person_units, name="person_units"),
    path(
        "manage/people/<int:pk>/review-units/",
        people.person_review_units,
        name="person_review_units",
    ),
    path("manage/people/<int:pk>/deactivate/", people.person_deactivate, name="person_deactivate"),
    path("manage/people/<int:pk>/reactivate/", people.person_reactivate, name="person_reactivate"),
    path("manage/import/", imports.import_page, name="import"),
    path("manage/import/template.csv", imports.import_template, name="import_template"),
    path("manage/targets/", targets.targets, name="targets"),
    path("manage/targets/rule/", targets.target_rule, name="target_rule"),
    path("manage/targets/rule/clear/", targets.target_rule_clear, name="target_rule_clear"),
    path("manage/reviews/", reviews.reviews, name="reviews"),
    path("manage/audit/", audit.audit, name="audit"),
    path("manage/audit.csv", audit.audit_csv, name="audit_csv"),
]
