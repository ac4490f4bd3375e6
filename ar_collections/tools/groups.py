"""The addon's security groups, by XML id: the one place code names them, and the check
every entry point makes before it does anything (see readme/SECURITY.md).

Fields the addon adds to partners, invoices, orders and deliveries name one of these in
``groups=``: what the customer's own portal user must not read carries at least
``INTERNAL_USER_GROUP``; the collection team's notes about a customer (reasons, score
explanation, collection work) carry ``COLLECTION_USER_GROUP``.
"""

import functools

from odoo.exceptions import AccessError

COLLECTION_USER_GROUP = "ar_collections.group_ar_collection_user"
CREDIT_MANAGER_GROUP = "ar_collections.group_ar_credit_manager"
# Entry points any internal user may call (Odoo's access rights on the records decide), and
# fields no portal or public user reads.
INTERNAL_USER_GROUP = "base.group_user"


def check_group(env, group, message=None):
    """Refuse (AccessError) unless the user, not the environment, belongs to ``group``: superuser
    mode (``sudo()``) on a path a user started does not count. Scheduled jobs run as the
    superuser itself and pass."""
    if env.user._is_superuser() or env.user.has_group(group):
        return
    raise AccessError(
        message
        or env._(
            "%(user)s cannot do this: it is for the group %(group)s. Ask your administrator.",
            user=env.user.name,
            group=env.ref(group).sudo().full_name,
        )
    )


def requires_group(group):
    """Decorate a public method: its caller must belong to ``group`` (checked first, before any
    ``sudo()``). The group is kept on the method for the access table's test."""

    def decorate(method):
        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            check_group(self.env, group)
            return method(self, *args, **kwargs)

        checked._ar_group = group
        return checked

    return decorate
