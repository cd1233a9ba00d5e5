"""A TCP proxy on loopback that delays every byte by a fixed time each way, for
`bench/run latency-tolerance`: workers reach the master through it as if it sat a round trip away
(this kernel has no netem). Order is kept; bandwidth is not limited.

    delay_proxy.py TARGET_PORT DELAY_MS

Listens on 127.0.0.1 (a port of the kernel's choosing), prints that port on stdout, and forwards
each connection to 127.0.0.1:TARGET_PORT until killed."""
import asyncio
import sys


async def pipe(reader, writer, delay):
    """Reads as data comes and writes each chunk `delay` seconds after it came, in order."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            queue.put_nowait((loop.time() + delay, data))
    except ConnectionError:
        pass
    queue.put_nowait((loop.time() + delay, None))
    try:
        await sender
    except ConnectionError:
        pass


async def main():
    target, delay = int(sys.argv[1]), float(sys.argv[2]) / 1000

    async def serve(client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, upstream_writer, delay),
                             pipe(upstream_reader, client_writer, delay))

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
