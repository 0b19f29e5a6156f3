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
  By class: intellect (недоумок, болван, безмозглый...), appearance (жиробас, дрыщ...),
  contempt (ничтожество, лузер, терпила...), slurs, disability as an insult (дцпшник).
  Words with an ordinary meaning that insult only the one addressed ("ты свинья", "ты
  никто", "ты тряпка") are in ``ADDRESSED``; bullying without a rude word ("тебя все
  ненавидят", "от тебя воняет") is in ``PHRASES``.
* **threat** — threats, wishes of death, telling someone to hurt themselves ("убью тебя",
  "я тебе ноги сломаю", "сдохни", "иди вешайся"): ``PHRASES``.

Decisions:

* Words with an ordinary meaning are matched only in the forms and contexts where the insult
  is the likely reading: "тупой" is not flagged next to угол/нож/карандаш ("тупой угол" is
  geometry); "дурак" is not flagged in "играть в дурака" (the card game) or "Иванушка-дурачок";
  "Идиот" next to роман/Достоевский, "твари" in "Фантастические твари", "каждой твари по
  паре" pass; "сук" (a branch),
  "сучка" in "без сучка и задоринки", "Нигер" (the country), "синдром Дауна" pass.
* Not matched alone, because their ordinary meaning is too common in a school (only said to
  someone, ``ADDRESSED``): скотина, козёл, свинья, корова, гад, жирный, петух; left out:
  хрен (horseradish), блин, ёлки-палки, фак
  (also "факультет"), гнида (nits: a school nurse writes about them), хохол (a forelock,
  a common surname); English crap, damn, hell, jerk, loser, dumb.
* "хер" is matched only in Cyrillic ("her" in English), its forms "нахер", "херня" also
  romanized; "манда" not in transliteration (Spanish "manda").
* A rude word quoted or discussed ("слово «дебил» — ругательство") is still flagged: use and
  mention cannot be told apart from the text, and quoting is an easy disguise. Titles and
  sayings with an insult word pass by their context ("Страна Дураков", "«Идиот»
  Достоевского", "в семье не без урода"); a quotation that calls someone names ("Ты,
  дурачина, простофиля!") is flagged like any message.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ADDRESSED", "ENGLISH", "ENGLISH_ALLOW", "INSULT", "PHRASES", "PROFANITY", "RUSSIAN", "RUSSIAN_ALLOW",
    "THREAT", "Entry", "Phrase",
]

PROFANITY = "profanity"
INSULT = "insult"
THREAT = "threat"


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
# The soft sign left out, as romanized words often do ("tvar", "mraz'").
_NOUN_SOFT_OPT = "(ь|и|ью|ей|ям|ями|ях)?$"
_ADJ = "(ой|ый|ий|ая|ое|ые|ого|ому|ым|ом|ую|ых|ыми)$"

# After the root еб: the forms of the verb and its nouns (ебал, ебут, ебёт, еби, ебло...).
_EB = "($|а[лнтшкч]|у($|[тчщ])|е[тшнм]|и($|сь|те|т)|л[оаиуяе]|н[уеи]|ыр|арь)"
# After a prefix also: уебок, уебище, выебон, выебываться, заебца, неебический.
_EB_PREFIXED = (
    "($|а[лнтшкч]|у($|[тчщ])|е[тшнм]|и($|сь?|те|т|ч)|л[оаиуяе]|н[уеи]|ыр|арь|ок|к|ищ|он|ыв|о[шс]|ц"
    "|(ы|а|у|ом|ов|ам|ами|ах|е)$)"
)
_EB_PREFIXES = (
    "до за на по при про пере недо не у вы от отъ оть об объ обь раз разъ разь рас под подъ"
    " подь над надъ изъ изь съ сь въ вь взъ долбо долба далбо далба мозго"
)

RUSSIAN: tuple[Entry, ...] = (
    # --- мат
    # "хую" only after a prefix: "плохую", "сухую", "тихую" end in it.
    _ru("хуй", PROFANITY, "ху[йеяи]", *_prefixed("- по на ни до за от о а", "хую~"), "^хули$"),
    _ru("пизда", PROFANITY, "п[ие]зд", "п[ие]зж", "^пзд~"),  # "пздц": the vowel left out
    _ru("ебать", PROFANITY, "^еб" + _EB, *_prefixed(_EB_PREFIXES, "еб" + _EB_PREFIXED),
        "^епт(а|ь)?$", "^ебт$",
        # Inside a compound ("хитровыебанный", "мозгоъебство"): "выеб" and a hard sign before
        # "еб" occur in no ordinary word.
        *(f"{p}еб{_EB_PREFIXED}" for p in ("вы", "въ", "съ", "отъ", "объ", "подъ", "разъ", "взъ"))),
    _ru("блядь", PROFANITY, "бляд", "^бля$", "^блят", "^бл[еэ]ать$", "^блэт~"),
    # --- vulgar words around мат
    _ru("сука", PROFANITY, "^сук" + _NOUN_A, "^сукин~", "^сучар~", "^суко$",
        "^сцук[аио]$", "^сукабл~", "^суч[ое]н(ок|к~)", "^сучк(а|и|е|у|ой)$", unless=r"без\s+сучк"),
    # "сучий", "сучье"; "сучья" is also the plural of "сук" (a branch): not next to wood.
    _ru("сука", PROFANITY, "^суч(ий|ья|ье|ьи|ьего|ьей|ьим|ьих|ьему|ьем)$",
        unless=r"сух|дров|костр|дерев|ветк|ветв|хворост|пил|руб"),
    _ru("мудак", PROFANITY, "муд(ак|ач|ац|ил|озвон|ло|ень)"),
    _ru("манда", PROFANITY, "^манд(а|ы|е|у|ой|ою)$", "мандавош", "^мандюк~", translit=False),
    _ru("залупа", PROFANITY, "залуп"),
    _ru("дрочить", PROFANITY, *_prefixed("- по на за от вз раз", "дроч~"), "задрот"),
    _ru("гандон", PROFANITY, "г[ао]ндон"),
    _ru("шлюха", PROFANITY, "шлюх", "шлюш", "^шалав~", "^потаскух~", "^шмар(а|ы|е|у|ой)$",
        "^давалк(а|и|е|у|ой)$"),
    # Vulgar sex words; not "трахея", "трах-бах", "трахнул кулаком" (banged), "отсос"
    # (suction at the dentist's).
    _ru("трахать", PROFANITY, "^трах(ать|аться|ал|ала|али|ает~|ают~|аешь~)$",
        "^отсос(и|ите|ешь|ать|ала|ал|ут|у)$"),
    _ru("хер", PROFANITY,
        *_prefixed("- на по ни до за от пере", "хер($|а$|у$|ом$|н[яиюеу]~|ов~|ач~|ить~|ь$)"),
        translit=False),
    # Forms of "хер" that no English word has: these are matched romanized too ("idi naher").
    _ru("хер", PROFANITY, *_prefixed("на по ни", "хер(а|у)?$"), "^херн(я|и|ю|ей|е|ею)$"),
    # "иди нах", "пнх" (пошёл на хуй); not romanized: English "nah".
    _ru("хуй", PROFANITY, "^нах$", "^пнх$", translit=False),
    _ru("говно", PROFANITY, *_prefixed("- за об на", "г[оа]вн~"), "^дерьм~"),  # not "Олеговна"
    _ru("жопа", PROFANITY, "жоп"),
    _ru("срать", PROFANITY, "сра(ть|л|н|ка|ки|ку|кой|ч)"),
    # --- insults
    _ru("дурак", INSULT, "^дурак" + _NOUN, "^дур(а|ы|е|у|ой|ою)$",
        "^дурач(ок|ка|ки|ку|ком|ков|кам|ками|ье)$", "^дурень$", "^дурочк~", "^дурынд~", "^дурачин~",
        "^дурал(ей|ея|ею|еем|еи|еев)$",
        unless=r"в\s+дурак|подкидн|переводн|иванушк|стран[аеуы]?\s+дурак|дурак\S*\s+и\s+дорог"),
    _ru("дурак", INSULT, "^полудур(ок|к~|очн~|ош~|еньк~)"),
    _ru("идиот", INSULT, "^идиот~", unless=r"роман|достоевск|мышкин|князь|рогожин|настась"),
    _ru("дебил", INSULT, "^д[еи]бил~"),
    _ru("кретин", INSULT, "^кретин~"),
    _ru("придурок", INSULT, "^придур(ок|к~|очн~|ош~)"),
    _ru("тупой", INSULT, "^туп" + _ADJ, "^тупеньк" + _ADJ, "^тупиц~", "^тупорыл~", "^тупоголов~",
        unless=r"угол|угл|нож|карандаш|игл|лезви|топор|пил[аы]|конец|кончик|треугольн"),
    _ru("урод", INSULT, "^урод" + _NOUN, "^урод(ина|ины|ине|ину|иной|ец|ца|цы|ка|ки|ке|ку|кой)$",
        "^урод(ище|ища|ищу|ищем|ищи)$", unless=r"не\s+без\s+урод"),
    _ru("лох", INSULT, "^лох(и|а|у|ом|ов|ам|ами|ах)?$", "^лохушк~", "^лош(ок|ка|ки|ку|ком|ков)$", "^лошар~", "^лошп[еи]д~",
        "^лохопед~"),
    _ru("чмо", INSULT, "^чмо$", "^чмош~", "^чмыр~"),
    _ru("мразь", INSULT, "^мраз" + _NOUN_SOFT_OPT, "^мразот~"),
    _ru("тварь", INSULT, "^твар" + _NOUN_SOFT_OPT, "^тварин~", "^тварюг~", unless=r"фантастическ|по\s+паре|божь"),
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
    _ru("хач", INSULT, "^хач(и|ей|ам|ами|ах|ье)?$", "^хачик~"),
    # A "чурка" or "чурбан" is also a block of wood.
    _ru("чурка", INSULT, "^чурк" + _NOUN_A, "^чурок$", "^чурбан" + _NOUN,
        unless=r"дров|печ|сара|колк|колот|полен|костр|топор|пил"),
    _ru("чучмек", INSULT, "^чучмек~"),
    _ru("ниггер", INSULT, "^ниггер~", "^нигер(ы|ов|ам|ами|ах)$"),
    _ru("пиндос", INSULT, "^пиндос~"),
    _ru("кацап", INSULT, "^кацап~"),
    # --- more insults: the classes of words used to call a person names. Only words whose
    # ordinary use is the insult; words that also name an animal, a thing or a condition
    # ("свинья", "тряпка", "аутист") are in ADDRESSED below.
    # intellect
    _ru("недоумок", INSULT, "^недоум(ок|к~)", "^недонос(ок|к~)", "^обалду(й|и|я|ю|ем|ев)$"),
    _ru("долбоёб", INSULT, "^долбо~", "^долбанут" + _ADJ),  # долбодятел, долбоящер; not "долбить"
    _ru("безмозглый", INSULT, "^безмозгл~"),
    _ru("олух", INSULT, "^олух" + _NOUN),
    _ru("остолоп", INSULT, "^остолоп~"),
    _ru("болван", INSULT, "^болван" + _NOUN),  # not "болванка" (a blank)
    _ru("бестолочь", INSULT, "^бестолоч~"),
    _ru("слабоумный", INSULT, "^слабоумн" + _ADJ),  # not "слабоумие" (the condition)
    _ru("олигофрен", INSULT, "^олигофрен(ы|а|у|ом|ов|ам|ами|ах|ка|ки|ке|ку|кой)?$"),
    _ru("узколобый", INSULT, "^узколоб~"),
    _ru("шизик", INSULT, "^шизик~"),
    _ru("тупица", INSULT, "^тупоум~", "^тупорог~", "^тупар(ь|я|и|ю|ем|ей)$"),
    # appearance
    _ru("жирдяй", INSULT, "^жиробас~", "^жирняг~", "^толстух~", "^толстожоп~"),
    _ru("страхолюдина", INSULT, "^страхолюд~", "^страшилищ~"),
    _ru("дрыщ", INSULT, "^дрыщ~"),
    _ru("недомерок", INSULT, "^недомер(ок|к~)"),
    _ru("очкарик", INSULT, "^четыр[её]хглаз~"),
    _ru("свинья", INSULT, "^свинот(а|ы|е|у|ой)$", "^свиноподобн~", "^свинорыл~", "^козлин(а|ы|е|у)$"),
    # contempt
    _ru("ничтожество", INSULT, "^ничтожеств(о|а|у|ом|е)$"),
    _ru("лузер", INSULT, "^лузер~"),
    _ru("бомж", INSULT, "^бомжар~", "^бомжих~"),
    _ru("чушпан", INSULT, "^чушпан~"),
    _ru("паскуда", INSULT, "^паскуд~", "^погань$"),
    _ru("сопляк", INSULT, "^сопляк~", "^молокосос~", "^соплежу~"),
    _ru("бездарь", INSULT, "^бездар(ь|и|ью|ей|ями)$"),
    _ru("терпила", INSULT, "^терпил(а|ы|е|у|ой)$"),
    _ru("вонючка", INSULT, "^вонючк~"),
    _ru("гадёныш", INSULT, "^гад[её]ныш~"),
    _ru("засранец", INSULT, "^засран(ец|ц~|к~)"),
    # homophobic and ethnic slurs, people with disabilities as an insult
    _ru("пидор", INSULT, "^гомосек" + _NOUN, "^петушар~"),  # not "гомосексуальный"
    _ru("узкоглазый", INSULT, "^узкоглаз~", "^черномаз~", "^чернозад~"),
    _ru("цыганва", INSULT, "^цыганв~", "^цыганч(ва|уга)~"),
    _ru("армяшка", INSULT, "^армяшк~", "^азерот~"),
    _ru("москаль", INSULT, "^москал(ь|и|я|ю|ем|ей|ям|ями|ях)$"),
    _ru("хохол", INSULT, "^хохл(ы|ам|ами|ах|ушк~|яцк~)$"),  # not "Хохлов", "хохолок"
    _ru("нерусь", INSULT, "^нерус(ь|и|ью)$"),
    _ru("понаехавшие", INSULT, "^понаехавш~"),
    _ru("дцпшник", INSULT, "^дцп(шник|шниц)~"),
)

#: Words that insult a person when said *to* someone ("ты свинья", "скотина, отдай ручку")
#: but have an ordinary meaning ("свинья-копилка", "скотина на ферме", "мусор вынести"):
#: matched only in a form that can name the one addressed (nominative, singular or plural)
#: next to a second-person word ("ты", "вы", "тебя"...) with only qualifiers between, or as
#: the addressee set off by a comma at the start or end of a message that speaks to someone.
ADDRESSED: tuple[Entry, ...] = (
    _ru("свинья", INSULT, "^свинь?(я|и)$", "^свинтус$", "^хряк(и)?$", "^свин$"),
    _ru("козёл", INSULT, "^козе?л(ы)?$", "^козлы$"),
    _ru("баран", INSULT, "^баран(ы)?$", "^овц(а|ы)$", "^ос[её]л$", "^ослы$", "^ослиц(а|ы)$",
        "^балд(а|ы)$"),
    _ru("корова", INSULT, "^коров(а|ы|ища)$", "^бегемот(иха|ы)?$", "^кабан(ы|иха)?$",
        "^слон(иха|яра)$"),
    _ru("крыса", INSULT, "^крыс(а|ы)$", "^шакал(ы)?$", "^гнид(а|ы)$", "^гад(ина|ины)?$",
        "^гады$", "^змеюк(а|и)$", "^стукач(и|ка)?$"),
    _ru("обезьяна", INSULT, "^обезьян(а|ы)$", "^макак(а|и)$", "^мартышк(а|и)$"),
    _ru("скотина", INSULT, "^скотин(а|ы)$", "^скот$", "^животн(ое|ые)$", "^псин(а|ы)$",
        "^собак(а|и)$", "^куриц(а|ы)$", "^овощ(и)?$"),
    _ru("ничтожество", INSULT, "^никто$", "^ноль?$", "^нуль$",
        "^отброс(ы)?$", "^мусор$", "^тряпк(а|и)$", "^позор$", "^позорищ(е|а)$",
        "^обуз(а|ы)$",
        "^слабак(и)?$", "^нытик(и)?$", "^неудачни(к|ки|ца|цы)$", "^бомж(и|иха)?$",
        "^алкаш(и|ка|ки)?$", "^шестерк(а|и)$", "^подстилк(а|и)$", "^клоун(ы)?$"),
    _ru("урод", INSULT, "^уродлив(ый|ая|ые)$", "^страшил(а|ы)$", "^прыщав(ый|ая|ые)$",
        "^очкари(к|ки)$", "^очкаст(ый|ая|ые)$", "^жирн(ый|ая|ые)$", "^толст(ый|ая|ые)$",
        "^дистрофи(к|ки)$", "^коротышк(а|и)$", "^вонюч(ий|ая|ие)$", "^лишн(ий|яя|ие)$"),
    _ru("дурак", INSULT, "^псих(и)?$", "^ненормальн(ый|ая|ые)$", "^тормоз(а)?$",
        "^аутист(ы|ка)?$", "^шизофрени(к|ки)$", "^калек(а|и)$"),
    _ru("пидор", INSULT, "^голуб(ой|ые)$", "^петух(и)?$"),
    # Words with a literal or a literary use ("Швабрин — подлец", "белый карлик", "паразиты
    # в биологии", "ветка дуба") that insult when said to someone.
    _ru("подлец", INSULT, "^подлец(ы)?$", "^негодя(й|и|йка)$", "^мерзав(ец|цы|ка)$",
        "^зараз(а|ы)$", "^паразит(ы|ка)?$", "^дрянь$", "^гнус(ь)?$", "^падаль$",
        "^нечисть$", "^шкур(а|ы)$", "^проститутк(а|и)$", "^свиноматк(а|и)$", "^чушк(а|и)$"),
    _ru("дурак", INSULT, "^балбес(ы)?$", "^лопух(и)?$", "^валенок$", "^пень$", "^дуб$",
        "^бревно$", "^чучело$", "^пугало$", "^глуп(ый|ая|ые|ец|цы)$", "^бестолков(ый|ая|ые)$",
        "^бездарн(ый|ая|ые)$", "^дур[её]х(а|и)$", "^шиз(а|ы)$", "^двинут(ый|ая|ые)$",
        "^ничтожн(ый|ая|ые)$"),
    _ru("слабак", INSULT, "^трус(ы|иха)?$", "^размазн(я|и)$", "^тюфяк(и)?$", "^мямл(я|и)$",
        "^нюн(я|и)$", "^плакс(а|ы)$", "^подлиз(а|ы)$", "^выскочк(а|и)$", "^зазнайк(а|и)$",
        "^щенок$", "^малолетк(а|и)$", "^сопл(я|и)$"),
    _ru("урод", INSULT, "^дылд(а|ы)$", "^каланч(а|и)$", "^шпал(а|ы)$", "^карлик(и)?$",
        "^лилипут(ы)?$", "^шкет(ы)?$", "^горбат(ый|ая)$", "^беззуб(ый|ая)$", "^крокодил$",
        "^грязнул(я|и)$", "^косоглаз(ый|ая|ые)$", "^кривоног(ий|ая|ие)$"),
    _ru("бомж", INSULT, "^нищ(ий|ая|ие|еброд)$", "^оборван(ец|цы|ка)$", "^голодран(ец|цы|ка)$",
        "^деревенщин(а|ы)$", "^колхозни(к|ки|ца)$", "^гопни(к|ки|ца)$", "^нарик(и)?$",
        "^наркоман(ы|ка)?$", "^торчок$"),
    # Romanized words that are also English ("lox", "dura"): the lexicon lets them pass alone.
    _ru("лох", INSULT, "^лох$"),
    _ru("дурак", INSULT, "^дур(а|ак)$"),
)



@dataclass(frozen=True)
class Phrase:
    r"""Words that offend only together ("убью тебя", "тебя все ненавидят").

    The message is read as its words, lowercase Cyrillic (romanized words read back into
    Cyrillic, "ё" as "е"), one space between words and "|" for a word where a clause ends
    (. ! ? ; : — , and line breaks). A phrase starts with one of the words ``first`` and
    goes on as the regular expression ``rest`` says (from right after that word;
    ``(?!\S)`` ends a word). Looking a phrase up by its first word keeps the search fast.
    """

    term: str
    category: str
    first: frozenset[str]
    rest: str


def _phrase(term: str, category: str, first: str, rest: str) -> Phrase:
    return Phrase(term, category, frozenset(first.split()), rest)


_W = r"[^\s|]+"  # one word
_YOU_OBJ = "тебя тя тебе вас вам твою твоего твоих твой твои твоей"
_YOU_OBJ_RE = "(" + "|".join(_YOU_OBJ.split()) + ")"
_VIOLENCE = (
    "убью убьем прибью прибьем забью побью отобью изобью изобьем урою уроем зарою зароем"
    " прирежу зарежу прирежем зарежем закопаю закопаем уничтожу уничтожим пришью пришьем"
    " порву порвем задушу задушим размажу размажем поколочу отлуплю отмудохаю отметелю"
    " отпизжу отпиздим отпиздю прикончу прикончим грохну грохнем замочу замочим покалечу"
    " покалечим урыть прибить убить прикончить закопать покалечить")
_VIOLENCE_RE = "(" + "|".join(_VIOLENCE.split()) + ")"
_BODY = "ноги руки башку голову морду рожу лицо зубы череп нос шею челюсть кости табло хлебало"
_BODY_RE = "(" + "|".join(_BODY.split()) + ")"
_HARM = "сломаю оторву набью разобью пересчитаю начищу расквашу откручу переломаю вырву сверну"
_HARM_RE = "(" + "|".join(_HARM.split()) + ")"
_BREAK = r"(?=\s*(\||$))"
_HATE = r"(ненавид\S*|презира\S*|любит|любят|выносит|выносят|терпит|терпят)"

#: Threats, wishes of death and self-harm, and bullying that needs no rude word.
PHRASES: tuple[Phrase, ...] = (
    # Telling someone to kill or hurt themselves.
    _phrase("сдохни", THREAT,
            "сдохни сдохните повесься повесьтесь вешайся вешайтесь убейся убейтесь утопись"
            " утопитесь удавись удавитесь выпились выпилитесь выпилься самоубейся самоубейтесь"
            " застрелись застрелитесь отравись отравитесь", ""),
    _phrase("сдохни", THREAT, "чтоб чтобы лучше хоть",
            r"(\s+бы?)?(\s+(ты|вы))?\s+(сдох(ла|ли|нешь)?|подох(ла|ли)?|умер(ла|ли)?"
            r"|не\s+родил\S*|не\s+рожд\S*)(?!\S)"),
    _phrase("убью", THREAT, "ты вы", r"\s+(труп|трупы|покойник|не\s+жилец)(?!\S)"),
    # "I will kill/bury/beat you", "I will break your legs".
    _phrase("убью", THREAT, _YOU_OBJ, rf"(\s+{_W}){{0,2}}\s+{_VIOLENCE_RE}(?!\S)"),
    _phrase("убью", THREAT, _VIOLENCE, rf"(\s+{_W}){{0,2}}\s+{_YOU_OBJ_RE}(?!\S)"),
    _phrase("убью", THREAT, _BODY, rf"(\s+{_W})?\s+{_HARM_RE}(?!\S)"),
    _phrase("убью", THREAT, _HARM, rf"(\s+{_W})?\s+{_BODY_RE}(?!\S)"),
    # A threat that ends its clause: "ещё раз скажешь — убью".
    _phrase("убью", THREAT, "убью урою прирежу", _BREAK),  # not "полку прибью."
    _phrase("убью", THREAT, "тебе вам",
            rf"\s+(не\s+жить|конец|хана|капец|крышка|кранты|пипец|трындец){_BREAK}"),
    _phrase("убью", THREAT, "тебя вас", r"\s+(убить|прибить|урыть|закопать|прикончить)\s+мало"),
    # Bullying: "ты никто", "тебя все ненавидят", "от тебя воняет".
    _phrase("ничтожество", INSULT, "ты вы",
            r"\s+(пустое\s+место|ошибка\s+природы|ноль\s+без\s+палочки|никто\s+и\s+звать)"),
    _phrase("ничтожество", INSULT, "тебя вас",
            rf"\s+(все|весь\s+класс|вся\s+школа|никто)\s+(не\s+)?{_HATE}(?!\S)"),
    _phrase("ничтожество", INSULT, "все никто", rf"\s+(тебя|вас)\s+(не\s+)?{_HATE}(?!\S)"),
    _phrase("ничтожество", INSULT, "никто",
            r"\s+(с\s+тобой|с\s+вами|тебя|вас)\s+(не\s+)?(дружит|дружить|будет\s+дружить"
            r"|общается|общаться|играть|сидеть|терпит)(?!\S)"),
    _phrase("ничтожество", INSULT, "от", r"\s+(тебя|вас)\s+(воняет|несет|смердит|разит)(?!\S)"),
    _phrase("ничтожество", INSULT,
            "вали валите проваливай проваливайте убирайся убирайтесь катись катитесь выметайся",
            r"\s+(отсюда|из\s+нашего|из\s+класса|из\s+школы|из\s+чата)(?!\S)"),
    _phrase("ничтожество", INSULT, "зачем",
            r"\s+(ты|вы)\s+(вообще\s+)?(родил\S*|живешь|живете|существуешь|появил\S*)(?!\S)"),
    _phrase("ничтожество", INSULT, "иди идите",
            r"\s+(поплачь\S*|плачь|пореви|лесом|в\s+баню|в\s+задницу)(?!\S)"),
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
    "кретинизм~",  # the condition (biology)
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
    "hue(s|y|ys|d)?", "donahue~", "huert~", "lox", "dura", "jobs?", "jobless~", "hernia~", "ebb~", "eyeball~", "debilit~", "gown~",
    "degenerat~", "paddl~",
)
