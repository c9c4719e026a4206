import datetime

import factory
from django.contrib.auth import get_user_model

from journeys.models import Journey, Stage
from motmap.models import Membership, Organisation, Role
from touchpoints.models import Touchpoint

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    time_zone = "Europe/Stockholm"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.STAFF


class JourneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journey

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Journey {n}")
    segment = "Business traveller"


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    journey = factory.SubFactory(JourneyFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n + 1)


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    stage = factory.SubFactory(StageFactory)
    journey = factory.LazyAttribute(lambda o: o.stage.journey)
    organisation = factory.LazyAttribute(lambda o: o.stage.journey.organisation)
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    position = factory.Sequence(lambda n: n + 1)
    channel = "in_person"
    desired_outcome = "The customer is greeted by name.\nThen helped at once."
    customer_wants = "Be recognised."
    rating_current = 0
    rating_target = 2
    contacts_per_day = 100
    duration_seconds = 30


def _next_idea_number(organisation):
    from django.db.models import Max

    from ideas.models import Idea

    return (Idea.objects.filter(organisation=organisation).aggregate(m=Max("number"))["m"] or 0) + 1


class IdeaFactory(factory.django.DjangoModelFactory):
    """An idea written straight to the table (no rules): for reads, boards and fixtures.

    Pass `touchpoint=` (and `author=`, None for an anonymous idea); the organisation and the
    next number of that organisation follow from it.
    """

    class Meta:
        model = "ideas.Idea"

    touchpoint = factory.SubFactory(TouchpointFactory)
    organisation = factory.LazyAttribute(lambda o: o.touchpoint.organisation)
    number = factory.LazyAttribute(lambda o: _next_idea_number(o.organisation))
    author = None
    title = factory.Sequence(lambda n: f"Idea {n}")
    today = "The queue at the desk is long and nobody says hello."
    proposal = "Greet every traveller by name as they arrive."
    habits = factory.LazyFunction(list)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review written straight to the table (no rules, no rating rows): pass `journey=`.

    Use reviews.services.review_start for a review with its rating rows.
    """

    class Meta:
        model = "reviews.Review"

    journey = factory.SubFactory(JourneyFactory)
    organisation = factory.LazyAttribute(lambda o: o.journey.organisation)
    held_on = factory.LazyFunction(datetime.date.today)


class ActionFactory(factory.django.DjangoModelFactory):
    """An open action straight to the table: pass `journey=` (or `review=`) and `owner=`."""

    class Meta:
        model = "reviews.Action"

    review = None
    journey = factory.LazyAttribute(lambda o: o.review.journey if o.review else JourneyFactory())
    organisation = factory.LazyAttribute(lambda o: o.journey.organisation)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = None
    due_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=14))
