"""Generate a large, accounting-consistent receivable dataset quickly.

One customer, one invoice and one payment entry are made through the ORM as templates;
the rest are SQL copies of their rows (``INSERT ... SELECT`` over ``generate_series``),
with the partner, dates, amounts, names and currency changed. Payments are journal
entries reconciled with their invoices (partial and full reconciliation rows), so
residual amounts, payment states and matching numbers are what Odoo would have written.
"""

from datetime import timedelta

from odoo import Command
from odoo import fields

EUR_RATE = 0.9  # 1 USD (company currency) = 0.9 EUR
PRODUCT = "Bench goods"  # what every invoice and quotation of the dataset sells


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id' "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def clone_rows(cr, table, source, overrides, series=None, params=None):
    """Copy the rows of ``table`` chosen by ``source`` (SQL, alias ``t``) once per row of
    ``series`` (SQL, alias ``g``), with ``overrides`` {column: SQL expression}; return the
    new ids in series order."""
    columns = _columns(cr, table)
    unknown = set(overrides) - set(columns)
    assert not unknown, f"{table} has no column {unknown}"
    values = [overrides.get(column, f"t.{column}") for column in columns]
    query = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source} ORDER BY g.n, t.id RETURNING id"
    )
    cr.execute(query.replace("%(series)s", series or ""), params or {})
    return [row[0] for row in cr.fetchall()]


