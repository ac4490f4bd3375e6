"""The record is append-only in fact: nobody creates, changes or deletes a ledger event or a
credit history row by hand (from the ORM or over JSON-RPC, whatever the context), what they
name is archived rather than deleted, and merging customers keeps their record."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase
from odoo.tests import JsonRpcException
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ArCollectionsCommon

# Context keys that once unlocked, or might be hoped to unlock, a guard.
HOPEFUL_CONTEXT = {"ar_credit_review_decision": True, "ar_credit_no_log": True, "ar_by_customer": True}


class LedgerCase(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = cls._ar_user("ledger_collector", "collector")
        cls.manager = cls._ar_user("ledger_manager", "credit_manager")
        cls.manager.groups_id |= cls.env.ref("base.group_partner_manager")  # edits contacts' limits
        cls.profile = cls.env["ar.credit.profile"]._get_or_create(cls.customer, cls.env.company)
        cls.event = cls.env["ar.collection.event"]._log(cls.customer, cls.env.company, "call", note="Called Pat")
        cls.review = cls.env["ar.credit.review"]._log_change("limit", "Agreed", [(cls.profile, {"new_limit": 5000.0})])

    def _event_values(self):
        return {"partner_id": self.customer.id, "kind": "call", "note": "A call nobody made"}

    def _review_values(self):
        return {"profile_id": self.profile.id, "origin": "manual", "new_limit": 1e9, "reason": "Trust me"}


@tagged("post_install", "-at_install")
class TestLedgerAppendOnly(LedgerCase):
    def test_nobody_creates_changes_or_deletes_an_event_by_hand(self):
        for user in (self.collector, self.manager):
            for context in ({}, HOPEFUL_CONTEXT):
                Event = self.env["ar.collection.event"].with_user(user).with_context(**context)
                event = self.event.with_user(user).with_context(**context)
                with self.subTest(user=user.login, context=context):
                    with self.assertRaises(UserError):
                        Event.create(self._event_values())
                    with self.assertRaises(UserError):
                        event.write({"note": "Never called"})
                    with self.assertRaises(UserError):
                        event.write({"failed": True})
                    with self.assertRaises(UserError):
                        event.unlink()
        self.assertEqual(self.event.note, "Called Pat")

    def test_nobody_creates_changes_or_deletes_credit_history_by_hand(self):
        for user in (self.collector, self.manager):
            for context in ({}, HOPEFUL_CONTEXT):
                Review = self.env["ar.credit.review"].with_user(user).with_context(**context)
                review = self.review.with_user(user).with_context(**context)
                with self.subTest(user=user.login, context=context):
                    with self.assertRaises(UserError):
                        Review.create(self._review_values())
                    with self.assertRaises(UserError):
                        review.write({"new_limit": 1e9})
                    with self.assertRaises(UserError):
                        review.write({"state": "approved"})
                    with self.assertRaises(UserError):
                        review.unlink()
        self.assertRecordValues(self.review, [{"new_limit": 5000.0, "state": "applied"}])

    def test_even_the_review_code_changes_only_the_decision(self):
        with self.assertRaises(UserError):
            self.review.sudo().write({"reason": "Rewritten", "old_limit": 0.0})

    def test_the_author_of_an_event_is_who_acted_whatever_the_context(self):
        wizard = (
            self.env["ar.collection.log.wizard"]
            .with_user(self.collector)
            .with_context(ar_by_customer=True)
            .create({"partner_id": self.customer.id, "kind": "call", "note": "Said to be the customer"})
        )
        wizard.action_log()
        event = self.env["ar.collection.event"].search([("note", "=", "Said to be the customer")])
        self.assertRecordValues(event, [{"user_id": self.collector.id, "by_customer": False}])

    def test_a_limit_change_is_logged_whatever_the_context(self):
        count = len(self.profile.review_ids)
        self.customer.with_user(self.manager).with_context(ar_credit_no_log=True).write(
            {"use_partner_credit_limit": True, "credit_limit": 12345.0}
        )
        self.assertEqual(len(self.profile.review_ids), count + 1)
        self.assertEqual(self.profile.review_ids.sorted("id")[-1].new_limit, 12345.0)


@tagged("post_install", "-at_install")
class TestArchiveNotDelete(LedgerCase):
    def test_a_customer_with_a_record_is_archived_not_deleted(self):
        with self.assertRaisesRegex(UserError, "archive it instead"):
            self.customer.unlink()
        self.customer.action_archive()
        self.assertTrue(self.event.exists())

    def test_a_customer_without_a_record_can_still_be_deleted(self):
        newcomer = self._ar_customer("Newcomer Ltd")
        self.env["ar.credit.profile"]._get_or_create(newcomer, self.env.company)
        newcomer.unlink()
        self.assertFalse(newcomer.exists())

    def test_a_stage_in_the_ledger_is_archived_not_deleted(self):
        stage = self.env.ref("ar_collections.stage_demand")
        self.env["ar.collection.event"]._log(self.customer, self.env.company, "letter", stage_id=stage.id)
        with self.assertRaisesRegex(UserError, "archive it instead"):
            stage.unlink()
        with self.assertRaisesRegex(UserError, "archive it instead"):
            stage.policy_id.unlink()
        stage.action_archive()
        self.assertFalse(stage.active)

    def test_a_rating_in_use_is_archived_not_deleted(self):
        rating = self.env["ar.credit.rating"].create(
            {"name": "Gold", "code": "G", "min_score": 97, "company_id": self.env.company.id}
        )
        review = self.env["ar.credit.review"]._log_change(
            "rating", "Best payer", [(self.profile, {"new_rating_id": rating.id})]
        )
        review._apply_to_profile()
        self.assertEqual(self.profile.rating_id, rating)
        with self.assertRaisesRegex(UserError, "archive it instead"):
            rating.unlink()
        self.assertTrue(rating.exists())

    def test_an_unused_rating_can_be_deleted(self):
        rating = self.env["ar.credit.rating"].create(
            {"name": "Gold", "code": "G", "min_score": 97, "company_id": self.env.company.id}
        )
        rating.unlink()
        self.assertFalse(rating.exists())


@tagged("post_install", "-at_install")
class TestPartnerMerge(LedgerCase):
    def _merge(self, source, destination):
        self.env["base.partner.merge.automatic.wizard"]._merge((source | destination).ids, destination)

    def test_merging_keeps_the_record_on_the_surviving_customer(self):
        survivor = self._ar_customer("Acme Retail Group")
        kept = self.env["ar.credit.profile"]._get_or_create(survivor, self.env.company)
        self.profile.sudo()._set_hold("Unpaid since March")
        history = self.profile.review_ids
        events = self.env["ar.collection.event"].search([("partner_id", "=", self.customer.id)])
        self.assertTrue(history and events)

        self._merge(self.customer, survivor)

        self.assertFalse(self.customer.exists())
        self.assertFalse(self.profile.exists(), "merged into the survivor's profile")
        self.assertEqual(self.env["ar.credit.profile"].search([("partner_id", "=", survivor.id)]), kept)
        self.assertEqual(history.profile_id, kept, "the credit history moved")
        self.assertEqual(history.partner_id, survivor)
        self.assertEqual(events.exists(), events, "no event lost")
        self.assertEqual(events.partner_id, survivor)
        self.assertTrue(kept.hold, "the stricter standing is kept")
        self.assertEqual(kept.hold_reason, "Unpaid since March")
        self.assertIn("merged", self.env["ar.collection.event"].search([("partner_id", "=", survivor.id)])[0].note)

    def test_merging_into_a_customer_without_a_profile_moves_the_profile(self):
        survivor = self._ar_customer("Acme Holdings")
        history = self.profile.review_ids
        self._merge(self.customer, survivor)
        self.assertEqual(self.profile.partner_id, survivor)
        self.assertEqual(history.profile_id, self.profile)
        self.assertEqual(self.event.partner_id, survivor)


@tagged("post_install", "-at_install")
class TestLedgerOverRpc(LedgerCase, HttpCase):
    """The same refusals for a real client: JSON-RPC, as the web client calls the server."""

    def _call(self, model, method, args, context=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": {"context": context or {}}},
        )

    @mute_logger("odoo.http")
    def test_a_credit_manager_cannot_forge_the_record_over_rpc(self):
        self.authenticate(self.manager.login, self.manager.login)
        calls = [
            ("ar.credit.review", "create", [[self._review_values()]]),
            ("ar.credit.review", "write", [self.review.ids, {"new_limit": 1e9, "state": "approved"}]),
            ("ar.credit.review", "unlink", [self.review.ids]),
            ("ar.collection.event", "create", [[self._event_values()]]),
            ("ar.collection.event", "write", [self.event.ids, {"note": "Never called"}]),
            ("ar.collection.event", "unlink", [self.event.ids]),
        ]
        for model, method, args in calls:
            for context in ({}, HOPEFUL_CONTEXT):
                with self.subTest(model=model, method=method, context=context):
                    with self.assertRaises(JsonRpcException) as refused:
                        self._call(model, method, args, context)
                    self.assertIn(str(refused.exception), ("odoo.exceptions.UserError", "odoo.exceptions.AccessError"))
        self.assertRecordValues(self.review, [{"new_limit": 5000.0, "state": "applied"}])
        self.assertEqual(self.event.note, "Called Pat")
        self.assertEqual(self.env["ar.credit.review"].search_count([("reason", "=", "Trust me")]), 0)

    @mute_logger("odoo.http")
    def test_a_collector_cannot_forge_an_event_over_rpc(self):
        self.authenticate(self.collector.login, self.collector.login)
        with self.assertRaises(JsonRpcException):
            self._call("ar.collection.event", "create", [[self._event_values()]], HOPEFUL_CONTEXT)
        # The ledger API itself is private: a client cannot call it.
        with self.assertRaises(JsonRpcException):
            self._call("ar.collection.event", "_log", [self.customer.id, self.env.company.id, "call"])
        self.assertEqual(self.env["ar.collection.event"].search_count([("partner_id", "=", self.customer.id)]), 1)

    @mute_logger("odoo.http")
    def test_a_limit_changed_over_rpc_is_logged_whatever_the_context(self):
        self.authenticate(self.manager.login, self.manager.login)
        count = len(self.profile.review_ids)
        self._call(
            "res.partner",
            "write",
            [self.customer.ids, {"use_partner_credit_limit": True, "credit_limit": 777.0}],
            {**HOPEFUL_CONTEXT, "allowed_company_ids": self.env.company.ids},
        )
        self.profile.invalidate_recordset()
        self.assertEqual(len(self.profile.review_ids), count + 1)
