# Run by `make demo` after the scheduled jobs (see run_scheduled_jobs.py), in `odoo shell`:
# the collection emails leave through a real SMTP server on loopback (aiosmtpd, a sink that
# keeps what it receives), then two customers answer them through Odoo's mail gateway, as
# their mail programs would: Bluefield with a payment proof, Maple with a complaint (and a
# photo) that its collector turns into a dispute. `env` is provided by odoo shell (the test
# of the demo runs this file with its own `env`).
import io
import logging
import socket
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid

from PIL import Image
from PIL import ImageDraw

try:
    from aiosmtpd.controller import Controller
except ImportError:  # `make demo` installs it (requirements-dev.txt)
    Controller = None

env = globals()["env"]
# aiosmtpd logs every SMTP command at INFO: keep the demo's output readable.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def deliver_the_queue():
    """Send every queued email to an SMTP sink on loopback; return how many it received."""
    if Controller is None:
        print("aiosmtpd is not installed (pip install -r requirements-dev.txt): the emails stay queued.")
        return 0
    received = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 Message accepted"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    server = env["ir.mail_server"].create(
        {"name": "Demo SMTP sink (loopback)", "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_encryption": "none"}
    )
    try:
        env["mail.mail"].process_email_queue()
    finally:
        controller.stop()
        # The sink is gone: the demo server falls back on Odoo's default outgoing server.
        server.active = False
    return len(received)


def answer(event, body, attachments=()):
    """Process, through the mail gateway, the answer the customer's mail program sends to the
    email of ``event``."""
    mail = event.mail_id
    message = EmailMessage()
    message["From"] = event.partner_id.email_formatted
    message["To"] = mail.reply_to or mail.email_from
    message["Subject"] = f"Re: {mail.subject}"
    message["Date"] = formatdate()
    message["Message-Id"] = make_msgid(domain=event.partner_id.email.split("@")[-1])
    message["In-Reply-To"] = mail.message_id
    message["References"] = mail.message_id
    message.set_content(body)
    for name, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    env["mail.thread"].message_process(False, message.as_bytes())
    return env["ar.collection.event"].search([("kind", "=", "reply"), ("reply_to_id", "=", event.id)], limit=1)


def remittance_advice(customer, invoices):
    html = (
        "<html><body style='font-family: sans-serif'><h2>Remittance advice</h2>"
        f"<p>{customer.name} paid by wire transfer today:</p><ul>"
        + "".join(
            f"<li>{invoice.name}: {invoice.amount_residual:,.2f} {invoice.currency_id.name}</li>"
            for invoice in invoices
        )
        + "</ul><p>Reference: WIRE-2026-0042</p></body></html>"
    )
    return env["ir.actions.report"]._run_wkhtmltopdf([html])


def photo(text):
    image = Image.new("RGB", (480, 320), "#c8b48c")
    ImageDraw.Draw(image).text((20, 140), text, fill="black")
    stream = io.BytesIO()
    image.save(stream, format="PNG")
    return stream.getvalue()


def last_email(xmlid):
    customer = env.ref(f"ar_collections.{xmlid}")
    return customer, env["ar.collection.event"].search(
        [("partner_id", "=", customer.id), ("kind", "=", "email"), ("mail_id", "!=", False)], order="id desc", limit=1
    )


print(f"Collection emails delivered to the loopback SMTP sink: {deliver_the_queue()}")
env.cr.commit()

bluefield, email = last_email("ar_demo_partner_bluefield")
if email and not email.reply_ids:
    reply = answer(
        email,
        "Hello,\n\nWe paid this invoice by wire transfer this morning, the remittance advice is attached.\n\n"
        "Best regards,\nBluefield Retail, Finance",
        [("remittance-advice.pdf", remittance_advice(bluefield, email.move_ids), "application", "pdf")],
    )
    print(f"{bluefield.name} replied with a payment proof: {reply.display_name} (to handle)")
    env.cr.commit()

maple, email = last_email("ar_demo_partner_maple")
if email and not email.reply_ids:
    reply = answer(
        email,
        "Hello,\n\nWe will not pay this invoice as it stands: half of the paper reams arrived soaked, "
        "see the photo. Please send a credit note for them.\n\nMaple Office Supplies, Payables",
        [("damaged-delivery.png", photo("Damaged delivery - water"), "image", "png")],
    )
    action = reply.with_context(ar_answer="dispute").action_handle_reply()
    wizard = env[action["res_model"]].with_context(**action["context"]).create({"dispute_reason": "quality"})
    wizard.action_confirm()
    print(f"{maple.name}'s reply became a dispute: {reply.handled_by_id.dispute_id.display_name}")
    env.cr.commit()
