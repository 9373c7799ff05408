"""Bare baselines for bench/public_submit_bench.py: FastAPI + jsonschema + one insert.

SQLite (the baseline the issue names) by default; with BENCH_PG set, one PostgreSQL insert
through psycopg's async connections (a small pool, no threads): the ceiling a PostgreSQL
deployment of any Python web app starts from on this machine.
"""

import asyncio
import json
import os
import sqlite3
import threading

import jsonschema
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

SCHEMA = {
    "type": "object",
    "properties": {
        k: {"type": ["string", "integer"]} for k in json.loads(os.environ["BENCH_KEYS"])
    },
    "required": ["name"],
}
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PG = os.environ.get("BENCH_PG")
if not PG:
    DB = sqlite3.connect(os.environ["BENCH_DB"], check_same_thread=False, isolation_level=None)
    DB.execute("PRAGMA journal_mode=WAL")
    DB.execute("PRAGMA synchronous=NORMAL")
    DB.execute("CREATE TABLE IF NOT EXISTS leads (id INTEGER PRIMARY KEY, data TEXT)")
LOCK = threading.Lock()
POOL: asyncio.Queue[object] = asyncio.Queue()
app = FastAPI()


@app.on_event("startup")
async def open_pool() -> None:
    if not PG:
        return
    import psycopg

    for _ in range(4):
        conn = await psycopg.AsyncConnection.connect(PG, autocommit=True)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_leads (id BIGSERIAL PRIMARY KEY, data JSONB)"
        )
        POOL.put_nowait(conn)


@app.post("/submit")
async def submit(request: Request) -> JSONResponse:
    body = await request.json()
    errors = [e.message for e in VALIDATOR.iter_errors(body)]
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    if PG:
        conn = await POOL.get()
        try:
            cursor = await conn.execute(  # type: ignore[attr-defined]
                "INSERT INTO bench_leads (data) VALUES (%s) RETURNING id", (json.dumps(body),)
            )
            row = await cursor.fetchone()
        finally:
            POOL.put_nowait(conn)
        return JSONResponse({"id": row[0]}, status_code=201)
    with LOCK:
        cursor = DB.execute("INSERT INTO leads (data) VALUES (?)", (json.dumps(body),))
    return JSONResponse({"id": cursor.lastrowid}, status_code=201)
