#!/usr/bin/env python3
"""A TCP relay that adds a fixed delay each way, for a wide-area link on loopback: every chunk
is passed on DELAY_MS after it arrived, so round trips grow by twice the delay while bandwidth
is not capped (chunks in flight overlap). `tc netem` would do this in the kernel; this sandbox
has no netem. Each HTTP request line seen going to the server is appended to LOG (the bench
counts a no-op's requests from it; bodies are not parsed, so counts are exact only for runs
that send no bodies).

usage: delay-relay.py LISTEN_PORT TARGET_PORT DELAY_MS LOG
"""
import asyncio
import re
import sys
import time

REQUEST = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST|PUT|PATCH|DELETE) (/v2/\S*) HTTP/1\.1\r\n")
REQUEST_END = b" HTTP/1.1\r\n"


async def pipe(reader, writer, delay, log=None):
    queue = asyncio.Queue()

    async def send():
        while True:
            due, chunk = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if chunk is None:
                writer.close()
                return
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.ensure_future(send())
    try:
        while True:
            chunk = await reader.read(1 << 16)
            # Only a chunk that holds a request line is searched: scanning every chunk of an upload
            # with the expression took this relay 1.1 of its 1.5 CPU s in a cold mirror, on the
            # cores layerfs and the registries share (README, "The cold WAN mirror process by process").
            if log is not None and REQUEST_END in chunk:
                for m in REQUEST.finditer(chunk):
                    log.write(f"{m.group(1).decode()} {m.group(2).decode()}\n")
                log.flush()
            queue.put_nowait((time.monotonic() + delay, chunk or None))
            if not chunk:
                break
    except ConnectionError:
        queue.put_nowait((0, None))
    try:
        await sender
    except ConnectionError:
        pass


async def main():
    listen, target, delay, log_path = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000, sys.argv[4]
    log = open(log_path, "a")

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer, delay, log), pipe(server_reader, client_writer, delay),
                             return_exceptions=True)

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
