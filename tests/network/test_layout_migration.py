"""A database made by the code before the knowledge base and the outbox left the meetings app (with the demo loaded)
migrates to the new layout with every row kept: same tables, same counts, same history, content types and permissions
that follow the moved models, the tables of the database scheduler the old code used left as they were, and the
lesson search still working on the same index.

The "before" is main at the pinned commit below, taken with `git archive` from this clone's history and run with
the same Python against a fresh PostgreSQL database; then this tree's `manage.py migrate` runs on that database.
That code runs on Django 5.2 with django-celery-beat (requirements-previous.txt), so the test runs on the Django of
requirements.txt and not in scripts/test-next's run on the next Django.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import django
import psycopg2
import pytest
from django.conf import settings

from members.services import secretariat_permission_names
from tests.helpers import ROOT, base_env, database_url, unavailable

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        django.VERSION[:2] != (5, 2), reason="builds its database with the previous release, which runs on Django 5.2"
    ),
]

# main just before the apps were re-drawn (issue 17, item 4, phase A).
BEFORE = "1a83db4da7fad51440ba802a23253758ca76cd63"

# Each moved model (its table keeps the name meetings_<model>) and the app it moved to.
MOVED_MODELS = {
    **dict.fromkeys(
        (
            "action",
            "actionupdate",
            "conclusion",
            "lessonattachment",
            "lessoncomment",
            "lessonlearned",
            "minutes",
            "newsitem",
            "historicalaction",
            "historicalconclusion",
            "historicallessonlearned",
            "historicalminutes",
            "historicalnewsitem",
        ),
        "knowledge",
    ),
    "outgoingmessage": "outbox",
}
# Rows that migrating is expected to add: the migrations written since that commit.
NEW_MIGRATIONS = {
    ("network", "0002_forget_portal_pages"),
    ("members", "0003_login_address_follows_registry"),
    ("members", "0004_single_line_names"),
    ("meetings", "0006_single_line_titles_and_places"),
    ("meetings", "0008_outbox_without_handover_stamp"),
    ("meetings", "0007_knowledge_moves_out"),
    ("knowledge", "0001_initial"),
    ("knowledge", "0002_content_types"),
    ("knowledge", "0003_single_line_titles"),
    ("meetings", "0009_outbox_moves_out"),
    ("outbox", "0001_initial"),
    ("outbox", "0002_content_types"),
    ("knowledge", "0004_unaccented_search"),
    ("knowledge", "0005_verbose_names_in_every_language"),
    ("knowledge", "0006_positions"),
    ("meetings", "0010_verbose_names_in_every_language"),
    ("outbox", "0003_urgent_messages"),
    ("outbox", "0004_procedure_kind"),
    ("alerts", "0001_initial"),
    ("questionnaires", "0001_initial"),
    ("decisions", "0001_initial"),
    ("outbox", "0005_message_kinds_of_logistics"),
    ("outbox", "0006_questionnaire_kinds"),
    ("logistics", "0001_initial"),
    ("meetings", "0011_register_holds_delegation_members"),
    ("logistics", "0002_badges_of_delegation_members"),
}
# Apps born after the layout change: their tables, content types and permissions are new, not carried over; and the
# new models of the apps that were there (a country's position on a conclusion).
NEW_APPS = ("alerts", "questionnaires", "decisions", "logistics")
NEW_MODELS_OF_OLD_APPS = {"knowledge_position": ("knowledge", "position")}


def _is_new_table(table: str) -> bool:
    return table.startswith(tuple(f"{app}_" for app in NEW_APPS)) or table in NEW_MODELS_OF_OLD_APPS


def _new_model_count() -> int:
    from django.apps import apps

    return sum(len(list(apps.get_app_config(app).get_models())) for app in NEW_APPS) + len(NEW_MODELS_OF_OLD_APPS)


def _checkout_before(target: Path) -> Path:
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{BEFORE}^{{commit}}"], cwd=ROOT, capture_output=True, check=False
    )
    if found.returncode != 0:
        unavailable(f"commit {BEFORE} is not in this clone's history: fetch main's full history to run this test")
    archive = target.parent / "before.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", "--format=tar", BEFORE], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def _manage(tree: Path, *arguments: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{tree.name}: manage.py {' '.join(arguments)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [name for (name,) in cursor.fetchall()]


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
        counts[table] = cursor.fetchone()[0]
    return counts


def _history(cursor) -> dict[str, str]:
    """Every historical table's rows, as one digest per table (rows in history_id order, all columns)."""
    digests = {}
    for table in _tables(cursor):
        if "_historical" in table:
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.history_id), '')) FROM \"{table}\" t"  # noqa: S608
            )
            digests[table] = cursor.fetchone()[0]
    return digests


