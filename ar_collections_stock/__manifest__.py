{
    "name": "AR Collections - Suspend Deliveries",
    "summary": "Refuse to deliver to customers on credit hold or blacklisted (停止供货)",
    "version": "18.0.1.0.0",
    "category": "Inventory/Delivery",
    "website": "https://github.com/ar-collections/ar_collections",
    "author": "ar_collections contributors",
    "license": "LGPL-3",
    "depends": ["ar_collections", "stock"],
    "data": [
        "views/stock_picking_views.xml",
    ],
    "installable": True,
    "auto_install": True,
}
