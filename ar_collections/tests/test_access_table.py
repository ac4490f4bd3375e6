"""The access table of readme/SECURITY.md is the code's: every public method of the addon is in
it, with the group the code checks; and each role, over real JSON-RPC, is refused the rest."""

import inspect
import os
import re

from odoo.tests import HttpCase
from odoo.tests import tagged

from ..controllers.portal import ArCollectionsPortal
from ..tools.groups import COLLECTION_USER_GROUP
from ..tools.groups import CREDIT_MANAGER_GROUP
from ..tools.groups import INTERNAL_USER_GROUP
from .common import ArCollectionsCommon

TABLE = os.path.join(os.path.dirname(__file__), "..", "readme", "SECURITY.md")
GROUP_LABELS = {
    CREDIT_MANAGER_GROUP: "Credit manager",
    COLLECTION_USER_GROUP: "Collection user",
    INTERNAL_USER_GROUP: "Internal user",
}
ADDONS = ("odoo.addons.ar_collections", "odoo.addons.ar_collections_stock", "odoo.addons.ar_collections_queue")


def access_table():
    """{(model, method): who may call it} from readme/SECURITY.md."""
    rows = {}
    with open(TABLE, encoding="utf-8") as table:
        for line in table:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) == 4 and re.fullmatch(r"[a-z_.]+", cells[0]) and cells[1] != "Method":
                rows[cells[0], cells[1]] = cells[2]
    return rows


def fields_table():
    """{(model, field): groups} of the sensitive fields table of readme/SECURITY.md."""
    rows = {}
    with open(TABLE, encoding="utf-8") as table:
        for line in table:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) == 3 and re.fullmatch(r"[a-z_.]+", cells[0]) and cells[1] != "Field":
                rows[cells[0], cells[1].strip("`")] = cells[2].strip("`")
    return rows


@tagged("post_install", "-at_install")
class TestAccessTable(ArCollectionsCommon):
    def _public_methods(self):
        """{(model, method): group the code checks or None} of every public method the addon defines."""
        methods = {}
        for name in self.env.registry:
            for klass in type(self.env[name]).__mro__:
                if not klass.__module__.startswith(ADDONS):
                    continue
                owner = klass._name or (klass._inherit if isinstance(klass._inherit, str) else klass._inherit[0])
                for attr, value in vars(klass).items():
                    if not attr.startswith("_") and inspect.isfunction(value):
                        methods[owner, attr] = getattr(value, "_ar_group", None)
        for attr, value in vars(ArCollectionsPortal).items():
            if not attr.startswith("_") and inspect.isfunction(value):
                methods["portal", attr] = None
        return methods

    def test_every_public_method_is_in_the_access_table_with_its_group(self):
        table = access_table()
        methods = self._public_methods()
        self.assertGreater(len(methods), 60)
        missing = sorted(f"{model}.{method}" for model, method in methods if (model, method) not in table)
        self.assertFalse(missing, f"public methods missing from readme/SECURITY.md: {missing}")
        stale = sorted(f"{model}.{method}" for model, method in table if (model, method) not in methods)
        self.assertFalse(stale, f"readme/SECURITY.md lists methods that do not exist: {stale}")
        for key, group in methods.items():
            if group:
                self.assertEqual(table[key], GROUP_LABELS[group], f"{key}: the table says otherwise than the code")
            else:
                self.assertNotIn(table[key], GROUP_LABELS.values(), f"{key} is not decorated: decorate it")

    def test_every_sensitive_field_is_in_the_table_with_its_groups(self):
        documented = fields_table()
        guarded = {}
        for name in self.env.registry:
            for field in self.env[name]._fields.values():
                module = field._module or ""
                if field.groups and module.startswith("ar_collections") and not field.inherited:
                    guarded[name, field.name] = field.groups
        self.assertGreater(len(guarded), 40)
        self.assertEqual(documented, guarded, "readme/SECURITY.md's field table differs from the code's groups=")


