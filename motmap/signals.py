"""What the core tells the apps above it.

The core is the bottom of the stack of layers (docs/architecture.md) and imports none of the
apps; one that must act when something here changes connects a receiver to one of these signals
in its `AppConfig.ready()`. Receivers run at once, inside the transaction of the change: what
they write commits or rolls back with it, and an error in one undoes the change.
"""

from django.dispatch import Signal

# Sent by `motmap.services.organisation_update` when the organisation's time zone or reminder
# lead changed, with `organisation`. Connected: `reviews.reminders.reschedule_organisation`
# (every review and action reminder moves to the new morning).
organisation_schedule_changed = Signal()

# Sent by `motmap.services.user_delete` just before the account is deleted, with `user`.
# Connected: `ideas.services.forget_author` (their ideas are marked as a former member's, their
# votes are taken back and counted again).
user_deleting = Signal()
