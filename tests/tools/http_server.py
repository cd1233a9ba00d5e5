#!/usr/bin/env python3
"""An HTTP/1.1 server for the tests of ctx.http and the http kind, on asyncio (standard library).

    http_server.py PORT_FILE

Listens on 127.0.0.1 on a free port, writes the port to PORT_FILE, and answers with keep-alive:
    /delay/MS        200 after MS milliseconds, body "ok"
    /status/CODE     CODE at once
    /flaky/KEY/N     503 for the first N requests naming KEY, then 200
    /hang            never answers (the client's timeout or cancel must end it)
    /stats           {"open": connections open now, "opened": ever, "closed": ever,
                      "requests": ever} as JSON
Anything else is 404. It runs until killed.
"""
import asyncio
import json
import resource
import sys

stats = {"open": 0, "opened": 0, "closed": 0, "requests": 0}
flaky = {}


def answer(code, body=b""):
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}.get(code, "Status")
    head = f"HTTP/1.1 {code} {reason}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def respond(path, reader):
    parts = [p for p in path.split("?")[0].split("/") if p]
    if len(parts) == 2 and parts[0] == "delay":
        await asyncio.sleep(int(parts[1]) / 1000)
        return answer(200, b"ok")
    if len(parts) == 2 and parts[0] == "status":
        return answer(int(parts[1]), b"status")
    if len(parts) == 3 and parts[0] == "flaky":
        seen = flaky.get(parts[1], 0)
        flaky[parts[1]] = seen + 1
        return answer(503 if seen < int(parts[2]) else 200, b"flaky")
    if parts == ["hang"]:
        # Never answers; reads on, so a client that gives up is seen closing.
        while await reader.read(4096):
            pass
        raise ConnectionResetError("the client closed")
    if parts == ["stats"]:
        return answer(200, json.dumps(stats).encode())
    return answer(404)


async def serve(reader, writer):
    stats["open"] += 1
    stats["opened"] += 1
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if length:
                await reader.readexactly(length)
            stats["requests"] += 1
            reply = await respond(path, reader)
            if method == "HEAD":
                reply = reply.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            writer.write(reply)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        stats["open"] -= 1
        stats["closed"] += 1
        writer.close()


async def main(port_file):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=20000)
    port = server.sockets[0].getsockname()[1]
    with open(port_file, "w") as f:
        f.write(f"{port}\n")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
