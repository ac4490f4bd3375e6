from odoo.tests import tagged

from .common import ArCollectionsCommon


@tagged("post_install", "-at_install")
class TestCollectionSettings(ArCollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Second Collections Co")["company"]
        cls.env.user.company_ids |= cls.company_2

    def _settings(self, company):
        return self.env["res.config.settings"].with_company(company).create({})

    def test_scheduled_collections_switch_is_stored_per_company(self):
        self.assertTrue(self.env.company.ar_collection_enabled, "on by default")
        settings = self._settings(self.company_2)
        settings.ar_collection_enabled = False
        settings.execute()

        self.assertFalse(self.company_2.ar_collection_enabled)
        self.assertTrue(self.env.company.ar_collection_enabled)
        self.assertFalse(self._settings(self.company_2).ar_collection_enabled)
        self.assertTrue(self._settings(self.env.company).ar_collection_enabled)

    def test_the_credit_limit_setting_is_on(self):
        self.assertTrue(self.env.ref("base.main_company").account_use_credit_limit, "turned on at install")
        self.assertTrue(self.company_2.account_use_credit_limit, "and for new companies")

    def test_settings_view_shows_the_collections_block(self):
        arch = self.env["res.config.settings"].get_view(view_type="form")["arch"]
        self.assertIn('id="ar_collections_settings"', arch)
        self.assertIn('name="ar_collection_enabled"', arch)
