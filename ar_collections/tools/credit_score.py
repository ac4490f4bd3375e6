"""The credit score formula: plain Python, no database.

A customer's score (0 to 100) is the sum of four factors, each worth at most its weight:

    score = round(  40 * on-time ratio
                  + 25 * max(0, 1 - average days late / 60)
                  + 20 * (1 - overdue share of the open balance)
                  + 15 * (0.5 * min(months of relationship / 24, 1) + 0.5 * min(invoices in 12 months / 12, 1)))

over the invoices due in the last 12 months: the on-time ratio counts invoices paid by their
due date, the average days late is weighted by amount (unpaid invoices count to today). A
customer with fewer invoices due than the company's minimum history gets the company's
starting score instead. Each factor's points are rounded to 0.1 before the sum, and the sum
is rounded half up and kept within 0..100.

The payment prediction (usual delay, likelihood of passing 90 days overdue) comes from the
same history. ``ar.credit.review`` reads the history from the database and applies the result.
"""

import math

from dateutil.relativedelta import relativedelta

# Points of each factor of the credit score; they add up to 100.
SCORE_WEIGHTS = {
    "on_time": 40,
    "days_late": 25,
    "overdue_share": 20,
    "relationship": 15,
}
# Average days late (amount-weighted) at which the "days late" factor gives no point.
DAYS_LATE_ZERO_POINTS = 60
# Likelihood of passing 90 days overdue before any history: 1 in 10, worth two invoices.
PAST_90_PRIOR = 0.1
PAST_90_PRIOR_WEIGHT = 2
# Relationship length and yearly invoice count that earn the full relationship points.
RELATIONSHIP_FULL_MONTHS = 24
RELATIONSHIP_FULL_INVOICES = 12


def prediction_from_history(row):
    """How late this customer pays, and how likely an invoice is to pass 90 days overdue.

    Delay: amount-weighted days late over 12 months, leaning on the last 3 months when there
    are some (the recent trend). Likelihood: invoices past 90 days over invoices due, with a
    prior of 1 in 10 worth two invoices (new customers: 10 %).
    """
    due = row.get("due_12m") or 0
    delay_12m = (row.get("weighted_days_late") or 0.0) / (row.get("due_amount_12m") or 1.0)
    recent_amount = row.get("due_amount_3m") or 0.0
    delay_3m = (row.get("weighted_days_late_3m") or 0.0) / recent_amount if recent_amount else None
    delay = delay_12m if delay_3m is None else (delay_12m + delay_3m) / 2
    past_90 = row.get("past_90_12m") or 0
    return {
        "invoices_due": due,
        "delay_12m": round(delay_12m, 1),
        "delay_3m": round(delay_3m, 1) if delay_3m is not None else None,
        "delay": round(delay, 1),
        "past_90": past_90,
        "p90": round((past_90 + PAST_90_PRIOR * PAST_90_PRIOR_WEIGHT) / (due + PAST_90_PRIOR_WEIGHT), 4),
    }


def score_from_history(row, new_customer_score, min_history, today):
    """(score, details) of one customer from its payment history ``row``.

    ``row`` holds the figures of the last 12 months (keys as ``ar.credit.review``'s history
    query names them; missing keys count as none). ``details`` explains the score: its
    factors with their value and points, and the payment prediction.
    """
    due = row.get("due_12m") or 0
    prediction = prediction_from_history(row)
    if due < min_history:
        return new_customer_score, {
            "new_customer": True,
            "invoices_due": due,
            "min_history": min_history,
            "score": new_customer_score,
            "factors": [],
            "prediction": prediction,
        }
    on_time = row.get("on_time_12m") or 0
    on_time_ratio = on_time / due
    avg_days_late = (row.get("weighted_days_late") or 0.0) / (row.get("due_amount_12m") or 1.0)
    open_amount = row.get("open_amount") or 0.0
    overdue_amount = row.get("overdue_amount") or 0.0
    overdue_share = min(max(overdue_amount / open_amount, 0.0), 1.0) if open_amount > 0 else 0.0
    months = 0
    if row.get("first_invoice_date"):
        delta = relativedelta(today, row["first_invoice_date"])
        months = delta.years * 12 + delta.months
    invoices_12m = row.get("invoices_12m") or 0
    relationship = 0.5 * min(months / RELATIONSHIP_FULL_MONTHS, 1.0) + 0.5 * min(
        invoices_12m / RELATIONSHIP_FULL_INVOICES, 1.0
    )
    factors = [
        {
            "key": "on_time",
            "value": round(on_time_ratio * 100, 1),
            "points": SCORE_WEIGHTS["on_time"] * on_time_ratio,
            "detail": {"on_time": on_time, "due": due},
        },
        {
            "key": "days_late",
            "value": round(avg_days_late, 1),
            "points": SCORE_WEIGHTS["days_late"] * max(0.0, 1 - avg_days_late / DAYS_LATE_ZERO_POINTS),
            "detail": {},
        },
        {
            "key": "overdue_share",
            "value": round(overdue_share * 100, 1),
            "points": SCORE_WEIGHTS["overdue_share"] * (1 - overdue_share),
            "detail": {},
        },
        {
            "key": "relationship",
            "value": months,
            "points": SCORE_WEIGHTS["relationship"] * relationship,
            "detail": {"months": months, "invoices_12m": invoices_12m},
        },
    ]
    for factor in factors:
        factor["points"] = round(factor["points"], 1)
        factor["max"] = SCORE_WEIGHTS[factor["key"]]
    score = max(0, min(100, math.floor(sum(factor["points"] for factor in factors) + 0.5)))
    return score, {
        "new_customer": False,
        "invoices_due": due,
        "score": score,
        "factors": factors,
        "prediction": prediction,
    }
