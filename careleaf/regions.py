"""Built-in regions: the numbers and words for getting help that every page gives.

A site names its region in site.yaml (`region: UK`); emergency, urgent and crisis advice,
callout titles and side-effect tiers then come from here, so one setting moves a site to
another country's services. Where each fact comes from is noted beside it (checked
2026-11-22); a site in another region gives its own as a mapping (see README.md).
"""

from __future__ import annotations

PRESETS: dict[str, dict[str, object]] = {
    # NHS, "When to call 999" and "When to use 111" (nhs.uk); Samaritans, "Contact us"
    # (samaritans.org): 116 123, free, 24 hours a day. 112 reaches the same emergency
    # services as 999 in the UK (Ofcom).
    "UK": {
        "code": "UK",
        "name": "United Kingdom",
        "emergency_number": "999",
        "emergency_action": "Call 999 or go to A&E (the emergency department) now",
        "urgent_action": "Call a doctor or 111 now",
        "routine_action": "Speak to a pharmacist or doctor",
        "self_care_action": "Manage it yourself or ask a pharmacist",
        "emergency_line": (
            "In an emergency, or if you think someone has taken too much of a medicine, "
            "call 999 or go to A&E (the emergency department) now. For urgent advice, "
            "call 111."),
        "crisis_line": (
            "If you are thinking about harming yourself or ending your life, call "
            "Samaritans free on 116 123, day or night, or call 111. If you might act on "
            "these thoughts, call 999 now."),
        "poisons": (
            "Take the medicine's box or leaflet with you, and any tablets that are left. "
            "For advice when you are not sure, call 111."),
        "numbers": ["999", "111", "112", "116 123"],
    },
    # 911; the 988 Suicide & Crisis Lifeline (988lifeline.org: call or text 988, any time);
    # Poison Help, 1-800-222-1222 (US Health Resources and Services Administration,
    # poisonhelp.hrsa.gov), which connects to the local poison center.
    "US": {
        "code": "US",
        "name": "United States",
        "emergency_number": "911",
        "emergency_action": "Call 911 or go to the emergency room now",
        "urgent_action": "Call your doctor now, or go to urgent care",
        "routine_action": "Talk to your doctor or pharmacist",
        "self_care_action": "Manage it yourself or ask a pharmacist",
        "emergency_line": (
            "In an emergency, call 911 or go to the emergency room now. If you think "
            "someone has taken too much of a medicine, call Poison Help at 1-800-222-1222 "
            "(free, any time), or 911 if they have collapsed, had a seizure or have trouble "
            "breathing."),
        "crisis_line": (
            "If you are thinking about harming yourself or ending your life, call or text "
            "988, the Suicide & Crisis Lifeline, any time. If you might act on these "
            "thoughts, call 911 now."),
        "poisons": (
            "Call Poison Help at 1-800-222-1222 (free, any time) for advice. Have the "
            "medicine's bottle or label with you."),
        "numbers": ["911", "988", "1-800-222-1222"],
    },
}
