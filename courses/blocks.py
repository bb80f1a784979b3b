"""StreamField blocks that instructors use to write lesson bodies."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock

LESSON_RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Section heading")), ("h3", _("Subheading"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "courses/blocks/heading.html"


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=300)

    class Meta:
        icon = "image"
        label = _("Image with caption")
        template = "courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video URL"), help_text=_("A YouTube or Vimeo address."))
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    transcript = blocks.TextBlock(
        label=_("Transcript"),
        required=False,
        help_text=_("Text of the video, for people who cannot hear or play it."),
    )

    class Meta:
        icon = "media"
        label = _("Embedded video")
        template = "courses/blocks/video.html"


class DocumentDownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    label = blocks.CharBlock(
        label=_("Link text"), required=False, max_length=200, help_text=_("Defaults to the document title.")
    )

    class Meta:
        icon = "doc-full"
        label = _("Document download")
        template = "courses/blocks/document.html"


class KeyIdeaBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120, default=_("Key idea"))
    text = blocks.RichTextBlock(label=_("Text"), features=LESSON_RICH_TEXT_FEATURES)

    class Meta:
        icon = "pick"
        label = _("Key idea")
        template = "courses/blocks/key_idea.html"


class LocalCheckBlock(blocks.StructBlock):
    """A short closing note for legal how-to lessons: what the learner must confirm with her municipality, because
    a local ordinance or office decides it (numbers of signatures, deadlines, forms)."""

    title = blocks.CharBlock(
        label=_("Title"), required=False, max_length=120, default=_("Check with your municipality")
    )
    text = blocks.RichTextBlock(
        label=_("Text"),
        features=LESSON_RICH_TEXT_FEATURES,
        help_text=_("What to confirm, and where: which office, which ordinance or regulation."),
    )

    class Meta:
        icon = "site"
        label = _("Check with your municipality")
        template = "courses/blocks/local_check.html"


class GlossaryTermBlock(blocks.StructBlock):
    term = blocks.CharBlock(label=_("Term"), max_length=120)
    definition = blocks.TextBlock(label=_("Definition"))

    class Meta:
        icon = "openquote"
        label = _("Glossary term")
        template = "courses/blocks/glossary_term.html"


class ReflectionBlock(blocks.StructBlock):
    """A question for the learner to think about. Enrolled learners answer it in a box below the question; the
    instructors of her cohort read the answers and reply (learners.reflections)."""

    prompt = blocks.TextBlock(label=_("Question"))
    hint = blocks.TextBlock(label=_("Hint"), required=False)
    answer_required = blocks.BooleanBlock(
        label=_("Answer required to complete the lesson"),
        required=False,
        default=False,
        help_text=_("The learner cannot mark the lesson as completed until she has answered this question."),
    )

    class Meta:
        icon = "help"
        label = _("Reflection prompt")
        template = "courses/blocks/reflection.html"


class H5PActivityBlock(blocks.StructBlock):
    """An uploaded H5P activity, played in its own frame; graded ones feed the lesson's progress."""

    activity = SnippetChooserBlock("courses.H5PActivity", label=_("H5P activity"))
    required = blocks.BooleanBlock(
        label=_("Required to complete the lesson"),
        required=False,
        default=True,
        help_text=_("The lesson completes when the learner passes every required activity in it."),
    )
    pass_percentage = blocks.IntegerBlock(
        label=_("Pass percentage"),
        min_value=0,
        max_value=100,
        default=60,
        help_text=_("Percentage of the maximum score needed to pass; the usual Chilean standard is 60."),
    )

    class Meta:
        icon = "form"
        label = _("H5P activity")
        template = "courses/blocks/h5p_activity.html"


class LessonBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label=_("Text"), features=LESSON_RICH_TEXT_FEATURES, icon="pilcrow")
    heading = HeadingBlock()
    image = CaptionedImageBlock()
    video = VideoBlock()
    document = DocumentDownloadBlock()
    key_idea = KeyIdeaBlock()
    local_check = LocalCheckBlock()
    glossary_term = GlossaryTermBlock()
    reflection = ReflectionBlock()
    h5p = H5PActivityBlock()
