"""Pages for the school's staff outside the Wagtail admin: attendance taking on a phone, and "Mis grupos" (the
gradebook of each cohort)."""

from django.urls import path

from learners.attendance import views
from learners.gradebook import views as gradebook_views

app_name = "learners_staff"

urlpatterns = [
    path("sesiones/", views.session_list, name="sessions"),
    path("sesiones/<int:session_id>/asistencia/", views.attendance, name="attendance"),
    path("grupos/", gradebook_views.group_list, name="groups"),
    path("grupos/<int:cohort_id>/", gradebook_views.group_matrix, name="group"),
    path(
        "grupos/<int:cohort_id>/participantes/<int:enrolment_id>/",
        gradebook_views.group_learner,
        name="group_learner",
    ),
]
