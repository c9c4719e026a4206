"""Demo content: Nordic Air, a mid-size airline mapping its moments of truth.

The data is plain Python so it is easy to read and to change; `seed_demo()` writes it through
the same services the web app uses (they check the rules and write the history). Seeding is
idempotent: a second run creates nothing new, leaves existing passwords alone and never touches
a demo journey that already exists, so edits people made to it survive. The demo ideas (with
their decisions, votes and comments) are added only to an organisation that has no ideas yet.

The services stamp everything with the minute of seeding; afterwards the rows just created are
dated over the past months as if the demo had been in use (`_date_*`): the organisation and the
journeys about seven months ago, each review's rating changes on the day of that meeting, each
idea on a working day of its own, its votes, decisions and comments on the days after it.
"""

import math
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from feedback.models import FeedbackDay, FeedbackReasonDay, FeedbackResponse
from feedback.services import feedback_open, response_record
from ideas.models import Comment, Idea, IdeaEvent, IdeaStatus, Vote
from ideas.services import comment_add, idea_change_status, idea_submit, vote_toggle
from journeys.models import Journey
from journeys.services import journey_create, stage_create
from motmap.bulk import bulk_set
from motmap.models import EDITOR_ROLES, Membership, Organisation, Role
from reviews import services as review_services
from reviews.models import Action, Review
from reviews.reminders import reschedule_action
from touchpoints.models import Touchpoint, TouchpointChange
from touchpoints.services import EXTERNAL_ID_MAX_LENGTH, touchpoint_create

PASSWORD = "motmap-demo"  # noqa: S105 (a published demo password, not a secret)

ORGANISATION = {
    "name": "Nordic Air",
    "slug": "nordic-air",
    "time_zone": "Europe/Stockholm",
}

USERS = [
    {
        "key": "alice",
        "email": "alice@nordic-air.example",
        "full_name": "Alice Andersson",
        "role": Role.OWNER,
    },
    {
        "key": "bob",
        "email": "bob@nordic-air.example",
        "full_name": "Bob Berg",
        "role": Role.MANAGER,
    },
    {
        "key": "carol",
        "email": "carol@nordic-air.example",
        "full_name": "Carol Carlsson",
        "role": Role.STAFF,
    },
]

