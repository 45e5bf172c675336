"""English article knowledge: *a* or *an* by sound, which names take *the*, which nouns count.

*a*/*an* goes by the sound of the next word, not its letter: "an hour", "a university", "an MP",
"a one-run lead", "an 18 percent rise". Words are judged by ``inflect`` (MIT; a maintained
rule set with English's exceptions: silent *h*, *u* and *eu* read "you", *one*, letters read by
name). The CMU pronouncing dictionary's PyPI wrapper is GPL-3.0, which this Apache-2.0 package
keeps out of its base install. What inflect reads as words but English reads letter by letter
(short acronyms: "an HIV test", "an SOS") and numbers, which inflect leaves to the caller, are
read here: a number by its words (``inflect.number_to_words``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import mtfix.lexicon as lexicon

if TYPE_CHECKING:
    import inflect

Article = Literal["a", "an"]

# Words English writes with either article ("a historic", "an historic"; "an herb" in the US).
EITHER_ARTICLE = frozenset(
    "herb herbs herbal herbalist historic historical homage hotel hotels hotelier humble "
    "heroic habitual hallucination hypothesis hysterical".split()
)
# All capitals up to this length are read letter by letter ("an NPO", "a UN report"); longer
# ones may be words ("a NATO summit", "an OPEC meeting"), which inflect judges.
MAX_INITIALISM = 3
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_FOUR_DIGIT_READ_IN_PAIRS = re.compile(r"1[18]\d\d(?!\d)")


@lru_cache(maxsize=1)
def _engine() -> inflect.engine:
    import inflect

    return inflect.engine()


def _first_word(token: str) -> str:
    """What is read first: "one-run" is read from "one", "18-year-old" from "18"."""
    return re.split(r"[-–/]", token, maxsplit=1)[0] or token


def _spoken_number(token: str) -> str | None:
    """The first word a number is read as, or None where readers differ: "1800" is "eighteen
    hundred" as a year and "one thousand eight hundred" as an amount."""
    m = _NUMBER.match(token)
    if m is None:
        return None
    digits = m.group()
    if _FOUR_DIGIT_READ_IN_PAIRS.fullmatch(digits):
        return None
    # An ordinal starts with the sound of its cardinal: "an 8th", "an 11th", "a 1st".
    words = str(_engine().number_to_words(digits.replace(",", "")))
    return words.split()[0].strip(",")


@lru_cache(maxsize=8192)
def indefinite_article(token: str) -> Article | None:
    """The article the sound of ``token`` takes (the word right after *a*/*an*), or None where
    English allows either or the token is not a word or number."""
    word = _first_word(token)
    if word[:1].isdigit():
        spoken = _spoken_number(word)
        if spoken is None:
            return None
        word = spoken
    if not word[:1].isalpha() or word.lower() in EITHER_ARTICLE:
        return None
    spelt = word.isupper() and len(word) <= MAX_INITIALISM and word.isalpha()
    code = word[0].isupper() and len(word) > 1 and word[1].isdigit()
    # A capital after the first letter of a word not all in capitals: "mRNA", "iPhone", "eBay".
    prefixed = len(word) > 1 and word[1].isupper() and not word.isupper()
    if spelt or code or prefixed or len(word) == 1:
        # Read by the name of its first letter: "an F", "a U", "an NPO", "an M1", "an mRNA".
        return "an" if word[0].upper() in "AEFHILMNORSX" else "a"
    chosen = _engine().a(word).split(" ", 1)[0].lower()
    return "an" if chosen == "an" else "a"


# Names that take "the" although they are single proper nouns: countries, regions and
# institutions whose English name is a description, or that English has always used so.
# Titles and groups of people take it too: "the Emperor", "the Lord", "the Taliban".
THE_NAMES = frozenset(
    "Hague Vatican Kremlin Pentagon Gambia Congo Sudan Crimea Bronx Punjab Ruhr Donbas Midwest "
    "Arctic Antarctic Sahara Amazon Nile Thames Danube Rhine Mekong Yangtze Pacific Atlantic "
    "Mediterranean Baltic Caribbean Gulf Riviera Levant Bundestag Knesset Duma Diet Senate "
    "Congress Parliament Cabinet Bible Koran Quran Internet Olympics Paralympics "
    "Mr Mrs Ms Dr Prof Sir Lord Lady King Queen Prince Princess Emperor Empress Pope Prophet "
    "Almighty Taliban Mafia".split()
)
# Endings of words for a people, which take "the" for the people as a whole: "the English",
# "the Japanese", "the French", "the Dutch".
PEOPLE_ENDINGS = ("ish", "ese", "ch", "ian", "ans", "an")
# The last word of a company's name, which English writes without "the" ("beat Hokuriku Steel",
# "shares of Tokyo Electric"), unlike an institution's ("the Tokyo Stock Exchange").
# "Group" is not one of them: "the Visegrad Group" is a group of countries.
COMPANY_HEADS = frozenset(
    "Steel Electric Electronics Motor Motors Industries Holdings Corp Corporation Inc Co Ltd "
    "Chemical Chemicals Pharmaceutical Pharmaceuticals Securities Airlines Airways Foods "
    "Construction".split()
)
# Words that may stand between "a" and a plural noun or a number: "a few days", "a dozen
# eggs", "a record 500 people", "a total of", "an estimated 10,000 people".
QUANTITY_WORDS = frozenset(
    "few dozen hundred thousand million billion trillion couple number lot lots total "
    "series record further additional estimated mere staggering whopping full good great "
    "handful majority minority quarter half third fraction maximum minimum average "
    "combined net extra reported remaining".split()
)
# Nouns in -s that are singular ("a means", "a series"), and plurals that are also singular
# nouns ("a people", a nation).
SINGULAR_IN_S = frozenset(
    "means series species news headquarters crossroads barracks whereabouts lens bus gas "
    "physics economics politics mathematics statistics athletics gymnastics aerobics "
    "billiards diabetes measles mumps rabies herpes chassis corps people".split()
)
# Nouns used without an article before "of" at the start of a sentence: "Part of the cost".
BARE_BEFORE_OF = frozenset("part most half plenty lots rest much".split())
# The plural a count noun takes is at most this much rarer than its singular (wordfreq Zipf):
# "libraries" against "library" is -0.7; "informations", "researches", "monies" are -2 or less.
COUNT_PLURAL_MARGIN = -0.8


@lru_cache(maxsize=4096)
def plural_of(noun: str) -> str:
    plural = _engine().plural_noun(noun)
    return plural if isinstance(plural, str) and plural else noun


def is_count_noun(noun: str) -> bool:
    """Whether ``noun`` (lower case, singular) is used as a count noun: its plural is in common
    use ("library", "leader") rather than rare ("information", "advice")."""
    plural = plural_of(noun)
    if plural == noun:
        return False
    return lexicon.zipf(plural) - lexicon.zipf(noun) >= COUNT_PLURAL_MARGIN
