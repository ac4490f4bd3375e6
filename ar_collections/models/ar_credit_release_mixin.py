"""Releasing a document that the credit check blocks: who may, what is kept, how it reads.

``ar.credit.release.mixin`` gives sale orders (here) and deliveries (ar_collections_stock)
one release flow: the release fields, the guard that lets only a credit manager set them
(on create and on write), the entry to the release wizard (``ar.credit.release.wizard``),
the release itself (``_ar_credit_release``: who, when and why, a ledger event on the
customer, a note on the document) and the wording of the error that names who can release.
A document (a ``mail.thread`` with a company) says why it is blocked, whose credit it is
and what happens once released.
"""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.tools import plaintext2html

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import requires_group

# Only the release flow writes the release fields. Its mark is this object in the context:
# no RPC call can send it (JSON has no object identity), so no context key a caller sends
# unlocks them.
RELEASE_FLOW = object()


class ArCreditReleaseMixin(models.AbstractModel):
    _name = "ar.credit.release.mixin"
    _description = "Release from a Credit Block"

    ar_credit_release_reason = fields.Text(
        string="Credit Release Reason", copy=False, readonly=True, groups=INTERNAL_USER_GROUP
    )
    ar_credit_released_by_id = fields.Many2one(
        "res.users", string="Credit Released By", copy=False, readonly=True, groups=INTERNAL_USER_GROUP
    )
    ar_credit_released_on = fields.Datetime(
        string="Credit Released On", copy=False, readonly=True, groups=INTERNAL_USER_GROUP
    )
    ar_credit_release_terms = fields.Char(
        string="Released For",
        copy=False,
        readonly=True,
        groups=INTERNAL_USER_GROUP,
        help="What the release was given for (customer, invoicing partner, currency): changing any voids it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(self._ar_release_fields() & set(vals) for vals in vals_list):
            self._ar_refuse_release_fields()
        return super().create(vals_list)

    def write(self, vals):
        if self._ar_release_fields() & set(vals) and self.env.context.get("ar_release_flow") is not RELEASE_FLOW:
            self._ar_refuse_release_fields()
        released = self.filtered("ar_credit_released_by_id") if self._ar_release_terms_fields() & set(vals) else ()
        terms = {document: document._ar_release_terms() for document in released}
        result = super().write(vals)
        voided = [document for document, before in terms.items() if document._ar_release_terms() != before]
        if voided:
            self.browse().union(*voided)._ar_void_release()
        return result

    def _ar_refuse_release_fields(self):
        raise AccessError(
            self.env._(
                "A credit release is given through its button (%(action)s) by a credit manager, with a "
                "reason; it cannot be written on a document.",
                action=self._ar_release_action_name(),
            )
        )

    def _ar_write_release(self, values):
        """Write the release fields: the release flow's own door."""
        return self.with_context(ar_release_flow=RELEASE_FLOW).write(values)

    def _ar_release_terms(self):
        """What a release of this document is bound to, as a string: documents add theirs."""
        self.ensure_one()
        customer = self._ar_release_customer().commercial_partner_id
        return f"customer:{customer.id},company:{self.company_id.id}"

    def _ar_release_terms_fields(self):
        """Fields whose change can change ``_ar_release_terms``."""
        return {"partner_id", "company_id"}

    def _ar_credit_released(self):
        """Whether a credit manager released this document for what it is now."""
        self.ensure_one()
        return bool(self.ar_credit_released_by_id) and self.ar_credit_release_terms == self._ar_release_terms()

    def _ar_void_release(self):
        """The document changed what its release was given for: the release no longer holds."""
        self._ar_write_release(dict.fromkeys(self._ar_release_fields(), False))
        for document in self:
            document.sudo().message_post(
                body=self.env._(
                    "The credit release no longer applies: the customer, invoicing partner or currency changed."
                ),
                subtype_xmlid="mail.mt_note",
            )

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_ar_release_credit(self):
        """Open the release wizard on this document."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self._ar_release_action_name(),
            "res_model": "ar.credit.release.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def _ar_credit_release(self, reason, amount=None):
        """Release this document (credit manager, with a reason): record it, log it on the customer
        and on the document. Documents extend it to go on (confirm the order, validate the delivery)."""
        self.ensure_one()
        self._ar_check_release_rights()
        summary = self._ar_credit_block_summary()
        self._ar_write_release(self._ar_release_values(reason, amount))
        profile = self.env["ar.credit.profile"]._get_or_create(self._ar_release_customer(), self.company_id)
        profile._log_event(
            "release",
            self.env._("%(document)s released: %(reason)s", document=self._ar_release_document_name(), reason=reason),
            **self._ar_release_event_values(),
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
        return True

    # ------------------------------------------------------------------
    # What each document says
    # ------------------------------------------------------------------

    def _ar_credit_block_summary(self):
        """Why this document is blocked, one line per cause ('' if it is not): the release wizard shows it."""
        raise NotImplementedError

    def _ar_release_customer(self):
        """The customer whose credit blocks this document: the release is logged on its profile."""
        raise NotImplementedError

    def _ar_release_document_name(self):
        """This document as the release's messages name it, e.g. "Order S00012"."""
        raise NotImplementedError

    def _ar_release_action_name(self):
        """The label of the release button on this document, as the messages quote it."""
        raise NotImplementedError

    def _ar_release_fields(self):
        """Fields only the release flow may write."""
        return {
            "ar_credit_release_reason",
            "ar_credit_released_by_id",
            "ar_credit_released_on",
            "ar_credit_release_terms",
        }

    def _ar_release_values(self, reason, amount=None):
        """What a release writes on this document (``amount``: up to which total, where it has one)."""
        return {
            "ar_credit_release_reason": reason,
            "ar_credit_released_by_id": self.env.user.id,
            "ar_credit_released_on": fields.Datetime.now(),
            "ar_credit_release_terms": self._ar_release_terms(),
        }

    def _ar_release_event_values(self):
        """Extra values of the ledger event that logs the release (e.g. the order it concerns)."""
        return {}

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _ar_check_release_rights(self):
        self.env["ar.credit.profile"]._check_credit_manager(
            self.env._(
                "Only a Collections / Credit Manager can release a document blocked by the credit check. "
                "Ask a credit manager."
            )
        )

    def _ar_credit_managers(self):
        """Who can release this document: the company's credit managers, the appointed one first."""
        return self.env["ar.credit.profile"]._credit_managers(self.company_id)

    def _ar_blocked_message(self, header, summary):
        """The error a user meets on this blocked document: what, why (``summary``) and who can release it."""
        managers = self._ar_credit_managers()
        footer = self.env._(
            'A credit manager (%(managers)s) can release %(document)s with a reason ("%(action)s").',
            managers=", ".join(managers.mapped("name")[:3]) or self.env._("none appointed yet"),
            document=self._ar_release_document_name(),
            action=self._ar_release_action_name(),
        )
        return f"{header}\n{summary}\n{footer}"
