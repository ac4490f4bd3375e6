"""Invoices in the customer portal: the signed links of collection emails and the customer's
own actions on an invoice (promise to pay, dispute, payment plan request), each logged."""

# The portal's side of invoices lives apart from the back office's (account_move.py).
# pylint: disable=consider-merging-classes-inherited
import binascii
import math
import os
from datetime import timedelta

from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import hash_sign
from odoo.tools import plaintext2html
from odoo.tools import verify_hash_signed
from odoo.tools.mimetypes import guess_mimetype

from .ar_collection_dispute import DISPUTE_REASONS

PORTAL_LINK_SCOPE = "ar_collections.portal_link"
# A customer whose promise was broken this recently cannot promise again online.
BROKEN_PROMISE_MEMORY = timedelta(days=180)
# Largest attachment a customer can join to a dispute.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What a customer can join to a dispute: the file's extension, and the types its content
# may be sniffed as (old Office files are all sniffed alike, text files as plain text).
ATTACHMENT_TYPES = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "gif": {"image/gif"},
    "webp": {"image/webp"},
    "doc": {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"},
    "xls": {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "odt": {"application/vnd.oasis.opendocument.text"},
    "ods": {"application/vnd.oasis.opendocument.spreadsheet"},
    "txt": {"text/plain"},
    "csv": {"text/plain", "text/csv"},
}
# Longest text a customer can write in a portal form (dispute, promise or plan request message).
MAX_TEXT_LENGTH = 2000


class PortalRequestLimitReached(UserError):
    """The customer's daily allowance of portal requests is used up."""


class AccountMove(models.Model):
    """Customer self-service on an invoice: promise to pay, dispute, payment plan request.

    The portal controller calls these methods on the invoice it has checked the access to,
    in sudo; each method validates its input, refuses politely what the company's limits
    forbid, and records the action exactly as a collector's action is recorded, marked as
    made by the customer.
    """

    _inherit = "account.move"

    # ------------------------------------------------------------------
    # Links from collection emails
    # ------------------------------------------------------------------

    def _ar_portal_link_token(self):
        """A signed token letting whoever holds the email act on this invoice without login, for a while."""
        self.ensure_one()
        hours = self.company_id.ar_portal_link_days * 24
        return hash_sign(self.sudo().env, PORTAL_LINK_SCOPE, [self.id], expiration_hours=hours)

    def _ar_portal_check_link(self, token):
        """Whether ``token`` is an unexpired link to this invoice, as signed by ``_ar_portal_link_token``."""
        self.ensure_one()
        if not token:
            return False
        try:
            values = verify_hash_signed(self.sudo().env, PORTAL_LINK_SCOPE, token)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return False
        return values == [self.id]

    def _ar_ensure_portal_tokens(self):
        """Give these invoices their portal access token in one query (``_portal_ensure_token`` writes one by one)."""
        missing = self.filtered(lambda move: not move.access_token)
        if missing:
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET access_token = gen_random_uuid()::text "
                    "WHERE id IN %s AND access_token IS NULL",
                    tuple(missing.ids),
                )
            )
            missing.invalidate_recordset(["access_token"])

    def _ar_portal_url(self):
        """The full address of this invoice in the portal, as put in collection emails."""
        self.ensure_one()
        invoice = self.sudo()
        query = f"&ar_link={self._ar_portal_link_token()}"
        return invoice.get_base_url() + invoice.get_portal_url(query_string=query)

    # ------------------------------------------------------------------
    # What the customer may do
    # ------------------------------------------------------------------

    def _ar_portal_options(self):
        """What the portal offers on this invoice: the actions open to the customer and the limits."""
        self.ensure_one()
        company = self.company_id
        today = fields.Date.context_today(self)
        available = company.ar_portal_enabled and self._ar_is_open_invoice() and not self.ar_excluded
        pending_plan = self._ar_portal_pending_plan()
        return {
            "available": available,
            "can_promise": available and not (self.ar_promise_id or self.ar_dispute_id or self.ar_plan_id),
            "can_dispute": available and not self.ar_dispute_id,
            "can_request_plan": available and not (self.ar_plan_id or pending_plan),
            "promise": self.ar_promise_id,
            "dispute": self.ar_dispute_id,
            "plan": self.ar_plan_id or pending_plan,
            "min_date": today,
            "max_date": today + timedelta(days=company.ar_portal_promise_max_days),
            "max_instalments": company.ar_portal_plan_max_instalments,
            "reasons": self.env["ar.collection.dispute"]._fields["reason"]._description_selection(self.env),
        }

    def _ar_portal_pending_plan(self):
        return (
            self.env["ar.payment.plan"]
            .sudo()
            .search([("move_ids", "in", self.ids), ("state", "=", "draft"), ("by_customer", "=", True)], limit=1)
        )

    def _ar_portal_check_request(self):
        """Refuse any portal request on a closed invoice or beyond the customer's daily allowance;
        return the invoice's portal options for the request to check its own conditions."""
        self.ensure_one()
        company = self.company_id
        options = self._ar_portal_options()
        if not options["available"]:
            raise UserError(
                self.env._(
                    "Invoice %s cannot be handled online any more (it is paid, cancelled or handled by our "
                    "team). Please contact us if you have a question.",
                    self.name,
                )
            )
        self.env["ar.credit.profile"]._get_or_create(self.partner_id, company).sudo()._lock_portal_requests()
        since = fields.Datetime.now() - timedelta(days=1)
        recent = (
            self.env["ar.collection.event"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("by_customer", "=", True),
                    ("date", ">=", since),
                ]
            )
        )
        if recent >= company.ar_portal_daily_requests:
            raise PortalRequestLimitReached(self._ar_portal_limit_message())
        return options

    def _ar_portal_limit_message(self):
        """What a customer who used up its daily allowance of portal requests reads."""
        company = self.company_id
        return self.env._(
            "We have already received %(count)s requests from you today. To avoid duplicates, new "
            "requests are accepted again tomorrow; for anything urgent, please contact %(company)s.",
            count=company.ar_portal_daily_requests,
            company=company.name,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _ar_portal_promise(self, promised_date, amount, note=""):
        """Record the customer's promise to pay this invoice, exactly as a collector records one."""
        self.ensure_one()
        note = self._ar_portal_text(note)
        options = self._ar_portal_check_request()
        if not options["can_promise"]:
            raise UserError(
                self.env._(
                    "A promise, a dispute or a payment plan is already recorded on invoice %s: no new promise is "
                    "needed.",
                    self.name,
                )
            )
        promised_date = self._ar_portal_date(promised_date)
        if not options["min_date"] <= promised_date <= options["max_date"]:
            raise UserError(
                self.env._(
                    "Choose a payment date between today and %(date)s (within %(days)s days).",
                    date=fields.Date.to_string(options["max_date"]),
                    days=self.company_id.ar_portal_promise_max_days,
                )
            )
        amount = self._ar_portal_amount(amount)
        partner = self.commercial_partner_id
        broken = (
            self.env["ar.collection.promise"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "broken"),
                    ("closed_on", ">=", fields.Date.context_today(self) - BROKEN_PROMISE_MEMORY),
                ]
            )
        )
        if broken:
            raise UserError(
                self.env._(
                    "A recent promise to pay was not kept, so we cannot record a new promise online. Please pay "
                    "the invoice now, or contact %s to agree on a solution.",
                    self.company_id.name,
                )
            )
        by_customer = self.with_context(ar_by_customer=True)
        promise = (
            by_customer.env["ar.collection.promise"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company_id.id,
                    "move_ids": [(6, 0, self.ids)],
                    "promised_date": promised_date,
                    "amount": amount,
                    "contact_name": self._ar_portal_author().name,
                    "user_id": False,
                    "note": note or False,
                }
            )
        )
        message = self.env._(
            "Promise to pay made by the customer in the portal: %(amount)s by %(date)s.",
            amount=self.currency_id.format(amount),
            date=fields.Date.to_string(promised_date),
        )
        by_customer._ar_portal_log(
            "promise", message, note, promise_id=promise.id, promised_date=promised_date, promised_amount=amount
        )
        self._ar_portal_notify(message, note)
        return promise

    def _ar_portal_dispute(self, reason, message, attachment=None):
        """Open a dispute on this invoice for the customer: the escalation pauses, the collector is told.

        ``attachment`` is an optional ``(file name, content bytes)`` pair.
        """
        self.ensure_one()
        if not self._ar_portal_check_request()["can_dispute"]:
            raise UserError(self.env._("Invoice %s is already disputed: our team is looking into it.", self.name))
        if reason not in dict(DISPUTE_REASONS):
            raise UserError(self.env._("Choose the reason of the dispute from the list."))
        message = self._ar_portal_text(message)
        if not message:
            raise UserError(self.env._("Tell us what is wrong with the invoice, so that we can look into it."))
        if attachment:
            self._ar_portal_check_attachment(*attachment)
        profile = self.env["ar.credit.profile"]._get_or_create(self.partner_id, self.company_id)
        by_customer = self.with_context(ar_by_customer=True)
        dispute = (
            by_customer.env["ar.collection.dispute"]
            .sudo()
            .create(
                {
                    "move_id": self.id,
                    "reason": reason,
                    "note": message,
                    "by_customer": True,
                    "user_id": profile._collector().id,
                }
            )
        )
        if attachment and attachment[1]:
            self.env["ir.attachment"].sudo().create(
                {
                    "name": attachment[0] or "attachment",
                    "raw": attachment[1],
                    "res_model": "ar.collection.dispute",
                    "res_id": dispute.id,
                }
            )
        self._ar_portal_notify(
            self.env._("Dispute opened by the customer in the portal (%s).", dispute._reason_label()), message
        )
        return dispute

    def _ar_portal_request_plan(self, instalments, note=""):
        """Create a draft payment plan the customer asks for; a credit manager approves or declines it."""
        self.ensure_one()
        note = self._ar_portal_text(note)
        if not self._ar_portal_check_request()["can_request_plan"]:
            raise UserError(self.env._("A payment plan already covers or awaits approval for invoice %s.", self.name))
        maximum = self.company_id.ar_portal_plan_max_instalments
        try:
            count = int(instalments)
        except (TypeError, ValueError):
            count = 0
        if not 2 <= count <= maximum:
            raise UserError(
                self.env._("Choose between 2 and %s monthly instalments.", maximum)
                if maximum >= 2
                else self.env._("Payment plans cannot be requested online: please contact us.")
            )
        profile = self.env["ar.credit.profile"]._get_or_create(self.partner_id, self.company_id)
        if profile.blacklisted:
            raise UserError(
                self.env._(
                    "We are sorry, a payment plan cannot be arranged online for your account. Please contact %s.",
                    self.company_id.name,
                )
            )
        plan = (
            self.env["ar.payment.plan"]
            .sudo()
            ._create_request(
                self,
                count,
                note,
                self.env._("Approve or decline the payment plan requested by %s", self.commercial_partner_id.name),
            )
        )
        message = self.env._(
            "Payment plan requested by the customer in the portal: %(count)s monthly instalments for %(amount)s.",
            count=count,
            amount=self.currency_id.format(plan.amount_total),
        )
        self.with_context(ar_by_customer=True)._ar_portal_log("plan", message, note, plan_id=plan.id)
        self._ar_portal_notify(message, note)
        return plan

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _ar_portal_date(self, value):
        try:
            date = fields.Date.to_date(value)
        except (TypeError, ValueError):
            date = None
        if not date:
            raise UserError(self.env._("Enter the payment date as a date, e.g. %s.", fields.Date.context_today(self)))
        return date

    def _ar_portal_amount(self, value):
        try:
            amount = float(value)
        except (TypeError, ValueError):
            amount = 0.0
        if not math.isfinite(amount):
            amount = 0.0
        residual = self.amount_residual
        if self.currency_id.round(amount) <= 0 or self.currency_id.compare_amounts(amount, residual) > 0:
            raise UserError(
                self.env._(
                    "Enter an amount greater than 0 and at most the amount due, %s.", self.currency_id.format(residual)
                )
            )
        return self.currency_id.round(amount)

    def _ar_portal_text(self, value):
        """A message the customer wrote, stripped; refused when it is too long."""
        value = (value or "").strip()
        if len(value) > MAX_TEXT_LENGTH:
            raise UserError(
                self.env._(
                    "Your message is %(length)s characters long: please keep it within %(max)s characters "
                    "(attach a document for more).",
                    length=len(value),
                    max=MAX_TEXT_LENGTH,
                )
            )
        return value

    def _ar_portal_check_attachment(self, name, content):
        """Refuse a file the customer joins if it is too large, or not a document or image we accept:
        its extension and its content must both be of an accepted type."""
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise UserError(self.env._("The attached file is larger than 10 MB: send a smaller file."))
        extension = os.path.splitext(name or "")[1].lower().lstrip(".")
        if guess_mimetype(content) not in ATTACHMENT_TYPES.get(extension, ()):
            raise UserError(
                self.env._(
                    "The attached file is not a document we accept. Send a PDF, an image (PNG, JPEG, GIF, WebP), "
                    "an office document (Word, Excel, OpenDocument) or a text or CSV file."
                )
            )

    def _ar_portal_author(self):
        """Who acts: the logged-in contact the controller names, or the customer itself for an email link."""
        author = self.env["res.partner"].browse(self.env.context.get("ar_portal_author_id")).exists()
        if author and author.commercial_partner_id == self.commercial_partner_id:
            return author
        return self.commercial_partner_id

    def _ar_portal_log(self, kind, message, note, **values):
        note = "\n".join(filter(None, (message, note)))
        return self.env["ar.collection.event"]._log(
            self.commercial_partner_id, self.company_id, kind, moves=self, by_customer=True, note=note, **values
        )

    def _ar_portal_notify(self, message, note):
        """Post the action in the invoice's chatter, as the customer, and notify the collector."""
        profile = self.env["ar.credit.profile"]._get_or_create(self.partner_id, self.company_id)
        collector = profile._collector()
        body = plaintext2html("\n".join(filter(None, (message, note))))
        self.sudo().message_post(
            body=body,
            author_id=self._ar_portal_author().id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=collector.partner_id.ids,
        )
