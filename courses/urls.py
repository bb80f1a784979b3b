from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("contenido/<str:token>/<path:path>", views.h5p_content_file, name="h5p-content"),
    path("bibliotecas/<str:folder>/<path:path>", views.h5p_library_file, name="h5p-library"),
]
