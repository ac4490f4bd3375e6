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
    import json

    from odoo.addons.ar_collections import hooks

    # Chunks of 2: the open invoices' next collection dates are computed chunk by chunk.
    hooks.INSTALL_CHUNK = 2
    chunks = []
    split_every = hooks.split_every

    def counted(size, ids):
        for chunk in split_every(size, ids):
            chunks.append(len(chunk))
            yield chunk

    hooks.split_every = counted
    env["ir.module.module"].update_list()
    module = env["ir.module.module"].search([("name", "=", "ar_collections")])
    module.button_immediate_install()
    env.cr.commit()
    print("CHUNKS " + json.dumps(chunks))
    """
)

# The open invoices' next collection dates as the install stored them, against the ORM's
# computation of them all at once.
NEXT_DATES_SCRIPT = textwrap.dedent(
    """
    import json

    Move = env["account.move"]
    moves = Move.search(Move._ar_open_invoice_domain())
    stored = {move.id: str(move.ar_next_action_date) for move in moves}
    env.add_to_compute(Move._fields["ar_next_action_date"], moves)
    env.flush_all()
    env.invalidate_all()
    wrong = [move.id for move in moves if str(move.ar_next_action_date) != stored[move.id]]
    dated = sum(1 for date in stored.values() if date != "False")
    print("NEXT_DATES " + json.dumps({"open": len(moves), "dated": dated, "wrong": wrong}))
    env.cr.rollback()
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
        return result.stdout

    def _marked_line(self, output, mark):
        """What a shell script printed after ``mark``."""
        lines = [line.removeprefix(mark) for line in output.splitlines() if line.startswith(mark)]
        self.assertEqual(len(lines), 1, output[-3000:])
        return lines[0]

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

        chunks = json.loads(self._marked_line(self._odoo_shell(INSTALL_SCRIPT), "CHUNKS "))
        self.assertEqual(self._leftovers()["state"], "installed")
        self.assertGreater(len(chunks), 1, chunks)
        self.assertLessEqual(max(chunks), 2, chunks)
        # Computed two invoices at a time by the install, every open invoice's next collection
        # date is the one the ORM computes for them all at once.
        next_dates = json.loads(self._marked_line(self._odoo_shell(NEXT_DATES_SCRIPT), "NEXT_DATES "))
        self.assertGreater(next_dates["dated"], 2, next_dates)
        self.assertEqual(next_dates["wrong"], [], next_dates)
