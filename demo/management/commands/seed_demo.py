"""`python manage.py seed_demo`: create the Nordic Air demo (people, journeys, ideas)."""

from django.core.management.base import BaseCommand

from demo.seed import PASSWORD, USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Create the Nordic Air demo: an organisation, three people, two mapped journeys and a "
        "dozen ideas. Safe to run again: nothing is duplicated, existing journeys are left as "
        "they are, and ideas are added only to an organisation that has none."
    )

    def handle(self, *args, **options):
        result = seed_demo()
        org = result.organisation
        out = self.stdout

        state = "created" if result.organisation_created else "already there"
        out.write(f"Organisation {org.name} ({org.slug}): {state}.")
        for user in result.users_created:
            out.write(f"  user {user.email}: created.")
        for user in result.users_existing:
            out.write(f"  user {user.email}: already there, password left unchanged.")
        for journey in result.journeys_created:
            count = journey.touchpoints.count()
            out.write(f"  journey {journey.name}: created with {count} touchpoints.")
        for journey in result.journeys_existing:
            out.write(f"  journey {journey.name}: already there, left as it is.")
        if result.reviews_created:
            out.write(f"  reviews: {result.reviews_created} past review meetings created.")
        if result.ideas_existing:
            out.write(f"  ideas: {result.ideas_existing} already there, no demo ideas added.")
        out.write(
            self.style.SUCCESS(
                f"Done: {result.touchpoints_created} touchpoints created, "
                f"{result.ideas_created} ideas created."
            )
        )

        out.write("")
        out.write(f"Demo logins (password: {PASSWORD}):")
        roles = {
            m.user.email.lower(): str(m.get_role_display())
            for m in org.memberships.select_related("user")
        }
        for spec in USERS:
            role = roles.get(spec["email"], str(spec["role"].label))
            out.write(f"  {spec['email']:<28} {spec['full_name']:<16} {role}")
        if result.users_existing:
            out.write("People who existed before keep the password they had.")
