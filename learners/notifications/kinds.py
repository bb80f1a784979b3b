"""Every kind of message the platform sends, in one registry: its Spanish label, whether a person may switch it
off, and what she gets when she never chose (``default``).

A producer names its kind in ``Outgoing.kind``; ``outbox_queue`` refuses a kind that is not registered here.
Kinds that the law or security require (``required=True``: account confirmation, password reset, data-request
answers) are always sent immediately, even to a blocked account, never wait for a digest and carry no unsubscribe
link.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

IMMEDIATE = "immediate"
DAILY = "daily"
NEVER = "never"
CHOICES = ((IMMEDIATE, _("Right away")), (DAILY, _("In a daily summary")), (NEVER, _("Never")))
CHOICE_VALUES = frozenset(value for value, _label in CHOICES)


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    description: str = ""
    required: bool = False  # the law or security require it: cannot be switched off nor delayed
    default: str = IMMEDIATE
    staff_only: bool = False  # only staff receive it ("Mis avisos" shows it to staff only)
    choosable: bool = True  # listed on "Mis avisos" (the daily summary itself is not)
    secret: bool = False  # holds a log-in or reset link: its text is erased from the outbox once sent


DAILY_DIGEST = "resumen_diario"

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind("inscripcion_confirmada", _("Enrolment confirmed"), _("When you enrol in a course or a group.")),
        Kind(
            "lista_espera",
            _("Waitlist"),
            _("Your place on a group's waitlist, and when a seat frees up for you."),
        ),
        # The invitation holds the link that activates an imported account (still inactive): an account message.
        Kind(
            "invitacion",
            _("Invitation to the platform"),
            _("When a school enrols you from a list."),
            required=True,
            choosable=False,
            secret=True,
        ),
        Kind(
            "recordatorio_sesion",
            _("Session reminders"),
            _("The day before each in-person session (and a few hours before), with the calendar file."),
        ),
        Kind(
            "cambio_sesion",
            _("Session changes"),
            _("When a session changes date, time or place, or is suspended."),
        ),
        Kind("curso_completado", _("Course completed"), _("When you complete a course.")),
        Kind(
            "certificado",
            _("Certificates"),
            _("When your certificate is ready, reissued or revoked."),
        ),
        Kind(
            "resumen_semanal_docente",
            _("Weekly summary for instructors"),
            _("Sessions to take attendance for, learners who have not started, answers awaiting review."),
            staff_only=True,
        ),
        Kind(
            "resumen_semanal_academia",
            _("Weekly summary for the academy"),
            _("Pending data requests and their legal deadlines."),
            staff_only=True,
        ),
        Kind(DAILY_DIGEST, _("Daily summary"), choosable=False),
        Kind("confirmacion_cuenta", _("Account confirmation"), required=True, choosable=False, secret=True),
        Kind("cuenta_existente", _("Notice of an existing account"), required=True, choosable=False, secret=True),
        Kind("restablecer_contrasena", _("Password reset"), required=True, choosable=False, secret=True),
        Kind("codigo_claveunica", _("ClaveÚnica verification code"), required=True, choosable=False, secret=True),
        Kind("run_en_revision", _("RUN under review"), required=True, choosable=False, staff_only=True),
        Kind("respuesta_solicitud_datos", _("Answer to a data request"), required=True, choosable=False),
    )
}


def kind_get(code: str) -> Kind:
    """The registered kind ``code``; raises KeyError for an unknown one."""
    return KINDS[code]


def choosable_kinds(*, staff: bool) -> list[Kind]:
    """The kinds a person chooses for on "Mis avisos" (staff also see the staff digests)."""
    return [kind for kind in KINDS.values() if kind.choosable and not kind.required and (staff or not kind.staff_only)]
