{
    "name": "AR Collections on Queue Jobs",
    "summary": "Run the collection escalation as parallel batch jobs on OCA queue_job",
    "version": "18.0.1.1.0",
    "category": "Accounting",
    "website": "https://github.com/ar-collections/ar_collections",
    "author": "ar_collections contributors",
    "license": "LGPL-3",
    "depends": ["ar_collections", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
    ],
    "installable": True,
    "auto_install": True,
}
