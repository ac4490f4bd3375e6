"""A round-robin TCP load balancer on loopback, in front of the benchmark's Odoo nodes: what
queue_job's runner is pointed at (``ODOO_QUEUE_JOB_HOST``/``PORT``) when several Odoo servers
share a database, as its documentation says for several nodes. A connection goes to the next
node in turn; a node that refuses it (stopped, killed) is skipped.
"""

import asyncio
import contextlib
import itertools
import threading


async def _pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


class Balancer:
    def __init__(self, port, backend_ports):
        self.port = port
        self.backends = itertools.cycle(backend_ports)
        self.count = len(backend_ports)
        self.loop = asyncio.new_event_loop()
        self.server = None

    async def _handle(self, client_reader, client_writer):
        for _attempt in range(self.count):
            port = next(self.backends)
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            await asyncio.gather(_pipe(client_reader, writer), _pipe(reader, client_writer))
            return
        client_writer.close()

    def _serve(self, started):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        started.set()
        self.loop.run_forever()

    @contextlib.contextmanager
    def running(self):
        started = threading.Event()
        thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        thread.start()
        started.wait(10)
        try:
            yield self
        finally:
            self.loop.call_soon_threadsafe(self.server.close)
            self.loop.call_soon_threadsafe(self.loop.stop)
            thread.join(10)
