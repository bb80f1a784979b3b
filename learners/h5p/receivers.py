"""Signal receivers of the H5P package, connected in LearnersConfig.ready(): publishing or unpublishing a lesson drops
its cached H5P blocks (``selectors.lesson_cache_key``)."""

from django.core.cache import cache

from learners.h5p.selectors import lesson_cache_key


def forget_lesson(sender, instance, **kwargs) -> None:
    """``page_published`` / ``page_unpublished`` receiver: the next statement reads the lesson again."""
    cache.delete(lesson_cache_key(instance.pk))


def register_signal_handlers() -> None:
    from wagtail.signals import page_published, page_unpublished

    page_published.connect(forget_lesson, dispatch_uid="learners_h5p_forget_published_lesson")
    page_unpublished.connect(forget_lesson, dispatch_uid="learners_h5p_forget_unpublished_lesson")
