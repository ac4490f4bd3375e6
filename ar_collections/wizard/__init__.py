from . import ar_collection_log_wizard
from . import ar_collection_run_wizard
from . import ar_credit_hold_wizard
from . import ar_credit_release_wizard
from . import ar_document_wizards
from . import ar_simple_wizards
