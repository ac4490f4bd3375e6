"""How much a customer may ask of the portal: its requests serialised on its credit profile's
row, and its statement downloads counted per hour.

The portal controller and the invoice's portal actions (``account_move_portal.py``) call
these; the limits themselves (``ar_portal_daily_requests``, ``STATEMENT_DOWNLOADS_PER_HOUR``)
are checked by their callers.
"""

# The portal's side of credit profiles lives apart from the back office's (ar_credit_profile.py).
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from odoo import fields
from odoo import models
from odoo.tools import SQL

from ..tools.groups import COLLECTION_USER_GROUP

# Statement PDFs a customer may download in an hour: rendering one is costly.
STATEMENT_DOWNLOADS_PER_HOUR = 10
STATEMENT_DOWNLOAD_WINDOW = timedelta(hours=1)


class ArCreditProfile(models.Model):
    _inherit = "ar.credit.profile"

    portal_request_date = fields.Datetime(
        string="Last Portal Request", readonly=True, copy=False, groups=COLLECTION_USER_GROUP
    )
    statement_window_start = fields.Datetime(readonly=True, copy=False, groups=COLLECTION_USER_GROUP)
    statement_window_count = fields.Integer(readonly=True, copy=False, groups=COLLECTION_USER_GROUP)

    def _lock_portal_requests(self):
        """Serialise this customer's portal requests until the transaction ends.

        The row is updated, not only locked (``SELECT ... FOR UPDATE``): under Odoo's
        REPEATABLE READ a request waiting here for a parallel one fails with a
        serialization error once the other commits, and Odoo replays it on a fresh
        snapshot that sees what the other recorded. So two requests sent together
        are counted one after the other against the daily allowance.
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE ar_credit_profile SET portal_request_date = %s WHERE id = %s",
                fields.Datetime.now(),
                self.id,
            )
        )
        self.invalidate_recordset(["portal_request_date"])

    def _count_statement_download(self):
        """Count one statement download in the current hour's window; whether it is within the limit.

        One ``UPDATE ... RETURNING``: parallel downloads are counted one after the other
        (see ``_lock_portal_requests``).
        """
        self.ensure_one()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                UPDATE ar_credit_profile
                   SET statement_window_count = CASE WHEN statement_window_start > %(since)s
                                                     THEN statement_window_count + 1 ELSE 1 END,
                       statement_window_start = CASE WHEN statement_window_start > %(since)s
                                                     THEN statement_window_start ELSE %(now)s END
                 WHERE id = %(id)s
             RETURNING statement_window_count
                """,
                since=now - STATEMENT_DOWNLOAD_WINDOW,
                now=now,
                id=self.id,
            )
        )
        (count,) = self.env.cr.fetchone()
        self.invalidate_recordset(["statement_window_start", "statement_window_count"])
        return count <= STATEMENT_DOWNLOADS_PER_HOUR
