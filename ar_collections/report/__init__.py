from . import ar_statement
