"""Legal files (法律诉讼档案): a customer's debt handed over to legal action, with its evidence,
followed as a case: its route (payment order, suit, arbitration, preservation, enforcement, a
collection agency), the body that hears it, its dates, its costs and what it recovered."""

import io
from dataclasses import dataclass
from dataclasses import field

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools import format_date
from odoo.tools import pdf

from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import requires_group


@dataclass
class Exhibit:
    """One line of the index of evidence: what it is, what it proves, its PDFs, and the
    documents that are listed without being merged (scans that are images, broken PDFs)."""

    title: str
    purpose: str
    pdfs: list
    listed: list = field(default_factory=list)


CASE_ROUTES = [
    ("payment_order", "Payment order (支付令)"),
    ("lawsuit", "Lawsuit (诉讼)"),
    ("arbitration", "Arbitration (仲裁)"),
    ("preservation", "Preservation of assets (财产保全)"),
    ("enforcement", "Enforcement (强制执行)"),
    ("agency", "Collection agency (委托催收)"),
]
CASE_OUTCOMES = [
    ("paid", "Paid in full"),
    ("settled", "Settled"),
    ("won", "Judgment for us"),
    ("partial", "Partly recovered"),
    ("lost", "Judgment against us"),
    ("withdrawn", "Withdrawn"),
    ("uncollectible", "Uncollectible"),
]


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
    # ---- the case ----
    route = fields.Selection(
        CASE_ROUTES,
        tracking=True,
        index=True,
        help="How the debt is pursued: a payment order (支付令), a suit (诉讼), arbitration (仲裁), the "
        "preservation of assets (财产保全), enforcement of a judgment (强制执行), or a collection agency (委托催收).",
    )
    body_id = fields.Many2one(
        "res.partner", string="Court / Arbitration Body / Agency", tracking=True, help="Who hears or works the case."
    )
    case_number = fields.Char(tracking=True)
    handover_date = fields.Date(string="Handed Over On", readonly=True, tracking=True, copy=False)
    filing_date = fields.Date(
        tracking=True, copy=False, help="The day the suit or arbitration was filed: it restarts the limitation period."
    )
    hearing_date = fields.Date(tracking=True, copy=False)
    judgment_date = fields.Date(string="Judgment / Award Date", tracking=True, copy=False)
    outcome = fields.Selection(CASE_OUTCOMES, tracking=True, copy=False)
    cost_ids = fields.One2many("ar.legal.cost", "legal_file_id", string="Costs")
    amount_costs = fields.Monetary(string="Total Costs", compute="_compute_amounts", store=True)
    amount_recovered = fields.Monetary(
        string="Recovered",
        compute="_compute_amounts",
        store=True,
        help="What the customer paid on the claimed invoices since the file opened.",
    )
    amount_net = fields.Monetary(
        string="Net Recovery", compute="_compute_amounts", store=True, help="Recovered minus the case's costs."
    )
    state = fields.Selection(
        [("open", "Preparing"), ("handed", "Handed Over"), ("filed", "Filed"), ("closed", "Closed")],
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

    @api.depends("cost_ids.amount", "amount_claimed", "move_ids.amount_residual_signed")
    def _compute_amounts(self):
        for legal_file in self:
            open_now = sum(legal_file.move_ids.mapped("amount_residual_signed"))
            legal_file.amount_costs = sum(legal_file.cost_ids.mapped("amount"))
            legal_file.amount_recovered = max(legal_file.amount_claimed - open_now, 0.0)
            legal_file.amount_net = legal_file.amount_recovered - legal_file.amount_costs

    @api.constrains("filing_date", "hearing_date", "judgment_date")
    def _check_dates(self):
        for legal_file in self:
            dates = [legal_file.filing_date, legal_file.hearing_date, legal_file.judgment_date]
            known = [day for day in dates if day]
            if known != sorted(known):
                raise ValidationError(
                    self.env._("In %s, the case is filed, then heard, then judged: correct the dates.", legal_file.name)
                )

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

    def _court_lang(self):
        """The language of the bundle: the court's (a company setting), not the debtor's."""
        company = self.company_id
        return company.ar_court_lang or company.partner_id.lang or self.env.lang or "en_US"

    def _letters_sent(self):
        """The letters and emails that went out to the customer (failed ones aside), oldest first."""
        return self._ledger().filtered(lambda event: event.kind in ("email", "letter") and not event.failed)

    def _acknowledgements(self):
        return self._ledger().filtered(lambda event: event.kind == "acknowledgement")

    def _exhibits(self):
        """The evidence, in the order a court reads it, as [Exhibit]: the contract (the sale
        orders and the documents attached to them: delivery notes, signed orders), the
        invoices, the statement of account, the slips the customer signed and returned, every
        letter sent with its proof of service, the customer's replies, then the collection
        ledger (promises and acknowledgements included). Call in the court's language."""
        self.ensure_one()
        Report = self.env["ir.actions.report"].sudo()
        Attachment = self.env["ir.attachment"].sudo()
        exhibits = []
        orders = self.move_ids.invoice_line_ids.sale_line_ids.order_id
        if orders:
            documents = Attachment.search(
                [("res_model", "=", "sale.order"), ("res_id", "in", orders.ids), ("mimetype", "=", "application/pdf")]
            )
            exhibits.append(
                Exhibit(
                    self.env._("Sale orders %s and the documents attached to them", ", ".join(orders.mapped("name"))),
                    self.env._("The sale contract between the parties, its price and payment terms, and the delivery"),
                    [Report._render_qweb_pdf("sale.action_report_saleorder", orders.ids)[0], *_pdfs(documents)],
                )
            )
        exhibits.append(
            Exhibit(
                self.env._("Invoices %s", ", ".join(self.move_ids.mapped("name"))),
                self.env._("The amounts invoiced and their due dates"),
                [Report._render_qweb_pdf("account.account_invoices", invoice.ids)[0] for invoice in self.move_ids],
            )
        )
        first_invoice = min(self.move_ids.mapped("invoice_date") or [self._today()])
        exhibits.append(
            Exhibit(
                self.env._("Statement of account on %s", format_date(self.env, self._today())),
                self.env._("The balance the debtor owes"),
                [
                    Report._render_qweb_pdf(
                        "ar_collections.report_statement",
                        self.partner_id.ids,
                        data={
                            "date_from": str(first_invoice),
                            "date_to": str(self._today()),
                            "lang": self._court_lang(),
                        },
                    )[0]
                ],
            )
        )
        slips = self._acknowledgements().attachment_id.sudo()
        if slips:
            exhibits.append(
                Exhibit(
                    self.env._("Slips signed and returned by the debtor"),
                    self.env._("The debtor acknowledged the debt (which restarts the limitation period)"),
                    _pdfs(slips),
                    _not_merged(slips),
                )
            )
        letters = self._letters_sent().filtered("attachment_id")
        proofs = self._letters_sent().service_proof_id.sudo()
        if letters or proofs:
            exhibits.append(
                Exhibit(
                    self.env._("Collection letters sent and their proof of service"),
                    self.env._(
                        "The creditor claimed payment and the claims reached the debtor (restarting the limitation)"
                    ),
                    _pdfs(letters.attachment_id.sudo()) + _pdfs(proofs),
                    _not_merged(proofs),
                )
            )
        received = self._replies().reply_attachment_ids.sudo()
        if self._replies():
            exhibits.append(
                Exhibit(
                    self.env._("The debtor's replies to our collection emails and the documents attached to them"),
                    self.env._("What the debtor said about the debt"),
                    _pdfs(received),
                )
            )
        exhibits.append(
            Exhibit(
                self.env._("Collection ledger"),
                self.env._("The course of the collection: letters, calls, promises to pay and acknowledgements"),
                [Report._render_qweb_pdf("ar_collections.report_legal_cover", self.ids)[0]],
            )
        )
        return [exhibit for exhibit in exhibits if exhibit.pdfs or exhibit.listed]

    def _bundle_parts(self):
        """The PDFs of the evidence bundle after its index, in order (see `_exhibits`)."""
        return [pdf for exhibit in self.with_context(lang=self._court_lang())._exhibits() for pdf in exhibit.pdfs]

    def _render_index(self, exhibits):
        """The index of evidence (证据目录): number, evidence, what it proves, pages. Its own pages
        come first, so the page ranges are counted after them."""
        Report = self.env["ir.actions.report"].sudo()
        index_pages, pdf_index = 1, None
        for _attempt in range(3):
            rows, page = [], index_pages + 1
            for number, exhibit in enumerate(exhibits, 1):
                count = sum(_page_count(content) for content in exhibit.pdfs)
                rows.append(
                    {
                        "number": number,
                        "title": exhibit.title,
                        "purpose": exhibit.purpose,
                        "listed": exhibit.listed,
                        "pages": (f"{page}-{page + count - 1}" if count > 1 else str(page)) if count else "",
                    }
                )
                page += count
            pdf_index = Report._render_qweb_pdf(
                "ar_collections.report_legal_index", self.ids, data={"rows": rows, "lang": self._court_lang()}
            )[0]
            if _page_count(pdf_index) == index_pages:
                break
            index_pages = _page_count(pdf_index)
        return pdf_index

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_build_bundle(self):
        """Build the evidence bundle (one PDF, its index of evidence first) and keep it on the legal file."""
        for legal_file in self:
            in_court_lang = legal_file.with_context(lang=legal_file._court_lang())
            exhibits = in_court_lang._exhibits()
            index = in_court_lang._render_index(exhibits)
            content = pdf.merge_pdf([index] + [part for exhibit in exhibits for part in exhibit.pdfs])
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

    def write(self, vals):
        result = super().write(vals)
        if "filing_date" in vals or "move_ids" in vals:
            # A suit filed restarts the limitation period of the invoices it claims.
            self.move_ids.sudo()._ar_refresh_limitation()
        return result

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_hand_over(self):
        """Hand the file to its law firm or agency: build the evidence bundle and log the handover."""
        for legal_file in self:
            if not legal_file.lawyer_id:
                raise UserError(
                    self.env._("Choose the law firm or agency %s is handed over to first.", legal_file.name)
                )
            legal_file.action_build_bundle()
            legal_file.write({"state": "handed", "handover_date": fields.Date.context_today(self)})
            self.env["ar.collection.event"]._log(
                legal_file.partner_id,
                legal_file.company_id,
                "legal",
                moves=legal_file.move_ids,
                attachment_id=legal_file.bundle_id.id,
                note=self.env._(
                    "Legal file %(file)s handed over to %(firm)s with its evidence bundle",
                    file=legal_file.name,
                    firm=legal_file.lawyer_id.name,
                ),
            )
        return True

    @requires_group(CREDIT_MANAGER_GROUP)
    def action_file(self):
        for legal_file in self:
            legal_file.write(
                {"state": "filed", "filing_date": legal_file.filing_date or fields.Date.context_today(self)}
            )

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


def _pdfs(attachments):
    """The contents of ``attachments`` that are PDFs the bundle can merge, in order."""
    return [
        attachment.raw
        for attachment in attachments
        if attachment.mimetype == "application/pdf" and _readable_pdf(attachment.raw)
    ]


def _not_merged(attachments):
    """The names of ``attachments`` the bundle cannot merge (scans as images): listed, handed over apart."""
    return [attachment.name for attachment in attachments if attachment.raw not in _pdfs(attachment)]


def _page_count(content):
    return len(pdf.PdfFileReader(io.BytesIO(content), strict=False).pages)


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
