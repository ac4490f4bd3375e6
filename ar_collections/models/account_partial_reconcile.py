"""Reconciliations: a payment matched or unmatched refreshes its customers' credit exposure."""

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
        result = super().unlink()
        self.env["ar.credit.profile"].sudo()._refresh_exposure(partners)
        return result

    def _ar_refresh_exposure(self):
        partners = (self.debit_move_id | self.credit_move_id).partner_id
        self.env["ar.credit.profile"].sudo()._refresh_exposure(partners)
