"""Credit ratings: the grades, the score band each covers and the terms that go with it."""

from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError

from ..tools.groups import INTERNAL_USER_GROUP
from ..tools.groups import requires_group


class ArCreditRating(models.Model):
    """A credit grade: the band of scores it covers and the terms that go with it."""

    _name = "ar.credit.rating"
    _description = "Credit Rating"
    _order = "min_score desc, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short grade shown in lists, e.g. A.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the rating between companies.",
    )
    min_score = fields.Integer(
        string="Minimum Score",
        required=True,
        help="Customers whose credit score (0-100) reaches this score get this rating, "
        "unless a higher rating's minimum is reached too.",
    )
    max_score = fields.Integer(
        string="Maximum Score",
        compute="_compute_max_score",
        help="Highest score of the band: one less than the next rating's minimum.",
    )
    default_credit_limit = fields.Float(
        help="Credit limit, in the company's currency, of customers with this rating "
        "who have no limit of their own. 0 means no limit.",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Default Payment Terms",
        help="Payment terms given to customers when they get this rating.",
    )
    prepayment_required = fields.Boolean(
        help="Sale orders of these customers are confirmed only once fully paid in advance.",
    )
    review_interval_months = fields.Integer(
        string="Review Every (Months)",
        default=6,
        required=True,
        help="How often the credit review job re-scores customers with this rating.",
    )
    policy_id = fields.Many2one(
        "ar.collection.policy",
        string="Collection Policy",
        company_dependent=True,
        help="How customers with this rating are reminded; empty: the company's default policy.",
    )
    note = fields.Text(translate=True)
    partner_count = fields.Integer(compute="_compute_partner_count", string="Customers")

    def write(self, vals):
        result = super().write(vals)
        if "policy_id" in vals:
            self.env["account.move"]._ar_refresh_open_invoices()
        return result

    @api.depends("min_score", "company_id", "active")
    def _compute_max_score(self):
        for rating in self:
            higher = [
                other.min_score for other in rating._ladder(rating.company_id) if other.min_score > rating.min_score
            ]
            rating.max_score = min(higher) - 1 if higher else 100

    def _compute_partner_count(self):
        counts = dict(
            self.env["ar.credit.profile"]._read_group([("rating_id", "in", self.ids)], ["rating_id"], ["__count"])
        )
        for rating in self:
            rating.partner_count = counts.get(rating, 0)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for rating in self:
            rating.display_name = f"{rating.code} - {rating.name}" if rating.code else rating.name

    @api.constrains("min_score", "default_credit_limit", "review_interval_months")
    def _check_numbers(self):
        for rating in self:
            if not 0 <= rating.min_score <= 100:
                raise ValidationError(
                    self.env._("The minimum score of rating %s must be between 0 and 100.", rating.display_name)
                )
            if rating.default_credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The default credit limit of rating %s cannot be negative. Enter 0 for no limit.",
                        rating.display_name,
                    )
                )
            if rating.review_interval_months <= 0:
                raise ValidationError(
                    self.env._("Rating %s must be reviewed at least every month: enter 1 or more.", rating.display_name)
                )

    @api.constrains("min_score", "active", "company_id")
    def _check_score_ladder(self):
        """The ratings a company uses must cover every score from 0 to 100 exactly once."""
        companies = self.company_id
        if not all(self.company_id) or not companies:
            companies = self.env["res.company"].search([])
        for company in companies:
            self._check_ladder_of(company)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_unused(self):
        """A rating that customers have or had (credit history) is archived, not deleted
        (checked after the ladder: ondelete methods run in the order of their names)."""
        used = {
            rating
            for (rating,) in self.env["ar.credit.profile"]
            .sudo()
            ._read_group([("rating_id", "in", self.ids)], ["rating_id"])
        }
        Review = self.env["ar.credit.review"].sudo()
        for name in ("old_rating_id", "new_rating_id"):
            used |= {rating for (rating,) in Review._read_group([(name, "in", self.ids)], [name])}
        if used:
            raise UserError(
                self.env._(
                    "Credit rating %(ratings)s is given to customers or appears in their credit history and cannot "
                    "be deleted: archive it instead.",
                    ratings=", ".join(sorted(rating.display_name for rating in used)),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_keep_ladder_whole(self):
        for company in self.env["res.company"].search([]):
            self._check_ladder_of(company, without=self)

    def _ladder(self, company, without=None):
        """Active ratings available to ``company``, best first."""
        domain = [("company_id", "in", [False, company.id])]
        if without:
            domain.append(("id", "not in", without.ids))
        return self.with_context(active_test=True).search(domain, order="min_score desc")

    def _check_ladder_of(self, company, without=None):
        ladder = self._ladder(company, without)
        if not ladder:
            return
        scores = ladder.mapped("min_score")
        duplicates = sorted({score for score in scores if scores.count(score) > 1})
        if duplicates:
            names = ", ".join(ladder.filtered(lambda r: r.min_score in duplicates).mapped("display_name"))
            raise ValidationError(
                self.env._(
                    "Ratings %(names)s have the same minimum score %(score)s: each score must "
                    "belong to exactly one rating. Give each rating a different minimum score.",
                    names=names,
                    score=duplicates[0],
                )
            )
        if min(scores) != 0:
            raise ValidationError(
                self.env._(
                    "Scores below %(lowest)s have no rating in %(company)s. Set the minimum score "
                    "of the lowest rating to 0 so that every customer can be rated.",
                    lowest=min(scores),
                    company=company.name,
                )
            )

    @api.model
    def _rating_for_score(self, score, company, ladder=None):
        """The best rating whose minimum score ``score`` reaches, for ``company``.

        ``ladder``: the company's `_ladder`, read once by a caller that rates many customers.
        """
        for rating in self._ladder(company) if ladder is None else ladder:
            if score >= rating.min_score:
                return rating
        return self.browse()

    @requires_group(INTERNAL_USER_GROUP)
    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ar_collections.res_partner_action_credit")
        action["domain"] = [("ar_credit_profile_ids.rating_id", "=", self.id)]
        action["context"] = {}
        return action
