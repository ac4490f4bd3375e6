"""18.0.1.2.0: a communication counts once proven served (送达). Emails the mail server had
accepted before this version get their proof from their mail; the shipped demand and lawyer
letter stages become formal notices (their data is noupdate: an admin's own stages are left
as they are)."""

from odoo import SUPERUSER_ID
from odoo import api
from odoo.tools import SQL

FORMAL_NOTICES = ("ar_collections.stage_demand", "ar_collections.stage_lawyer")


def migrate(cr, version):
    cr.execute(
        SQL(
            """
            UPDATE ar_collection_event event
               SET service_method = 'email', service_date = mail.write_date::date
              FROM mail_mail mail
             WHERE event.mail_id = mail.id AND mail.state = 'sent' AND event.service_date IS NULL
            """
        )
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in FORMAL_NOTICES:
        stage = env.ref(xmlid, raise_if_not_found=False)
        if stage:
            stage.formal_notice = True
