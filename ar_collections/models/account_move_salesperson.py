"""Who answers for an invoice's collection on the sales side: its salesperson (回款考核), the one
rule the salesperson report, the stage activities and the salespeople's monthly digest share."""

from odoo import api
from odoo import models
from odoo.tools import SQL

# Who sold an invoice lives apart from the collection rules (account_move.py).
# pylint: disable=consider-merging-classes-inherited


class AccountMove(models.Model):
    _inherit = "account.move"

    def _ar_sold_by(self):
        """The invoice's salesperson, else its customer's (the reports' attribution)."""
        self.ensure_one()
        return self.invoice_user_id or self.commercial_partner_id.user_id

    def _ar_salesperson(self):
        """`_ar_sold_by`, when that user can work the invoice: an archived user or a portal user
        counts as none (an empty recordset)."""
        user = self._ar_sold_by()
        return user if user.active and not user.share else user.browse()

    @api.model
    def _ar_salesperson_sql(self, alias):
        """`_ar_sold_by` in SQL, on the account_move aliased ``alias``."""
        return SQL(
            "COALESCE(%s, (SELECT commercial.user_id FROM res_partner commercial WHERE commercial.id = %s))",
            SQL.identifier(alias, "invoice_user_id"),
            SQL.identifier(alias, "commercial_partner_id"),
        )
