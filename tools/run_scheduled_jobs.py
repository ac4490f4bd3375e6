# Fed to `odoo shell` by `make demo`: run the addon's scheduled jobs once so the
# demo opens on a worked collection (stages reached, letters sent, reviews done).
# `env` is provided by odoo shell.
import os
import runpy

env = globals()["env"]
if os.environ.get("AR_REPORT_URL"):
    # wkhtmltopdf loads the letters' CSS from the running demo server.
    env["ir.config_parameter"].sudo().set_param("report.url", os.environ["AR_REPORT_URL"])
crons = (
    env["ir.cron"]
    .search([])
    .filtered(lambda cron: cron.get_external_id().get(cron.id, "").startswith("ar_collections."))
)
for cron in crons.sorted("priority"):
    print(f"Running scheduled job: {cron.name}")
    cron.method_direct_trigger()
    env.cr.commit()
print(f"{len(crons)} scheduled job(s) run.")

# The customer's side: the link a reminder email carries, to open without logging in.
reminded = env["ar.collection.event"].search([("kind", "=", "email"), ("move_ids", "!=", False)], limit=1)
for invoice in reminded.move_ids[:1]:
    print(f"A reminder's link for {invoice.partner_id.name}: {invoice._ar_portal_url()}")
    env.cr.commit()

# The emails leave through a loopback SMTP server and two customers answer them (tools/demo_replies.py).
runpy.run_path(os.path.join(os.getcwd(), "tools", "demo_replies.py"), init_globals={"env": env})