# Ratings: -2 depresses, -1 disappoints, 0 neutral, +1 pleases, +2 wows.
# Priority = contacts_per_day x (rating_target - rating_current).
BUSINESS_TRIP = {
    "name": "Business trip",
    "description": (
        "A return trip for a business traveller, from the first phone call to the expense "
        "receipt. Most of our revenue flies on this journey, and business travellers compare "
        "us with every other airline on the route, every week."
    ),
    "segment": "Business traveller",
    "owner": "bob",
    "review_cadence": "quarterly",
    "stages": [
        {
            "name": "Booking",
            "touchpoints": [
                {
                    "name": "Booking by phone",
                    "channel": "phone",
                    "moment": (
                        "A traveller or their assistant calls the sales line to book a trip, "
                        "often with a meeting time rather than a flight in mind."
                    ),
                    "desired_outcome": (
                        "The agent answers within three rings, gives their first name and uses "
                        "the caller's name from the frequent-flyer number. They ask when the "
                        "meeting starts and suggest the flight that gets the caller there with "
                        "time to spare, with a seat by the front already chosen. The caller "
                        "hangs up booked in under four minutes, with nothing left to do."
                    ),
                    "customer_wants": (
                        "Don't make me spell my name three times. I know when my meeting is, "
                        "help me pick the flight that fits it."
                    ),
                    "rating_current": 0,
                    "rating_target": 2,
                    "contacts_per_day": 1200,
                    "duration_seconds": 240,
                    "owner": "carol",
                    "frontline_role": "sales agent",
                    "habits": ["strokes", "anticipate"],
                },
                {
                    "name": "Booking confirmation email",
                    "channel": "email",
                    "moment": (
                        "A minute after booking, the confirmation email arrives with the "
                        "itinerary and the booking reference."
                    ),
                    "desired_outcome": (
                        "The email greets the traveller by name and shows the flight times, "
                        "seat and booking reference at the top, readable on a phone. It offers "
                        "to add the trip to the calendar and to send the receipt straight to "
                        "the company's expense system."
                    ),
                    "customer_wants": (
                        "I just need the times and the reference on my phone, not three screens "
                        "of offers before I find them."
                    ),
                    "rating_current": 0,
                    "rating_target": 1,
                    "contacts_per_day": 8000,
                    "duration_seconds": 30,
                    "owner": "alice",
                    "frontline_role": "",
                    "habits": ["little_things"],
                },
                {
                    "name": "Changing the booking",
                    "channel": "app",
                    "moment": (
                        "The meeting moved, so the traveller tries to change the flight in the "
                        "app on the way out of the office."
                    ),
                    "desired_outcome": (
                        "The app shows the flights that fit and what the change costs, before "
                        "anything is committed. Two taps and the new boarding pass is there. "
                        "When the change cannot be done in the app, it says so and offers a "
                        "call-back within ten minutes instead of a dead end."
                    ),
                    "customer_wants": (
                        "Plans change all the time in my job. Let me move the flight myself, and "
                        "tell me the price before I press the button."
                    ),
                    "rating_current": -1,
                    "rating_target": 1,
                    "contacts_per_day": 2500,
                    "duration_seconds": 180,
                    "owner": "bob",
                    "frontline_role": "",
                    "habits": ["say_yes"],
                },
            ],
        },
        {
            "name": "Airport",
            "touchpoints": [
                {
                    "name": "Check-in desk",
                    "channel": "in_person",
                    "moment": (
                        "The traveller reaches the front of the business check-in queue with a "
                        "passport in one hand and a phone in the other."
                    ),
                    "desired_outcome": (
                        'The agent looks up, smiles and says "Good morning, Mr Lindqvist" '
                        "before the passport is on the desk. They glance down the queue and "
                        "call forward the traveller who is late for the flight. If the flight "
                        "is full and an aisle seat is free, they offer it without being asked."
                    ),
                    "customer_wants": (
                        "Look at me, not only at the screen. A quick hello and my name, that's "
                        "all it takes."
                    ),
                    "rating_current": 1,
                    "rating_target": 2,
                    "contacts_per_day": 9000,
                    "duration_seconds": 90,
                    "owner": "carol",
                    "frontline_role": "check-in agent",
                    "habits": ["strokes", "anticipate"],
                },
                {
                    "name": "Bag drop",
                    "channel": "in_person",
                    "moment": (
                        "The traveller drops a suitcase at the self-service bag drop, where an "
                        "agent stands by to help."
                    ),
                    "desired_outcome": (
                        "The machine takes the bag the first time. When it does not, the agent "
                        "is already walking over and sorts it out in a minute, without making "
                        "the traveller feel clumsy. The baggage tag receipt also goes to the app."
                    ),
                    "customer_wants": (
                        "The machines never read my tag the first time. I want someone there who "
                        "just fixes it."
                    ),
                    "rating_current": 0,
                    "rating_target": 1,
                    "contacts_per_day": 7000,
                    "duration_seconds": 60,
                    "owner": "carol",
                    "frontline_role": "bag drop agent",
                    "habits": ["anticipate", "tact"],
                },
                {
                    "name": "Security fast track",
                    "channel": "in_person",
                    "moment": (
                        "The traveller shows the boarding pass at the fast-track lane, often "
                        "to find it nearly as long as the ordinary one."
                    ),
                    "desired_outcome": (
                        "The fast track is fast: under five minutes, and a host tells people how "
                        "long the wait is before they join it. Trays, bins and signs are clean "
                        "and clear. When the lane is closed, the host walks our travellers to "
                        "the front of the open lane instead of pointing at a sign."
                    ),
                    "customer_wants": (
                        "I pay for fast track, so it should be fast. If it's closed, tell me "
                        "before I queue for nothing."
                    ),
                    "rating_current": -1,
                    "rating_target": 1,
                    "contacts_per_day": 12000,
                    "duration_seconds": 300,
                    "owner": "bob",
                    "frontline_role": "security host",
                    "habits": ["little_things", "say_yes"],
                },
                {
                    "name": "Lounge welcome",
                    "channel": "in_person",
                    "moment": (
                        "The traveller walks into the lounge and stops at the reception desk."
                    ),
                    "desired_outcome": (
                        "The host welcomes regulars by name and remembers how they take their "
                        "coffee. They mention the quiet room and the shower before the traveller "
                        "has to ask, and offer to call them when boarding starts so they can "
                        "work until the last minute."
                    ),
                    "customer_wants": (
                        "Somewhere quiet to finish my slides, good coffee, and someone who tells "
                        "me when to go so I don't keep checking the screen."
                    ),
                    "rating_current": 2,
                    "rating_target": 2,
                    "contacts_per_day": 3000,
                    "duration_seconds": 45,
                    "owner": "carol",
                    "frontline_role": "lounge host",
                    "habits": ["strokes", "surprise", "anticipate"],
                },
                {
                    "name": "At the gate",
                    "channel": "in_person",
                    "moment": (
                        "Travellers gather at the gate while the gate agent prepares the "
                        "flight; some come to the desk with questions about seats and "
                        "connections."
                    ),
                    "desired_outcome": (
                        "The gate agent greets the waiting passengers over the speaker with "
                        "the flight status and the boarding time, then keeps them informed. "
                        "Anyone at the desk gets an answer, or \"yes, I'll find out and call "
                        'your name in five minutes".'
                    ),
                    "customer_wants": (
                        "Tell us what's going on. Silence at the gate makes everyone nervous."
                    ),
                    "rating_current": 0,
                    "rating_target": 1,
                    "contacts_per_day": 15000,
                    "duration_seconds": 60,
                    "owner": "bob",
                    "frontline_role": "gate agent",
                    "habits": ["say_yes"],
                },
                {
                    "name": "Boarding",
                    "channel": "in_person",
                    "moment": (
                        "The boarding pass is scanned at the gate: fifteen seconds between the "
                        "traveller and the gate agent."
                    ),
                    "desired_outcome": (
                        "Boarding starts on time and in the announced order. The agent looks "
                        "each traveller in the eye, says their name and wishes them a good "
                        "flight. When the scanner beeps red, the agent says what is wrong "
                        "quietly, not in front of the queue."
                    ),
                    "customer_wants": (
                        "Boarding in groups that actually mean something, and a quick smile at "
                        "the gate. It's a small thing but it sets the tone."
                    ),
                    "rating_current": 0,
                    "rating_target": 1,
                    "contacts_per_day": 16000,
                    "duration_seconds": 15,
                    "owner": "carol",
                    "frontline_role": "gate agent",
                    "habits": ["strokes", "tact"],
                },
            ],
        },
        {
            "name": "Flight",
            "touchpoints": [
                {
                    "name": "Welcome on board",
                    "channel": "in_person",
                    "moment": (
                        "The traveller steps through the aircraft door and meets the purser."
                    ),
                    "desired_outcome": (
                        "The purser greets every passenger, by name in the front rows, and "
                        "points to the seat row. Cabin crew help with the overhead bins before "
                        "anyone struggles, and find space for the traveller's coat."
                    ),
                    "customer_wants": (
                        "A proper hello and a place for my bag near my seat. That's already a "
                        "good start."
                    ),
                    "rating_current": 2,
                    "rating_target": 2,
                    "contacts_per_day": 16000,
                    "duration_seconds": 15,
                    "owner": "alice",
                    "frontline_role": "cabin crew",
                    "habits": ["strokes", "anticipate"],
                },
                {
                    "name": "Cabin service",
                    "channel": "in_person",
                    "moment": (
                        "The crew serve coffee, breakfast or a drink, depending on the time of day."
                    ),
                    "desired_outcome": (
                        "Crew offer the service early on short flights so people can work "
                        "afterwards. They remember a passenger's second coffee before being "
                        "asked and leave sleeping passengers a note with a snack. On morning "
                        "flights everyone gets a newspaper or the news on the app."
                    ),
                    "customer_wants": (
                        "Hot coffee early in the flight, then let me work. If I'm asleep, don't "
                        "wake me, but don't forget me either."
                    ),
                    "rating_current": 1,
                    "rating_target": 2,
                    "contacts_per_day": 14000,
                    "duration_seconds": 60,
                    "owner": "alice",
                    "frontline_role": "cabin crew",
                    "habits": ["surprise", "little_things", "treat_differently"],
                },
                {
                    "name": "Delay announcement",
                    "channel": "in_person",
                    "moment": (
                        "The aircraft waits at the gate or on the ground, and the captain or "
                        "crew tell the passengers that the flight is delayed."
                    ),
                    "desired_outcome": (
                        "The captain speaks within five minutes of knowing, says why and gives "
                        "a realistic time, then updates every fifteen minutes even when nothing "
                        "has changed. Crew walk the aisle, bring water and rebook connections "
                        "on the spot. Nobody has to ask what is going on."
                    ),
                    "customer_wants": (
                        "I can live with a delay. What I can't stand is sitting there for forty "
                        "minutes with no idea how long it will be, while my meeting slips away."
                    ),
                    "rating_current": -2,
                    "rating_target": 1,
                    "contacts_per_day": 6000,
                    "duration_seconds": 120,
                    "owner": "bob",
                    "frontline_role": "captain and cabin crew",
                    "habits": ["anticipate", "say_yes", "tact"],
                },
            ],
        },
        {
            "name": "Arrival",
            "touchpoints": [
                {
                    "name": "Goodbye at the door",
                    "channel": "in_person",
                    "moment": "The traveller leaves the aircraft past the crew at the door.",
                    "desired_outcome": (
                        "Crew say goodbye and thank travellers by name where they know it. "
                        "Passengers with a tight connection have already been told their gate "
                        "and the quickest way there before landing."
                    ),
                    "customer_wants": (
                        "If my connection is tight, tell me the gate before we land, not after "
                        "I've walked the wrong way."
                    ),
                    "rating_current": 1,
                    "rating_target": 2,
                    "contacts_per_day": 16000,
                    "duration_seconds": 10,
                    "owner": "alice",
                    "frontline_role": "cabin crew",
                    "habits": ["strokes", "anticipate"],
                },
                {
                    "name": "Waiting at baggage claim",
                    "channel": "in_person",
                    "moment": (
                        "The traveller stands at the belt waiting for a suitcase, with no idea "
                        "when the bags will come."
                    ),
                    "desired_outcome": (
                        "The first bag is on the belt within fifteen minutes of arrival and "
                        "business-class bags come first, as promised. A screen and the app show "
                        "when the bags are expected. When it takes longer, a baggage agent comes "
                        "to the belt, says why and how long, and takes details from anyone who "
                        "cannot wait."
                    ),
                    "customer_wants": (
                        "Twenty-five minutes staring at an empty belt after a one-hour flight "
                        "ruins the whole trip. Just tell me when my bag is coming."
                    ),
                    "rating_current": -2,
                    "rating_target": 1,
                    "contacts_per_day": 9000,
                    "duration_seconds": 900,
                    "owner": "bob",
                    "frontline_role": "baggage service agent",
                    "habits": ["anticipate", "little_things"],
                },
            ],
        },
        {
            "name": "After the trip",
            "touchpoints": [
                {
                    "name": "Invoice and expense receipt",
                    "channel": "email",
                    "moment": (
                        "Back at the office, the traveller needs a receipt for the expense "
                        "report and has to find it."
                    ),
                    "desired_outcome": (
                        "The receipt arrives by itself the day after the trip, with the VAT "
                        "shown correctly and the company name on it, as one PDF per trip. A "
                        "short thank-you line at the bottom, signed by a real person, and a "
                        "different little travel tip every month."
                    ),
                    "customer_wants": (
                        "Our finance team rejects receipts without VAT. Send me one clean "
                        "receipt for the whole trip without me logging in to find it."
                    ),
                    "rating_current": -1,
                    "rating_target": 1,
                    "contacts_per_day": 6000,
                    "duration_seconds": 120,
                    "owner": "alice",
                    "frontline_role": "",
                    "habits": ["little_things", "surprise"],
                },
            ],
        },
    ],
}

