"""Demo of credit onboarding and cover: a prospect's application waiting for its second approval,
and the insurer's reporting deadline of an insured customer's overdue invoice."""

from odoo import api
from odoo import models

# Each feature's demo loader lives in its own file.
# pylint: disable=consider-merging-classes-inherited


class ArCollectionsDemo(models.AbstractModel):
    _inherit = "ar.collections.demo"

    @api.model
    def _load_credit_onboarding(self):
        ref = self.env.ref
        company = ref("base.main_company")
        prospect = ref("ar_collections.ar_demo_partner_hengyuan")
        # Demo customers are loaded before onboarding starts (install): this one is a newcomer.
        profile = self.env["ar.credit.profile"]._get_or_create(prospect, company).sudo()
        profile.credit_state = "new"
        profile._refresh_limits()
        application = (
            self.env["ar.credit.application"]
            .with_user(ref("base.user_demo"))
            .sudo()
            .create(
                {
                    "partner_id": prospect.id,
                    "company_id": company.id,
                    "vat": prospect.vat,
                    "registration_date": "2016-03-18",
                    "registered_capital": 5000000.0,
                    "legal_representative": "陈建国",
                    "trade_references": "无锡华润钢材：合作 4 年，月结 60 天，按时付款\n"
                    "上海精工轴承：合作 2 年，月均 ¥80,000，偶有延迟 5 天内",
                    "fiscal_year": "2025",
                    "revenue": 86000000.0,
                    "net_profit": 4300000.0,
                    "total_assets": 52000000.0,
                    "total_liabilities": 31000000.0,
                    "requested_limit": 150000.0,
                    "requested_payment_term_id": ref("account.account_payment_term_30days").id,
                    "note": "New OEM customer from the Suzhou trade fair; first order of CNC parts planned next month.",
                }
            )
        )
        application.sudo(False)._submit()
        self.env["ar.credit.cover"].search([("company_id", "=", company.id)]).profile_id._refresh_secured_amounts()
        self.env["account.move"]._ar_refresh_insurer_deadlines()