@tagged("post_install", "-at_install")
class TestRolesOverJsonRpc(HttpCase, ArCollectionsCommon):
    """Each role tries the methods of the roles above it over /web/dataset/call_kw: refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            role: cls._ar_user(f"rpc_{role}", role, password=f"rpc_{role}_pw")
            for role in ("salesman", "collector", "credit_manager")
        }
        cls.invoice = cls._ar_invoice(cls.customer, 500.0, days_overdue=20, invoice_user_id=cls.users["salesman"].id)
        cls.profile = cls.env["ar.credit.profile"]._get_or_create(cls.customer, cls.env.company)

    def _call(self, role, model, method, ids, *args, **kwargs):
        self.authenticate(f"rpc_{role}", f"rpc_{role}_pw")
        params = {"model": model, "method": method, "args": [ids, *args], "kwargs": kwargs}
        try:
            self.make_jsonrpc_request("/web/dataset/call_kw", params)
        except Exception as error:  # the JSON-RPC error, as the client receives it
            return str(error)
        return None

    def _assert_refused(self, role, model, method, ids, *args, **kwargs):
        error = self._call(role, model, method, ids, *args, **kwargs)
        self.assertTrue(error, f"{role} called {model}.{method}")
        self.assertRegex(error, "AccessError|UserError", f"{role} {model}.{method}: {error}")

    def test_a_salesperson_is_refused_the_collection_and_credit_methods(self):
        for method in ("action_ar_send_now", "action_ar_exclude", "action_ar_log_call", "action_ar_waive_late_fee"):
            self._assert_refused("salesman", "account.move", method, self.invoice.ids)
        self._assert_refused("salesman", "account.move", "write", self.invoice.ids, {"ar_excluded": True})
        for method in ("action_ar_review_now", "action_ar_rescore", "action_ar_credit_wizard", "action_ar_log_call"):
            self._assert_refused("salesman", "res.partner", method, self.customer.ids)
        self._assert_refused("salesman", "ar.credit.profile", "action_rescore", self.profile.ids)
        self._assert_refused(
            "salesman",
            "sale.order",
            "create",
            {"partner_id": self.customer.id, "ar_credit_released_amount": 99999.0},
        )
        self.assertFalse(self.invoice.ar_stage_id)
        self.assertFalse(self.invoice.ar_excluded)

    def test_a_collector_is_refused_the_credit_managers_methods(self):
        self.assertIsNone(self._call("collector", "account.move", "action_ar_send_now", self.invoice.ids))
        self.assertTrue(self.invoice.ar_stage_id, "a collector may send")
        for method in ("action_ar_review_now", "action_ar_rescore", "action_ar_pause_collection"):
            self._assert_refused("collector", "res.partner", method, self.customer.ids)
        self._assert_refused(
            "collector", "ar.credit.profile", "action_pause_collection", self.profile.ids, "2099-01-01", "x"
        )
        self._assert_refused(
            "collector",
            "ar.collection.event",
            "create",
            {"partner_id": self.customer.id, "kind": "call", "date": "2025-01-01 10:00:00"},
        )
        self._assert_refused("collector", "account.move", "action_ar_waive_late_fee", self.invoice.ids)
        self.assertFalse(self.profile.collection_paused_until)

    def test_a_credit_manager_may_and_nobody_forges_a_release(self):
        self.assertIsNone(self._call("credit_manager", "ar.credit.profile", "action_rescore", self.profile.ids))
        # Rating, limit and holds go through their actions, which log them: not a plain write.
        for values in ({"hold": True}, {"credit_limit": 1e9}, {"rating_id": self._ar_rating("A").id}):
            self._assert_refused("credit_manager", "ar.credit.profile", "write", self.profile.ids, values)
        self.assertFalse(self.profile.hold)
        collector = self.users["collector"]
        self.assertIsNone(
            self._call("credit_manager", "ar.credit.profile", "write", self.profile.ids, {"collector_id": collector.id})
        )
        self.assertEqual(self.profile.collector_id, collector)
        self._assert_refused(
            "credit_manager", "sale.order", "create", {"partner_id": self.customer.id, "ar_credit_released_amount": 1.0}
        )

    def test_cover_write_offs_and_provisions_are_refused_below_their_role(self):
        cover = {"name": "FORGED", "kind": "guarantee", "partner_id": self.customer.id, "amount": 1e9}
        for role in ("salesman", "collector"):
            self._assert_refused(role, "ar.credit.cover", "create", cover)
            self._assert_refused(role, "ar.provision.run", "create", {"company_id": self.env.company.id})
        self._assert_refused("salesman", "account.move", "action_ar_insurer_notified", self.invoice.ids)
        self._assert_refused("salesman", "ar.write.off", "create", {"move_id": self.invoice.id, "reason": "Gone"})
        self.assertIsNone(
            self._call("collector", "ar.write.off", "create", {"move_id": self.invoice.id, "reason": "Bankrupt"})
        )
        write_off = self.env["ar.write.off"].search([("move_id", "=", self.invoice.id)])
        self.assertEqual(write_off.state, "requested")
        for values in ({"state": "written_off"}, {"amount": 1.0}):
            self._assert_refused("collector", "ar.write.off", "write", write_off.ids, values)
        self._assert_refused("collector", "ar.write.off", "action_approve", write_off.ids)
        self._assert_refused("collector", "ar.write.off", "action_refuse", write_off.ids)
        self.assertEqual(write_off.state, "requested")
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertFalse(self.env["ar.credit.cover"].search([("name", "=", "FORGED")]))

    def test_a_public_visitor_calls_nothing(self):
        self.authenticate(None, None)
        params = {"model": "account.move", "method": "action_ar_send_now", "args": [self.invoice.ids], "kwargs": {}}
        with self.assertRaises(Exception) as refusal:
            self.make_jsonrpc_request("/web/dataset/call_kw", params)
        self.assertIn("SessionExpired", str(refusal.exception))
        self.assertFalse(self.invoice.ar_stage_id)

    def test_a_collector_of_another_company_cannot_touch_this_ones_customers(self):
        other = self.setup_other_company(name="Other Trust Co")["company"]
        self._ar_user("rpc_other_collector", "collector", company=other, password="rpc_other_collector_pw")
        self.authenticate("rpc_other_collector", "rpc_other_collector_pw")
        for model, method, ids in (
            ("account.move", "action_ar_send_now", self.invoice.ids),
            ("ar.credit.profile", "read", self.profile.ids),
        ):
            params = {"model": model, "method": method, "args": [ids], "kwargs": {}}
            with self.assertRaises(Exception) as refusal:
                self.make_jsonrpc_request("/web/dataset/call_kw", params)
            self.assertRegex(str(refusal.exception), "AccessError|MissingError", f"{model}.{method}")
        self.assertFalse(self.invoice.ar_stage_id)