LOST_BAGGAGE = {
    "name": "Lost baggage",
    "description": (
        "What happens when a traveller's bag does not arrive: from the empty belt to the bag "
        "at the hotel and the letter that puts it right. Few travellers make this journey, but "
        "each of them tells everyone about it."
    ),
    "segment": "Traveller whose bag did not arrive",
    "owner": "bob",
    "review_cadence": "quarterly",
    "stages": [
        {
            "name": "At the airport",
            "touchpoints": [
                {
                    "name": "Reporting at the baggage desk",
                    "channel": "in_person",
                    "moment": (
                        "The belt has stopped and the bag is not there. The traveller queues at "
                        "the baggage service desk to report it."
                    ),
                    "desired_outcome": (
                        "The agent starts with \"I'm sorry, let's find your bag\" and already "
                        "knows where it is, because the system traced the tag while the "
                        "traveller was walking over. The report takes five minutes, not twenty, "
                        "and the traveller leaves with a reference, a name and a time."
                    ),
                    "customer_wants": (
                        "Don't make me fill in a form while I'm tired and angry. Tell me where "
                        "my bag is and when I'll get it."
                    ),
                    "rating_current": -1,
                    "rating_target": 2,
                    "contacts_per_day": 350,
                    "duration_seconds": 600,
                    "owner": "carol",
                    "frontline_role": "baggage service agent",
                    "habits": ["tact", "anticipate", "strokes"],
                },
                {
                    "name": "Overnight kit",
                    "channel": "in_person",
                    "moment": (
                        "At the end of the report, the agent hands over a small kit for the "
                        "first night without the suitcase."
                    ),
                    "desired_outcome": (
                        "Every traveller gets a kit with a toothbrush, a T-shirt and a phone "
                        "charger, and the agent says that reasonable purchases until the bag "
                        "arrives will be refunded. Travellers on their way to a meeting are told "
                        "where the nearest shop that opens early is."
                    ),
                    "customer_wants": (
                        "I have a meeting at nine tomorrow and nothing but the suit I'm wearing. "
                        "Tell me what I can buy and that you'll pay for it."
                    ),
                    "rating_current": 1,
                    "rating_target": 2,
                    "contacts_per_day": 350,
                    "duration_seconds": 30,
                    "owner": "carol",
                    "frontline_role": "baggage service agent",
                    "habits": ["surprise", "say_yes", "treat_differently"],
                },
            ],
        },
        {
            "name": "While we search",
            "touchpoints": [
                {
                    "name": "Tracking by SMS and website",
                    "channel": "website",
                    "moment": (
                        "The traveller checks the tracking page, or waits for a text message, "
                        "to find out where the bag is."
                    ),
                    "desired_outcome": (
                        "A text message arrives as soon as the bag is found and whenever it "
                        'moves, in plain words: "Your bag is on the 14:05 from Copenhagen and '
                        'will be at your hotel by 19:00." The tracking page says the same and '
                        'never shows "status unknown" for more than a few hours.'
                    ),
                    "customer_wants": (
                        'The website said "in progress" for two days. I want to know where my '
                        "bag actually is."
                    ),
                    "rating_current": -2,
                    "rating_target": 1,
                    "contacts_per_day": 1200,
                    "duration_seconds": 60,
                    "owner": "bob",
                    "frontline_role": "",
                    "habits": ["anticipate", "little_things"],
                },
                {
                    "name": "Call-back from the baggage team",
                    "channel": "phone",
                    "moment": (
                        "Someone from the baggage team calls the traveller with news, or the "
                        "traveller calls because nobody has."
                    ),
                    "desired_outcome": (
                        "We call first, within the time we promised, from a number that can be "
                        "called back. The same agent follows the case to the end, knows the "
                        "story without asking again, and agrees a delivery time that suits the "
                        "traveller."
                    ),
                    "customer_wants": (
                        "Call me before I have to chase you, and please don't make me tell the "
                        "whole story again to someone new."
                    ),
                    "rating_current": -1,
                    "rating_target": 2,
                    "contacts_per_day": 300,
                    "duration_seconds": 180,
                    "owner": "carol",
                    "frontline_role": "baggage tracing agent",
                    "habits": ["strokes", "say_yes"],
                },
            ],
        },
        {
            "name": "Bag returned",
            "touchpoints": [
                {
                    "name": "Delivery to the hotel",
                    "channel": "in_person",
                    "moment": "A courier brings the suitcase to the traveller's hotel or home.",
                    "desired_outcome": (
                        "The bag arrives at the agreed time and the courier texts when they are "
                        "twenty minutes away. At a hotel, it is left with reception and the "
                        "traveller gets a message the moment it is there. A short handwritten "
                        "note from the baggage team is tied to the handle."
                    ),
                    "customer_wants": (
                        "Don't deliver it at two in the morning, and don't make me wait in the "
                        "room all day for it."
                    ),
                    "rating_current": 0,
                    "rating_target": 2,
                    "contacts_per_day": 300,
                    "duration_seconds": 120,
                    "owner": "bob",
                    "frontline_role": "baggage courier",
                    "habits": ["surprise", "little_things"],
                },
            ],
        },
        {
            "name": "Putting it right",
            "touchpoints": [
                {
                    "name": "Compensation letter",
                    "channel": "letter",
                    "moment": (
                        "The traveller receives our answer to their claim for the things they "
                        "had to buy."
                    ),
                    "desired_outcome": (
                        "The answer comes within a week, in plain language, from a named "
                        "person. It says sorry, pays what was claimed without asking for "
                        "receipts under a small amount, and adds a voucher nobody asked for."
                    ),
                    "customer_wants": (
                        "I waited six weeks for a form letter asking for receipts I'd already "
                        "sent. Just treat me like an adult and pay."
                    ),
                    "rating_current": -2,
                    "rating_target": 1,
                    "contacts_per_day": 300,
                    "duration_seconds": 300,
                    "owner": "alice",
                    "frontline_role": "customer relations officer",
                    "habits": ["surprise", "tact", "say_yes"],
                },
            ],
        },
    ],
}

