"""The customer's credit as a quotation and a draft invoice show it: one wording, the same figures.

``ar.credit.warning.mixin`` turns what a document's credit check found (``_ar_credit_issues``:
a list of dicts with a ``rule`` and the customer's ``profile``, plus ``exposure``, ``amount``
and ``limit`` for the credit limit) into the lines a user reads, and owns the limit
comparison. Sale orders and customer invoices inherit it and fill Odoo's
``partner_credit_warning`` from it; the order's confirmation error and approval request
read the same lines.
"""

from odoo import models
from odoo.tools import formatLang


class ArCreditWarningMixin(models.AbstractModel):
    _name = "ar.credit.warning.mixin"
    _description = "Credit Warning of a Customer Document"

    def _ar_credit_warning(self):
        """The warning this document shows: what its credit check found, with the figures ('' if nothing)."""
        self.ensure_one()
        issues = self._ar_credit_issues()
        return self._ar_credit_summary(issues) if issues else ""

    def _ar_credit_issues(self):
        """What the credit check finds on this document, as a list of dicts (empty: nothing to say)."""
        raise NotImplementedError

    def _ar_credit_summary(self, issues):
        """``issues`` as the user reads them: one line each, then the paying customer's receivable."""
        self.ensure_one()
        if not issues:
            return ""
        lines = [
            line
            for issue in issues
            if issue["rule"] in ("blacklist", "hold")
            for line in issue["profile"]._hold_lines()
        ]
        lines = list(dict.fromkeys(lines))  # a customer both held and blacklisted is listed once per cause
        lines += [self._ar_credit_issue_line(issue) for issue in issues if issue["rule"] not in ("blacklist", "hold")]
        payer_profile = next(
            (i["profile"] for i in issues if i["rule"] in ("limit", "prepayment", "new_customer")), issues[0]["profile"]
        )
        if payer_profile:
            lines.append(
                self.env._(
                    "Open receivable %(open)s, of which overdue %(overdue)s (oldest %(days)s days overdue).",
                    open=self._ar_money(payer_profile.open_receivable),
                    overdue=self._ar_money(payer_profile.overdue_amount),
                    days=payer_profile.oldest_overdue_days,
                )
            )
            if payer_profile.secured_amount:
                lines.append(payer_profile._secured_line())
        return "\n".join(f"- {line}" for line in lines)

    def _ar_credit_issue_line(self, issue):
        """The sentence, with its figures, of one issue other than a hold or a blacklist."""
        if issue["rule"] != "limit":
            raise ValueError(f"No wording for the credit rule {issue['rule']!r}")
        return self.env._(
            "Credit limit exceeded: exposure %(exposure)s + %(document)s %(amount)s = %(total)s, "
            "above the credit limit of %(limit)s.",
            exposure=self._ar_money(issue["exposure"]),
            document=self._ar_this_document(),
            amount=self._ar_money(issue["amount"]),
            total=self._ar_money(issue["exposure"] + issue["amount"]),
            limit=self._ar_money(issue["limit"]),
        )

    def _ar_this_document(self):
        """How the limit's sentence names this document ("this order", "this invoice")."""
        raise NotImplementedError

    def _ar_exceeds_limit(self, exposure, amount, limit):
        """Whether this document's ``amount`` takes the customer's ``exposure`` above ``limit``
        (company currency; no limit when 0; reaching the limit exactly is within it)."""
        return self.env["ar.credit.profile"]._exceeds_limit(exposure + amount, limit, self.company_id.currency_id)

    def _ar_money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.company_id.currency_id)
