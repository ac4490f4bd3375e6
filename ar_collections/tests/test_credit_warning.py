from odoo.tests import Form
from odoo.tests import tagged

from .test_sale_credit_block import SaleCreditCase
from .test_sale_credit_block import plain


@tagged("post_install", "-at_install")
class TestCreditWarning(SaleCreditCase):
    """A draft invoice warns about the customer's credit with the figures a quotation shows."""

    def test_a_draft_invoice_and_a_quotation_for_the_same_customer_show_the_same_figures(self):
        self._ar_invoice(self.customer, 9500.0, days_overdue=12)
        quotation = self._ar_sale_order(self.customer, 1000.0)
        quoted = plain(quotation.partner_credit_warning)

        invoice = self._ar_invoice(self.customer, 1000.0, post=False)
        invoiced = plain(invoice.partner_credit_warning)
        self.assertEqual(invoiced, quoted.replace("this order", "this invoice"))
        for text in (
            "Credit limit exceeded: exposure $ 9,500.00 + this invoice $ 1,000.00 = $ 10,500.00",
            "above the credit limit of $ 10,000.00",
            "Open receivable $ 9,500.00, of which overdue $ 9,500.00 (oldest 12 days overdue)",
        ):
            self.assertIn(text, invoiced)
        self.assertNotIn("has reached its credit limit", invoiced, "Odoo's own figures are not shown")
        quotation.invalidate_recordset(["partner_credit_warning"])
        self.assertIn(
            "exposure $ 10,500.00 + this order $ 1,000.00",
            plain(quotation.partner_credit_warning),
            "the draft invoice now counts in the quotation's exposure, as a confirmed order counts in the invoice's",
        )

    def test_the_invoice_being_typed_shows_the_figures_it_will_have_once_saved(self):
        self._ar_invoice(self.customer, 9500.0)
        with Form(self.env["account.move"].with_context(default_move_type="out_invoice")) as form:
            form.partner_id = self.customer
            form.invoice_date = self._ar_today()
            with form.invoice_line_ids.new() as line:
                line.product_id = self.ar_product
                line.price_unit = 1000.0
                line.tax_ids.clear()
            typed = plain(form.partner_credit_warning)
        invoice = form.record
        self.assertIn("exposure $ 9,500.00 + this invoice $ 1,000.00", typed)
        self.assertEqual(plain(invoice.partner_credit_warning), typed, "the saved draft is not counted twice")

        with Form(invoice) as form:
            with form.invoice_line_ids.edit(0) as line:
                line.price_unit = 1200.0
            self.assertIn("exposure $ 9,500.00 + this invoice $ 1,200.00", plain(form.partner_credit_warning))

    def test_no_warning_within_the_limit_or_once_posted(self):
        self._ar_invoice(self.customer, 9500.0)
        self.assertEqual(self._ar_invoice(self.customer, 500.0, post=False).partner_credit_warning, "")
        invoice = self._ar_invoice(self.customer, 1000.0, post=False)
        self.assertTrue(invoice.partner_credit_warning)
        invoice.action_post()
        self.assertEqual(invoice.partner_credit_warning, "")