JOURNEYS = [BUSINESS_TRIP, LOST_BAGGAGE]

# Front-line "wow" ideas for the touchpoints above, in the order they were sent (so the numbers
# run from the oldest to the newest). `decisions` are (status, note) steps taken by `decided_by`
# (or another manager when roles changed); the decisions come before the votes and comments, so
# only the authors hear about them.
IDEAS = [
    {
        "key": "queue-walk",
        "journey": "Business trip",
        "touchpoint": "Check-in desk",
        "author": "carol",
        "anonymous": False,
        "title": "Walk the queue and call tight connections forward",
        "today": (
            "We serve the business queue strictly in order. Travellers whose flight closes in "
            "twenty minutes stand behind people flying in three hours, and ask their neighbours, "
            "red-faced, to let them pass."
        ),
        "proposal": (
            "Every ten minutes in the morning peak one of us walks the queue with a tablet, "
            "finds anyone whose flight closes within forty minutes and checks them in at the "
            "spare desk on the spot, bag tag and all. They leave the queue with a smile instead "
            "of a sprint."
        ),
        "habits": ["anticipate", "treat_differently"],
        "decided_by": "bob",
        "decisions": [
            ("accepted", "Let's try it at Arlanda during the morning peak, from Monday."),
            (
                "implemented",
                "Live at Arlanda since the spring schedule: the queue walk runs every ten "
                "minutes from 05:30 to 09:00. Kastrup and Gardermoen start next month.",
            ),
        ],
        "votes": ["bob", "alice"],
        "comments": [
            (
                "alice",
                "I saw this on Tuesday: a man on the 07:10 to Oslo made it with time for a "
                "coffee. Thank you, Carol.",
            ),
            (
                "carol",
                "Thanks! Tip for the other stations: keep the tablet charging between rounds.",
            ),
        ],
    },
    {
        "key": "delay-timer",
        "journey": "Business trip",
        "touchpoint": "Delay announcement",
        "author": "carol",
        "anonymous": True,
        "title": "A fifteen-minute timer for delay updates",
        "today": (
            "When we are delayed the captain is busy with the ground crew and forgets to update "
            "the cabin. Thirty or forty minutes of silence are common, and the galley fills "
            "with passengers asking what is going on."
        ),
        "proposal": (
            "At the first delay announcement the purser starts a fifteen-minute timer on the "
            "galley tablet. When it rings, the captain or the purser speaks, even if it is only "
            '"no news yet, the next update is at 10:45". Nobody has to remember: the timer does.'
        ),
        "habits": ["anticipate", "tact"],
        "decided_by": "bob",
        "decisions": [
            (
                "under_review",
                "Checking with the chief pilots whether it fits the cockpit workload.",
            ),
            ("accepted", "The chief pilots agree: the purser owns the timer."),
            ("in_progress", "Added to the delay checklist; crews are briefed this month."),
            (
                "implemented",
                "Live on all flights since the crew briefings ended: the timer is part of the "
                "delay checklist.",
            ),
        ],
        "votes": ["alice", "bob"],
        "comments": [
            (
                "bob",
                "Pursers say the timer takes the pressure off: the cabin knows when the next "
                "update comes, so fewer people queue at the galley.",
            ),
        ],
    },
    {
        "key": "belt-times",
        "journey": "Business trip",
        "touchpoint": "Waiting at baggage claim",
        "author": "bob",
        "anonymous": False,
        "title": "Show when the first bags will reach the belt",
        "today": (
            "The belt screen shows only the flight number. People stare at an empty belt for "
            "twenty minutes without knowing whether the bags are five or forty minutes away."
        ),
        "proposal": (
            "The ramp team already radios when the first container leaves the aircraft. Put "
            'that time on the belt screen and in the app: "First bags in about 8 minutes". '
            "When it slips, the screen says so before anyone has to ask."
        ),
        "habits": ["anticipate", "little_things"],
        "decided_by": "alice",
        "decisions": [
            (
                "in_progress",
                "Ramp control agrees. Trial at belt 5 in Arlanda T5 first; the app follows in "
                "the next release.",
            ),
        ],
        "votes": ["carol", "alice"],
        "comments": [
            (
                "carol",
                'Yes please! Half the questions at our desk are "when are the bags coming?".',
            ),
            (
                "alice",
                "Let's count those questions at belt 5 for a week before and after the trial.",
            ),
        ],
    },
    {
        "key": "text-readback",
        "journey": "Business trip",
        "touchpoint": "Booking by phone",
        "author": "carol",
        "anonymous": False,
        "title": "Text the booking while the caller is still on the line",
        "today": (
            "After a phone booking the caller waits for the confirmation email. Many call back "
            "to check the spelling of a name or the time of the flight, and queue again."
        ),
        "proposal": (
            "Before saying goodbye, the agent sends a one-line text with the flight, time, seat "
            'and booking reference, and asks "Did that arrive? Is the name right?". Mistakes are '
            "fixed while we are still talking, and the second call never happens."
        ),
        "habits": ["little_things"],
        "decided_by": "bob",
        "decisions": [
            (
                "accepted",
                "IT can reuse the baggage team's text-message gateway. Planned for the next "
                "release of the booking tool.",
            ),
        ],
        "votes": ["alice"],
        "comments": [
            ("alice", "Simple and cheap. Let's measure the repeat calls before and after."),
        ],
    },
    {
        "key": "lounge-notes",
        "journey": "Business trip",
        "touchpoint": "Lounge welcome",
        "author": "carol",
        "anonymous": True,
        "title": "Let the next host know how a regular takes their coffee",
        "today": (
            "Our hosts remember the coffee and the favourite corner of about twenty regulars. "
            "When the shift changes, or a host moves on, the regular is a stranger again."
        ),
        "proposal": (
            'Let the host add a short note to the frequent-flyer profile ("double espresso, '
            'quiet room, calls before boarding") that the next host sees when the card is '
            "scanned at the desk."
        ),
        "habits": ["strokes", "treat_differently"],
        "decided_by": "bob",
        "decisions": [("under_review", "")],
        "votes": ["alice"],
        "comments": [
            (
                "bob",
                "We like this. We are checking with our data protection officer what we may "
                "store, and how travellers can see and delete it. Back to you by the end of "
                "the month.",
            ),
        ],
    },
    {
        "key": "fast-track-closed",
        "journey": "Business trip",
        "touchpoint": "Security fast track",
        "author": "carol",
        "anonymous": False,
        "title": "Tell travellers at check-in when fast track is closed",
        "today": (
            "Business travellers find out that fast track is closed only when they reach it, "
            "then walk back to the end of the long queue, annoyed with us, not the airport."
        ),
        "proposal": (
            "When the airport closes fast track, the security host texts the check-in "
            'supervisor. We tell business travellers at the desk and print "Fast track closed: '
            'use lane 3, our host will meet you" on the boarding pass.'
        ),
        "habits": ["anticipate", "say_yes"],
        "decided_by": "bob",
        "decisions": [
            ("accepted", "Airport security agrees to text our supervisor when the lane closes."),
        ],
        "votes": ["bob", "alice"],
        "comments": [],
    },
    {
        "key": "kit-sizes",
        "journey": "Lost baggage",
        "touchpoint": "Overnight kit",
        "author": "carol",
        "anonymous": False,
        "title": "Overnight kits with T-shirts in four sizes",
        "today": (
            "The kit has one T-shirt, size XL. It fits almost nobody, and it is no help to a "
            "traveller who has a meeting at nine."
        ),
        "proposal": (
            "Stock kits in S, M, L and XL, and give travellers on their way to a meeting a "
            "voucher for a shirt at the airport shop."
        ),
        "habits": ["treat_differently", "surprise"],
        "decided_by": "bob",
        "decisions": [
            (
                "declined",
                "Four sizes at every desk need storage that most stations do not have. Agents "
                "may already approve a shirt up to 400 SEK on the spot, refunded with the claim: "
                "we will print that in the kit leaflet and say it at the desk instead.",
            ),
        ],
        "votes": [],
        "comments": [
            (
                "bob",
                "Thank you, Carol: the problem is real. Saying yes to the shirt on the spot is "
                "the quicker fix, and your idea is why the leaflet changes.",
            ),
        ],
    },
    {
        "key": "found-photo",
        "journey": "Lost baggage",
        "touchpoint": "Tracking by SMS and website",
        "author": "carol",
        "anonymous": True,
        "title": "Send a photo of the bag the moment we find it",
        "today": (
            'The text message says "Status: in progress" for days. Travellers are not sure we '
            "found their bag and call to describe it again."
        ),
        "proposal": (
            "When the bag is found, the handler takes a photo and the text message links to it: "
            '"Found it! Is this yours? It will be at your hotel by 19:00." Relief in one picture.'
        ),
        "habits": ["surprise", "little_things"],
        "decisions": [],
        "votes": ["alice", "bob"],
        "comments": [
            ("alice", "Love it. Is it all right to send a photo of someone's suitcase by text?"),
            (
                "bob",
                "We would send a link to the tracking page, behind the booking reference, not the "
                "photo itself. That should be fine.",
            ),
            (
                "carol",
                "The handlers at Kastrup already take photos for damage reports, so the camera "
                "is there.",
            ),
        ],
    },
    {
        "key": "found-picture",
        "journey": "Lost baggage",
        "touchpoint": "Tracking by SMS and website",
        "author": "alice",
        "anonymous": False,
        "title": "Picture of the suitcase in the tracking text",
        "today": "Travellers call us to check that the bag we found is really theirs.",
        "proposal": (
            "Put a picture of the found suitcase in the tracking text message, so they can see "
            "it is theirs."
        ),
        "habits": ["surprise"],
        "decided_by": "bob",
        "duplicate_of": "found-photo",
        "decisions": [
            ("duplicate", "Same idea as the photo when we find the bag: vote for that one."),
        ],
        "votes": [],
        "comments": [],
    },
    {
        "key": "location-first",
        "journey": "Lost baggage",
        "touchpoint": "Reporting at the baggage desk",
        "author": "carol",
        "anonymous": False,
        "title": "Say where the bag is before the form",
        "today": (
            "We hand the traveller a two-page form first and look up the tag afterwards, so they "
            "learn only after twenty minutes that their bag is still in Frankfurt."
        ),
        "proposal": (
            "Scan the tag receipt first and tell them within a minute where the bag is and when "
            "it can be with them. Then fill in the form together, pre-filled from the booking: "
            "\"I'm sorry, your bag is in Frankfurt and on the 16:20. Let's get it to you.\""
        ),
        "habits": ["tact", "anticipate"],
        "decisions": [],
        "votes": ["bob", "alice"],
        "comments": [
            (
                "bob",
                "Yes please. Could you time how long the form takes now, for a week? Then we know "
                "what we win.",
            ),
            ("carol", "Will do: I'll note the minutes on every report this week."),
        ],
    },
    {
        "key": "one-agent",
        "journey": "Lost baggage",
        "touchpoint": "Call-back from the baggage team",
        "author": "bob",
        "anonymous": False,
        "title": "One agent per case, with a direct number",
        "today": (
            "Each call goes to whoever is free, so the traveller tells the whole story again, "
            "every time, to someone new."
        ),
        "proposal": (
            "The agent who takes the first call owns the case to the end and gives the traveller "
            "a direct number and their working hours. When they are off, a named colleague "
            "covers, with the notes in front of them."
        ),
        "habits": ["strokes", "say_yes"],
        "decisions": [],
        "votes": ["carol", "alice"],
        "comments": [
            ("carol", "Travellers ask for this every day. Starting over is what makes them angry."),
        ],
    },
    {
        "key": "receipt-cartoon",
        "journey": "Business trip",
        "touchpoint": "Invoice and expense receipt",
        "author": "alice",
        "anonymous": False,
        "title": "A different little drawing on every month's receipts",
        "today": "The receipt is a grey PDF that nobody reads beyond the VAT line.",
        "proposal": (
            "Print a small drawing at the bottom of the receipt, different every month: a "
            "travel tip from our own illustrator. Finance teams start looking forward to our "
            "receipts, and show them around the office."
        ),
        "habits": ["surprise", "little_things"],
        "decisions": [],
        "votes": ["carol", "bob"],
        "comments": [("bob", "Our own finance team would pin these on the wall.")],
    },
]


