"""What reviews tell the apps above them (connected in their `AppConfig.ready()`).

Receivers run at once, inside the transaction of the change (see `motmap.signals`).
"""

from django.dispatch import Signal

# Sent by `reviews.services.review_complete`, with `review` (completed, its ratings copied) and
# `keep_pack` (False when the caller asked for no stored pack). Connected: packs keeps the
# meeting's pack (`packs.services.store_review_pack`, built by the worker after the commit).
review_completed = Signal()
