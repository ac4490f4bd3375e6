"""The statement of account (对账单): the figures of the PDF report and of the portal page."""

from odoo import api
from odoo import fields
from odoo import models

from ..models.ar_aging_report import AGING_BUCKETS
from ..models.ar_aging_report import aging_bucket


class ReportStatement(models.AbstractModel):
    """The values of the statement report: ``data`` gives the period, ``date_from`` and ``date_to``.

    The PDF (printed from the partner, emailed by the monthly job, put in a legal file's
    bundle) and the portal's /my/statement page show the same figures, from _get_statement.
    """

    _name = "report.ar_collections.report_statement"
    _description = "Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        """Each statement in its customer's language, or in ``data["lang"]`` when given (a
        legal file's bundle is in the court's language)."""
        data = data or {}
        partners = self.env["res.partner"].browse(docids)
        langs = {
            partner.id: data.get("lang") or partner.lang or self.env.company.partner_id.lang or "en_US"
            for partner in partners
        }
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "langs": langs,
            "statements": {
                partner.id: self.with_context(lang=langs[partner.id])._get_statement(
                    partner, data.get("date_from"), data.get("date_to")
                )
                for partner in partners
            },
        }

    @api.model
    def _get_statement(self, partner, date_from, date_to, company=None):
        """The statement of ``partner`` (its commercial entity) for a period, in company currency.

        Opening balance, every invoice, credit note and payment of the period with
        a running balance, the closing balance, and the aging of what is still open.
        """
        company = company or self.env.company
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        partner = partner.commercial_partner_id
        base = [
            ("partner_id", "child_of", partner.id),
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ]
        Line = self.env["account.move.line"].sudo()
        opening = sum(Line.search([*base, ("date", "<", date_from)]).mapped("balance"))
        period_lines = Line.search(
            [*base, ("date", ">=", date_from), ("date", "<=", date_to)], order="date, move_name, id"
        )
        balance, rows = opening, []
        kinds = {
            "out_invoice": self.env._("Invoice"),
            "out_refund": self.env._("Credit note"),
            "out_receipt": self.env._("Receipt"),
        }
        for line in period_lines:
            balance += line.balance
            move = line.move_id
            rows.append(
                {
                    "date": line.date,
                    "name": move.name,
                    "kind": kinds.get(move.move_type)
                    or (self.env._("Payment") if line.balance < 0 else self.env._("Entry")),
                    "reference": move.ref or move.payment_reference or line.name or "",
                    "due": line.date_maturity if move.move_type == "out_invoice" else False,
                    "debit": line.balance if line.balance > 0 else 0.0,
                    "credit": -line.balance if line.balance < 0 else 0.0,
                    "balance": balance,
                    "currency_amount": line.amount_currency if line.currency_id != company.currency_id else False,
                    "currency": line.currency_id,
                }
            )
        open_lines = Line.search([*base, ("reconciled", "=", False), ("date", "<=", date_to)])
        buckets = dict.fromkeys((key for key, _label, _max_days in AGING_BUCKETS), 0.0)
        for line in open_lines:
            key = aging_bucket((date_to - (line.date_maturity or line.date)).days)
            buckets[key] += line.amount_residual
        return {
            "partner": partner,
            "company": company,
            "currency": company.currency_id,
            "date_from": date_from,
            "date_to": date_to,
            "opening": opening,
            "lines": rows,
            "closing": balance,
            "aging": buckets,
            "open_total": sum(buckets.values()),
        }