# Two past review meetings per demo journey, about six and three months ago. The first one
# rates some moments differently from today (so the trends show a change); the second one
# brings them to the ratings above. A few actions: done, dropped, open and one overdue.
REVIEW_DAYS_AGO = (182, 84)
REVIEW_NOTES = {
    "Booking by phone": "Callers now get the agent's first name; the wait is still long at 9:00.",
    "Changing the booking": "The new app version shows the price before the change.",
    "Check-in desk": "Agents look up first since the name-badge week. Queues shorter.",
    "Security fast track": "The airport cut fast-track staff in the morning: longer waits.",
    "Delay announcement": "Captains still wait for the ground crew before saying anything.",
    "Reporting at the baggage desk": "Tag scanned first at Arlanda; other stations follow.",
    "Tracking by SMS and website": "The text now says where the bag is, not only 'in progress'.",
}
REVIEW_ACTIONS = {
    "Business trip": [
        # (review 0 or 1, touchpoint, title, owner, due in days after the meeting, outcome)
        (0, "Check-in desk", "Name-badge week for every check-in agent", "carol", 30, "done"),
        (0, "Booking by phone", "Route 9:00 peak calls to the overflow team", "bob", 45, "dropped"),
        (
            1,
            "Security fast track",
            "Agree morning fast-track staffing with the airport",
            "bob",
            60,
            "overdue",
        ),
        (
            1,
            "Delay announcement",
            "Captain's five-minute rule into the pre-flight briefing",
            "alice",
            120,
            "open",
        ),
    ],
    "Lost baggage": [
        (
            0,
            "Reporting at the baggage desk",
            "Scan the tag before the form at every station",
            "carol",
            40,
            "done",
        ),
        (
            1,
            "Tracking by SMS and website",
            "Send the bag's location in the first text",
            "bob",
            110,
            "open",
        ),
    ],
}


