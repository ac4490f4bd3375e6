"""18.0.1.1.0: the jobs moved to the models that own them (the escalation to
ar.collection.engine, the credit review to ar.credit.review, the promise and plan
follow-ups to their models). Their scheduled actions are noupdate data: point them
at their new model and method here, keeping the schedule an admin may have changed."""

from odoo import SUPERUSER_ID
from odoo import api

MOVED_CRONS = {
    "ir_cron_ar_credit_review": ("ar.credit.review", "model._cron_review_due()"),
    "ir_cron_ar_escalate": ("ar.collection.engine", "model._cron_escalate()"),
    "ir_cron_ar_follow_up": ("ar.collection.promise", "model._cron_follow_up()"),
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (model, code) in MOVED_CRONS.items():
        cron = env.ref(f"ar_collections.{xmlid}", raise_if_not_found=False)
        if cron:
            cron.write({"model_id": env["ir.model"]._get_id(model), "code": code})
    follow_up = env.ref("ar_collections.ir_cron_ar_follow_up", raise_if_not_found=False)
    if follow_up:
        follow_up.name = "Collections: follow up promises to pay"
