from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("verificar/", views.verify_form, name="verify_form"),
    path("verificar/<str:code>/", views.verify, name="verify"),
    path("<id:pk>/descargar/", views.download, name="download"),
]
