"""What the addon adds to Odoo's own work (3b, 4b): an order confirmed and a payment registered,
the whole of each, measured on our database and on a copy of the generated database made
before the addon was installed (plain Odoo, the same customers and invoices), then the
difference in SQL queries. Each is done once first on another customer, so that both sides
are measured with compiled templates and warm registries, then on a cold record cache.
"""

from dataset import quotation

# Customers made with the dataset, before the addon is installed: established customers on
# both sides, without invoices (the order confirms within their rating's limit).
ORDER_CUSTOMERS = ("Bench order customer (warm-up)", "Bench order customer")
PAYMENT_CUSTOMERS = ("Bench Customer 000002", "Bench Customer 000001")
ORDER_TARGET = 10  # queries the addon may add to action_confirm
PAYMENT_TARGET = 30  # queries the addon may add to a payment reconciling one invoice


def add_customers(env):
    """The order customers, in the generated database before anything else is installed; and
    the company's email address, the sender of its emails on both sides (OCA's template has no
    other)."""
    env["res.partner"].create([{"name": name, "is_company": True} for name in ORDER_CUSTOMERS])
    env.company.email = "accounts@bench.example.com"


def prepare_plain_copy(bench):
    """The generated database as plain Odoo has it (account, sale_management)."""
    return bench.copy_database("_plain", lambda: None)


def confirm_order(bench, env, label):
    """Confirm a first order of each customer (the warm-up; with the addon, a customer's first
    order also creates its credit profile, once), then measure confirming another order of the
    second: what every later order costs."""
    warm_up, customer = (env["res.partner"].search([("name", "=", name)]) for name in ORDER_CUSTOMERS)
    quotation(env, warm_up).action_confirm()
    quotation(env, customer).action_confirm()
    order = quotation(env, customer)
    env.flush_all()
    env.invalidate_all()
    bench.measure(label, order.action_confirm)
    bench.expect(order.state == "sale", f"{label}: the order is {order.state}, not confirmed")
    env.cr.commit()
    return bench.last_queries


def pay_invoice(bench, env, label):
    """Post a new invoice for each payment customer; pay the first, then measure paying the second."""
    template = env["account.move"].search([("name", "=", "BENCH/0000001")])
    invoices = env["account.move"]
    for name in PAYMENT_CUSTOMERS:
        partner = env["res.partner"].search([("name", "=", name)])
        invoices |= template.copy({"partner_id": partner.id, "invoice_date": template.invoice_date})
    invoices.action_post()
    warm_up, invoice = invoices
    _register_payment(env, warm_up)
    env.flush_all()
    env.invalidate_all()
    bench.measure(label, lambda: _register_payment(env, invoice))
    bench.expect(invoice.payment_state in ("paid", "in_payment"), f"{label}: the invoice is {invoice.payment_state}")
    env.cr.commit()
    return bench.last_queries, invoice


def _register_payment(env, invoice):
    wizard = env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids)
    return wizard.create({})._create_payments()


def measure_plain(bench, copy):
    """The order and the payment on the plain Odoo copy."""
    with bench.on_database(copy), bench.env() as env:
        bench.plain_queries = {
            "order": confirm_order(bench, env, "3b. (plain Odoo) Order confirmation, action_confirm"),
            "payment": pay_invoice(bench, env, "4b. (plain Odoo) Payment registered, reconciling one invoice")[0],
        }


def measure_ours(bench, env):
    """The same order and payment with the addon; the exposure checked after the payment; the
    overheads against plain Odoo's, when measured."""
    order = confirm_order(bench, env, "3b. Order confirmation, action_confirm, with ar_collections")
    payment, invoice = pay_invoice(bench, env, "4. Exposure update after reconciling one payment (the whole payment)")
    profile = env["ar.credit.profile"].search(
        [("partner_id", "=", invoice.commercial_partner_id.id), ("company_id", "=", invoice.company_id.id)]
    )
    env.cr.execute(
        "SELECT COALESCE(SUM(amount_residual), 0) FROM account_move_line line "
        "JOIN account_account account ON account.id = line.account_id "
        "WHERE line.partner_id = %s AND line.company_id = %s AND account.account_type = 'asset_receivable' "
        "AND line.parent_state = 'posted'",
        [invoice.commercial_partner_id.id, invoice.company_id.id],
    )
    ledger = env.cr.fetchone()[0]
    bench.expect(
        invoice.currency_id.is_zero(profile.open_receivable - ledger),
        f"after the payment the profile's open receivable is {profile.open_receivable}, the ledger says {ledger}",
    )
    plain = bench.plain_queries
    if not plain:
        return
    for label, ours, theirs, target in (
        ("3b. Order confirmation: queries the addon adds", order, plain["order"], ORDER_TARGET),
        ("4b. Payment of one invoice: queries the addon adds", payment, plain["payment"], PAYMENT_TARGET),
    ):
        bench.summarize(
            label,
            f"{ours - theirs} ({ours} with the addon, {theirs} plain Odoo); target ≤ {target} "
            f"{'met' if ours - theirs <= target else 'NOT met'}",
        )
