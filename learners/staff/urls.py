"""Pages for the school's staff outside the Wagtail admin: attendance taking on a phone, replies to reflection
answers, and "Mis grupos" (the gradebook of each cohort)."""

from django.urls import path

from learners.attendance import views
from learners.gradebook import views as gradebook_views
from learners.reflections import views as reflection_views

app_name = "learners_staff"

urlpatterns = [
    path("sesiones/", views.session_list, name="sessions"),
    path("sesiones/<id:session_id>/asistencia/", views.attendance, name="attendance"),
    path("reflexiones/", reflection_views.cohort_list, name="reflections"),
    path("reflexiones/grupos/<id:cohort_id>/", reflection_views.cohort_detail, name="reflection_cohort"),
    path(
        "reflexiones/grupos/<id:cohort_id>/preguntas/<id:lesson_id>/<str:block_id>/",
        reflection_views.prompt_answers,
        name="reflection_prompt",
    ),
    path(
        "reflexiones/grupos/<id:cohort_id>/personas/<id:enrolment_id>/",
        reflection_views.learner_answers,
        name="reflection_learner",
    ),
    path(
        "reflexiones/respuestas/<id:answer_id>/comentario/", reflection_views.feedback_save, name="reflection_feedback"
    ),
    path("grupos/", gradebook_views.group_list, name="groups"),
    path("grupos/<id:cohort_id>/", gradebook_views.group_matrix, name="group"),
    path(
        "grupos/<id:cohort_id>/participantes/<id:enrolment_id>/",
        gradebook_views.group_learner,
        name="group_learner",
    ),
]
