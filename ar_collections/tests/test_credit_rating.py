from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCreditRatings(ArCollectionsCommon):
    def test_shipped_ladder_covers_every_score(self):
        Rating = self.env["ar.credit.rating"]
        expected = {100: "A", 80: "A", 79: "B", 60: "B", 59: "C", 40: "C", 39: "D", 0: "D"}
        for score, code in expected.items():
            with self.subTest(score=score):
                self.assertEqual(Rating._rating_for_score(score, self.env.company).code, code)
        self.assertEqual(self._ar_rating("B").max_score, 79)
        self.assertEqual(self._ar_rating("A").max_score, 100)
        self.assertTrue(self._ar_rating("D").prepayment_required)

    def test_overlapping_minimum_scores_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "same minimum score 80"):
            self.env["ar.credit.rating"].create({"code": "A+", "name": "Outstanding", "min_score": 80})

    def test_a_gap_at_the_bottom_of_the_ladder_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Scores below 10 have no rating"):
            self._ar_rating("D").min_score = 10
        with self.assertRaisesRegex(ValidationError, "Scores below 40"):
            self._ar_rating("D").action_archive()

    def test_deleting_the_lowest_rating_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Scores below 40"):
            self._ar_rating("D").unlink()

    def test_bad_numbers_are_refused(self):
        for values, message in (
            ({"default_credit_limit": -1}, "cannot be negative"),
            ({"review_interval_months": 0}, "at least every month"),
            ({"min_score": 101}, "between 0 and 100"),
        ):
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, message):
                self.env["ar.credit.rating"].create({"code": "X", "name": "Bad", "min_score": 90, **values})

    def test_company_specific_ratings_only_apply_to_their_company(self):
        company_2 = self.setup_other_company(name="Rated Co")["company"]
        platinum = self.env["ar.credit.rating"].create(
            {"code": "P", "name": "Platinum", "min_score": 95, "company_id": company_2.id}
        )
        Rating = self.env["ar.credit.rating"]
        self.assertEqual(Rating._rating_for_score(97, company_2), platinum)
        self.assertEqual(Rating._rating_for_score(97, self.env.company).code, "A")

    def test_rating_names_are_translated_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        names = {code: self._ar_rating(code).with_context(lang="zh_CN").name for code in ("A", "B", "C", "D")}
        self.assertEqual(names, {"A": "优质", "B": "正常", "C": "高风险", "D": "预付款"})
