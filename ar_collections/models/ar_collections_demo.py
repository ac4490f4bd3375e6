"""Demo data that needs the ledger's own API: a history cannot be loaded as records, since the
ledger is append-only and computes its figures itself. Called by demo/ar_legal_path_demo.xml."""

from datetime import timedelta

from odoo import Command
from odoo import api
from odoo import fields
from odoo import models
from odoo.tools import SQL
from odoo.tools import file_open


class ArCollectionsDemo(models.AbstractModel):
    _name = "ar.collections.demo"
    _description = "Collections Demo Data"

    @api.model
    def _name_demo_record(self, record, name):
        """Give a demo record made by code its XML id, so that the uninstall finds it as the demo's."""
        self.env["ir.model.data"].create(
            {"module": "ar_collections", "name": name, "model": record._name, "res_id": record.id, "noupdate": True}
        )

    @api.model
    def _load_legal_path(self):
        """The legal path in the demo: a demand served by post (Summit), a demand and a lawyer letter
        served (Redwood, whose legal file is next), a returned slip (Mingda), a case in court
        (Keystone)."""
        ref = self.env.ref
        company = ref("base.main_company")
        today = fields.Date.context_today(self)
        with file_open("ar_collections/static/description/icon.png", "rb") as image:
            receipt = image.read()
        self._served_letter(ref("ar_collections.ar_demo_invoice_summit"), "stage_demand", 20, "post", receipt)
        self._served_letter(ref("ar_collections.ar_demo_invoice_redwood"), "stage_demand", 60, "post", receipt)
        self._served_letter(ref("ar_collections.ar_demo_invoice_redwood"), "stage_lawyer", 45, "courier", receipt)
        mingda = ref("ar_collections.ar_demo_invoice_mingda")
        self.env["ar.collection.acknowledgement.wizard"].create(
            {
                "partner_id": mingda.partner_id.id,
                "company_id": company.id,
                "date": today - timedelta(days=3),
                "scan": receipt,
                "scan_name": "回执-杭州明达.png",
                "move_ids": [Command.set(mingda.ids)],
                "confirmed_amount": mingda.amount_residual,
                "note": "对账无误，月底前安排付款。",
            }
        ).action_confirm()
        keystone = ref("ar_collections.ar_demo_invoice_keystone")
        profile = self.env["ar.credit.profile"]._get_or_create(keystone.partner_id, company)
        case = self.env["ar.legal.file"].create(
            {
                "profile_id": profile.id,
                "move_ids": [Command.set(keystone.ids)],
                "amount_claimed": keystone.amount_residual,
                "lawyer_id": ref("ar_collections.ar_demo_law_firm").id,
                "route": "lawsuit",
                "body_id": ref("ar_collections.ar_demo_court").id,
                "case_number": "CGC-26-612345",
                "filing_date": today - timedelta(days=30),
                "hearing_date": today + timedelta(days=21),
                "cost_ids": [
                    Command.create({"kind": "lawyer_fee", "date": today - timedelta(days=40), "amount": 3500.0}),
                    Command.create({"kind": "court_fee", "date": today - timedelta(days=30), "amount": 435.0}),
                ],
                "note": "Keystone ignored the demand and the lawyer letter; suit filed for the full amount.",
            }
        )
        case.write({"state": "filed", "handover_date": today - timedelta(days=40)})

    def _served_letter(self, invoice, stage, days_ago, method, receipt):
        """A formal notice about ``invoice`` logged and served ``days_ago`` days ago, with its receipt."""
        ref = self.env.ref
        company = ref("base.main_company")
        sent_on = fields.Date.context_today(self) - timedelta(days=days_ago)
        stage = ref(f"ar_collections.{stage}")
        event = self.env["ar.collection.event"]._log(
            invoice.partner_id, company, "letter", moves=invoice, stage_id=stage.id, note=f"{stage.name} posted"
        )
        # A past letter: the day it went out (demo history only; the ledger dates what it records itself).
        self.env.cr.execute(
            SQL(
                "UPDATE ar_collection_event SET date = %s WHERE id = %s", fields.Datetime.to_datetime(sent_on), event.id
            )
        )
        event.invalidate_recordset(["date"])
        proof = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"Receipt {event._reference()}.png",
                    "raw": receipt,
                    "res_model": "res.partner",
                    "res_id": invoice.commercial_partner_id.id,
                }
            )
        )
        carrier, tracking = {
            "post": ("USPS Certified Mail", f"9407 1118 9876 5400 {event.id:04d}"),
            "courier": ("FedEx", f"7712 3456 {event.id:04d}"),
        }[method]
        event._record_service(method, sent_on + timedelta(days=2), carrier, tracking, proof)
        return event
