"""courses.h5p.sanitize: content.json cleaned with the libraries' semantics, as H5P core's content validator does."""

import json

import pytest

from courses.h5p import H5PPackageError, LibraryRef, sanitize_params
from courses.h5p.sanitize import clean_html, escape_text, expand_tags
from tests.factories import h5p as factory


def semantics(folder: str) -> list:
    return json.loads((factory.CONTENT_TYPES / folder / "semantics.json").read_text())


SEMANTICS = {
    LibraryRef.parse_folder(folder): semantics(folder)
    for folder in (factory.TEST_QUESTION, factory.MULTICHOICE, factory.TRUEFALSE, factory.QUESTIONSET)
}


def clean(params, folder=factory.TEST_QUESTION, **kwargs):
    return sanitize_params(params, semantics=semantics(folder), semantics_for=SEMANTICS.get, **kwargs)


def question(html: str, **extra) -> dict:
    return factory.test_question_content(question=html, **extra)


@pytest.mark.parametrize(
    "dirty, cleaned",
    [
        ("<p>Hola<script>alert(1)</script></p>", "<p>Hola</p>"),
        ('<p><img src="x" onerror="alert(1)">Foto</p>', "<p>Foto</p>"),
        ('<p onclick="steal()" onmouseover="x()">Texto</p>', "<p>Texto</p>"),
        ('<a href="javascript:alert(1)">clic</a>', '<a rel="noopener noreferrer">clic</a>'),
        ('<a href="JaVaScRiPt:alert(1)">clic</a>', '<a rel="noopener noreferrer">clic</a>'),
        ('<a href="data:text/html,<script>x</script>">clic</a>', '<a rel="noopener noreferrer">clic</a>'),
        ("<style>body{display:none}</style><p>Visible</p>", "<p>Visible</p>"),
        ('<iframe src="https://evil.example"></iframe><p>Hola</p>', "<p>Hola</p>"),
        ('<svg onload="alert(1)"><circle/></svg>', ""),
    ],
)
def test_scripts_handlers_and_javascript_urls_never_survive(dirty, cleaned):
    assert clean(question(dirty))["question"] == cleaned


def test_the_tags_the_semantics_allow_are_kept_with_safe_link_attributes():
    html = (
        "<p><strong>Ley</strong> <em>21.719</em> H<sub>2</sub>O x<sup>2</sup> <u>subrayado</u> "
        '<a href="https://www.bcn.cl/leychile" target="_blank">BCN</a> '
        '<a href="mailto:escuela@example.org" target="evil">correo</a></p>'
    )

    assert clean(question(html))["question"] == (
        "<p><strong>Ley</strong> <em>21.719</em> H<sub>2</sub>O x<sup>2</sup> <u>subrayado</u> "
        '<a href="https://www.bcn.cl/leychile" target="_blank" rel="noopener noreferrer">BCN</a> '
        '<a href="mailto:escuela@example.org" rel="noopener noreferrer">correo</a></p>'
    )


def test_tags_outside_the_semantics_are_dropped_but_their_text_is_kept():
    html = "<h2>Título</h2><table><tr><td>celda</td></tr></table><p>Texto</p>"

    assert clean(question(html))["question"] == "Títulocelda<p>Texto</p>"


def test_styles_are_kept_only_where_the_semantics_font_options_allow_them():
    html = '<p><span style="color: #1a5fb4; font-size: 40px; background-image: url(x)">azul</span></p>'

    assert clean(question(html))["question"] == '<p><span style="color: #1a5fb4">azul</span></p>'
    assert clean_html(html, expand_tags(["span"])) == "<p><span>azul</span></p>"


def test_plain_text_is_escaped_like_h5p_core_without_double_encoding():
    params = question("<p>¿?</p>", options=['<b>Sí</b> & "no"', "Ya escapado: &amp; &lt;b&gt;", "Don't"])

    assert clean(params)["options"] == [
        "&lt;b&gt;Sí&lt;/b&gt; &amp; &quot;no&quot;",
        "Ya escapado: &amp; &lt;b&gt;",
        "Don&#039;t",
    ]


def test_cleaning_twice_changes_nothing():
    params = question(
        '<p onclick="x">A <a href="https://example.org" target="_blank">b</a> &amp; <em>c</em></p>',
        options=["<i>uno</i> & dos", "tres"],
    )

    once = clean(params)

    assert clean(once) == once


def test_numbers_booleans_and_groups_keep_their_values():
    params = question("<p>¿?</p>", correct=2, l10n={"check": "<b>Comprobar</b>", "result": "@score de @total"})

    cleaned = clean(params)

    assert cleaned["correct"] == 2
    assert cleaned["l10n"] == {"check": "&lt;b&gt;Comprobar&lt;/b&gt;", "result": "@score de @total"}


def test_values_of_the_wrong_type_and_unknown_keys_get_the_conservative_cleaning():
    params = question(
        "<p>¿?</p>",
        correct="<img src=x onerror=alert(1)>1",
        extra={"note": "<script>alert(1)</script><em>nota</em>", "count": 3},
    )

    cleaned = clean(params)

    assert cleaned["correct"] == "1"
    assert cleaned["extra"] == {"note": "<em>nota</em>", "count": 3}


