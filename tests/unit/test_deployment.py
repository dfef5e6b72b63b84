"""The production files, checked without building anything: the Dockerfile and the compose file
parse and say what docs/operations.md promises (LibreOffice and fonts inside, migrate as a step
before the bot, the master key as a secret file never on the database's volume)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

pytestmark = pytest.mark.operations

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    steps = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            steps.append((instruction.upper(), arguments.strip()))
    return steps


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8")))


def test_the_image_has_libreoffice_the_fonts_and_the_bot() -> None:
    steps = dockerfile()
    assert steps[0][0] == "FROM" and re.match(r"python:3\.1[1-9]-slim", steps[0][1])
    run = " ".join(arguments for instruction, arguments in steps if instruction == "RUN")
    for package in ("libreoffice-writer", "fonts-liberation2", "fonts-dejavu", "postgresql-client"):
        assert package in run, package
    assert "fc-cache" in run  # the font cache is warm before the first PDF
    assert ("ENTRYPOINT", '["thidua"]') in steps and ("CMD", '["run"]') in steps
    assert any(i == "USER" and a != "root" for i, a in steps)
    assert any(i == "HEALTHCHECK" and "/healthz" in a for i, a in steps)
    # Every setting the image sets is a real one.
    for instruction, arguments in steps:
        if instruction == "ENV":
            for name in re.findall(r"([A-Z][A-Z_]+)=", arguments):
                if not name.startswith(("PYTHON", "PIP_", "HOME")):
                    assert name.lower() in Settings.model_fields, name


def test_compose_runs_migrate_once_then_the_bot_beside_postgresql() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"db", "migrate", "bot"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["migrate"]
    assert services["bot"]["command"] == ["run"]
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["bot"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["bot"]["healthcheck"]["test"])
    for name in ("bot", "migrate"):
        service = services[name]
        environment = service["environment"]
        assert (
            environment["DATABASE_URL"].startswith("postgresql://")
            and "@db:5432/" in environment["DATABASE_URL"]
        )
        for variable in environment:
            assert variable.lower() in Settings.model_fields, variable
        # The key comes from a secret file, and no volume of the database is mounted into the bot.
        assert environment["BALLOT_MASTER_KEY_FILE"] == "/run/secrets/ballot_master_key"
        assert service["secrets"] == ["ballot_master_key"]
        assert not any(volume.startswith("db:") for volume in service["volumes"])
    assert spec["secrets"]["ballot_master_key"]["file"].startswith("./secrets/")
    assert set(spec["volumes"]) == {"db", "files"}
    assert services["db"]["volumes"] == ["db:/var/lib/postgresql/data"]


def test_the_secret_folder_never_reaches_git_or_the_image() -> None:
    assert "secrets/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "secrets" in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_proxy_examples_forward_the_webhook_to_the_bot() -> None:
    caddy = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "path /telegram /zalo" in caddy and "handle /files/*" in caddy
    assert "reverse_proxy 127.0.0.1:8443" in caddy
    for location in ("location = /telegram", "location = /zalo", "location /files/"):
        assert location in nginx
    assert "proxy_pass http://127.0.0.1:8443" in nginx
    assert "/healthz" not in caddy and "/readyz" not in nginx  # health stays off the internet
    assert caddy.count("{") == caddy.count("}") and nginx.count("{") == nginx.count("}")
