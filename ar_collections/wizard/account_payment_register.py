"""Odoo's payment wizard: the customers' exposure is refreshed once per payment, not at each of
its steps (entry created, posted, reconciled with the invoices)."""

from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        with self.env["ar.credit.profile"]._refreshing_exposure_once():
            return super()._create_payments()
