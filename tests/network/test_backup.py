"""The documented backup (pg_dump) restores into a fresh database with the data in it."""

import shutil
import subprocess

import psycopg2
import pytest
from django.db import connection

from tests import factories
from tests.helpers import unavailable

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RESTORED = "dgnetwork_restore_check"


def _admin(settings_dict):
    conn = psycopg2.connect(
        dbname="postgres",
        user=settings_dict.get("USER") or "postgres",
        host=settings_dict.get("HOST") or "127.0.0.1",
        port=settings_dict.get("PORT") or 5432,
    )
    conn.autocommit = True
    return conn


def test_pg_dump_restores_into_a_fresh_database(tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        unavailable("pg_dump and pg_restore (PostgreSQL client) are not installed")
    meeting = factories.meeting(title_en="Backed-up meeting", title_fr="Réunion sauvegardée")
    director = factories.director(factories.country("BE"), last_name="Raeymaekers")
    factories.invitation(meeting, director)
    db = connection.settings_dict
    host, port, user = db.get("HOST") or "127.0.0.1", str(db.get("PORT") or 5432), db.get("USER") or "postgres"
    dump = tmp_path / "dgnetwork.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "-h", host, "-p", port, "-U", user, "-f", str(dump), db["NAME"]],
        check=True,
    )
    admin = _admin(db)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {RESTORED}")
        cursor.execute(f"CREATE DATABASE {RESTORED}")
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "-h", host, "-p", port, "-U", user, "-d", RESTORED, str(dump)], check=True
        )
        restored = psycopg2.connect(dbname=RESTORED, user=user, host=host, port=port)
        with restored.cursor() as cursor:
            cursor.execute("SELECT title_en, title_fr FROM meetings_meeting")
            assert cursor.fetchall() == [("Backed-up meeting", "Réunion sauvegardée")]
            cursor.execute("SELECT p.last_name FROM meetings_invitation i JOIN members_person p ON p.id = i.person_id")
            assert cursor.fetchall() == [("Raeymaekers",)]
            cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'meetings'")
            assert cursor.fetchone()[0] >= 5
        restored.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {RESTORED} WITH (FORCE)")
        admin.close()
