"""The views, actions and menus renamed as Odoo core names them: <model>_view_<type>, <model>_action, <model>_menu.

Their XML ids are renamed before the module's data loads: the records keep their ids, so
what points to them (users' favourite filters and home actions, menus, action bindings)
stays valid, and the data files then update them under their new names.
"""

from odoo.tools import SQL

RENAMED = {
    "ar_credit_profile_worklist_view_list": "ar_credit_profile_view_list",
    "ar_credit_profile_worklist_view_kanban": "ar_credit_profile_view_kanban",
    "ar_credit_profile_worklist_view_search": "ar_credit_profile_view_search",
    "res_partner_property_view_form": "res_partner_view_form_property",
    "res_partner_credit_view_list": "res_partner_view_list_credit",
    "ar_credit_profile_worklist_action": "ar_credit_profile_action_worklist",
    "ar_collection_dashboard_action": "ar_collection_kpi_action_dashboard",
    "ar_overdue_invoice_action": "account_move_action_overdue",
    "res_partner_credit_action": "res_partner_action_credit",
    "ar_credit_review_proposal_action": "ar_credit_review_action_proposal",
    "sale_order_pending_credit_action": "sale_order_action_credit_pending",
    "ar_collection_dashboard_menu": "ar_collection_kpi_menu_dashboard",
    "ar_worklist_menu": "ar_credit_profile_menu_worklist",
    "ar_overdue_invoice_menu": "account_move_menu_overdue",
    "res_partner_credit_menu": "res_partner_menu_credit",
    "ar_credit_review_proposal_menu": "ar_credit_review_menu_proposal",
    "sale_order_pending_credit_menu": "sale_order_menu_credit_pending",
    "ar_collection_run_menu": "ar_collection_run_wizard_menu",
    "ar_collection_reporting_menu": "ar_collections_menu_reporting",
    "ar_collections_config_menu": "ar_collections_menu_config",
    "action_ar_send_now": "account_move_action_send_now",
    "action_ar_exclude": "account_move_action_exclude",
    "action_ar_include": "account_move_action_include",
    "action_ar_create_plan": "account_move_action_create_plan",
    "action_ar_assign_collector": "account_move_action_assign_collector",
    "action_ar_assign_collector_partner": "res_partner_action_assign_collector",
    "ar_collection_letter_wizard_partner_action": "ar_collection_letter_wizard_action_partner",
    "ar_collection_letter_wizard_invoice_action": "ar_collection_letter_wizard_action_invoice",
}


def migrate(cr, version):
    cr.execute(
        SQL(
            """
            UPDATE ir_model_data data
               SET name = renamed.new
              FROM (VALUES %s) AS renamed(old, new)
             WHERE data.module = 'ar_collections' AND data.name = renamed.old
            """,
            SQL(", ").join(SQL("(%s, %s)", old, new) for old, new in RENAMED.items()),
        )
    )
