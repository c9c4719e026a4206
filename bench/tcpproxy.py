"""A TCP proxy that can lose its connections: the fault scenarios of `make load` (bench/load.py)
put one between the application's processes and PostgreSQL or Redis, so that the server itself,
which others use, is never restarted.

    python -m bench.tcpproxy TARGET_HOST TARGET_PORT [--port N]

It listens on 127.0.0.1 (a free port unless --port), prints `listening <port>`, and then obeys
lines on its standard input, answering each on its standard output:

- `down`: every connection is cut (reset, as when a server dies) and the port stops listening,
  so that new connections are refused; answered `down <connections cut>`;
- `up`: the port listens again on the same number and connections are passed on; answered `up`;
- `quit`, or the end of its input: it stops.
"""

import argparse
import asyncio
import contextlib
import socket
import struct
import sys

CHUNK = 65536
CONNECT_SECONDS = 5.0


class Proxy:
    def __init__(self, target_host: str, target_port: int, port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = port
        self.server: asyncio.base_events.Server | None = None
        self.links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.serving = 0  # connections being handled

    async def listen(self) -> None:
        # SO_REUSEADDR: the same port again right after `down`, as a restarted server would.
        self.server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def down(self) -> int:
        """Refuse new connections, then reset every open one. How many were cut."""
        if self.server is not None:
            self.server.close()
            self.server = None
        links, self.links = list(self.links), set()
        for client, upstream in links:
            _reset(client)
            _reset(upstream)
        return len(links)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.serving += 1
        try:
            await self._link(reader, writer)
        finally:
            self.serving -= 1

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.target), CONNECT_SECONDS
            )
        except (OSError, TimeoutError):
            _reset(writer)
            return
        if self.server is None:  # went down while this one was connecting
            _reset(writer)
            _reset(up_writer)
            return
        link = (writer, up_writer)
        self.links.add(link)
        tasks = [
            asyncio.create_task(_pipe(reader, up_writer)),
            asyncio.create_task(_pipe(up_reader, writer)),
        ]
        try:
            # Either side closing ends the link: the other side is closed too.
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            self.links.discard(link)
            for side in link:
                with contextlib.suppress(Exception):
                    side.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a reset (SO_LINGER 0), not a polite FIN: what a dead server leaves behind."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(target_host: str, target_port: int, port: int) -> None:
    proxy = Proxy(target_host, target_port, port)
    await proxy.listen()
    _say(f"listening {proxy.port}")
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    while raw := await commands.readline():
        line = raw.decode().strip().lower()
        if not line:
            continue
        if line == "down":
            _say(f"down {await proxy.down()}")
        elif line == "up":
            if proxy.server is None:
                await proxy.listen()
            _say("up")
        elif line == "quit":
            break
        else:
            _say(f"unknown {line}")
    await proxy.down()
    # The links just reset end by themselves: let them, rather than cancel them at exit.
    for _ in range(50):
        if not proxy.serving:
            break
        await asyncio.sleep(0.01)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target_host")
    parser.add_argument("target_port", type=int)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.target_host, args.target_port, args.port))
