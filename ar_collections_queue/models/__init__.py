from . import ar_collection_engine
