"""Odoo's mail gateway: answers and bounces of collection emails reach the collection ledger."""

from odoo import api
from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Once the gateway has posted an incoming email where it belongs, a customer's answer
        to a collection email is recorded in the ledger (see ar.collection.event._receive_reply)."""
        thread_id = super()._message_route_process(message, message_dict, routes)
        self.env["ar.collection.event"]._receive_reply(message, message_dict)
        return thread_id

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        """A bounced collection email is not delivered: its ledger event is marked failed."""
        result = super()._routing_handle_bounce(email_message, message_dict)
        self.env["ar.collection.event"]._receive_bounce(message_dict)
        return result
