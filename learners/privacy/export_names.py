"""The learner's data download in Spanish (issue 13): file, column and code names a person reads.

``learner_data`` keeps the platform's internal names (``profile``, ``learner_type: social_leader``); her download
(``datos.json`` and one CSV per category) names them in Spanish: ``perfil.csv``, ``tipo_participante:
dirigente_social``, ``estado: completado``. Names not listed here (a category another app adds) are written as
they come. The README lists them ("Mis datos").
"""

CATEGORIES = {
    "account": "cuenta",
    "profile": "perfil",
    "consents": "consentimientos",
    "enrolments": "inscripciones",
    "progress": "avance",
    "h5p_attempts": "intentos_h5p",
    "h5p_statements": "registros_h5p",
    "h5p_saved_state": "estado_guardado_h5p",
    "attendance": "asistencia",
    "certificates": "certificados",
    "reflection_answers": "respuestas_reflexion",
    "calendar_subscriptions": "suscripciones_calendario",
    "notification_preferences": "preferencias_de_avisos",
    "notices": "avisos_enviados",
    "data_requests": "solicitudes_de_datos",
}

COLUMNS = {
    "email": "correo",
    "username": "usuario",
    "date_joined": "registrada_el",
    "last_login": "ultimo_ingreso",
    "given_names": "nombres",
    "family_names": "apellidos",
    "document_type": "tipo_documento",
    "document_number": "numero_documento",
    "comuna__name": "comuna",
    "learner_type": "tipo_participante",
    "municipality__name": "municipalidad",
    "organisation_name": "organizacion",
    "organisation_type": "tipo_organizacion",
    "birth_year": "anio_nacimiento",
    "phone": "telefono",
    "privacy_notice_version": "version_aviso_privacidad",
    "privacy_accepted_at": "aviso_aceptado_el",
    "blocked_at": "bloqueada_el",
    "created_at": "creado_el",
    "updated_at": "actualizado_el",
    "version": "version",
    "text_sha256": "huella_del_texto",
    "accepted_at": "aceptado_el",
    "withdrawn_at": "retirado_el",
    "channel": "canal",
    "course__title": "curso",
    "cohort__name": "grupo",
    "status": "estado",
    "enrolled_at": "inscrita_el",
    "waitlisted_at": "en_espera_desde",
    "completed_at": "completado_el",
    "final_grade": "nota_final",
    "last_visited_at": "ultima_visita",
    "enrolment_id": "inscripcion_id",
    "lesson__title": "leccion",
    "score": "puntaje",
    "source": "origen",
    "activity__title": "actividad",
    "number": "numero",
    "started_at": "iniciado_el",
    "raw_score": "puntaje_obtenido",
    "max_score": "puntaje_maximo",
    "scaled": "puntaje_escalado",
    "success": "aprobado",
    "duration_seconds": "duracion_segundos",
    "attempt_id": "intento_id",
    "statement_id": "registro_id",
    "verb": "verbo",
    "object_id": "objeto_id",
    "received_at": "recibido_el",
    "raw": "contenido",
    "data_type": "tipo_de_dato",
    "sub_content_id": "subcontenido_id",
    "value": "valor",
    "session__cohort__name": "grupo",
    "session__date": "fecha_sesion",
    "session__place": "lugar",
    "kind": "tipo",
    "details": "detalle",
    "due_on": "plazo",
    "answered_at": "respondida_el",
    "response": "respuesta",
    "folio": "folio",
    "code": "codigo",
    "course": "curso",
    "name": "nombre",
    "hours": "horas",
    "dates": "fechas",
    "grade": "nota",
    "attendance": "asistencia",
    "issuer": "emisor",
    "issued_at": "emitido_el",
    "revoked_at": "revocado_el",
    "verify_url": "direccion_verificacion",
    "enrolment__course__title": "curso",
    "prompt": "pregunta",
    "text": "respuesta",
    "feedback": "comentario",
    "feedback_at": "comentado_el",
    "choice": "eleccion",
    "changed_via": "elegido_en",
    "subject": "asunto",
    "sent_at": "enviado_el",
}

# Stored codes, by (category, column): internal English code -> the Spanish one of the download.
CODES = {
    ("profile", "document_type"): {"run": "run", "passport": "pasaporte", "other": "otro"},
    ("profile", "learner_type"): {
        "citizen": "ciudadano",
        "social_leader": "dirigente_social",
        "municipal_staff": "funcionario_municipal",
        "other": "otro",
    },
    ("consents", "channel"): {
        "signup": "registro",
        "profile": "perfil",
        "login": "ingreso",
        "import": "importacion",
        "migrated": "anterior_al_registro",
    },
    ("enrolments", "status"): {
        "active": "activo",
        "waitlisted": "en_espera",
        "completed": "completado",
        "withdrawn": "retirado",
    },
    ("progress", "source"): {"manual": "manual", "activity": "actividad"},
    ("attendance", "status"): {"present": "presente", "absent": "ausente", "excused": "justificado"},
    ("data_requests", "kind"): {
        "access": "acceso",
        "rectification": "rectificacion",
        "deletion": "eliminacion",
        "blocking": "bloqueo",
    },
    ("data_requests", "status"): {"open": "abierta", "done": "cumplida", "rejected": "rechazada"},
    ("certificates", "status"): {"valid": "vigente", "revoked": "revocado", "replaced": "reemplazado"},
    ("calendar_subscriptions", "kind"): {"learner": "mis_sesiones", "instructor": "sesiones_que_enseno"},
    ("notification_preferences", "choice"): {"immediate": "al_momento", "daily": "resumen_diario", "never": "nunca"},
    ("notification_preferences", "changed_via"): {"page": "pagina_mis_avisos", "unsubscribe": "enlace_de_baja"},
    ("notices", "status"): {
        "pending": "por_enviar",
        "held": "para_resumen_diario",
        "sent": "enviado",
        "in_digest": "enviado_en_resumen",
        "failed": "fallido",
        "skipped": "no_enviado",
    },
}


def in_spanish(data: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """``learner_data``'s categories, columns and codes with their Spanish names."""
    spanish = {}
    for category, rows in data.items():
        spanish[CATEGORIES.get(category, category)] = [
            {
                COLUMNS.get(column, column): CODES.get((category, column), {}).get(value, value)
                if isinstance(value, str)
                else value
                for column, value in row.items()
            }
            for row in rows
        ]
    return spanish
