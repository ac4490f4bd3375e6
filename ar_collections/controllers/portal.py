import math
from datetime import date
from urllib.parse import urlencode

from werkzeug.datastructures import FileStorage

from odoo import fields
from odoo import http
from odoo.exceptions import AccessError
from odoo.exceptions import MissingError
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.account.controllers.portal import PortalAccount

from ..models.account_move_portal import MAX_ATTACHMENT_BYTES
from ..models.account_move_portal import PortalRequestLimitReached

ACTIONS = ("promise", "dispute", "plan")
# What the invoice page says after an action: a code in the address, the text here (an
# address never carries the text itself; unknown codes show nothing).
DONE_MESSAGES = {"promise": "promise_saved", "dispute": "dispute_saved", "plan": "plan_requested"}
# The fields of each action's form that are text (anything else sent under these names is malformed).
ACTION_TEXT_FIELDS = {
    "promise": ("promised_date", "amount", "note"),
    "dispute": ("reason", "message"),
    "plan": ("instalments", "note"),
}
# Room for the other fields of the dispute form around its file, in the request's size.
FORM_OVERHEAD_BYTES = 64 * 1024
# Longest text kept from a portal form field.
MAX_TEXT = 4000
# Largest id PostgreSQL's integer columns hold: a larger one in an address is simply not found.
MAX_ID = 2**31 - 1


