from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("manage/invitations/", views.invitation_list, name="invitation_list"),
    path("manage/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("manage/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
