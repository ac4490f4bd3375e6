"""Contact outcomes: what came of a call or visit, and what it records (a promise, a dispute)."""

from odoo import fields
from odoo import models


class ArCollectionOutcome(models.Model):
    """What came of a contact with the customer (reached, promised, no answer...)."""

    _name = "ar.collection.outcome"
    _description = "Collection Outcome"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable code used by the engine and reports.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    records_promise = fields.Boolean(
        string="Records a Promise", help="Logging this outcome asks for a promised date and amount."
    )
    opens_dispute = fields.Boolean(string="Opens a Dispute", help="Logging this outcome opens a dispute.")

    _sql_constraints = [("code_unique", "UNIQUE (code)", "Each outcome needs its own code.")]
