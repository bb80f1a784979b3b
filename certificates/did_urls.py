"""did:web documents of the credential issuers, at fixed paths of the host: include at the site's root."""

from django.urls import path

from certificates.credentials import views

app_name = "did"

urlpatterns = [
    path(".well-known/did.json", views.academy_did, name="academy"),
    path("emisores/<str:short_code>/did.json", views.issuer_did, name="issuer"),
]
