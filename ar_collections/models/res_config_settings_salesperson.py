"""Settings > Invoicing > Collections: the salespeople's monthly digest."""

from odoo import fields
from odoo import models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_salesperson_digest = fields.Boolean(related="company_id.ar_salesperson_digest", readonly=False)
