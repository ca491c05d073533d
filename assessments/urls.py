from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path(
        "assessments/<int:pk>/answers/<slug:practice_key>/",
        views.answer_save,
        name="answer_save",
    ),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/profile/", views.profile_save, name="profile_save"),
]
