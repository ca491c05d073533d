from django.urls import path

from accounts import sso_admin_views, token_views, views

app_name = "accounts"

urlpatterns = [
    path("manage/invitations/", views.invitation_list, name="invitation_list"),
    path("manage/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("manage/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("account/tokens/", token_views.token_list, name="token_list"),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
    path("manage/tokens/", token_views.service_token_list, name="service_token_list"),
    path(
        "manage/tokens/<int:pk>/revoke/",
        token_views.api_token_revoke_any,
        name="api_token_revoke",
    ),
    path("manage/sso/", sso_admin_views.sso_settings, name="sso_settings"),
    path(
        "manage/sso/mappings/<int:pk>/remove/",
        sso_admin_views.sso_mapping_delete,
        name="sso_mapping_remove",
    ),
]
