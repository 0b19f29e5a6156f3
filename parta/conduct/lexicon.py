"""The conduct lexicon: Russian and English profanity and insults, and the allowlist.

Written for this project from knowledge of the language; nothing is downloaded at run time.
Patterns use the small language of ``patterns`` (a letter may repeat or be masked, ``^`` and
``$`` are word edges, ``~`` is the rest of the word).

What is in scope (R33: polite language, no profanity or insults):

* **profanity** — Russian мат (the roots хуй, пизд-, еб-, бляд-, and their prefixed and
  suffixed derivatives), vulgar words around it (сука, мудак, манда, залупа, дрочить,
  гандон, шлюха, хер, говно, жопа, срать) and English profanity (fuck, shit, cunt, ...).
* **insult** — words whose ordinary use is to call a person names: дурак, идиот, дебил,
  кретин, придурок, тупица, урод, лох, чмо, мразь, тварь, сволочь, ублюдок, быдло, and
  the slurs (homophobic, ethnic). English: idiot, moron, stupid, retard, and the slurs.

Decisions:

* Words with an ordinary meaning are matched only in the forms and contexts where the insult
  is the likely reading: "тупой" is not flagged next to угол/нож/карандаш ("тупой угол" is
  geometry); "дурак" is not flagged in "играть в дурака" (the card game) or "Иванушка-дурачок";
  "Идиот" next to роман/Достоевский, "твари" in "Фантастические твари", "каждой твари по
  паре" pass; "сук" (a branch),
  "сучка" in "без сучка и задоринки", "Нигер" (the country), "синдром Дауна" pass.
* Left out on purpose, because their ordinary meaning is too common in a school: скотина,
  козёл, свинья, корова, гад, жирный, петух, хрен (horseradish), блин, ёлки-палки, фак
  (also "факультет"), гнида (nits: a school nurse writes about them), хохол (a forelock,
  a common surname); English crap, damn, hell, jerk, loser, dumb.
* "хер" is matched only in Cyrillic ("her" in English); "манда" not in transliteration
  (Spanish "manda").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ENGLISH", "ENGLISH_ALLOW", "INSULT", "PROFANITY", "RUSSIAN", "RUSSIAN_ALLOW", "Entry"]

PROFANITY = "profanity"
INSULT = "insult"


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: a canonical term and the patterns of its forms."""

    term: str
    category: str
    lang: str
    patterns: tuple[str, ...]
    #: Also match romanized Russian ("pizdets") against this entry.
    translit: bool = True
    #: A regex that, found near the match, shows the ordinary meaning ("тупой угол").
    unless: str | None = None


def _ru(term: str, category: str, *patterns: str, translit: bool = True,
        unless: str | None = None) -> Entry:
    return Entry(term, category, "ru", patterns, translit, unless)


def _en(term: str, category: str, *patterns: str, unless: str | None = None) -> Entry:
    return Entry(term, category, "en", patterns, False, unless)


def _prefixed(prefixes: str, body: str) -> tuple[str, ...]:
    """``^prefix+body`` for each space-separated prefix ("-" is the empty prefix)."""
    return tuple(f"^{'' if p == '-' else p}{body}" for p in prefixes.split())


# Case endings of a noun like "урод" / "подонок" (after the stem).
_NOUN = "(ы|и|а|у|ом|е|ов|ам|ами|ах)?$"
_NOUN_OK = "(ок|ка|ку|ком|ке|ки|ков|кам|ками|ках)$"
_NOUN_A = "(а|ы|и|е|у|ой|ою|ам|ами|ах)$"
_NOUN_SOFT = "(ь|и|ью|ей|ям|ями|ях)$"
_ADJ = "(ой|ый|ий|ая|ое|ые|ого|ому|ым|ом|ую|ых|ыми)$"

# After the root еб: the forms of the verb and its nouns (ебал, ебут, ебёт, еби, ебло...).
_EB = "($|а[лнтшкч]|у($|[тчщ])|е[тшнм]|и($|сь|те|т)|л[оаиуяе]|н[уеи]|ыр|арь)"
# After a prefix also: уебок, уебище, выебон, выебываться, заебца, неебический.
_EB_PREFIXED = (
    "($|а[лнтшкч]|у($|[тчщ])|е[тшнм]|и($|сь|те|т|ч)|л[оаиуяе]|н[уеи]|ыр|арь|ок|к|ищ|он|ыв|ош|ц"
    "|(ы|а|у|ом|ов|ам|ами|ах|е)$)"
)
_EB_PREFIXES = (
    "до за на по при про пере недо не у вы от отъ оть об объ обь раз разъ разь рас под подъ"
    " подь над надъ изъ изь съ сь въ вь взъ долбо долба мозго"
)