# How long ago the demo's history starts: the organisation and its people, then each journey
# (a week apart) with its touchpoints; the reviews above come after. The ideas are sent one
# after another from IDEA_DAYS_AGO[0] to IDEA_DAYS_AGO[1] days ago, each followed by its votes,
# decisions and comments on later working days (within IDEA_ACTIVITY_DAYS).
ORGANISATION_DAYS_AGO = 210
JOURNEY_DAYS_AGO = 200
IDEA_DAYS_AGO = (170, 8)
IDEA_ACTIVITY_DAYS = 40
WORKING_MINUTES = 9 * 60  # 08:00 to 17:00


def _weekday(day):
    """A working day near `day`: a Saturday is taken as the Friday before, a Sunday as the
    Monday after."""
    return day + timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def _at_work(day, minute, tz):
    """A moment of the working day `day` (08:00 plus `minute`, wrapped into working hours)."""
    return _at(day, 8, tz) + timedelta(minutes=minute % WORKING_MINUTES)


def _later_moments(start, count, *, now, tz, seed):
    """`count` moments after `start`, in order, on later working days where there is room
    (spread over IDEA_ACTIVITY_DAYS at most), and never after `now`."""
    first_day = start.astimezone(tz).date()
    # Whole days before yesterday (a Sunday becomes the Monday after, still before today).
    room = (now.astimezone(tz).date() - first_day).days - 2
    span = max(0, min(room, IDEA_ACTIVITY_DAYS))
    moments, previous = [], start
    for i in range(1, count + 1):
        day = _weekday(first_day + timedelta(days=math.ceil(span * i / count)))
        moment = _at_work(day, seed * 61 + i * 113, tz)
        if moment <= previous:  # the same day as the one before: a little later
            moment = previous + timedelta(minutes=7)
        moment = min(moment, now)
        moments.append(moment)
        previous = moment
    return moments


def _date_organisation(result, tz):
    """A new demo organisation was founded months ago; its people joined that week."""
    today = timezone.now().astimezone(tz).date()
    founded_on = _weekday(today - timedelta(days=ORGANISATION_DAYS_AGO))
    founded = _at(founded_on, 9, tz)
    Organisation.objects.filter(pk=result.organisation.pk).update(created_at=founded)
    order = {spec["email"]: n for n, spec in enumerate(USERS)}
    joined = {
        user.pk: _at_work(
            _weekday(founded_on + timedelta(days=order.get(user.email.lower(), 0))), 90, tz
        )
        for user in result.users_created
    }
    for user in result.users_created:
        user.date_joined = joined[user.pk]
    bulk_set(get_user_model(), result.users_created, ["date_joined"])
    memberships = list(
        Membership.objects.filter(
            organisation=result.organisation, user__in=result.memberships_created
        )
    )
    for membership in memberships:
        membership.created_at = joined.get(membership.user_id, founded)
    bulk_set(Membership, memberships, ["created_at"])


def _date_journey(journey, number):
    """A journey just mapped: dated JOURNEY_DAYS_AGO (a week later for each next one), its
    touchpoints a few minutes apart that morning, their first history rows with them."""
    tz = journey.organisation.tzinfo
    today = timezone.now().astimezone(tz).date()
    created = _at(_weekday(today - timedelta(days=JOURNEY_DAYS_AGO - 7 * number)), 10, tz)
    touchpoints = list(journey.touchpoints.order_by("stage__position", "position"))
    for index, tp in enumerate(touchpoints, start=1):
        tp.created_at = tp.updated_at = created + timedelta(minutes=6 * index)
    bulk_set(Touchpoint, touchpoints, ["created_at", "updated_at"])
    changes = list(TouchpointChange.objects.filter(touchpoint__in=touchpoints))
    written = {tp.pk: tp.created_at for tp in touchpoints}
    for change in changes:
        change.changed_at = written[change.touchpoint_id]
    bulk_set(TouchpointChange, changes, ["changed_at"])
    last = touchpoints[-1].created_at if touchpoints else created
    Journey.objects.filter(pk=journey.pk).update(created_at=created, updated_at=last)


def _date_ideas(ideas, *, organisation):
    """The demo ideas, sent one after another over the months: each one's votes, then its
    decisions, then its comments (which answer them) on the working days after it."""
    if not ideas:
        return
    tz, now = organisation.tzinfo, timezone.now()
    today = now.astimezone(tz).date()
    ideas = list(Idea.objects.filter(pk__in=[i.pk for i in ideas]).order_by("number"))
    rows = {model: defaultdict(list) for model in (IdeaEvent, Vote, Comment)}
    ordering = {IdeaEvent: "at", Vote: "created_at", Comment: "created_at"}
    for model, by_idea in rows.items():
        for row in model.objects.filter(idea__in=ideas).order_by(ordering[model]):
            by_idea[row.idea_id].append(row)
    first, last = IDEA_DAYS_AGO
    for index, idea in enumerate(ideas):
        days_ago = round(first - (first - last) * index / max(len(ideas) - 1, 1))
        created = _at_work(_weekday(today - timedelta(days=days_ago)), 45 + index * 97, tz)
        events = rows[IdeaEvent][idea.pk]
        later = rows[Vote][idea.pk] + events[1:] + rows[Comment][idea.pk]
        moments = _later_moments(created, len(later), now=now, tz=tz, seed=index)
        for row, moment in zip(later, moments, strict=True):
            setattr(row, ordering[type(row)], moment)
        if events:
            events[0].at = created
        idea.created_at = created
        idea.status_changed_at = events[-1].at if events else created
        if idea.implemented_at is not None:
            implemented = [e.at for e in events if e.to_status == IdeaStatus.IMPLEMENTED]
            idea.implemented_at = implemented[-1] if implemented else idea.status_changed_at
        idea.updated_at = max([created, *moments])
    bulk_set(Idea, ideas, ["created_at", "status_changed_at", "implemented_at", "updated_at"])
    for model, by_idea in rows.items():
        bulk_set(model, [row for group in by_idea.values() for row in group], [ordering[model]])


def _earlier_rating(position, rating):
    """The rating a moment had in the first demo review: some worse, some better than now."""
    step = (-1, 1, 0)[position % 3]
    return max(-2, min(2, rating + step))


def _at(day, hour, tz):
    return datetime.combine(day, time(hour), tzinfo=tz)


