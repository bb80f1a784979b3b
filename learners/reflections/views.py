"""Reflection answers: the learner's answer box endpoint (a form POST, or JSON from the autosave script) and the
staff pages under ``/equipo/reflexiones/`` where instructors read the answers per prompt and per learner and reply.

Staff see only the cohorts ``selectors.reflection_cohorts`` gives them; anything else is a 404, so ids reveal
nothing. Coordinators read without the reply form; a reply from them is refused (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from courses.models import LessonPage
from courses.selectors import course_reflections
from learners.enrolment.models import Enrolment
from learners.reflections import selectors, services
from learners.reflections.models import ReflectionAnswer

# The learner's answer box ----------------------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _anchor(block_id: str) -> str:
    return f"#reflexion-{block_id}"


@require_POST
def answer_save(request, lesson_id, block_id):
    """Save her answer to one prompt. JSON in, JSON out for the autosave script (``Accept: application/json``);
    otherwise a form POST that returns to the prompt in the lesson, or shows her text again with the error."""
    wants_json = _wants_json(request)

    def refuse(message, status):
        if wants_json:
            return JsonResponse({"saved": False, "error": message}, status=status)
        context = {"lesson": lesson, "block_id": block_id, "error": message, "text": request.POST.get("text", "")}
        return render(request, "learners/reflections/answer_refused.html", context, status=status)

    lesson = get_object_or_404(
        LessonPage.objects.live().only("id", "title", "path", "depth", "url_path", "body"), pk=lesson_id
    )
    if not request.user.is_authenticated:
        if wants_json:
            return JsonResponse({"saved": False, "error": _("Your session ended. Sign in again to save.")}, status=403)
        return redirect_to_login(lesson.get_url(request) + _anchor(block_id))
    course_path = lesson.path[: -2 * LessonPage.steplen]
    enrolment = Enrolment.objects.select_related("course").filter(user=request.user, course__path=course_path).first()
    if enrolment is None:
        return refuse(_("You need an active enrolment in this course to answer."), 403)
    if services.save_rate_limited(user=request.user):
        return refuse(_("You saved many times in a short while. Wait a minute and try again."), 429)
    try:
        answer = services.reflection_answer_save(
            user=request.user,
            enrolment=enrolment,
            lesson=lesson,
            block_id=block_id,
            text=request.POST.get("text", ""),
        )
    except services.ReflectionError as error:
        return refuse(error.message, error.status)
    if wants_json:
        saved_at = timezone.localtime(answer.updated_at if answer else timezone.now())
        return JsonResponse(
            {"saved": True, "text": answer.text if answer else "", "savedAt": saved_at.strftime("%d/%m/%Y %H:%M")}
        )
    messages.success(request, _("Your answer was saved."))
    return redirect(lesson.get_url(request) + _anchor(block_id))


# The staff pages -------------------------------------------------------------------------------------------------


def _staff_only(user) -> None:
    if not (user.is_superuser or user.has_perm("wagtailadmin.access_admin")):
        raise PermissionDenied


def _visible_cohort(request, cohort_id):
    _staff_only(request.user)
    return get_object_or_404(selectors.reflection_cohorts(user=request.user), pk=cohort_id)


def _name(enrolment: Enrolment) -> str:
    profile = getattr(enrolment.user, "learner_profile", None)
    if profile is not None:
        return profile.full_name
    return enrolment.user.get_full_name() or enrolment.user.get_username()


@login_required
@never_cache
@require_GET
def cohort_list(request):
    _staff_only(request.user)
    cohorts = list(selectors.reflection_cohorts(user=request.user)[:200])
    pending = selectors.pending_feedback_by_cohort(cohorts=cohorts)
    rows = [{"cohort": cohort, "pending": pending.get(cohort.pk, 0)} for cohort in cohorts]
    return render(request, "learners/reflections/staff_cohorts.html", {"rows": rows})


@login_required
@never_cache
@require_GET
def cohort_detail(request, cohort_id):
    cohort = _visible_cohort(request, cohort_id)
    counts = selectors.prompt_counts(cohort=cohort)
    prompts = [
        {
            "prompt": prompt,
            "answered": counts.get((prompt.lesson.pk, prompt.block_id), (0, 0))[0],
            "pending": counts.get((prompt.lesson.pk, prompt.block_id), (0, 0))[1],
        }
        for prompt in course_reflections(course=cohort.course)
    ]
    pending = selectors.pending_feedback_by_learner(cohort=cohort)
    learners = [
        {"enrolment": enrolment, "name": _name(enrolment), "pending": pending.get(enrolment.user_id, 0)}
        for enrolment in selectors.cohort_enrolments(cohort=cohort)
    ]
    context = {"cohort": cohort, "prompts": prompts, "learners": learners}
    return render(request, "learners/reflections/staff_cohort.html", context)


def _answer_rows(answers):
    return [{"answer": answer, "name": _name(answer.enrolment)} for answer in answers]


@login_required
@never_cache
@require_GET
def prompt_answers(request, cohort_id, lesson_id, block_id):
    cohort = _visible_cohort(request, cohort_id)
    prompt = next(
        (
            item
            for item in course_reflections(course=cohort.course)
            if item.lesson.pk == lesson_id and item.block_id == block_id
        ),
        None,
    )
    if prompt is None:
        raise Http404
    context = {
        "cohort": cohort,
        "prompt": prompt,
        "rows": _answer_rows(selectors.cohort_answers(cohort=cohort, lesson=prompt.lesson, block_id=block_id)),
        "can_reply": selectors.can_reply(user=request.user, cohort=cohort),
    }
    return render(request, "learners/reflections/staff_answers.html", context)


@login_required
@never_cache
@require_GET
def learner_answers(request, cohort_id, enrolment_id):
    cohort = _visible_cohort(request, cohort_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("user__learner_profile"), pk=enrolment_id, cohort=cohort
    )
    order = {(item.lesson.pk, item.block_id): n for n, item in enumerate(course_reflections(course=cohort.course))}
    answers = sorted(
        selectors.cohort_answers(cohort=cohort, enrolment=enrolment),
        key=lambda answer: (order.get((answer.lesson_id, answer.block_id), len(order)), answer.lesson.path),
    )
    context = {
        "cohort": cohort,
        "learner_name": _name(enrolment),
        "rows": _answer_rows(answers),
        "can_reply": selectors.can_reply(user=request.user, cohort=cohort),
        "show_prompt": True,
    }
    return render(request, "learners/reflections/staff_answers.html", context)


@login_required
@require_POST
def feedback_save(request, answer_id):
    _staff_only(request.user)
    answer = get_object_or_404(
        ReflectionAnswer.objects.select_related("enrolment", "lesson").filter(
            enrolment__cohort__in=selectors.reflection_cohorts(user=request.user)
        ),
        pk=answer_id,
    )
    try:
        services.reflection_feedback_save(by=request.user, answer=answer, feedback=request.POST.get("feedback", ""))
    except services.ReflectionError as error:
        if error.status == 403:
            raise PermissionDenied from error
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your feedback was sent."))
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return redirect(next_url + f"#respuesta-{answer.pk}")
    return redirect("learners_staff:reflection_cohort", cohort_id=answer.enrolment.cohort_id)
