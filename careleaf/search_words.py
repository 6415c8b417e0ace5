"""Words search answers to besides a page's own: the crisis words that put the region's
crisis and emergency lines above any results, and the other words a guide's standard
sections answer to ("overdose" finds "If you take too much").

Both are defaults: `site.yaml` `search: crisis_words` replaces the crisis list, and an
article, page or record's `also:` adds words of its own.
"""

from __future__ import annotations

# Per language (the primary subtag of site.yaml `language`). Matched in the browser after
# folding case and accents, allowing a slip of a letter in longer words; a phrase matches
# its words in order. Kept broad on purpose: crisis lines above results that did not need
# them cost a glance, their absence for someone in crisis may cost much more.
CRISIS_WORDS = {
    "en": [
        "suicide", "suicidal", "kill myself", "killing myself", "end my life",
        "ending my life", "take my own life", "want to die", "wanna die", "better off dead",
        "self harm", "self-harm", "selfharm", "harm myself", "hurt myself", "cut myself",
        "cutting myself", "overdose", "overdosed", "od", "took too many", "taken too many",
        "take too many", "took too much", "taken too much", "too many tablets",
        "too many pills", "poisoning", "poisoned", "swallowed",
    ],
}

# A guide's standard sections: heading id -> (the record's section, its title on the page
# with {name} for the medicine, the other words it answers to).
GUIDE_SECTIONS = {
    "overdose": ("how_to_take.overdose", "If you take too much {name}",
                 ["overdose", "overdosed", "took too many", "taken too many", "took too much",
                  "taken too much", "too much", "poisoning", "double dose"]),
    "uses": ("uses", "What it is used for", ["used for", "what is it for", "licensed"]),
    "who-can-take": ("who_can_take", "Who can and cannot take it",
                     ["who can take", "who cannot take", "allergic", "allergy"]),
    "how-to-take": ("how_to_take", "How and when to take it",
                    ["dose", "dosage", "how much", "when to take", "missed dose",
                     "forgot", "forgotten"]),
    "side-effects": ("side_effects", "Side effects and what to do",
                     ["side effect", "side effects", "adverse effects", "reaction"]),
    "pregnancy": ("pregnancy", "Pregnancy and breastfeeding",
                  ["pregnant", "pregnancy", "trying for a baby", "breastfeeding",
                   "breast feeding", "fertility"]),
    "interactions": ("interactions", "Taking it with other medicines",
                     ["interactions", "other medicines", "mix", "painkillers", "together"]),
    "driving": ("driving", "Driving and using machines", ["drive", "driving", "machines"]),
    "alcohol": ("alcohol", "Alcohol", ["alcohol", "drink", "drinking", "beer", "wine"]),
    "older-people": ("older_people", "Older people", ["elderly", "older people", "falls"]),
    "dependence": ("dependence", "Addiction and withdrawal",
                   ["addictive", "addiction", "dependence", "dependent", "withdrawal",
                    "misuse"]),
    "stopping": ("stopping", "Stopping {name}",
                 ["stop", "stopping", "come off", "coming off"]),
    "storage": ("storage", "Storing {name} safely",
                ["store", "storage", "dispose", "expiry", "keep"]),
    "common-questions": ("common_questions", "Common questions",
                         ["how long", "how does it work", "weight", "sex", "contraception",
                          "food"]),
}

# What makes a query about two medicines a comparison: "X or Y", "X vs Y", "difference
# between X and Y", "which is better, X or Y".
COMPARE_WORDS = ["or", "vs", "versus", "compared", "compare", "difference", "between",
                 "better", "and"]


def crisis_words(language: str, chosen: list[str] | None) -> list[str]:
    """The crisis words for a site: its own list, or the defaults of its language
    (English where Careleaf has none for it)."""
    if chosen is not None:
        return chosen
    return CRISIS_WORDS.get(language.split("-")[0].lower(), CRISIS_WORDS["en"])
