"""Take the README screenshots of a running demo with headless Chromium.

Usage: python3 tools/screenshots.py --url http://localhost:8069 --db ar_demo --out DIR NAME=PATH[|SELECTOR]...
Logs in (admin / admin unless --login / --password say otherwise; --login "" stays anonymous),
opens each PATH (e.g. odoo/action-ar_collections.ar_collection_kpi_action_dashboard),
clicks SELECTOR if given (e.g. a notebook tab; "@SELECTOR" scrolls to it instead) and saves NAME.png.
Needs Debian's chromium and the websocket-client package.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def login(url, db, user, password):
    payload = json.dumps({"jsonrpc": "2.0", "params": {"db": db, "login": user, "password": password}}).encode()
    request = urllib.request.Request(
        f"{url}/web/session/authenticate", data=payload, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return header.split(";")[0].split("=", 1)[1]
    raise SystemExit("Login failed: no session cookie.")


class Browser:
    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="ar-shots-")
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not binary:
            raise SystemExit("Chromium is not installed (Debian: apt-get install chromium).")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                "--remote-debugging-port=9333",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(50):
            try:
                with urllib.request.urlopen("http://127.0.0.1:9333/json", timeout=2) as response:
                    pages = [page for page in json.load(response) if page["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="ar_demo")
    parser.add_argument("--out", default="ar_collections/static/description")
    parser.add_argument("--wait", type=float, default=4.0, help="Seconds to let each page settle.")
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("shots", nargs="+", help="NAME=PATH[|SELECTOR]")
    args = parser.parse_args()

    session = login(args.url, args.db, args.login, args.password) if args.login else None
    browser = Browser(1440, args.height)
    try:
        host = args.url.split("//", 1)[1].split(":")[0]
        browser.call("Network.enable")
        if session:
            browser.call("Network.setCookie", name="session_id", value=session, domain=host, path="/")
        for shot in args.shots:
            name, target_spec = shot.split("=", 1)
            path, _, selector = target_spec.partition("|")
            browser.call("Page.navigate", url=f"{args.url}/{path.lstrip('/')}")
            time.sleep(args.wait)
            if selector:
                # "@SELECTOR" scrolls the element into view; "SELECTOR" clicks it (e.g. a tab).
                action = "scrollIntoView()" if selector.startswith("@") else "click()"
                script = f"document.querySelector({json.dumps(selector.lstrip('@'))}).{action}"
                browser.call("Runtime.evaluate", expression=script)
                time.sleep(args.wait / 2)
            image = browser.call("Page.captureScreenshot", format="png")["data"]
            target = os.path.join(args.out, f"{name}.png")
            with open(target, "wb") as file:
                file.write(base64.b64decode(image))
            print(f"{target}")
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
