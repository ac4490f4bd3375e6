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
        partners = (self.debit_move_id | self.credit_move_id).partner_id
        invoices = self.debit_move_id.move_id.filtered(lambda move: move.move_type == "out_invoice")
        result = super().unlink()
        self.env["ar.credit.profile"].sudo()._refresh_exposure(partners)
        invoices.sudo()._ar_refresh_limitation()
        return result

    def _ar_refresh_exposure(self):
        partners = (self.debit_move_id | self.credit_move_id).partner_id
        self.env["ar.credit.profile"].sudo()._refresh_exposure(partners)
        # A payment restarts the limitation period of the invoice it pays.
        invoices = self.debit_move_id.move_id.filtered(lambda move: move.move_type == "out_invoice")
        invoices.sudo()._ar_refresh_limitation()
