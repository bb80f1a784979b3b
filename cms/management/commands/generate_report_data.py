"""Fill the database with a national-size programme for the reports and their benchmark.

By default 100,000 learners across every comuna, three enrolments each (300,000), a progress row for every lesson
of every started enrolment (about 3,000,000), attendance for the cohorts' sessions and a certificate for most
completions. ``--schools N`` (default 50) first creates N municipal schools (``cms.schools.services.school_create``,
hosts ``escuela-<CUT>.localhost``), each with a course of its own (and two cohorts of its comuna) that its comuna's
learners take among their three, and the academy's national cohorts go mostly (four in five) to schools' comunas.
Accounts, profiles and enrolments are written with ``bulk_create`` in batches; progress, attendance
and certificates are derived in the database with ``INSERT … SELECT`` (one statement per lesson or session).

The full size needs PostgreSQL; ``--learners N`` makes smaller runs (SQLite accepts up to 5,000).
Generated accounts have unusable passwords and e-mails under ``@generado.invalid``; run it on a throwaway database.
"""

import random
import time
from datetime import time as clock
from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Page
from wagtail.rich_text import RichText

from certificates.models import CertificateTemplate, IssuedCertificate, Issuer
from cms.schools.services import school_create
from courses.models import Audience, Comuna, CourseIndexPage, CoursePage, LessonPage, ModulePage, School
from courses.models.pages import Modality, ThematicArea
from learners.accounts.run import check_digit
from learners.models import AttendanceRecord, Cohort, Enrolment, LearnerProfile, LessonProgress, Session

SQLITE_LIMIT = 5_000
BATCH = 5_000
ENROLMENTS_PER_LEARNER = 3
MODULES, LESSONS_PER_MODULE = 2, 6  # 12 lessons: about 3,000,000 progress rows for 100,000 learners
COHORTS_PER_COURSE = 40
SESSIONS_PER_COHORT = 4
SCHOOL_LESSONS = 4  # a school's own course: one module of four lessons
SCHOOL_COHORTS = 2
RUN_START = 30_000_000
COURSES = [
    ("Presupuestos participativos", ThematicArea.PARTICIPATION, Modality.B_LEARNING),
    ("El COSOC de tu comuna", ThematicArea.CIVIC, Modality.IN_PERSON),
    ("Liderazgo comunitario", ThematicArea.LEADERSHIP, Modality.B_LEARNING),
    ("Formulación de proyectos locales", ThematicArea.LOCAL_PROJECTS, Modality.E_LEARNING),
    ("Fondos concursables", ThematicArea.LOCAL_PROJECTS, Modality.E_LEARNING),
    ("Emprendimiento local", ThematicArea.ENTREPRENEURSHIP, Modality.E_LEARNING),
    ("Juntas de vecinos: derechos y deberes", ThematicArea.CIVIC, Modality.IN_PERSON),
    ("Plebiscitos y consultas comunales", ThematicArea.PARTICIPATION, Modality.E_LEARNING),
]
LEARNER_TYPES = [("citizen", 60), ("social_leader", 25), ("municipal_staff", 10), ("other", 5)]
STATUSES = [("completed", 40), ("active", 45), ("withdrawn", 10), ("waitlisted", 5)]
GIVEN = ["Ana", "María", "José", "Juan", "Camila", "Valentina", "Luis", "Carlos", "Francisca", "Pedro", "Javiera"]
FAMILY = ["González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez", "Sepúlveda"]


