from odoo.tests import TransactionCase
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.ar_collections.models.ar_aging_report import AGING_BUCKETS
from odoo.addons.ar_collections.models.ar_aging_report import UNAPPLIED_BUCKET
from odoo.addons.ar_collections.models.ar_aging_report import aging_bucket
from odoo.addons.ar_collections.models.ar_aging_report import aging_bucket_sql


@tagged("post_install", "-at_install")
class TestAgingBuckets(TransactionCase):
    """The aging report (SQL) and the statement of account (Python) age items alike."""

    def test_an_item_falls_in_the_same_bucket_in_sql_and_in_python(self):
        days = [-5, 0, 1, 30, 31, 60, 61, 90, 91, 365, 366, 730, 731, 1095, 1096, 4000]
        expected = [
            *("current", "current", "1_30", "1_30", "31_60", "31_60", "61_90", "61_90"),
            *("91_365", "91_365", "1_2_years", "1_2_years", "2_3_years", "2_3_years", "over_3_years", "over_3_years"),
        ]
        self.assertEqual([aging_bucket(day) for day in days], expected)
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM unnest(%s::int[]) WITH ORDINALITY AS item(days, n) ORDER BY n",
                aging_bucket_sql(SQL("item.days")),
                days,
            )
        )
        self.assertEqual([key for (key,) in self.env.cr.fetchall()], expected)

    def test_the_report_offers_the_buckets_in_their_order(self):
        selection = self.env["ar.aging.report"]._fields["bucket"].selection
        self.assertEqual(
            [key for key, _label in selection], [*(key for key, _label, _days in AGING_BUCKETS), UNAPPLIED_BUCKET[0]]
        )
