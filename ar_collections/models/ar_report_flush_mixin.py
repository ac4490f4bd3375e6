"""The mixin of the reports that are SQL views: they flush pending ORM writes before they are read."""

from odoo import api
from odoo import models


class ReportFlushMixin(models.AbstractModel):
    _name = "ar.report.flush.mixin"
    _description = "SQL views read what the ORM has not written yet: flush first"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        self.env.flush_all()
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)