RUSSIAN: tuple[Entry, ...] = (
    # --- мат
    # "хую" only after a prefix: "плохую", "сухую", "тихую" end in it.
    _ru("хуй", PROFANITY, "ху[йеяи]", *_prefixed("- по на ни до за от о а", "хую~"), "^хули$"),
    _ru("пизда", PROFANITY, "п[ие]зд", "п[ие]зж"),
    _ru("ебать", PROFANITY, "^еб" + _EB, *_prefixed(_EB_PREFIXES, "еб" + _EB_PREFIXED),
        "^епт(а|ь)?$", "^ебт$"),
    _ru("блядь", PROFANITY, "бляд", "^бля$", "^блят", "^бл[еэ]ать$", "^блэт~"),
    # --- vulgar words around мат
    _ru("сука", PROFANITY, "^сук" + _NOUN_A, "^сукин~", "^сучар~", "^суко$",
        "^сцук[аио]$", "^сукабл~", "^суч[ое]н(ок|к~)", "^сучк(а|и|е|у|ой)$", unless=r"без\s+сучк"),
    _ru("мудак", PROFANITY, "муд(ак|ач|ил|озвон|ло|ень)"),
    _ru("манда", PROFANITY, "^манд(а|ы|е|у|ой|ою)$", "мандавош", "^мандюк~", translit=False),
    _ru("залупа", PROFANITY, "залуп"),
    _ru("дрочить", PROFANITY, *_prefixed("- по на за от вз раз", "дроч~"), "задрот"),
    _ru("гандон", PROFANITY, "г[ао]ндон"),
    _ru("шлюха", PROFANITY, "шлюх", "шлюш", "^шалав~"),
    _ru("хер", PROFANITY,
        *_prefixed("- на по ни до за от пере", "хер($|а$|у$|ом$|н[яиюеу]~|ов~|ач~|ить~|ь$)"),
        translit=False),
    _ru("говно", PROFANITY, *_prefixed("- за об на", "говн~")),  # not "Олеговна"
    _ru("жопа", PROFANITY, "жоп"),
    _ru("срать", PROFANITY, "сра(ть|л|н|ка|ки|ку|кой|ч)"),
    # --- insults
    _ru("дурак", INSULT, "^дурак" + _NOUN, "^дур(а|ы|е|у|ой|ою)$",
        "^дурач(ок|ка|ки|ку|ком|ков|кам|ками|ье)$", "^дурень$", "^дурочк~", "^дурынд~", "^дурачин~",
        unless=r"в\s+дурак|подкидн|переводн|иванушк"),
    _ru("идиот", INSULT, "^идиот~", unless=r"роман|достоевск"),
    _ru("дебил", INSULT, "^дебил~"),
    _ru("кретин", INSULT, "^кретин~"),
    _ru("придурок", INSULT, "^придур(ок|к~|очн~|ош~)"),
    _ru("тупой", INSULT, "^туп" + _ADJ, "^тупиц~", "^тупорыл~", "^тупоголов~",
        unless=r"угол|угл|нож|карандаш|игл|лезви|топор|пил[аы]|конец|кончик|треугольн"),
    _ru("урод", INSULT, "^урод" + _NOUN, "^урод(ина|ины|ине|ину|иной|ец|ца|цы|ка|ки|ке|ку|кой)$"),
    _ru("лох", INSULT, "^лох(и|а|у|ом|ов|ам|ами|ах)?$", "^лохушк~", "^лош(ок|ка|ки|ку|ком|ков)$", "^лошар~", "^лошп[еи]д~"),
    _ru("чмо", INSULT, "^чмо$", "^чмош~", "^чмыр~"),
    _ru("мразь", INSULT, "^мраз" + _NOUN_SOFT, "^мразот~"),
    _ru("тварь", INSULT, "^твар" + _NOUN_SOFT, "^тварин~", unless=r"фантастическ|по\s+паре|божь"),
    _ru("сволочь", INSULT, "^сволоч~", "^сволот~"),
    _ru("ублюдок", INSULT, "ублюд"),
    _ru("выродок", INSULT, "^вырод" + _NOUN_OK),
    _ru("подонок", INSULT, "^подон" + _NOUN_OK),
    _ru("отморозок", INSULT, "^отмороз" + _NOUN_OK),
    _ru("дегенерат", INSULT, "^дегенерат" + _NOUN, "^дегенератк~"),
    _ru("имбецил", INSULT, "^имбецил~"),
    _ru("даун", INSULT, "^даун(ы|ов|ам|ами|ах|енок|ята|ят)?$", unless=r"синдром"),
    _ru("падла", INSULT, "^падл(а|ы|е|у|ой|о)$", "^падлюк~"),
    _ru("ушлёпок", INSULT, "^ушлеп(ок|к~|ан~)"),
    _ru("нищеброд", INSULT, "^нищеброд~"),
    _ru("жирдяй", INSULT, "^жирдя~", "^жиртрест~", "^жирух~"),
    _ru("ссыкло", INSULT, "^ссык~"),
    _ru("быдло", INSULT, "^быдл~"),
    _ru("пидор", INSULT, "^пид[оа]р~", "^пидр(ил~|а|ы|у)?$", "^педрил~", "^педик" + _NOUN,
        "педераст", "^гомик" + _NOUN),
    _ru("жид", INSULT, "^жид(ы|а|у|ом|е|ов|ам|ами|ах|овк~|овск~|яр~)?$"),
    _ru("хач", INSULT, "^хач(и|ей|ам|ами|ах|ье)?$"),
    _ru("чурка", INSULT, "^чурк" + _NOUN_A, "^чурок$"),
    _ru("чучмек", INSULT, "^чучмек~"),
    _ru("ниггер", INSULT, "^ниггер~", "^нигер(ы|ов|ам|ами|ах)$"),
    _ru("пиндос", INSULT, "^пиндос~"),
    _ru("кацап", INSULT, "^кацап~"),
)

