"""Check what `make demo` and `make test` need before they start.

Each failed check prints what is missing and how to get it; the script exits
non-zero when any required check fails, so make stops at once.

Usage: python3 tools/check_prereqs.py [--need odoo,postgres,wkhtmltopdf,chromium]
"""

import argparse
import os
import shutil
import subprocess
import sys


def check_odoo():
    try:
        import odoo  # noqa: PLC0415 - the import itself is the check
    except ImportError as exc:
        return (
            f"Odoo is not importable by {sys.executable} ({exc}).\n"
            "  ar_collections needs Odoo 18.0 Community installed for this "
            "interpreter (`python3 -c 'import odoo'` must work).\n"
            "  Install Odoo 18.0 (see README, Prerequisites) or set PYTHON=... "
            "to an interpreter that has it."
        )
    version = getattr(odoo.release, "version", "?")
    if not version.startswith("18.0"):
        return (
            f"Odoo {version} found, but ar_collections needs Odoo 18.0 "
            f"(imported from {os.path.dirname(odoo.__file__)})."
        )
    return None


def check_postgres(host, port, user):
    try:
        import psycopg2  # noqa: PLC0415
    except ImportError:
        return "psycopg2 is missing: install Odoo's requirements first."
    params = {"dbname": "postgres"}
    if host:
        params["host"] = host
    if port:
        params["port"] = port
    if user:
        params["user"] = user
    try:
        conn = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        where = f"{host or 'local socket'}:{port or 5432}"
        return (
            f"PostgreSQL is not reachable at {where} as role "
            f"{user or os.environ.get('USER', '?')}: {str(exc).strip()}\n"
            "  Start PostgreSQL or set PGHOST / PGPORT / PGUSER."
        )
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT rolname, rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
            rolname, can_create = cr.fetchone()
    finally:
        conn.close()
    if rolname == "postgres":
        return (
            "Odoo refuses to run as the PostgreSQL role 'postgres'. Create "
            "another role (`sudo -u postgres createuser -s $USER`) and set PGUSER."
        )
    if not can_create:
        return f"PostgreSQL role {rolname!r} may not create databases."
    return None


def check_wkhtmltopdf():
    path = shutil.which("wkhtmltopdf")
    if not path:
        return (
            "wkhtmltopdf is not installed: PDF letters cannot be rendered.\n"
            "  On Debian/Ubuntu: apt-get install wkhtmltopdf"
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    if "0.12" not in out.stdout:
        return f"wkhtmltopdf at {path} is not 0.12.x: {out.stdout.strip()}"
    fonts = subprocess.run(["fc-list", "WenQuanYi Zen Hei", "family"], capture_output=True, text=True, check=False)
    if not fonts.stdout.strip():
        return (
            "The font of the Chinese letters, WenQuanYi Zen Hei, is not installed.\n"
            "  On Debian/Ubuntu: apt-get install fonts-wqy-zenhei"
        )
    return None


def check_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return None
    return "No Chromium found: browser tours cannot run.\n  On Debian/Ubuntu: apt-get install chromium"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--need", default="odoo,postgres,wkhtmltopdf")
    parser.add_argument("--db-host", default=os.environ.get("PGHOST", ""))
    parser.add_argument("--db-port", default=os.environ.get("PGPORT", ""))
    parser.add_argument("--db-user", default=os.environ.get("PGUSER", ""))
    args = parser.parse_args()

    checks = {
        "odoo": check_odoo,
        "postgres": lambda: check_postgres(args.db_host, args.db_port, args.db_user),
        "wkhtmltopdf": check_wkhtmltopdf,
        "chromium": check_chromium,
    }
    failures = []
    for name in args.need.split(","):
        problem = checks[name.strip()]()
        if problem:
            failures.append(problem)
    for problem in failures:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
