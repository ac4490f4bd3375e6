from . import ar_credit_profile
