"""The company's setting of the salespeople's monthly digest of overdue invoices."""

from odoo import fields
from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_salesperson_digest = fields.Boolean(
        string="Monthly Digest to Salespeople",
        help="On the first day of each month, email each salesperson the overdue invoices of their customers: "
        "the one who sold it collects it first.",
    )
