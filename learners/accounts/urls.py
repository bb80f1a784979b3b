from django.urls import path

from learners.accounts import views
from learners.accounts.claveunica import views as claveunica_views
from learners.privacy import views as privacy_views

app_name = "accounts"

urlpatterns = [
    path("registro/", views.signup, name="signup"),
    path("registro/revisa-tu-correo/", views.signup_done, name="signup_done"),
    path("confirmar/reenviar/", views.resend_confirmation, name="resend_confirmation"),
    path("confirmar/<uidb64>/<token>/", views.confirm, name="confirm"),
    path("ingresar/", views.LoginView.as_view(), name="login"),
    path("salir/", views.logout, name="logout"),
    path("claveunica/ingresar/", claveunica_views.start, name="claveunica_start"),
    path("claveunica/vuelta/", claveunica_views.callback, name="claveunica_callback"),
    path("claveunica/completar/", claveunica_views.complete, name="claveunica_complete"),
    path("claveunica/codigo/", claveunica_views.code, name="claveunica_code"),
    path("claveunica/vincular/", claveunica_views.link, name="claveunica_link"),
    path("clave/", views.password_reset, name="password_reset"),
    path("clave/enviada/", views.password_reset_done, name="password_reset_done"),
    path("clave/nueva/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("clave/lista/", views.password_reset_complete, name="password_reset_complete"),
    path("perfil/", views.profile, name="profile"),
    path("perfil/cambiar-contrasena/", views.password_change, name="password_change"),
    path("privacidad/", privacy_views.notice, name="privacy"),
    path("privacidad/aceptar/", privacy_views.accept, name="privacy_accept"),
    path("privacidad/retirar/", privacy_views.withdraw, name="privacy_withdraw"),
    path("mis-datos/", privacy_views.my_data, name="my_data"),
    path("mis-datos/descargar/", privacy_views.download, name="my_data_download"),
]
