from django.urls import path

from learners import views

app_name = "learners"

urlpatterns = [
    path("mis-cursos/", views.dashboard, name="dashboard"),
    path("cursos/<int:course_id>/inscripcion/", views.enrol, name="enrol"),
    path("cursos/<int:course_id>/retiro/", views.withdraw, name="withdraw"),
    path("lecciones/<int:lesson_id>/completar/", views.mark_complete, name="mark_complete"),
]
