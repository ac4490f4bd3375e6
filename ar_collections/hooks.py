def post_init_hook(env):
    """Turn on the credit-limit setting and give every customer its credit profile."""
    env["res.company"].search([]).write({"account_use_credit_limit": True})
    profiles = env["ar.credit.profile"]._create_missing_customer_profiles()
    env["ar.credit.profile"]._refresh_exposure(profiles.partner_id)


def uninstall_hook(env):
    """Let uninstall remove the demo's accounting.

    Odoo cannot delete posted or reconciled invoices, so the demo invoices, their
    customers and product would outlive the addon. They belong to the demo: reset
    and delete its payments (with the payment wizards that made them, transient
    records the vacuum has not removed yet), then its invoices. Databases without
    the demo have no such invoices.
    """
    demo_invoice_ids = (
        env["ir.model.data"]
        .search([("module", "=", "ar_collections"), ("model", "=", "account.move")])
        .mapped("res_id")
    )
    invoices = env["account.move"].browse(demo_invoice_ids).exists()
    payments = invoices._get_reconciled_payments()
    payments.action_draft()
    payments.unlink()
    env["account.payment.register"].search([("line_ids.move_id", "in", invoices.ids)]).unlink()
    posted = invoices.filtered(lambda move: move.state == "posted")
    posted.button_draft()
    invoices.unlink()