def _seed_reviews(*, journey, people, result, packs):
    """Two completed reviews of a journey just created, through the review services."""
    org = journey.organisation
    actor = _editor(org, [people["bob"], people["alice"]])
    today = review_services.local_today(org)
    for number, days_ago in enumerate(REVIEW_DAYS_AGO):
        held_on = _weekday(today - timedelta(days=days_ago))
        review = review_services.review_start(
            actor=actor,
            journey=journey,
            held_on=held_on,
            attendees=list(people.values()) if number else [people["alice"], people["bob"]],
            guests="Anna from the call centre supplier" if number else "",
        )
        for row in review.ratings.select_related("touchpoint"):
            final = _spec_rating(journey, row.touchpoint_name)
            rating = _earlier_rating(row.position, final) if number == 0 else final
            note = REVIEW_NOTES.get(row.touchpoint_name, "") if number == 1 else ""
            if rating != row.previous_rating and not note:
                note = (
                    "Better than at the last review."
                    if rating > row.previous_rating
                    else ("Worse than at the last review.")
                )
            review_services.review_rating_save(
                actor=actor, rating_row=row, rating=rating, note=note
            )
        _seed_actions(review=review, number=number, actor=actor, people=people, today=today)
        completing = timezone.now()
        review = review_services.review_complete(
            actor=actor,
            review=review,
            summary="Quarterly review of every moment of truth in customer order.",
            store_pack=packs,
        )
        tz = org.tzinfo
        completed_at = _at(held_on, 11, tz)
        Review.objects.filter(pk=review.pk).update(
            started_at=_at(held_on, 9, tz), completed_at=completed_at
        )
        # The ratings the meeting changed were written to the touchpoints just now: they
        # changed on the day of the meeting.
        TouchpointChange.objects.filter(
            touchpoint__journey=journey, changed_at__gte=completing
        ).update(changed_at=completed_at)
        Touchpoint.objects.filter(journey=journey, updated_at__gte=completing).update(
            updated_at=completed_at
        )
        Journey.objects.filter(pk=journey.pk).update(updated_at=completed_at)
        result.reviews_created += 1


def _spec_rating(journey, touchpoint_name):
    for spec in JOURNEYS:
        if spec["name"].lower() != journey.name.lower():
            continue
        for stage in spec["stages"]:
            for tp in stage["touchpoints"]:
                if tp["name"] == touchpoint_name:
                    return tp["rating_current"]
    return 0


def _seed_actions(*, review, number, actor, people, today):
    """The actions agreed in a demo review, dated as if agreed on the day of the meeting."""
    touchpoints = {row.touchpoint_name: row.touchpoint for row in review.ratings.all()}
    for index, tp_name, title, owner, due_in, outcome in REVIEW_ACTIONS.get(
        review.journey.name, []
    ):
        if index != number or tp_name not in touchpoints:
            continue
        action = review_services.action_create(
            actor=actor,
            review=review,
            touchpoint=touchpoints[tp_name],
            title=title,
            owner=people[owner],
            due_on=today + timedelta(days=1),
        )
        # The service only takes dates from today on; the demo's past is written afterwards.
        due_on = review.held_on + timedelta(days=due_in)
        if outcome == "overdue":
            due_on = min(due_on, today - timedelta(days=10))
        Action.objects.filter(pk=action.pk).update(
            due_on=due_on, created_at=_at(review.held_on, 11, review.organisation.tzinfo)
        )
        action.refresh_from_db()
        if outcome in ("done", "dropped"):
            action = review_services.action_close(actor=actor, action=action, status=outcome)
            Action.objects.filter(pk=action.pk).update(
                closed_at=_at(due_on - timedelta(days=3), 16, review.organisation.tzinfo)
            )
        else:
            reschedule_action(action, now=timezone.now())


@dataclass
class SeedResult:
    """What `seed_demo()` did, for the command to report."""

    organisation: Organisation
    organisation_created: bool = False
    users_created: list = field(default_factory=list)
    users_existing: list = field(default_factory=list)
    memberships_created: list = field(default_factory=list)
    journeys_created: list = field(default_factory=list)
    journeys_existing: list = field(default_factory=list)
    touchpoints_created: int = 0
    ideas_created: int = 0
    ideas_existing: int = 0  # ideas were there already, so the demo added none
    reviews_created: int = 0


def _seed_users(result):
    User = get_user_model()
    people = {}
    for spec in USERS:
        user = User.objects.filter(email__iexact=spec["email"]).first()
        if user is None:
            user = User.objects.create_user(
                email=spec["email"], password=PASSWORD, full_name=spec["full_name"]
            )
            result.users_created.append(user)
        else:
            result.users_existing.append(user)
        _, created = Membership.objects.get_or_create(
            organisation=result.organisation, user=user, defaults={"role": spec["role"]}
        )
        if created:
            result.memberships_created.append(user)
        people[spec["key"]] = user
    return people


def _editor(organisation, preferred):
    """The first of `preferred` who may edit, else any owner: the roles may have been changed."""
    editors = {
        m.user_id: m.user
        for m in Membership.objects.filter(organisation=organisation, role__in=EDITOR_ROLES)
        .select_related("user")
        .order_by("created_at")
    }
    for user in preferred:
        if user.pk in editors:
            return user
    if not editors:
        raise RuntimeError(f"{organisation} has no owner or manager to write the demo as.")
    return next(iter(editors.values()))


def _seed_journey(*, spec, organisation, people, result):
    existing = Journey.objects.filter(organisation=organisation, name__iexact=spec["name"]).first()
    if existing is not None:
        result.journeys_existing.append(existing)
        return
    actor = _editor(organisation, [people["alice"], people["bob"]])
    journey = journey_create(
        actor=actor,
        organisation=organisation,
        name=spec["name"],
        description=spec["description"],
        segment=spec["segment"],
        owner=_editor(organisation, [people[spec["owner"]], actor]),
        review_cadence=spec["review_cadence"],
    )
    for stage_spec in spec["stages"]:
        stage = stage_create(actor=actor, journey=journey, name=stage_spec["name"])
        for tp in stage_spec["touchpoints"]:
            touchpoint_create(
                actor=actor,
                journey=journey,
                stage=stage,
                **{
                    "external_id": _external_id(spec["name"], tp["name"]),
                    **tp,
                    "owner": people[tp["owner"]],
                    "habits": list(tp["habits"]),
                },
            )
            result.touchpoints_created += 1
    _date_journey(journey, JOURNEYS.index(spec) if spec in JOURNEYS else 0)
    result.journeys_created.append(journey)


def _external_id(journey, touchpoint):
    """The ID a demo touchpoint has in "other systems": what the bulk feed and the score
    import find it by (e.g. business-trip/check-in-desk)."""
    return f"{slugify(journey)}/{slugify(touchpoint)}"[:EXTERNAL_ID_MAX_LENGTH]


def _demo_touchpoint(organisation, spec):
    """The touchpoint an idea is about, if it is still there and its journey is not archived."""
    return (
        Touchpoint.objects.filter(
            organisation=organisation,
            journey__name__iexact=spec["journey"],
            journey__archived_at__isnull=True,
            name__iexact=spec["touchpoint"],
        )
        .order_by("created_at")
        .first()
    )