class ArCollectionsPortal(PortalAccount):
    """Customer self-service: statement of account, and collection actions on an invoice.

    Invoices are reached as Odoo's portal reaches them: by a logged-in user allowed to read
    them, or with the invoice's access token. Acting on an invoice (promise, dispute, plan
    request) also needs the customer to be logged in as a contact of the invoiced company,
    or to come from the unexpired signed link of a collection email.
    """

    # ------------------------------------------------------------------
    # Home and statement of account
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ar_statement_count" in counters:
            values["ar_statement_count"] = 1 if self._ar_customer().customer_rank or self._ar_has_receivable() else 0
        return values

    def _ar_customer(self):
        return request.env.user.partner_id.commercial_partner_id

    def _ar_has_receivable(self):
        return bool(
            request.env["account.move.line"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "child_of", self._ar_customer().id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                ],
                limit=1,
            )
        )

    def _ar_statement_period(self, date_from, date_to):
        """The period asked for, defaulting to the year to date; an error message when it is not valid."""
        today = fields.Date.context_today(request.env.user)
        try:
            start = fields.Date.to_date(date_from) if date_from else date(today.year, 1, 1)
            end = fields.Date.to_date(date_to) if date_to else today
        except (TypeError, ValueError):
            return date(today.year, 1, 1), today, request.env._("Enter the dates of the period as dates.")
        if start > end:
            return end, end, request.env._("The statement period ends before it starts: check the dates.")
        return start, end, None

    @http.route("/my/statement", type="http", auth="user", website=True)
    def portal_ar_statement(self, date_from=None, date_to=None, **kw):
        start, end, error = self._ar_statement_period(date_from, date_to)
        customer = self._ar_customer().sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ar_statement",
                "customer": customer,
                "statement": request.env["report.ar_collections.report_statement"]._get_statement(
                    customer, start, end, company=request.env.company
                ),
                "date_from": start,
                "date_to": end,
                "error": error,
            }
        )
        return request.render("ar_collections.portal_my_statement", values)

    @http.route("/my/statement/pdf", type="http", auth="user", website=True)
    def portal_ar_statement_pdf(self, date_from=None, date_to=None, **kw):
        start, end, error = self._ar_statement_period(date_from, date_to)
        if error:
            return request.redirect("/my/statement")
        customer = self._ar_customer().sudo()
        profile = request.env["ar.credit.profile"].sudo()._get_or_create(customer, request.env.company).sudo()
        if not profile._count_statement_download():
            return self._ar_refusal(
                429,
                request.env._("Too many downloads"),
                request.env._(
                    "You have downloaded your statement many times in the last hour. Please try again in an hour; "
                    "the statement is also shown on this page."
                ),
                back_url="/my/statement",
            )
        report = request.env.ref("ar_collections.action_report_statement").sudo()
        data = {"date_from": str(start), "date_to": str(end)}
        pdf, _file_format = (
            request.env["ir.actions.report"]
            .sudo()
            .with_context(lang=customer.lang or request.env.lang)
            ._render_qweb_pdf(report.report_name, customer.ids, data=data)
        )
        filename = f"{report.name} - {customer.name} - {end}.pdf"
        headers = [
            ("Content-Type", "application/pdf"),
            ("Content-Length", len(pdf)),
            ("Content-Disposition", http.content_disposition(filename)),
        ]
        return request.make_response(pdf, headers=headers)

    # ------------------------------------------------------------------
    # Credit application (a prospect applies for credit)
    # ------------------------------------------------------------------

    @http.route("/my/credit", type="http", auth="user", website=True, methods=["GET", "POST"])
    def portal_ar_credit_application(self, **post):
        """The customer's credit application: its status, or the form to file one."""
        if request.env.user._is_public() or not request.env.user.share:
            return self._ar_refusal(403, request.env._("Not available"), request.env._("This page is for customers."))
        customer = self._ar_customer()
        company = request.env.company
        Application = request.env["ar.credit.application"].sudo()
        error = None
        if request.httprequest.method == "POST":
            try:
                values = self._ar_application_values(post)
                Application._portal_apply(customer, company, values, self._ar_read_upload(post.get("credit_report")))
                return request.redirect("/my/credit?submitted=1")
            except (UserError, ValueError) as exc:
                error = (
                    exc.args[0]
                    if isinstance(exc, UserError)
                    else request.env._("Enter amounts as numbers and dates as dates.")
                )
        applications = Application.search(
            [("partner_id", "=", customer.id), ("company_id", "=", company.id)], order="create_date desc", limit=5
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ar_credit",
                "customer": customer,
                "applications": applications,
                "open_application": applications.filtered(lambda a: a.state in ("submitted", "first_approved"))[:1],
                "error": error,
                "submitted": bool(post.get("submitted")),
                "form": post,
            }
        )
        return request.render("ar_collections.portal_my_credit_application", values)

    def _ar_application_values(self, post):
        """The application's values from the portal form, typed; ValueError when one is malformed."""
        values = {}
        for name in ("vat", "legal_representative", "trade_references", "fiscal_year"):
            text = post.get(name)
            if text is not None and not isinstance(text, str):
                raise ValueError(name)
            if text and text.strip():
                values[name] = text.strip()[:MAX_TEXT]
        for name in (
            "registered_capital",
            "revenue",
            "net_profit",
            "total_assets",
            "total_liabilities",
            "requested_limit",
        ):
            amount = post.get(name)
            if amount not in (None, ""):
                number = float(str(amount).replace(",", ""))
                if not math.isfinite(number) or abs(number) >= 1e15:
                    raise ValueError(name)
                values[name] = number
        if post.get("registration_date"):
            registered = fields.Date.to_date(post["registration_date"])
            if registered > fields.Date.context_today(request.env.user):
                raise UserError(request.env._("The registration date cannot be in the future."))
            values["registration_date"] = registered
        return values

    # ------------------------------------------------------------------
    # Collection actions on an invoice
    # ------------------------------------------------------------------

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        # ``kwargs`` are the page's query parameters: only codes are read from them.
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        if invoice.move_type == "out_invoice":
            link = kwargs.get("ar_link") if isinstance(kwargs.get("ar_link"), str) else None
            message = kwargs.get("ar_message")
            values.update(
                {
                    "ar_options": invoice._ar_portal_options(),
                    "ar_can_act": self._ar_may_act(invoice, link),
                    "ar_link": link or "",
                    "ar_error": self._ar_error_text(invoice, kwargs.get("ar_error")),
                    "ar_message": message if message in DONE_MESSAGES.values() else None,
                    "ar_form": {},
                }
            )
        return values

    def _ar_error_text(self, invoice_sudo, code):
        """The text of an error code of the invoice page (None for an unknown code)."""
        if code == "too_many_requests":
            return invoice_sudo._ar_portal_limit_message()
        return None

    def _ar_may_act(self, invoice_sudo, link):
        """Whether the visitor may act for the customer: its own logged-in contact, or a valid email link."""
        user = request.env.user
        if not user._is_public() and user.partner_id.commercial_partner_id == invoice_sudo.commercial_partner_id:
            return True
        return invoice_sudo._ar_portal_check_link(link)

    def _ar_invoice_url(self, invoice_sudo, access_token, link, **params):
        query = {"access_token": access_token or invoice_sudo._portal_ensure_token(), **params}
        if link:
            query["ar_link"] = link
        return f"/my/invoices/{invoice_sudo.id}?{urlencode(query)}#ar_collection"

    @http.route(
        "/my/invoices/<int:invoice_id>/collection/<string:action>",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_ar_invoice_action(self, invoice_id, action, access_token=None, ar_link=None, **post):
        if action not in ACTIONS or invoice_id > MAX_ID:
            return request.not_found()
        text_fields = ("access_token", "ar_link", *ACTION_TEXT_FIELDS[action])
        form = {"access_token": access_token, "ar_link": ar_link, **post}
        if any(form.get(name) is not None and not isinstance(form[name], str) for name in text_fields):
            return self._ar_bad_request()
        if action == "dispute" and post.get("attachment") and not isinstance(post["attachment"], FileStorage):
            return self._ar_bad_request()
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if invoice_sudo.move_type != "out_invoice" or not self._ar_may_act(invoice_sudo, ar_link):
            return request.redirect("/my")
        user = request.env.user
        author = user.partner_id if not user._is_public() else invoice_sudo.commercial_partner_id
        invoice_sudo = invoice_sudo.with_context(ar_portal_author_id=author.id, lang=request.env.lang)
        try:
            if action == "promise":
                invoice_sudo._ar_portal_promise(post.get("promised_date"), post.get("amount"), post.get("note"))
            elif action == "dispute":
                attachment = self._ar_read_upload(post.get("attachment"))
                invoice_sudo._ar_portal_dispute(post.get("reason"), post.get("message"), attachment)
            else:
                invoice_sudo._ar_portal_request_plan(post.get("instalments"), post.get("note"))
        except PortalRequestLimitReached:
            request.env.cr.rollback()
            return request.redirect(
                self._ar_invoice_url(invoice_sudo, access_token, ar_link, ar_error="too_many_requests")
            )
        except UserError as error:
            request.env.cr.rollback()
            values = self._invoice_get_page_view_values(invoice_sudo, access_token, ar_link=ar_link)
            values.update(
                ar_error=error.args[0],
                ar_form={name: post[name] for name in ACTION_TEXT_FIELDS[action] if name in post} | {"action": action},
            )
            return request.render("account.portal_invoice_page", values)
        return request.redirect(
            self._ar_invoice_url(invoice_sudo, access_token, ar_link, ar_message=DONE_MESSAGES[action])
        )

    def _ar_read_upload(self, upload):
        """The ``(file name, content)`` of the file joined to a form, None without one.

        The request's size is checked before the file is read, and no more than the
        largest accepted size (and one byte) is read: the dispute refuses what is larger.
        """
        if not isinstance(upload, FileStorage) or not upload.filename:
            return None
        if (request.httprequest.content_length or 0) > MAX_ATTACHMENT_BYTES + FORM_OVERHEAD_BYTES:
            raise UserError(request.env._("The attached file is larger than 10 MB: send a smaller file."))
        return upload.filename, upload.stream.read(MAX_ATTACHMENT_BYTES + 1)

    def _ar_bad_request(self):
        return self._ar_refusal(
            400,
            request.env._("Invalid request"),
            request.env._("This request could not be understood. Please go back to the page and try again."),
        )

    def _ar_refusal(self, status, title, message, back_url="/my"):
        """A polite page refusing a request, with its HTTP status (400, 429...)."""
        values = {"ar_title": title, "ar_message": message, "ar_back_url": back_url}
        return request.render("ar_collections.portal_ar_refusal", values, status=status)

    @http.route("/my/payment_plans/<int:plan_id>", type="http", auth="public", website=True)
    def portal_ar_payment_plan(self, plan_id, access_token=None, **kw):
        """The agreement of an approved payment plan, as a PDF."""
        if plan_id > MAX_ID:
            return request.not_found()
        if access_token is not None and not isinstance(access_token, str):
            return self._ar_bad_request()
        try:
            plan_sudo = self._document_check_access("ar.payment.plan", plan_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if plan_sudo.state not in ("active", "honoured"):
            return request.redirect("/my")
        return self._show_report(
            model=plan_sudo,
            report_type="pdf",
            report_ref="ar_collections.action_report_payment_plan",
            download=kw.get("download") == "true",
        )
