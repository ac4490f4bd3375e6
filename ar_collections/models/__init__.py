# The mixins first: the models after them inherit them.
from . import ar_credit_release_mixin
from . import ar_credit_warning_mixin
from . import ar_report_flush_mixin

# isort: split
from . import account_move
from . import account_move_line
from . import account_move_portal
from . import account_partial_reconcile
from . import ar_aging_report
from . import ar_cashin_forecast
from . import ar_collection_dispute
from . import ar_collection_engine
from . import ar_collection_event
from . import ar_collection_event_reply
from . import ar_collection_event_service
from . import ar_collection_kpi
from . import ar_collection_outcome
from . import ar_collection_policy
from . import ar_collection_promise
from . import ar_collection_stage
from . import ar_credit_profile
from . import ar_credit_profile_portal
from . import ar_credit_rating
from . import ar_credit_review
from . import ar_legal_file
from . import ar_payment_plan
from . import ar_payment_plan_line
from . import ir_actions_report
from . import mail_mail
from . import mail_thread
from . import payment_transaction
from . import res_company
from . import res_config_settings
from . import res_partner
from . import sale_order
