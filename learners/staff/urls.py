"""Pages for the school's staff outside the Wagtail admin (attendance taking on a phone)."""

from django.urls import path

from learners.attendance import views

app_name = "learners_staff"

urlpatterns = [
    path("sesiones/", views.session_list, name="sessions"),
    path("sesiones/<id:session_id>/asistencia/", views.attendance, name="attendance"),
]
