from django.test import SimpleTestCase

from cms.reports import charts


class ChartTests(SimpleTestCase):
    def test_bars_are_accessible_and_escaped(self):
        svg = charts.horizontal_bars(title="Personas por región", items=[("Ñuble <b>", 1200), ("Aysén", 0)])
        self.assertIn('role="img"', svg)
        self.assertIn("<title id=", svg)
        self.assertIn("<desc id=", svg)
        self.assertIn("Ñuble &lt;b&gt;", svg)
        self.assertNotIn("<b>", svg)
        self.assertEqual(svg.count("<rect"), 2)

    def test_columns_label_every_value(self):
        svg = charts.columns(title="Cursos completados", items=[("ene 26", 3), ("feb 26", 0)])
        self.assertIn(">ene 26</text>", svg)
        self.assertIn(">3</text>", svg)
        self.assertIn("ene 26: 3; feb 26: 0", svg)

    def test_empty_series(self):
        self.assertIn("<desc", charts.horizontal_bars(title="Nada", items=[]))
