from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import formatLang
from odoo.tools import plaintext2html

from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import requires_group

# Line fields whose change can raise a confirmed order's total.
GROWTH_FIELDS = {"product_uom_qty", "price_unit", "discount", "tax_id", "product_id"}


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "ar.credit.release.mixin", "ar.credit.warning.mixin"]

    ar_credit_pending = fields.Boolean(
        string="Awaiting Credit Approval",
        copy=False,
        readonly=True,
        help="The customer accepted this quotation online, but its credit check failed: "
        "a credit manager decides whether to release it.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_released_amount = fields.Monetary(
        string="Released Amount",
        copy=False,
        readonly=True,
        help="The release covers the order up to this total; a larger total is checked again.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_blocked = fields.Boolean(
        compute="_compute_ar_credit_blocked",
        string="Credit Blocked",
        help="Confirming this quotation would be refused by the credit check.",
        groups=INTERNAL_USER_GROUP,
    )
    ar_credit_banner = fields.Text(
        compute="_compute_ar_credit_banner", string="Customer Credit Status", groups=INTERNAL_USER_GROUP
    )

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
                order.partner_credit_warning = order._ar_credit_warning()
        return result

    # ------------------------------------------------------------------
    # Confirmation paths
    # ------------------------------------------------------------------

    def action_confirm(self):
        """Refuse to confirm orders that fail the credit check (every confirmation path comes here).

        Orders confirmed together are checked together: each paying customer's orders add up,
        in order. The paying customers' profiles are locked first, so that two confirmations
        at once are checked one after the other against the exposure the first one left."""
        Profile = self.env["ar.credit.profile"]
        profiles = Profile.union(
            *(
                Profile._get_or_create(orders.partner_id | orders.partner_invoice_id, company)
                for company, orders in self.grouped("company_id").items()
            )
        )
        self._ar_lock_payers()
        pending = {}
        for order in self:
            payer = order._ar_payer_key()
            issues = order._ar_credit_issues(pending=pending.get(payer, 0.0), among=profiles)
            if issues:
                raise UserError(order._ar_credit_message(issues))
            pending[payer] = pending.get(payer, 0.0) + order._ar_amount_company_currency()
        result = super().action_confirm()
        self._ar_refresh_exposure()
        return result

    def _ar_payer_key(self):
        self.ensure_one()
        payer = self.partner_invoice_id.commercial_partner_id or self.partner_id.commercial_partner_id
        return (payer.id, self.company_id.id)

    def _ar_amount_company_currency(self, amount=None):
        """``amount`` (default: the order's total) in company currency, at the order's rate."""
        self.ensure_one()
        amount = self.amount_total if amount is None else amount
        return self.company_id.currency_id.round(amount / (self.currency_rate or 1.0))

    def _ar_lock_payers(self):
        """Lock the credit profiles of these orders' paying customers until the transaction ends.

        A confirmation running at the same time waits here; once the first commits, Odoo retries
        the second (its snapshot is stale: PostgreSQL refuses the lock with a serialization
        failure, which Odoo's request handling retries), which then sees the new exposure."""
        keys = {order._ar_payer_key() for order in self}
        if not keys:
            return
        self.env["ar.credit.profile"].flush_model(["partner_id", "company_id"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM ar_credit_profile WHERE (partner_id, company_id) IN %s ORDER BY id FOR UPDATE",
                tuple(keys),
            )
        )

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

    def _ar_credit_profiles(self, among=None):
        """Credit profiles of the ordering and the paying customer in the order's company: among
        ``among`` when given (profiles the caller fetched already, theirs included)."""
        self.ensure_one()
        partners = (self.partner_id | self.partner_invoice_id).commercial_partner_id
        if not partners:
            return self.env["ar.credit.profile"]
        if among is not None:
            return (
                among.sudo()
                .filtered(lambda profile: profile.partner_id in partners and profile.company_id == self.company_id)
                .sorted("id")
            )
        return (
            self.env["ar.credit.profile"]
            .sudo()
            .search([("partner_id", "in", partners.ids), ("company_id", "=", self.company_id.id)], order="id")
        )

    def _ar_credit_issues(self, pending=0.0, amount=None, among=None):
        """What stops this quotation from being confirmed, as a list of dicts (empty: it may go).

        The one credit rule, used by every confirmation path, by the quotation's warning and
        when a confirmed order grows (``amount``: by how much). ``pending`` is what orders
        confirmed in the same call already add to the customer's exposure; ``among``, the
        credit profiles the caller fetched (see ``_ar_credit_profiles``). It reads stored
        figures only: its cost does not grow with the number of the customer's invoices.
        """
        self.ensure_one()
        confirming = amount is None
        if (confirming and self.state not in ("draft", "sent")) or not self.partner_id or self._ar_credit_released():
            return []
        profiles = self._ar_credit_profiles(among)
        payer = self.partner_invoice_id.commercial_partner_id or self.partner_id.commercial_partner_id
        payer_profile = profiles.filtered(lambda profile: profile.partner_id == payer)
        issues = []
        for profile in profiles:
            if profile.blacklisted:
                issues.append({"rule": "blacklist", "profile": profile})
            if profile.hold:
                issues.append({"rule": "hold", "profile": profile})
        if confirming:
            amount = self._ar_amount_company_currency()
        Profile = self.env["ar.credit.profile"]
        if payer_profile:
            limit, prepayment = payer_profile.credit_limit, payer_profile.prepayment_required
            credit_state = payer_profile.credit_state
        else:
            limit, prepayment, credit_state = Profile._new_customer_terms(self.company_id, payer)
        exposure = payer_profile.exposure + pending
        over_limit = self._ar_exceeds_limit(exposure, amount, limit)
        if (over_limit or prepayment) and self._ar_fully_prepaid():
            return issues
        if prepayment:
            rule = "prepayment" if payer_profile.rating_id.prepayment_required else "new_customer"
            issues.append({"rule": rule, "profile": payer_profile, "customer": payer, "credit_state": credit_state})
        if over_limit:
            issues.append(
                {"rule": "limit", "profile": payer_profile, "amount": amount, "limit": limit, "exposure": exposure}
            )
        return issues

    def _ar_credit_released(self):
        return super()._ar_credit_released() and (
            self.currency_id.compare_amounts(self.amount_total, self.ar_credit_released_amount) <= 0
        )

    def _ar_release_terms(self):
        return f"{super()._ar_release_terms()},invoice:{self.partner_invoice_id.id},currency:{self.currency_id.id}"

    def _ar_release_terms_fields(self):
        return super()._ar_release_terms_fields() | {"partner_invoice_id", "pricelist_id", "currency_id"}

    def _ar_fully_prepaid(self):
        return self.currency_id.compare_amounts(self.amount_paid, self.amount_total) >= 0

    def _ar_credit_message(self, issues, with_release=True, header=None):
        """The explanation a user reads: which rule, with the figures (and who can release the order)."""
        self.ensure_one()
        summary = self._ar_credit_summary(issues)
        if not with_release:
            return summary
        header = header or self.env._(
            "Sale order %(order)s for %(customer)s cannot be confirmed:",
            order=self.name,
            customer=self.partner_id.commercial_partner_id.display_name,
        )
        return self._ar_blocked_message(header, summary)

    def _ar_credit_issue_line(self, issue):
        if issue["rule"] == "new_customer":
            states = dict(self.env["ar.credit.profile"]._fields["credit_state"]._description_selection(self.env))
            return self.env._(
                "%(customer)s has no approved credit (%(state)s): payment in advance is required, %(paid)s paid of "
                "%(total)s. File a credit application for a credit manager to approve.",
                customer=issue["customer"].display_name,
                state=states.get(issue["credit_state"], issue["credit_state"]),
                paid=formatLang(self.env, self.amount_paid, currency_obj=self.currency_id),
                total=formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
            )
        if issue["rule"] == "prepayment":
            return self.env._(
                "Rating %(rating)s requires payment in advance: %(paid)s paid of %(total)s.",
                rating=issue["profile"].rating_id.display_name,
                paid=formatLang(self.env, self.amount_paid, currency_obj=self.currency_id),
                total=formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
            )
        return super()._ar_credit_issue_line(issue)

    def _ar_this_document(self):
        return self.env._("this order")

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
            order._ar_write_release({"ar_credit_pending": True})
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
        return self._ar_credit_warning()

    @requires_group(INTERNAL_USER_GROUP)
    def action_ar_request_credit_approval(self):
        """A salesperson asks a credit manager to look at a blocked quotation."""
        self.check_access("write")
        self._ar_request_credit_approval()
        return True

    def _ar_release_customer(self):
        return self.partner_invoice_id or self.partner_id

    def _ar_release_document_name(self):
        return self.env._("Order %s", self.name)

    def _ar_release_action_name(self):
        return self.env._("Release Credit Block")

    def _ar_release_fields(self):
        return super()._ar_release_fields() | {"ar_credit_pending", "ar_credit_released_amount"}

    def _ar_release_values(self, reason, amount=None):
        return {
            **super()._ar_release_values(reason, amount),
            "ar_credit_pending": False,
            "ar_credit_released_amount": max(amount or 0.0, self.amount_total),
        }

    def _ar_release_event_values(self):
        return {"sale_order_id": self.id}

    def _ar_credit_release(self, reason, amount=None):
        """Release this order (up to ``amount``, at least its total) and confirm it."""
        was_pending = self.ar_credit_pending
        super()._ar_credit_release(reason, amount)
        self.sudo().activity_ids.filtered(lambda a: a.summary == self._ar_approval_summary()).action_feedback(
            feedback=reason
        )
        # The credit manager's decision is checked above; confirming may need sales and
        # inventory rights the credit manager does not have. A confirmed order that grew is
        # released for its new total: the change is made again, now within the release.
        if self.state in ("draft", "sent"):
            self.sudo().with_context(send_email=was_pending).action_confirm()
        return True

    # ------------------------------------------------------------------
    # A confirmed order that grows
    # ------------------------------------------------------------------

    def _ar_check_growth(self, totals_before):
        """Refuse a confirmed order's new lines or quantities that take its customer past the
        credit check (same figures, same message, same release); ``totals_before`` {order: total}."""
        growing = {
            order: order.amount_total - totals_before.get(order, order.amount_total)
            for order in self.filtered(lambda order: order.state == "sale")
        }
        growing = {
            order: growth for order, growth in growing.items() if order.currency_id.compare_amounts(growth, 0) > 0
        }
        self.browse().union(*growing)._ar_lock_payers()
        for order, growth in growing.items():
            amount = order._ar_amount_company_currency(growth)
            issues = [
                issue
                for issue in order._ar_credit_issues(amount=amount)
                if issue["rule"] in ("blacklist", "hold", "limit")
            ]
            if issues:
                raise UserError(order._ar_credit_message(issues, header=order._ar_growth_header()))
        self._ar_refresh_exposure()

    def _ar_growth_header(self):
        return self.env._(
            "Sale order %(order)s for %(customer)s cannot grow to %(total)s:",
            order=self.name,
            customer=self.partner_id.commercial_partner_id.display_name,
            total=formatLang(self.env, self.amount_total, currency_obj=self.currency_id),
        )


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = (
            self.env["sale.order"]
            .browse({vals["order_id"] for vals in vals_list if vals.get("order_id")})
            .filtered(lambda order: order.state == "sale")
        )
        totals = {order: order.amount_total for order in orders}
        lines = super().create(vals_list)
        if totals:
            orders._ar_check_growth(totals)
        return lines

    def write(self, vals):
        orders = self.order_id.filtered(lambda order: order.state == "sale")
        if not orders or not GROWTH_FIELDS & set(vals):
            return super().write(vals)
        totals = {order: order.amount_total for order in orders}
        result = super().write(vals)
        orders._ar_check_growth(totals)
        return result
