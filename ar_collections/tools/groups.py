"""The addon's security groups, by XML id: the one place code names them."""

COLLECTION_USER_GROUP = "ar_collections.group_ar_collection_user"
CREDIT_MANAGER_GROUP = "ar_collections.group_ar_credit_manager"