def _content_types(cursor) -> dict[str, tuple[int, str]]:
    cursor.execute("SELECT model, id, app_label FROM django_content_type WHERE model = ANY(%s)", [list(MOVED_MODELS)])
    return {model: (pk, app_label) for model, pk, app_label in cursor.fetchall()}


def _periodic_tasks(cursor) -> dict[str, str]:
    cursor.execute("SELECT name, task FROM django_celery_beat_periodictask")
    return dict(cursor.fetchall())


def _secretariat_permissions(cursor) -> set[tuple[int, str, str]]:
    cursor.execute(
        "SELECT p.id, ct.app_label, p.codename FROM auth_group g "
        "JOIN auth_group_permissions gp ON gp.group_id = g.id JOIN auth_permission p ON p.id = gp.permission_id "
        "JOIN django_content_type ct ON ct.id = p.content_type_id "
        "WHERE g.name = 'Secretariat' AND ct.model = ANY(%s)",
        [list(MOVED_MODELS)],
    )
    return set(cursor.fetchall())


@pytest.fixture
def fresh_database():
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        unavailable("the layout migration test needs PostgreSQL")
    name = f"{db['NAME']}_layout_migration"
    params = {
        "user": db.get("USER") or "postgres",
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
    }
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url({**db, "NAME": name}), lambda: psycopg2.connect(dbname=name, **params)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_a_database_of_the_old_layout_with_the_demo_migrates_with_every_row_kept(tmp_path, fresh_database):
    url, connect = fresh_database
    before_tree = _checkout_before(tmp_path / "before")
    env = base_env(DATABASE_URL=url, DG_VAR_DIR=str(tmp_path / "var"))
    _manage(before_tree, "migrate", "--noinput", env=env)
    _manage(before_tree, "load_demo", env=env)
    with connect() as conn, conn.cursor() as cursor:
        # An admin log entry about a lesson, to see it follow the lesson's content type.
        cursor.execute(
            "INSERT INTO django_admin_log (action_time, object_id, object_repr, action_flag, change_message, "
            "content_type_id, user_id) SELECT now(), l.id::text, 'a lesson', 2, '[]', ct.id, u.id "
            "FROM meetings_lessonlearned l, django_content_type ct, members_user u "
            "WHERE ct.app_label = 'meetings' AND ct.model = 'lessonlearned' AND u.is_staff "
            "ORDER BY l.id, u.id LIMIT 1"
        )
        # An outbox row and an admin log entry about it (the demo sends nothing).
        cursor.execute(
            'INSERT INTO meetings_outgoingmessage (key, kind, "to", cc, language, subject, body_text, body_html, '
            "attachments, message_id, status, attempts, last_error, created_at, person_id) "
            "SELECT 'account:test', 'account', email, '[]', 'en', 'Access', 'Text', '', '[]', '<1@example.org>', "
            "'sent', 1, '', now(), id FROM members_person ORDER BY id LIMIT 1"
        )
        cursor.execute(
            "INSERT INTO django_admin_log (action_time, object_id, object_repr, action_flag, change_message, "
            "content_type_id, user_id) SELECT now(), m.id::text, 'a message', 2, '[]', ct.id, u.id "
            "FROM meetings_outgoingmessage m, django_content_type ct, members_user u "
            "WHERE ct.app_label = 'meetings' AND ct.model = 'outgoingmessage' AND u.is_staff "
            "ORDER BY m.id, u.id LIMIT 1"
        )
        # The demo writes no minutes and no comments: one of each, so those tables are carried over non-empty too.
        cursor.execute(
            "INSERT INTO meetings_minutes (meeting_id, text, text_en, status) "
            "SELECT id, '<p>Minutes</p>', '<p>Minutes</p>', 'draft' FROM meetings_meeting ORDER BY id LIMIT 1"
        )
        cursor.execute(
            "INSERT INTO meetings_lessoncomment (lesson_id, author_id, text, created_at) "
            "SELECT id, author_id, 'A comment', now() FROM meetings_lessonlearned ORDER BY id LIMIT 1"
        )
        tables_before = _tables(cursor)
        counts_before = _counts(cursor)
        history_before = _history(cursor)
        types_before = _content_types(cursor)
        permissions_before = _secretariat_permissions(cursor)
        tasks_before = _periodic_tasks(cursor)
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations_before = set(cursor.fetchall())
        cursor.execute("SELECT id, title_en FROM meetings_lessonlearned WHERE title_en <> '' ORDER BY id LIMIT 1")
        lesson_id, lesson_title = cursor.fetchone()
    conn.close()
    # The moved tables have rows, so each count compared below means something (no attachment: that needs a file).
    empty = sorted(model for model in MOVED_MODELS if counts_before[f"meetings_{model}"] == 0)
    assert empty == ["historicalminutes", "lessonattachment"]
    assert {app_label for _pk, app_label in types_before.values()} == {"meetings"}
    assert len(permissions_before) == 3 * len(MOVED_MODELS)  # add, change, view of each

    _manage(ROOT, "migrate", "--noinput", env=env)

    with connect() as conn, conn.cursor() as cursor:
        tables_after = _tables(cursor)
        counts_after = _counts(cursor)
        history_after = _history(cursor)
        types_after = _content_types(cursor)
        permissions_after = _secretariat_permissions(cursor)
        tasks_after = _periodic_tasks(cursor)
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations_after = set(cursor.fetchall())
        cursor.execute(
            "SELECT ct.app_label, ct.model FROM django_admin_log e "
            "JOIN django_content_type ct ON ct.id = e.content_type_id ORDER BY e.id"
        )
        log_entries = cursor.fetchall()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'meetings_lesson_search_gin'")
        search_index = cursor.fetchall()
    conn.close()

    new_tables = [t for t in tables_after if _is_new_table(t)]
    assert [t for t in tables_after if t not in new_tables] == tables_before
    new_models = {model for _app, model in NEW_MODELS_OF_OLD_APPS.values()}
    permissions_after = {
        p for p in permissions_after if p[1] not in NEW_APPS and p[2].split("_", 1)[1] not in new_models
    }
    NEW_MODELS = _new_model_count()
    assert migrations_after - migrations_before == NEW_MIGRATIONS
    # Every migrate resets the Secretariat group to its fixed list (members.services.SECRETARIAT_PERMISSIONS).
    assert counts_after == {
        **counts_before,
        **dict.fromkeys(new_tables, 0),
        "django_content_type": counts_before["django_content_type"] + NEW_MODELS,
        "auth_permission": counts_before["auth_permission"] + 4 * NEW_MODELS,
        "django_migrations": counts_before["django_migrations"] + len(NEW_MIGRATIONS),
        "auth_group_permissions": len(secretariat_permission_names()),
        # The cache held the readers' pages of the old page cache: it is emptied.
        "django_cache": 0,
    }
    assert history_after == history_before
    assert types_after == {model: (pk, MOVED_MODELS[model]) for model, (pk, _app_label) in types_before.items()}
    # The moved models' permissions follow their content types; the group keeps those of its fixed list (no more
    # history models, only reading the outbox).
    granted = set(secretariat_permission_names())
    assert permissions_after == {
        (pk, MOVED_MODELS[codename.split("_", 1)[1]], codename)
        for pk, _app_label, codename in permissions_before
        if f"{MOVED_MODELS[codename.split('_', 1)[1]]}.{codename}" in granted
    }
    assert ("outbox", "view_outgoingmessage") in {(app, codename) for _pk, app, codename in permissions_after}
    assert log_entries == [("knowledge", "lessonlearned"), ("outbox", "outgoingmessage")]
    # Beat's schedule is code now (CELERY_BEAT_SCHEDULE): the tables of the database scheduler the old layout used
    # are left as they were, unused.
    assert tasks_after == tasks_before
    assert len(search_index) == 1

    word = max(lesson_title.split(), key=len).strip(".,:;()«»\"'")
    script = (
        "import json; from knowledge.models import LessonLearned; from knowledge.services import search_lessons; "
        f"print(json.dumps([l.pk for l in search_lessons(LessonLearned.objects.all(), {word!r}, language='en')]))"
    )
    found = json.loads(_manage(ROOT, "shell", "-c", script, env=env).strip().splitlines()[-1])
    assert lesson_id in found
