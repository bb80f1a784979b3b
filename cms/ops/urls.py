from django.urls import path

from cms.ops import views

app_name = "ops"
urlpatterns = [
    path("salud/", views.alive, name="alive"),
    path("salud/listo/", views.ready, name="ready"),
    path("metricas/", views.prometheus, name="metrics"),
]