class Command(BaseCommand):
    help = "Generate learners, enrolments, progress, attendance and certificates for the reports (throwaway DB)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=100_000, help="How many learners (default 100,000).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")
        parser.add_argument(
            "--schools", type=int, default=50, help="How many municipal schools, each with a course (default 50)."
        )

    def handle(self, *args, learners: int, seed: int, schools: int = 50, **options):
        if connection.vendor != "postgresql" and learners > SQLITE_LIMIT:
            raise CommandError(
                f"The full size needs PostgreSQL; on {connection.vendor} use --learners {SQLITE_LIMIT} or fewer."
            )
        self.random = random.Random(seed)
        self.now = timezone.now()
        started = time.monotonic()
        if not Comuna.objects.exists():
            call_command("load_reference_data", stdout=StringIO())
        with transaction.atomic():
            courses = self.create_courses()  # in the academy's catalogue, before any school's exists
            school_courses = self.create_schools(schools)
            cohorts = self.create_cohorts(courses, school_comunas=sorted(school_courses))
            for comuna, course_and_lessons in school_courses.items():
                cohorts[course_and_lessons[0].pk] = self.school_cohorts(course_and_lessons[0], comuna)
            first_user = self.create_learners(learners)
            self.create_enrolments(first_user, courses, cohorts, school_courses=school_courses)
        self.derive_rows(first_user, courses + list(school_courses.values()))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = {
            "learners": LearnerProfile.objects.count(),
            "enrolments": Enrolment.objects.count(),
            "progress": LessonProgress.objects.count(),
            "attendance": AttendanceRecord.objects.count(),
            "certificates": IssuedCertificate.objects.count(),
            "schools": School.objects.count(),
        }
        summary = ", ".join(f"{name} {count:,}" for name, count in counts.items())
        self.stdout.write(f"Generated in {time.monotonic() - started:.0f} s: {summary}")

    # Courses and cohorts (a few hundred rows, through Wagtail and the ORM) ------------------------------------

    def create_courses(self) -> list[tuple[CoursePage, list[int]]]:
        catalogue = CourseIndexPage.objects.first()
        if catalogue is None:
            home = Page.objects.filter(depth=2).first()
            catalogue = home.add_child(instance=CourseIndexPage(title="Cursos", slug="cursos-generados"))
        audiences = list(Audience.objects.all())
        created = []
        for number, (title, area, modality) in enumerate(COURSES, start=1):
            course = CoursePage(
                title=f"{title} (generado)",
                slug=f"generado-{number}-{self.random.randrange(10**6)}",
                summary="Curso generado para medir los informes.",
                thematic_area=area,
                modality=modality,
                duration_hours=Decimal(12 + number * 2),
                learning_objectives="<p>Medir.</p>",
            )
            catalogue.add_child(instance=course)
            if audiences:
                course.audiences.set(audiences[:2])
            lessons = []
            for module_number in range(MODULES):
                module = course.add_child(
                    instance=ModulePage(title=f"Módulo {module_number + 1}", slug=f"m{module_number}")
                )
                for lesson_number in range(LESSONS_PER_MODULE):
                    lesson = module.add_child(
                        instance=LessonPage(
                            title=f"Lección {lesson_number + 1}",
                            slug=f"l{lesson_number}",
                            body=[("paragraph", RichText("<p>Contenido.</p>"))],
                        )
                    )
                    lessons.append(lesson.pk)
            created.append((course, lessons))
        return created

    def create_schools(self, count: int) -> dict[str, tuple[CoursePage, list[int]]]:
        """``count`` schools on comunas not yet having one, each with a course of its own: comuna → (course,
        lessons)."""
        free = sorted(Comuna.objects.filter(school__isnull=True).values_list("pk", "name"))
        created = {}
        for code, name in sorted(self.random.sample(free, min(count, len(free)))):
            school = school_create(
                name=f"Escuela Ciudadana de {name} (generada)",
                comuna_code=code,
                host=f"escuela-{code}.localhost",
                admin_email=f"admin-{code}@generado.invalid",
            ).school
            catalogue = CourseIndexPage.objects.child_of(school.site.root_page).get()
            course = CoursePage(
                title=f"Ordenanza de participación de {name} (generado)",
                slug=f"ordenanza-{code}",
                summary="Curso propio de la escuela, generado para medir los informes.",
                thematic_area=ThematicArea.PARTICIPATION,
                modality=Modality.B_LEARNING,
                duration_hours=Decimal(8),
                learning_objectives="<p>Medir.</p>",
            )
            catalogue.add_child(instance=course)
            module = course.add_child(instance=ModulePage(title="Módulo 1", slug="m0"))
            lessons = [
                module.add_child(
                    instance=LessonPage(
                        title=f"Lección {number + 1}",
                        slug=f"l{number}",
                        body=[("paragraph", RichText("<p>Contenido.</p>"))],
                    )
                ).pk
                for number in range(SCHOOL_LESSONS)
            ]
            created[code] = (course, lessons)
        if created:
            self.stdout.write(f"  schools: {len(created)}")
        return created

    def school_cohorts(self, course: CoursePage, comuna: str) -> list[Cohort]:
        today = timezone.localdate()
        starts = [today - timedelta(days=self.random.randrange(30, 400)) for _ in range(SCHOOL_COHORTS)]
        return Cohort.objects.bulk_create(
            [
                Cohort(
                    course=course,
                    name=f"Grupo {number + 1}",
                    municipality_id=comuna,
                    starts_on=start,
                    ends_on=start + timedelta(days=90),
                )
                for number, start in enumerate(starts)
            ]
        )

    def create_cohorts(self, courses, school_comunas=()) -> dict[int, list[Cohort]]:
        comunas = list(Comuna.objects.values_list("pk", flat=True))
        school_comunas = list(school_comunas)
        cohorts = {}
        today = timezone.localdate()
        for course, _lessons in courses:
            if course.modality == Modality.E_LEARNING:
                cohorts[course.pk] = []
                continue
            batch = []
            for number in range(COHORTS_PER_COURSE):
                starts = today - timedelta(days=self.random.randrange(30, 400))
                batch.append(
                    Cohort(
                        course=course,
                        name=f"Grupo {number + 1}",
                        municipality_id=self.random.choice(
                            school_comunas if school_comunas and self.random.random() < 0.8 else comunas
                        ),
                        starts_on=starts,
                        ends_on=starts + timedelta(days=90),
                    )
                )
            cohorts[course.pk] = Cohort.objects.bulk_create(batch)
            sessions = [
                Session(
                    cohort=cohort,
                    date=cohort.starts_on + timedelta(days=7 * week),
                    start_time=clock(18, 30),
                    end_time=clock(20, 30),
                    place="Sede vecinal",
                    duration_hours=Decimal("2.0"),
                )
                for cohort in cohorts[course.pk]
                for week in range(SESSIONS_PER_COHORT)
            ]
            Session.objects.bulk_create(sessions)
        return cohorts

    # People and enrolments (bulk_create in batches) -------------------------------------------------------------

    def create_learners(self, count: int) -> int:
        User = get_user_model()
        comunas = list(Comuna.objects.values_list("pk", "region_id"))
        weights = [4 if region == "13" else 1 for _pk, region in comunas]
        types, type_weights = zip(*LEARNER_TYPES, strict=True)
        first_user = None
        offset = User.objects.count()
        year = timezone.localdate().year
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"generado{offset + start + i}@generado.invalid",
                        email=f"generado{offset + start + i}@generado.invalid",
                        password="!",
                        date_joined=self.now,
                    )
                    for i in range(size)
                ],
                batch_size=BATCH,
            )
            first_user = first_user or users[0].pk
            chosen_comunas = self.random.choices(comunas, weights=weights, k=size)
            chosen_types = self.random.choices(types, weights=type_weights, k=size)
            profiles = []
            for i, user in enumerate(users):
                body = RUN_START + offset + start + i
                roll = self.random.random()  # 2 % age unknown, 3 % aged 14 to 17, the rest adults
                if roll < 0.02:
                    birth_year = None
                else:
                    birth_year = year - (self.random.randint(14, 17) if roll < 0.05 else self.random.randint(18, 80))
                profiles.append(
                    LearnerProfile(
                        user=user,
                        given_names=self.random.choice(GIVEN),
                        family_names=f"{self.random.choice(FAMILY)} {self.random.choice(FAMILY)}",
                        run=f"{body}-{check_digit(body)}",
                        comuna_id=chosen_comunas[i][0],
                        learner_type=chosen_types[i],
                        birth_year=birth_year,
                        privacy_notice_version="generado",
                        privacy_accepted_at=self.now,
                    )
                )
            LearnerProfile.objects.bulk_create(profiles, batch_size=BATCH)
            self.stdout.write(f"  learners: {start + size:,}", ending="\r")
        self.stdout.write("")
        return first_user

    def create_enrolments(self, first_user: int, courses, cohorts, school_courses=None) -> None:
        """Three courses per learner: among the national ones and, when her comuna has a school, its own course."""
        statuses, status_weights = zip(*STATUSES, strict=True)
        school_courses = school_courses or {}
        users = list(
            LearnerProfile.objects.filter(user_id__gte=first_user)
            .order_by("user_id")
            .values_list("user_id", "comuna_id")
        )
        batch = []
        for user_id, comuna in users:
            choices = courses + ([school_courses[comuna]] if comuna in school_courses else [])
            for course, _lessons in self.random.sample(choices, ENROLMENTS_PER_LEARNER):
                cohort = self.random.choice(cohorts[course.pk]) if cohorts[course.pk] else None
                status = self.random.choices(statuses, weights=status_weights)[0]
                if status == "waitlisted" and cohort is None:
                    status = "active"
                enrolled_at = self.now - timedelta(days=self.random.randrange(1, 540), hours=self.random.randrange(9))
                enrolment = Enrolment(user_id=user_id, course=course, cohort=cohort, status=status)
                enrolment.enrolled_at = enrolled_at
                if status == "completed":
                    enrolment.completed_at = min(enrolled_at + timedelta(days=self.random.randrange(10, 120)), self.now)
                    enrolment.final_grade = Decimal(self.random.randint(40, 70)) / 10
                    enrolment.last_visited_at = enrolment.completed_at
                elif status == "active":
                    enrolment.last_visited_at = self.now - timedelta(days=self.random.randrange(0, 90))
                elif status == "withdrawn":
                    enrolment.withdrawn_at = enrolled_at + timedelta(days=self.random.randrange(1, 30))
                else:
                    enrolment.waitlisted_at = enrolled_at
                batch.append(enrolment)
            if len(batch) >= BATCH:
                Enrolment.objects.bulk_create(batch, batch_size=BATCH)
                batch = []
        Enrolment.objects.bulk_create(batch, batch_size=BATCH)

    # Progress, attendance and certificates (derived in the database) ----------------------------------------------

    def derive_rows(self, first_user: int, courses) -> None:
        progress, enrolment = LessonProgress._meta.db_table, Enrolment._meta.db_table
        attendance = AttendanceRecord._meta.db_table
        with connection.cursor() as cursor:
            for course, lessons in courses:
                for position, lesson_id in enumerate(lessons):
                    # completed enrolments did every lesson; active and withdrawn ones a share that falls with the
                    # lesson's position; every started enrolment has a row for every lesson (done or not)
                    cursor.execute(
                        f"""INSERT INTO {progress} (enrolment_id, lesson_id, course_id, completed_at, score, source,
                                updated_at)
                            SELECT id, %s, course_id,
                                   CASE WHEN status = 'completed' OR ((id * 37 + %s) %% 100) < %s
                                        THEN enrolled_at ELSE NULL END,
                                   NULL, 'manual', %s
                            FROM {enrolment}
                            WHERE course_id = %s AND status <> 'waitlisted' AND user_id >= %s""",
                        [lesson_id, position * 11, max(80 - position * 6, 10), self.now, course.pk, first_user],
                    )
            sessions = Session.objects.filter(cohort__course__in=[course for course, _lessons in courses])
            for session_id, cohort_id in sessions.values_list("pk", "cohort_id").order_by("pk"):
                cursor.execute(
                    f"""INSERT INTO {attendance} (session_id, enrolment_id, status, recorded_at)
                        SELECT %s, id,
                               CASE WHEN ((id * 13 + %s) %% 10) < 7 THEN 'present'
                                    WHEN ((id * 13 + %s) %% 10) < 9 THEN 'absent' ELSE 'excused' END,
                               %s
                        FROM {enrolment}
                        WHERE cohort_id = %s AND status <> 'waitlisted' AND user_id >= %s""",
                    [session_id, session_id, session_id, self.now, cohort_id, first_user],
                )
            self.create_certificates(cursor, first_user)

    def create_certificates(self, cursor, first_user: int) -> None:
        defaults = {"name": "Escuela Ciudadana (generado)", "rut": "65.038.226-6", "city": "Santiago"}
        issuer, _ = Issuer.objects.get_or_create(short_code="GEN", defaults=defaults)
        template = CertificateTemplate.objects.filter(issuer=issuer).first()
        if template is None:
            template = CertificateTemplate(issuer=issuer, name="Generada", title="Certificado", body="{nombre}")
            template.save()
        cursor.execute(
            f"""INSERT INTO {IssuedCertificate._meta.db_table} (enrolment_id, user_id, course_id, cohort_id, issuer_id,
                    template_id, template_version, status, folio, code, snapshot, pdf, pdf_sha256, render_state,
                    render_error, issued_at, revoked_reason)
                SELECT id, user_id, course_id, cohort_id, %s, %s, 1, 'valid', 'GEN-' || id, 'GEN' || id, %s, '', '',
                       'pending', '', completed_at, ''
                FROM {Enrolment._meta.db_table}
                WHERE status = 'completed' AND (id %% 10) < 9 AND user_id >= %s""",
            [issuer.pk, template.pk, "{}", first_user],
        )