def test_sub_content_is_cleaned_with_its_own_library_semantics():
    params = factory.questionset_capture_content()
    params["questions"][0]["params"]["question"] = "<h2>Grande</h2><p>¿Cuál?<script>x()</script></p>"
    params["questions"][0]["params"]["answers"][0]["text"] = '<div onclick="x()"><strong>La Constitución</strong></div>'
    params["questions"][1]["subContentId"] = "not-a-uuid"

    cleaned = clean(params, factory.QUESTIONSET)

    first, second = cleaned["questions"]
    assert first["library"] == "H5P.MultiChoice 1.16"
    assert first["params"]["question"] == "Grande<p>¿Cuál?</p>"
    assert first["params"]["answers"][0]["text"] == "<div><strong>La Constitución</strong></div>"
    assert first["subContentId"] == factory.CAPTURE_QUESTION_IDS[0]
    assert first["metadata"] == {"title": "Pregunta 1", "contentType": "Multiple Choice"}
    assert "subContentId" not in second


def test_without_semantics_every_string_with_markup_is_cleaned_conservatively():
    params = {
        "intro": "<h2>Hola</h2><script>alert(1)</script><p onclick='x()'>texto</p>",
        "plain": "a < b y c > d sin etiquetas",
        "list": ["<object data='x.swf'></object>ok", 3, True, None],
        "child": {"library": "H5P.TrueFalse 1.8", "params": {"question": "<h2>V o F</h2>", "correct": "true"}},
    }

    cleaned = sanitize_params(params, semantics=None, semantics_for=SEMANTICS.get)

    assert cleaned["intro"] == "<h2>Hola</h2><p>texto</p>"
    assert cleaned["plain"] == "a &lt; b y c &gt; d sin etiquetas"
    assert cleaned["list"] == ["ok", 3, True, None]
    assert cleaned["child"]["params"]["question"] == "V o F"  # TrueFalse's own semantics: no h2


def test_a_single_field_group_is_stored_as_the_bare_value():
    field_semantics = [{"name": "wrapper", "type": "group", "fields": [{"name": "text", "type": "text"}]}]

    flat = sanitize_params({"wrapper": "<b>x</b>"}, semantics=field_semantics, semantics_for=SEMANTICS.get)
    nested = sanitize_params({"wrapper": {"text": "<b>x</b>"}}, semantics=field_semantics, semantics_for=SEMANTICS.get)

    assert flat == {"wrapper": "&lt;b&gt;x&lt;/b&gt;"}
    assert nested == {"wrapper": {"text": "&lt;b&gt;x&lt;/b&gt;"}}


@pytest.mark.parametrize(
    "path, code",
    [
        ("images/foto.png", None),
        ("images/foto.png#tmp", None),
        ("../../etc/passwd.png", "invalid-media-path"),
        ("/etc/passwd.png", "invalid-media-path"),
        ("images\\foto.png", "invalid-media-path"),
        ("images/./foto.png", "invalid-media-path"),
        ("javascript:alert(1)", "invalid-media-path"),
        ("data:image/png;base64,AAAA", "invalid-media-path"),
        ("https://example.org/foto.png", "external-media-not-allowed"),
        ("images/foto.svg", "media-type-not-allowed"),
        ("images/otra.png", "media-file-missing"),
        ("", "invalid-media-path"),
    ],
)
def test_media_paths_must_be_whitelisted_files_inside_the_package(path, code):
    params = question("<p>¿?</p>", image={"path": path, "mime": "image/png", "copyright": {"license": "U"}})
    if code is None:
        assert clean(params, content_files={"images/foto.png"})["image"]["path"] == "images/foto.png"
        return
    with pytest.raises(H5PPackageError) as caught:
        clean(params, content_files={"images/foto.png"})
    assert caught.value.code == code
    assert caught.value.params["field"] == "image.path"


def test_external_media_is_kept_only_when_allowed():
    params = question("<p>¿?</p>", image={"path": "https://example.org/foto.png", "mime": "image/png"})

    cleaned = clean(params, content_files=set(), allow_external_media=True)

    assert cleaned["image"]["path"] == "https://example.org/foto.png"


def test_media_objects_are_recognised_without_semantics_too():
    params = {"poster": {"path": "../secret.png", "mime": "image/png"}}

    with pytest.raises(H5PPackageError) as caught:
        sanitize_params(params, semantics=None, semantics_for=SEMANTICS.get, content_files=set())

    assert caught.value.code == "invalid-media-path"


def test_content_nested_beyond_reason_is_refused():
    params: dict = {}
    node = params
    for _level in range(150):
        node["child"] = {}
        node = node["child"]

    with pytest.raises(H5PPackageError) as caught:
        sanitize_params(params, semantics=None, semantics_for=SEMANTICS.get)

    assert caught.value.code == "invalid-content-json"


def test_params_must_be_an_object():
    with pytest.raises(H5PPackageError) as caught:
        sanitize_params(["no"], semantics=None, semantics_for=SEMANTICS.get)

    assert caught.value.code == "invalid-content-json"


def test_semantics_cannot_allow_dangerous_tags():
    assert expand_tags(["script", "iframe", "style", "strong", "table", "b"]) == {
        "div",
        "span",
        "p",
        "br",
        "strong",
        "b",
        "table",
        "tr",
        "td",
        "th",
        "colgroup",
        "thead",
        "tbody",
        "tfoot",
    }
    assert clean_html("<script>alert(1)</script><b>ok</b>", ["script", "b"]) == "<b>ok</b>"


def test_escape_text_leaves_well_formed_entities_alone():
    assert escape_text("&amp; &#039; &#x27; &nbsp; & &foo") == "&amp; &#039; &#x27; &nbsp; &amp; &amp;foo"
