"""The demo stores the printed pack of each past review (seeded from an empty database, with
the worker's tasks run after the commit)."""

from demo.seed import seed_demo


def test_the_demo_keeps_the_pack_of_each_past_review(db, django_capture_on_commit_callbacks):
    from packs.models import PackStatus, StoredPack

    with django_capture_on_commit_callbacks(execute=True):
        result = seed_demo()
    packs = StoredPack.objects.filter(review__isnull=False)
    assert packs.count() == result.reviews_created == 4
    assert set(packs.values_list("status", flat=True)) == {PackStatus.DONE}
