"""Abandoned new-page drafts (issue 13, item 9): Wagtail's autosave saves a new page as a draft as soon as its
title is typed, so a page an instructor abandons stays behind, unpublished and hidden, and holds its address
(slug). ``services`` lists them ("Borradores sin publicar") and discards them; ``views`` are the admin pages. The
slug clash itself is explained where she is by ``courses.slugs.AsciiSlugPageForm`` and the create template."""
