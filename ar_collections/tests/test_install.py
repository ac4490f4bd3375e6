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

    from odoo.addons.ar_collections.models import account_move

    # Chunks of 2: the open invoices' next collection dates are computed chunk by chunk.
    account_move.REFRESH_CHUNK = 2
    chunks = []
    split_every = account_move.split_every

    def counted(size, ids):
        for chunk in split_every(size, ids):
            chunks.append(len(chunk))
            yield chunk

    account_move.split_every = counted
    env["ir.module.module"].update_list()
    module = env["ir.module.module"].search([("name", "=", "ar_collections")])
    module.button_immediate_install()
    env.cr.commit()
    print("CHUNKS " + json.dumps(chunks))
    """
)

# The entries' collector, rating and next collection date as the install stored them, against
# the ORM's computation of them all at once.
STORED_FIELDS_SCRIPT = textwrap.dedent(
    """
    import json

    Move = env["account.move"]
    fnames = ["ar_collector_id", "ar_rating_id", "ar_next_action_date"]
    moves = Move.search([])
    open_ids = set(Move.search(Move._ar_open_invoice_domain()).ids)

    def values():
        return {move.id: [str(move[fname]) for fname in fnames] for move in moves}

    stored = values()
    for fname in fnames:
        env.add_to_compute(Move._fields[fname], moves)
    env.flush_all()
    env.invalidate_all()
    computed = values()
    not_open_ids = set(stored) - open_ids
    print("STORED " + json.dumps({
        "open": len(open_ids),
        "dated": sum(1 for move_id in open_ids if stored[move_id][2] != "False"),
        "rated_not_open": sum(1 for move_id in not_open_ids if stored[move_id][1] != "ar.credit.rating()"),
        "wrong": [move_id for move_id in stored if stored[move_id] != computed[move_id]],
    }))
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
        # Computed two invoices at a time by the install (and paid ones in SQL), every entry's
        # collector, rating and next collection date are the ones the ORM computes all at once.
        stored = json.loads(self._marked_line(self._odoo_shell(STORED_FIELDS_SCRIPT), "STORED "))
        self.assertGreater(stored["dated"], 2, stored)
        self.assertGreater(stored["rated_not_open"], 0, stored)
        self.assertEqual(stored["wrong"], [], stored)
