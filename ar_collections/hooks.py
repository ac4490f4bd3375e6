from odoo import fields
from odoo.tools import SQL


def pre_init_hook(env):
    """Create the invoices' stored computed columns beforehand, empty.

    Odoo would compute them with the ORM for every existing entry when it creates them;
    on a database with years of invoices that is most of the install. post_init_hook
    fills them set-wise instead, once the credit profiles exist.
    """
    env.cr.execute(
        SQL(
            """
            ALTER TABLE account_move
                ADD COLUMN IF NOT EXISTS ar_next_action_date date,
                ADD COLUMN IF NOT EXISTS ar_collector_id int4,
                ADD COLUMN IF NOT EXISTS ar_rating_id int4
            """
        )
    )


def post_init_hook(env):
    """Turn on the credit-limit setting, give every customer its credit profile, and
    initialise the invoices' collector, rating and next collection date."""
    # The stages and policies the data files made have marked the open invoices for a new next
    # action date (``_ar_refresh_open_invoices``): computed once, below, when the customers have
    # their profiles, which name their policies. Computed now, it was a third of the install.
    next_action = env["account.move"]._fields["ar_next_action_date"]
    env.remove_to_compute(next_action, env.records_to_compute(next_action))
    # The customers that exist now (demo data included) keep their terms: onboarding starts below.
    env["res.company"].search([]).write({"account_use_credit_limit": True, "ar_credit_onboarding_since": False})
    # The invoices' collector and rating are set below, set-wise, not per profile.
    Profile = env["ar.credit.profile"].with_context(ar_skip_move_sync=True)
    profiles = Profile._create_missing_customer_profiles()
    Profile._refresh_exposure(profiles.partner_id)
    env.flush_all()
    # Open customer invoices: collector, rating and next collection date computed together,
    # chunk by chunk on a database with many of them, and written in one UPDATE per invoice.
    Move = env["account.move"].sudo()
    open_moves = Move.search(Move._ar_open_invoice_domain())
    open_moves._ar_recompute(["ar_collector_id", "ar_rating_id", "ar_next_action_date"])
    env.flush_all()
    # The other entries (paid invoices and the rest) only get their customer's collector and
    # rating: in one statement, not per profile. Each row rewritten once: an UPDATE rewrites
    # the row and all of its indexes, a minute per 200,000 entries on a small server.
    env.cr.execute(
        SQL(
            """
            UPDATE account_move move
               SET ar_collector_id = profile.collector_id, ar_rating_id = profile.rating_id
              FROM ar_credit_profile profile
             WHERE profile.partner_id = move.commercial_partner_id AND profile.company_id = move.company_id
               AND (%(open)s) IS NOT TRUE
            """,
            open=Move._ar_open_invoice_sql("move"),
        )
    )
    env["account.move"].invalidate_model(["ar_collector_id", "ar_rating_id"])
    # The customers that exist now (demo data included) keep their terms; from now on, new
    # customers apply for credit. A profile the data made before gets its rating's terms back.
    established = env["ar.credit.profile"].search([("credit_state", "=", "new")])
    established.write({"credit_state": "approved"})
    established._refresh_limits()
    env["res.company"].search([]).write({"ar_credit_onboarding_since": fields.Datetime.now()})
    # A profile per customer and the invoices rewritten: PostgreSQL's statistics refreshed now,
    # or the first nights' jobs are planned for an empty profile table (a scan of every due
    # invoice per batch of customers on a large database).
    env.flush_all()
    env.cr.execute(SQL("ANALYZE ar_credit_profile, account_move"))


def uninstall_hook(env):
    """Let uninstall remove the demo's accounting.

    The ledger and the credit history are emptied first (they restrict the deletion of
    what they name). Odoo cannot delete posted or reconciled invoices, so the demo invoices,
    their customers and product would outlive the addon. They belong to the demo: reset
    and delete its payments (with the payment wizards that made them, transient
    records the vacuum has not removed yet), then its invoices. Databases without
    the demo have no such invoices.
    """
    # The ledger and the credit history do not let go of the customers, stages and ratings
    # they name (ondelete restrict). Their tables leave with the addon: empty them first, so
    # that the addon's own data (demo customers, stages, ratings) can be deleted.
    env.cr.execute(SQL("DELETE FROM ar_collection_event"))
    env.cr.execute(SQL("DELETE FROM ar_credit_review"))
    # Applications, cover, write-offs and provision runs name demo customers and entries too.
    for table in (
        "ar_credit_application",
        "ar_credit_cover",
        "ar_write_off",
        "ar_provision_run_line",
        "ar_provision_run",
    ):
        env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
    env.invalidate_all()
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
