from django.urls import path

from certificates import views
from certificates.credentials import views as credential_views

app_name = "certificates"

urlpatterns = [
    path("verificar/", views.verify_form, name="verify_form"),
    path("verificar/<str:code>/", views.verify, name="verify"),
    path("verificar/<str:code>/credencial.json", credential_views.credential_public, name="credential_json"),
    path("<id:pk>/descargar/", views.download, name="download"),
    path("<id:pk>/credencial/", credential_views.credential_download, name="credential_download"),
    path("<id:pk>/insignia/", credential_views.badge_download, name="badge_download"),
    path("emisores/<str:short_code>/estado/", credential_views.status_list, name="status_list"),
]
