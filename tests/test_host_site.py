"""courses, learners and certificates are Wagtail plugins: they install into a site that is not this one.

`wagtail start` writes a new project in a temporary folder. The three apps reach it through a folder that holds only
links to them (so `cms` and `tests` cannot be imported there), the project gets exactly the settings and URLs that the
README section "Usar los módulos en tu propio sitio Wagtail" shows, migrates its own SQLite database (on both runs of
the suite), and runs tests/host_site/scenario.py in its own ``manage.py shell``: a course page, a sign-up, an
enrolment, a completed lesson, the certificate issued on completion and its public verification page.
"""

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLUGINS = ("courses", "learners", "certificates")
SECTION = "## Usar los módulos en tu propio sitio Wagtail"
SETTING_NAME = re.compile(r"(COURSES|H5P|LEARNERS|CERTIFICATES)_[A-Z0-9_]+")


def readme_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    return text.split(SECTION, 1)[1].split("\n## ", 1)[0]


def readme_code(file_name: str) -> str:
    """The section's python block whose first line is a comment naming ``file_name`` (e.g. "settings/base.py")."""
    blocks = re.findall(r"```python\n(.*?)```", readme_section(), re.S)
    matching = [block for block in blocks if file_name in block.splitlines()[0]]
    assert len(matching) == 1, f"expected one python block for {file_name} in the README section, found {blocks}"
    return textwrap.dedent(matching[0])


def run(command: list[str], *, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command[:3])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result.stdout


def test_a_fresh_wagtail_site_serves_a_course_an_enrolment_and_a_certificate(tmp_path):
    site, plugins = tmp_path / "site", tmp_path / "plugins"
    site.mkdir()
    plugins.mkdir()
    for app in PLUGINS:
        (plugins / app).symlink_to(REPO / app, target_is_directory=True)
    bin_dir = Path(sys.executable).parent
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "PYTHONPATH"}}
    env.update(DJANGO_SETTINGS_MODULE="hostsite.settings.dev", PYTHONPATH=str(plugins), PYTHONDONTWRITEBYTECODE="1")

    run([str(bin_dir / "wagtail"), "start", "hostsite", str(site)], cwd=tmp_path, env=env)
    with (site / "hostsite" / "settings" / "base.py").open("a", encoding="utf-8") as settings_file:
        settings_file.write("\n" + readme_code("settings/base.py"))
        settings_file.write(
            "\n# This test only: the repository's DejaVu fonts; a throwaway database needs no fsync.\n"
            f"CERTIFICATES_FONT_DIRS = [{str(REPO / 'node_modules/dejavu-fonts-ttf/ttf')!r}, "
            '"/usr/share/fonts/truetype/dejavu"]\n'
            'DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA synchronous=OFF"}\n'
        )
    with (site / "hostsite" / "urls.py").open("a", encoding="utf-8") as urls_file:
        urls_file.write("\n" + readme_code("urls.py"))

    python = str(bin_dir / "python")
    run([python, "manage.py", "migrate", "--noinput", "--verbosity", "0"], cwd=site, env=env)
    scenario = (REPO / "tests" / "host_site" / "scenario.py").read_text(encoding="utf-8")
    output = run([python, "manage.py", "shell", "--no-imports", "--command", scenario], cwd=site, env=env)
    seen = json.loads(output.strip().splitlines()[-1])

    assert seen["cms_importable"] is False
    assert seen["home_model"] == "home.HomePage"  # the course catalogue hangs from the host's own home page
    assert seen["course_page"] == [200, True]
    assert seen["signup_page"] == [200, True]  # its extra_head script reached the host's extra_css block
    assert seen["privacy_page"] == [200, True]  # WAGTAIL_SITE_NAME names the school without LEARNERS_SCHOOL_SETTINGS
    assert seen["signup"] == [302, "/cuenta/registro/revisa-tu-correo/"]
    assert seen["confirmation_mail"] is True
    assert seen["login"] == [302, "/mis-cursos/"]
    assert seen["enrol"] == [200, "/cursos/presupuestos-participativos/"]
    assert seen["enrol_message"] is True  # messages shown by the plugins' default frame
    assert seen["enrolment"] == [["maria@example.cl", "active"]]
    assert seen["lesson_page"] == 200
    assert seen["complete"] == [200, "/mis-cursos/"]
    assert seen["dashboard_page"] == 200
    assert seen["certificate"] == ["valid", True]
    assert seen["verify_page"] == [200, True, True]


def _settings_read(path: Path) -> tuple[set[str], set[str]]:
    """The plugin settings a module names (string constants such as ``getattr(settings, "LEARNERS_X", 5)``) and
    those it reads bare (``settings.LEARNERS_X``, which fails on a host that does not define them)."""
    named, bare = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING_NAME.fullmatch(node.value):
            named.add(node.value)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "settings":
            if SETTING_NAME.fullmatch(node.attr):
                bare.add(node.attr)
    return named, bare


def test_every_plugin_setting_has_a_default_and_is_documented_for_hosts():
    named, bare = set(), set()
    for app in PLUGINS:
        for path in (REPO / app).rglob("*.py"):
            if "migrations" not in path.parts:
                module_named, module_bare = _settings_read(path)
                named |= module_named
                bare |= module_bare
    assert not bare, f"plugin settings read without a default (use getattr(settings, NAME, default)): {bare}"
    assert {"H5P_ROOT", "LEARNERS_SCHOOL_SETTINGS", "CERTIFICATES_PRIVATE_ROOT"} <= named
    section = readme_section()
    undocumented = sorted(name for name in named if f"`{name}`" not in section)
    assert not undocumented, f"settings missing from the README section {SECTION!r}: {undocumented}"
