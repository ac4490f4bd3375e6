"""The statement of account (对账单): the figures of the PDF report and of the portal page."""

from collections import defaultdict

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
        statements = {}
        for lang, group in partners.grouped(lambda partner: langs[partner.id]).items():
            statements.update(
                self.with_context(lang=lang)._get_statements(group, data.get("date_from"), data.get("date_to"))
            )
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "langs": langs,
            "statements": statements,
        }

    @api.model
    def _get_statement(self, partner, date_from, date_to, company=None):
        """The statement of ``partner`` (its commercial entity) for a period, in company currency.

        Opening balance, every invoice, credit note and payment of the period with
        a running balance, the closing balance, and the aging of what is still open.
        """
        return self._get_statements(partner, date_from, date_to, company=company)[partner.id]

    @api.model
    def _get_statements(self, partners, date_from, date_to, company=None):
        """{partner id: the statement of its commercial entity} (see ``_get_statement``): the
        same few queries for one customer or for the batch of the monthly job."""
        company = company or self.env.company
        period = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        customers = partners.commercial_partner_id
        customer_ids = set(customers.ids)
        # Their contacts and subsidiaries too: expanded once, not in each search.
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        listed = Partner.search([("id", "child_of", customers.ids)], order="id")
        base = [
            ("partner_id", "in", listed.ids),
            ("company_id", "=", company.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ]
        Line = self.env["account.move.line"].sudo()
        opening = defaultdict(float)
        for partner, balance in Line._read_group([*base, ("date", "<", period[0])], ["partner_id"], ["balance:sum"]):
            for customer_id in _statement_owners(partner, customer_ids):
                opening[customer_id] += balance
        period_lines = _by_statement(
            Line.search([*base, ("date", ">=", period[0]), ("date", "<=", period[1])], order="date, move_name, id"),
            customer_ids,
        )
        open_lines = _by_statement(
            Line.search([*base, ("reconciled", "=", False), ("date", "<=", period[1])]), customer_ids
        )
        statements = {
            customer.id: self._statement(
                customer, company, period, opening[customer.id], period_lines[customer.id], open_lines[customer.id]
            )
            for customer in customers
        }
        return {partner.id: statements[partner.commercial_partner_id.id] for partner in partners}

    @api.model
    def _statement(self, partner, company, period, opening, period_lines, open_lines):
        """The statement of ``partner`` from its opening balance and its receivable lines."""
        date_from, date_to = period
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


def _statement_owners(partner, customer_ids):
    """Those of ``customer_ids`` whose statement lists the lines of ``partner``: itself and its
    parents (a statement lists its customer's contacts, ``child_of``)."""
    owners = []
    while partner:
        if partner.id in customer_ids:
            owners.append(partner.id)
        partner = partner.parent_id
    return owners


def _by_statement(lines, customer_ids):
    """{customer id: the lines of ``lines`` its statement lists}, in order."""
    grouped = defaultdict(list)
    for line in lines:
        for customer_id in _statement_owners(line.partner_id, customer_ids):
            grouped[customer_id].append(line)
    return grouped
