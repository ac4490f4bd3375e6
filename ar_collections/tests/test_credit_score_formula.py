"""The score formula on its own, without a database: one row of payment history in, one score out."""

import unittest
from datetime import date

from dateutil.relativedelta import relativedelta

from ..tools.credit_score import prediction_from_history
from ..tools.credit_score import score_from_history

TODAY = date(2026, 11, 30)


def history(due, on_time, days_late, open_amount=0.0, overdue=0.0, months=24, invoices_12m=12, amount=1000.0):
    """A history row of ``due`` invoices of ``amount`` due in 12 months, ``on_time`` paid on
    time, ``days_late`` late on average, the first invoice ``months`` ago."""
    return {
        "due_12m": due,
        "on_time_12m": on_time,
        "weighted_days_late": due * amount * days_late,
        "due_amount_12m": due * amount,
        "open_amount": open_amount,
        "overdue_amount": overdue,
        "first_invoice_date": TODAY - relativedelta(months=months),
        "invoices_12m": invoices_12m,
    }


class TestCreditScoreFormula(unittest.TestCase):
    def test_scores_of_known_histories(self):
        # (history, on_time points, days_late points, overdue_share points, relationship points, score)
        table = [
            ("always on time for two years", history(12, 12, 0), 40.0, 25.0, 20.0, 15.0, 100),
            ("a month late, six months old", history(4, 0, 30, months=6, invoices_12m=0), 0.0, 12.5, 20.0, 1.9, 34),
            ("everything late and overdue", history(5, 0, 90, 1000.0, 1000.0, 0, 0), 0.0, 0.0, 0.0, 0.0, 0),
            ("half the open balance overdue", history(10, 10, 0, 2000.0, 1000.0), 40.0, 25.0, 10.0, 15.0, 90),
            ("one on time out of eight", history(8, 1, 0, months=0, invoices_12m=6), 5.0, 25.0, 20.0, 3.8, 54),
            ("days late past 60 give nothing", history(6, 3, 75), 20.0, 0.0, 20.0, 15.0, 55),
        ]
        for label, row, on_time, days_late, overdue_share, relationship, expected in table:
            with self.subTest(label):
                score, details = score_from_history(row, 60, 3, TODAY)
                points = {factor["key"]: factor["points"] for factor in details["factors"]}
                self.assertEqual(
                    points,
                    {
                        "on_time": on_time,
                        "days_late": days_late,
                        "overdue_share": overdue_share,
                        "relationship": relationship,
                    },
                )
                self.assertEqual(score, expected)
                self.assertFalse(details["new_customer"])
                self.assertEqual(sum(factor["max"] for factor in details["factors"]), 100)

    def test_too_little_history_gives_the_starting_score(self):
        for due, starting in ((0, 60), (2, 60), (2, 45)):
            with self.subTest(due=due, starting=starting):
                score, details = score_from_history(history(due, due, 0), starting, 3, TODAY)
                self.assertEqual(score, starting)
                self.assertTrue(details["new_customer"])
                self.assertEqual(details["factors"], [])
        score, details = score_from_history(history(3, 3, 0), 60, 3, TODAY)
        self.assertFalse(details["new_customer"], "the minimum history is enough")

    def test_an_empty_history_is_a_new_customer(self):
        score, details = score_from_history({}, 60, 3, TODAY)
        self.assertEqual((score, details["invoices_due"], details["prediction"]["p90"]), (60, 0, 0.1))

    def test_predictions_of_known_histories(self):
        # (row, delay, delay_12m, delay_3m, likelihood of passing 90 days)
        table = [
            ({}, 0.0, 0.0, None, 0.1),
            (
                {"due_12m": 8, "past_90_12m": 2, "weighted_days_late": 80000.0, "due_amount_12m": 8000.0},
                10.0,
                10.0,
                None,
                0.22,
            ),
            (
                {
                    "due_12m": 4,
                    "weighted_days_late": 40000.0,
                    "due_amount_12m": 4000.0,
                    "weighted_days_late_3m": 30000.0,
                    "due_amount_3m": 1000.0,
                },
                20.0,
                10.0,
                30.0,
                0.0333,
            ),
        ]
        for row, delay, delay_12m, delay_3m, p90 in table:
            with self.subTest(row=row):
                prediction = prediction_from_history(row)
                self.assertEqual(
                    (prediction["delay"], prediction["delay_12m"], prediction["delay_3m"], prediction["p90"]),
                    (delay, delay_12m, delay_3m, p90),
                )
