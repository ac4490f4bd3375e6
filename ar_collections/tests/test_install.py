"""Install, uninstall and reinstall on a copy of the test database.

`make test` copies the freshly built test database to AR_SCRATCH_DB before the
suite starts; this test uninstalls the addon there in a separate Odoo process,
checks that nothing of it is left, installs it again, then drops the copy.
"""

import json
import os
import subprocess
import sys
import textwrap

from odoo import sql_db
from odoo.tests import BaseCase
from odoo.tests import tagged
from odoo.tools import config

from .common import drop_database

UNINSTALL_SCRIPT = textwrap.dedent(
    """
    module = env["ir.module.module"].search([("name", "=", "ar_collections")])
    module.button_immediate_uninstall()
    env.cr.commit()
    """
)
INSTALL_SCRIPT = textwrap.dedent(
    """
    env["ir.module.module"].update_list()
    module = env["ir.module.module"].search([("name", "=", "ar_collections")])
    module.button_immediate_install()
    env.cr.commit()
    """
)


@tagged("post_install", "-at_install")
class TestInstallUninstall(BaseCase):
    def setUp(self):
        super().setUp()
        self.scratch_db = os.environ.get("AR_SCRATCH_DB")
        if not self.scratch_db:
            self.fail("AR_SCRATCH_DB is not set: run the suite with `make test`.")
        self.addCleanup(self._drop_scratch_db)

    def _drop_scratch_db(self):
        drop_database(self.scratch_db)

    def _odoo_shell(self, script):
        command = [sys.executable, "-m", "odoo", "shell", "-d", self.scratch_db, "--no-http", "--log-level=warn"]
        command.append(f"--addons-path={os.environ.get('AR_ADDONS_PATH') or config['addons_path']}")
        for option in ("db_host", "db_port", "db_user"):
            if config.get(option):
                command.append(f"--{option}={config[option]}")
        result = subprocess.run(command, input=script, capture_output=True, text=True, timeout=600, check=False)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertNotIn("Traceback", result.stderr, result.stderr[-3000:])

    def _leftovers(self):
        with sql_db.db_connect(self.scratch_db).cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = 'ar_collections'")
            state = cr.fetchone()[0]
            cr.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'ar\\_%%'")
            tables = [row[0] for row in cr.fetchall()]
            cr.execute(
                "SELECT table_name || '.' || column_name FROM information_schema.columns "
                "WHERE column_name LIKE 'ar\\_%%' AND table_schema = 'public'"
            )
            columns = [row[0] for row in cr.fetchall()]
            cr.execute("SELECT name FROM ir_model_data WHERE module = 'ar_collections'")
            xmlids = [row[0] for row in cr.fetchall()]
        sql_db.close_db(self.scratch_db)
        return {"state": state, "tables": tables, "columns": columns, "xmlids": xmlids}

    def test_uninstall_leaves_nothing_and_reinstall_works(self):
        before = self._leftovers()
        self.assertEqual(before["state"], "installed")
        self.assertTrue(before["xmlids"])

        self._odoo_shell(UNINSTALL_SCRIPT)
        after = self._leftovers()
        self.assertEqual(
            after,
            {"state": "uninstalled", "tables": [], "columns": [], "xmlids": []},
            json.dumps(after, indent=2),
        )

        self._odoo_shell(INSTALL_SCRIPT)
        self.assertEqual(self._leftovers()["state"], "installed")