class Dataset:
    def __init__(self, env, customers, invoices, log=print):
        self.env = env
        self.cr = env.cr
        self.customers = customers
        self.invoices = invoices
        self.log = log
        self.today = fields.Date.context_today(env.user)
        self.company = env.company

    # ------------------------------------------------------------------

    def build(self):
        self._prepare()
        partner_ids = self._customers()
        self._invoices(partner_ids)
        self._payments()
        self.env.invalidate_all()
        self.cr.execute("ANALYZE")

    def _prepare(self):
        env = self.env
        eur = env.ref("base.EUR")
        eur.active = True
        env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
        env["res.currency.rate"].create({"currency_id": eur.id, "rate": EUR_RATE, "name": "2000-01-01"})
        self.eur = eur
        self.product = env["product.product"].create({"name": PRODUCT, "lst_price": 100.0, "taxes_id": []})
        self.template_partner = env["res.partner"].create(
            {"name": "Bench Template", "is_company": True, "email": "template@bench.example.com"}
        )
        self.template_invoice = self._orm_invoice(self.template_partner, 100.0)
        self.template_payment = self._orm_payment_entry(self.template_partner, 100.0)
        env.flush_all()

    def _orm_invoice(self, partner, amount, currency=None, days_overdue=0):
        due = self.today - timedelta(days=days_overdue)
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "currency_id": (currency or self.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create({"product_id": self.product.id, "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    def _orm_payment_entry(self, partner, amount):
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        receivable = partner.property_account_receivable_id
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": journal.id,
                "date": self.today,
                "line_ids": [
                    Command.create(
                        {"account_id": journal.default_account_id.id, "debit": amount, "partner_id": partner.id}
                    ),
                    Command.create({"account_id": receivable.id, "credit": amount, "partner_id": partner.id}),
                ],
            }
        )
        move.action_post()
        return move

    # ------------------------------------------------------------------

    def _customers(self):
        self.log(f"  {self.customers} customers")
        ids = clone_rows(
            self.cr,
            "res_partner",
            "res_partner t, generate_series(1, %(count)s) AS g(n) WHERE t.id = %(template)s",
            {
                "name": "'Bench Customer ' || lpad(g.n::text, 6, '0')",
                "complete_name": "'Bench Customer ' || lpad(g.n::text, 6, '0')",
                "email": "'customer' || g.n || '@bench.example.com'",
                "ref": "'B' || g.n",
                "commercial_partner_id": "NULL",
                "customer_rank": "1",
            },
            params={"count": self.customers, "template": self.template_partner.id},
        )
        self.cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [ids])
        return ids

    def add_invoices(self, partner, count):
        """``count`` more open invoices for ``partner`` (after the dataset is built)."""
        self.template_invoice = self.env["account.move"].search(
            [("partner_id.name", "=", "Bench Template"), ("move_type", "=", "out_invoice")], limit=1
        )
        self.eur = self.env.ref("base.EUR")
        # Letters only: a number in the prefix would read as a year to Odoo's sequence checks.
        tag = "".join(chr(ord("A") + int(digit)) for digit in str(partner.id))
        self._invoices(partner.ids, count=count, prefix=f"BADD{tag}/", in_eur=False)
        self.env.invalidate_all()

    def _invoices(self, partner_ids, count=None, prefix="BENCH/", in_eur=True):
        """``invoices`` posted invoices, due from 120 days ago to 30 days ahead, 1 in 10 in EUR."""
        count = count or self.invoices
        self.log(f"  {count} invoices")
        today = self.today
        self.cr.execute("DROP TABLE IF EXISTS bench_invoice, bench_move")
        # Per invoice number n: its customer, amount, due date and currency.
        self.cr.execute(
            """
            CREATE TEMP TABLE bench_invoice AS
            SELECT n,
                   (%(partners)s::int[])[1 + (n - 1) %% %(customers)s] AS partner_id,
                   (100 + (n * 37) %% 4900)::numeric AS amount,
                   %(today)s::date - 120 + ((n::bigint * 7919) %% 151)::int AS due,
                   (%(in_eur)s AND n %% 10 = 0) AS in_eur
              FROM generate_series(1, %(count)s) AS n
            """,
            {"partners": partner_ids, "customers": len(partner_ids), "today": today, "count": count, "in_eur": in_eur},
        )
        self.cr.execute("ALTER TABLE bench_invoice ADD PRIMARY KEY (n)")
        company_amount = f"CASE WHEN b.in_eur THEN round(b.amount / {EUR_RATE}, 2) ELSE b.amount END"
        template = self.template_invoice
        currency = f"CASE WHEN b.in_eur THEN {self.eur.id} ELSE t.currency_id END"
        move_ids = clone_rows(
            self.cr,
            "account_move",
            "account_move t, bench_invoice b JOIN LATERAL (SELECT b.n) AS g(n) ON true WHERE t.id = %(template)s",
            {
                "name": "%(prefix)s || lpad(b.n::text, 7, '0')",
                "sequence_prefix": "%(prefix)s",
                "sequence_number": "b.n",
                "payment_reference": "%(prefix)s || lpad(b.n::text, 7, '0')",
                "partner_id": "b.partner_id",
                "commercial_partner_id": "b.partner_id",
                "partner_shipping_id": "b.partner_id",
                "date": "b.due - 30",
                "invoice_date": "b.due - 30",
                "invoice_date_due": "b.due",
                "currency_id": currency,
                "amount_untaxed": "b.amount",
                "amount_total": "b.amount",
                "amount_residual": "b.amount",
                "amount_untaxed_signed": company_amount,
                "amount_total_signed": company_amount,
                "amount_residual_signed": company_amount,
                "amount_total_in_currency_signed": "b.amount",
                "amount_untaxed_in_currency_signed": "b.amount",
                "invoice_currency_rate": f"CASE WHEN b.in_eur THEN {EUR_RATE} ELSE 1 END",
                "payment_state": "'not_paid'",
                "access_token": "NULL",
            },
            params={"template": template.id, "prefix": prefix},
        )
        self.cr.execute(
            "CREATE TEMP TABLE bench_move AS SELECT unnest(%s::int[]) AS id, generate_subscripts(%s::int[], 1) AS n",
            [move_ids, move_ids],
        )
        self.cr.execute("ALTER TABLE bench_move ADD PRIMARY KEY (n)")
        sign = "CASE WHEN t.display_type = 'payment_term' THEN 1 ELSE -1 END"
        clone_rows(
            self.cr,
            "account_move_line",
            "account_move_line t, bench_invoice b JOIN bench_move m ON m.n = b.n "
            "JOIN LATERAL (SELECT b.n) AS g(n) ON true WHERE t.move_id = %(template)s",
            {
                "move_id": "m.id",
                "move_name": "%(prefix)s || lpad(b.n::text, 7, '0')",
                "partner_id": "b.partner_id",
                "date": "b.due - 30",
                "invoice_date": "b.due - 30",
                "date_maturity": "CASE WHEN t.display_type = 'payment_term' THEN b.due END",
                "currency_id": currency,
                "balance": f"{sign} * {company_amount}",
                "debit": f"CASE WHEN t.display_type = 'payment_term' THEN {company_amount} ELSE 0 END",
                "credit": f"CASE WHEN t.display_type = 'payment_term' THEN 0 ELSE {company_amount} END",
                "amount_currency": f"{sign} * b.amount",
                "amount_residual": f"CASE WHEN t.display_type = 'payment_term' THEN {company_amount} ELSE 0 END",
                "amount_residual_currency": "CASE WHEN t.display_type = 'payment_term' THEN b.amount ELSE 0 END",
                "reconciled": "false",
                "full_reconcile_id": "NULL",
                "matching_number": "NULL",
                "price_unit": "CASE WHEN t.display_type = 'product' THEN b.amount ELSE t.price_unit END",
                "price_subtotal": "CASE WHEN t.display_type = 'product' THEN b.amount ELSE t.price_subtotal END",
                "price_total": "CASE WHEN t.display_type = 'product' THEN b.amount ELSE t.price_total END",
                "name": "CASE WHEN t.display_type = 'payment_term' THEN %(prefix)s || lpad(b.n::text, 7, '0') "
                "ELSE t.name END",
            },
            params={"template": template.id, "prefix": prefix},
        )

    def _payments(self):
        """About 25 % of the company-currency invoices paid in full, 10 % paid by half."""
        self.cr.execute(
            """
            CREATE TEMP TABLE bench_payment AS
            SELECT b.n, m.id AS invoice_id, b.partner_id,
                   CASE WHEN b.n % 4 = 1 THEN b.amount ELSE round(b.amount / 2, 2) END AS amount,
                   (b.n % 4 = 1) AS full_payment
              FROM bench_invoice b JOIN bench_move m ON m.n = b.n
             WHERE NOT b.in_eur AND (b.n % 4 = 1 OR b.n % 10 IN (3, 7))
            """
        )
        self.cr.execute("ALTER TABLE bench_payment ADD PRIMARY KEY (n)")
        self.cr.execute("SELECT count(*), count(*) FILTER (WHERE full_payment) FROM bench_payment")
        total, full = self.cr.fetchone()
        self.log(f"  {total} payments ({full} in full, {total - full} partial)")
        template = self.template_payment
        payment_ids = clone_rows(
            self.cr,
            "account_move",
            "account_move t, bench_payment p JOIN LATERAL (SELECT p.n) AS g(n) ON true WHERE t.id = %(template)s",
            {
                "name": "'BPAY/' || lpad(p.n::text, 7, '0')",
                "sequence_prefix": "'BPAY/'",
                "sequence_number": "p.n",
                "partner_id": "p.partner_id",
                "commercial_partner_id": "p.partner_id",
                "amount_total": "p.amount",
                "amount_total_signed": "p.amount",
                "amount_total_in_currency_signed": "p.amount",
            },
            params={"template": template.id},
        )
        self.cr.execute(
            "CREATE TEMP TABLE bench_payment_move AS "
            "SELECT unnest(%s::int[]) AS id, generate_subscripts(%s::int[], 1) AS rank",
            [payment_ids, payment_ids],
        )
        self.cr.execute(
            "CREATE TEMP TABLE bench_payment_ranked AS "
            "SELECT p.*, row_number() OVER (ORDER BY p.n) AS position FROM bench_payment p"
        )
        credit = "CASE WHEN t.credit > 0 THEN 1 ELSE 0 END"
        clone_rows(
            self.cr,
            "account_move_line",
            "account_move_line t, bench_payment_ranked p JOIN bench_payment_move pm ON pm.rank = p.position "
            "JOIN LATERAL (SELECT p.n) AS g(n) ON true WHERE t.move_id = %(template)s",
            {
                "move_id": "pm.id",
                "move_name": "'BPAY/' || lpad(p.n::text, 7, '0')",
                "partner_id": "p.partner_id",
                "balance": f"CASE WHEN {credit} = 1 THEN -p.amount ELSE p.amount END",
                "debit": f"CASE WHEN {credit} = 1 THEN 0 ELSE p.amount END",
                "credit": f"CASE WHEN {credit} = 1 THEN p.amount ELSE 0 END",
                "amount_currency": f"CASE WHEN {credit} = 1 THEN -p.amount ELSE p.amount END",
                "amount_residual": f"CASE WHEN {credit} = 1 THEN 0 ELSE t.amount_residual END",
                "amount_residual_currency": f"CASE WHEN {credit} = 1 THEN 0 ELSE t.amount_residual_currency END",
                "reconciled": f"CASE WHEN {credit} = 1 THEN true ELSE t.reconciled END",
            },
            params={"template": template.id},
        )
        # The reconciliation: one partial per payment, a full reconcile for full payments.
        self.cr.execute(
            """
            CREATE TEMP TABLE bench_match AS
            SELECT p.n, p.amount, p.full_payment,
                   inv_line.id AS debit_line, pay_line.id AS credit_line
              FROM bench_payment_ranked p
              JOIN bench_payment_move pm ON pm.rank = p.position
              JOIN account_move_line inv_line
                ON inv_line.move_id = p.invoice_id AND inv_line.display_type = 'payment_term'
              JOIN account_move_line pay_line ON pay_line.move_id = pm.id AND pay_line.credit > 0
            """
        )
        self.cr.execute(
            """
            WITH partials AS (
                INSERT INTO account_partial_reconcile
                       (debit_move_id, credit_move_id, amount, debit_amount_currency, credit_amount_currency,
                        debit_currency_id, credit_currency_id, company_id, max_date,
                        create_uid, create_date, write_uid, write_date)
                SELECT m.debit_line, m.credit_line, m.amount, m.amount, m.amount,
                       %(currency)s, %(currency)s, %(company)s, %(today)s, 1, now(), 1, now()
                  FROM bench_match m ORDER BY m.n
             RETURNING id, debit_move_id
            )
            UPDATE account_move_line line
               SET amount_residual = line.amount_residual - m.amount,
                   amount_residual_currency = line.amount_residual_currency - m.amount,
                   matching_number = 'P' || partials.id
              FROM partials JOIN bench_match m ON m.debit_line = partials.debit_move_id
             WHERE line.id = partials.debit_move_id
            """,
            {"currency": self.company.currency_id.id, "company": self.company.id, "today": self.today},
        )
        self.cr.execute(
            """
            ALTER TABLE bench_match ADD COLUMN full_id int;
            UPDATE bench_match SET full_id = nextval('account_full_reconcile_id_seq') WHERE full_payment;
            INSERT INTO account_full_reconcile (id, create_uid, create_date, write_uid, write_date)
            SELECT full_id, 1, now(), 1, now() FROM bench_match WHERE full_payment;
            UPDATE account_move_line line
               SET reconciled = true, full_reconcile_id = m.full_id, matching_number = m.full_id::text
              FROM bench_match m
             WHERE m.full_payment AND line.id IN (m.debit_line, m.credit_line);
            UPDATE account_move_line line
               SET matching_number = inv.matching_number
              FROM bench_match m JOIN account_move_line inv ON inv.id = m.debit_line
             WHERE NOT m.full_payment AND line.id = m.credit_line;
            UPDATE account_move move
               SET amount_residual = move.amount_residual - p.amount,
                   amount_residual_signed = move.amount_residual_signed - p.amount,
                   payment_state = CASE WHEN p.full_payment THEN 'paid' ELSE 'partial' END
              FROM bench_payment p
             WHERE move.id = p.invoice_id;
            """
        )

    # ------------------------------------------------------------------

    def check(self):
        """Check what the SQL wrote as Odoo would: residuals from the lines, states from the
        residuals, balanced entries. Return the number of invoices checked."""
        self.cr.execute(
            """
            SELECT move.name
              FROM account_move move
              JOIN account_move_line line ON line.move_id = move.id AND line.display_type = 'payment_term'
             WHERE move.name LIKE 'BENCH/%'
             GROUP BY move.id
            HAVING round(sum(line.amount_residual), 2) != round(move.amount_residual_signed, 2)
                OR (move.amount_residual = 0) != (move.payment_state = 'paid')
                OR (move.amount_residual > 0 AND move.amount_residual < move.amount_total)
                   != (move.payment_state = 'partial')
             LIMIT 5
            """
        )
        wrong = [row[0] for row in self.cr.fetchall()]
        assert not wrong, f"inconsistent invoices: {wrong}"
        self.cr.execute(
            "SELECT count(*) FROM account_partial_reconcile partial "
            "JOIN account_move_line line ON line.id = partial.debit_move_id WHERE line.move_name LIKE 'BENCH/%'"
        )
        partials = self.cr.fetchone()[0]
        self.cr.execute(
            "SELECT move.name FROM account_move move JOIN account_move_line line ON line.move_id = move.id "
            "WHERE move.name LIKE 'B%/%' GROUP BY move.id HAVING round(sum(line.balance), 2) != 0 LIMIT 5"
        )
        unbalanced = [row[0] for row in self.cr.fetchall()]
        assert not unbalanced, f"unbalanced entries: {unbalanced}"
        self.cr.execute("SELECT count(*) FROM account_move WHERE name LIKE 'BENCH/%'")
        return self.cr.fetchone()[0], partials


def customer_with_invoices(env, name, count):
    """A new customer with ``count`` open invoices (after the dataset is built)."""
    partner = env["res.partner"].create({"name": name, "is_company": True})
    Dataset(env, 0, 0, log=lambda *a: None).add_invoices(partner, count)
    return partner


def quotation(env, partner):
    """A quotation of one unit of the dataset's product at 10.0 for ``partner``."""
    product = env["product.product"].search([("name", "=", PRODUCT)], limit=1)
    return env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1, "price_unit": 10.0})],
        }
    )
