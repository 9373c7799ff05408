"""Bare baseline for bench/public_submit_bench.py: FastAPI + jsonschema + one SQLite insert."""

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
DB = sqlite3.connect(os.environ["BENCH_DB"], check_same_thread=False, isolation_level=None)
DB.execute("PRAGMA journal_mode=WAL")
DB.execute("PRAGMA synchronous=NORMAL")
DB.execute("CREATE TABLE IF NOT EXISTS leads (id INTEGER PRIMARY KEY, data TEXT)")
LOCK = threading.Lock()
app = FastAPI()


@app.post("/submit")
async def submit(request: Request) -> JSONResponse:
    body = await request.json()
    errors = [e.message for e in VALIDATOR.iter_errors(body)]
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    with LOCK:
        cursor = DB.execute("INSERT INTO leads (data) VALUES (?)", (json.dumps(body),))
    return JSONResponse({"id": cursor.lastrowid}, status_code=201)
