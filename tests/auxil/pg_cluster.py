"""A throwaway PostgreSQL cluster a test starts, stops and starts again (a database outage).

initdb and pg_ctl from the system's PostgreSQL (/usr/lib/postgresql/<version>/bin), a data folder
of its own in /tmp, a free port on 127.0.0.1, trust authentication. PostgreSQL refuses to run as
root, so as root the cluster runs as the `postgres` user (runuser).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import tempfile
from pathlib import Path


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="thidua-pg-"))
        self.data = self.root / "data"
        self.as_user: str | None = None
        if os.geteuid() == 0:
            self.as_user = "postgres"
            entry = pwd.getpwnam(self.as_user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/thidua"

    async def _run(self, *args: str, seconds: float = 60) -> str:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user, "--", *command]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=self.root
        )
        out, _ = await asyncio.wait_for(process.communicate(), seconds)
        text = out.decode("utf-8", "replace")
        if process.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({process.returncode}): {text[-2000:]}")
        return text

    async def create(self) -> None:
        await self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        await self.start()
        await self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "thidua")

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        await self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
        )

    async def stop(self) -> None:
        await self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    async def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                await self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
