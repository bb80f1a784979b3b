from django.urls import path

from learners.attendance import views as attendance_views
from learners.calendar import views as calendar_views
from learners.enrolment import views as enrolment_views
from learners.gradebook import views as gradebook_views
from learners.h5p import views as h5p_views
from learners.imports import views as import_views
from learners.notifications import views as notification_views
from learners.progress import views as progress_views
from learners.reflections import views as reflection_views

app_name = "learners"

urlpatterns = [
    path("mis-cursos/", enrolment_views.dashboard, name="dashboard"),
    path("invitacion/<uidb64>/<token>/", import_views.invitation_accept, name="invitation_accept"),
    path("asistencia/<str:token>/", attendance_views.checkin, name="checkin"),
    path("mi-calendario/", calendar_views.my_calendar, name="my_calendar"),
    path("mi-calendario/nueva-direccion/<str:kind>/", calendar_views.feed_regenerate, name="calendar_feed_regenerate"),
    path("sesiones/<id:session_id>/calendario.ics", calendar_views.session_ics, name="session_ics"),
    path("calendario/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("mis-avisos/", notification_views.preferences, name="notifications_preferences"),
    path("avisos/baja/<str:token>/", notification_views.unsubscribe, name="notifications_unsubscribe"),
    path("cursos/<id:course_id>/inscripcion/", enrolment_views.enrol, name="enrol"),
    path("cursos/<id:course_id>/retiro/", enrolment_views.withdraw, name="withdraw"),
    path("cursos/<id:course_id>/mis-notas/", gradebook_views.my_grades, name="my_grades"),
    path("lecciones/<id:lesson_id>/completar/", progress_views.mark_complete, name="mark_complete"),
    path(
        "lecciones/<id:lesson_id>/reflexiones/<str:block_id>/", reflection_views.answer_save, name="reflection_answer"
    ),
    path("aprender/h5p/<id:lesson_id>/<uuid:activity_uuid>/", h5p_views.h5p_player, name="h5p_player"),
    path("aprender/h5p/<id:lesson_id>/<uuid:activity_uuid>/xapi/", h5p_views.h5p_xapi, name="h5p_xapi"),
    path(
        "aprender/h5p/<id:lesson_id>/<uuid:activity_uuid>/estado/<str:data_type>/<str:sub_content_id>/",
        h5p_views.h5p_state,
        name="h5p_state",
    ),
]
