"""Signal receivers of the H5P package, connected in LearnersConfig.ready():

- a change of the rules that decide H5P grades (an activity's grading method; a lesson published with another pass
  percentage, required flag or set of H5P activities) recomputes, in a background task once the change is committed,
  the lesson scores and course completions already decided (``services.h5p_grades_recompute``);
- a required reflection answer completes a lesson whose activities she had already passed.
"""

from django.db import transaction


def _enqueue_recompute(**ids) -> None:
    from learners.h5p.tasks import recompute_h5p_grades_task

    transaction.on_commit(lambda: recompute_h5p_grades_task.enqueue(**ids))


def activity_remember_rules(sender, instance, update_fields=None, **kwargs) -> None:
    """``pre_save`` of H5PActivity: the stored grading method, to compare once saved."""
    instance._h5p_stored_grading_method = None
    if instance.pk is not None and (update_fields is None or "grading_method" in update_fields):
        instance._h5p_stored_grading_method = (
            sender.objects.filter(pk=instance.pk).values_list("grading_method", flat=True).first()
        )


def activity_rules_changed(sender, instance, created, **kwargs) -> None:
    """``post_save`` of H5PActivity: another grading method recomputes its learners' lessons."""
    stored = getattr(instance, "_h5p_stored_grading_method", None)
    if not created and stored is not None and stored != instance.grading_method:
        _enqueue_recompute(activity_id=instance.pk)


def lesson_h5p_rules(raw_blocks) -> list[tuple[int | None, bool, int]]:
    """(activity id, required, pass percentage) of each H5P block of a lesson body, as ``lesson_activities`` reads
    them, in a comparable order."""
    rules = []
    for block in raw_blocks or []:
        if not isinstance(block, dict) or block.get("type") != "h5p" or not isinstance(block.get("value"), dict):
            continue
        value = block["value"]
        rules.append((value.get("activity"), bool(value.get("required", True)), int(value.get("pass_percentage", 60))))
    return sorted(rules, key=repr)


def lesson_remember_rules(sender, instance, update_fields=None, **kwargs) -> None:
    """``pre_save`` of LessonPage: the H5P rules of the body stored now (the live one; drafts go to revisions and
    save the page without its body)."""
    instance._h5p_stored_rules = None
    if instance.pk is not None and (update_fields is None or "body" in update_fields):
        stored = sender.objects.filter(pk=instance.pk).only("body").first()
        if stored is not None:
            instance._h5p_stored_rules = lesson_h5p_rules(stored.body.raw_data)


def lesson_rules_changed(sender, instance, created, **kwargs) -> None:
    """``post_save`` of LessonPage: a body saved with other H5P rules recomputes the lesson's learners."""
    stored = getattr(instance, "_h5p_stored_rules", None)
    if not created and stored is not None and stored != lesson_h5p_rules(instance.body.raw_data):
        _enqueue_recompute(lesson_id=instance.pk)


def reflection_answered(sender, enrolment, lesson, **kwargs) -> None:
    """``learners.signals.reflection_answered``: a lesson whose required activities she passed may have waited only
    for this answer; complete it now with the same rule as live scoring."""
    from courses.selectors import lesson_activities
    from learners.h5p.services import lesson_standing, lesson_standing_apply

    placements = lesson_activities(lesson=lesson)
    if not any(placement.required for placement in placements):
        return
    standing = lesson_standing(enrolment=enrolment, lesson=lesson, placements=placements)
    if standing.passed:
        lesson_standing_apply(enrolment=enrolment, lesson=lesson, standing=standing)


def register_signal_handlers() -> None:
    from django.db.models.signals import post_save, pre_save

    from courses.models import H5PActivity, LessonPage
    from learners import signals

    pre_save.connect(activity_remember_rules, sender=H5PActivity, dispatch_uid="learners_h5p_activity_rules")
    post_save.connect(activity_rules_changed, sender=H5PActivity, dispatch_uid="learners_h5p_activity_changed")
    pre_save.connect(lesson_remember_rules, sender=LessonPage, dispatch_uid="learners_h5p_lesson_rules")
    post_save.connect(lesson_rules_changed, sender=LessonPage, dispatch_uid="learners_h5p_lesson_changed")
    signals.reflection_answered.connect(reflection_answered, dispatch_uid="learners_h5p_reflection_answered")
