"""Reconciliations: a payment matched or unmatched refreshes its customers' credit exposure and its
invoices' limitation period."""

from odoo import api
from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._ar_refresh_exposure()
        return partials

    def unlink(self):
        partners, invoices = self._ar_customers_and_invoices()
        result = super().unlink()
        self._ar_refresh_customers(partners, invoices)
        return result

    def _ar_refresh_exposure(self):
        self._ar_refresh_customers(*self._ar_customers_and_invoices())

    def _ar_customers_and_invoices(self):
        """The partners of these reconciliations' items, and the customer invoices they pay."""
        invoices = self.debit_move_id.move_id.filtered(lambda move: move.move_type == "out_invoice")
        return (self.debit_move_id | self.credit_move_id).partner_id | invoices.commercial_partner_id, invoices

    def _ar_refresh_customers(self, partners, invoices):
        # A payment restarts the limitation period of the invoice it pays: the exposure refresh
        # recomputes it first, then stores the customers' earliest limitation date with their figures.
        self.env["ar.credit.profile"].sudo()._refresh_exposure(partners, invoices=invoices)