def _seed_ideas(*, organisation, people, result):
    """Add the demo ideas, their decisions, votes and comments: only to an org without ideas.

    Everything goes through the idea services. An idea whose touchpoint was renamed, deleted or
    archived is left out (with its votes and comments). Decisions come before votes and
    comments, so a decision's email reaches only a named author (never a voter or commenter).
    """
    existing = Idea.objects.filter(organisation=organisation).count()
    if existing:
        result.ideas_existing = existing
        return
    ideas = {}
    for spec in IDEAS:
        touchpoint = _demo_touchpoint(organisation, spec)
        if touchpoint is None:
            continue
        try:
            idea, created = idea_submit(
                actor=people[spec["author"]],
                touchpoint=touchpoint,
                title=spec["title"],
                today=spec["today"],
                proposal=spec["proposal"],
                habits=list(spec["habits"]),
                anonymous=spec["anonymous"],
            )
        except ValidationError:  # the hourly limit, when the demo is seeded again and again
            continue
        if created:
            ideas[spec["key"]] = idea
            result.ideas_created += 1
    for spec in IDEAS:
        idea = ideas.get(spec["key"])
        if idea is None or not spec["decisions"]:
            continue
        duplicate_of = ideas.get(spec.get("duplicate_of", ""))
        if spec.get("duplicate_of") and duplicate_of is None:
            continue  # the original was left out: this idea stays new
        actor = _editor(organisation, [people[spec["decided_by"]], people["bob"]])
        for status, note in spec["decisions"]:
            idea = idea_change_status(
                actor=actor, idea=idea, status=status, note=note, duplicate_of=duplicate_of
            )
    for spec in IDEAS:
        idea = ideas.get(spec["key"])
        if idea is None:
            continue
        for key in spec["votes"]:
            vote_toggle(actor=people[key], idea=idea)
        for key, body in spec["comments"]:
            comment_add(actor=people[key], idea=idea, body=body)
    _date_ideas(list(ideas.values()), organisation=organisation)


# Customers' answers: 90 days on most touchpoints, about two a day each, around the team's
# rating, except at the check-in desk, where the team says "pleases" and customers do not agree.
FEEDBACK_DAYS = 90
FEEDBACK_NOT_ASKED = {"Security fast track", "Compensation letter"}
FEEDBACK_VERDICT = {"Check-in desk": -1}  # the customers' own centre, where it differs
FEEDBACK_ALERT_AT = "Waiting at baggage claim"
FEEDBACK_ALERT_COMMENT = "Twenty-five minutes at an empty belt and nobody told us anything."
FEEDBACK_REASONS = ["Quick", "Friendly staff", "Kept me informed", "Solved my problem"]
FEEDBACK_COMMENTS = {
    -2: [
        "Forty minutes in the queue and only two desks open.",
        "Nobody told us anything for half an hour.",
    ],
    -1: ["Slow, but the agent was polite.", "Had to ask twice before anyone helped."],
    1: ["Quick and easy, thank you."],
    2: ["The agent remembered my name from last week. Lovely!", "Best service I've had."],
}


def _seed_feedback(*, journey, people):
    """Open most touchpoints for feedback and give them 90 days of answers with their daily
    roll-ups (written together, so the roll-ups equal a count of the answers)."""
    organisation = journey.organisation
    actor = _editor(organisation, [people["bob"], people["alice"]])
    tz = organisation.tzinfo
    today = timezone.now().astimezone(tz).date()
    rng = random.Random(f"feedback {journey.name}")
    answers = []
    for touchpoint in journey.touchpoints.order_by("stage__position", "position"):
        if touchpoint.name in FEEDBACK_NOT_ASKED:
            continue
        feedback_open(actor=actor, touchpoint=touchpoint, reasons=FEEDBACK_REASONS)
        centre = FEEDBACK_VERDICT.get(touchpoint.name, touchpoint.rating_current)
        for days_ago in range(FEEDBACK_DAYS - 1, -1, -1):
            day = today - timedelta(days=days_ago)
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                face = max(-2, min(2, round(rng.gauss(centre, 0.8))))
                at = _at(day, rng.randint(7, 20), tz) + timedelta(minutes=rng.randint(0, 59))
                if at > timezone.now():
                    at = timezone.now() - timedelta(minutes=rng.randint(1, 50))
                comments = FEEDBACK_COMMENTS.get(face, [])
                answers.append(
                    FeedbackResponse(
                        organisation=organisation,
                        touchpoint=touchpoint,
                        submission_id=uuid.uuid4(),
                        face=face,
                        reason=rng.choice(FEEDBACK_REASONS) if rng.random() < 0.4 else "",
                        comment=rng.choice(comments) if comments and rng.random() < 0.06 else "",
                        channel=rng.choice(("qr", "qr", "qr", "link", "kiosk")),
                        language=rng.choice(("en", "en", "sv", "sv", "nb", "fi")),
                        counted=rng.random() > 0.03,
                        day=at.astimezone(tz).date(),
                        created_at=at,
                    )
                )
    FeedbackResponse.objects.bulk_create(answers, batch_size=1000)
    days, reasons = defaultdict(Counter), Counter()
    for answer in answers:
        key = (answer.touchpoint_id, answer.day)
        days[key][FeedbackDay.FACE_FIELDS[answer.face] if answer.counted else "excluded"] += 1
        if answer.counted and answer.reason:
            reasons[(*key, answer.reason)] += 1
    FeedbackDay.objects.bulk_create(
        FeedbackDay(organisation=organisation, touchpoint_id=tp, day=day, **counts)
        for (tp, day), counts in days.items()
    )
    FeedbackReasonDay.objects.bulk_create(
        FeedbackReasonDay(organisation=organisation, touchpoint_id=tp, day=day, reason=r, count=n)
        for (tp, day, r), n in reasons.items()
    )
    # One recent alert: a "very bad" answer with a comment, through the service (which tells the
    # touchpoint's owner and sends the webhook).
    alerted = journey.touchpoints.filter(name=FEEDBACK_ALERT_AT).first()
    if alerted is not None:
        response_record(
            point=alerted.feedback_point,
            submission_id=uuid.uuid4(),
            face=-2,
            comment=FEEDBACK_ALERT_COMMENT,
            respondent="demo",
            now=timezone.now() - timedelta(minutes=40),
        )


@transaction.atomic
def seed_demo(*, packs=True):
    """Create the Nordic Air demo (once). Safe to run again; returns a `SeedResult`.

    With `packs` the printed pack of each past review is stored too (by the worker, after the
    commit); browser tests that do not look at packs leave them out, as rendering them is slow.
    """
    organisation, created = Organisation.objects.get_or_create(
        slug=ORGANISATION["slug"],
        defaults={"name": ORGANISATION["name"], "time_zone": ORGANISATION["time_zone"]},
    )
    result = SeedResult(organisation=organisation, organisation_created=created)
    people = _seed_users(result)
    if created:
        _date_organisation(result, organisation.tzinfo)
    for spec in JOURNEYS:
        _seed_journey(spec=spec, organisation=organisation, people=people, result=result)
    _seed_ideas(organisation=organisation, people=people, result=result)
    for journey in result.journeys_created:  # never a journey that was there already
        _seed_reviews(journey=journey, people=people, result=result, packs=packs)
        _seed_feedback(journey=journey, people=people)
    return result
