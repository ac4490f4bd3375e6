from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tools import formatLang
from odoo.tools import plaintext2html

from ..tools.groups import CREDIT_MANAGER_GROUP

# Fields only the credit-release flow may write.
RELEASE_FIELDS = {
    "ar_credit_pending",
    "ar_credit_release_reason",
    "ar_credit_released_by_id",
    "ar_credit_released_on",
    "ar_credit_released_amount",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    ar_credit_pending = fields.Boolean(
        string="Awaiting Credit Approval",
        copy=False,
        readonly=True,
        help="The customer accepted this quotation online, but its credit check failed: "
        "a credit manager decides whether to release it.",
    )
    ar_credit_release_reason = fields.Text(string="Credit Release Reason", copy=False, readonly=True)
    ar_credit_released_by_id = fields.Many2one("res.users", string="Credit Released By", copy=False, readonly=True)
    ar_credit_released_on = fields.Datetime(string="Credit Released On", copy=False, readonly=True)
    ar_credit_released_amount = fields.Monetary(
        string="Released Amount",
        copy=False,
        readonly=True,
        help="The release covers the order up to this total; a larger total is checked again.",
    )
    ar_credit_blocked = fields.Boolean(
        compute="_compute_ar_credit_blocked",
        string="Credit Blocked",
        help="Confirming this quotation would be refused by the credit check.",
    )
    ar_credit_banner = fields.Text(compute="_compute_ar_credit_banner", string="Customer Credit Status")

    @api.depends("partner_id", "partner_invoice_id", "company_id", "amount_total", "state")
    def _compute_ar_credit_blocked(self):
        for order in self:
            order.ar_credit_blocked = bool(order._ar_credit_issues())

    @api.depends("partner_id", "partner_invoice_id", "company_id")
    def _compute_ar_credit_banner(self):
        for order in self:
            profiles = order._ar_credit_profiles()
            order.ar_credit_banner = profiles._banner_text()

    @api.depends("state", "ar_credit_released_amount")
    def _compute_partner_credit_warning(self):
        # EXTENDS sale: quotations show the same figures the confirmation check uses.
        result = super()._compute_partner_credit_warning()
        for order in self:
            if order.state in ("draft", "sent") and order.company_id.account_use_credit_limit:
                issues = order._ar_credit_issues()
                order.partner_credit_warning = order._ar_credit_message(issues, with_release=False) if issues else ""
        return result

    def write(self, vals):
        if RELEASE_FIELDS & set(vals) and not (self.env.su or self.env.user.has_group(CREDIT_MANAGER_GROUP)):
            raise AccessError(self.env._("Only a credit manager can release an order blocked by the credit check."))
        return super().write(vals)

    # ------------------------------------------------------------------
    # Confirmation paths
    # ------------------------------------------------------------------

    def action_confirm(self):
        """Refuse to confirm orders that fail the credit check (every confirmation path comes here)."""
        for order in self:
            self.env["ar.credit.profile"]._get_or_create(order.partner_id | order.partner_invoice_id, order.company_id)
            issues = order._ar_credit_issues()
            if issues:
                raise UserError(order._ar_credit_message(issues))
        result = super().action_confirm()
        self._ar_refresh_exposure()
        return result

    def _validate_order(self):
        """Customer confirmations (portal signature, website checkout): a blocked order waits
        for a credit manager instead of failing in the customer's face."""
        blocked = self.filtered(lambda order: order._ar_credit_issues())
        blocked._ar_request_credit_approval()
        if self - blocked:
            return super(SaleOrder, self - blocked)._validate_order()
        return None

    def _action_cancel(self):
        result = super()._action_cancel()
        self._ar_refresh_exposure()
        return result

    # ------------------------------------------------------------------
    # The credit check
    # ------------------------------------------------------------------

    def _ar_credit_profiles(self):
        """Credit profiles of the ordering and the paying customer in the order's company."""
        self.ensure_one()
        partners = (self.partner_id | self.partner_invoice_id).commercial_partner_id
        if not partners:
            return self.env["ar.credit.profile"]
        return (
            self.env["ar.credit.profile"]
            .sudo()
            .search([("partner_id", "in", partners.ids), ("company_id", "=", self.company_id.id)], order="id")
        )

    def _ar_credit_issues(self):
        """What stops this quotation from being confirmed, as a list of dicts (empty: it may go).

        The one credit rule, used by every confirmation path and by the quotation's
        warning. It reads stored figures only: its cost does not grow with the
        number of the customer's invoices.
        """
        self.ensure_one()
        if self.state not in ("draft", "sent") or not self.partner_id or self._ar_credit_released():
            return []
        profiles = self._ar_credit_profiles()
        payer = self.partner_invoice_id.commercial_partner_id or self.partner_id.commercial_partner_id
        payer_profile = profiles.filtered(lambda profile: profile.partner_id == payer)
        issues = []
        for profile in profiles:
            if profile.blacklisted:
                issues.append({"rule": "blacklist", "profile": profile})
            if profile.hold:
                issues.append({"rule": "hold", "profile": profile})
        company_currency = self.company_id.currency_id
        amount = company_currency.round(self.amount_total / (self.currency_rate or 1.0))
        Profile = self.env["ar.credit.profile"]
        if payer_profile:
            limit, prepayment = payer_profile.credit_limit, payer_profile.rating_id.prepayment_required
        else:
            limit, prepayment = Profile._new_customer_terms(self.company_id, payer)
        exposure = payer_profile.exposure
        over_limit = Profile._exceeds_limit(exposure + amount, limit, company_currency)
        if (over_limit or prepayment) and self._ar_fully_prepaid():
            return issues
        if prepayment:
            issues.append({"rule": "prepayment", "profile": payer_profile})
        if over_limit:
            issues.append(
                {"rule": "limit", "profile": payer_profile, "amount": amount, "limit": limit, "exposure": exposure}
            )
        return issues

    def _ar_credit_released(self):
        return bool(self.ar_credit_released_by_id) and (
            self.currency_id.compare_amounts(self.amount_total, self.ar_credit_released_amount) <= 0
        )

    def _ar_fully_prepaid(self):
        return self.currency_id.compare_amounts(self.amount_paid, self.amount_total) >= 0

    def _ar_credit_message(self, issues, with_release=True):
        """The explanation a user reads: which rule, with the figures."""
        self.ensure_one()
        currency = self.company_id.currency_id

        def money(value):
            return formatLang(self.env, value, currency_obj=currency)

        lines = [
            line
            for issue in issues
            if issue["rule"] in ("blacklist", "hold")
            for line in issue["profile"]._hold_lines()
        ]
        lines = list(dict.fromkeys(lines))  # a customer both held and blacklisted is listed once per cause
        for issue in issues:
            profile = issue["profile"]
            if issue["rule"] == "prepayment":
                lines.append(
                    self.env._(
                        "Rating %(rating)s requires payment in advance: %(paid)s paid of %(total)s.",
                        rating=profile.rating_id.display_name,
                        paid=formatLang(self.env, self.amount_paid, currency_obj=self.currency_id),
                        total=formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
                    )
                )
            elif issue["rule"] == "limit":
                lines.append(
                    self.env._(
                        "Credit limit exceeded: exposure %(exposure)s + this order %(amount)s = %(total)s, "
                        "above the credit limit of %(limit)s.",
                        exposure=money(issue["exposure"]),
                        amount=money(issue["amount"]),
                        total=money(issue["exposure"] + issue["amount"]),
                        limit=money(issue["limit"]),
                    )
                )
        payer_profile = next(
            (i["profile"] for i in issues if i["rule"] in ("limit", "prepayment")), issues[0]["profile"]
        )
        if payer_profile:
            lines.append(
                self.env._(
                    "Open receivable %(open)s, of which overdue %(overdue)s (oldest %(days)s days overdue).",
                    open=money(payer_profile.open_receivable),
                    overdue=money(payer_profile.overdue_amount),
                    days=payer_profile.oldest_overdue_days,
                )
            )
        message = "\n".join(f"- {line}" for line in lines)
        if not with_release:
            return message
        managers = self._ar_credit_managers()
        header = self.env._(
            "Sale order %(order)s for %(customer)s cannot be confirmed:",
            order=self.name,
            customer=self.partner_id.commercial_partner_id.display_name,
        )
        footer = self.env._(
            "A credit manager (%(managers)s) can release this order with a reason "
            '("Release Credit Block" on the quotation).',
            managers=", ".join(managers.mapped("name")[:3]) or self.env._("none appointed yet"),
        )
        return f"{header}\n{message}\n{footer}"

    def _ar_credit_managers(self):
        return self.env["ar.credit.profile"]._credit_managers(self.company_id)

    def _ar_refresh_exposure(self):
        partners = self.partner_invoice_id | self.partner_id
        if partners:
            self.env["ar.credit.profile"].sudo()._refresh_exposure(partners)

    # ------------------------------------------------------------------
    # Approval and release
    # ------------------------------------------------------------------

    def _ar_request_credit_approval(self):
        """Keep the order a quotation and ask a credit manager to decide, with the figures."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for order in self.sudo():
            issues = order._ar_credit_issues()
            message = order._ar_credit_message(issues, with_release=False)
            order.ar_credit_pending = True
            order.message_post(
                body=plaintext2html(
                    self.env._("The customer confirmed this quotation, but it awaits credit approval:\n%s", message)
                ),
                subtype_xmlid="mail.mt_note",
            )
            manager = order._ar_credit_managers()[:1]
            if manager:
                order.activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=manager.id,
                    summary=order._ar_approval_summary(),
                    note=message,
                )

    def _ar_approval_summary(self):
        return self.env._("Credit approval: %s", self.name)

    def _ar_credit_block_summary(self):
        """What the release wizard shows before a credit manager releases this order."""
        issues = self._ar_credit_issues()
        return self._ar_credit_message(issues, with_release=False) if issues else ""

    def action_ar_request_credit_approval(self):
        """A salesperson asks a credit manager to look at a blocked quotation."""
        self._ar_request_credit_approval()
        return True

    def action_ar_release_credit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Release Credit Block"),
            "res_model": "ar.credit.release.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def _ar_credit_release(self, reason):
        """Release this order (credit manager, with a reason), log it and confirm it."""
        self.ensure_one()
        self.env["ar.credit.profile"]._check_credit_manager()
        issues = self._ar_credit_issues()
        summary = self._ar_credit_message(issues, with_release=False) if issues else ""
        was_pending = self.ar_credit_pending
        self.write(
            {
                "ar_credit_pending": False,
                "ar_credit_release_reason": reason,
                "ar_credit_released_by_id": self.env.user.id,
                "ar_credit_released_on": fields.Datetime.now(),
                "ar_credit_released_amount": self.amount_total,
            }
        )
        profile = self.env["ar.credit.profile"]._get_or_create(
            self.partner_invoice_id or self.partner_id, self.company_id
        )
        profile._log_event(
            "release",
            self.env._("Order %(order)s released: %(reason)s", order=self.name, reason=reason),
            sale_order_id=self.id,
        )
        self.sudo().message_post(
            author_id=self.env.user.partner_id.id,
            body=plaintext2html(
                self.env._(
                    "Credit block released by %(user)s: %(reason)s\n%(summary)s",
                    user=self.env.user.name,
                    reason=reason,
                    summary=summary,
                )
            ),
            subtype_xmlid="mail.mt_note",
        )
        self.sudo().activity_ids.filtered(lambda a: a.summary == self._ar_approval_summary()).action_feedback(
            feedback=reason
        )
        # The credit manager's decision is checked above; confirming may need sales and
        # inventory rights the credit manager does not have.
        self.sudo().with_context(send_email=was_pending).action_confirm()
        return True
