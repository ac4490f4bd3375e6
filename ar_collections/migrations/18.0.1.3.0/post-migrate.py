"""18.0.1.3.0: credit onboarding. Customers created from the upgrade on apply for credit; those
that exist keep their terms (their profiles were given the status 'Credit approved' when the
column was added)."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            "UPDATE res_company SET ar_credit_onboarding_since = now() AT TIME ZONE 'UTC' "
            "WHERE ar_credit_onboarding_since IS NULL"
        )
    )