ENGLISH: tuple[Entry, ...] = (
    _en("fuck", PROFANITY, "f[uv]ck", "^fck~", "^fuk(in|ing|er|ed|s)?$", "^phuck~",
        "^wtf$", "^stfu$", "^gtfo$"),
    _en("shit", PROFANITY, "shit", "^shite$"),
    _en("bitch", PROFANITY, "bitch", "^biatch~"),
    _en("cunt", PROFANITY, "cunt"),
    _en("dick", PROFANITY, "^dick(s|head~|face~|wad~|ish)?$", unless=r"moby"),
    _en("cock", PROFANITY, "^cock(s|head~)?$", "cocksuck"),
    _en("pussy", PROFANITY, "^puss(y|ies)$"),
    _en("ass", PROFANITY, "^ass$", "ass(hole|hat|wipe|kiss|clown|face|head)~",
        "^arse$", "arsehole", *_prefixed("dumb jack smart fat lard", "ass(es)?$")),
    _en("bastard", PROFANITY, "^bastard~"),
    _en("slut", PROFANITY, "^slut~"),
    _en("whore", PROFANITY, "whore"),
    _en("twat", PROFANITY, "^twat~"),
    _en("wank", PROFANITY, "^wank(er|ers|ing|ed|s)?$"),
    _en("prick", PROFANITY, "^prick(s)?$"),
    _en("bollocks", PROFANITY, "^bollock~"),
    _en("piss", PROFANITY, "^piss(ed|es|ing|er|head|off)?$"),
    _en("idiot", INSULT, "^idiot~"),
    _en("moron", INSULT, "^moron~"),
    _en("stupid", INSULT, "^stupid~"),
    _en("retard", INSULT, "^retard(s|ed)?$"),
    _en("nigger", INSULT, "^nigg(er|ers|a|as|az|ah)$"),
    _en("faggot", INSULT, "^fag(s)?$", "^faggot~"),
    _en("douchebag", INSULT, "^douche?bag~"),
    _en("scumbag", INSULT, "^scumbag~"),
)

#: Whole words (after normalization) that contain a match but are ordinary.
RUSSIAN_ALLOW: tuple[str, ...] = (
    # страховать, психовать: "страхуй", "подстрахую", "психуешь"
    *_prefixed("- за под пере", "страху~"),
    *_prefixed("- рас за", "психу~"),
    "лохнесс~",
    "поддон~",
    "чихуахуа",
)

ENGLISH_ALLOW: tuple[str, ...] = (
    "scunthorp~",
    "shiitake~",
    "shitake~",
    "matsushita", "yamashita", "kinoshita", "morishita",
    "shiite~",
    # Transliterated, these read as Russian words of the lexicon.
    "hue(s|y|ys|d)?", "donahue~", "huert~", "lox", "ebb~", "eyeball~", "debilit~", "gown~",
    "degenerat~", "paddl~",
)
