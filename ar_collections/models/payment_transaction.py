"""Online payments: a quotation paid online that fails the credit check waits for a credit manager."""

from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """Online payments confirm quotations too: a quotation that still fails the credit
        check (blacklist, hold) waits for a credit manager instead of being confirmed."""
        blocked_txs = self.filtered(
            lambda tx: (
                len(tx.sale_order_ids) == 1
                and tx.sale_order_ids.state in ("draft", "sent")
                and tx.sale_order_ids._is_confirmation_amount_reached()
                and tx.sale_order_ids._ar_credit_issues()
            )
        )
        blocked_txs.sale_order_ids._ar_request_credit_approval()
        return super(PaymentTransaction, self - blocked_txs)._check_amount_and_confirm_order()
