"""Reports of the citizen school in Wagtail's "Reports" menu, their CSV/XLSX exports (also for publication, with
small cells suppressed and minors left out), and the admin dashboard's figures and SVG charts.

``selectors`` builds the rows (aggregated in the database), ``publication`` suppresses small cells, ``views`` are
Wagtail report views, ``charts`` draws SVG without JavaScript, ``wagtail_hooks`` wires menus, URLs and panels.
"""
