"""Collection stages: when each rung of a policy comes and what it does (email, letter,
activity, hold, fee, legal file)."""

import itertools

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

ACTIVITY_USERS = [
    ("collector", "Customer's collector"),
    ("salesperson", "Salesperson"),
    ("credit_manager", "Credit manager"),
]


class ArCollectionStage(models.Model):
    """One rung of a collection policy: when it comes (days from the due date) and what it does."""

    _name = "ar.collection.stage"
    _description = "Collection Stage"
    _order = "policy_id, sequence, offset_days, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    policy_id = fields.Many2one("ar.collection.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    offset_days = fields.Integer(
        string="Days From Due Date",
        required=True,
        help="When the stage comes, in days after the due date; negative: before the due date.",
    )
    min_amount = fields.Float(
        string="Minimum Overdue Amount",
        help="The stage applies only when the customer owes at least this much, overdue, in company currency.",
    )
    # ---- actions ----
    send_email = fields.Boolean()
    mail_template_id = fields.Many2one(
        "mail.template", string="Email Template", domain=[("model", "=", "ar.collection.event")]
    )
    print_letter = fields.Boolean(string="Letter", help="Render the letter and attach it to the email or the ledger.")
    report_id = fields.Many2one(
        "ir.actions.report",
        string="Letter Report",
        domain=[("model", "in", ("ar.collection.event", "res.partner", "account.move"))],
    )
    create_activity = fields.Boolean()
    activity_type_id = fields.Many2one("mail.activity.type")
    activity_summary = fields.Char(translate=True)
    activity_user = fields.Selection(ACTIVITY_USERS, string="Activity For", default="collector")
    put_on_hold = fields.Boolean(help="Put the customer on credit hold (cause: collection stage).")
    charge_fee = fields.Boolean(
        string="Charge Late Fee", help="Charge the company's late fee, if the policy charges late fees."
    )
    open_legal_file = fields.Boolean(
        help="Open a legal file with the evidence of the debt, once every formal notice before this stage has "
        "reached the customer and its deadline has passed."
    )
    formal_notice = fields.Boolean(
        help="A formal demand (催告): no legal file opens before it has reached the customer (proof of service) "
        "and its payment deadline has passed; once proven served, it restarts the limitation period."
    )
    review_before_sending = fields.Boolean(
        help="The job prepares the letter and asks the credit manager to have it reviewed (by the law firm) "
        "instead of sending it; it goes out once approved.",
    )
    # ---- letter texts ----
    letter_intro = fields.Html(translate=True, sanitize_attributes=False, help="Opening paragraph of the letter.")
    consequences = fields.Html(
        translate=True, help="What happens if the customer does not pay by the deadline (demand and lawyer letters)."
    )
    legal_basis = fields.Html(translate=True, help="Legal basis of the claim (lawyer letter).")
    deadline_days = fields.Integer(
        string="Payment Deadline (Days)", default=0, help="Deadline given in the letter: letter date + these days."
    )

    @api.constrains("offset_days", "sequence", "policy_id", "active")
    def _check_offsets_increase(self):
        """In the order of the stages, each stage comes strictly later than the one before."""
        for policy in self.policy_id:
            stages = policy.stage_ids.filtered("active").sorted(lambda stage: (stage.sequence, stage.id))
            for before, after in itertools.pairwise(stages):
                if after.offset_days <= before.offset_days:
                    raise ValidationError(
                        self.env._(
                            "In policy %(policy)s, stage %(after)s (%(after_days)s days) must come after stage "
                            "%(before)s (%(before_days)s days): give each stage more days than the one before it.",
                            policy=policy.name,
                            after=after.name,
                            after_days=after.offset_days,
                            before=before.name,
                            before_days=before.offset_days,
                        )
                    )

    @api.constrains(
        "send_email",
        "mail_template_id",
        "print_letter",
        "report_id",
        "create_activity",
        "activity_type_id",
        "put_on_hold",
        "charge_fee",
        "open_legal_file",
        "min_amount",
        "deadline_days",
    )
    def _check_actions(self):
        for stage in self:
            name = stage.name
            if not any(
                (
                    stage.send_email,
                    stage.print_letter,
                    stage.create_activity,
                    stage.put_on_hold,
                    stage.charge_fee,
                    stage.open_legal_file,
                )
            ):
                raise ValidationError(self.env._("Stage %s does nothing: choose at least one action.", name))
            if stage.send_email and not stage.mail_template_id:
                raise ValidationError(self.env._("Stage %s sends an email: choose its email template.", name))
            if stage.print_letter and not stage.report_id:
                raise ValidationError(self.env._("Stage %s prints a letter: choose the letter's report.", name))
            if stage.create_activity and not stage.activity_type_id:
                raise ValidationError(self.env._("Stage %s creates an activity: choose its activity type.", name))
            if stage.min_amount < 0:
                raise ValidationError(self.env._("The minimum amount of stage %s cannot be negative.", name))
            if stage.deadline_days < 0:
                raise ValidationError(self.env._("The payment deadline of stage %s cannot be negative.", name))

    @api.model_create_multi
    def create(self, vals_list):
        stages = super().create(vals_list)
        self.env["account.move"]._ar_refresh_open_invoices()
        return stages

    def write(self, vals):
        result = super().write(vals)
        if {"offset_days", "active", "policy_id", "min_amount"} & set(vals):
            self.env["account.move"]._ar_refresh_open_invoices()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        self._check_unused()

    def unlink(self):
        result = super().unlink()
        self.env["account.move"]._ar_refresh_open_invoices()
        return result

    def _check_unused(self):
        """Refuse to delete stages that the ledger or an invoice names: they are archived instead."""
        used = {
            stage
            for (stage,) in self.env["ar.collection.event"]
            .sudo()
            ._read_group([("stage_id", "in", self.ids)], ["stage_id"])
        } | {
            stage
            for (stage,) in self.env["account.move"]
            .sudo()
            ._read_group([("ar_stage_id", "in", self.ids)], ["ar_stage_id"])
        }
        if used:
            raise UserError(
                self.env._(
                    "Collection stage %(stages)s has been used (collection ledger, invoices) and cannot be deleted: "
                    "archive it instead.",
                    stages=", ".join(sorted(stage.display_name for stage in used)),
                )
            )

    def _actions_summary(self):
        """The stage's actions in words, for previews and lists."""
        self.ensure_one()
        labels = []
        if self.send_email:
            labels.append(self.env._("email"))
        if self.print_letter:
            labels.append(self.env._("letter: %s", self.report_id.name))
        if self.create_activity:
            labels.append(self.env._("activity: %s", self.activity_summary or self.activity_type_id.name))
        if self.put_on_hold:
            labels.append(self.env._("credit hold"))
        if self.charge_fee and self.policy_id.charge_late_fees:
            labels.append(self.env._("late fee"))
        if self.open_legal_file:
            labels.append(self.env._("legal file"))
        if self.review_before_sending:
            labels.append(self.env._("review before sending"))
        return ", ".join(labels)
