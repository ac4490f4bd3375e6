"""Legal files (法律诉讼档案): a customer's debt handed over to legal action, with its evidence."""

import io

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL
from odoo.tools import pdf

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group


class ArLegalFile(models.Model):
    """A customer's debt handed over to legal action, with its evidence."""

    _name = "ar.legal.file"
    _description = "Legal File"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(default=lambda self: self.env._("New"), copy=False, readonly=True)
    profile_id = fields.Many2one("ar.credit.profile", required=True, index=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="profile_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="profile_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_ids = fields.Many2many("account.move", string="Unpaid Invoices", check_company=True)
    amount_claimed = fields.Monetary(help="Overdue amount when the file was opened.")
    amount_open = fields.Monetary(compute="_compute_amount_open", string="Still Open")
    lawyer_id = fields.Many2one(
        "res.partner",
        string="Law Firm",
        default=lambda self: self.env.company.ar_law_firm_id,
        tracking=True,
    )
    state = fields.Selection(
        [("open", "Preparing"), ("filed", "Filed"), ("closed", "Closed")],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    note = fields.Text()
    bundle_id = fields.Many2one("ir.attachment", string="Evidence Bundle", readonly=True, copy=False)

    @api.depends("move_ids.amount_residual_signed")
    def _compute_amount_open(self):
        for legal_file in self:
            legal_file.amount_open = sum(legal_file.move_ids.mapped("amount_residual_signed"))

    @api.model_create_multi
    def create(self, vals_list):
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [("code", "=", "ar.legal.file"), ("company_id", "in", [self.env.company.id, False])],
                order="company_id",
                limit=1,
            )
        )
        for vals, name in zip(vals_list, _next_names(sequence, len(vals_list)), strict=True):
            vals["name"] = name or self.env._("New")
        return super().create(vals_list)

    @api.model
    def _open_for(self, plans):
        """Open a legal file for each collection plan's customer that has none open; return
        the legal files of these customers (the ledger logs each opening)."""
        if not plans:
            return self.browse()
        # The ledger logs each opening: no "created" note nor follower on each new legal file.
        LegalFile = self.sudo().with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        profiles = self.env["ar.credit.profile"].union(*(plan.profile for plan in plans))
        open_files = LegalFile.search([("profile_id", "in", profiles.ids), ("state", "!=", "closed")])
        having = set(open_files.profile_id.ids)
        opening = [plan for plan in plans if plan.profile.id not in having]
        opened = LegalFile.create(
            [
                {
                    "profile_id": plan.profile.id,
                    "move_ids": [Command.set(plan.listed.ids)],
                    "amount_claimed": plan.amount_due,
                }
                for plan in opening
            ]
        )
        self.env["ar.collection.event"]._log_many(
            [
                {
                    "partner": plan.profile.partner_id,
                    "company": plan.profile.company_id,
                    "kind": "legal",
                    "moves": plan.listed,
                    "stage_id": plan.highest("open_legal_file").id,
                    "note": self.env._("Legal file %s opened", legal_file.name),
                }
                for plan, legal_file in zip(opening, opened, strict=True)
            ]
        )
        return open_files | opened

    def _today(self):
        return fields.Date.context_today(self)

    def _ledger(self):
        """Every collection event of the customer, oldest first: the history the court reads."""
        return self.env["ar.collection.event"].search(
            [("partner_id", "=", self.partner_id.id), ("company_id", "=", self.company_id.id)], order="date, id"
        )

    def _replies(self):
        """The customer's replies to collection emails (automatic ones aside), oldest first:
        what the debtor said is evidence too."""
        return self._ledger().filtered(lambda event: event.kind == "reply" and not event.auto_reply)

    def _bundle_parts(self):
        """The PDFs of the evidence bundle, in order: summary, ledger and the customer's replies,
        statement of account, each unpaid invoice, each related sale order and the PDF documents
        attached to it, then the PDF documents the customer sent with its replies."""
        self.ensure_one()
        Report = self.env["ir.actions.report"].sudo()
        parts = [Report._render_qweb_pdf("ar_collections.report_legal_cover", self.ids)[0]]
        first_invoice = min(self.move_ids.mapped("invoice_date") or [fields.Date.context_today(self)])
        parts.append(
            Report._render_qweb_pdf(
                "ar_collections.report_statement",
                self.partner_id.ids,
                data={"date_from": str(first_invoice), "date_to": str(fields.Date.context_today(self))},
            )[0]
        )
        for invoice in self.move_ids:
            parts.append(Report._render_qweb_pdf("account.account_invoices", invoice.ids)[0])
        orders = self.move_ids.invoice_line_ids.sale_line_ids.order_id
        for order in orders:
            parts.append(Report._render_qweb_pdf("sale.action_report_saleorder", order.ids)[0])
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .search(
                    [("res_model", "=", "sale.order"), ("res_id", "=", order.id), ("mimetype", "=", "application/pdf")]
                )
            )
            parts.extend(attachment.raw for attachment in attachments)
        received = self._replies().reply_attachment_ids.sudo()
        parts.extend(
            attachment.raw
            for attachment in received
            if attachment.mimetype == "application/pdf" and _readable_pdf(attachment.raw)
        )
        return parts

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_build_bundle(self):
        """Build the evidence bundle (one PDF) and keep it on the legal file."""
        for legal_file in self:
            content = pdf.merge_pdf(legal_file._bundle_parts())
            attachment = self.env["ir.attachment"].create(
                {
                    "name": self.env._(
                        "Evidence bundle - %(customer)s - %(file)s.pdf",
                        customer=legal_file.partner_id.name,
                        file=legal_file.name,
                    ),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": legal_file.id,
                }
            )
            legal_file.bundle_id = attachment
            legal_file.message_post(body=self.env._("Evidence bundle built."), attachment_ids=attachment.ids)
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_file(self):
        self.state = "filed"

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_close(self):
        self.state = "closed"


def _readable_pdf(content):
    """Whether ``content`` is a PDF the bundle can include (a customer may send a broken one:
    it is listed with its reply, not merged)."""
    try:
        return bool(len(pdf.PdfFileReader(io.BytesIO(content), strict=False).pages))
    except Exception:
        return False


def _next_names(sequence, count):
    """The next ``count`` names of ``sequence``: a plain PostgreSQL sequence gives them all in
    one query (its increment is the sequence's own), the others one by one."""
    if not sequence:
        return [None] * count
    if count > 1 and sequence.implementation == "standard" and not sequence.use_date_range:
        sequence.env.cr.execute(
            SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"ir_sequence_{sequence.id:03d}", count)
        )
        return [sequence.get_next_char(number) for (number,) in sequence.env.cr.fetchall()]
    return [sequence._next() for _index in range(count)]
