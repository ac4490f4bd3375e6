"""Odoo's partner merge keeps the customers' credit record: profiles, history and ledger move
to the surviving partner (see ``ar.credit.profile._merge_partners``)."""

from odoo import api
from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        # Merged first: the generic update deletes a row it cannot move (a second profile in a
        # company), and the credit history with it. The ledger's events then move with the rest.
        self.env["ar.credit.profile"]._merge_partners(src_partners, dst_partner)
        result = super()._update_foreign_keys(src_partners, dst_partner)
        self.env["ar.credit.profile"]._refresh_exposure(dst_partner)
        return result
