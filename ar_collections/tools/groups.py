"""The addon's security groups, by XML id: the one place code names them.

Fields the addon adds to partners, invoices, orders and deliveries name one of these in
``groups=``: what the customer's own portal user must not read carries at least
``INTERNAL_USER_GROUP``; the collection team's notes about a customer (reasons, score
explanation, collection work) carry ``COLLECTION_USER_GROUP``.
"""

INTERNAL_USER_GROUP = "base.group_user"
COLLECTION_USER_GROUP = "ar_collections.group_ar_collection_user"
CREDIT_MANAGER_GROUP = "ar_collections.group_ar_credit_manager"
