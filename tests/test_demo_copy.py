"""tests/demo_copy.py writes back exactly the world the seeding made."""

from django.core.management import call_command
from django.db import connection

from demo.seed import seed_demo
from tests import demo_copy
from tests.demo_copy import _counts, _filled, _read, seeded_demo


def _every_table():
    return connection.introspection.django_table_names(only_existing=True)


def test_the_copy_is_the_seeded_world_row_for_row(transactional_db):
    seeded_demo()  # seeded, or written back when this process kept a copy already
    call_command("flush", interactive=False, verbosity=0)
    # What a flush leaves (content types and permissions, made again after it) is not the demo's.
    tables = sorted(set(_every_table()) - _filled(_every_table()))
    seeded_demo()
    first = _read(tables)
    call_command("flush", interactive=False, verbosity=0)
    seeded_demo()  # written back for sure: the database is empty again
    assert _read(tables) == first


def test_the_copy_has_as_many_rows_in_each_table_as_a_new_seeding(transactional_db):
    """A copy made now (the demo's dates follow the clock: one kept from minutes ago may have
    a day more or less of answers than a seeding now)."""
    tables = _every_table()
    demo_copy._kept.clear()
    seeded_demo()
    copied = _counts(tables)
    call_command("flush", interactive=False, verbosity=0)
    seed_demo(packs=False)
    assert _counts(tables) == copied
    assert copied["ideas_idea"] > 0 and copied["touchpoints_touchpoint"] > 0


def test_a_table_with_rows_already_gets_a_real_seeding(transactional_db):
    """Then nothing is written back over it: the services seed (and add nothing twice)."""
    seeded_demo()
    before = _counts(_every_table())
    result = seeded_demo()  # the demo's rows are there: seed_demo finds them and adds nothing
    assert not result.organisation_created
    assert _counts(_every_table()) == before


def test_ids_made_after_a_flush_that_started_the_sequences_again_do_not_clash(transactional_db):
    from motmap.models import User

    seeded_demo()
    call_command("flush", interactive=False, verbosity=0)  # resets the sequences
    seeded_demo()
    User.objects.create_user(email="new@example.com", password=None)  # a new id, no clash
